"""Records every DataDiver computation as a FiftyOne run.

A run stores the config of a computation (model, fields, parameters) on the
dataset, so it can be listed (``dataset.list_runs()``), inspected
(``dataset.get_run_info(key)``), reloaded and deleted like any brain run.
"""
import re


_PREFIX = "datadiver_"


def run_key(method, suffix=None):
    """Builds a valid run key such as ``datadiver_embeddings_clip_vit_b_32``.

    Args:
        method: short method name (``"embeddings"``, ``"ood"``, ...)
        suffix (None): optional qualifier, e.g. a field name

    Returns:
        a string usable as a FiftyOne run key (a Python identifier)
    """
    key = _PREFIX + method + ("_" + suffix if suffix else "")
    key = re.sub(r"[^0-9a-zA-Z_]", "_", key)
    return key


def record_run(samples, key, method, results=None, overwrite=True, **config):
    """Registers (or replaces) a run with its config on ``samples``.

    Args:
        samples: a FiftyOne dataset or view; the run records this view
        key: the run key (see :func:`run_key`)
        method: short method name stored in the config
        results (None): an optional dict of JSON-serialisable results
        overwrite (True): replace an existing run with the same key
        **config: JSON-serialisable parameters of the computation

    Returns:
        the run key
    """
    dataset = samples._dataset
    if key in dataset.list_runs():
        if not overwrite:
            raise ValueError(f"A run with key '{key}' already exists")
        dataset.delete_run(key)
    cfg = samples.init_run(method=method, **config)
    samples.register_run(key, cfg)
    if results is not None:
        res = samples.init_run_results(key, **results)
        samples.save_run_results(key, res)
    return key


def get_run_config(samples, key):
    """Returns the config of run ``key`` as a dict, or ``None`` if absent."""
    dataset = samples._dataset
    if key not in dataset.list_runs():
        return None
    return dataset.get_run_info(key).config.serialize()


def get_run_results(samples, key):
    """Returns the stored results of run ``key`` as a dict, or ``None``."""
    dataset = samples._dataset
    if key not in dataset.list_runs():
        return None
    res = dataset.load_run_results(key, load_view=False)
    return None if res is None else res.serialize()


def list_datadiver_runs(samples):
    """Lists the keys of the runs this bundle recorded on the dataset."""
    return [k for k in samples._dataset.list_runs() if k.startswith(_PREFIX)]

"""Records every DataDiver computation as a FiftyOne run, the way
fiftyone-brain records its methods.

Each method has a typed config class (its parameters as attributes, ``type``
``"run"``, ``method`` fixed by the class) and a run class with
:meth:`~DataDiverRun.get_fields` (the sample fields the run wrote) and
:meth:`~DataDiverRun.cleanup` (deletes them). FiftyOne resolves the run class
from the config's ``cls`` (``EmbeddingsRunConfig`` -> ``EmbeddingsRun``), so
the usual calls work on these runs::

    dataset.list_runs()                   # includes datadiver_* keys
    dataset.get_run_info(key).config      # an EmbeddingsRunConfig, ...
    dataset.load_run_results(key)         # a DataDiverRunResults
    dataset.delete_run(key)               # also deletes the run's fields

A run's state (``"running"`` while a job is in progress or was killed,
``"complete"`` after) is stored with its results (:class:`DataDiverRunResults`
``.status``), not in its config; read it with :func:`get_run_status`.
Recording a run again under its key updates it in place (new config, results,
timestamp and view; same run document); on a FiftyOne version that
:mod:`datadiver_fo.internal.store` has not been tested with, it is replaced
instead (public API only; its fields are kept either way).

Runs recorded by earlier versions (a generic ``fiftyone.core.runs.RunConfig``
with ``method=``, a ``status`` in the config) still load, list and report
their status; recording the method again replaces them with a typed run and
keeps their fields.
"""
import re

import fiftyone.core.runs as fors

from datadiver_fo.internal import store

_PREFIX = "datadiver_"
RUNNING = "running"
COMPLETE = "complete"


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


# --------------------------------------------------------------------------- #
# Configs, runs and results
# --------------------------------------------------------------------------- #


class DataDiverRunConfig(fors.RunConfig):
    """Base of the typed run configs: ``method`` comes from the class.

    Subclasses take their parameters as keyword arguments, store them as
    attributes and name in ``_FIELD_ATTRS`` the attributes that hold the
    sample fields the run writes (a field name, a list of them, or ``None``).

    Args:
        **kwargs: parameters this class does not declare (e.g. from a newer
            version), kept as attributes so the run still loads
    """

    _METHOD = None
    _FIELD_ATTRS = ()

    def __init__(self, **kwargs):
        kwargs.pop("method", None)
        super().__init__(**kwargs)

    @property
    def method(self):
        return self._METHOD

    @classmethod
    def _virtual_attributes(cls):
        return ["cls", "type", "method"]

    def output_fields(self):
        """Returns the list of sample fields the run wrote (names, in order)."""
        out = []
        for attr in self._FIELD_ATTRS:
            value = getattr(self, attr, None)
            for name in [value] if isinstance(value, str) else list(value or []):
                if name and name not in out:
                    out.append(name)
        return out


class DataDiverRun(fors.Run):
    """Base of the run classes: the run's fields come from its config.

    Args:
        config: a :class:`DataDiverRunConfig`
    """

    def get_fields(self, samples, key):
        """Returns the list of sample fields run ``key`` wrote on ``samples``
        (whether or not they still exist)."""
        return self.config.output_fields()

    def cleanup(self, samples, key):
        """Deletes the sample fields run ``key`` wrote from the dataset of
        ``samples`` (those that still exist)."""
        dataset = samples._dataset
        fields = [f for f in self.get_fields(samples, key) if dataset.has_sample_field(f)]
        if fields:
            dataset.delete_sample_fields(fields)


class DataDiverRunResults(fors.RunResults):
    """Results of a DataDiver run: the method's own JSON-serialisable results
    as attributes, plus ``status``.

    Args:
        samples: the dataset or view of the run
        config: its :class:`DataDiverRunConfig`
        key: the run key
        backend (None): a :class:`DataDiverRun`; built from ``config`` if
            ``None``
        status ("complete"): ``"running"`` or ``"complete"``
        **kwargs: the method's results
    """

    def __init__(self, samples, config, key, backend=None, status=COMPLETE, **kwargs):
        super().__init__(samples, config, key, backend=backend, status=status, **kwargs)


class EmbeddingsRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.compute_embeddings`: writes ``field``.

    Args:
        model (None): the model string
        field (None): the embeddings field written
        fingerprint (None): the model config's fingerprint (resume key)
        image_size (None), batch_size (None), device (None), has_text (None):
            the settings used
        dim (None): the vector size, known once the run completes
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "embeddings"
    _FIELD_ATTRS = ("field",)

    def __init__(self, model=None, field=None, fingerprint=None, image_size=None,
                 batch_size=None, device=None, has_text=None, dim=None, **kwargs):
        self.model = model
        self.field = field
        self.fingerprint = fingerprint
        self.image_size = image_size
        self.batch_size = batch_size
        self.device = device
        self.has_text = has_text
        self.dim = dim
        super().__init__(**kwargs)


class EmbeddingsRun(DataDiverRun):
    """Run of :class:`EmbeddingsRunConfig`."""


class PredictionsRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.compute_predictions`: writes
    ``pred_field`` and the ``member_fields``.

    Args:
        label_field (None), pred_field (None), members (None: list of member
            dicts), member_fields (None: list of field names), num_folds
            (None), group_field (None), seed (None), classes (None), logits
            (None), member_logits (None): the parameters used
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "predictions"
    _FIELD_ATTRS = ("pred_field", "member_fields")

    def __init__(self, label_field=None, pred_field=None, members=None, member_fields=None,
                 num_folds=None, group_field=None, seed=None, classes=None, logits=None,
                 member_logits=None, **kwargs):
        self.label_field = label_field
        self.pred_field = pred_field
        self.members = members
        self.member_fields = member_fields
        self.num_folds = num_folds
        self.group_field = group_field
        self.seed = seed
        self.classes = classes
        self.logits = logits
        self.member_logits = member_logits
        super().__init__(**kwargs)


class PredictionsRun(DataDiverRun):
    """Run of :class:`PredictionsRunConfig`."""


class OodRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.compute_ood`: writes ``score_field``,
    ``knn_field`` (``None`` without kNN), ``band_field`` and
    ``member_entropy_field``.

    Args:
        pred_field (None), pred_key (None), score_field (None), knn_field
            (None), band_field (None), member_entropy_field (None), bands
            (None: list of 2 floats), knn (None: dict of kNN settings):
            the parameters used
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "ood"
    _FIELD_ATTRS = ("score_field", "knn_field", "band_field", "member_entropy_field")

    def __init__(self, pred_field=None, pred_key=None, score_field=None, knn_field=None,
                 band_field=None, member_entropy_field=None, bands=None, knn=None, **kwargs):
        self.pred_field = pred_field
        self.pred_key = pred_key
        self.score_field = score_field
        self.knn_field = knn_field
        self.band_field = band_field
        self.member_entropy_field = member_entropy_field
        self.bands = bands
        self.knn = knn
        super().__init__(**kwargs)


class OodRun(DataDiverRun):
    """Run of :class:`OodRunConfig`."""


class LabelIssuesRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.find_label_issues`: writes
    ``issue_field``, ``quality_field`` and ``suggested_field`` (the
    ``brain_fields`` belong to fiftyone-brain's own runs).

    Args:
        pred_field (None), pred_key (None), label_field (None), issue_field
            (None), quality_field (None), suggested_field (None), filter_by
            (None), quality_method (None), brain_fields (None: list),
            min_margin (None), group_field (None), group_issue_field (None),
            group_quality_field (None), view_per_group (None): the
            parameters used
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "label_issues"
    _FIELD_ATTRS = ("issue_field", "quality_field", "suggested_field",
                    "group_issue_field", "group_quality_field")

    def __init__(self, pred_field=None, pred_key=None, label_field=None, issue_field=None,
                 quality_field=None, suggested_field=None, filter_by=None, quality_method=None,
                 brain_fields=None, min_margin=None, group_field=None, group_issue_field=None,
                 group_quality_field=None, view_per_group=None, **kwargs):
        self.min_margin = min_margin
        self.group_field = group_field
        self.group_issue_field = group_issue_field
        self.group_quality_field = group_quality_field
        self.view_per_group = view_per_group
        self.pred_field = pred_field
        self.pred_key = pred_key
        self.label_field = label_field
        self.issue_field = issue_field
        self.quality_field = quality_field
        self.suggested_field = suggested_field
        self.filter_by = filter_by
        self.quality_method = quality_method
        self.brain_fields = brain_fields
        super().__init__(**kwargs)


class LabelIssuesRun(DataDiverRun):
    """Run of :class:`LabelIssuesRunConfig`."""


class QualityRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.compute_quality`: writes ``fields``.

    Args:
        group_by (None: list), min_group_size (None), z_threshold (None): the
            parameters used
        fields (None): list of the score fields written
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "quality"
    _FIELD_ATTRS = ("fields",)

    def __init__(self, group_by=None, min_group_size=None, z_threshold=None, fields=None,
                 **kwargs):
        self.group_by = group_by
        self.min_group_size = min_group_size
        self.z_threshold = z_threshold
        self.fields = fields
        super().__init__(**kwargs)


class QualityRun(DataDiverRun):
    """Run of :class:`QualityRunConfig`."""


class DuplicatesRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.find_duplicates`: writes ``fields``
    (the ``leak`` tags it sets are not fields and stay).

    Args:
        embeddings (None), threshold (None), exact (None), hash_method (None),
            leak_threshold (None): the parameters used
        fields (None): list of the fields written (``content_hash`` when
            ``exact``, ``duplicate_group``, ``duplicate_of``)
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "duplicates"
    _FIELD_ATTRS = ("fields",)

    def __init__(self, embeddings=None, threshold=None, exact=None, hash_method=None,
                 leak_threshold=None, fields=None, **kwargs):
        self.embeddings = embeddings
        self.threshold = threshold
        self.exact = exact
        self.hash_method = hash_method
        self.leak_threshold = leak_threshold
        self.fields = fields
        super().__init__(**kwargs)


class DuplicatesRun(DataDiverRun):
    """Run of :class:`DuplicatesRunConfig`."""


class ZeroshotRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.zero_shot_classify`: writes
    ``label_field`` (and FiftyOne evaluation ``eval_key`` of it).

    Args:
        model (None), label_field (None), templates (None: list), classes
            (None: list), gt_field (None), compare_field (None), eval_key
            (None): the parameters used
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "zeroshot"
    _FIELD_ATTRS = ("label_field",)

    def __init__(self, model=None, label_field=None, templates=None, classes=None,
                 gt_field=None, compare_field=None, eval_key=None, **kwargs):
        self.model = model
        self.label_field = label_field
        self.templates = templates
        self.classes = classes
        self.gt_field = gt_field
        self.compare_field = compare_field
        self.eval_key = eval_key
        super().__init__(**kwargs)


class ZeroshotRun(DataDiverRun):
    """Run of :class:`ZeroshotRunConfig`; its cleanup also deletes evaluation
    ``eval_key`` when it evaluated ``label_field``."""

    def cleanup(self, samples, key):
        dataset = samples._dataset
        eval_key = self.config.eval_key
        if eval_key and eval_key in dataset.list_evaluations():
            # an evaluation of a deleted field could no longer load its view
            if dataset.get_evaluation_info(eval_key).config.pred_field == self.config.label_field:
                dataset.delete_evaluation(eval_key)
        super().cleanup(samples, key)


class NeighborsRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.write_neighbors`: writes ``field`` and
    ``dist_field``.

    Args:
        embeddings (None), k (None), metric (None), field (None), dist_field
            (None), embeddings_model (None): the parameters used
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "neighbors"
    _FIELD_ATTRS = ("field", "dist_field")

    def __init__(self, embeddings=None, k=None, metric=None, field=None, dist_field=None,
                 embeddings_model=None, **kwargs):
        self.embeddings = embeddings
        self.k = k
        self.metric = metric
        self.field = field
        self.dist_field = dist_field
        self.embeddings_model = embeddings_model
        super().__init__(**kwargs)


class NeighborsRun(DataDiverRun):
    """Run of :class:`NeighborsRunConfig`."""


class SkewRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.compute_skew`: writes no sample field
    (``fields`` are the attributes compared).

    Args:
        fields (None: list), embeddings (None), name_a (None), name_b (None),
            cv (None), bins (None): the parameters used
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "skew"

    def __init__(self, fields=None, embeddings=None, name_a=None, name_b=None, cv=None,
                 bins=None, **kwargs):
        self.fields = fields
        self.embeddings = embeddings
        self.name_a = name_a
        self.name_b = name_b
        self.cv = cv
        self.bins = bins
        super().__init__(**kwargs)


class SkewRun(DataDiverRun):
    """Run of :class:`SkewRunConfig`."""


class ActiveLearningRunConfig(DataDiverRunConfig):
    """Config of :func:`datadiver_fo.propose_labels` (the loop's state is its
    results). It owns no sample field: labels are the user's and
    ``al_margin`` is shared by every loop.

    Args:
        embeddings (None), label_field (None), batch_size (None),
            cold_start_size (None), seed (None): the parameters used
        **kwargs: see :class:`DataDiverRunConfig`
    """

    _METHOD = "active_learning"

    def __init__(self, embeddings=None, label_field=None, batch_size=None,
                 cold_start_size=None, seed=None, **kwargs):
        self.embeddings = embeddings
        self.label_field = label_field
        self.batch_size = batch_size
        self.cold_start_size = cold_start_size
        self.seed = seed
        super().__init__(**kwargs)


class ActiveLearningRun(DataDiverRun):
    """Run of :class:`ActiveLearningRunConfig`."""


_CONFIGS = {
    c._METHOD: c
    for c in (EmbeddingsRunConfig, PredictionsRunConfig, OodRunConfig, LabelIssuesRunConfig,
              QualityRunConfig, DuplicatesRunConfig, ZeroshotRunConfig, NeighborsRunConfig,
              SkewRunConfig, ActiveLearningRunConfig)
}


# --------------------------------------------------------------------------- #
# Recording and reading
# --------------------------------------------------------------------------- #


def make_config(method, **config):
    """Builds the typed config of ``method``.

    Args:
        method: a method name (``"embeddings"``, ``"ood"``, ...); an unknown
            name gets a generic ``fiftyone.core.runs.RunConfig``
        **config: JSON-serialisable parameters of the computation

    Returns:
        a :class:`DataDiverRunConfig` subclass instance (or a ``RunConfig``)
    """
    cls = _CONFIGS.get(method)
    if cls is None:
        return fors.RunConfig(method=method, **config)
    return cls(**config)


def _run_info(samples, key):
    """The RunInfo of ``key``, or ``None`` when it is absent or cannot load."""
    if key not in samples._root_dataset.list_runs():
        return None
    try:
        return samples.get_run_info(key)
    except Exception:  # e.g. a config class this version no longer has
        return None


def _touch(samples, key):
    """Stamps the stored run ``key`` as ``register_run`` would, for a run
    updated in place (see :func:`datadiver_fo.internal.store.stamp_run_doc`)."""
    store.stamp_run_doc(samples, key)


def _save_results(samples, key, config, results, status):
    if results is None and status == COMPLETE:
        # a run without results: drop any a previous run of this key stored
        fors.Run.save_run_results(samples, key, None)
        return
    res = DataDiverRunResults(samples, config, key, status=status, **(results or {}))
    samples.save_run_results(key, res)


def _refresh_sidebar(samples):
    # the run's output fields join the App's "datadiver" sidebar group
    from .sidebar import refresh_sidebar_group

    refresh_sidebar_group(samples._root_dataset)


def record_run(samples, key, method, results=None, overwrite=True, status=COMPLETE, **config):
    """Records run ``key`` of ``method`` on ``samples``, or updates it in place.

    A run already under ``key`` with the same config class gets the new
    config, results, timestamp and view (same run document, its fields are
    kept); one of another class (an older version's generic ``RunConfig``) is
    replaced without its cleanup (its fields are kept).

    Args:
        samples: a FiftyOne dataset or view; the run records this view
        key: the run key (see :func:`run_key`)
        method: the method name, which picks the config class
            (``"embeddings"``, ``"predictions"``, ``"ood"``,
            ``"label_issues"``, ``"quality"``, ``"duplicates"``,
            ``"zeroshot"``, ``"neighbors"``, ``"skew"``, ``"active_learning"``)
        results (None): a dict of JSON-serialisable results (stored as
            :class:`DataDiverRunResults` attributes; no key ``"status"``)
        overwrite (True): whether an existing run with this key may be updated
        status ("complete"): ``"running"`` for a job that will call
            :func:`finish_run` when done
        **config: the parameters of the computation (see the config classes)

    Returns:
        the run key

    Raises:
        ValueError: ``overwrite=False`` and a run ``key`` exists, or an
            invalid key
    """
    cfg = make_config(method, **config)
    if key in samples._root_dataset.list_runs():
        if not overwrite:
            raise ValueError(f"A run with key '{key}' already exists")
        info = _run_info(samples, key)
        # in place needs FiftyOne internals (_touch); on an untested FiftyOne
        # the run is replaced through the public API, its fields kept
        if store.FAST and info is not None and type(info.config) is type(cfg):
            samples.update_run_config(key, cfg)
            _touch(samples, key)
            _save_results(samples, key, cfg, results, status)
            _refresh_sidebar(samples)
            return key
        fors.Run.delete_run(samples, key, cleanup=False)
    samples.register_run(key, cfg)
    if results is not None or status != COMPLETE:
        _save_results(samples, key, cfg, results, status)
    _refresh_sidebar(samples)
    return key


def finish_run(samples, key, results=None, **config):
    """Marks run ``key`` (recorded with ``status="running"``) complete, in
    place.

    Args:
        samples: the dataset or view the run was recorded on
        key: the run key
        results (None): a dict of JSON-serialisable results to store
        **config: config attributes known only at the end (e.g. ``dim``),
            set on the stored config

    Returns:
        the run key

    Raises:
        ValueError: no run ``key`` on the dataset
    """
    cfg = samples.get_run_info(key).config
    if config:
        for name, value in config.items():
            setattr(cfg, name, value)
        samples.update_run_config(key, cfg)
    _save_results(samples, key, cfg, results, COMPLETE)
    _refresh_sidebar(samples)
    return key


def get_run_config(samples, key):
    """Returns the config of run ``key`` as a dict (``cls``, ``type``,
    ``method`` and the parameters), or ``None`` if absent."""
    dataset = samples._dataset
    if key not in dataset.list_runs():
        return None
    return dataset.get_run_info(key).config.serialize()


def get_run_results(samples, key):
    """Returns the stored results of run ``key`` as a dict (``cls`` and the
    method's results), or ``None`` if the run or its results are absent."""
    dataset = samples._dataset
    if key not in dataset.list_runs():
        return None
    res = dataset.load_run_results(key, load_view=False)
    if res is None:
        return None
    out = res.serialize()
    out.pop("status", None)  # the run's state, see get_run_status
    return out


def get_run_status(samples, key):
    """Returns ``"running"`` (in progress, or killed) or ``"complete"`` for
    run ``key``, or ``None`` if absent. Runs of older versions kept it in
    their config; runs without a status are complete."""
    dataset = samples._dataset
    if key not in dataset.list_runs():
        return None
    res = dataset.load_run_results(key, load_view=False)
    status = getattr(res, "status", None)
    if status is None:
        status = getattr(dataset.get_run_info(key).config, "status", None)
    return status or COMPLETE


def list_datadiver_runs(samples):
    """Lists the keys of the runs this bundle recorded on the dataset
    (including those of older versions)."""
    return [k for k in samples._dataset.list_runs() if k.startswith(_PREFIX)]

"""Shared test set-up: a private MongoDB per test run, the plugin on the
plugins path, and a miniature Tiny-ImageNet-C generated once per session.

Environment variables must be set before fiftyone is first imported, so this
module sets them at import time.
"""
import os
import shutil
import tempfile
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_RUN_DIR = tempfile.mkdtemp(prefix="datadiver-tests-")

# A private database per pytest run: parallel runs never see each other's data.
os.environ["FIFTYONE_DATABASE_DIR"] = os.path.join(_RUN_DIR, "db")
os.environ["FIFTYONE_DATABASE_NAME"] = "datadiver-" + uuid.uuid4().hex[:8]
os.environ.pop("FIFTYONE_DATABASE_URI", None)
os.environ["FIFTYONE_PLUGINS_DIR"] = REPO
os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PLUGIN_URI = "@datadiver/datadiver"


def pytest_sessionfinish(session, exitstatus):
    # The database folder stays: mongod outlives this process by a moment and
    # aborts if its files vanish under it (FiftyOne stops it when the last
    # client exits). Everything else goes.
    for name in os.listdir(_RUN_DIR):
        if name != "db":
            shutil.rmtree(os.path.join(_RUN_DIR, name), ignore_errors=True)


@pytest.fixture(scope="session")
def run_dir():
    """A temporary folder that lives for the whole test session."""
    return _RUN_DIR


@pytest.fixture
def unique_name():
    """A dataset name no other test uses."""
    return "dd-test-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def mini(run_dir):
    """A small generated Tiny-ImageNet-C tree (plus tiny-imagenet-200).

    6 classes x 3 source images, 5 corruptions from different families, all 5
    severities, clean copies. Returns the generator's info object (``.root``,
    ``.clean_root``, ``.wnids``...). Read-only for tests: copy it before
    damaging it.
    """
    import datadiver_fo as ddf

    out = os.path.join(run_dir, "mini")
    return ddf.make_miniature(
        out,
        num_classes=6,
        images_per_class=3,
        corruptions=["gaussian_noise", "defocus_blur", "fog", "jpeg_compression", "spatter"],
        severities=[1, 2, 3, 4, 5],
        seed=51,
        with_clean=True,
    )


@pytest.fixture(scope="session")
def mini_dataset(mini):
    """The miniature loaded into a persistent FiftyOne dataset (C images + clean
    val/train images). Read-only for tests: use ``mini_dataset.clone()`` before
    writing to it."""
    import datadiver_fo as ddf

    ds = ddf.load_tiny_imagenet_c(
        mini.root, name="dd-test-mini", clean_root=mini.clean_root, overwrite=True
    )
    yield ds


@pytest.fixture
def fresh_dataset(mini_dataset, unique_name):
    """A writable clone of ``mini_dataset``, deleted after the test."""
    ds = mini_dataset.clone(unique_name, persistent=True)
    yield ds
    if ds.name in __import__("fiftyone").list_datasets():
        ds.delete()


@pytest.fixture(scope="session")
def run_operator():
    """Runs one of this bundle's operators the way the App does, through
    FiftyOne's operator executor (resolve_input validation included).

    Usage: ``run_operator("load_tiny_imagenet_c", dataset, params={...},
    view=None, selected=None, delegated=False)``. Returns FiftyOne's
    ExecutionResult (``.result`` holds what ``execute`` returned).
    """
    import fiftyone.operators as foo

    def _run(name, dataset=None, params=None, view=None, selected=None, delegated=False, **ctx):
        kwargs = dict(params=params or {}, **ctx)
        if view is not None:
            kwargs["view"] = view
        if dataset is not None:
            kwargs["dataset"] = dataset
        if selected:
            kwargs["selected"] = list(selected)
        if delegated:
            kwargs["request_delegation"] = True
        return foo.execute_operator(f"{PLUGIN_URI}/{name}", **kwargs)

    return _run

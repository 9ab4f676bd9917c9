"""Shared test set-up: a private MongoDB per test run, the plugin on the
plugins path, and a miniature Tiny-ImageNet-C generated once per session.

Environment variables must be set before fiftyone is first imported, so this
module sets them at import time.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_RUN_DIR = tempfile.mkdtemp(prefix="datadiver-tests-")



from private_mongod import start_private_mongod as _start_private_mongod, stop as _stop  # noqa: E402


# A private database per pytest run: parallel runs never see each other's data.
os.environ["FIFTYONE_DATABASE_DIR"] = os.path.join(_RUN_DIR, "db")
os.environ["FIFTYONE_DATABASE_NAME"] = "datadiver-" + uuid.uuid4().hex[:8]
os.environ.pop("FIFTYONE_DATABASE_URI", None)
_MONGOD, _URI = _start_private_mongod(os.path.join(_RUN_DIR, "db"))
if _URI:
    os.environ["FIFTYONE_DATABASE_URI"] = _URI
os.environ["FIFTYONE_PLUGINS_DIR"] = REPO
os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PLUGIN_URI = "@datadiver/datadiver"


def pytest_sessionfinish(session, exitstatus):
    # Disconnect before stopping the server, then remove its files.
    try:
        import fiftyone.core.odm.database as fodb

        fodb._disconnect()
    except Exception:
        pass
    _stop(_MONGOD)
    shutil.rmtree(_RUN_DIR, ignore_errors=True)


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


def _tiny_open_clip(dir_, seed=0):
    """A randomly initialised, tiny open_clip model saved to files; returns
    its DataDiver model string (no weights are downloaded)."""
    import open_clip
    import torch

    cfg = {
        "embed_dim": 32,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 64, "patch_size": 8, "head_width": 32},
        "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 1},
    }
    cfg_path = os.path.join(dir_, "ddtinyclip.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    open_clip.add_model_config(cfg_path)
    torch.manual_seed(seed)
    model = open_clip.create_model("ddtinyclip")
    ckpt = os.path.join(dir_, "ddtinyclip.pt")
    torch.save(model.state_dict(), ckpt)
    return f"open_clip:{cfg_path}:{ckpt}"


@pytest.fixture(scope="session")
def tiny_clip():
    """``tiny_clip(folder, seed=0) -> "open_clip:<config>:<checkpoint>"``: writes a
    tiny randomly initialised open_clip model (image and text towers) to files."""
    return _tiny_open_clip


@pytest.fixture(scope="session")
def run_concurrently():
    """Runs Python snippets in real separate processes that start their work at
    the same instant, against this test run's MongoDB.

    Usage: ``run_concurrently(code, args_list, timeout=120)``. ``code`` is the
    body of a script; it gets ``ARG`` (one item of ``args_list``, JSON) and
    must print one JSON line as its last output line. Each process imports
    what it needs, then waits for a shared start time, so imports do not
    stagger the writes. Returns the list of parsed JSON results, one per
    process, in ``args_list`` order; raises if any process failed or ran over
    ``timeout`` seconds.
    """
    import sys
    import textwrap

    def _run(code, args_list, timeout=120, warmup=None):
        prelude = textwrap.dedent(
            """
            import json, sys, time
            ARG = json.loads(sys.argv[1])
            START = float(sys.argv[2])
            import fiftyone as fo
            import datadiver_fo as ddf
            {warmup}
            time.sleep(max(0.0, START - time.time()))
            """
        ).format(warmup=textwrap.dedent(warmup or ""))
        script = prelude + textwrap.dedent(code)
        # Room for every process to import fiftyone (a few s each on 2 cores).
        start = time.time() + 8.0 + 4.0 * len(args_list)
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, json.dumps(a), repr(start)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            )
            for a in args_list
        ]
        results = []
        deadline = start + timeout
        for p in procs:
            try:
                out, err = p.communicate(timeout=max(1.0, deadline - time.time()))
            except subprocess.TimeoutExpired:
                for q in procs:
                    q.kill()
                raise AssertionError(f"a concurrent process ran over {timeout} s")
            if p.returncode != 0:
                raise AssertionError(f"a concurrent process failed ({p.returncode}):\n{err[-3000:]}")
            lines = [l for l in out.splitlines() if l.strip()]
            results.append(json.loads(lines[-1]))
        return results

    return _run

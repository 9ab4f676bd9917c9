"""The ``datadiver`` command and the demo, run as real subprocesses (the
installed console script, ``.venv/bin/datadiver``) against this test run's
private MongoDB (the environment conftest sets is inherited)."""
import os
import shutil
import subprocess
import sys
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The console script next to the interpreter running the tests (the venv's).
DATADIVER = shutil.which("datadiver", path=os.path.dirname(sys.executable))


def _run(args, timeout=300):
    assert DATADIVER, f"no datadiver console script next to {sys.executable}: pip install -e ."
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    res = subprocess.run([DATADIVER, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    return res


def test_help_lists_every_command():
    for args in ([], ["--help"], ["-h"]):
        res = _run(args)
        assert res.returncode == 0, res.stderr
        for cmd in ("datadiver demo", "datadiver miniature OUT", "datadiver load ROOT", "datadiver serve DATASET"):
            assert cmd in res.stdout
    bad = _run(["frobnicate"])
    assert bad.returncode == 2 and "datadiver load ROOT" in bad.stdout


def test_miniature_then_load(tmp_path):
    out = tmp_path / "mini"
    res = _run(["miniature", str(out), "--classes", "2", "--images", "1",
                "--corruptions", "fog,spatter", "--severities", "2,4"])
    assert res.returncode == 0, res.stderr
    assert "2 classes x 1 images x 2 corruptions x 2 severities" in res.stdout
    assert sorted(os.listdir(out / "Tiny-ImageNet-C")) == ["fog", "spatter"]

    name = "dd-test-cli-" + uuid.uuid4().hex[:6]
    res = _run(["load", str(out / "Tiny-ImageNet-C"), "--name", name,
                "--clean-root", str(out / "tiny-imagenet-200"), "--severities", "4"])
    assert res.returncode == 0, res.stderr
    import fiftyone as fo

    try:
        ds = fo.load_dataset(name)
        # 2 classes x 1 image x 2 corruptions at severity 4, plus the clean images
        assert ds.match({"corruption": {"$ne": "clean"}}).count() == 4
        assert set(ds.distinct("severity")) == {0, 4}
        assert name in res.stdout and "fog" in res.stdout  # the summary is printed
    finally:
        if name in fo.list_datasets():
            fo.delete_dataset(name)
    missing = _run(["load", str(tmp_path / "nowhere"), "--name", name])
    assert missing.returncode != 0 and "nowhere" in missing.stderr


def test_demo_small_runs_end_to_end(tmp_path):
    name = "dd-test-demo-" + uuid.uuid4().hex[:6]
    t = time.perf_counter()
    res = _run(["demo", "--small", "--out", str(tmp_path / "demo"), "--name", name], timeout=600)
    took = time.perf_counter() - t
    import fiftyone as fo

    try:
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        for step in range(1, 8):
            assert f"=== {step}. " in res.stdout
        assert "torch batch: images" in res.stdout and "open it in the App" in res.stdout
        ds = fo.load_dataset(name)
        assert "datadiver/demo-weather-blur" in ds.list_saved_views()
        assert ds.has_field("ood_score") and ds.has_field("predictions")
        print(f"demo --small: {took:.0f} s")
    finally:
        if name in fo.list_datasets():
            fo.delete_dataset(name)

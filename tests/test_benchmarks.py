"""The benchmarks stay runnable: each one imports against the current package
layout and answers --help (CI runs the tests, not the benchmarks, so a moved
module would otherwise break them unnoticed)."""
import glob
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHES = sorted(glob.glob(os.path.join(REPO, "benchmarks", "bench_*.py")))


def test_there_are_benchmarks():
    assert len(BENCHES) >= 5, BENCHES


@pytest.mark.parametrize("path", BENCHES, ids=os.path.basename)
def test_benchmark_answers_help(path):
    out = subprocess.run([sys.executable, path, "--help"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "usage:" in out.stdout


def test_gpu_embedding_benchmark_runs_without_fiftyone(tmp_path):
    # it must run where FiftyOne and MongoDB are absent (the GPU machine):
    # a CPU smoke run at a tiny size, with fiftyone made unimportable
    out_json = tmp_path / "gpu.json"
    block = tmp_path / "block"
    block.mkdir()
    (block / "fiftyone.py").write_text("raise ImportError('fiftyone is not on this machine')\n")
    env = dict(os.environ, PYTHONPATH=str(block))
    args = [sys.executable, os.path.join(REPO, "benchmarks", "bench_embeddings_gpu.py"), "--device", "cpu",
            "--n", "96", "--distinct", "16", "--arch", "resnet18", "--extra-archs", "--fo-n", "64",
            "--fwd-n", "32", "--image-size", "64", "--batch-sizes", "32", "--budget", "5",
            "--out", str(out_json)]
    res = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    import json

    rows = json.loads(out_json.read_text())["rows"]
    stages = {r["stage"] for r in rows}
    assert {"forward only", "decode only", "end to end (no database)", "agreement"} <= stages
    e2e = [r for r in rows if r["stage"] == "end to end (no database)"]
    assert all(r["images"] > 0 and r["images_per_s"] > 0 for r in e2e)

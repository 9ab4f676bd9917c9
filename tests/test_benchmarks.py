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

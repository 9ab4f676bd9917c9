"""The ``datadiver`` command and the demo, run as real subprocesses (the
installed console script, ``.venv/bin/datadiver``) against this test run's
private MongoDB (the environment conftest sets is inherited)."""
import json
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
    # for scripts: --json is one JSON document (nothing else), --quiet nothing
    again = _run(["miniature", str(out), "--classes", "2", "--images", "1",
                  "--corruptions", "fog,spatter", "--severities", "2,4", "--json"])
    doc = json.loads(again.stdout)
    assert doc["num_files"] >= 2 * 1 * 2 * 2 and doc["num_written"] == 0  # all there already
    assert doc["corruptions"] == ["fog", "spatter"] and doc["severities"] == [2, 4]
    assert doc["root"] == str(out / "Tiny-ImageNet-C")
    quiet = _run(["miniature", str(out), "--classes", "2", "--images", "1",
                  "--corruptions", "fog,spatter", "--severities", "2,4", "--quiet"])
    assert quiet.returncode == 0 and quiet.stdout == ""

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
        res = _run(["load", str(out / "Tiny-ImageNet-C"), "--name", name,
                    "--clean-root", str(out / "tiny-imagenet-200"), "--severities", "4",
                    "--json"])
        doc = json.loads(res.stdout)
        assert doc["dataset"] == name and doc["num_samples"] == len(ds)
        assert doc["added"] == 0 and doc["classes"] == 2  # re-run: nothing new
        res = _run(["load", str(out / "Tiny-ImageNet-C"), "--name", name, "--quiet"])
        assert res.stdout.count("\n") == 1 and res.stdout.startswith(f"{name}: ")
    finally:
        if name in fo.list_datasets():
            fo.delete_dataset(name)
    missing = _run(["load", str(tmp_path / "nowhere"), "--name", name])
    assert missing.returncode != 0 and "nowhere" in missing.stderr


def test_demo_small_runs_end_to_end(tmp_path):
    """One run of the main job: its stdout reads like a report (one line per
    step, a summary table, no third-party logs, under 100 lines), and the
    JSON document (--report FILE; --json prints the same on stdout) lists
    every step with its figures."""
    name = "dd-test-demo-" + uuid.uuid4().hex[:6]
    report = tmp_path / "report.json"
    t = time.perf_counter()
    res = _run(["demo", "--small", "--out", str(tmp_path / "demo"), "--name", name,
                "--report", str(report)], timeout=600)
    took = time.perf_counter() - t
    import fiftyone as fo

    try:
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        lines = res.stdout.splitlines()
        assert len(lines) <= 100, len(lines)
        doc = json.loads(report.read_text())
        assert doc["ok"] is True and doc["dataset"] == name
        keys = [s["key"] for s in doc["steps"]]
        assert keys[:2] == ["miniature", "load"] and "label_issues" in keys
        assert keys[-2:] == ["customise", "corrupt_copy"] and len(set(keys)) == len(keys)
        for s in doc["steps"]:
            assert s["ok"] and s["seconds"] >= 0 and s["summary"] and isinstance(s["figures"], dict)
            # the step's line, with its time, is in the text report
            assert any(line.startswith(f"[{s['step']:>2}] ") and line.endswith(" s)")
                       for line in lines), s
        figs = {s["key"]: s["figures"] for s in doc["steps"]}
        assert figs["load"]["num_samples"] == len(fo.load_dataset(name))
        assert figs["label_issues"]["num_groups"] == figs["load"]["sources"]
        assert figs["customise"]["torch_batch"][1:] == [3, 64, 64]
        # the -C copy: 2 corruptions x 2 severities of every clean val image
        assert figs["corrupt_copy"]["samples"] == 4 * figs["corrupt_copy"]["source"] > 0
        # summary table: one row per step, then the total
        i = lines.index("summary")
        assert lines[i + 1].startswith("step") and lines[i + 3 + len(keys)].startswith("total")
        out = res.stdout + res.stderr
        for noise in ("Computing", "UMAP(", "epochs", "Generating visualization",
                      "Converting existing index", "samples/s"):
            assert noise not in out, noise
        ds = fo.load_dataset(name)
        assert "datadiver/demo-weather-blur" in ds.list_saved_views()
        assert ds.has_field("ood_score") and ds.has_field("source_label_issue")
        print(f"demo --small: {took:.0f} s, {len(lines)} lines")
    finally:
        if name in fo.list_datasets():
            fo.delete_dataset(name)


def test_demo_runner_json_mode_prints_only_the_document(capsys):
    """--json: the runner prints nothing while the steps run; the document
    names a failed step and its error."""
    from datadiver_fo.demo import Runner, Step

    r = Runner("json", bars=False)
    r.run("one", "first step", lambda progress: Step("3 things", {"n": 3}))
    try:
        r.run("two", "second step", lambda progress: 1 / 0)
    except ZeroDivisionError:
        pass
    assert capsys.readouterr().out == ""
    doc = r.document(dataset="x")
    assert doc["ok"] is False and doc["dataset"] == "x"
    assert doc["steps"][0]["figures"] == {"n": 3} and doc["steps"][0]["ok"]
    assert doc["steps"][1]["error"] == "ZeroDivisionError: division by zero"
    json.dumps(doc)
    text = Runner("text", bars=False)
    text.run("one", "first step", lambda progress: Step("3 things", details=["more"]))
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("[ 1] first step") and "3 things (" in printed[0]
    assert printed[1].strip() == "more"
    assert text.summary()[-1].startswith("total")

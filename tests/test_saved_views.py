"""Saved prompt views: save with provenance, overwrite refusal, export /
import onto another dataset (validated), broken-view checks after fields
are deleted or renamed; the operators through FiftyOne's executor."""
import json
import os
import uuid

import pytest
from fiftyone.operators.executor import ExecutionError

import datadiver_fo as ddf
from datadiver_fo.customize.view_records import get_view_records

import prompt_eval_set as pe


def _new(classes=None):
    return pe.build_eval_dataset(
        "dd-test-sv-" + uuid.uuid4().hex[:8], sources_per_class=1,
        classes=classes or ["Chihuahua", "golden retriever", "tabby", "pizza", "school bus", "bee"],
    )


@pytest.fixture
def ds():
    d = _new()
    yield d
    d.delete()


def test_save_with_provenance_and_overwrite_refusal(ds, monkeypatch):
    monkeypatch.setenv("USER", "alice")
    name = ddf.save_prompt_view(ds, "Dogs in heavy fog!", llm="offline")
    assert name == "datadiver/dogs-in-heavy-fog"
    view = ds.load_saved_view(name)
    assert set(view.values("corruption")) == {"fog"} and set(view.values("severity")) == {4, 5}
    rec = get_view_records(ds)[name]
    assert rec["prompt"] == "Dogs in heavy fog!" and rec["source"] == "offline" and rec["user"] == "alice"
    assert rec["spec"]["include"]["groups"] == ["dog"] and rec["created_at"]
    desc = ds.get_saved_view_info(name)["description"]
    assert "Dogs in heavy fog!" in desc and "alice" in desc and "any kind of dog" in desc
    with pytest.raises(ValueError, match="already exists"):
        ddf.save_prompt_view(ds, "Dogs in heavy fog!", llm="offline")
    ddf.save_prompt_view(ds, "cats in heavy fog", name=name, overwrite=True, llm="offline")
    assert all("cat" in h for h in ds.load_saved_view(name).values("hypernyms"))
    assert get_view_records(ds)[name]["prompt"] == "cats in heavy fog"
    with pytest.raises(ValueError, match="'giraffes' is not a class, WordNet group, corruption or tag"):
        ddf.save_prompt_view(ds, "giraffes", llm="offline")
    assert len(ds.list_saved_views()) == 1


def test_export_import_roundtrip_and_validation(ds, tmp_path):
    ddf.save_prompt_view(ds, "dogs with gaussian noise", llm="offline")
    ddf.save_prompt_view(ds, "top 5 most out-of-distribution", name="ood top", llm="offline")
    ddf.save_prompt_view(ds, "bees", name="bees", llm="offline")
    ds.save_view("by uniqueness", ds.sort_by("uniqueness").limit(3), description="plain view")
    path = str(tmp_path / "views.json")
    assert ddf.export_saved_views(ds, path) == ds.list_saved_views()
    doc = json.load(open(path))
    assert doc["format"] == "datadiver-saved-views" and len(doc["views"]) == 4
    assert {v["name"] for v in doc["views"] if v["spec"]} == {"datadiver/dogs-with-gaussian-noise", "ood top", "bees"}
    with pytest.raises(ValueError, match="Not saved views"):
        ddf.export_saved_views(ds, path, names=["nope"])

    other = _new(classes=["Chihuahua", "pizza"])
    try:
        other.delete_sample_field("uniqueness")
        report = ddf.import_saved_views(other, path)
        assert set(report["imported"]) == {"datadiver/dogs-with-gaussian-noise", "ood top"}
        failed = {f["name"]: f["reason"] for f in report["failed"]}
        assert "bee" in failed["bees"] and "uniqueness" in failed["by uniqueness"]
        v = other.load_saved_view("datadiver/dogs-with-gaussian-noise")
        assert set(v.values("ground_truth.label")) == {"Chihuahua"} and set(v.values("corruption")) == {"gaussian_noise"}
        assert len(other.load_saved_view("ood top")) == 5
        rec = get_view_records(other)["ood top"]
        assert rec["imported_from"] == ds.name and rec["prompt"] == "top 5 most out-of-distribution"
        again = ddf.import_saved_views(other, path)
        assert again["imported"] == [] and {s["name"] for s in again["skipped"]} == set(report["imported"])
        assert ddf.import_saved_views(other, path, overwrite=True)["imported"] == report["imported"]
    finally:
        other.delete()
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a DataDiver"):
        ddf.import_saved_views(ds, str(bad))
    with pytest.raises(ValueError, match="No such file"):
        ddf.import_saved_views(ds, str(tmp_path / "missing.json"))


def test_check_saved_views_finds_deleted_and_renamed_fields(ds):
    ddf.save_prompt_view(ds, "top 5 most out-of-distribution", name="ood", llm="offline")
    ddf.save_prompt_view(ds, "pizza in fog", name="pizza", llm="offline")
    ds.save_view("uniq", ds.sort_by("uniqueness"))
    report = ddf.check_saved_views(ds)
    assert set(report["ok"]) == {"ood", "pizza", "uniq"} and report["broken"] == []
    ds.delete_sample_field("ood_score")
    ds.rename_sample_field("uniqueness", "uniq_score")
    report = ddf.check_saved_views(ds)
    broken = {b["name"]: b["reason"] for b in report["broken"]}
    assert report["ok"] == ["pizza"]
    assert "ood_score" in broken["ood"] and "uniqueness" in broken["uniq"]
    ds.delete_saved_view("pizza")
    assert ddf.check_saved_views(ds)["orphan_records"] == ["pizza"]


def test_operators(ds, run_operator, tmp_path):
    import fiftyone.operators as foo

    for op in ("prompt_to_view", "export_saved_views", "import_saved_views", "check_saved_views"):
        assert foo.get_operator(f"@datadiver/datadiver/{op}") is not None
    res = run_operator("prompt_to_view", ds, params={"text": "pizza with mild noise", "engine": "offline",
                                                    "save": True, "name": "pz"})
    assert res.error is None, res.error
    out = res.result
    assert out["saved_name"] == "pz" and out["source"] == "offline" and out["llm_calls"] == 0
    assert out["count"] == len(ds.load_saved_view("pz")) > 0
    assert "pizza" in out["explanation"]
    # refusing to overwrite, through the form's validation
    with pytest.raises(ExecutionError, match="name_taken"):
        run_operator("prompt_to_view", ds, params={"text": "bees", "engine": "offline", "save": True, "name": "pz"})
    assert len(ds.load_saved_view("pz").match({"ground_truth.label": "bee"})) == 0
    # preview only (no save): the view is set, nothing saved
    res = run_operator("prompt_to_view", ds, params={"text": "bees", "engine": "offline"})
    assert res.error is None and res.result["saved_name"] is None and ds.list_saved_views() == ["pz"]
    # an unknown class is refused by the form
    with pytest.raises(ExecutionError, match="error"):
        run_operator("prompt_to_view", ds, params={"text": "giraffes", "engine": "offline"})
    path = str(tmp_path / "v.json")
    res = run_operator("export_saved_views", ds, params={"path": path})
    assert res.error is None and res.result["exported"] == ["pz"] and os.path.isfile(path)
    other = _new(classes=["pizza"])
    try:
        res = run_operator("import_saved_views", other, params={"path": path})
        assert res.error is None and res.result["imported"] == ["pz"]
        res = run_operator("check_saved_views", other, params={})
        assert res.error is None and res.result["ok"] == ["pz"]
    finally:
        other.delete()

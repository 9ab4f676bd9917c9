"""One safe save path: a slug clash never removes a differently named view,
overwrite replaces only the same name, and real concurrent processes saving
the same names end with exactly one view and one provenance record each."""
import json

import pytest

import datadiver_fo as ddf
from datadiver_fo.customize import selection as ddc
from datadiver_fo.customize import saved_views as ddsv
from datadiver_fo.customize import stage_guard as sg
from datadiver_fo.customize.view_records import get_view_records, set_view_record

NAMES = ["race/a", "race/b", "race/c", "race/d", "race/e"]


def test_slug_collision_names_both_views_and_keeps_mine(fresh_dataset, tmp_path):
    ds = fresh_dataset
    ds.save_view("my view", ds.limit(2), description="mine")
    with pytest.raises(ValueError, match=r"'My View!' has the same URL slug 'my-view' as the existing saved view 'my view'"):
        ddsv.save_view(ds, "My View!", ds.limit(5), overwrite=True)
    with pytest.raises(ValueError, match=r"'My View!' has the same URL slug 'my-view' as the existing saved view 'my view'"):
        ddf.save_prompt_view(ds, "fog", name="My View!", overwrite=True, llm="offline")
    _, spec = ddf.select(ds, corruptions="fog", return_spec=True)
    with pytest.raises(ValueError, match=r"'my-view' has the same URL slug 'my-view' as the existing saved view 'my view'"):
        ddc.save_selection(ds, "my-view", spec, overwrite=True)
    # an import reports the clash and leaves the view alone
    path = tmp_path / "v.json"
    entry = {"name": "My View!", "description": None, "color": None, "spec": None, "provenance": None,
             "stages": [{"_cls": "fiftyone.core.stages.Limit", "kwargs": [["limit", 5]]}]}
    path.write_text(json.dumps({"format": ddsv.FORMAT, "version": 1, "views": [entry]}))
    path = str(path)
    report = ddf.import_saved_views(ds, path, overwrite=True)
    assert report["imported"] == [] and "'my view'" in report["failed"][0]["reason"]
    ds.reload()
    assert ds.list_saved_views() == ["my view"] and len(sg.load_saved_view(ds, "my view")) == 2
    assert ds.get_saved_view_info("my view")["description"] == "mine"


def test_overwrite_replaces_only_the_same_name_and_its_record(fresh_dataset):
    ds = fresh_dataset
    ddf.save_prompt_view(ds, "fog", name="fog view", llm="offline")
    ddf.save_prompt_view(ds, "spatter", name="spatter view", llm="offline")
    with pytest.raises(ValueError, match=r"A saved view named 'fog view' already exists; pass overwrite=True"):
        ddsv.save_view(ds, "fog view", ds.limit(4))
    # a plain view replacing a prompt view drops the prompt's record
    ddsv.save_view(ds, "fog view", ds.limit(4), overwrite=True)
    assert sorted(ds.list_saved_views()) == ["fog view", "spatter view"]
    assert len(sg.load_saved_view(ds, "fog view")) == 4
    assert set(get_view_records(ds)) == {"spatter view"}
    # a record left by a deleted view does not describe a new view of that name
    ds.delete_saved_view("spatter view")
    ddsv.save_view(ds, "spatter view", ds.limit(1))
    assert get_view_records(ds) == {}


def test_records_move_out_of_dataset_info(fresh_dataset):
    ds = fresh_dataset
    ds.save_view("old", ds.limit(1))
    ds.info = dict(ds.info, datadiver_views={"old": {"prompt": "fog", "spec": None}, "bad": "not a dict"}, keep=1)
    ds.save()
    assert get_view_records(ds) == {"old": {"prompt": "fog", "spec": None}}
    ds.reload()
    assert "datadiver_views" not in ds.info and ds.info["keep"] == 1
    set_view_record(ds, "old", None)
    # a stale copy written back later does not resurrect deleted records
    ds.info = dict(ds.info, datadiver_views={"old": {"prompt": "fog"}})
    ds.save()
    assert get_view_records(ds) == {}


_SAVE = """
saved, refused = [], []
for name in ARG["names"]:
    try:
        ddf.save_prompt_view(ds, ARG["prompt"], name=name, overwrite=ARG["overwrite"], llm="offline")
        saved.append(name)
    except ValueError as e:
        refused.append(str(e))
print(json.dumps({"saved": saved, "refused": refused}))
"""

# Loaded and parsed before the shared start time, so both processes reach
# the save itself together.
_WARMUP = """
ds = fo.load_dataset(ARG["dataset"])
ddf.text_to_view(ds, ARG["prompt"], llm="offline")
"""


def _race(ds, run_concurrently, overwrite):
    prompts = ["fog", "spatter"]
    args = [{"dataset": ds.name, "names": NAMES, "prompt": p, "overwrite": overwrite} for p in prompts]
    results = run_concurrently(_SAVE, args, timeout=180, warmup=_WARMUP)
    ds.reload()
    assert sorted(ds.list_saved_views()) == NAMES
    records = get_view_records(ds)
    assert sorted(records) == NAMES
    for name in NAMES:
        info = ds.get_saved_view_info(name)
        # the view, its description and its one record come from one writer
        assert records[name]["prompt"] in prompts
        assert f"Prompt: {records[name]['prompt']!r}" in info["description"]
        assert set(sg.load_saved_view(ds, name).values("corruption")) == {records[name]["prompt"]}
    return results, records


def test_two_processes_same_five_names_no_overwrite(fresh_dataset, run_concurrently):
    results, records = _race(fresh_dataset, run_concurrently, overwrite=False)
    # every name saved by exactly one process; the other was told it exists
    assert sorted(results[0]["saved"] + results[1]["saved"]) == NAMES
    for res, prompt in zip(results, ["fog", "spatter"]):
        assert all(records[n]["prompt"] == prompt for n in res["saved"])
        assert len(res["refused"]) == 5 - len(res["saved"])
        assert all("already exists" in msg for msg in res["refused"])


def test_two_processes_same_five_names_overwrite(fresh_dataset, run_concurrently):
    results, _ = _race(fresh_dataset, run_concurrently, overwrite=True)
    assert results[0]["saved"] == NAMES and results[1]["saved"] == NAMES

"""Medium customisation (select through the shared view-spec engine, saved
views and editing them) and fine edits (exclude / include, relabel with
history, missing label, undo), from Python and through the operators."""
import fiftyone as fo
import pytest

import datadiver_fo as ddf
from datadiver_fo.customize import selection as ddc
from datadiver_fo.customize import prompts
from datadiver_fo.io import wordnet as wn
def _ids(view):
    return set(view.values("id"))


@pytest.mark.parametrize(
    "prompt",
    [
        "cats under fog with severity 3 or more",
        "espresso or cauliflower, no clean images",
        "fog severity at least 3",
    ],
)
def test_select_and_prompt_give_the_same_samples(mini_dataset, prompt):
    result = prompts.text_to_view(mini_dataset, prompt, llm="offline")
    inc, exc = result.spec["include"], result.spec["exclude"]
    view = ddf.select(
        mini_dataset,
        classes=inc["classes"] or None,
        groups=inc["groups"] or None,
        corruptions=inc["corruptions"] or None,
        families=inc["families"] or None,
        severities=inc["severities"] or None,
        exclude_classes=exc["classes"] or None,
        exclude_corruptions=exc["corruptions"] or None,
        exclude_severities=exc["severities"] or None,
        missing_labels=result.spec["missing_labels"],
    )
    assert len(view) > 0
    assert _ids(view) == _ids(result.view)


def test_select_semantics(mini_dataset):
    view = ddf.select(
        mini_dataset,
        classes=["espresso", "tabby"],
        corruptions=["fog", "spatter"],
        severities={"min": 4},
        exclude_classes="tabby",
    )
    labels = set(view.distinct("ground_truth.label"))
    assert labels == {"espresso"}
    assert set(view.distinct("corruption")) == {"fog", "spatter"}
    assert set(view.distinct("severity")) == {4, 5}
    assert len(view) == 3 * 2 * 2  # 3 sources x 2 corruptions x 2 severities
    # groups go through hypernyms: tabby is a cat
    assert set(ddf.select(mini_dataset, groups="cat").distinct("ground_truth.label")) == {"tabby"}
    # no criteria = everything (an explicit call), limit and sort honoured
    assert len(ddf.select(mini_dataset)) == len(mini_dataset)
    top = ddf.select(mini_dataset, sort="-severity", limit=5)
    assert top.values("severity") == [5] * 5


def test_select_rejects_unknown_values(mini_dataset):
    with pytest.raises(ValueError, match="espreso|espresso"):
        ddf.select(mini_dataset, classes=["espreso"])
    with pytest.raises(ValueError, match="corruption"):
        ddf.select(mini_dataset, corruptions=["fogg"])
    with pytest.raises(ValueError, match="missing_labels"):
        ddf.select(mini_dataset, missing_labels="maybe")
    with pytest.raises(ValueError, match="base_view"):
        ddf.select(mini_dataset, base_view=42)


def test_edit_a_saved_prompt_view(fresh_dataset):
    ds = fresh_dataset
    name = prompts.save_prompt_view(ds, "fog severity at least 3", name="fog-heavy", llm="offline")
    spec = ddc.spec_for_saved_view(ds, name)
    assert spec["include"]["corruptions"] == ["fog"]
    edited, new_spec = ddf.select(ds, base_view=name, exclude_severities=[5], classes="tabby", return_spec=True)
    expected = ds.match(
        (fo.ViewField("corruption") == "fog")
        & fo.ViewField("severity").is_in([3, 4])
        & (fo.ViewField("ground_truth.label") == "tabby")
    )
    assert _ids(edited) == _ids(expected) and len(edited) == 3 * 2
    ddc.save_selection(ds, "fog-heavy-tabby", new_spec)
    again = ddc.spec_for_saved_view(ds, "fog-heavy-tabby")
    assert again["exclude"]["severities"] == [5]
    assert _ids(ds.load_saved_view("fog-heavy-tabby")) == _ids(expected)
    # a saved view made by hand has no spec to edit
    ds.save_view("by-hand", ds.limit(3))
    with pytest.raises(ValueError, match="no recorded view spec"):
        ddc.spec_for_saved_view(ds, "by-hand")
    with pytest.raises(ValueError, match="No saved view"):
        ddc.spec_for_saved_view(ds, "fog-hevy")


def test_exclusions_survive_save_and_reload(fresh_dataset):
    ds = fresh_dataset
    fog = ddf.select(ds, corruptions="fog", severities=[1])
    victims = fog.limit(2).values("id")
    view, spec = ddf.select(ds, corruptions="fog", severities=[1], return_spec=True)
    ddc.save_selection(ds, "fog-1", spec)
    before = len(ds.load_saved_view("fog-1"))
    entry = ddf.exclude_samples(ds, victims, reason="blurry duplicate")
    assert entry["op"] == "exclude" and entry["num_changed"] == 2
    # a fresh handle on the dataset, as after a restart
    name = ds.name
    ds2 = fo.load_dataset(name)
    ds2.reload()
    saved = ds2.load_saved_view("fog-1")
    assert len(saved) == before - 2
    assert not set(victims) & _ids(saved)
    assert ds2[victims[0]]["excluded"] is True
    # honor_exclusions=False keeps them; include brings them back
    assert set(victims) <= _ids(ddf.select(ds2, corruptions="fog", severities=[1], honor_exclusions=False))
    ddf.include_samples(ds2, victims[:1])
    assert len(ds2.load_saved_view("fog-1")) == before - 1
    # re-running the same exclusion changes nothing (idempotent)
    again = ddf.exclude_samples(ds2, victims[1:])
    assert again["num_changed"] == 0


def test_relabel_keeps_history_and_undo_restores(fresh_dataset):
    ds = fresh_dataset
    view = ddf.select(ds, classes="tabby", corruptions="fog")
    ids = view.values("id")
    old_hyp = ds[ids[0]]["hypernyms"]
    entry = ddf.relabel_samples(ds, ids, "espresso", user="tester")
    assert entry["num_changed"] == len(ids) == 15
    s = ds[ids[0]]
    assert s.ground_truth.label == "espresso"
    assert s.wnid == wn.wnid_for("espresso")
    assert "cat" not in s.hypernyms and "beverage" in s.hypernyms
    hist = s.label_history
    assert hist[-1]["label"] == "tabby" and hist[-1]["user"] == "tester" and hist[-1]["edit_id"] == entry["id"]
    # group selection follows the new label
    assert not set(ids) & _ids(ddf.select(ds, groups="cat"))
    with pytest.raises(ValueError, match="closest classes"):
        ddf.relabel_samples(ds, ids, "expresso")
    undone = ddf.undo_edit(ds)
    assert undone["id"] == entry["id"] and undone["undone"]
    s = ds[ids[0]]
    assert s.ground_truth.label == "tabby" and s.hypernyms == old_hyp and not s.label_history
    with pytest.raises(ValueError, match="already undone"):
        ddf.undo_edit(ds, entry["id"])


def test_missing_label_and_undo_order(fresh_dataset):
    ds = fresh_dataset
    ids = ddf.select(ds, classes="projectile", corruptions="spatter", severities=[2]).values("id")
    m = ddf.mark_missing_label(ds, ids)
    assert m["num_changed"] == 3
    assert set(ids) <= _ids(ddf.select(ds, missing_labels="only"))
    assert not set(ids) & _ids(ddf.select(ds, classes="projectile", missing_labels="exclude"))
    assert ds[ids[0]].ground_truth.label == "projectile"  # label kept for undo
    # relabelling a missing-label sample gives it a label; undo of the mark
    # must wait for the relabel to be undone first
    r = ddf.relabel_samples(ds, ids[:1], "lakeside")
    assert "missing_label" not in ds[ids[0]].tags
    with pytest.raises(ValueError, match="undo that one first"):
        ddf.undo_edit(ds, m["id"])
    ddf.undo_edit(ds, r["id"])
    assert "missing_label" in ds[ids[0]].tags and ds[ids[0]].ground_truth.label == "projectile"
    ddf.undo_edit(ds, m["id"])
    assert not set(ids) & _ids(ds.match_tags("missing_label"))
    log = ddf.list_edits(ds)
    assert [e["op"] for e in log] == ["mark_missing_label", "relabel"] and all(e["undone"] for e in log)
    with pytest.raises(ValueError, match="Nothing to undo"):
        ddf.undo_edit(ds)


def test_operators_customize_and_fine_edits(fresh_dataset, run_operator):
    ds = fresh_dataset
    res = run_operator(
        "customize",
        ds,
        params={"classes": ["lakeside"], "severities": [5], "exclude_corruptions": ["spatter"], "save_as": "lake5"},
    )
    assert res.error is None, res.error
    assert res.result["count"] == 3 * 4 and res.result["saved_view"] == "lake5"
    assert len(ds.load_saved_view("lake5")) == 12
    # edit the saved view from the operator: the form starts from its spec
    spec = ddc.spec_for_saved_view(ds, "lake5")
    params = {"base_view": "lake5", "classes": spec["include"]["classes"], "severities": [4, 5],
              "exclude_corruptions": spec["exclude"]["corruptions"], "save_as": "lake5", "overwrite": True}
    res = run_operator("customize", ds, params=params)
    assert res.error is None, res.error
    assert len(ds.load_saved_view("lake5")) == 24

    target = ds.load_saved_view("lake5").limit(2).values("id")
    res = run_operator("exclude_samples", ds, params={"reason": "bad crop"}, selected=target)
    assert res.error is None, res.error
    assert len(ds.load_saved_view("lake5")) == 22
    res = run_operator("relabel_samples", ds, params={"label": "seashore"}, selected=target[:1])
    assert res.error is None, res.error
    assert ds[target[0]].ground_truth.label == "seashore"
    res = run_operator("undo_edit", ds, params={})
    assert res.error is None and res.result["op"] == "relabel"
    assert ds[target[0]].ground_truth.label == "lakeside"
    res = run_operator("mark_missing_label", ds, params={}, selected=target)
    assert res.error is None
    assert set(target) <= _ids(ds.match_tags("missing_label"))
    # nothing selected and not asked to apply to the view: refused
    with pytest.raises(Exception, match="no_target"):
        run_operator("exclude_samples", ds, params={})

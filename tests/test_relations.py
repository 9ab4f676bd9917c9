"""The relationship explorer: variants, siblings, neighbours, counts with
empty cells, the class tree, the confusion, and hopping there and back
through the operators."""
import json

import numpy as np
import fiftyone as fo
import pytest
from bson import json_util

import datadiver_fo as ddf
from datadiver_fo.customize import relations as ddr
from datadiver_fo.io import wordnet as wn
CORRS = ["gaussian_noise", "defocus_blur", "fog", "jpeg_compression", "spatter"]  # family order


def test_variants_share_the_source_and_are_ordered(mini_dataset):
    s = mini_dataset.match(fo.ViewField("corruption") == "fog").first()
    view = ddf.variants(mini_dataset, s)
    assert set(view.distinct("source_id")) == {s.source_id}
    pairs = list(zip(*view.values(["corruption", "severity"])))
    assert pairs == [(c, sev) for c in CORRS for sev in range(1, 6)]
    assert s.id in view.values("id")
    assert s.id not in ddf.variants(mini_dataset, s.id, include_self=False).values("id")
    with pytest.raises(ValueError, match="No sample"):
        ddf.variants(mini_dataset, "0" * 24)


def test_siblings_follow_wordnet(fresh_dataset):
    ds = fresh_dataset
    lake = ddf.select(ds, classes="lakeside").first()
    assert ddr.sibling_classes(ds, lake) == []  # seashore is not in the miniature
    assert len(ddf.siblings(ds, lake)) == 0
    # make some seashore samples (relabel updates wnid and hypernyms)
    ids = ddf.select(ds, classes="espresso", corruptions="fog").values("id")
    ddf.relabel_samples(ds, ids, "seashore")
    classes = ddr.sibling_classes(ds, lake.id)
    assert classes == [{"wnid": wn.wnid_for("seashore"),
                        "name": "seashore", "count": len(ids)}]
    assert set(ddf.siblings(ds, lake).values("id")) == set(ids)
    both = ddf.siblings(ds, "seashore", include_self=True)
    assert set(both.distinct("ground_truth.label")) == {"seashore", "lakeside"}


def test_neighbors_from_an_embeddings_field(fresh_dataset):
    ds = fresh_dataset
    view = ddf.select(ds, corruptions="clean")
    ids = view.values("id")
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(ids), 8))
    vecs[1] = vecs[0] + 0.01  # the nearest neighbour of sample 0
    ds.add_sample_field("embeddings", fo.VectorField)
    view.set_values("embeddings", [v for v in vecs])
    near = ddf.neighbors(view, ids[0], k=3)
    assert len(near) == 3 and near.values("id")[0] == ids[1] and ids[0] not in near.values("id")
    with pytest.raises(ValueError, match="k must be"):
        ddf.neighbors(view, ids[0], k=0)


def test_neighbors_without_embeddings_is_an_error(mini_dataset):
    with pytest.raises(ValueError, match="no similarity index"):
        ddf.neighbors(mini_dataset, mini_dataset.first().id)


def test_class_grid_shows_empty_cells(mini_dataset):
    full = ddr.class_grid(mini_dataset)
    assert full["columns"][0] == ["clean", 0]
    assert ["fog", 3] in full["columns"] and ["clean", 3] not in full["columns"]
    assert len(full["rows"]) == 6 and full["num_empty_cells"] == 0
    row = next(r for r in full["rows"] if r["class"] == "tabby")
    assert row["total"] == 6 + 3 * 25  # clean train+val, then 3 sources x 25 cells
    view = ddf.select(mini_dataset, exclude_classes="tabby", exclude_severities=[5])
    grid = ddr.class_grid(view)
    tabby = next(r for r in grid["rows"] if r["class"] == "tabby")
    assert tabby["total"] == 0 and len(tabby["empty_cells"]) == len(grid["columns"])
    esp = next(r for r in grid["rows"] if r["class"] == "espresso")
    assert sorted(esp["empty_cells"]) == sorted([c, 5] for c in CORRS)
    assert grid["num_empty_cells"] == len(grid["columns"]) + 5 * 5
    md = ddr.format_grid(grid)
    assert "| tabby | 0 |" in md and "·" in md
    assert len(ddr.class_grid(mini_dataset, all_classes=True)["rows"]) == 200


def test_class_tree_counts(mini_dataset):
    tree = ddr.class_tree(mini_dataset)
    assert tree["count"] == len(mini_dataset) and tree["num_classes"] == 6

    def find(node, name):
        if node["name"] == name:
            return node
        for c in node["children"]:
            hit = find(c, name)
            if hit:
                return hit

    tabby = find(tree, "tabby")
    assert tabby["is_class"] and tabby["count"] == 81
    assert "tabby" in ddr.format_tree(tree)
    assert len(ddr.tree_view(mini_dataset, "cat")) == 81


def test_confusion_needs_predictions(fresh_dataset):
    ds = fresh_dataset
    with pytest.raises(ValueError, match="predictions"):
        ddr.confusion(ds)
    labels = ds.values("ground_truth.label")
    preds = [fo.Classification(label=l) for l in labels]
    tabby_idx = [i for i, l in enumerate(labels) if l == "tabby"][:4]
    for i in tabby_idx:
        preds[i] = fo.Classification(label="lakeside")
    ds.set_values("predictions", preds)
    conf = ddr.confusion(ds)
    assert conf["num_samples"] == len(ds)
    assert conf["top_confusions"][0] == {"true": "tabby", "predicted": "lakeside", "count": 4}
    assert conf["accuracy"] == pytest.approx(1 - 4 / len(ds))


def test_operators_hop_and_back(fresh_dataset, run_operator):
    ds = fresh_dataset
    s = ddf.select(ds, classes="espresso", corruptions="fog", severities=[2]).first()
    res = run_operator("show_variants", ds, params={"sample_id": s.id})
    assert res.result["count"] == 25 and s.id in res.result["ids"]
    res = run_operator("explore_back", ds, params={})
    assert res.result["remaining"] == 0
    with pytest.raises(Exception, match="No previous view"):
        run_operator("explore_back", ds, params={})
    res = run_operator("show_siblings", ds, params={"sample_id": s.id, "include_self": True})
    assert res.result["count"] == 81
    res = run_operator("class_summary", ds, params={})
    assert res.result["num_empty_cells"] == 0 and "espresso" in res.result["grid_markdown"]


def test_view_history_round_trip(fresh_dataset):
    ds = fresh_dataset
    fog = ds.match(fo.ViewField("corruption") == "fog").sort_by("severity", reverse=True)
    ids = fog.limit(2).values("id")
    history = ddf.push_view_history(None, fog, selected=ids)
    history = ddf.push_view_history(history, ds)
    assert len(history) == 2 and json.loads(json.dumps(history)) == history  # storable anywhere
    view, selected, rest = ddf.pop_view_history(ds, history)
    assert view.count() == len(ds) and selected == [] and len(rest) == 1 and len(history) == 2
    view, selected, rest = ddf.pop_view_history(ds, rest)
    assert view.values("id") == fog.values("id") and selected == ids and rest == []
    with pytest.raises(ValueError, match="No previous view to go back to"):
        ddf.pop_view_history(ds, rest)
    history = []
    for n in range(1, 6):
        history = ddf.push_view_history(history, ds.limit(n), max_len=3)
    assert len(history) == 3 and ddf.pop_view_history(ds, history)[0].count() == 5
    with pytest.raises(ValueError, match="max_len must be a positive integer"):
        ddf.push_view_history(history, ds, max_len=0)
    with pytest.raises(ValueError, match="history must be a list"):
        ddf.push_view_history("views", ds)


def _entry(ds, stages, selected=()):
    return {"dataset_id": str(ds._doc.id), "stages": json_util.dumps(stages), "selected": list(selected)}


def test_view_history_is_checked_as_data_when_read_back(fresh_dataset, mini_dataset):
    ds = fresh_dataset
    n = len(ds)
    hostile = [{"_cls": "fiftyone.core.stages.Mongo", "kwargs": [["pipeline", [{"$out": "stolen"}]]]}]
    with pytest.raises(ValueError, match=r"explore history.*raw MongoDB pipeline"):
        ddf.pop_view_history(ds, [_entry(ds, hostile)])
    outside = [{"_cls": "os.system", "kwargs": [["command", "true"]]}]
    with pytest.raises(ValueError, match="explore history"):
        ddf.pop_view_history(ds, [_entry(ds, outside)])
    assert len(ds) == n and "stolen" not in fo.core.odm.get_db_conn().list_collection_names()
    with pytest.raises(ValueError, match="belongs to another dataset"):
        ddf.pop_view_history(ds, ddf.push_view_history([], mini_dataset.limit(3)))
    with pytest.raises(ValueError, match="malformed"):
        ddf.pop_view_history(ds, [{"stages": 3, "selected": []}])
    with pytest.raises(ValueError, match="malformed"):
        ddf.pop_view_history(ds, [dict(_entry(ds, []), selected=[{"$oid": "x"}])])
    with pytest.raises(ValueError, match="unreadable stages"):
        ddf.pop_view_history(ds, [dict(_entry(ds, []), stages="{not json")])
    with pytest.raises(ValueError, match="history must be a list"):
        ddf.pop_view_history(ds, "views")
    # entries written before dataset ids were recorded still work
    old = {"stages": json_util.dumps(ds.limit(4)._serialize()), "selected": []}
    assert ddf.pop_view_history(ds, [old])[0].count() == 4


def test_explore_back_drops_a_refused_stored_entry(fresh_dataset, run_operator):
    from fiftyone.operators.store import ExecutionStore

    ds = fresh_dataset
    good = ddf.push_view_history([], ds.limit(7))
    hostile = [{"_cls": "fiftyone.core.stages.Mongo", "kwargs": [["pipeline", [{"$merge": "x"}]]]}]
    # what another process could have written into the plugin's store
    store = ExecutionStore.create("datadiver_explore", ds._doc.id)
    store.set("history", good + [_entry(ds, hostile)])
    with pytest.raises(Exception, match="raw MongoDB pipeline"):
        run_operator("explore_back", ds, params={})
    res = run_operator("explore_back", ds, params={})  # the refused entry is gone
    assert res.result["count"] == 7 and res.result["remaining"] == 0
    # a history that is not a list at all is replaced, not a dead end for hops
    store.set("history", {"stages": "x"})
    sid = ds.first().id
    assert run_operator("show_variants", ds, params={"sample_id": sid}).result["count"] == 25
    res = run_operator("explore_back", ds, params={})
    assert res.result["count"] == len(ds) and res.result["remaining"] == 0

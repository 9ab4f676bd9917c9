"""Reports: every public computation returns one read-only type
(datadiver_fo.internal.report.Report) with the same key names (``run_key``),
attribute and item access, and errors that name the valid keys."""
import copy
import json
import pickle

import numpy as np
import pytest
from fiftyone import ViewField as F

import datadiver_fo as ddf
from datadiver_fo.internal.report import Report


def test_attribute_and_item_access():
    rep = Report({"run_key": "k", "accuracy": 0.5, "views": ["a"]}, title="demo")
    assert rep.run_key == rep["run_key"] == "k"
    assert dict(rep) == rep.to_dict() == {"run_key": "k", "accuracy": 0.5, "views": ["a"]}
    assert list(rep.keys()) == ["run_key", "accuracy", "views"]
    assert rep.get("nope") is None and "accuracy" in rep and len(rep) == 3
    assert json.loads(json.dumps(rep)) == dict(rep)
    assert isinstance(rep, dict) and rep == {"run_key": "k", "accuracy": 0.5, "views": ["a"]}


def test_unknown_names_raise_with_the_valid_keys():
    rep = Report({"run_key": "k", "accuracy": 0.5}, title="demo")
    with pytest.raises(AttributeError, match=r"no key 'acuracy' \(did you mean 'accuracy'\?\); valid keys: run_key, accuracy"):
        rep.acuracy
    with pytest.raises(KeyError, match="valid keys: run_key, accuracy"):
        rep["key"]
    assert not hasattr(rep, "_repr_html_")  # probes by notebooks get a plain AttributeError


def test_reports_are_read_only_but_copy_and_pickle():
    rep = Report(run_key="k", views=["a"])
    for write in (
        lambda: rep.__setitem__("run_key", "x"),
        lambda: rep.__delitem__("run_key"),
        lambda: rep.update(run_key="x"),
        lambda: rep.pop("run_key"),
        lambda: rep.setdefault("x", 1),
        lambda: rep.clear(),
    ):
        with pytest.raises(TypeError, match="read-only"):
            write()
    with pytest.raises(AttributeError, match="read-only"):
        rep.run_key = "x"
    mutable = rep.to_dict()
    mutable["run_key"] = "x"  # the copy is a plain dict
    assert rep.run_key == "k"
    for clone in (pickle.loads(pickle.dumps(rep)), copy.copy(rep), copy.deepcopy(rep)):
        assert type(clone) is Report and clone == rep


def test_repr_and_str_are_short_and_aligned():
    rep = Report({"run_key": "k", "ids": [str(i) for i in range(500)], "accuracy": 0.123456}, title="demo")
    assert repr(rep).startswith("demo(run_key='k', ids=['0', '1', '2', ... (500 items)], accuracy=0.1235")
    lines = str(rep).splitlines()
    assert lines[0] == "demo" and len(lines) == 4 and len(str(rep)) < 300
    assert lines[1].index("'k'") == lines[3].index("0.1235")  # values in one column


def _assert_report(rep, run_key=True):
    assert isinstance(rep, Report), type(rep)
    if run_key:
        assert isinstance(rep.run_key, str) and rep["run_key"] == rep.run_key
    assert "key" not in rep  # one name for the run everywhere


def test_every_public_computation_returns_a_report(fresh_dataset, mini, tmp_path, tiny_clip):
    ds = fresh_dataset
    small = ds.match(F("severity").is_in([0, 3]))
    rng = np.random.default_rng(0)

    _assert_report(ddf.import_report(ds), run_key=False)
    _assert_report(ddf.discover_tiny_imagenet_c(mini.root), run_key=False)
    _assert_report(ddf.compute_embeddings(small, model="weightless", batch_size=64))
    _assert_report(ddf.write_neighbors(small, k=3))
    pred = ddf.compute_predictions(small, members=["embeddings"], num_folds=3)
    _assert_report(pred)
    _assert_report(ddf.compute_ood(small, view_size=5))
    _assert_report(ddf.find_label_issues(small, mistakenness=False, hardness=False))
    _assert_report(ddf.compute_quality(small))
    _assert_report(ddf.find_duplicates(small, leaks=False))
    classes = sorted(set(small.values("ground_truth.label")) - {None})
    _assert_report(ddf.zero_shot_classify(small.limit(12), tiny_clip(str(tmp_path)), classes=classes))
    clean = small.match(F("corruption") == "clean")
    _assert_report(ddf.compute_skew(clean, small.match(F("corruption") == "fog"), plots=False))
    _assert_report(ddf.propose_labels(small, "embeddings", batch_size=3, label_field="al_label"))
    _assert_report(ddf.export_view(small.limit(4), tmp_path / "export"), run_key=False)
    ds.save_view("few", ds.limit(2))
    ddf.export_saved_views(ds, tmp_path / "views.json")
    _assert_report(ddf.import_saved_views(ds, tmp_path / "views.json"), run_key=False)
    _assert_report(ddf.check_saved_views(ds), run_key=False)
    # the names a report was documented with keep working
    assert pred.accuracy == pred["accuracy"] and pred.run_key in ds.list_runs()
    with pytest.raises(AttributeError, match="valid keys: .*run_key"):
        pred.key

"""The DataDiver panel: its numbers (datadiver_fo.customize.summary) and its events,
run through FiftyOne's real operator executor on the miniature dataset."""
import os

import numpy as np
import pytest

import fiftyone as fo
import fiftyone.core.view as fov
import fiftyone.operators as foo
import fiftyone.plugins as fop
from fiftyone import ViewField as F

import datadiver_fo.customize.summary as dds
from datadiver_fo.internal import schema as sch
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN = "@datadiver/datadiver"
PANEL_URI = f"{PLUGIN}/datadiver_panel"


@pytest.fixture(scope="module")
def panel_registered():
    """The panel is registered through the repository's own fiftyone.yml
    (``test_panel_declared_in_manifest`` checks it is listed there)."""
    yield


def test_panel_declared_in_manifest():
    defs = {d.name: d for d in fop.list_plugins()}
    assert PLUGIN in defs
    assert "datadiver_panel" in defs[PLUGIN].operators, (
        "fiftyone.yml must list datadiver_panel under panels: FiftyOne "
        "registers nothing that the manifest does not declare"
    )


# --- the library ------------------------------------------------------------------


def test_matrix_counts_and_flags_empty_cells(mini_dataset):
    full = dds.corruption_severity_matrix(mini_dataset)
    assert full["corruptions"][0] == "clean"
    assert full["severities"] == [0, 1, 2, 3, 4, 5]
    assert full["empty"] == []
    assert sum(n for row in full["counts"] for n in row if n) == len(mini_dataset)
    ci = full["corruptions"].index("fog")
    expected = mini_dataset.match((F("corruption") == "fog") & (F("severity") == 3)).count()
    assert expected > 0 and full["counts"][ci][3] == expected
    # clean only exists at severity 0, corruptions never at 0: impossible cells are None
    assert full["counts"][0][0] > 0 and full["counts"][0][1:] == [None] * 5
    assert full["counts"][ci][0] is None

    view = mini_dataset.match(~((F("corruption") == "fog") & (F("severity") >= 4)))
    part = dds.corruption_severity_matrix(view)
    # rows come from the dataset, so the filtered cells are still there, as gaps
    assert part["corruptions"] == full["corruptions"]
    assert sorted(part["empty"]) == [("fog", 4), ("fog", 5)]
    assert part["counts"][ci][4] == 0 and part["counts"][ci][3] == expected
    assert part["total"] == view.count()


def test_class_table_flags_empty_classes_and_cells(mini_dataset):
    names = sorted(mini_dataset.distinct("ground_truth.label"))
    gone, thin = names[0], names[1]
    view = mini_dataset.match(F("ground_truth.label") != gone).match(
        ~((F("ground_truth.label") == thin) & (F("corruption") == "spatter"))
    )
    table = dds.class_table(view)
    rows = {r["class"]: r for r in table["rows"]}
    assert set(rows) == set(names)
    assert table["empty_classes"] == [gone]
    assert rows[gone]["empty"] and rows[gone]["count"] == 0
    assert rows[thin]["empty_cells"] == ["spatter"]
    assert rows[thin]["count"] == view.match(F("ground_truth.label") == thin).count()
    other = rows[names[2]]
    assert other["empty_cells"] == [] and other["cells"]["spatter"] > 0
    assert "clean" in table["columns"] and table["columns"][0] == "clean"


def test_score_distributions(fresh_dataset):
    ds = fresh_dataset
    assert sch.OOD_SCORE not in dds.score_fields(ds)
    assert dds.score_distributions(ds) == {}
    ids = ds.values("id")
    # every second sample scored; values spread over [0, 1]
    scores = {ids[k]: k / 38 for k in range(0, 40, 2)}
    ds.set_values(sch.OOD_SCORE, scores, key_field="id")
    ds.set_values("brightness", [float(k) for k in range(len(ids))])
    fields = dds.score_fields(ds)
    assert fields[0] == sch.OOD_SCORE and "brightness" in fields and sch.SEVERITY not in fields
    h = dds.score_distributions(ds, bins=5)[sch.OOD_SCORE]
    assert sum(h["counts"]) == h["count"] == len(scores)
    assert h["missing"] == len(ids) - len(scores)
    assert len(h["edges"]) == 6 and h["min"] == 0.0 and h["max"] == 1.0
    # several fields in one call, counted in the database: numpy's histogram
    both = dds.score_distributions(ds, fields=[sch.OOD_SCORE, "brightness"], bins=4)
    ref, _ = np.histogram(np.arange(len(ids), dtype=float), bins=4, range=(0, len(ids) - 1))
    assert both["brightness"]["counts"] == ref.tolist()
    assert both["brightness"]["mean"] == pytest.approx((len(ids) - 1) / 2)
    assert both[sch.OOD_SCORE]["counts"] == np.histogram(list(scores.values()), 4, (0, 1))[0].tolist()
    with pytest.raises(ValueError, match="not_a_field"):
        dds.score_distributions(ds, fields=["not_a_field"])
    with pytest.raises(ValueError, match="bins"):
        dds.score_distributions(ds, bins=0)


def test_histograms_equal_numpy_on_bin_edges_ints_and_views(fresh_dataset):
    """Values exactly on the edges of 3, 7 and 20 bins (where float rounding
    of (v - lo) / step can land a value in the neighbouring bin), negative
    values, an int field and a filtered view: every count equals
    numpy.histogram's, whose bins are the same linspace edges."""
    ds = fresh_dataset
    ids = ds.values("id")
    n = len(ids)
    edgy = [round(-0.3 + 1.7 * (k % 21) / 20, 12) for k in range(n)]  # lands on 20-bin edges
    ds.set_values("edgy", edgy)
    ds.set_values("count_field", [int(k * 7 % 13) - 4 for k in range(n)])
    ds.set_values("part", [None if k % 5 == 0 else k / 10 for k in range(n)])
    view = ds.match(F("count_field") != 3)
    for samples in (ds, view):
        for bins in (3, 7, 20):
            got = dds.score_distributions(samples, fields=["edgy", "count_field", "part"], bins=bins)
            for field in ("edgy", "count_field", "part"):
                vals = np.array([v for v in samples.values(field) if v is not None], dtype=float)
                want, edges = np.histogram(vals, bins=bins, range=(vals.min(), vals.max()))
                h = got[field]
                assert h["counts"] == want.tolist(), (field, bins)
                assert np.allclose(h["edges"], edges)
                assert h["count"] == len(vals) and h["missing"] == len(samples) - len(vals)
                assert h["mean"] == pytest.approx(vals.mean())
                assert (h["min"], h["max"]) == (vals.min(), vals.max())
    # the heatmap and class table of the view: a count of its raw values
    m = dds.corruption_severity_matrix(view)
    pairs = list(zip(view.values(sch.CORRUPTION), view.values(sch.SEVERITY)))
    for c, row in zip(m["corruptions"], m["counts"]):
        for sev, cell in zip(m["severities"], row):
            if cell is not None:
                assert cell == pairs.count((c, sev))
    assert m["total"] == len(view)
    t = dds.class_table(view)
    labels = view.values(sch.GROUND_TRUTH + ".label")
    assert {r["class"]: r["count"] for r in t["rows"] if r["count"]} == \
        {c: labels.count(c) for c in set(labels) if c is not None}


def test_summaries_are_cached_until_any_write(fresh_dataset, run_concurrently):
    """An unchanged dataset answers from the cache; every kind of write, from
    this process or another one, makes the next call recompute."""
    from datadiver_fo.internal import store

    ds = fresh_dataset
    ds.set_values(sch.OOD_SCORE, [0.5] * len(ds))
    dds.clear_cache()
    m = dds.corruption_severity_matrix(ds)
    h = dds.score_distributions(ds, fields=[sch.OOD_SCORE], bins=4)
    t = dds.class_table(ds)
    vkey = store.view_key(ds)
    assert {k[0] for k in dds._cache if k[1] == vkey} >= {"matrix", "scores", "classes", "distinct"}
    # unchanged: the same answers, as copies the caller may edit
    m["counts"][0][0] = -1
    assert dds.corruption_severity_matrix(ds)["counts"][0][0] == len(ds.match(F("corruption") == "clean"))
    assert dds.score_distributions(ds, fields=[sch.OOD_SCORE], bins=4) == h
    assert dds.class_table(ds) == t
    marker = store.change_marker(ds)
    assert store.change_marker(ds) == marker

    def ood_mean():
        return dds.score_distributions(ds, fields=[sch.OOD_SCORE], bins=4)[sch.OOD_SCORE]["mean"]

    # plain FiftyOne, this process: set_values, sample.save(), view.save()
    ds.set_values(sch.OOD_SCORE, [1.0] * len(ds))
    assert ood_mean() == 1.0
    s = ds.first()
    s[sch.OOD_SCORE] = 0.0
    s.save()
    assert ood_mean() == pytest.approx((len(ds) - 1) / len(ds))
    ds.set_field(sch.OOD_SCORE, 0.25).save()  # an aggregation ($merge) write
    assert ood_mean() == 0.25
    fog = ds.match(F("corruption") == "fog")
    n_fog = fog.count()
    ds.delete_samples(fog.limit(1))
    assert dds.corruption_severity_matrix(ds)["total"] == len(ds)

    # another process: FiftyOne's set_values on the severity, and a raw pymongo
    # update that FiftyOne never stamps with last_modified_at
    code = """
    from fiftyone import ViewField as F
    from datadiver_fo.internal import store
    ds = fo.load_dataset(ARG["name"])
    if ARG["raw"]:
        res = store.sample_collection(ds).update_many({"corruption": ARG["other"]}, {"$set": {"ood_score": 9.0}})
        print(json.dumps({"raw": res.modified_count}))
    else:
        fog = ds.match(F("corruption") == "fog")
        fog.set_values("severity", [1] * fog.count())
        print(json.dumps({"fog": fog.count()}))
    """
    before = dds.corruption_severity_matrix(ds)
    fi = before["corruptions"].index("fog")
    assert before["counts"][fi][1] < n_fog - 1
    other = [c for c in before["corruptions"] if c not in ("clean", "fog")][0]
    n_snow = ds.match(F("corruption") == other).count()
    assert ood_mean() == 0.25
    assert run_concurrently(code, [{"name": ds.name, "raw": False}])[0]["fog"] == n_fog - 1
    after = dds.corruption_severity_matrix(ds)
    assert after["counts"][fi][1] == n_fog - 1 and after["counts"][fi][2:] == [0, 0, 0, 0]
    assert ood_mean() == 0.25  # cached again
    out = run_concurrently(code, [{"name": ds.name, "raw": True, "other": other}])
    assert out[0]["raw"] == n_snow > 0
    assert ood_mean() == pytest.approx((9.0 * n_snow + 0.25 * (len(ds) - n_snow)) / len(ds))
    # a new class name shows up as a row
    sid = ds.first().id
    ds.select(sid).set_values("ground_truth.label", ["zz new class"])
    assert "zz new class" in [r["class"] for r in dds.class_table(ds)["rows"]]


def test_only_views_of_the_samples_alone_are_cached(fresh_dataset):
    from datadiver_fo.internal import store

    ds = fresh_dataset
    assert store.view_key(ds) == store.view_key(ds.view())
    a = store.view_key(ds.match(F("severity") > 2).limit(5))
    assert a is not None and a == store.view_key(ds.match(F("severity") > 2).limit(5))
    assert a != store.view_key(ds.match(F("severity") > 3).limit(5))
    # a raw pipeline (may $lookup elsewhere) and random numbers are never cached
    assert store.view_key(ds.mongo([{"$match": {}}])) is None
    assert store.view_key(ds.match(F.rand() < 0.5)) is None
    # an uncached view still gives the right numbers, twice
    v = ds.mongo([{"$match": {"corruption": "fog"}}])
    assert dds.corruption_severity_matrix(v)["total"] == v.count()
    ds.match(F("corruption") == "fog").set_values("severity", [5] * v.count())
    assert dds.corruption_severity_matrix(v)["severities"][-1] == 5
    m = dds.corruption_severity_matrix(v)
    assert m["counts"][m["corruptions"].index("fog")][-1] == v.count()


def test_cell_and_class_views_and_bad_input(mini_dataset):
    v = dds.cell_view(mini_dataset, "fog", 2)
    assert v.count() > 0 and set(v.distinct("corruption")) == {"fog"}
    assert set(v.distinct("severity")) == {2}
    assert dds.cell_view(mini_dataset, "clean").count() == mini_dataset.count_values("corruption")["clean"]
    name = mini_dataset.first().ground_truth.label
    assert set(dds.class_view(mini_dataset, name).distinct("ground_truth.label")) == {name}
    with pytest.raises(ValueError, match="unknown corruption"):
        dds.cell_view(mini_dataset, "lava", 1)
    with pytest.raises(ValueError, match="severity"):
        dds.cell_view(mini_dataset, "fog", 9)
    with pytest.raises(ValueError, match="unknown class"):
        dds.class_view(mini_dataset, "no such class")
    with pytest.raises(ValueError, match="Dataset or DatasetView"):
        dds.corruption_severity_matrix([1, 2])


def test_range_view_is_a_closed_interval(fresh_dataset):
    ds = fresh_dataset
    ds.set_values(sch.OOD_SCORE, [(k % 10) / 10 for k in range(len(ds))])
    view = dds.range_view(ds, sch.OOD_SCORE, 0.2, 0.4)
    assert set(view.distinct(sch.OOD_SCORE)) == {0.2, 0.3, 0.4}  # both ends included
    assert view.count() == ds.match((F(sch.OOD_SCORE) >= 0.2) & (F(sch.OOD_SCORE) <= 0.4)).count()
    # within a view, on any numeric field (ints and nested paths too)
    fog = ds.match(F("corruption") == "fog")
    assert set(dds.range_view(fog, "severity", 4, 5).distinct("corruption")) == {"fog"}
    assert dds.range_view(ds, "metadata.width", 64, 64).count() == ds.exists("metadata.width").count()
    assert dds.range_view(ds, sch.OOD_SCORE, 2, 3).count() == 0
    with pytest.raises(ValueError, match="'corruption' is not a numeric field"):
        dds.range_view(ds, "corruption", 0, 1)
    with pytest.raises(ValueError, match="'nope' is not a numeric field"):
        dds.range_view(ds, "nope", 0, 1)
    with pytest.raises(ValueError, match="lo must be <= hi"):
        dds.range_view(ds, sch.OOD_SCORE, 0.5, 0.1)
    with pytest.raises(ValueError, match="hi must be a finite number"):
        dds.range_view(ds, sch.OOD_SCORE, 0, float("nan"))
    with pytest.raises(ValueError, match="lo must be a finite number"):
        dds.range_view(ds, sch.OOD_SCORE, True, 1)
    with pytest.raises(ValueError, match="Dataset or DatasetView"):
        dds.range_view([1], sch.OOD_SCORE, 0, 1)


def test_saved_views_table_and_check(fresh_dataset):
    ds = fresh_dataset
    ds.add_sample_field("flag", fo.BooleanField)
    ds.set_values("flag", [True] * len(ds))
    ds.save_view("fog-heavy", ds.match((F("corruption") == "fog") & (F("severity") >= 4)), description="heavy fog")
    ds.save_view("flagged", ds.match(F("flag") == True))
    rows = dds.saved_views_table(ds)
    assert [r["name"] for r in rows] == ["flagged", "fog-heavy"]
    assert rows[1]["description"] == "heavy fog"
    ok = dds.check_saved_view(ds, "fog-heavy")
    assert ok["ok"] and ok["count"] == ds.match((F("corruption") == "fog") & (F("severity") >= 4)).count()
    ds.delete_sample_field("flag")
    broken = dds.check_saved_view(ds, "flagged")
    assert not broken["ok"] and "flag" in broken["error"]
    with pytest.raises(ValueError, match="no saved view"):
        dds.check_saved_view(ds, "nope")


# --- the panel, through FiftyOne's executor ---------------------------------------


def _run_panel(method, dataset, view=None, state=None, selected=None, **params):
    result = foo.execute_operator(
        PANEL_URI,
        dataset=dataset,
        view=view,
        params={"panel_id": "test-panel", "__method__": method, "panel_state": state or {}, **params},
        **({"selected": list(selected)} if selected else {}),
    )
    result.raise_exceptions()
    return [r.to_json() for r in result.executor._requests]


def _find(requests, operator, key=None):
    out = []
    for r in requests:
        if r["operator_uri"] != operator:
            continue
        p = r["params"]
        if key is None:
            out.append(p)
        elif key in (p.get("data") or p.get("state") or {}):
            out.append((p.get("data") or p.get("state"))[key])
    return out


def _set_view_target(requests, dataset):
    views = _find(requests, "set_view")
    assert len(views) == 1, requests
    return fov.DatasetView._build(dataset, views[0]["view"])


def test_heatmap_tells_dataset_gaps_from_filtered_cells(panel_registered, fresh_dataset):
    ds = fresh_dataset
    # a real gap: the dataset has no fog at severity 5; the view also drops spatter
    ds.delete_samples(ds.match((F("corruption") == "fog") & (F("severity") == 5)))
    view = ds.match(F("corruption") != "spatter")
    reqs = _run_panel("on_load", ds, view=view)
    heat = _find(reqs, "patch_panel_data", "heatmap")[0][0]
    assert heat["text"][heat["y"].index("fog")][5] == "empty"
    assert heat["text"][heat["y"].index("spatter")][1:] == ["filtered"] * 5
    state = {}
    for s in _find(reqs, "patch_panel_state"):
        state.update(s["state"])
    assert state["empty_cells"] == 1 and state["filtered_cells"] == 5


def test_panel_load_renders_overview(panel_registered, mini_dataset):
    view = mini_dataset.match(F("corruption") != "spatter")
    reqs = _run_panel("on_load", mini_dataset, view=view)
    heat = _find(reqs, "patch_panel_data", "heatmap")[0][0]
    matrix = dds.corruption_severity_matrix(view)
    assert heat["type"] == "heatmap" and heat["y"] == matrix["corruptions"]
    assert heat["z"] == matrix["counts"]
    row = heat["y"].index("spatter")
    # the view filtered these cells out (the dataset has samples there): labelled, not blank, not "empty"
    assert heat["text"][row][1:] == ["filtered"] * 5
    state = {}
    for s in _find(reqs, "patch_panel_state"):
        state.update(s["state"])
    assert state["total"] == view.count()
    assert state["filtered_cells"] == 5 and state["empty_cells"] == 0
    header = _find(reqs, "show_panel_output")[0]["output"]["type"]["properties"]["header"]
    assert "5 cells filtered out by the view" in str(header) and "empty corruption" not in str(header)
    assert set(state["class_rows"]) == set(mini_dataset.distinct("ground_truth.label"))
    classes = _find(reqs, "patch_panel_data", "classes")[0]
    assert all("spatter" in r["flags"] for r in classes)
    # operator buttons only for operators that exist
    for name in state["operators"]:
        assert foo.registry.operator_exists(f"{PLUGIN}/{name}")
    out = _find(reqs, "show_panel_output")[0]["output"]
    props = out["type"]["properties"]
    assert "heatmap" in props and "classes" in props
    assert props["heatmap"]["view"]["on_click"].endswith("#on_heatmap_click")


def test_heatmap_click_sets_app_view(panel_registered, mini_dataset):
    reqs = _run_panel("on_heatmap_click", mini_dataset, x="3", y="defocus_blur", z=7)
    target = _set_view_target(reqs, mini_dataset)
    expected = mini_dataset.match((F("corruption") == "defocus_blur") & (F("severity") == 3))
    assert target.count() == expected.count() > 0
    assert set(target.values("id")) == set(expected.values("id"))
    # an unknown cell notifies instead of setting a view
    reqs = _run_panel("on_heatmap_click", mini_dataset, x="3", y="lava")
    assert not _find(reqs, "set_view")
    assert "unknown corruption" in _find(reqs, "notify")[0]["message"]


def test_class_click_sets_app_view(panel_registered, mini_dataset):
    view = mini_dataset.match(F("severity") >= 4)
    names = sorted(mini_dataset.distinct("ground_truth.label"))
    reqs = _run_panel("on_class_click", mini_dataset, view=view, state={"class_rows": names}, row=1)
    target = _set_view_target(reqs, mini_dataset)
    assert set(target.distinct("ground_truth.label")) == {names[1]}
    assert target.count() == view.match(F("ground_truth.label") == names[1]).count()
    assert min(target.distinct("severity")) >= 4  # within the current view


def test_histogram_click_and_saved_view_actions(panel_registered, fresh_dataset):
    ds = fresh_dataset
    ds.set_values(sch.OOD_SCORE, [(k % 10) / 10 for k in range(len(ds))])
    reqs = _run_panel(
        "on_histogram_click", ds, path="hist_ood_score", x=0.25, range=[0.25, 0.35]
    )
    target = _set_view_target(reqs, ds)
    assert set(target.distinct(sch.OOD_SCORE)) == {0.2, 0.3}
    # a click on a field that is not numeric notifies instead of setting a view
    reqs = _run_panel("on_histogram_click", ds, path="hist_corruption", range=[0, 1])
    assert not _find(reqs, "set_view")
    assert "not a numeric field" in _find(reqs, "notify")[0]["message"]

    ds.save_view("fog", ds.match(F("corruption") == "fog"))
    reqs = _run_panel("on_load", ds)
    assert _find(reqs, "patch_panel_state", "saved_names") == [["fog"]]
    saved = _find(reqs, "patch_panel_data", "saved")[0]
    assert saved[0]["name"] == "fog"
    reqs = _run_panel("on_saved_load", ds, state={"saved_names": ["fog"]}, row=0)
    assert _set_view_target(reqs, ds).count() == ds.match(F("corruption") == "fog").count()
    # then opened by name on the view change, so the App's saved-view selector shows "fog"
    assert _find(reqs, "patch_panel_state", "pending_saved") == ["fog"]
    reqs = _run_panel("on_change_view", ds, state={"pending_saved": "fog"})
    assert [v.get("name") for v in _find(reqs, "set_view")] == ["fog"]
    reqs = _run_panel("on_saved_check", ds, state={"saved_names": ["fog"]}, row=0)
    n = ds.match(F("corruption") == "fog").count()
    assert f"{n} samples" in _find(reqs, "notify")[0]["message"]


def test_prompt_preview_apply_save(panel_registered, fresh_dataset):
    import datadiver_fo as ddf

    ds = fresh_dataset
    text = "fog at least 4"
    expected = ddf.text_to_view(ds, text, llm="offline").view
    n = expected.count()
    assert n > 0

    reqs = _run_panel("on_preview", ds, state={"prompt": text})
    preview = _find(reqs, "patch_panel_state", "preview")[0]
    assert preview["count"] == n and preview["error"] is None and preview["explanation"]
    assert not _find(reqs, "set_view")  # a preview never changes the App

    # Apply without a Preview of this prompt: the panel shows what it applied
    other = "spatter"
    reqs = _run_panel("on_apply", ds, state={"prompt": other, "preview": preview, "message": "Saved view 'x'"})
    m = ddf.text_to_view(ds, other, llm="offline").view.count()
    assert _set_view_target(reqs, ds).count() == m != n
    shown = _find(reqs, "patch_panel_state", "preview")[0]
    assert shown["prompt"] == other and shown["count"] == m
    assert None in _find(reqs, "patch_panel_state", "message")  # the old line is cleared

    reqs = _run_panel("on_save", ds, state={"prompt": text, "save_name_0": "heavy-fog"})
    assert _set_view_target(reqs, ds).count() == n
    assert _find(reqs, "reload_dataset")  # the App refreshes its saved-view list
    assert _find(reqs, "patch_panel_state", "pending_saved") == ["heavy-fog"]  # then opens it by name
    assert _find(reqs, "patch_panel_state", "save_gen") == [1]  # a blank Save-as box
    assert ds.has_saved_view("heavy-fog") and ds.load_saved_view("heavy-fog").count() == n
    # the view change that follows opens it by name
    reqs = _run_panel("on_change_view", ds, state={"pending_saved": "heavy-fog"})
    assert [v.get("name") for v in _find(reqs, "set_view")] == ["heavy-fog"]
    # saving again under the same name is refused, shown in the panel in App
    # words, not raised; the earlier "Saved view" line is cleared
    reqs = _run_panel("on_save", ds, state={"prompt": text, "save_gen": 1, "save_name_1": "heavy-fog",
                                            "message": "Saved view 'heavy-fog'"})
    error = _find(reqs, "patch_panel_state", "preview")[0]["error"]
    assert "already exists" in error and "type another name in 'Save as'" in error
    assert "overwrite=True" not in error
    assert None in _find(reqs, "patch_panel_state", "message")

    reqs = _run_panel("on_preview", ds, state={"prompt": "zzqx unknown thing"})
    assert _find(reqs, "patch_panel_state", "preview")[0]["error"]
    reqs = _run_panel("on_preview", ds, state={"prompt": "  "})
    assert _find(reqs, "patch_panel_state", "preview")[0]["error"] == "Type a prompt first."


# --- App hygiene: messages, prerequisites, confirmations ----------------------------


def test_no_removed_app_option_warnings_unless_the_user_sets_one(panel_registered, caplog, monkeypatch):
    """FiftyOne 1.22 warns that show_index/show_label/show_confidence were
    removed on every session-state round trip, though nobody set them; once
    the plugin is loaded that false alarm is dropped, a real setting still warns."""
    import logging

    import fiftyone.core.state as fost

    assert foo.registry.operator_exists(PANEL_URI)  # the plugin is loaded
    state = fost.StateDescription(config=fo.app_config.copy()).serialize()
    with caplog.at_level(logging.WARNING, logger="fiftyone.core.config"):
        fost.StateDescription.from_dict(state)
    assert not [r for r in caplog.records if "has been removed" in r.getMessage()]
    monkeypatch.setenv("FIFTYONE_APP_SHOW_INDEX", "false")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fiftyone.core.config"):
        fost.StateDescription.from_dict(state)
    assert any("`show_index`" in r.getMessage() for r in caplog.records)


def _form(uri, dataset, **params):
    import fiftyone.operators.executor as foe

    ctx = foe.ExecutionContext(request_params={"dataset_name": dataset.name, "params": params})
    return foo.get_operator(f"{PLUGIN}/{uri}").resolve_input(ctx).to_json()


def test_missing_predictions_is_a_form_error_with_a_button(panel_registered, fresh_dataset):
    for uri in ("compute_ood", "find_label_issues"):
        props = _form(uri, fresh_dataset)["type"]["properties"]
        err = props["missing_predictions"]
        assert err["invalid"] is True
        assert "run 'Predictions' first" in err["view"]["label"]
        button = props["run_compute_predictions"]["view"]
        assert button["operator"] == f"{PLUGIN}/compute_predictions" and button["prompt"] is True


def test_customize_name_taken_is_a_form_error_in_app_words(panel_registered, fresh_dataset):
    ds = fresh_dataset
    ds.save_view("mine", ds.limit(3))
    props = _form("customize", ds, corruptions=["fog"], save_as="mine")["type"]["properties"]
    assert props["name_taken"]["invalid"] is True
    assert "tick 'Replace a saved view of that name'" in props["name_taken"]["view"]["description"]
    assert "name_taken" not in _form("customize", ds, corruptions=["fog"], save_as="mine", overwrite=True)["type"]["properties"]


def test_exclude_and_undo_say_what_they_did(panel_registered, fresh_dataset, run_operator):
    ds = fresh_dataset
    ids = ds.take(3, seed=5).values("id")
    res = run_operator("exclude_samples", ds, selected=ids)
    res.raise_exceptions()
    assert res.result["message"] == "Excluded 3 sample(s). Undo with 'DataDiver: undo an edit'."
    notes = [r.to_json()["params"]["message"] for r in res.executor._requests if r.to_json()["operator_uri"] == "notify"]
    assert notes == [res.result["message"]]
    again = run_operator("exclude_samples", ds, selected=ids[:2])
    assert again.result["message"].startswith("Excluded 0 sample(s) (2 of the 2 targeted were already so)")
    undo = run_operator("undo_edit", ds)
    undo.raise_exceptions()
    assert "sample(s) restored" in undo.result["message"]


def test_siblings_with_no_samples_says_so_and_keeps_the_view(panel_registered, fresh_dataset, run_operator):
    from datadiver_fo.customize import relations as ddr

    ds = fresh_dataset
    sid = None
    for label in ds.distinct("ground_truth.label"):
        cand = ds.match(F("ground_truth.label") == label).first().id
        if len(ddr.siblings(ds, cand)) == 0:
            sid = cand
            break
    assert sid is not None, "the miniature should have a class without sibling samples"
    res = run_operator("show_siblings", ds, params={"sample_id": sid})
    res.raise_exceptions()
    assert res.result["count"] == 0 and "the view is unchanged" in res.result["message"]
    ops = [r.to_json()["operator_uri"] for r in res.executor._requests]
    assert "set_view" not in ops and "notify" in ops


def test_sample_viewer_shows_variants_path_and_opens_a_variant(panel_registered, mini_dataset):
    from datadiver_fo.customize import relations as ddr

    ds = mini_dataset
    sid = ds.match((F("corruption") == "fog") & (F("severity") == 3)).first().id
    variants = ddr.variants(ds, sid)
    reqs = _run_panel("on_change_selected", ds, selected=[sid])
    sample = [s for s in _find(reqs, "patch_panel_state", "sample") if s][0]
    assert sample["id"] == sid and len(sample["cells"]) == len(variants) > 5
    assert set(sample["rows"]) == set(variants.distinct("corruption")) and "fog" in sample["rows"]
    assert sample["cols"] == sorted(variants.distinct("severity"))
    assert sample["path"] == ds[sid]["hypernyms"] and sample["path"]
    assert all(im["source"].startswith("/media?filepath=%2F") for im in sample["images"])
    i, j = sample["rows"].index("spatter"), sample["cols"].index(5)
    target = sample["cells"][f"{i},{j}"]
    assert ds[target]["corruption"] == "spatter" and ds[target]["severity"] == 5
    # clicking that picture shows the variants and opens it in the modal
    reqs = _run_panel("on_variant_click", ds, state={"sample": sample}, x=j, y=i)
    assert _find(reqs, "open_sample")[0]["id"] == target
    assert _set_view_target(reqs, ds).count() == len(variants)
    # two selected samples: no viewer
    reqs = _run_panel("on_change_selected", ds, selected=ds.limit(2).values("id"))
    assert _find(reqs, "patch_panel_state", "sample") == [None]

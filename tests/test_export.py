"""Export: each format read back (the Tiny-ImageNet-C export re-imported by
our own loader gives the same samples and fields), saved views carried,
exclusions honoured, path traversal and overwrite refused."""
import json
import os

import fiftyone as fo
import pytest

import datadiver_fo as ddf
from datadiver_fo.io import export as dde
_KEYS = ["corruption", "severity", "wnid", "source_id", "ground_truth.label", "corruption_family"]


def _records(view):
    cols = view.values(_KEYS + ["hypernyms", "tags"])
    return sorted(
        tuple(c[i] for c in cols[: len(_KEYS)]) + (tuple(cols[-2][i] or []), tuple(sorted(cols[-1][i])))
        for i in range(len(cols[0]))
    )


def test_tiny_imagenet_c_export_reimports_identically(fresh_dataset, tmp_path, unique_name):
    ds = fresh_dataset
    relabelled = ddf.select(ds, classes="tabby", corruptions="fog", severities=[1]).values("id")
    ddf.relabel_samples(ds, relabelled, "espresso")
    missing = ddf.select(ds, classes="lakeside", corruptions="clean").limit(2).values("id")
    ddf.mark_missing_label(ds, missing)
    view = ds.select(ddf.select(ds, classes=["tabby", "lakeside"], exclude_corruptions="spatter").values("id") + relabelled + missing)
    rep = ddf.export_view(view, str(tmp_path / "out"), format="tiny-imagenet-c")
    missing_train = [s for s in missing if "train" in ds[s].tags]
    assert rep.num_exported == len(view) - len(missing_train)
    assert sorted(s["id"] for s in rep.skipped) == sorted(missing_train)  # clean train images need a class folder
    assert os.path.isdir(tmp_path / "out" / "Tiny-ImageNet-C" / "fog" / "1")
    back = ddf.load_tiny_imagenet_c(
        str(tmp_path / "out" / "Tiny-ImageNet-C"),
        name=unique_name + "-back",
        clean_root=str(tmp_path / "out" / "tiny-imagenet-200"),
    )
    try:
        expected = view.exclude(missing_train)
        assert len(back) == len(expected)
        assert _records(back) == _records(expected)
        assert back.count_values("ground_truth.label")["espresso"] == len(relabelled)
    finally:
        back.delete()


def test_classification_tree_reads_back(mini_dataset, tmp_path):
    view = ddf.select(mini_dataset, classes=["tabby", "cauliflower"], severities=[3])
    rep = ddf.export_view(view, tmp_path / "tree", format="image-classification-tree")
    assert rep.num_exported == len(view) == 2 * 3 * 5
    back = fo.Dataset.from_dir(
        dataset_dir=str(tmp_path / "tree"),
        dataset_type=fo.types.ImageClassificationDirectoryTree,
    )
    try:
        assert back.count_values("ground_truth.label") == view.count_values("ground_truth.label")
        names = {os.path.basename(p) for p in back.values("filepath")}
        assert any("__fog_3." in n for n in names)
    finally:
        back.delete()


def test_fiftyone_export_carries_saved_views(fresh_dataset, tmp_path):
    ds = fresh_dataset
    _, spec = ddf.select(ds, corruptions="fog", return_spec=True)
    from datadiver_fo.customize import selection as ddc
    ddc.save_selection(ds, "fog-all", spec)
    ddf.exclude_samples(ds, ddf.select(ds, corruptions="fog").limit(1).values("id"))
    view = ddf.select(ds, classes=["tabby", "espresso"])
    rep = ddf.export_view(view, tmp_path / "fo", format="fiftyone")
    assert rep.num_exported == len(view)
    back = fo.Dataset.from_dir(dataset_dir=str(tmp_path / "fo" / "dataset"), dataset_type=fo.types.FiftyOneDataset)
    try:
        assert set(back.values("id")) == set(view.values("id"))
        assert "fog-all" in back.list_saved_views()
        fog = back.load_saved_view("fog-all")
        assert len(fog) == len(view.match(fo.ViewField("corruption") == "fog"))
        assert all(os.path.isfile(p) and str(tmp_path) in p for p in back.values("filepath"))
    finally:
        back.delete()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_manifest_has_every_field(fresh_dataset, tmp_path, fmt):
    ds = fresh_dataset
    ids = ddf.select(ds, classes="projectile", corruptions="fog", severities=[1]).values("id")
    ddf.relabel_samples(ds, ids[:1], "lakeside")
    view = ddf.select(ds, corruptions="fog", severities=[1])
    rep = ddf.export_view(view, tmp_path / fmt, format=fmt)
    frame = dde.read_manifest(rep.outputs[0])
    assert len(frame) == len(view)
    for col in ["id", "filepath", "tags", "ground_truth.label", "wnid", "hypernyms", "corruption",
                "severity", "source_id", "metadata.width", "label_history"]:
        assert col in frame.columns, col
    row = frame[frame["id"] == ids[0]].iloc[0]
    assert row["ground_truth.label"] == "lakeside"
    hist = row["label_history"]
    hist = json.loads(hist) if isinstance(hist, str) else hist
    assert hist[0]["label"] == "projectile"
    assert "carnivore" not in list(row["hypernyms"])


def test_refusals_overwrite_and_traversal(fresh_dataset, tmp_path):
    ds = fresh_dataset
    view = ds.select(ddf.select(ds, classes="tabby", corruptions="fog", severities=[1]).values("id"))
    with pytest.raises(ValueError, match=r"\.\."):
        ddf.export_view(view, str(tmp_path / "a" / ".." / "b"))
    with pytest.raises(ValueError, match="format"):
        ddf.export_view(view, tmp_path / "x", format="zip")
    out = tmp_path / "once"
    ddf.export_view(view, out)
    with pytest.raises(ValueError, match="overwrite=True"):
        ddf.export_view(view, out)
    rep = ddf.export_view(view, out, overwrite=True)  # a previous export: replaced
    assert rep.num_exported == 3
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="refusing"):
        ddf.export_view(view, foreign, overwrite=True)
    assert (foreign / "keep.txt").read_text() == "mine"
    # values from the data that try to climb out of the folder
    evil = view.first()
    evil["corruption"] = "../../../escape"
    evil.save()
    evil2 = view.skip(1).first()
    evil2["source_id"] = ".."
    evil2.save()
    rep = ddf.export_view(view, tmp_path / "safe" / "inner")
    assert not (tmp_path / "escape").exists() and not (tmp_path / "safe" / "escape").exists()
    written = [os.path.join(r, f) for r, _, fs in os.walk(tmp_path / "safe") for f in fs]
    assert all(w.startswith(str(tmp_path / "safe" / "inner")) for w in written)
    reasons = {s["id"]: s["reason"] for s in rep.skipped}
    assert "unsafe source_id" in reasons[evil2.id]
    assert "unsafe corruption" in reasons[evil.id]
    assert rep.num_exported + len(rep.skipped) == 3


def test_excluded_samples_are_skipped_and_operator(fresh_dataset, tmp_path, run_operator):
    ds = fresh_dataset
    view = ddf.select(ds, classes="cauliflower", corruptions="spatter", severities=[5])
    ddf.exclude_samples(ds, view.limit(1).values("id"))
    rep = ddf.export_view(ds.match(fo.ViewField("corruption") == "spatter").match(fo.ViewField("severity") == 5)
                          .match(fo.ViewField("ground_truth.label") == "cauliflower"), tmp_path / "ex", format="csv")
    assert rep.num_exported == 2 and [s["reason"] for s in rep.skipped] == ["excluded"]
    marker = json.loads((tmp_path / "ex" / dde.MARKER).read_text())
    assert marker["num_skipped"] == 1
    res = run_operator(
        "export_view",
        ds,
        view=view,
        params={"export_dir": str(tmp_path / "op"), "format": "image-classification-tree", "view_target": "CURRENT_VIEW"},
    )
    assert res.result["num_exported"] == 2
    assert len(os.listdir(tmp_path / "op" / "cauliflower")) == 2

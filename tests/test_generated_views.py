"""Views DataDiver saves by itself (most OoD, label issues, darkest...,
duplicates): one policy for all. A user's view of that name survives every
computation (ours goes to ``<name>-2``); re-running replaces our own view;
ours is recognised by its provenance record, or by the description prefix
of the previous version."""
import numpy as np
import pytest
from bson import json_util

import fiftyone as fo
from fiftyone import ViewField as F

from datadiver_fo.customize import saved_views as ddsv
from datadiver_fo.customize.view_records import get_view_records
from datadiver_fo.enrich import duplicates as ddd
from datadiver_fo.enrich import label_issues as ddl
from datadiver_fo.enrich import ood as ddo
from datadiver_fo.enrich import predictions as ddp
from datadiver_fo.enrich import quality as ddq


def _stages(ds, name):
    return json_util.dumps(ds.load_saved_view(name)._serialize(include_uuids=False))


def _user_view(ds, name, view):
    """Saves a view the way a user does in the App (FiftyOne directly)."""
    ds.save_view(name, view, description="mine")
    return _stages(ds, name)


def _assert_untouched(ds, name, stages):
    assert _stages(ds, name) == stages
    assert ds.get_saved_view_info(name)["description"] == "mine"
    assert name not in get_view_records(ds)


def _assert_ours(ds, name, generator):
    record = get_view_records(ds)[name]
    assert record["source"] == "datadiver" and record["generator"] == generator
    view_id = next(str(d.id) for d in ds._doc.get_saved_views() if d.name == name)
    assert ddsv.is_generated_record(record, view_id)


@pytest.fixture
def predicted(unique_name):
    """3 separable classes x 12 pictures x 3 variants, predictions computed."""
    rng = np.random.default_rng(5)
    centers = rng.normal(size=(3, 8)) * 3
    samples, X = [], []
    for c in range(3):
        for p in range(12):
            base = centers[c] + rng.normal(size=8)
            for v in range(3):
                X.append(base + 0.05 * rng.normal(size=8))
                samples.append(fo.Sample(
                    filepath=f"/tmp/dd-gv/{unique_name}/{len(samples):05d}.jpg", source_id=f"c{c}p{p}",
                    ground_truth=fo.Classification(label=f"class{c}"),
                ))
    ds = fo.Dataset(unique_name)
    ds.add_samples(samples)
    ds.set_values("emb", [np.asarray(x, dtype=np.float32) for x in X])
    ddp.compute_predictions(ds, members=["emb"], num_folds=3)
    yield ds
    ds.delete()


def test_ood_and_label_issues_keep_a_users_view(predicted):
    ds = predicted
    mine = _user_view(ds, "datadiver/most-ood", ds.limit(3))
    rep = ddo.compute_ood(ds, view_size=10)
    assert rep.view == "datadiver/most-ood-2"
    assert rep.renamed_views == {"datadiver/most-ood": "datadiver/most-ood-2"}
    _assert_untouched(ds, "datadiver/most-ood", mine)
    _assert_ours(ds, rep.view, "ood")
    # re-running replaces ours (another size), never the user's, never a -3
    rep2 = ddo.compute_ood(ds, view_size=5)
    assert rep2.view == rep.view and len(ds.load_saved_view(rep.view)) == 5
    _assert_untouched(ds, "datadiver/most-ood", mine)
    assert sorted(ds.list_saved_views()) == ["datadiver/most-ood", "datadiver/most-ood-2"]

    mine = _user_view(ds, "datadiver/label-issues", ds.limit(2))
    rep = ddl.find_label_issues(ds, mistakenness=False, hardness=False)
    assert rep.view == "datadiver/label-issues-2"
    _assert_untouched(ds, "datadiver/label-issues", mine)
    _assert_ours(ds, rep.view, "label_issues")


def test_quality_keeps_a_users_view_and_replaces_its_own(fresh_dataset):
    ds = fresh_dataset
    mine = _user_view(ds, "datadiver/darkest", ds.limit(1))
    res = ddq.compute_quality(ds, z_threshold=3.0)
    assert "datadiver/darkest-2" in res.views and "datadiver/darkest" not in res.views
    assert res.renamed_views == {"datadiver/darkest": "datadiver/darkest-2"}
    assert res.skipped_views == ["datadiver/darkest"]
    _assert_untouched(ds, "datadiver/darkest", mine)
    _assert_ours(ds, "datadiver/darkest-2", "quality")
    _assert_ours(ds, "datadiver/blurriest", "quality")
    before = _stages(ds, "datadiver/darkest-2")

    res2 = ddq.compute_quality(ds, z_threshold=2.0)
    assert res2.views == res.views
    assert _stages(ds, "datadiver/darkest-2") != before  # replaced with the new threshold
    assert "2" in ds.get_saved_view_info("datadiver/darkest-2")["description"]
    _assert_untouched(ds, "datadiver/darkest", mine)
    assert not any(n.endswith("-3") for n in ds.list_saved_views())


def test_duplicates_keep_a_users_view(fresh_dataset):
    ds = fresh_dataset
    mine = _user_view(ds, "datadiver/duplicates", ds.limit(4))
    res = ddd.find_duplicates(ds, leaks=False)
    assert res.views == ["datadiver/duplicates-2"]
    assert res.renamed_views == {"datadiver/duplicates": "datadiver/duplicates-2"}
    _assert_untouched(ds, "datadiver/duplicates", mine)
    _assert_ours(ds, "datadiver/duplicates-2", "duplicates")
    res2 = ddd.find_duplicates(ds, leaks=False)
    assert res2.views == res.views
    _assert_untouched(ds, "datadiver/duplicates", mine)


def test_a_view_saved_over_ours_by_hand_becomes_the_users(fresh_dataset):
    ds = fresh_dataset
    assert ddsv.save_generated_view(ds, "datadiver/x", ds.limit(2), "two", "test") == "datadiver/x"
    # the App replaces it: the record stays, but names the old document
    ds.save_view("datadiver/x", ds.limit(7), description="mine", overwrite=True)
    mine = _stages(ds, "datadiver/x")
    assert ddsv.save_generated_view(ds, "datadiver/x", ds.limit(3), "three", "test") == "datadiver/x-2"
    assert _stages(ds, "datadiver/x") == mine and len(ds.load_saved_view("datadiver/x")) == 7


def test_views_of_the_previous_version_are_still_ours(fresh_dataset):
    ds = fresh_dataset
    old = {
        "datadiver/darkest": "DataDiver quality: brightness robust z <= -3",
        "datadiver/duplicates": "DataDiver duplicates: true duplicates",
        "datadiver/most-ood": "[datadiver] 200 samples with the highest ood_score",
    }
    for name, description in old.items():
        ds.save_view(name, ds.limit(1), description=description)
        used = ddsv.save_generated_view(ds, name, ds.limit(2), "new", "test")
        assert used == name and len(ds.load_saved_view(name)) == 2
        _assert_ours(ds, name, "test")
    assert sorted(ds.list_saved_views()) == sorted(old)


def test_a_name_whose_slug_is_taken_is_skipped(fresh_dataset):
    ds = fresh_dataset
    ds.save_view("DataDiver/Most-OOD", ds.limit(1), description="mine")  # slug "datadivermost-ood"
    used = ddsv.save_generated_view(ds, "datadiver/most-ood", ds.limit(2), "two", "test")
    assert used == "datadiver/most-ood-2"
    assert len(ds.load_saved_view("DataDiver/Most-OOD")) == 1


def test_save_generated_view_bad_input(fresh_dataset, mini_dataset):
    with pytest.raises(ValueError, match="letter or digit"):
        ddsv.save_generated_view(fresh_dataset, "!!!", fresh_dataset.limit(1), "x", "test")
    with pytest.raises(ValueError, match="belongs to dataset"):
        ddsv.save_generated_view(fresh_dataset, "datadiver/y", mini_dataset.match(F("severity") == 1), "x", "test")

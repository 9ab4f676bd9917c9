"""Progress, FiftyOne's way: long functions take ``progress=None|True|False``
or a callable receiving ``fiftyone.core.utils.ProgressBar``; the old
``callable(fraction, label)`` still works with a DeprecationWarning; operators
forward progress to the App."""
import numpy as np
import pytest

import fiftyone as fo

import datadiver_fo as ddf
import datadiver_fo.enrich.duplicates as ddd
import datadiver_fo.enrich.embeddings as dde
from datadiver_fo.enrich import ood as ddo
from datadiver_fo.enrich import predictions as ddp


def _recorder():
    """A ``fo.report_progress`` callback and the ``(progress, label)`` pairs
    it receives."""
    calls = []
    return calls, fo.report_progress(lambda pb: calls.append((pb.progress, getattr(pb, "label", None))))


def _assert_increasing_to_one(calls):
    fracs = [p for p, _ in calls]
    assert fracs, "the callback was never called"
    assert fracs == sorted(fracs) and all(0.0 <= p <= 1.0 for p in fracs)
    assert fracs[-1] == pytest.approx(1.0)
    assert all(isinstance(label, str) and label for _, label in calls)


@pytest.fixture
def show_bars():
    """Turns FiftyOne's progress bars on (the test session turns them off)."""
    before = fo.config.show_progress_bars
    fo.config.show_progress_bars = True
    yield
    fo.config.show_progress_bars = before


def test_load_reports_increasing_progress_to_one(mini, unique_name):
    calls, cb = _recorder()
    ds = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fog"],
                                  severities=[1, 2], progress=cb)
    try:
        assert len(ds) > 0
        _assert_increasing_to_one(calls)
        assert calls[0][1].startswith("importing")
    finally:
        ds.delete()


def test_embeddings_and_duplicates_report_increasing_progress(fresh_dataset):
    view = fresh_dataset.match_tags("tiny-imagenet-c").sort_by("filepath").limit(40)
    calls, cb = _recorder()
    dde.compute_embeddings(view, model="weightless", batch_size=8, progress=cb)
    _assert_increasing_to_one(calls)
    assert len(calls) >= 40 // 8

    # two steps (hashing through a nested function, near duplicates) on one bar
    calls, cb = _recorder()
    ddd.find_duplicates(view, embeddings="embeddings", leaks=False, save_views=False, progress=cb)
    _assert_increasing_to_one(calls)
    labels = [label for _, label in calls]
    assert labels[0].startswith("hashing") and "near duplicates" in labels


def test_ood_knn_step_advances_the_ood_bar(unique_name):
    rng = np.random.default_rng(3)
    ds = fo.Dataset(unique_name)
    ds.add_samples([
        fo.Sample(filepath=f"/tmp/dd-progress/{i}.jpg", source_id=f"s{i // 2}",
                  ground_truth=fo.Classification(label=f"c{i % 3}"))
        for i in range(60)
    ])
    ds.set_values("emb", [rng.normal(size=8).astype(np.float32) + (i % 3) for i in range(60)])
    try:
        ddp.compute_predictions(ds, members=["emb"], num_folds=3, progress=False)
        calls, cb = _recorder()
        ddo.compute_ood(ds, knn_embeddings="emb", view_name=None, progress=cb)
        _assert_increasing_to_one(calls)
        assert any(label.startswith("knn") for _, label in calls)
    finally:
        ds.delete()


def test_false_prints_no_bar_true_prints_one(fresh_dataset, show_bars, capfd):
    view = fresh_dataset.limit(20)
    ddd.find_duplicates(view, leaks=False, save_views=False, progress=False)
    out, err = capfd.readouterr()
    assert "%" not in out + err

    ddd.find_duplicates(view, leaks=False, save_views=False, progress=True)
    out, err = capfd.readouterr()
    assert "%" in out + err and "hashing" in out + err


def test_callable_prints_a_bar_only_if_the_config_says_so(fresh_dataset, capfd):
    view = fresh_dataset.limit(20)
    calls, cb = _recorder()
    ddd.find_duplicates(view, leaks=False, save_views=False, progress=cb)  # bars off in tests
    out, err = capfd.readouterr()
    assert "%" not in out + err
    _assert_increasing_to_one(calls)


def test_old_style_callable_still_works_with_a_warning(fresh_dataset):
    view = fresh_dataset.limit(20)
    calls = []
    with pytest.warns(DeprecationWarning, match="taking \\(fraction, label\\) is deprecated"):
        ddd.find_duplicates(view, leaks=False, save_views=False,
                            progress=lambda frac, label: calls.append((frac, label)))
    _assert_increasing_to_one(calls)


def test_bad_progress_is_refused(fresh_dataset):
    with pytest.raises(ValueError, match="progress must be None, True, False or a callable"):
        ddd.find_duplicates(fresh_dataset.limit(5), leaks=False, save_views=False, progress="yes")


def test_delegated_operator_reports_progress_to_the_app(mini, run_operator, unique_name):
    from fiftyone.operators.delegated import DelegatedOperationService

    run_operator("load_tiny_imagenet_c", params=dict(
        root=mini.root, name=unique_name, corruptions=["spatter"], severities=[3]), delegated=True)
    svc = DelegatedOperationService()
    uri = "@datadiver/datadiver/load_tiny_imagenet_c"
    queued = svc.list_operations(operator=uri, run_state="queued")
    assert len(queued) == 1
    try:
        svc.execute_queued_operations(operator=uri)
        done = svc.get(queued[0].id)
        assert done.run_state == "completed", done.run_state
        # the operator's callback ran: the App's last update is the bar's end
        assert done.status is not None and done.status.progress == pytest.approx(1.0)
        assert done.status.label.startswith("importing")
    finally:
        if unique_name in fo.list_datasets():
            fo.delete_dataset(unique_name)

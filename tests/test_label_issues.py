"""Label issues: cleanlab on a constructed set with known flipped labels,
missing labels, a class with one sample, brain fields, runs and views."""
import numpy as np
import pytest

import fiftyone as fo

from datadiver_fo.enrich import label_issues as ddl
from datadiver_fo.enrich import predictions as ddp
from datadiver_fo.customize.saved_views import is_generated_record
from datadiver_fo.customize.view_records import get_view_records
from datadiver_fo.internal import runs as ddr
def make_dataset(name, X, labels):
    ds = fo.Dataset(name)
    samples = []
    for i in range(len(X)):
        s = fo.Sample(filepath="/tmp/dd-h4/%s/%05d.jpg" % (name, i), source_id="p%d" % i)
        if labels[i] is not None:
            s["ground_truth"] = fo.Classification(label=labels[i])
        samples.append(s)
    ds.add_samples(samples)
    ds.set_values("emb", [np.asarray(x, dtype=np.float32) for x in X])
    return ds


@pytest.fixture
def noisy(unique_name):
    """4 separable classes x 40 samples, 12 labels flipped (known), 3 labels
    missing, and one extra class with a single sample."""
    rng = np.random.default_rng(7)
    centers = rng.normal(size=(4, 10)) * 4
    y = np.repeat(np.arange(4), 40)
    X = centers[y] + rng.normal(size=(len(y), 10))
    names = ["cat", "dog", "fish", "bird"]
    labels = [names[v] for v in y]
    flipped = rng.choice(len(y), 12, replace=False)
    for i in flipped:
        labels[i] = names[(y[i] + rng.integers(1, 4)) % 4]
    clean_pool = [i for i in range(len(y)) if i not in set(flipped)]
    missing = clean_pool[:3]
    for i in missing:
        labels[i] = None
    X = np.vstack([X, rng.normal(size=(1, 10)) * 4])
    labels.append("axolotl")  # a class with one sample
    ds = make_dataset(unique_name, X, labels)
    ddp.compute_predictions(ds, members=["emb", ("emb", "knn")])
    yield ds, y, set(int(i) for i in flipped), missing, names
    ds.delete()


def test_finds_known_flipped_labels(noisy):
    ds, y, flipped, missing, names = noisy
    calls = []
    rep = ddl.find_label_issues(ds, progress=lambda f, label: calls.append(f))
    assert calls[-1] == 1.0
    issues = ds.values("label_issue")
    quality = ds.values("label_quality")
    found = {i for i, v in enumerate(issues) if v}
    hits = found & flipped
    assert len(hits) / len(flipped) >= 0.9, (found, flipped)  # recall
    assert len(hits) / max(len(found - {len(y)}), 1) >= 0.8  # precision
    # label quality ranks the flipped ones below the clean ones
    from sklearn.metrics import roc_auc_score

    idx = [i for i in range(len(y)) if quality[i] is not None]
    auc = roc_auc_score([i not in flipped for i in idx], [quality[i] for i in idx])
    assert auc > 0.95
    # the suggestion is the true class for the flipped samples found
    sugg = ds.values("suggested_label")
    right = [sugg[i].label == names[y[i]] for i in hits]
    assert sum(right) >= len(hits) - 1
    assert all(sugg[i] is None for i in range(len(y)) if not issues[i])
    assert rep.num_issues == len(found)


def test_missing_labels_and_a_single_sample_class(noisy):
    ds, y, flipped, missing, names = noisy
    rep = ddl.find_label_issues(ds, mistakenness=False, hardness=False)
    assert rep.num_missing_labels == 3
    assert rep.num_checked == len(ds) - 3
    issues = ds.values("label_issue")
    quality = ds.values("label_quality")
    for i in missing:
        assert issues[i] is None and quality[i] is None
    # predictions exist for unlabelled samples too
    assert ds.count("predictions") == len(ds)
    assert rep.small_classes == {"axolotl": 1}
    assert isinstance(issues[-1], bool)  # the single sample was checked, no crash
    res = ddr.get_run_results(ds, rep.run_key)
    assert res["num_missing_labels"] == 3 and res["small_classes"] == {"axolotl": 1}


def test_brain_fields_run_and_saved_view(noisy):
    ds, *_ = noisy
    ds.save_view("datadiver/label-issues", ds.limit(2), description="teammate's")
    rep = ddl.find_label_issues(ds)
    assert set(rep.brain_fields) == {"mistakenness", "hardness"}
    checked = ds.exists("ground_truth")
    assert checked.count("mistakenness") == len(checked)
    assert checked.count("hardness") == len(checked)
    # the teammate's view is untouched, ours gets another name
    assert rep.view == "datadiver/label-issues-2"
    assert len(ds.load_saved_view("datadiver/label-issues")) == 2
    ours = ds.load_saved_view(rep.view)
    assert len(ours) == rep.num_issues
    assert all(ours.values("label_issue"))
    q = ours.values("label_quality")
    assert q == sorted(q)
    # ours is recognised by its provenance record, not by its description
    record = get_view_records(ds)[rep.view]
    assert record["generator"] == "label_issues" and is_generated_record(record)
    # run listed with its config; re-running keeps one run, one view of ours
    cfg = ddr.get_run_config(ds, rep.run_key)
    assert cfg["filter_by"] == "margin" and cfg["label_field"] == "ground_truth"
    rep2 = ddl.find_label_issues(ds)
    assert rep2.view == rep.view and rep2.num_issues == rep.num_issues
    assert ddr.list_datadiver_runs(ds).count(rep.run_key) == 1
    assert len(ds.list_saved_views()) == 2


def test_brain_scores_equal_fiftyone_brains_own(noisy):
    """mistakenness and hardness are computed as arrays (the brain's own
    functions save each sample in a loop: over 15 minutes each at 950k),
    with the same values and brain runs as fob.compute_mistakenness /
    compute_hardness give on the same predictions."""
    import fiftyone.brain as fob

    ds, *_ = noisy
    ddl.find_label_issues(ds)
    checked = ds.exists("ground_truth.label").exists("predictions")
    ours_m, ours_h = checked.values(["mistakenness", "hardness"])
    assert {"mistakenness", "hardness"} <= set(ds.list_brain_runs())
    assert ds.get_brain_info("mistakenness").config.pred_field == "predictions"
    assert ds.get_brain_info("hardness").config.label_field == "predictions"
    fob.compute_mistakenness(checked, "predictions", "ground_truth", mistakenness_field="m_brain")
    fob.compute_hardness(checked, "predictions", hardness_field="h_brain")
    brain_m, brain_h = checked.values(["m_brain", "h_brain"])
    assert len(ours_m) == len(checked) > 50
    assert np.allclose(ours_m, brain_m, rtol=0, atol=1e-12)
    assert np.allclose(ours_h, brain_h, rtol=1e-6, atol=1e-7)
    assert len(set(np.round(ours_m, 6))) > 2  # the comparison means something


def test_bad_inputs(noisy):
    ds, *_ = noisy
    with pytest.raises(ValueError, match="quality_method"):
        ddl.find_label_issues(ds, quality_method="vibes")
    with pytest.raises(ValueError, match="Label field"):
        ddl.find_label_issues(ds, label_field="nope")
    with pytest.raises(ValueError, match="No predictions run"):
        ddl.find_label_issues(ds, pred_field="other")


def test_operator_find_label_issues(noisy, run_operator):
    ds, *_ = noisy
    res = run_operator("find_label_issues", ds, params={"brain": False})
    assert res.error is None, res.error
    assert res.result["num_missing_labels"] == 3
    assert res.result["view"] == "datadiver/label-issues"


def test_clean_labels_give_no_issue_and_no_crash(unique_name):
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 20)
    X = np.eye(3)[y] * 20 + 0.1 * rng.normal(size=(60, 3))
    ds = make_dataset(unique_name, X, ["abc"[v] for v in y])
    try:
        ddp.compute_predictions(ds, members=[("emb", "knn")])
        rep = ddl.find_label_issues(ds, mistakenness=False, hardness=False)
        assert rep.num_issues == 0
        assert ds.count("suggested_label") == 0
        assert ds.get_field("suggested_label") is not None
    finally:
        ds.delete()


def test_default_rule_meets_targets_on_digits_with_an_unseen_seed(unique_name):
    """Real handwritten digits, pixel embeddings (bring your own), 10% of
    labels flipped uniformly with a seed no benchmark uses (the benchmark's
    flips come from seeds 1000-1009): the default rule finds >= 93% of them
    at >= 90% precision (benchmarks/bench_label_issues.py: held-out worst)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    rng = np.random.default_rng(20261130)
    n = len(d.target)
    flip = rng.choice(n, n // 10, replace=False)
    noisy = d.target.copy()
    noisy[flip] = (d.target[flip] + rng.integers(1, 10, len(flip))) % 10
    ds = make_dataset(unique_name, d.data, [str(v) for v in noisy])
    try:
        ddp.compute_predictions(ds, embeddings="emb", member_fields=False)
        rep = ddl.find_label_issues(ds, mistakenness=False, hardness=False, view_name=None)
        issues = np.array(ds.values("label_issue"))
        truth = np.zeros(n, bool)
        truth[flip] = True
        tp = int((issues & truth).sum())
        assert tp / issues.sum() >= 0.90 and tp / truth.sum() >= 0.93, (tp, issues.sum())
        assert rep.num_issues == int(issues.sum())
        # digits have no variants: each sample is its own group
        assert rep.num_groups == n and rep.num_group_issues == rep.num_issues
    finally:
        ds.delete()


def test_label_issue_mask_rules():
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.45, 0.4, 0.15]])
    y = np.array([0, 0, 1])
    # margin: another class beats the given one by more than 0.4
    assert ddl.label_issue_mask(y, P).tolist() == [False, True, False]
    assert ddl.label_issue_mask(y, P, min_margin=0.0).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="Unknown filter_by 'vibes'"):
        ddl.label_issue_mask(y, P, filter_by="vibes")
    with pytest.raises(ValueError, match=r"min_margin must be in \[0, 1\)"):
        ddl.label_issue_mask(y, P, min_margin=1.5)


def test_issues_per_source_and_one_sample_per_source_view(fresh_dataset):
    """One source picture of the miniature gets a wrong label on every
    variant: it is flagged as one source, and the view shows it once."""
    from datadiver_fo.enrich.embeddings import compute_embeddings

    ds = fresh_dataset
    compute_embeddings(ds, model="weightless", field="emb", batch_size=64)
    src = ds.values("source_id")
    gt = ds.values("ground_truth.label")
    classes = sorted({g for g in gt if g is not None})
    bad = sorted({s for s, g in zip(src, gt) if g == classes[0]})[0]
    view = ds.match(fo.ViewField("source_id") == bad)
    view.set_values("ground_truth", [fo.Classification(label=classes[1])] * len(view))
    ddp.compute_predictions(ds, embeddings="emb", member_fields=False)
    rep = ddl.find_label_issues(ds, mistakenness=False, hardness=False, view_per_group=True)
    assert rep.group_field == "source_id"
    assert rep.num_groups == len(set(s for s, g in zip(src, gt) if g is not None))
    flagged = set(ds.match(fo.ViewField("source_label_issue") == True).distinct("source_id"))  # noqa: E712
    assert bad in flagged
    # 3 pictures per class leave the probes weak (accuracy ~0.65): a few other
    # sources are flagged too, but the wrong one ranks worst
    assert rep.num_group_issues == len(flagged) <= rep.num_groups // 4, flagged
    q = dict(zip(ds.values("source_id"), ds.values("source_label_quality")))
    assert min(q, key=lambda k: q[k] if q[k] is not None else 2) == bad
    assert rep.group_issues_per_class.get(classes[1], 0) >= 1
    # every variant of the source carries its verdict and one quality
    assert set(view.values("source_label_issue")) == {True}
    assert len(set(view.values("source_label_quality"))) == 1
    # the saved view: one sample per flagged source, its least corrupted variant
    saved = ds.load_saved_view(rep.view)
    assert len(saved) == rep.num_group_issues
    assert len(set(saved.values("source_id"))) == len(saved)
    first = saved.match(fo.ViewField("source_id") == bad).first()
    assert first.severity == min(view.values("severity"))
    cfg = ddr.get_run_config(ds, rep.run_key)
    assert cfg["view_per_group"] is True and cfg["group_issue_field"] == "source_label_issue"
    assert cfg["filter_by"] == "margin" and cfg["min_margin"] == 0.4
    # without groups: no per-source fields, the view lists every flagged sample
    rep2 = ddl.find_label_issues(ds, mistakenness=False, hardness=False, group_field=None,
                                 issue_field="li2", quality_field="lq2",
                                 suggested_field="sl2", view_name=None)
    assert rep2.group_field is None and rep2.num_groups is None

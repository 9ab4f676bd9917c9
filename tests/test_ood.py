"""OoD scores: normalised entropy, bands, kNN distance with groups excluded,
held-out classes scoring high, runs and the saved view."""
import numpy as np
import pytest

import fiftyone as fo

from datadiver_fo.enrich import ood as ddo
from datadiver_fo.enrich import predictions as ddp
from datadiver_fo.internal import runs as ddr
def make_dataset(name, X, labels, groups):
    ds = fo.Dataset(name)
    samples = []
    for i in range(len(X)):
        s = fo.Sample(filepath="/tmp/dd-h4/%s/%05d.jpg" % (name, i), source_id=groups[i])
        if labels[i] is not None:
            s["ground_truth"] = fo.Classification(label=labels[i])
        samples.append(s)
    ds.add_samples(samples)
    ds.set_values("emb", [np.asarray(x, dtype=np.float32) for x in X])
    return ds


@pytest.fixture
def dataset(unique_name):
    """3 known classes (labelled, 3 variants per picture) and a 4th class
    that no probe trains on (unlabelled, semantic OoD)."""
    rng = np.random.default_rng(5)
    centers = rng.normal(size=(4, 12)) * 3
    X, labels, groups = [], [], []
    for c in range(4):
        for p in range(12):
            base = centers[c] + rng.normal(size=12)
            for v in range(3):
                X.append(base + 0.05 * rng.normal(size=12))
                labels.append(None if c == 3 else "class%d" % c)
                groups.append("c%dp%d" % (c, p))
    ds = make_dataset(unique_name, np.array(X), labels, groups)
    ddp.compute_predictions(ds, members=["emb", ("emb", "knn")], num_folds=4)
    yield ds
    ds.delete()


def test_normalized_entropy_of_known_distributions():
    p = np.array([[0.25] * 4, [1, 0, 0, 0], [0.5, 0.5, 0, 0], [2, 2, 0, 0]])
    np.testing.assert_allclose(ddo.normalized_entropy(p), [1.0, 0.0, 0.5, 0.5], atol=1e-12)
    # members axis: (M, N, K) -> (M, N)
    assert ddo.normalized_entropy(np.stack([p, p])).shape == (2, 4)
    with pytest.raises(ValueError, match="2 classes"):
        ddo.normalized_entropy(np.ones((3, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        ddo.normalized_entropy(np.array([[-0.1, 1.1]]))


def test_bands_at_0_4_and_0_6():
    assert ddo.ood_bands([0.0, 0.39, 0.4, 0.59, 0.6, 1.0]) == [
        "low", "low", "mid", "mid", "high", "high"]
    assert ddo.ood_bands([0.3], thresholds=(0.2, 0.5)) == ["mid"]
    with pytest.raises(ValueError, match="thresholds"):
        ddo.ood_bands([0.5], thresholds=(0.7, 0.2))


def test_knn_distance_excludes_self_and_own_group():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(20, 8))
    X = np.repeat(base, 3, axis=0)  # 3 identical variants per picture
    groups = np.repeat(np.arange(20), 3)
    d_free = ddo.knn_distances(X, k=2)  # the two copies are the neighbours
    np.testing.assert_allclose(d_free, 0.0, atol=1e-3)
    d = ddo.knn_distances(X, k=2, groups=groups)
    assert (d > 0.1).all()
    # an outlier direction gets the largest distance
    X2 = np.vstack([rng.normal(size=(50, 8)) + 5, -np.ones((1, 8)) * 5])
    d2 = ddo.knn_distances(X2, k=5)
    assert d2.argmax() == 50
    # a group with nothing outside it: undefined, not a crash
    d3 = ddo.knn_distances(X[:3], k=1, groups=groups[:3])
    assert np.isnan(d3).all()
    # reduced search (PCA + reference subset) still ranks the outlier first
    d4 = ddo.knn_distances(X2, k=5, dims=4, reference=30)
    assert d4.argmax() == 50


def test_compute_ood_scores_bands_run_and_view(dataset):
    ds = dataset
    calls = []
    rep = ddo.compute_ood(ds, knn_embeddings="emb", k=5,
                          progress=lambda f, label: calls.append(f))
    assert calls[-1] == 1.0
    score = np.array(ds.values("ood_score"))
    assert ((score >= 0) & (score <= 1)).all()
    bands = ds.values("ood_band")
    assert bands == ddo.ood_bands(score)
    assert sum(rep.band_counts.values()) == len(ds)
    assert set(rep.member_mean_entropy) == {"logreg_emb", "knn_emb"}
    assert ds.count("ood_member_entropy") == len(ds)
    knn = np.array(ds.values("ood_knn"))
    assert np.isfinite(knn).all()
    held_out = np.array([l is None for l in ds.values("ground_truth.label")])
    # the class no probe saw is far from everything else
    assert knn[held_out].mean() > knn[~held_out].mean()
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(held_out, knn) > 0.9
    # run recorded with its config, reloadable
    assert rep.run_key in ddr.list_datadiver_runs(ds)
    cfg = ddr.get_run_config(ds, rep.run_key)
    assert cfg["knn"]["k"] == 5 and cfg["knn"]["grouped"] and cfg["knn"]["among"] == "labelled"
    assert cfg["knn"]["reference_size"] == int((~held_out).sum())
    assert cfg["bands"] == [0.4, 0.6]

    assert ddr.get_run_results(ds, rep.run_key)["band_counts"] == rep.band_counts
    # saved view: highest scores first
    assert rep.view == "datadiver/most-ood"
    v = ds.load_saved_view("datadiver/most-ood")
    vs = v.values("ood_score")
    assert vs == sorted(vs, reverse=True) and vs[0] == pytest.approx(score.max())


def test_saved_view_of_a_user_is_not_overwritten(dataset):
    ds = dataset
    mine = ds.limit(3)
    ds.save_view("datadiver/most-ood", mine, description="my own picks")
    rep = ddo.compute_ood(ds)
    assert rep.view == "datadiver/most-ood-2"
    assert len(ds.load_saved_view("datadiver/most-ood")) == 3
    assert ds.get_saved_view_info("datadiver/most-ood")["description"] == "my own picks"
    # ours is reused (overwritten) on re-run, not multiplied
    rep2 = ddo.compute_ood(ds)
    assert rep2.view == "datadiver/most-ood-2"
    assert sorted(ds.list_saved_views()) == ["datadiver/most-ood", "datadiver/most-ood-2"]
    assert ddr.list_datadiver_runs(ds).count(rep.run_key) == 1


def test_compute_ood_needs_predictions(unique_name):
    ds = make_dataset(unique_name, np.zeros((3, 2)), ["a", "b", "a"], ["1", "2", "3"])
    try:
        with pytest.raises(ValueError, match="compute_predictions"):
            ddo.compute_ood(ds)
        with pytest.raises(ValueError, match="nope"):
            ddo.compute_ood(ds, knn_embeddings="nope")
    finally:
        ds.delete()


def test_operator_compute_ood(dataset, run_operator):
    res = run_operator("compute_ood", dataset, params={"knn_embeddings": "emb", "k": 3})
    assert res.error is None, res.error
    assert res.result["view"] == "datadiver/most-ood"
    assert dataset.count("ood_knn") == len(dataset)


def test_auto_k_follows_distinct_pictures_per_class(dataset):
    """k = median distinct pictures per class // 32, in [1, 10] (the divisor
    chosen on digits, benchmarks/bench_scores.py)."""
    # 12 labelled pictures per known class: 12 // 32 -> 1
    rep = ddo.compute_ood(dataset, knn_embeddings="emb", view_name=None)
    assert rep.knn["k"] == 1 and rep.knn["k_requested"] == "auto"
    assert ddr.get_run_config(dataset, rep.run_key)["knn"]["k"] == 1
    # pictures, not samples, are counted: 40 pictures x 3 variants -> 1;
    # without groups the 120 samples are 120 pictures -> 3; 400 -> capped at 10
    labels = ["a"] * 120 + ["b"] * 120
    groups = ["p%d" % (i // 3) for i in range(240)]
    pool = np.arange(240)
    assert ddo._auto_k(labels, groups, pool) == 1
    assert ddo._auto_k(labels, None, pool) == 3
    assert ddo._auto_k(["a"] * 400, None, np.arange(400)) == 10
    assert ddo._auto_k([None] * 4, None, np.arange(4)) == 10  # no label: the cap
    with pytest.raises(ValueError, match="k must be"):
        ddo.compute_ood(dataset, knn_embeddings="emb", k=0)


def test_blocked_knn_matches_brute_force():
    """The top-(k + largest group) candidate search equals masking every
    same-group pair in the full distance matrix."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    groups = rng.integers(0, 40, 300)
    got = ddo.knn_distances(X, k=4, groups=groups, batch_size=64)
    Z = X / np.linalg.norm(X, axis=1, keepdims=True)
    D = np.sqrt(((Z[:, None] - Z[None]) ** 2).sum(-1))
    D[groups[:, None] == groups[None, :]] = np.inf
    want = np.sort(D, 1)[:, :4].mean(1)
    np.testing.assert_allclose(got, want, atol=1e-4)

"""Neighbours and close pairs at scale: the blockwise exact search equals brute
force whatever the memory bound, the approximate index reaches recall@10 >=
0.95 against exact search, close pairs equal brute force with groups, and
write_neighbors records which search it used."""
import numpy as np
import pytest

import fiftyone.core.fields as fof

from datadiver_fo.internal import knn
import datadiver_fo.enrich.similarity as dds


def _clustered(n, dim, seed=0, spread=0.5):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(2, n // 40), dim))
    X = centres[rng.integers(0, len(centres), n)] + spread * rng.normal(size=(n, dim))
    return X.astype(np.float32)


def _brute(X, k, metric):
    if metric == "cosine":
        Y = X / np.linalg.norm(X, axis=1, keepdims=True)
        D = 1.0 - Y @ Y.T
    else:
        D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(D, idx, axis=1)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_blockwise_exact_equals_brute_force_under_a_tiny_memory_bound(metric):
    X = _clustered(700, 24, seed=1)
    ref_i, ref_d = _brute(X.astype(np.float64), 7, metric)
    # 0.05 MB: blocks of 256 columns x a few rows, so rows and columns are both tiled
    rows, cols = knn.block_shape(len(X), 0.05)
    assert rows < len(X) and cols < len(X)
    idx, dist, used = knn.topk_neighbors(X, 7, metric, method="exact", max_memory_mb=0.05)
    assert used == "exact" and idx.shape == (700, 7)
    assert np.allclose(dist, ref_d, atol=1e-4)
    assert (idx == ref_i).mean() > 0.99  # ties may swap
    assert not (idx == np.arange(700)[:, None]).any()  # never itself


def test_approximate_index_recall_at_10():
    X = _clustered(4000, 48, seed=2)
    exact_i, _, _ = knn.topk_neighbors(X, 10, "cosine", method="exact")
    approx_i, approx_d, used = knn.topk_neighbors(X, 10, "cosine", method="approx")
    assert used == "approx"
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx_i, exact_i)])
    assert recall >= 0.95, recall
    # distances are cosine distances, closest first, like the exact search
    Y = X / np.linalg.norm(X, axis=1, keepdims=True)
    d0 = 1.0 - (Y[np.arange(len(X)), :] * Y[approx_i[:, 0]]).sum(1)
    assert np.allclose(approx_d[:, 0], d0, atol=1e-4)
    assert (np.diff(approx_d, axis=1) >= -1e-6).all()
    # "auto" switches on size
    assert knn.topk_neighbors(X[:50], 3, method="auto", exact_limit=100)[2] == "exact"
    assert knn.topk_neighbors(X[:200], 3, method="auto", exact_limit=100)[2] == "approx"


def test_close_pairs_equal_brute_force_with_groups():
    X = _clustered(500, 16, seed=3, spread=0.05)
    groups = np.arange(500) // 5  # five "variants" per source
    Y = X / np.linalg.norm(X, axis=1, keepdims=True)
    D = 1.0 - Y @ Y.T
    t = 0.01
    ii, jj = np.nonzero(np.triu(D <= t, 1))
    cross = {(a, b) for a, b in zip(ii, jj) if groups[a] != groups[b]}
    n_same = sum(groups[a] == groups[b] for a, b in zip(ii, jj))
    assert cross and n_same  # the check means something
    i, j, d, same, (si, sj, sd) = knn.close_pairs(X, t, groups=groups, max_memory_mb=0.05,
                                                   keep_same=10)
    assert set(zip(i.tolist(), j.tolist())) == cross
    assert same == n_same and len(si) == 10
    assert (np.diff(d) >= 0).all() and (groups[si] == groups[sj]).all()
    same_d = np.sort([D[a, b] for a, b in zip(ii, jj) if groups[a] == groups[b]])[:10]
    assert np.allclose(np.sort(sd), np.maximum(same_d, 0), atol=1e-5)


def test_unit_rows_in_place_gives_the_same_pairs_without_a_copy():
    X = _clustered(400, 16, seed=4, spread=0.05) * 7.0
    X[5] = 0.0  # an all-zero row stays zero
    want = knn.close_pairs(X, 0.01, method="exact")
    Y = X.astype(np.float32)
    assert knn.unit_rows(Y) is Y  # in place
    assert np.allclose(np.linalg.norm(np.delete(Y, 5, axis=0), axis=1), 1.0, atol=1e-6)
    assert not Y[5].any()
    for method in ("exact", "approx"):
        got = knn.close_pairs(Y, 0.01, method=method, normalized=True)
        assert set(zip(got[0].tolist(), got[1].tolist())) == set(zip(want[0].tolist(), want[1].tolist()))
    before = X.copy()
    knn.close_pairs(X, 0.01, method="exact")
    assert np.array_equal(X, before)
    with pytest.raises(ValueError, match="writable C-contiguous float32"):
        knn.unit_rows(X.astype(np.float64))


def test_write_neighbors_records_method_and_checks_memory_bound(fresh_dataset):
    view = fresh_dataset.match_tags("tiny-imagenet-c").sort_by("filepath").limit(120)
    X = _clustered(120, 8, seed=4)
    fresh_dataset.add_sample_field("emb", fof.VectorField)
    view.set_values("emb", list(X))
    exact = dds.write_neighbors(view, embeddings="emb", k=5, field="nb_exact", method="exact",
                                max_memory_mb=0.01)
    approx = dds.write_neighbors(view, embeddings="emb", k=5, field="nb_approx", method="approx")
    assert exact["method"] == "exact" and approx["method"] == "approx"
    a, b = view.values("nb_exact"), view.values("nb_approx")
    assert np.mean([len(set(x) & set(y)) / 5 for x, y in zip(a, b)]) >= 0.95
    ref_i, _ = _brute(X.astype(np.float64), 5, "cosine")
    ids = view.values("id")
    assert [[ids[j] for j in row] for row in ref_i] == a
    with pytest.raises(ValueError, match="max_memory_mb must be a positive number"):
        dds.write_neighbors(view, embeddings="emb", max_memory_mb=0)
    with pytest.raises(ValueError, match="method must be one of"):
        dds.write_neighbors(view, embeddings="emb", method="lsh")


def _planted(n=20000, dim=64, seed=0, planted=100):
    """Sources of 5 close variants (Tiny-ImageNet-C's corruption variants) in
    clusters of look-alike sources, plus ``planted`` near copies of a variant
    of one source filed under another source."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 200, dim))
    src = rng.normal(size=(n // 5, dim)) * 0.35 + centres[rng.integers(0, len(centres), n // 5)]
    groups = np.arange(n) // 5
    X = src[groups] + 0.05 * rng.normal(size=(n, dim))
    a = rng.choice(n, planted, replace=False)
    b = (a + 35) % n  # 7 sources further on: another group
    X[b] = X[a] + 1e-3 * rng.normal(size=(planted, dim))
    return X.astype(np.float32), groups, a, b


def test_approximate_close_pairs_recall_against_exact_and_planted_duplicates():
    X, groups, a, b = _planted()
    t = 0.05
    ex_i, ex_j, ex_d, ex_same, _ = knn.close_pairs(X, t, groups=groups, method="exact")
    info = {}
    i, j, d, same, (si, sj, sd) = knn.close_pairs(X, t, groups=groups, method="approx",
                                                   keep_same=20, info=info)
    exact = set(zip(ex_i.tolist(), ex_j.tolist()))
    found = set(zip(i.tolist(), j.tolist()))
    assert len(exact) > 400  # planted copies plus look-alike sources: the check means something
    recall = len(found & exact) / len(exact)
    assert recall >= 0.95, recall
    assert same >= 0.95 * ex_same and ex_same > 10000
    # every pair reported is verified: within the threshold, other groups, sorted
    assert (d <= t).all() and (np.diff(d) >= 0).all() and (groups[i] != groups[j]).all()
    assert (sd <= t).all() and len(si) == 20 and (groups[si] == groups[sj]).all()
    planted = {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist())}
    assert planted <= found
    assert info["method"] == "approx" and info["cap_reached"] is False
    assert info["k"] == 32 and info["trees"] > 0 and info["candidates"] >= len(found)


def test_approximate_close_pairs_widen_then_search_full_rows_exactly(caplog):
    # every row has 4 other variants within the threshold: k=2 is full, so is
    # max_k=4; those rows are searched exactly and nothing is lost at the cap
    X, groups, _, _ = _planted(n=600, dim=16, seed=5, planted=10)
    t = 0.05
    ref = knn.close_pairs(X, t, groups=groups, method="exact", keep_same=5)
    info = {}
    with caplog.at_level("WARNING", logger="datadiver_fo.internal.knn"):
        got = knn.close_pairs(X, t, groups=groups, method="approx", k=2, max_k=4,
                              keep_same=5, info=info)
    assert info["cap_reached"] is True and info["rows_exact"] > 0 and info["rows_widened"] > 0
    assert "searched them exactly" in caplog.text
    assert set(zip(got[0].tolist(), got[1].tolist())) == set(zip(ref[0].tolist(), ref[1].tolist()))
    assert got[3] == ref[3]
    assert np.allclose(got[2], ref[2], atol=1e-5)
    # "exact" is the blockwise search, identical whatever the memory bound
    small = knn.close_pairs(X, t, groups=groups, method="exact", keep_same=5, max_memory_mb=0.05)
    for r, s in zip(ref[:3], small[:3]):
        assert np.array_equal(np.sort(r), np.sort(s))
    # "auto" switches on size and says so
    info = {}
    knn.close_pairs(X, t, method="auto", exact_limit=1000, info=info)
    assert info == {"method": "exact"}
    knn.close_pairs(X, t, method="auto", exact_limit=100, info=info)
    assert info["method"] == "approx"
    with pytest.raises(ValueError, match="method must be one of"):
        knn.close_pairs(X, t, method="lsh")

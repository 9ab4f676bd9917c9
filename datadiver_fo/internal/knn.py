"""Nearest neighbours and close pairs over an embeddings matrix, in memory
bounded by a parameter rather than by N^2.

-   :func:`topk_neighbors`: each row's ``k`` nearest other rows. ``"exact"``
    tiles the ``N x N`` distance matrix into ``rows x cols`` blocks sized to
    ``max_memory_mb`` and keeps a running top-k per row (O(N^2 D) time, O(N k
    + block) memory); ``"approx"`` searches an Annoy forest (installed with
    trimap; C++, no JIT warm-up: O(N log N) time, O(N D) memory; recall@10
    against exact search is measured in tests/test_similarity.py); ``"auto"``
    is exact up to ``exact_limit`` rows, approximate above.
-   :func:`close_pairs`: every pair within a cosine distance, by the same
    tiling over the upper triangle, optionally skipping pairs of one group
    (variants of one source picture).
-   :func:`nearest_other_group`: each (sampled) row's distance to its nearest
    row of another group, for calibrating a near-duplicate threshold.

Distances are cosine (``1 - cos``) or euclidean, float32.
"""
import numpy as np

from datadiver_fo.internal.progress import Progress

_METHODS = ("auto", "exact", "approx")
EXACT_LIMIT = 50_000  # "auto": exact search up to this many rows
_BYTES_PER_CELL = 12  # a float32 block and the temporaries of top-k selection


def _prepare(X, metric):
    X = np.ascontiguousarray(X, dtype=np.float32)
    if metric == "cosine":
        return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12), None
    return X, (X.astype(np.float64) ** 2).sum(1).astype(np.float32)


def _block_dist(Y, sq, r0, r1, c0, c1, metric):
    sims = Y[r0:r1] @ Y[c0:c1].T
    if metric == "cosine":
        return np.subtract(1.0, sims, out=sims)
    d = sq[r0:r1, None] + sq[None, c0:c1] - 2.0 * sims
    return np.sqrt(np.maximum(d, 0.0, out=d), out=d)


def block_shape(n, max_memory_mb):
    """``(rows, cols)`` of the distance blocks for ``n`` rows so that one
    block and its temporaries stay under ``max_memory_mb``."""
    cells = max(1, int(max_memory_mb * 2**20 / _BYTES_PER_CELL))
    cols = min(n, max(256, cells // 256))
    rows = max(1, min(n, cells // cols))
    return rows, cols


def topk_neighbors(X, k, metric="cosine", method="auto", max_memory_mb=256,
                   exact_limit=EXACT_LIMIT, progress=False, seed=0):
    """Each row's ``k`` nearest other rows.

    Args:
        X: an ``N x D`` array (N >= 2)
        k: neighbours per row (capped at ``N - 1``)
        metric ("cosine"): ``"cosine"`` (``1 - cos``) or ``"euclidean"``
        method ("auto"): ``"exact"`` (tiled, memory bounded by
            ``max_memory_mb``), ``"approx"`` (Annoy forest) or
            ``"auto"`` (exact up to ``exact_limit`` rows)
        max_memory_mb (256): bound on the distance blocks of exact search
        exact_limit (50000): see ``method``
        progress (False): a progress argument (see
            :mod:`datadiver_fo.internal.progress`)
        seed (0): random state of the approximate index

    Returns:
        a tuple ``(idx, dist, method_used)``: ``N x k`` int64 and float32
        arrays, closest first, and ``"exact"`` or ``"approx"``
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    n = X.shape[0]
    if n < 2:
        raise ValueError("Need at least 2 vectors to find neighbours")
    k = min(int(k), n - 1)
    if method == "auto":
        method = "exact" if n <= exact_limit else "approx"
    if method == "approx":
        idx, dist = _approx(X, k, metric, seed)
    else:
        idx, dist = _exact(X, k, metric, max_memory_mb, progress)
    return idx, dist, method


def _exact(X, k, metric, max_memory_mb, progress):
    n = X.shape[0]
    Y, sq = _prepare(X, metric)
    rows, cols = block_shape(n, max_memory_mb)
    idx = np.zeros((n, k), dtype=np.int64)
    dist = np.zeros((n, k), dtype=np.float32)
    with Progress(progress, n, desc="neighbours") as prog:
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            best_d = np.full((r1 - r0, k), np.inf, dtype=np.float32)
            best_i = np.zeros((r1 - r0, k), dtype=np.int64)
            for c0 in range(0, n, cols):
                c1 = min(n, c0 + cols)
                d = _block_dist(Y, sq, r0, r1, c0, c1, metric)
                lo, hi = max(r0, c0), min(r1, c1)  # self pairs in this block
                if lo < hi:
                    d[np.arange(lo, hi) - r0, np.arange(lo, hi) - c0] = np.inf
                kk = min(k, c1 - c0)
                part = np.argpartition(d, kk - 1, axis=1)[:, :kk] if kk < c1 - c0 else \
                    np.broadcast_to(np.arange(c1 - c0), (r1 - r0, c1 - c0))
                cand_d = np.concatenate([best_d, np.take_along_axis(d, part, axis=1)], axis=1)
                cand_i = np.concatenate([best_i, part + c0], axis=1)
                keep = np.argpartition(cand_d, k - 1, axis=1)[:, :k]
                best_d = np.take_along_axis(cand_d, keep, axis=1)
                best_i = np.take_along_axis(cand_i, keep, axis=1)
            order = np.argsort(best_d, axis=1, kind="stable")
            idx[r0:r1] = np.take_along_axis(best_i, order, axis=1)
            dist[r0:r1] = np.take_along_axis(best_d, order, axis=1)
            prog.update(r1 - r0)
    return idx, dist


def _approx(X, k, metric, seed, trees=25, workers=2):
    """Approximate kNN with an Annoy forest of random-projection trees (C++,
    installed with trimap): build O(trees N log N), each query visits
    ``2 * trees * (k + 1)`` leaves. Memory: the vectors plus the trees, O(N)."""
    try:
        from annoy import AnnoyIndex
    except ImportError as e:  # pragma: no cover - a dependency of trimap
        raise ValueError("method='approx' needs annoy (pip install annoy); "
                         "or use method='exact'") from e
    from concurrent.futures import ThreadPoolExecutor

    Y = np.ascontiguousarray(X, dtype=np.float32)
    n, dim = Y.shape
    index = AnnoyIndex(dim, "angular" if metric == "cosine" else "euclidean")
    index.set_seed(int(seed))
    for r in range(n):
        index.add_item(r, Y[r])
    index.build(trees, n_jobs=workers)
    search_k = 2 * trees * (k + 1)
    idx = np.zeros((n, k), dtype=np.int64)
    dist = np.full((n, k), np.inf, dtype=np.float32)

    def run(lo, hi):  # annoy releases the GIL while it searches
        for r in range(lo, hi):
            nb, dd = index.get_nns_by_item(r, k + 1, search_k=search_k, include_distances=True)
            pairs = [(j, x) for j, x in zip(nb, dd) if j != r][:k]
            idx[r, :len(pairs)] = [j for j, _ in pairs]
            dist[r, :len(pairs)] = [x for _, x in pairs]

    step = 2048
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda lo: run(lo, min(n, lo + step)), range(0, n, step)))
    if metric == "cosine":  # annoy's angular distance is sqrt(2 (1 - cos))
        dist = np.where(np.isfinite(dist), dist * dist / 2.0, dist).astype(np.float32)
    index.unload()
    return idx, dist


def close_pairs(X, threshold, groups=None, max_memory_mb=256, keep_same=0, progress=False):
    """Every pair of rows within a cosine distance.

    Args:
        X: an ``N x D`` array
        threshold: maximum cosine distance (``1 - cos``) of a pair
        groups (None): an int array of ``N`` group codes; pairs within one
            group are counted apart and only the ``keep_same`` closest are
            returned (``None``: no groups)
        max_memory_mb (256): bound on each similarity block
        keep_same (0): how many same-group pairs to return (closest first)

    Returns:
        a tuple ``(i, j, d, same_count, same)``: int64 arrays ``i < j`` of the
        other-group pairs, their float32 distances, sorted by distance; the
        number of same-group pairs within the threshold; and ``same``, a
        tuple ``(i, j, d)`` of the closest ``keep_same`` of them
    """
    n = X.shape[0]
    Y, _ = _prepare(X, "cosine")
    rows, cols = block_shape(n, max_memory_mb)
    out_i, out_j, out_d = [], [], []
    same_i = np.zeros(0, dtype=np.int64)
    same_j = np.zeros(0, dtype=np.int64)
    same_d = np.zeros(0, dtype=np.float32)
    same = 0
    with Progress(progress, n, desc="close pairs") as prog:
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            for c0 in range(r0, n, cols):  # upper triangle only
                c1 = min(n, c0 + cols)
                d = _block_dist(Y, None, r0, r1, c0, c1, "cosine")
                ii, jj = np.nonzero(d <= threshold)
                dd = np.maximum(d[ii, jj], 0.0)
                ii = ii + r0
                jj = jj + c0
                up = jj > ii
                ii, jj, dd = ii[up], jj[up], dd[up]
                if groups is not None and len(ii):
                    sg = groups[ii] == groups[jj]
                    same += int(sg.sum())
                    if keep_same and sg.any():
                        same_i = np.concatenate([same_i, ii[sg]])
                        same_j = np.concatenate([same_j, jj[sg]])
                        same_d = np.concatenate([same_d, dd[sg]])
                        if len(same_d) > keep_same:  # keep the closest only: bounded
                            top = np.argpartition(same_d, keep_same - 1)[:keep_same]
                            same_i, same_j, same_d = same_i[top], same_j[top], same_d[top]
                    ii, jj, dd = ii[~sg], jj[~sg], dd[~sg]
                if len(ii):
                    out_i.append(ii)
                    out_j.append(jj)
                    out_d.append(dd)
            prog.update(r1 - r0)
    so = np.argsort(same_d, kind="stable")
    same_out = (same_i[so].astype(np.int64), same_j[so].astype(np.int64),
                same_d[so].astype(np.float32))
    if not out_i:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy(), np.zeros(0, dtype=np.float32), same, same_out
    i, j, d = np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)
    order = np.argsort(d, kind="stable")
    return (i[order].astype(np.int64), j[order].astype(np.int64), d[order].astype(np.float32),
            same, same_out)


def nearest_other_group(X, groups, sample=5000, max_memory_mb=256, seed=0):
    """Cosine distance from (a random sample of) rows to their nearest row of
    another group, and to their nearest row of their own group.

    Args:
        X: an ``N x D`` array
        groups: an int array of ``N`` group codes
        sample (5000): rows to measure (all when fewer); the cost is
            ``sample x N``, linear in N

    Returns:
        a tuple ``(between, within)`` of float32 arrays over the sampled rows;
        ``within`` is ``inf`` for a row alone in its group
    """
    n = X.shape[0]
    Y, _ = _prepare(X, "cosine")
    rng = np.random.default_rng(seed)
    rows_idx = np.sort(rng.choice(n, min(sample, n), replace=False))
    rows, cols = block_shape(n, max_memory_mb)
    between = np.full(len(rows_idx), np.inf, dtype=np.float32)
    within = np.full(len(rows_idx), np.inf, dtype=np.float32)
    for r0 in range(0, len(rows_idx), rows):
        ri = rows_idx[r0:r0 + rows]
        for c0 in range(0, n, cols):
            c1 = min(n, c0 + cols)
            d = 1.0 - Y[ri] @ Y[c0:c1].T
            sg = groups[ri][:, None] == groups[None, c0:c1]
            self_ = ri[:, None] == np.arange(c0, c1)[None, :]
            dw = np.where(sg & ~self_, d, np.inf).min(1)
            db = np.where(sg, np.inf, d).min(1)
            within[r0:r0 + len(ri)] = np.minimum(within[r0:r0 + len(ri)], dw)
            between[r0:r0 + len(ri)] = np.minimum(between[r0:r0 + len(ri)], db)
    return np.maximum(between, 0.0), np.maximum(within, 0.0)


__all__ = ["topk_neighbors", "close_pairs", "nearest_other_group", "block_shape", "EXACT_LIMIT"]

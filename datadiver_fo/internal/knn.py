"""Nearest neighbours and close pairs over an embeddings matrix, in memory
bounded by a parameter rather than by N^2.

-   :func:`topk_neighbors`: each row's ``k`` nearest other rows. ``"exact"``
    tiles the ``N x N`` distance matrix into ``rows x cols`` blocks sized to
    ``max_memory_mb`` and keeps a running top-k per row (O(N^2 D) time, O(N k
    + block) memory); ``"approx"`` searches an Annoy forest (installed with
    trimap; C++, no JIT warm-up: O(N log N) time, O(N D) memory; recall@10
    against exact search is measured in tests/test_similarity.py); ``"auto"``
    is exact up to ``exact_limit`` rows, approximate above.
-   :func:`close_pairs`: every pair within a cosine distance, optionally
    counting pairs of one group apart (variants of one source picture):
    ``"exact"`` by the same tiling over the upper triangle, ``"approx"`` by
    Annoy candidates (per-row ``k`` widened while the ``k``-th neighbour is
    still within the threshold, exact search for rows full at the cap) each
    verified with its exact distance; ``"auto"`` as above.
-   :func:`nearest_other_group`: each (sampled) row's distance to its nearest
    row of another group, for calibrating a near-duplicate threshold (exact:
    ``sample x N``, linear in N).

Distances are cosine (``1 - cos``) or euclidean, float32.
"""
import numpy as np

from datadiver_fo.internal.progress import Progress

_METHODS = ("auto", "exact", "approx")
EXACT_LIMIT = 50_000  # "auto": exact search up to this many rows
_TREES = 10  # close_pairs "approx": Annoy trees, and nodes searched per neighbour asked
_SEARCH_MULT = 1  # annoy's own default search_k: trees * k
_BYTES_PER_CELL = 12  # a float32 block and the temporaries of top-k selection


def unit_rows(X, chunk=65536):
    """Scales the rows of the float32 array ``X`` to unit L2 norm **in place**
    (all-zero rows stay zero), a chunk at a time, so no second ``N x D`` array
    is made; returns ``X``. For arrays the caller owns (e.g. just read from
    the database), then passed with ``normalized=True``."""
    if X.dtype != np.float32 or not X.flags.c_contiguous or not X.flags.writeable:
        raise ValueError("unit_rows needs a writable C-contiguous float32 array")
    for s in range(0, X.shape[0], chunk):
        blk = X[s:s + chunk]
        blk /= np.maximum(np.sqrt(np.einsum("ij,ij->i", blk, blk)), 1e-12)[:, None]
    return X


def _prepare(X, metric, normalized=False):
    if metric == "cosine":
        if normalized:
            return np.ascontiguousarray(X, dtype=np.float32), None
        return unit_rows(np.array(X, dtype=np.float32, order="C")), None  # one copy
    X = np.ascontiguousarray(X, dtype=np.float32)
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
    from concurrent.futures import ThreadPoolExecutor

    Y = np.ascontiguousarray(X, dtype=np.float32)
    n = Y.shape[0]
    index = _annoy_index(Y, metric, seed, trees, workers)
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


def close_pairs(X, threshold, groups=None, max_memory_mb=256, keep_same=0, progress=False,
                method="auto", exact_limit=EXACT_LIMIT, k=32, max_k=512, info=None, seed=0,
                normalized=False):
    """Every pair of rows within a cosine distance.

    ``"exact"`` tiles the upper triangle of the distance matrix into blocks
    sized to ``max_memory_mb`` (O(N^2 D) time). ``"approx"`` finds candidates
    with an Annoy forest and verifies each one exactly (O(N log N) build,
    about ``N k`` distance evaluations per round): every row first asks for
    its ``k`` nearest rows; a row whose ``k``-th neighbour is still within
    the threshold may have more, so it asks again for 4 times as many, up to
    ``max_k``; rows still full at ``max_k`` are searched exactly against all
    rows (counted in ``info["rows_exact"]`` with a logged warning), so no pair
    is cut off at a cap. A pair is kept when either row finds the other, and
    only when its exact distance is within the threshold: the approximate
    search can miss a pair (recall against exact search is measured in
    tests/test_knn.py), never add a false one. Memory: the vectors, a
    normalised copy (none with ``normalized=True``), the index and the
    candidate pairs; no N^2 term.

    Args:
        X: an ``N x D`` array
        threshold: maximum cosine distance (``1 - cos``) of a pair
        groups (None): an int array of ``N`` group codes; pairs within one
            group are counted apart and only the ``keep_same`` closest are
            returned (``None``: no groups)
        max_memory_mb (256): bound on each similarity block (exact search,
            exact fallback rows and the verification of candidates)
        keep_same (0): how many same-group pairs to return (closest first)
        progress (False): a progress argument (see
            :mod:`datadiver_fo.internal.progress`)
        method ("auto"): ``"exact"``, ``"approx"`` or ``"auto"`` (exact up
            to ``exact_limit`` rows, approximate above)
        exact_limit (50000): see ``method``
        k (32): neighbours asked per row in the first approximate round
        max_k (512): most neighbours asked per row before that row is
            searched exactly
        info (None): a dict to fill with what ran: ``method`` and, for
            ``"approx"``, ``trees``, ``k``, ``max_k``, ``rows_widened`` (rows
            that asked again), ``rows_exact`` (rows full at ``max_k``,
            searched exactly), ``cap_reached`` and ``candidates``
        seed (0): random state of the approximate index
        normalized (False): the rows of ``X`` (float32, C order) already have
            unit norm (see :func:`unit_rows`): used as they are, no copy

    Returns:
        a tuple ``(i, j, d, same_count, same)``: int64 arrays ``i < j`` of the
        other-group pairs, their float32 distances, sorted by distance; the
        number of same-group pairs within the threshold (found ones, for
        ``"approx"``); and ``same``, a tuple ``(i, j, d)`` of the closest
        ``keep_same`` of them
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    n = X.shape[0]
    if method == "auto":
        method = "exact" if n <= exact_limit else "approx"
    info = {} if info is None else info
    info.clear()
    info["method"] = method
    Y, _ = _prepare(X, "cosine", normalized)
    acc = _PairAccumulator(groups, keep_same)
    if method == "approx" and n >= 2:
        _approx_pairs(Y, threshold, acc, max_memory_mb, progress, info,
                      int(max(1, min(k, n - 1))), int(max(k, max_k)), seed)
    else:
        rows, cols = block_shape(n, max_memory_mb)
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
                    acc.add(ii[up], jj[up], dd[up])
                prog.update(r1 - r0)
    return acc.result()


class _PairAccumulator:
    """Collects pairs ``i < j`` found within the threshold: other-group pairs
    all kept, same-group pairs counted and only the closest ``keep_same``
    kept (bounded memory)."""

    def __init__(self, groups, keep_same):
        self.groups, self.keep_same = groups, keep_same
        self.out_i, self.out_j, self.out_d = [], [], []
        self.same_i = np.zeros(0, dtype=np.int64)
        self.same_j = np.zeros(0, dtype=np.int64)
        self.same_d = np.zeros(0, dtype=np.float32)
        self.same = 0

    def add(self, ii, jj, dd):
        if self.groups is not None and len(ii):
            sg = self.groups[ii] == self.groups[jj]
            self.same += int(sg.sum())
            if self.keep_same and sg.any():
                self.same_i = np.concatenate([self.same_i, ii[sg]])
                self.same_j = np.concatenate([self.same_j, jj[sg]])
                self.same_d = np.concatenate([self.same_d, dd[sg]])
                if len(self.same_d) > self.keep_same:  # keep the closest only: bounded
                    top = np.argpartition(self.same_d, self.keep_same - 1)[:self.keep_same]
                    self.same_i, self.same_j, self.same_d = (
                        self.same_i[top], self.same_j[top], self.same_d[top])
            ii, jj, dd = ii[~sg], jj[~sg], dd[~sg]
        if len(ii):
            self.out_i.append(ii)
            self.out_j.append(jj)
            self.out_d.append(dd)

    def result(self):
        so = np.argsort(self.same_d, kind="stable")
        same_out = (self.same_i[so].astype(np.int64), self.same_j[so].astype(np.int64),
                    self.same_d[so].astype(np.float32))
        if not self.out_i:
            e = np.zeros(0, dtype=np.int64)
            return e, e.copy(), np.zeros(0, dtype=np.float32), self.same, same_out
        i, j, d = np.concatenate(self.out_i), np.concatenate(self.out_j), np.concatenate(self.out_d)
        order = np.argsort(d, kind="stable")
        return (i[order].astype(np.int64), j[order].astype(np.int64),
                d[order].astype(np.float32), self.same, same_out)


def _annoy_index(Y, metric, seed, trees, workers):
    try:
        from annoy import AnnoyIndex
    except ImportError as e:  # pragma: no cover - a dependency of trimap
        raise ValueError("method='approx' needs annoy (pip install annoy); "
                         "or use method='exact'") from e
    index = AnnoyIndex(Y.shape[1], "angular" if metric == "cosine" else "euclidean")
    index.set_seed(int(seed))
    for r in range(Y.shape[0]):
        index.add_item(r, Y[r])
    index.build(trees, n_jobs=workers)
    return index


def _approx_pairs(Y, threshold, acc, max_memory_mb, progress, info, k, max_k, seed,
                  workers=2):
    import logging
    from concurrent.futures import ThreadPoolExecutor

    n = Y.shape[0]
    # annoy's angular distance on unit vectors is sqrt(2 (1 - cos)); a little
    # slack so float32 rounding never drops a candidate (each is verified)
    radius = float(np.sqrt(2.0 * max(threshold, 0.0))) * 1.001 + 1e-4
    trees, mult = _TREES, _SEARCH_MULT
    index = _annoy_index(Y, "cosine", seed, trees, workers)
    cand = []  # int64 keys i * n + j, i < j
    step = 2048

    def query(rows, kk):
        search_k = mult * trees * (kk + 1)
        keys, full = [], []
        for r in rows.tolist():
            nb, dd = index.get_nns_by_item(r, kk + 1, search_k=search_k, include_distances=True)
            nb = np.asarray(nb, dtype=np.int64)
            dd = np.asarray(dd, dtype=np.float32)
            other = nb != r
            nb, dd = nb[other][:kk], dd[other][:kk]
            if len(nb) == kk and dd[-1] <= radius:
                full.append(r)  # the k-th is still close: there may be more
            close = nb[dd <= radius]
            if len(close):
                lo, hi = np.minimum(close, r), np.maximum(close, r)
                keys.append(lo * n + hi)
        return (np.concatenate(keys) if keys else np.zeros(0, np.int64),
                np.asarray(full, dtype=np.int64))

    pending = np.arange(n)
    kk, widened, rounds = k, 0, 0
    with Progress(progress, n, desc="close pairs (approximate)") as prog, \
            ThreadPoolExecutor(max_workers=workers) as pool:
        while len(pending):
            chunks = [pending[s:s + step] for s in range(0, len(pending), step)]
            full = []
            for (keys, f), rows in zip(pool.map(lambda c: query(c, kk), chunks), chunks):
                cand.append(keys)
                full.append(f)
                if rounds == 0:
                    prog.update(len(rows))
            pending = np.concatenate(full) if full else np.zeros(0, np.int64)
            rounds += 1
            if not len(pending) or kk >= max_k or kk >= n - 1:
                break
            widened += len(pending) if rounds == 1 else 0
            kk = min(max_k, n - 1, kk * 4)
    index.unload()
    rows_exact = pending if kk >= max_k and kk < n - 1 else np.zeros(0, np.int64)
    if len(rows_exact):
        logging.getLogger(__name__).warning(
            "close pairs: %d rows still had %d neighbours within %.4g after widening; "
            "searched them exactly against all %d rows (slower, nothing missed)",
            len(rows_exact), max_k, threshold, n)
        cand.append(_exact_rows_pairs(Y, rows_exact, threshold, max_memory_mb))
    keys = np.unique(np.concatenate(cand)) if cand else np.zeros(0, np.int64)
    # verify every candidate with the exact distance, in bounded chunks
    chunk = max(1024, int(max_memory_mb * 2**20 / (8 * Y.shape[1] + 64)))
    for s in range(0, len(keys), chunk):
        kk_ = keys[s:s + chunk]
        ii, jj = kk_ // n, kk_ % n
        d = 1.0 - np.einsum("ij,ij->i", Y[ii], Y[jj])
        keep = d <= threshold
        acc.add(ii[keep], jj[keep], np.maximum(d[keep], 0.0).astype(np.float32))
    info.update({"trees": trees, "search_k": f"{mult} * trees * (k + 1)", "k": k, "max_k": max_k,
                 "rows_widened": int(widened), "rows_exact": int(len(rows_exact)),
                 "cap_reached": bool(len(rows_exact)), "candidates": int(len(keys))})


def _exact_rows_pairs(Y, rows, threshold, max_memory_mb):
    """Keys ``i * n + j`` (``i < j``) of every pair within the threshold that
    involves one of ``rows``, by exact blockwise search."""
    n = Y.shape[0]
    r_blk, cols = block_shape(n, max_memory_mb)
    keys = []
    for r0 in range(0, len(rows), r_blk):
        ri = rows[r0:r0 + r_blk]
        for c0 in range(0, n, cols):
            c1 = min(n, c0 + cols)
            d = 1.0 - Y[ri] @ Y[c0:c1].T
            a, b = np.nonzero(d <= threshold)
            a, b = ri[a], b + c0
            ok = a != b
            a, b = a[ok], b[ok]
            keys.append(np.minimum(a, b) * n + np.maximum(a, b))
    return np.concatenate(keys) if keys else np.zeros(0, np.int64)


def nearest_other_group(X, groups, sample=5000, max_memory_mb=256, seed=0, normalized=False):
    """Cosine distance from (a random sample of) rows to their nearest row of
    another group, and to their nearest row of their own group.

    Args:
        X: an ``N x D`` array
        groups: an int array of ``N`` group codes
        sample (5000): rows to measure (all when fewer); the cost is
            ``sample x N``, linear in N
        normalized (False): as in :func:`close_pairs`

    Returns:
        a tuple ``(between, within)`` of float32 arrays over the sampled rows;
        ``within`` is ``inf`` for a row alone in its group
    """
    n = X.shape[0]
    Y, _ = _prepare(X, "cosine", normalized)
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


__all__ = ["topk_neighbors", "close_pairs", "nearest_other_group", "unit_rows", "block_shape",
           "EXACT_LIMIT"]

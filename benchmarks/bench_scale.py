"""Neighbours, near duplicates and the panel's histograms at 25k / 100k samples.

A synthetic Tiny-ImageNet-C-shaped dataset (no image files are read by these
stages): ``N`` samples, 95 corrupted variants per source picture (19
corruptions x 5 severities), an 850-dim embedding per sample (the weightless
embedder's size) made of a source direction plus noise that grows with
severity, and four numeric score fields. Each stage is timed with the peak
resident memory of the process during it (sampled every 10 ms; ``growth`` =
peak minus the RSS before the stage), side by side with

-   the code on main before issue 15 (``before``: exact chunked kNN over all
    columns at once; scikit-learn ``radius_neighbors`` for near duplicates;
    five aggregation calls per score field), re-implemented here verbatim, and
-   FiftyOne's built-ins on the same embeddings (``fob.compute_uniqueness``,
    which builds a kNN graph; ``fob.compute_near_duplicates``).

Usage::

    .venv/bin/python benchmarks/bench_scale.py                 # N = 2,000 (CI size)
    .venv/bin/python benchmarks/bench_scale.py --n 25000 100000
    .venv/bin/python benchmarks/bench_scale.py --n 100000 --skip-before --skip-fiftyone

``--skip-before`` / ``--skip-fiftyone`` / ``--skip-exact`` leave out the slow
or memory-hungry comparisons (at 100k the old near-duplicate search peaked at
16.8 GB in the issue's measurement); ``--skip-exact`` also leaves out the exact
near-duplicate row. ``--only WORD ...`` runs the stages whose name contains
one of the words, e.g. ``--only "near duplicates" find_duplicates``.
"""
import argparse
import os
import sys
import tempfile
import threading
import time

_TMP = tempfile.mkdtemp(prefix="dd-bench-scale-")
os.environ["FIFTYONE_DATABASE_DIR"] = os.path.join(_TMP, "db")
os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

_DIM = 850
_VARIANTS = 95


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Peak:
    def __enter__(self):
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        self.t0 = time.perf_counter()
        return self

    def _run(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _rss_mb())


def _synthetic(n, seed=0):
    rng = np.random.default_rng(seed)
    n_src = max(2, n // _VARIANTS)
    src = np.arange(n) // _VARIANTS % n_src
    sev = np.arange(n) % 5 + 1
    base = rng.normal(size=(n_src, _DIM)).astype(np.float32)
    X = base[src] + (0.08 * sev)[:, None].astype(np.float32) * rng.normal(size=(n, _DIM)).astype(np.float32)
    return X.astype(np.float32), src, sev


def _build(n):
    import fiftyone as fo

    X, src, sev = _synthetic(n)
    ds = fo.Dataset(f"scale-{n}")
    rng = np.random.default_rng(1)
    ds.add_sample_field("embeddings", fo.VectorField)
    step = 10_000
    for s in range(0, n, step):  # vectors go in with the samples: one insert per sample
        ds.add_samples([fo.Sample(filepath=f"/nonexistent/scale/{i}.JPEG", source_id=f"s{src[i]}",
                                  severity=int(sev[i]), ood_score=float(rng.random()),
                                  uniqueness_x=float(rng.random()), brightness=float(rng.normal()),
                                  blur=float(rng.gamma(2.0)), embeddings=X[i])
                        for i in range(s, min(n, s + step))], progress=False)
    return ds


# ---- the code on main before issue 15 (for the side-by-side) ---------------


def _before_knn(X, k, chunk=1024):
    n = X.shape[0]
    Y = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
    idx = np.zeros((n, k), dtype=np.int64)
    dist = np.zeros((n, k), dtype=np.float32)
    for s in range(0, n, chunk):
        e = min(s + chunk, n)
        d = 1.0 - Y[s:e] @ Y.T
        d[np.arange(e - s), np.arange(s, e)] = np.inf
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        pd = np.take_along_axis(d, part, axis=1)
        order = np.argsort(pd, axis=1, kind="stable")
        idx[s:e] = np.take_along_axis(part, order, axis=1)
        dist[s:e] = np.take_along_axis(pd, order, axis=1)
    return idx, dist


def _before_write_neighbors(ds, k=10):
    from datadiver_fo.enrich.embeddings import get_embeddings

    ids, X = get_embeddings(ds, "embeddings")
    idx, dist = _before_knn(X, k)
    ids_arr = np.asarray(ids)
    view = ds.select(ids, ordered=True)
    view.set_values("nb_before", [list(ids_arr[r]) for r in idx])
    view.set_values("nb_before_dist", [[float(v) for v in r] for r in dist])


def _before_near_duplicates(ds, threshold=0.1):
    from sklearn.neighbors import NearestNeighbors

    from datadiver_fo.internal.vectors import embeddings_matrix

    X = embeddings_matrix(ds, "embeddings")
    nn = NearestNeighbors(radius=threshold, metric="cosine").fit(X)
    dists, inds = nn.radius_neighbors(X, radius=threshold, sort_results=True)
    return sum(int((row > i).sum()) for i, row in enumerate(inds))


def _before_score_distributions(ds, fields, bins=20):
    out = {}
    for f in fields:
        lo, hi = ds.bounds(f)
        count = ds.count(f)
        counts, edges, _ = ds.histogram_values(f, bins=bins, range=[lo, hi])
        out[f] = (counts, count, ds.bounds(f)[1], ds.mean(f))
    return out


def _find_duplicates_row(ddf, ds, max_memory_mb):
    rep = ddf.find_duplicates(ds, embeddings="embeddings", threshold="auto", exact=False,
                              leaks=False, save_views=False, max_memory_mb=max_memory_mb)
    ns = rep["near_search"]
    extra = "" if ns["method"] == "exact" else (
        f", widened {ns['rows_widened']}, exact rows {ns['rows_exact']}")
    return (f"{rep['num_duplicate_pairs']} pairs, {rep['num_same_source']} same-source, "
            f"{len(rep['clusters'])} clusters, t={rep['threshold']:.3g}, {ns['method']}{extra}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[2000], help="dataset sizes")
    ap.add_argument("--skip-before", action="store_true", help="leave out the pre-issue-15 code")
    ap.add_argument("--skip-fiftyone", action="store_true", help="leave out FiftyOne's built-ins")
    ap.add_argument("--skip-exact", action="store_true",
                    help="leave out our exact write_neighbors (O(N^2): long at 100k)")
    ap.add_argument("--only", nargs="+", default=None,
                    help="run only the stages whose name contains one of these words")
    ap.add_argument("--max-memory-mb", type=float, default=256)
    args = ap.parse_args()

    import fiftyone.brain as fob

    import datadiver_fo as ddf
    from datadiver_fo.customize.summary import score_distributions
    from datadiver_fo.enrich.duplicates import find_near_duplicates

    fields = ["ood_score", "uniqueness_x", "brightness", "blur"]
    print(f"cores: {os.cpu_count()}, embeddings {_DIM}-d, {_VARIANTS} variants per source")
    print(f"{'N':>7}  {'stage':58} {'seconds':>8} {'peak MB':>8} {'growth MB':>9}")
    for n in args.n:
        with _Peak() as p:
            ds = _build(n)
        print(f"{n:>7}  {'build synthetic dataset (not a stage)':58} {p.seconds:8.1f} {p.peak:8.0f} "
              f"{p.peak - p.start:9.0f}", flush=True)
        stages = [
            ("write_neighbors k=10 (ours, method=auto)",
             lambda: ddf.write_neighbors(ds, k=10, max_memory_mb=args.max_memory_mb)["method"]),
            ("write_neighbors k=10 (ours, exact, blockwise)",
             lambda: ddf.write_neighbors(ds, k=10, field="nb_exact", method="exact",
                                         max_memory_mb=args.max_memory_mb)["method"]),
        ]
        if args.skip_exact:
            stages = stages[:1]
        stages += [
            ("near duplicates t=0.1 (ours, exact blockwise)",
             lambda: len(find_near_duplicates(ds, "embeddings", 0.1, near_method="exact",
                                              max_memory_mb=args.max_memory_mb))),
            ("near duplicates t=0.1 (ours, approx: Annoy + exact check)",
             lambda: len(find_near_duplicates(ds, "embeddings", 0.1, near_method="approx",
                                              max_memory_mb=args.max_memory_mb))),
            ("find_duplicates threshold=auto, no hashing (ours, near_method=auto)",
             lambda: _find_duplicates_row(ddf, ds, args.max_memory_mb)),
            ("score_distributions, 4 fields (ours, 2 aggregate calls)",
             lambda: len(score_distributions(ds, fields=fields))),
            ("score_distributions, 4 fields (before: 5 calls/field)",
             lambda: len(_before_score_distributions(ds, fields))),
        ]
        if not args.skip_before:
            stages += [
                ("write_neighbors k=10 (before: exact, full rows)", lambda: _before_write_neighbors(ds)),
                ("near duplicates t=0.1 (before: sklearn radius_neighbors)",
                 lambda: _before_near_duplicates(ds)),
            ]
        if not args.skip_fiftyone:
            stages += [
                ("FiftyOne fob.compute_uniqueness (kNN graph)",
                 lambda: fob.compute_uniqueness(ds, embeddings="embeddings", progress=False)),
                ("FiftyOne fob.compute_near_duplicates t=0.1",
                 lambda: len(fob.compute_near_duplicates(ds, embeddings="embeddings",
                                                         threshold=0.1, progress=False)
                             .neighbors_map)),
            ]
        if args.skip_exact:
            stages = [(nm, fn) for nm, fn in stages if "(ours, exact" not in nm]
        if args.only:
            stages = [(nm, fn) for nm, fn in stages if any(w in nm for w in args.only)]
        for name, fn in stages:
            with _Peak() as p:
                out = fn()
            extra = "" if out is None else f"  -> {out}"
            print(f"{n:>7}  {name:58} {p.seconds:8.1f} {p.peak:8.0f} {p.peak - p.start:9.0f}{extra}",
                  flush=True)
        ds.delete()


if __name__ == "__main__":
    main()

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

``--only panel prompt`` runs the DataDiver panel's refresh (heatmap, class table,
histograms: cold with the summary cache emptied, warm on the unchanged dataset, and
after a ``sample.save()``) and a prompt to view + count, e.g.
``nice -n 10 .venv/bin/python benchmarks/bench_scale.py --n 100000 950000 --only panel prompt``.

``--only export`` (run it alone, at ``--n 100000``) exports a 50k view with
``export_view`` and FiftyOne's ``ImageClassificationDirectoryTree`` exporter; its
samples first get real files (one small JPEG written 50k times, timed as its own row).

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
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "tests"))
sys.path.insert(0, os.path.dirname(_HERE))
# a mongod of our own: FiftyOne's shared service would let another process's
# datasets and load into the timings (and stop with that process)
from private_mongod import stop, use_private_database  # noqa: E402

_MONGOD = use_private_database(_TMP)
os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")

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


def _layout(n):
    n_src = max(2, n // _VARIANTS)
    return np.arange(n) // _VARIANTS % n_src, np.arange(n) % 5 + 1


def _vectors(n, start, stop, seed=0):
    """Rows ``start:stop`` of the vectors: a source direction plus float32
    noise growing with severity, generated per block so 950k x 850 never sits
    in memory at once (3.2 GB, 13 GB with float64 noise)."""
    src, sev = _layout(n)
    n_src = max(2, n // _VARIANTS)
    base_rng = np.random.default_rng(seed)
    base = base_rng.standard_normal(size=(n_src, _DIM), dtype=np.float32)
    rng = np.random.default_rng([seed, start])
    noise = rng.standard_normal(size=(stop - start, _DIM), dtype=np.float32)
    return base[src[start:stop]] + (0.08 * sev[start:stop])[:, None].astype(np.float32) * noise


def _build(n):
    import fiftyone as fo

    from datadiver_fo.io.wordnet import class_names
    from datadiver_fo.internal import schema as sch

    src, sev = _layout(n)
    ds = fo.Dataset(f"scale-{n}")
    rng = np.random.default_rng(1)
    ds.add_sample_field("embeddings", fo.VectorField)
    names = class_names()
    corruptions = list(sch.CORRUPTION_FAMILIES)
    step = 10_000
    for s in range(0, n, step):  # vectors go in with the samples: one insert per sample
        X = _vectors(n, s, min(n, s + step))
        ds.add_samples([fo.Sample(filepath=f"/nonexistent/scale/{i}.JPEG", source_id=f"s{src[i]}",
                                  corruption=corruptions[i % _VARIANTS // 5], severity=int(sev[i]),
                                  ground_truth=fo.Classification(label=names[src[i] % len(names)]),
                                  ood_score=float(rng.random()),
                                  uniqueness_x=float(rng.random()), brightness=float(rng.normal()),
                                  blur=float(rng.gamma(2.0)), embeddings=X[i - s])
                        for i in range(s, min(n, s + step))], progress=False)
    # the indexes load_tiny_imagenet_c creates
    for f in (sch.CORRUPTION, sch.SEVERITY, sch.SOURCE_ID, sch.GROUND_TRUTH + ".label"):
        ds.create_index(f)
    ds.default_classes = names
    return ds


def _panel_refresh(ds, view):
    """What the DataDiver panel computes on a refresh of ``view`` (its
    ``_refresh`` minus the App state): heatmap (and the dataset's, for the
    filtered cells), class table, score histograms."""
    from datadiver_fo.customize import summary as dds

    m = dds.corruption_severity_matrix(view)
    if m["empty"]:
        dds.corruption_severity_matrix(ds)
    dds.class_table(view, by="corruption")
    fields = dds.score_fields(view)[:8]
    dds.score_distributions(view, fields=fields)
    return m["total"]


def _panel_stages(ds):
    """(name, fn) of the panel stages: cold (cache emptied) then warm, on the
    whole dataset and on a filtered view, and after a one-sample write."""
    from fiftyone import ViewField as F

    from datadiver_fo.customize import summary as dds

    view = ds.match(F("severity") >= 3).match(F("corruption") != "fog")

    def cold(v):
        dds.clear_cache()
        return _panel_refresh(ds, v)

    def after_write():
        s = ds.first()
        s["ood_score"] = 0.5
        s.save()  # a write through plain FiftyOne: the next refresh recomputes
        return _panel_refresh(ds, ds)

    return [
        ("panel refresh, whole dataset (cold: cache empty)", lambda: cold(ds)),
        ("panel refresh, whole dataset (warm: unchanged)", lambda: _panel_refresh(ds, ds)),
        ("panel refresh, filtered view (cold)", lambda: cold(view)),
        ("panel refresh, filtered view (warm)", lambda: _panel_refresh(ds, view)),
        ("panel refresh, whole dataset after sample.save() (recomputed)", after_write),
        ("panel refresh, whole dataset (warm again)", lambda: _panel_refresh(ds, ds)),
    ]


def _export_stages(ds, size=50_000):
    """(name, fn) of exporting a ``size``-sample view, ours and FiftyOne's.
    The synthetic samples have no files: the view's samples first get real
    JPEG files (one 64 px picture written ``size`` times, its own row), so run
    this last and at N ~ 2 x size (``--n 100000 --only export``)."""
    import fiftyone as fo
    from fiftyone import ViewField as F
    from PIL import Image

    import datadiver_fo as ddf

    view = ds.match(F("severity") >= 2).limit(size)
    state = {}

    def prepare():
        if state:
            return
        media = os.path.join(_TMP, "media")
        os.makedirs(media)
        jpg = os.path.join(media, "one.JPEG")
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(jpg)
        with open(jpg, "rb") as f:
            data = f.read()
        paths = [os.path.join(media, f"{i}.JPEG") for i in range(view.count())]
        for p in paths:
            with open(p, "wb") as f:
                f.write(data)
        view.set_values("filepath", paths)
        state["view"] = ds.match(F("filepath").starts_with(media))
        return len(paths)

    def ours():
        prepare()
        rep = ddf.export_view(state["view"], os.path.join(_TMP, "export-ours"), format="tiny-imagenet-c")
        return rep["num_exported"]

    def theirs():
        prepare()
        state["view"].export(export_dir=os.path.join(_TMP, "export-fo"),
                             dataset_type=fo.types.ImageClassificationDirectoryTree,
                             label_field="ground_truth", progress=False)

    return [
        (f"export prep: write {size // 1000}k JPEG files (not an export)", prepare),
        (f"export {size // 1000}k view (ours, tiny-imagenet-c layout, copy)", ours),
        (f"export {size // 1000}k view (FiftyOne ImageClassificationDirectoryTree)", theirs),
    ]


_WARM_PROMPTS = (  # classes among the first 20 of the 200 (the synthetic set has no hypernyms)
    "goldfish and lemons under heavy fog or snow", "bullfrogs in fog at severity 5", "everything but noise",
    "top 20 most out-of-distribution egyptian cats", "ood score between 0.4 and 0.6",
    "mildly blurred volleyballs", "lemons or pizzas with frost", "everything except fog or snow",
    "pixelated school buses", "rocking chairs or espresso",
)


def _prompt_stages(ds):
    import datadiver_fo as ddf

    text = _WARM_PROMPTS[0]

    def warm():
        # parse + validate + compile only (the count excluded), vocabulary cached
        times = []
        for _ in range(5):
            for p in _WARM_PROMPTS:
                t = time.perf_counter()
                ddf.text_to_view(ds, p, llm="offline")
                times.append(1000 * (time.perf_counter() - t))
        return f"p50 {np.percentile(times, 50):.1f} ms, p95 {np.percentile(times, 95):.1f} ms over {len(times)}"

    return [("prompt to view + count (offline parser): " + repr(text[:28] + "..."),
             lambda: ddf.text_to_view(ds, text, llm="offline").view.count()),
            ("prompt to view, warm: parse+compile of 10 prompts x 5 (no count)", warm)]


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
    from datadiver_fo.customize.summary import clear_cache, score_distributions
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
            ("score_distributions, 4 fields (ours, 2 aggregate calls, uncached)",
             lambda: (clear_cache(), len(score_distributions(ds, fields=fields)))[1]),
            ("score_distributions, 4 fields (before: 5 calls/field)",
             lambda: len(_before_score_distributions(ds, fields))),
        ]
        stages += _panel_stages(ds) + _prompt_stages(ds) + _export_stages(ds)
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
            print(f"{n:>7}  {name:58} {p.seconds:8.3f} {p.peak:8.0f} {p.peak - p.start:9.0f}{extra}",
                  flush=True)
        ds.delete()


if __name__ == "__main__":
    try:
        main()
    finally:
        stop(_MONGOD)

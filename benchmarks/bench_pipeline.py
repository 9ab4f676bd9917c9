"""Every stage of the user's pipeline on a full-size Tiny-ImageNet-C-shaped tree.

Issue 15's scale table: a tree of ``N`` real, distinct 64 px JPEG files in the
Tiny-ImageNet-C layout (``<corruption>/<severity>/<wnid>/<file>.JPEG``, 19
corruptions x 5 severities x 200 wnids, the source file names repeated across
the 95 variants; at N = 950,000 that is the full -C set with the 4 extras),
then each stage as a user runs it, **each in its own process** (so a stage's
peak memory is its own: ``ru_maxrss`` of that process; mongod's memory is not
in it), against one private mongod whose files persist under ``--dir``:

    load -> embeddings (weightless, CPU) -> 2D map (UMAP fitted on a stratified
    20k subset, the rest transformed) -> similarity index + one query -> one
    query in a fresh process ->
    predictions + OoD + label issues -> quality -> prompt to view + count ->
    export of a 50k view -> the panel's summaries (cold, warm) ->
    neighbours (k=10) -> duplicates (pixel hashes + near duplicates)

The pictures: 64 px crops of scikit-learn's two sample photographs (one crop
per source image), each variant with its own noise and brightness shift
growing with the severity, so every file is distinct and same-source variants
are near each other, as in the real set. No file is read twice to make them.

Usage::

    .venv/bin/python benchmarks/bench_pipeline.py --n 2000 --dir /tmp/dd-pipe        # CI-size check
    .venv/bin/python benchmarks/bench_pipeline.py --n 950000 --dir /data/dd-950k     # issue 15's table
    .venv/bin/python benchmarks/bench_pipeline.py --dir /data/dd-950k --stages neighbours duplicates
    .venv/bin/python benchmarks/bench_pipeline.py --dir /data/dd-950k --table

Results are appended to ``<dir>/results.jsonl`` (one line per stage run, with
the load average during it); ``--table`` prints them. Re-running a stage
repeats it on the same dataset (``--stages``); the tree is written once.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)

CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
               "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
               "elastic_transform", "pixelate", "jpeg_compression", "speckle_noise",
               "gaussian_blur", "spatter", "saturate")
NAME = "dd-pipeline"
STAGES = ("load", "embeddings", "map", "similarity", "query", "scores", "quality", "prompt",
          "export", "panel", "neighbours", "duplicates")


# ---- the tree ---------------------------------------------------------------


def _shape(n):
    """(classes, files per class): 95 variants of every source file."""
    per_variant = max(1, n // 95)
    classes = min(200, per_variant)
    return classes, max(1, per_variant // classes)


def _write_corruption(args):
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_sample_images

    root, ci, wnids, per = args
    photos = [np.asarray(p, dtype=np.float32) for p in load_sample_images().images]
    written = 0
    for sev in range(1, 6):
        rng = np.random.default_rng([ci, sev])
        for k, wnid in enumerate(wnids):
            d = os.path.join(root, CORRUPTIONS[ci], str(sev), wnid)
            os.makedirs(d, exist_ok=True)
            for j in range(per):
                src = k * per + j
                srng = np.random.default_rng(src)  # the same crop for every variant
                ph = photos[src % len(photos)]
                y, x = srng.integers(0, ph.shape[0] - 128), srng.integers(0, ph.shape[1] - 128)
                crop = ph[y:y + 128:2, x:x + 128:2]
                img = crop + (ci - 9) * 2.0 + rng.normal(0, 3.0 * sev, crop.shape)
                Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(
                    os.path.join(d, f"val_{src}.JPEG"), quality=85)
                written += 1
    return written


def make_tree(root, n, workers=2):
    """Writes the tree (skipped when ``root/.done`` says it holds ``n``)."""
    from multiprocessing import Pool

    from datadiver_fo.io.wordnet import class_wnids

    marker = os.path.join(root, ".done")
    if os.path.exists(marker) and open(marker).read().strip() == str(n):
        return None
    classes, per = _shape(n)
    wnids = class_wnids()[:classes]
    with Pool(workers) as pool:
        total = sum(pool.map(_write_corruption, [(root, ci, wnids, per) for ci in range(len(CORRUPTIONS))]))
    with open(marker, "w") as f:
        f.write(str(n))
    return total


# ---- the stages (each runs in a child process) ------------------------------


def _stage(name, tree, tmp):
    import fiftyone as fo
    from fiftyone import ViewField as F

    import datadiver_fo as ddf

    if name == "load":
        ds = ddf.load_tiny_imagenet_c(tree, name=NAME, overwrite=True)
        return f"{len(ds)} samples"
    ds = fo.load_dataset(NAME)
    if name == "embeddings":
        ddf.compute_embeddings(ds, model="weightless", field="embeddings", device="cpu")
        return f"{ds.count('embeddings')} vectors"
    if name == "map":
        res = ddf.compute_projection(ds, embeddings="embeddings", method="umap")
        return f"fit on {res.config.fit_samples}" if hasattr(res, "config") else None
    if name == "similarity":
        ddf.compute_similarity(ds, embeddings="embeddings", brain_key="dd_sim")
        t = time.perf_counter()
        top = ddf.sort_by_similarity(ds, ds.first().id, k=25, brain_key="dd_sim")
        return f"then one query: {time.perf_counter() - t:.1f} s, {len(top)} results"
    if name == "query":  # a fresh process, as a user's next session: nothing cached
        top = ddf.sort_by_similarity(ds, ds.first().id, k=25, brain_key="dd_sim")
        return f"{len(top)} results"
    if name == "scores":
        times = {}
        for step, fn in (
                ("predictions", lambda: ddf.compute_predictions(
                    ds, members=["embeddings", ("embeddings", "mlp")], member_fields=False)),
                ("ood", lambda: ddf.compute_ood(ds, knn_embeddings="embeddings")),
                ("label issues", lambda: ddf.find_label_issues(ds))):
            t = time.perf_counter()
            fn()
            times[step] = time.perf_counter() - t
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{step}: {times[step]:.0f} s, peak so far {peak:.0f} MB", file=sys.stderr, flush=True)
        return ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
    if name == "quality":
        ddf.compute_quality(ds)
        return f"{ds.count('quality_brightness')} scored"
    if name == "prompt":
        t = time.perf_counter()
        res = ddf.text_to_view(ds, "goldfish and lemons under heavy fog or snow", llm="offline")
        parse = time.perf_counter() - t
        return f"parse {parse:.2f} s, {res.view.count()} samples"
    if name == "export":
        view = ds.match(F("severity") >= 2).take(50_000, seed=51)
        rep = ddf.export_view(view, os.path.join(tmp, "export"), format="tiny-imagenet-c", overwrite=True)
        return f"{rep['num_exported']} exported"
    if name == "panel":
        from datadiver_fo.customize import summary as dds

        def refresh(v):
            m = dds.corruption_severity_matrix(v)
            dds.class_table(v, by="corruption")
            dds.score_distributions(v, fields=dds.score_fields(v)[:8])
            return m["total"]

        out = []
        for label, v in (("whole", ds), ("severity>=3", ds.match(F("severity") >= 3))):
            dds.clear_cache()
            t = time.perf_counter()
            refresh(v)
            cold = time.perf_counter() - t
            t = time.perf_counter()
            refresh(v)
            out.append(f"{label}: cold {cold:.1f} s, warm {time.perf_counter() - t:.3f} s")
        return "; ".join(out)
    if name == "neighbours":
        rep = ddf.write_neighbors(ds, embeddings="embeddings", k=10)
        return rep["method"]
    if name == "duplicates":
        rep = ddf.find_duplicates(ds, embeddings="embeddings", threshold="auto")
        return (f"{rep['num_duplicate_pairs']} near pairs in {len(rep['clusters'])} clusters, "
                f"t={rep['threshold']:.3g}, {rep['near_search']['method']}")
    raise ValueError(f"unknown stage {name!r}; one of {STAGES}")


def _child(args):
    os.environ["FIFTYONE_SHOW_PROGRESS_BARS"] = "false"
    t = time.perf_counter()
    out = _stage(args.stage, os.path.join(args.dir, "Tiny-ImageNet-C"), args.dir)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": secs, "peak_mb": peak, "out": out}))


def _print_table(path):
    rows = [json.loads(line) for line in open(path)] if os.path.exists(path) else []
    print(f"{'N':>7}  {'stage':11} {'seconds':>9} {'peak MB':>8} {'load avg':>8}  result")
    for r in rows:
        print(f"{r['n']:>7}  {r['stage']:11} {r['seconds']:9.1f} {r['peak_mb']:8.0f} "
              f"{r['loadavg']:8.1f}  {r.get('out') or r.get('error', '')}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="number of files (95 per source)")
    ap.add_argument("--dir", required=True, help="the tree, the database files and results.jsonl")
    ap.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    ap.add_argument("--table", action="store_true", help="print the results so far and exit")
    ap.add_argument("--stage", help=argparse.SUPPRESS)  # in the child process
    args = ap.parse_args()
    if args.stage:
        return _child(args)
    results = os.path.join(args.dir, "results.jsonl")
    if args.table:
        return _print_table(results)
    os.makedirs(args.dir, exist_ok=True)
    t = time.perf_counter()
    wrote = make_tree(os.path.join(args.dir, "Tiny-ImageNet-C"), args.n)
    if wrote is not None:
        print(f"tree: {wrote} files in {time.perf_counter() - t:.0f} s (not a stage)", flush=True)

    from private_mongod import start_private_mongod, stop

    proc, uri = start_private_mongod(os.path.join(args.dir, "db"))
    env = dict(os.environ, FIFTYONE_DATABASE_URI=uri, FIFTYONE_DATABASE_NAME="dd-pipeline",
               FIFTYONE_DATABASE_VALIDATION="false", FIFTYONE_DO_NOT_TRACK="true")
    try:
        for stage in args.stages:
            load0 = os.getloadavg()[0]
            t = time.perf_counter()
            log = os.path.join(args.dir, f"{stage}.log")  # the stage's own output, kept
            with open(log, "w") as err:
                p = subprocess.run([sys.executable, __file__, "--dir", args.dir, "--stage", stage],
                                   env=env, stdout=subprocess.PIPE, stderr=err, text=True)
            p.stderr = open(log).read()
            row = {"n": args.n, "stage": stage, "when": time.strftime("%Y-%m-%d %H:%M"),
                   "loadavg": max(load0, os.getloadavg()[0])}
            if p.returncode == 0:
                row.update(json.loads(p.stdout.strip().splitlines()[-1]))
            else:
                row.update(seconds=time.perf_counter() - t, peak_mb=0,
                           error=(p.stderr.strip().splitlines() or ["?"])[-1][:300])
                sys.stderr.write(p.stderr[-3000:])
            with open(results, "a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{args.n:>7}  {stage:11} {row['seconds']:9.1f} s {row['peak_mb']:8.0f} MB  "
                  f"{row.get('out') or row.get('error')}", flush=True)
    finally:
        stop(proc)


if __name__ == "__main__":
    main()

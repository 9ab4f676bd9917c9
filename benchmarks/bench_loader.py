"""Loader speed and memory: ours against FiftyOne's directory-tree importer.

Builds a Tiny-ImageNet-C shaped tree of real 64x64 JPEG files (default 100k:
10 corruptions x 5 severities x 200 classes x 10 images), then, each in its own
process so peak memory is measured per method:

-   FiftyOne: ``Dataset.add_dir(dataset_type=ImageClassificationDirectoryTree)``
    once per corruption/severity folder (labels = wnid folder names; no
    metadata, no corruption/severity fields), the closest built-in path;
-   ours: ``load_tiny_imagenet_c`` (labels, WordNet hypernyms, corruption,
    severity, source id, metadata parsed from every file, broken-file checks),
    at 1/4, 1/2 and all of the tree to show that memory stays flat.

Usage: ``python benchmarks/bench_loader.py [--files 100000] [--out DIR]``
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def build_tree(out, n_files):
    import numpy as np
    from PIL import Image

    import datadiver_fo.io.wordnet as wn

    wnids = sorted(wn.class_wnids())
    corrs = ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
             "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
             "elastic_transform", "pixelate", "jpeg_compression"]
    per_leaf = 10
    n_leaves = max(1, n_files // per_leaf)
    n_corr = min(len(corrs), max(1, n_leaves // (5 * len(wnids))))
    root = os.path.join(out, "Tiny-ImageNet-C")
    marker = os.path.join(out, f".built-{n_files}")
    if os.path.exists(marker):
        return root
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    blobs = []
    for i in range(32):
        arr = (rng.random((64, 64, 3)) * 255).astype("uint8")
        path = os.path.join(out, f"b{i}.JPEG")
        Image.fromarray(arr).save(path, quality=85)
        blobs.append(open(path, "rb").read())
    count = 0
    for c in corrs[:n_corr]:
        for s in range(1, 6):
            for w in wnids:
                d = os.path.join(root, c, str(s), w)
                os.makedirs(d, exist_ok=True)
                for k in range(per_leaf):
                    with open(os.path.join(d, f"ILSVRC2012_val_{wnids.index(w) * per_leaf + k:08d}.JPEG"), "wb") as f:
                        f.write(blobs[count % len(blobs)])
                    count += 1
    open(marker, "w").close()
    return root


def _child(method, root, name, fraction):
    import fiftyone as fo

    import datadiver_fo as ddf

    corrs = sorted(os.listdir(root))
    if fraction < 1:
        corrs = corrs[: max(1, int(round(len(corrs) * fraction)))]
    if fo.dataset_exists(name):
        fo.delete_dataset(name)
    t = time.perf_counter()
    if method.startswith("fiftyone"):
        ds = fo.Dataset(name)
        for c in corrs:
            for s in sorted(os.listdir(os.path.join(root, c))):
                ds.add_dir(os.path.join(root, c, s),
                           dataset_type=fo.types.ImageClassificationDirectoryTree,
                           label_field="ground_truth", progress=False)
        if method == "fiftyone+metadata":  # the same result as ours needs metadata too
            ds.compute_metadata(progress=False)
    else:
        ds = ddf.load_tiny_imagenet_c(root, name=name, corruptions=corrs, overwrite=True)
    secs = time.perf_counter() - t
    n = len(ds)
    ds.delete()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"method": method, "n": n, "secs": secs, "peak_mb": peak_mb}))


def run(method, root, fraction=1.0):
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(HERE)!r});"
            f"from benchmarks.bench_loader import _child;"
            f"_child({method!r}, {root!r}, 'bench-loader-{method}', {fraction})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "datadiver-bench-loader"))
    args = ap.parse_args()
    os.environ.setdefault("FIFTYONE_DATABASE_DIR", os.path.join(args.out, "db"))
    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
    t = time.perf_counter()
    root = build_tree(args.out, args.files)
    print(f"tree: {root} ({time.perf_counter() - t:.0f} s to build)")

    rows = [run("ours", root, f) for f in (0.25, 0.5, 1.0)]
    fo_row = run("fiftyone", root)
    fo_meta = run("fiftyone+metadata", root)
    ours = rows[-1]
    print()
    print(f"{'method':<20}{'samples':>10}{'seconds':>10}{'samples/s':>12}{'peak MB':>10}")
    for r in rows + [fo_row, fo_meta]:
        print(f"{r['method']:<20}{r['n']:>10}{r['secs']:>10.1f}{r['n'] / r['secs']:>12.0f}{r['peak_mb']:>10.0f}")
    rate = ours["n"] / ours["secs"]
    for r, what in ((fo_row, "add_dir (labels only, no metadata)"),
                    (fo_meta, "add_dir + compute_metadata (same result as ours)")):
        print(f"\nspeed ratio ours / FiftyOne {what}: {rate / (r['n'] / r['secs']):.1f}x "
              f"(peak memory {ours['peak_mb']:.0f} MB vs {r['peak_mb']:.0f} MB)")
    growth = rows[-1]["peak_mb"] / rows[0]["peak_mb"]
    print(f"our peak memory at 4x the files: {growth:.2f}x")
    full = 750_000 / (ours["n"] / ours["secs"])
    print(f"estimated time for the full 750k-image Tiny-ImageNet-C: {full / 60:.1f} min")


if __name__ == "__main__":
    main()

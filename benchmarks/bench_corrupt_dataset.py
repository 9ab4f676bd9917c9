"""corrupt_dataset speed: images written per second at 64 px, 1 vs 2 worker
processes, side by side with the bare corruption loop (no files, no database).

Builds a source dataset of real 64x64 crops (scikit-image's bundled photos,
random crops, labelled by photo), then, timed end to end:

-   bare: ``datadiver_fo.corrupt`` on every image in this process (the
    compute floor: no decode, no encode, no writes, no database);
-   ``corrupt_dataset(..., workers=1)`` and ``workers=2`` (decode, corrupt,
    JPEG encode, atomic write, load into a dataset linked by ``source_id``),
    each into a fresh folder; the two outputs are checked to be identical;
-   a re-run of the ``workers=2`` copy (everything present: the resume cost).

Usage: ``python benchmarks/bench_corrupt_dataset.py [--images 100] [--corruptions all|a,b]
[--severity 3] [--out DIR]``
"""
import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def _crops(n, seed=0):
    import numpy as np
    from skimage import data

    photos = {name: getattr(data, name)() for name in
              ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "hubble_deep_field")
              if hasattr(data, name)}
    rng = np.random.default_rng(seed)
    out, names = [], sorted(photos)
    for i in range(n):
        name = names[i % len(names)]
        img = photos[name]
        if img.ndim == 2:
            img = np.stack([img] * 3, -1)
        img = img[..., :3]
        side = int(rng.integers(64, min(img.shape[:2])))
        y = int(rng.integers(0, img.shape[0] - side + 1))
        x = int(rng.integers(0, img.shape[1] - side + 1))
        from PIL import Image

        crop = Image.fromarray(img[y:y + side, x:x + side]).resize((64, 64), Image.BILINEAR)
        out.append((name, np.asarray(crop)))
    return out


def _digest(root):
    h = hashlib.sha1()
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for f in sorted(files):
            if not f.startswith("."):
                h.update(f.encode())
                h.update(open(os.path.join(d, f), "rb").read())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--corruptions", default="all")
    ap.add_argument("--severity", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "datadiver-bench-corrupt"))
    args = ap.parse_args()
    os.environ.setdefault("FIFTYONE_DATABASE_DIR", os.path.join(args.out, "db"))
    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
    import fiftyone as fo
    from PIL import Image

    import datadiver_fo as ddf

    corrs = ddf.list_corruptions() if args.corruptions == "all" else args.corruptions.split(",")
    src_dir = os.path.join(args.out, "src")
    shutil.rmtree(src_dir, ignore_errors=True)
    os.makedirs(src_dir)
    samples = []
    for i, (label, arr) in enumerate(_crops(args.images)):
        p = os.path.join(src_dir, f"img{i:05d}.png")
        Image.fromarray(arr).save(p)
        samples.append(fo.Sample(filepath=p, ground_truth=fo.Classification(label=label)))
    for n in ("bench-corrupt-src", "bench-corrupt-1", "bench-corrupt-2"):
        if fo.dataset_exists(n):
            fo.delete_dataset(n)
    src = fo.Dataset("bench-corrupt-src")
    src.add_samples(samples, progress=False)
    n_out = len(src) * len(corrs)
    print(f"{len(src)} source images x {len(corrs)} corruptions at severity {args.severity} "
          f"= {n_out} images; {os.cpu_count()} CPU cores")

    imgs = [a for _, a in _crops(args.images)]
    t = time.perf_counter()
    for c in corrs:
        for j, a in enumerate(imgs):
            ddf.corrupt(a, c, args.severity, rng=j)
    bare = time.perf_counter() - t

    rows = [("bare corrupt() loop, 1 process", n_out, bare)]
    digests = []
    cpu = {}
    # workers=2 twice: the first run starts the worker processes, the second
    # reuses them (joblib/loky keeps them for 5 minutes)
    for w, label in ((1, "workers=1"), (2, "workers=2, cold"), (2, "workers=2, warm")):
        out = os.path.join(args.out, f"c{w}")
        shutil.rmtree(out, ignore_errors=True)
        for n in (f"bench-corrupt-{w}",):
            if fo.dataset_exists(n):
                fo.delete_dataset(n)
        t, c = time.perf_counter(), time.process_time()
        ds = ddf.corrupt_dataset(src, out, corruptions=corrs, severities=[args.severity],
                                 name=f"bench-corrupt-{w}", workers=w, progress=False)
        rows.append((f"corrupt_dataset {label}", len(ds), time.perf_counter() - t))
        cpu[label] = time.process_time() - c
        digests.append(_digest(out))
    t = time.perf_counter()
    ddf.corrupt_dataset(src, os.path.join(args.out, "c2"), corruptions=corrs,
                        severities=[args.severity], name="bench-corrupt-2", workers=2,
                        progress=False)
    rows.append(("re-run, all present (workers=2)", n_out, time.perf_counter() - t))
    print(f"\n{'method':<36}{'images':>8}{'seconds':>10}{'images/s':>10}")
    for name, n, secs in rows:
        print(f"{name:<36}{n:>8}{secs:>10.1f}{n / secs:>10.0f}")
    print(f"\nspeed-up 2 workers (warm) / 1 worker: {rows[1][2] / rows[3][2]:.2f}x; "
          f"workers=1 / bare loop: {(rows[1][1] / rows[1][2]) / (n_out / bare):.2f}x")
    print(f"workers=1: {n_out / cpu['workers=1']:.0f} images per CPU-second of this process "
          f"(wall-clock rates depend on the machine's load: "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores now)")
    print(f"outputs of 1 and 2 workers identical: {len(set(digests)) == 1}")


if __name__ == "__main__":
    main()

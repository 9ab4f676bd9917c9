"""Corruption speed at 64 px: ours against the reference generator, in one run.

For each of the 19 corruptions, images per second over ``--images`` 64x64
crops of real photographs at each severity 1-5 (so every severity's cost
counts once), for:

-   the reference: the vendored ImageNet-C generator
    (``tests/reference_corruptions/tiny.py``, hendrycks/robustness), one image
    per call as its DataLoader calls it; motion blur and snow through
    Wand/ImageMagick when they load, else with our motion-blur kernel
    substituted (the table says which);
-   ours, one process: ``corrupt_batch(..., workers=1)``;
-   ours, ``--workers`` processes: ``corrupt_batch(..., workers=W)`` on a batch
    ``--parallel-factor`` times larger (process start-up included).

Each column is the fastest of ``--repeat`` runs; the worker pool is started
before timing (it is kept between calls). Ratios are ours / reference. Usage:
``python benchmarks/bench_corruptions.py [--images 40] [--workers N] [--repeat 3] [--json out.json]``
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def _crops(n, size=64, seed=5):
    import numpy as np
    import skimage.data as data
    from PIL import Image

    photos = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket()]
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        p = photos[i % len(photos)]
        h, w = p.shape[:2]
        side = int(min(h, w) * rng.uniform(0.45, 0.95))
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        out.append(np.asarray(Image.fromarray(p[y:y + side, x:x + side]).resize((size, size), Image.LANCZOS)))
    return np.stack(out)


def _best(fn, repeat):
    best = float("inf")
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=40, help="64x64 crops per severity (default 40)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="processes for the parallel column (default: CPU cores)")
    ap.add_argument("--parallel-factor", type=int, default=8,
                    help="the parallel column corrupts this many times more images (default 8)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="time each column this many times and keep the fastest (default 3; shared machines are noisy)")
    ap.add_argument("--corruptions", default=None, help="comma-separated subset (default all 19)")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args(argv)

    import numpy as np
    from PIL import Image

    from datadiver_fo.io import corruptions as C
    from tests.reference_corruptions import _wand
    from tests.reference_corruptions import tiny as ref

    wand_missing = _wand.wand_available()
    if wand_missing:
        _wand.MOTION_BLUR_SUBSTITUTE = C._im_motion_blur
    names = args.corruptions.split(",") if args.corruptions else C.list_corruptions()
    crops = _crops(args.images)
    big = np.concatenate([crops] * args.parallel_factor)
    pils = [Image.fromarray(c) for c in crops]
    rows = []
    if args.workers > 1:
        C.corrupt_batch(big[:64 * args.workers], names[0], 1, rng=0, workers=args.workers)  # start the pool
    print(f"64 px, {len(crops)} images x 5 severities; parallel column: {len(big)} images x 5 severities, "
          f"{args.workers} workers; reference motion blur: "
          + ("our kernel substituted (Wand missing: " + wand_missing + ")" if wand_missing else "Wand/ImageMagick"))
    print(f"{'corruption':18s} {'reference':>10s} {'ours':>10s} {'ours x' + str(args.workers):>10s} "
          f"{'ours/ref':>9s} {'par/ref':>9s}   (images/s)")
    for name in names:
        fn = getattr(ref, name)

        def run_ref():
            np.random.seed(0)
            for sev in range(1, 6):
                for im in pils:
                    np.uint8(fn(im, sev))

        def run_ours():
            for sev in range(1, 6):
                C.corrupt_batch(crops, name, sev, rng=sev, workers=1)

        def run_par():
            for sev in range(1, 6):
                C.corrupt_batch(big, name, sev, rng=sev, workers=args.workers)

        t_ref, t_ours, t_par = (_best(f, args.repeat) for f in (run_ref, run_ours, run_par))
        n = 5 * len(crops)
        row = {"corruption": name, "reference": n / t_ref, "ours": n / t_ours,
               "ours_parallel": 5 * len(big) / t_par, "workers": args.workers}
        row["ratio"] = row["ours"] / row["reference"]
        row["ratio_parallel"] = row["ours_parallel"] / row["reference"]
        rows.append(row)
        print(f"{name:18s} {row['reference']:10.0f} {row['ours']:10.0f} {row['ours_parallel']:10.0f} "
              f"{row['ratio']:8.2f}x {row['ratio_parallel']:8.2f}x", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"wand": not wand_missing, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

"""Active learning on scikit-learn's real digits: "1 vs 7".

The 1s and 7s of ``sklearn.datasets.load_digits`` are put in one FiftyOne
dataset as if they were one class; the task is to tell them apart again with
as few labels as possible. Per seed the images are split 50/50 into a pool and
a test set; a labelling strategy adds labels one at a time (the k-means start
proposes 2 at once, one per cluster) and after each step a logistic-regression
probe (the same probe for every strategy) is fitted on the labels so far and
scored on the test set. We report how many labels each strategy needed to
reach 90% test accuracy.

-   ``datadiver``: ``datadiver_fo.curation.active_learning.propose_labels`` run on the
    FiftyOne dataset with an ``annotate`` callback playing the annotator
    (k-means start, then margin uncertainty), state stored on the dataset;
-   ``margin from a random start``: random picks until both classes are
    labelled, then margin uncertainty (no k-means start);
-   ``random``: labels drawn uniformly from the pool (what one does without
    a strategy).

Field reference (30 seeds): random 7.5, uncertainty 5.1, k-means + uncertainty
2.1 (means). Target: median <= 3.

Usage::

    .venv/bin/python benchmarks/bench_active_learning.py            # 30 seeds
    .venv/bin/python benchmarks/bench_active_learning.py --full     # 100 seeds
"""
import argparse
import os
import tempfile
import time

os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import fiftyone as fo

import datadiver_fo.curation.active_learning as ddal

_TARGET = 0.90
_MAX_LABELS = 60


def _write_images(images, out_dir):
    paths = []
    for i, img in enumerate(images):
        p = os.path.join(out_dir, f"digit_{i:04d}.png")
        Image.fromarray((img * 255 / 16).astype(np.uint8)).resize((32, 32), Image.NEAREST).save(p)
        paths.append(p)
    return paths


def _accuracy(X_lab, y_lab, X_test, y_test, seed):
    if len(set(y_lab)) < 2:
        return 1.0 / len(set(y_test))  # one class seen: the probe can only guess it
    probe = ddal.fit_probe(X_lab, y_lab, seed=seed)
    return float(np.mean(probe.predict(ddal._normalize(X_test)) == y_test))


def run_datadiver(dataset, X, y, idx_pool, idx_test, seed):
    pool = dataset.select([dataset_ids[i] for i in idx_pool], ordered=True)
    truth = {dataset_ids[i]: str(y[i]) for i in idx_pool}
    ddal.reset(pool, name="bench")
    if "digit" in dataset.get_field_schema():
        dataset.set_values("digit", [None] * len(dataset))
    Xp = X[idx_pool]
    pos = {dataset_ids[i]: k for k, i in enumerate(idx_pool)}
    n_labels = 0
    while n_labels < _MAX_LABELS:
        ddal.propose_labels(
            pool, Xp, batch_size=1, cold_start_size=2, label_field="digit",
            annotate=lambda ids: [truth[i] for i in ids], name="bench", seed=seed,
        )
        lab = [s for s in pool.exists("digit").values("id")]
        n_labels = len(lab)
        acc = _accuracy(
            Xp[[pos[s] for s in lab]], np.array([truth[s] for s in lab]),
            X[idx_test], y[idx_test].astype(str), seed,
        )
        if acc >= _TARGET:
            return n_labels
    return _MAX_LABELS + 1


def run_random(dataset, X, y, idx_pool, idx_test, seed):
    order = np.random.default_rng(seed).permutation(idx_pool)
    for n in range(1, _MAX_LABELS + 1):
        chosen = order[:n]
        acc = _accuracy(X[chosen], y[chosen].astype(str), X[idx_test], y[idx_test].astype(str), seed)
        if acc >= _TARGET:
            return n
    return _MAX_LABELS + 1


def run_uncertainty_only(dataset, X, y, idx_pool, idx_test, seed):
    """Random picks until both classes are labelled, then margin (no k-means)."""
    rng = np.random.default_rng(seed)
    Xp, yp = X[idx_pool], y[idx_pool].astype(str)
    lab = []
    while len(lab) < _MAX_LABELS:
        if len(set(yp[lab])) < 2:
            rest = np.setdiff1d(np.arange(len(Xp)), lab)
            lab.append(int(rng.choice(rest)))
        else:
            batch, _, _ = ddal.select_batch(Xp, lab, list(yp[lab]), 1, seed=seed)
            lab += batch
        acc = _accuracy(Xp[lab], yp[lab], X[idx_test], y[idx_test].astype(str), seed)
        if acc >= _TARGET:
            return len(lab)
    return _MAX_LABELS + 1


def main(argv=None):
    global dataset_ids
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--full", action="store_true", help="100 seeds")
    args = parser.parse_args(argv)
    n_seeds = 100 if args.full else args.seeds
    if n_seeds < 1:
        raise ValueError("--seeds must be >= 1")

    digits = load_digits()
    mask = (digits.target == 1) | (digits.target == 7)
    X = digits.data[mask] / 16.0
    y = digits.target[mask]
    tmp = tempfile.TemporaryDirectory(prefix="bench-al-")
    paths = _write_images(digits.images[mask], tmp.name)
    dataset = fo.Dataset()
    dataset.add_samples(
        [fo.Sample(filepath=p, ground_truth=fo.Classification(label="1_or_7")) for p in paths]
    )
    dataset_ids = dataset.values("id")
    dataset.set_values("pixels", [x.tolist() for x in X])

    strategies = (
        ("datadiver (k-means + margin)", run_datadiver),
        ("margin from a random start", run_uncertainty_only),
        ("random", run_random),
    )
    results = {name: [] for name, _ in strategies}
    times = {k: 0.0 for k in results}
    for seed in range(n_seeds):
        idx = np.arange(len(y))
        idx_pool, idx_test = train_test_split(idx, test_size=0.5, random_state=seed, stratify=y)
        for name, fn in strategies:
            t = time.perf_counter()
            results[name].append(fn(dataset, X, y, idx_pool, idx_test, seed))
            times[name] += time.perf_counter() - t

    print(f"\nActive learning, digits 1 vs 7 ({mask.sum()} images, {n_seeds} seeds, "
          f"labels to reach {_TARGET:.0%} test accuracy)\n")
    print("| strategy | median | mean | p90 | max | s/seed |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        r = np.asarray(r)
        print(f"| {name} | {np.median(r):g} | {r.mean():.2f} | {np.percentile(r, 90):g} | "
              f"{r.max()} | {times[name] / n_seeds:.2f} |")
    dd = np.asarray(results["datadiver (k-means + margin)"])
    rnd = np.asarray(results["random"])
    print(f"\nratio random / datadiver: median {np.median(rnd) / np.median(dd):.2f}x, "
          f"mean {rnd.mean() / dd.mean():.2f}x")
    print("field reference (means): random 7.5, uncertainty 5.1, k-means + uncertainty 2.1; "
          f"target median <= 3: {'MET' if np.median(dd) <= 3 else 'MISSED'}")
    dataset.delete()
    tmp.cleanup()
    return results


if __name__ == "__main__":
    main()

"""Benchmark: label issues, OoD scores and their cost.

1. Label noise: scikit-learn's 1,797 real handwritten digits saved as PNG
   files, loaded into FiftyOne as image samples, 10% of labels flipped with a
   fixed seed. Embeddings from pixels and from the weightless embedder; a
   cross-validated probe ensemble; cleanlab -> AUROC of ``label_quality``,
   precision / recall of ``label_issue``. FiftyOne's built-in path (brain
   ``compute_mistakenness`` on the same predictions) is scored alongside.
2. OoD on the miniature Tiny-ImageNet-C: Spearman(ood_score, severity) and
   AUROC for classes held out of the probes' training (semantic OoD), for
   ``ood_score`` and ``ood_knn``.
3. Cost: N samples x 200 classes x 512-d synthetic embeddings, end to end
   (probabilities, OoD, cleanlab). Default N = 20,000; ``--full`` = 100,000.

Run: ``.venv/bin/python benchmarks/bench_scores.py [--full] [--skip-ood]``
"""
import argparse
import os
import shutil
import tempfile
import time

os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")

import numpy as np  # noqa: E402


def _auroc(pos, score):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(pos, score))


def bench_digits(tmp):
    import fiftyone as fo
    from PIL import Image
    from sklearn.datasets import load_digits

    import datadiver_fo as ddf

    d = load_digits()
    rng = np.random.default_rng(51)
    n = len(d.target)
    flip = rng.choice(n, int(round(0.1 * n)), replace=False)
    noisy = d.target.copy()
    noisy[flip] = (d.target[flip] + rng.integers(1, 10, len(flip))) % 10
    root = os.path.join(tmp, "digits")
    for i, (img, lab) in enumerate(zip(d.images, noisy)):
        os.makedirs(os.path.join(root, str(lab)), exist_ok=True)
        arr = (img / 16.0 * 255).astype(np.uint8)
        Image.fromarray(arr).resize((32, 32), Image.NEAREST).save(
            os.path.join(root, str(lab), "%04d.png" % i))
    name = "bench-scores-digits"
    if name in fo.list_datasets():
        fo.delete_dataset(name)
    ds = fo.Dataset.from_dir(root, fo.types.ImageClassificationDirectoryTree,
                             name=name, label_field="ground_truth")
    idx = np.array([int(os.path.basename(p)[:4]) for p in ds.values("filepath")])
    ds.set_values("source_id", ["d%d" % i for i in idx])
    is_flip = np.isin(idx, flip)
    true = d.target[idx]
    rows = []
    for emb in ("pixels", "weightless"):
        t0 = time.time()
        ddf.compute_embeddings(ds, model=emb, field="emb_" + emb)
        print(f"  embedded with {emb} in {time.time() - t0:.1f} s")
    for label, members in [
        ("pixels: logreg+knn+mlp", ["emb_pixels", ("emb_pixels", "knn"), ("emb_pixels", "mlp")]),
        ("weightless: logreg+knn+mlp", ["emb_weightless", ("emb_weightless", "knn"),
                                        ("emb_weightless", "mlp")]),
        ("both fields x logreg+knn", ["emb_pixels", ("emb_pixels", "knn"),
                                      "emb_weightless", ("emb_weightless", "knn")]),
    ]:
        t0 = time.time()
        ddf.compute_predictions(ds, members=members)
        ddf.find_label_issues(ds, mistakenness=True, hardness=False, view_name=None)
        dt = time.time() - t0
        q = np.array(ds.values("label_quality"))
        iss = np.array(ds.values("label_issue"))
        tp = (iss & is_flip).sum()
        acc_true = float((np.array(ds.values("predictions.label")).astype(int) == true).mean())
        rows.append((label, acc_true, _auroc(~is_flip, q), tp / max(iss.sum(), 1),
                     tp / is_flip.sum(), dt))
        m = np.array(ds.values("mistakenness"))
        rows.append(("  brain mistakenness (same preds)", acc_true, _auroc(is_flip, m),
                     float("nan"), float("nan"), float("nan")))
    print("\n## Label noise: sklearn digits as %d PNG samples, %d labels flipped (seed 51)"
          % (n, len(flip)))
    print("| ensemble | OOS acc vs true | AUROC label_quality | precision | recall | s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.3f | %.4f | %.3f | %.3f | %.1f |" % r)
    print("targets: AUROC >= 0.99, precision >= 0.9, recall >= 0.95")
    ds.delete()


def bench_ood(tmp):
    from scipy.stats import spearmanr

    import fiftyone as fo
    import datadiver_fo as ddf

    info = ddf.make_miniature(os.path.join(tmp, "mini"), num_classes=10,
                              images_per_class=4, seed=51)
    name = "bench-scores-mini"
    ds = ddf.load_tiny_imagenet_c(info.root, name=name, clean_root=info.clean_root,
                                  overwrite=True)
    ddf.compute_embeddings(ds, model="weightless", field="emb")
    classes = sorted(set(ds.values("ground_truth.label")) - {None})
    held = classes[-3:]  # 3 of 10 classes never seen by the probes
    gt = ds.values("ground_truth")
    ds.set_values("train_label", [
        None if g is None or g.label in held else fo.Classification(label=g.label)
        for g in gt])
    t0 = time.time()
    ddf.compute_predictions(ds, members=["emb", ("emb", "knn"), ("emb", "mlp")],
                            label_field="train_label")
    rep = ddf.compute_ood(ds, knn_embeddings="emb", label_field="train_label",
                          view_name=None)
    dt = time.time() - t0
    sev = np.array(ds.values("severity"))
    s = np.array(ds.values("ood_score"))
    kn = np.array(ds.values("ood_knn"), dtype=float)
    # Kuan & Mueller's k=10 for comparison (same reference set, own picture
    # excluded), written to another field
    ddf.compute_ood(ds, knn_embeddings="emb", label_field="train_label", k=10,
                    knn_field="ood_knn_k10", score_field="ood_score_tmp",
                    band_field="ood_band_tmp", member_entropy_field="ood_me_tmp",
                    view_name=None)
    kn10 = np.array(ds.values("ood_knn_k10"), dtype=float)
    lab = np.array([g is not None and g.label in held for g in gt])
    known = np.array([g is not None and g.label not in held for g in gt])
    m = lab | known
    print("\n## OoD on the miniature Tiny-ImageNet-C (%d samples, weightless embedder, "
          "%d/%d classes held out)" % (len(ds), len(held), len(classes)))
    print("| score | Spearman vs severity | AUROC held-out classes (all severities) |"
          " AUROC held-out, clean+sev1 |")
    print("|---|---|---|---|")
    low = m & (sev <= 1)
    for nm, v in (("ood_score (ensemble entropy)", s),
                  ("ood_knn (k=auto -> %d)" % rep.knn["k"], kn),
                  ("ood_knn, k=10", kn10)):
        ok = np.isfinite(v)
        print("| %s | %.3f | %.3f | %.3f |" % (
            nm, spearmanr(v[ok], sev[ok]).correlation, _auroc(lab[m & ok], v[m & ok]),
            _auroc(lab[low & ok], v[low & ok])))
    print("(%.1f s for predictions + OoD; target AUROC >= 0.9; reference set = "
          "labelled known-class samples only, own picture's variants excluded)" % dt)
    ds.delete()


def bench_cost(n, K=200, D=512):
    import fiftyone as fo
    import datadiver_fo as ddf

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(K, D)).astype(np.float32)
    y = rng.integers(0, K, n)
    X = centers[y] + 2.0 * rng.normal(size=(n, D)).astype(np.float32)
    name = "bench-scores-cost"
    if name in fo.list_datasets():
        fo.delete_dataset(name)
    ds = fo.Dataset(name)
    ds.add_samples([fo.Sample(filepath="/tmp/cost/%d.jpg" % i, source_id="s%d" % (i // 4),
                              ground_truth=fo.Classification(label="c%03d" % y[i]))
                    for i in range(n)])
    ds.set_values("emb", list(X))
    times = {}
    t0 = time.time()
    ddf.compute_predictions(ds, members=["emb", ("emb", "mlp")], member_fields=False)
    times["predictions (logreg+mlp, 5 folds)"] = time.time() - t0
    t1 = time.time()
    rep = ddf.compute_ood(ds, knn_embeddings="emb", view_name=None)
    times["ood (entropy + knn %s)" % rep.knn] = time.time() - t1
    t2 = time.time()
    ddf.find_label_issues(ds, mistakenness=False, hardness=False, view_name=None)
    times["cleanlab"] = time.time() - t2
    total = time.time() - t0
    print("\n## Cost: %d samples x %d classes x %d-d, %d cores" % (n, K, D, os.cpu_count()))
    print("| step | seconds |")
    print("|---|---|")
    for k, v in times.items():
        print("| %s | %.1f |" % (k, v))
    print("| **end to end** | **%.1f** |" % total)
    print("target: 100k end to end < 120 s")
    ds.delete()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="cost at 100k samples")
    ap.add_argument("--skip-ood", action="store_true")
    ap.add_argument("--skip-digits", action="store_true")
    ap.add_argument("--skip-cost", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-scores-")
    try:
        if not args.skip_digits:
            bench_digits(tmp)
        if not args.skip_ood:
            bench_ood(tmp)
        if not args.skip_cost:
            bench_cost(100000 if args.full else 20000)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Embedding speed and weightless-embedder quality on a generated miniature.

1. Speed: images/s of ``datadiver_fo.compute_embeddings`` against FiftyOne's
   own ``dataset.compute_embeddings(model)`` with the *same* torch module (a
   randomly initialised timm resnet18, no head, 64x64 input, same batch
   size), side by side in one run, plus the weightless embedder's rate.
   Peak memory is the process's max RSS after each step (ru_maxrss).
2. Quality: on the miniature (corrupted variants of real-photo crops), for
   each corrupted image's 5 nearest neighbours (cosine):
   - source agreement: share that are variants of the same source picture;
   - class agreement (other sources): among the 5 nearest neighbours from
     *other* source pictures, share of the same class;
   for raw 64x64 pixels (mean-centred), the ``pixels`` model and
   ``weightless``.

Usage: ``.venv/bin/python benchmarks/bench_embeddings.py [--full]``
(default: 10 classes x 4 sources x 19 corruptions x 5 severities, ~3.9k
images; ``--full``: 40 classes x 8 sources, ~30k images).
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

_TMP = tempfile.mkdtemp(prefix="dd-bench-emb-")
os.environ["FIFTYONE_DATABASE_DIR"] = os.path.join(_TMP, "db")
os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _agreement(X, srcs, labels, mask, k=5):
    from datadiver_fo.similarity import _knn

    idx, _ = _knn(X, min(len(X) - 1, 200), "cosine")
    src = (srcs[idx[:, :k]] == srcs[:, None]).mean(1)[mask].mean()
    cls = []
    for i in np.flatnonzero(mask):
        o = [j for j in idx[i] if srcs[j] != srcs[i]][:k]
        if o:
            cls.append((labels[o] == labels[i]).mean())
    return float(src), float(np.mean(cls))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()
    ncls, nsrc = (40, 8) if args.full else (10, 4)

    import fiftyone as fo
    import timm
    import torch

    import datadiver_fo as ddf
    import datadiver_fo.embeddings as dde
    from PIL import Image

    try:
        info = ddf.make_miniature(os.path.join(_TMP, "mini"), num_classes=ncls,
                                  images_per_class=nsrc, seed=51)
        ds = ddf.load_tiny_imagenet_c(info.root, name="bench-emb", clean_root=info.clean_root,
                                      overwrite=True)
        view = ds.match_tags("tiny-imagenet-c")
        n = view.count()
        # speed on a fixed slice (FiftyOne's path is slow); quality on everything
        speed_view = view if args.full else view.sort_by("filepath").limit(768)
        ns = speed_view.count()
        print(f"miniature: {n} corrupted images, {ncls} classes x {nsrc} sources, torch threads "
              f"{torch.get_num_threads()}, batch size {args.batch_size}\n")

        torch.manual_seed(0)
        net = timm.create_model("resnet18", pretrained=False, num_classes=0).eval()
        ckpt = os.path.join(_TMP, "resnet18.pth")
        torch.save(net.state_dict(), ckpt)

        rows = []
        # --- FiftyOne's own path, same module, same preprocessing ---------------
        import fiftyone.utils.torch as fout
        import torchvision.transforms as T

        tf = T.Compose([T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
        fo_model = fout.TorchImageModel(fout.TorchImageModelConfig(dict(
            entrypoint_fcn=lambda: net, transforms=tf, as_feature_extractor=True,
            raw_inputs=False, ragged_batches=False, device="cpu")))
        t = time.perf_counter()
        speed_view.compute_embeddings(fo_model, embeddings_field="fo_r18", batch_size=args.batch_size)
        fo_s = time.perf_counter() - t
        rows.append(("FiftyOne compute_embeddings (resnet18)", ns / fo_s, _rss_mb()))

        # --- ours, same module loaded from its checkpoint file -------------------
        # (loaded before timing, as FiftyOne's model object above)
        dde.load_model(f"timm:resnet18@{ckpt}", image_size=64)
        t = time.perf_counter()
        dde.compute_embeddings(speed_view, model=f"timm:resnet18@{ckpt}", field="dd_r18",
                               batch_size=args.batch_size, image_size=64)
        dd_s = time.perf_counter() - t
        rows.append(("datadiver compute_embeddings (resnet18)", ns / dd_s, _rss_mb()))
        a = np.stack(speed_view.values("fo_r18"))
        b = np.stack(speed_view.values("dd_r18"))
        same = np.allclose(a, b, atol=1e-3)

        t = time.perf_counter()
        dde.compute_embeddings(view, model="weightless", field="wl", batch_size=args.batch_size)
        wl_s = time.perf_counter() - t
        rows.append(("datadiver compute_embeddings (weightless)", n / wl_s, _rss_mb()))
        t = time.perf_counter()
        dde.compute_embeddings(view, model="pixels", field="px", batch_size=args.batch_size)
        rows.append(("datadiver compute_embeddings (pixels)", n / (time.perf_counter() - t), _rss_mb()))

        print(f"speed on {ns} images; weightless / pixels on all {n}")
        print(f"{'path':44s} {'images/s':>10s} {'peak RSS MB':>12s}")
        for name, rate, mem in rows:
            print(f"{name:44s} {rate:10.1f} {mem:12.0f}")
        print(f"\nratio ours / FiftyOne (resnet18, batch {args.batch_size}): {fo_s / dd_s:.2f}x")
        print(f"same vectors from both paths: {same}  (max |diff| {np.abs(a - b).max():.2e})")

        # --- quality --------------------------------------------------------------
        srcs = np.asarray(view.values("source_id"))
        labels = np.asarray(view.values("ground_truth.label"))
        mask = np.ones(n, dtype=bool)
        paths = view.values("filepath")
        raw = np.stack([np.asarray(Image.open(p).convert("RGB").resize((64, 64)), dtype=np.float32)
                        .ravel() for p in paths])
        raw -= raw.mean(1, keepdims=True)
        print(f"\n{'embedding (kNN, k=5, cosine)':32s} {'source agr.':>12s} {'class agr. (other src)':>24s}")
        res = {}
        for name, X in (("raw pixels 64x64", raw), ("pixels (32x32 model)", np.stack(view.values("px"))),
                        ("weightless", np.stack(view.values("wl")))):
            res[name] = _agreement(X, srcs, labels, mask)
            print(f"{name:32s} {res[name][0]:12.3f} {res[name][1]:24.3f}")
        print(f"chance class agreement: {1.0 / ncls:.3f}")
    finally:
        import fiftyone as fo  # noqa: F811

        if "bench-emb" in fo.list_datasets():
            fo.delete_dataset("bench-emb")
        shutil.rmtree(_TMP, ignore_errors=True)


if __name__ == "__main__":
    main()

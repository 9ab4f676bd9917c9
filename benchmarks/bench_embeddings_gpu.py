"""The GPU embedding path, without the database: what ``compute_embeddings``
does on a GPU machine, timed stage by stage and end to end, side by side with
FiftyOne's ``compute_embeddings`` data path on the same torch module.

Runs where FiftyOne and MongoDB are absent (an accelerator machine that has
torch and timm only): it imports just ``datadiver_fo.enrich.models`` (model
loading, bf16 + channels_last, resizing on the device) and
``datadiver_fo.internal.batches`` / ``internal.images`` (decoding in a torch
``DataLoader`` of worker processes), the exact code ``compute_embeddings``
runs between reading file paths and handing vectors to its database writer.

FiftyOne's side is a re-implementation of its path for a ``TorchImageModel``
(FiftyOne 1.22: ``fiftyone.core.models._make_data_loader`` /
``fiftyone.utils.torch.TorchImageDataset.__getitem__`` / ``_load_image`` /
``TorchImageModel._predict_all``): one PIL decode per image, the model's
torchvision transforms (resize to the input size, ToTensor, Normalize) on
the CPU in ``DataLoader`` workers (``num_workers = cpu_count // 2``, its
default), batches stacked and moved to the GPU, float32 forward under
``no_grad``, ``.cpu().numpy()``. FiftyOne itself cannot run there (no
MongoDB), so this is labelled an emulation wherever it is printed.

Not included on either side: the database writes (measured separately on the
CPU machine by ``bench_embeddings.py``, whose writer thread overlaps them with
the forward passes).

Files: ``--distinct`` 64x64 JPEGs (quality 85, Tiny-ImageNet-C's size and
format) of smooth random scenes plus noise, linked under ``--n`` names (the
files sit in the page cache, as a re-read dataset does).

Usage::

    python benchmarks/bench_embeddings_gpu.py --out /tmp/gpu.json      # on the GPU machine
    python benchmarks/bench_embeddings_gpu.py --device cpu --n 512 --arch resnet18 --fo-n 256 \\
        --fwd-n 128 --image-size 64                                    # a smoke run on a CPU

GPU busy time is sampled from NVML every 50 ms during each end-to-end run
(the share of samples in which a kernel was running).
"""
import argparse
import functools
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def make_files(root, n, distinct, seed=0):
    """``n`` JPEG paths under ``root``: ``distinct`` real files, the rest hard
    links to them (symlinks where links fail)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    base = []
    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    for i in range(distinct):
        f = rng.uniform(1, 6, size=(3, 2))
        ph = rng.uniform(0, 2 * np.pi, size=3)
        img = np.stack([np.sin(f[c, 0] * np.pi * xx + f[c, 1] * np.pi * yy + ph[c]) for c in range(3)],
                       axis=-1)
        img = (img * 0.5 + 0.5) * 200 + rng.normal(0, 12, size=img.shape)
        p = os.path.join(root, f"src_{i:05d}.JPEG")
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(p, quality=85)
        base.append(p)
    paths = []
    for k in range(n):
        if k < distinct:
            paths.append(base[k])
            continue
        p = os.path.join(root, f"img_{k:07d}.JPEG")
        try:
            os.link(base[k % distinct], p)
        except OSError:
            os.symlink(base[k % distinct], p)
        paths.append(p)
    return paths


class GpuBusy:
    """Share of 50 ms NVML samples during a ``with`` block in which the GPU ran
    a kernel (``utilization.gpu``), or ``None`` without NVML."""

    def __init__(self, index=0):
        self.mean = None
        try:
            import pynvml

            pynvml.nvmlInit()
            self._h = pynvml.nvmlDeviceGetHandleByIndex(index)
            self._nvml = pynvml
        except Exception:
            self._nvml = None

    def __enter__(self):
        self._vals = []
        self._stop = threading.Event()
        if self._nvml is not None:
            self._t = threading.Thread(target=self._run, daemon=True)
            self._t.start()
        return self

    def _run(self):
        while not self._stop.wait(0.05):
            self._vals.append(self._nvml.nvmlDeviceGetUtilizationRates(self._h).gpu)

    def __exit__(self, *exc):
        self._stop.set()
        if self._nvml is not None:
            self._t.join()
            if self._vals:
                self.mean = float(np.mean(self._vals))


def _sync(device):
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def ours_end_to_end(paths, model, batch_size, workers, processes, budget_s):
    """``compute_embeddings``' loop without the database: decode (worker
    processes, pinned memory) -> ``embed_batch`` -> float32 numpy vectors.
    Returns ``(images, seconds, gpu_busy)``; stops after ``budget_s``."""
    from datadiver_fo.internal.batches import iter_batches
    from datadiver_fo.internal.images import decode_image

    decode_one = functools.partial(decode_image, size=model.image_size, preprocess=model.preprocess,
                                   resize=not model.resizes)
    done = 0
    kept = []
    with GpuBusy() as busy:
        t0 = time.perf_counter()
        batches = iter_batches(paths, batch_size, decode_one, model.image_size, workers,
                               processes=processes, pin=model.device.startswith("cuda"))
        try:
            for _, (ok, batch, _errors) in batches:
                vecs = model.embed_batch(batch)
                kept.append(vecs[:1])  # what the writer would receive
                done += len(ok)
                if time.perf_counter() - t0 > budget_s:
                    break
        finally:
            batches.close()
        sec = time.perf_counter() - t0
    return done, sec, busy.mean


class _FiftyOneStyleDataset:
    """``fiftyone.utils.torch.TorchImageDataset.__getitem__`` with
    ``_load_image(force_rgb=True)``: PIL open, convert to RGB, the model's
    transforms."""

    def __init__(self, paths, transform):
        self.paths, self.transform = paths, transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, idx):
        from PIL import Image

        with open(self.paths[idx], "rb") as f:
            img = Image.open(f).convert("RGB")
        return self.transform(img)


def fiftyone_style(paths, net, size, device, batch_size, budget_s):
    """FiftyOne 1.22's ``compute_embeddings`` path for a ``TorchImageModel``
    (emulated, see the module docstring). Returns ``(images, seconds, gpu_busy)``."""
    import torch
    import torchvision.transforms as T
    from torch.utils.data import DataLoader

    steps = [T.Resize((size, size), antialias=True)] if size != 64 else []
    tf = T.Compose(steps + [T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    workers = (os.cpu_count() or 2) // 2  # fiftyone.utils.torch.recommend_num_workers
    dl = DataLoader(_FiftyOneStyleDataset(paths, tf), batch_size=batch_size, num_workers=workers,
                    shuffle=False, pin_memory=False)
    done = 0
    with GpuBusy() as busy:
        t0 = time.perf_counter()
        with torch.no_grad():
            for imgs in dl:
                out = net(imgs.to(device))
                out.detach().cpu().numpy()
                done += imgs.shape[0]
                if time.perf_counter() - t0 > budget_s:
                    break
        sec = time.perf_counter() - t0
    return done, sec, busy.mean


def forward_only(model, device, n, batch_size, size_in=64):
    """Images/s of ``embed_batch`` on uint8 batches already in host memory
    (resize on the device included), after one warm-up batch."""
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 255, size=(batch_size, size_in, size_in, 3), dtype=np.uint8)
    import torch

    batch = torch.from_numpy(batch)
    if device.startswith("cuda"):
        batch = batch.pin_memory()
    model.embed_batch(batch)
    _sync(device)
    reps = max(1, n // batch_size)
    t0 = time.perf_counter()
    for _ in range(reps):
        model.embed_batch(batch)
    _sync(device)
    return reps * batch_size / (time.perf_counter() - t0)


def decode_only(paths, size, workers, processes, batch_size, budget_s):
    from datadiver_fo.internal.batches import iter_batches
    from datadiver_fo.internal.images import decode_image

    decode_one = functools.partial(decode_image, size=size, preprocess=None, resize=False)
    done = 0
    t0 = time.perf_counter()
    batches = iter_batches(paths, batch_size, decode_one, size, workers, processes=processes)
    try:
        for _, (ok, _b, _e) in batches:
            done += len(ok)
            if time.perf_counter() - t0 > budget_s:
                break
    finally:
        batches.close()
    return done / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="auto")
    ap.add_argument("--arch", default="resnet50")
    ap.add_argument("--extra-archs", nargs="*", default=["resnet18", "vit_base_patch16_224"],
                    help="forward-only rows for these timm models too")
    ap.add_argument("--image-size", type=int, default=224)
    ap.add_argument("--n", type=int, default=100_000, help="files for the end-to-end runs")
    ap.add_argument("--distinct", type=int, default=4096)
    ap.add_argument("--fo-n", type=int, default=20_000, help="files for FiftyOne's (slower) path")
    ap.add_argument("--fwd-n", type=int, default=8192, help="images per forward-only row")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256, 512])
    ap.add_argument("--budget", type=float, default=30.0, help="seconds at most per end-to-end run")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args()

    import timm
    import torch

    from datadiver_fo.enrich.models import load_model, resolve_device

    device = resolve_device(args.device)
    res = {"device": device, "torch": torch.__version__, "timm": timm.__version__,
           "cpu_count": os.cpu_count(), "rows": []}
    if device.startswith("cuda"):
        res["gpu"] = torch.cuda.get_device_name(0)
    cores = os.cpu_count() or 2
    workers = max(1, min(16, cores - 1))  # compute_embeddings' default on a GPU
    print(json.dumps({k: v for k, v in res.items() if k != "rows"}), flush=True)

    tmp = tempfile.mkdtemp(prefix="dd-bench-gpu-")
    try:
        t = time.perf_counter()
        paths = make_files(os.path.join(tmp, "files"), args.n, args.distinct)
        print(f"files: {len(paths)} ({args.distinct} distinct) in {time.perf_counter() - t:.1f} s",
              flush=True)

        def row(**kw):
            res["rows"].append(kw)
            print(json.dumps(kw), flush=True)
            if args.out:
                with open(args.out, "w") as f:
                    json.dump(res, f, indent=1)

        torch.manual_seed(0)
        ckpts = {}
        for arch in [args.arch] + [a for a in args.extra_archs if a != args.arch]:
            net = timm.create_model(arch, pretrained=False, num_classes=0).eval()
            ckpts[arch] = os.path.join(tmp, f"{arch}.pth")
            torch.save(net.state_dict(), ckpts[arch])
        spec = f"timm:{args.arch}@{ckpts[args.arch]}"
        size = args.image_size

        # 1. forward only (uint8 64 px batches in host memory; resize on the device)
        for arch in ckpts:
            sz = size if arch == args.arch else (224 if "224" in arch else size)
            for prec in ("fp32", "auto"):
                m = load_model(f"timm:{arch}@{ckpts[arch]}", device=device, image_size=sz,
                               optimize=False, precision=prec)
                for bs in args.batch_sizes:
                    rate = forward_only(m, device, args.fwd_n, bs)
                    row(stage="forward only", model=arch, size=sz, precision=m.precision,
                        batch=bs, images_per_s=round(rate, 1))
                del m
                if device.startswith("cuda"):
                    torch.cuda.empty_cache()

        # 2. decoding alone (64 px JPEGs at native size, as compute_embeddings does on a GPU)
        for procs, nw in ((True, workers), (False, min(4, cores))):
            rate = decode_only(paths, size, nw, procs, 256, args.budget / 2)
            row(stage="decode only", loader="processes" if procs else "threads", workers=nw,
                images_per_s=round(rate, 1))

        # 3. ours end to end (no database), default precision, both batch sizes
        model = load_model(spec, device=device, image_size=size, optimize=True, precision="auto")
        ours_end_to_end(paths[:2 * max(args.batch_sizes)], model, max(args.batch_sizes), workers,
                        True, args.budget)  # warm-up: workers, cuDNN autotune
        for bs in args.batch_sizes:
            n, sec, busy = ours_end_to_end(paths, model, bs, workers, True, args.budget)
            row(stage="end to end (no database)", path="datadiver (processes, bf16 on CUDA)",
                model=args.arch, precision=model.precision, batch=bs, workers=workers, images=n,
                seconds=round(sec, 2), images_per_s=round(n / sec, 1),
                gpu_busy_pct=None if busy is None else round(busy, 1))
        n, sec, busy = ours_end_to_end(paths[:args.fo_n], model, args.batch_sizes[0],
                                       min(4, cores), False, args.budget)
        row(stage="end to end (no database)", path="datadiver, loader='threads'", model=args.arch,
            precision=model.precision, batch=args.batch_sizes[0], workers=min(4, cores), images=n,
            seconds=round(sec, 2), images_per_s=round(n / sec, 1),
            gpu_busy_pct=None if busy is None else round(busy, 1))
        fp32 = load_model(spec, device=device, image_size=size, optimize=True, precision="fp32")
        n, sec, busy = ours_end_to_end(paths, fp32, args.batch_sizes[-1], workers, True, args.budget)
        row(stage="end to end (no database)", path="datadiver, precision='fp32'", model=args.arch,
            precision="fp32", batch=args.batch_sizes[-1], workers=workers, images=n,
            seconds=round(sec, 2), images_per_s=round(n / sec, 1),
            gpu_busy_pct=None if busy is None else round(busy, 1))

        # 4. FiftyOne's path (emulated) on the same module
        net = model.module.float().to(memory_format=torch.contiguous_format).eval()
        fiftyone_style(paths[-256:], net, size, device, 64, args.budget)  # warm-up
        for bs in args.batch_sizes:
            n, sec, busy = fiftyone_style(paths[:args.fo_n], net, size, device, bs, args.budget)
            row(stage="end to end (no database)", path="FiftyOne compute_embeddings path "
                "(emulated: PIL + torchvision per image, fp32)", model=args.arch, precision="fp32",
                batch=bs, workers=cores // 2, images=n, seconds=round(sec, 2),
                images_per_s=round(n / sec, 1), gpu_busy_pct=None if busy is None else round(busy, 1))

        # 5. the same with cuDNN's autotuner on (fixed input size: it can pick per shape)
        if device.startswith("cuda"):
            torch.backends.cudnn.benchmark = True
            tuned = load_model(spec, device=device, image_size=size, optimize=True, precision="auto")
            for bs in args.batch_sizes:
                rate = forward_only(tuned, device, args.fwd_n, bs)
                row(stage="forward only", model=args.arch, size=size, precision=tuned.precision,
                    batch=bs, cudnn_benchmark=True, images_per_s=round(rate, 1))
            ours_end_to_end(paths[:4 * max(args.batch_sizes)], tuned, max(args.batch_sizes), workers,
                            True, args.budget)
            for bs in args.batch_sizes:
                n, sec, busy = ours_end_to_end(paths, tuned, bs, workers, True, args.budget)
                row(stage="end to end (no database)", path="datadiver + cudnn.benchmark",
                    model=args.arch, precision=tuned.precision, batch=bs, workers=workers, images=n,
                    seconds=round(sec, 2), images_per_s=round(n / sec, 1),
                    gpu_busy_pct=None if busy is None else round(busy, 1))
            torch.backends.cudnn.benchmark = False

        # vectors agree: ours (default precision) vs float32 on one batch
        from datadiver_fo.internal.images import decode_image

        batch = np.stack([decode_image(p, size, None, resize=False)[0] for p in paths[:64]])
        a, b = model.embed_batch(batch), fp32.embed_batch(batch)
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        row(stage="agreement", what=f"{model.precision} vs fp32 cosine", min=round(float(cos.min()), 5),
            mean=round(float(cos.mean()), 5))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


if __name__ == "__main__":
    main()

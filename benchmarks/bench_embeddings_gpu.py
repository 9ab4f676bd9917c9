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

Without ``--mongod``, the database writes are included on neither side. With
``--mongod PATH`` (a ``mongod`` binary; pymongo importable) the script starts
that MongoDB on the machine, inserts one Tiny-ImageNet-C-shaped document per
file, and adds end-to-end rows that store every vector the way
``compute_embeddings`` does: the bytes of
``datadiver_fo.internal.vector_codec.encode_rows`` in one unordered
``bulk_write`` of ``$set {field, last_modified_at}`` per ``write_every``
batches, on one writer thread with at most one write in flight (what
``store.write_vectors`` sends, minus FiftyOne's in-memory sample reload), and
FiftyOne's side serialising each vector with ``np.save`` + zlib at its default
level in the loop (``SaveContext``) with its bulk writes on a background
thread (``async_writes=True``). Each DB row checks afterwards that every
document holds its vector and that one decodes back to what the model gave.

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


def _embed_loop(paths, ids, model, batch_size, workers, processes, budget_s, sink=None,
                write_every=8):
    """``compute_embeddings``' loop: decode (worker processes with pinned
    memory, or threads) -> ``embed_batch`` -> float32 numpy vectors handed to
    ``sink`` (``add`` / ``flush`` every ``write_every`` batches / ``close``:
    a :class:`~datadiver_fo.internal.batches.WriteBehind`, a
    :class:`_ProcessWriters`, or None: no database). Stops after
    ``budget_s``. Returns ``(images, seconds, gpu_busy, first)``, ``first``
    the id and vector of the first image (checked in the database)."""
    from datadiver_fo.internal.batches import iter_batches
    from datadiver_fo.internal.images import decode_image

    decode_one = functools.partial(decode_image, size=model.image_size, preprocess=model.preprocess,
                                   resize=not model.resizes)
    done, first = 0, None
    with GpuBusy() as busy:
        t0 = time.perf_counter()
        batches = iter_batches(paths, batch_size, decode_one, model.image_size, workers,
                               processes=processes, pin=model.device.startswith("cuda"))
        try:
            for bi, (start, (ok, batch, _errors)) in enumerate(batches):
                vecs = model.embed_batch(batch)
                if first is None:
                    first = (ids[start + ok[0]] if ids else None, vecs[0].copy())
                if sink is not None:
                    sink.add([ids[start + i] for i in ok], vecs)
                    if (bi + 1) % write_every == 0:
                        sink.flush()
                done += len(ok)
                if time.perf_counter() - t0 > budget_s:
                    break
        finally:
            batches.close()
            if sink is not None:
                sink.close()
        sec = time.perf_counter() - t0
    return done, sec, busy.mean, first


def ours_end_to_end(paths, model, batch_size, workers, processes, budget_s):
    """The loop without the database: ``(images, seconds, gpu_busy)``."""
    return _embed_loop(paths, None, model, batch_size, workers, processes, budget_s)[:3]


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


def start_mongod(binary, root, port=27651, timeout=90):
    """Starts ``binary`` on a fresh dbpath under ``root``; returns
    ``(process, client)`` once it answers a ping."""
    import subprocess

    import pymongo

    dbpath = os.path.join(root, "db")
    os.makedirs(dbpath, exist_ok=True)
    log = open(os.path.join(root, "mongod.log"), "w")
    proc = subprocess.Popen([binary, "--dbpath", dbpath, "--port", str(port), "--bind_ip", "127.0.0.1",
                             "--nounixsocket"], stdout=log, stderr=subprocess.STDOUT)
    client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=2000)
    t0 = time.time()
    while True:
        try:
            client.admin.command("ping")
            return proc, client
        except Exception:
            if proc.poll() is not None or time.time() - t0 > timeout:
                proc.kill()
                with open(os.path.join(root, "mongod.log")) as f:
                    tail = f.read()[-3000:]
                raise RuntimeError(f"mongod did not start (exit {proc.poll()}): {tail}")
            time.sleep(0.5)


def insert_docs(coll, paths):
    """One sample-like document per file (the fields a loaded
    Tiny-ImageNet-C sample has); returns the ids in ``paths`` order."""
    import datetime

    from bson import ObjectId

    now = datetime.datetime.utcnow()
    ids = [ObjectId() for _ in paths]
    docs = []
    for k, (oid, p) in enumerate(zip(ids, paths)):
        docs.append({"_id": oid, "filepath": p, "tags": ["tiny-imagenet-c"], "metadata": None,
                     "created_at": now, "last_modified_at": now,
                     "ground_truth": {"_id": ObjectId(), "_cls": "Classification", "tags": [],
                                      "label": f"class {k % 200}"},
                     "wnid": f"n{k % 200:08d}", "corruption": "fog", "severity": 1 + k % 5,
                     "family": "weather", "source_id": f"{k // 95:08d}",
                     "hypernyms": [f"n{j:08d}" for j in range(12)]})
        if len(docs) == 5000:
            coll.insert_many(docs, ordered=False)
            docs = []
    if docs:
        coll.insert_many(docs, ordered=False)
    return ids


def _fiftyone_serialize(vec):
    """fiftyone.core.utils.serialize_numpy_array: np.save + zlib (level 6)."""
    import io
    import zlib

    with io.BytesIO() as f:
        np.save(f, vec)
        return zlib.compress(f.getvalue())


def _bulk_write(coll, field, wids, X):
    """store.write_vectors' fast path: the stored bytes of each row and one
    unordered bulk write."""
    import datetime

    from bson import Binary
    from pymongo import UpdateOne

    from datadiver_fo.internal.vector_codec import encode_rows

    now = datetime.datetime.utcnow()
    coll.bulk_write([UpdateOne({"_id": o}, {"$set": {field: Binary(b), "last_modified_at": now}})
                     for o, b in zip(wids, encode_rows(np.asarray(X)))], ordered=False)


def ours_end_to_end_db(paths, ids, coll, field, model, batch_size, workers, budget_s, write_every=8,
                       in_flight=1):
    """``compute_embeddings``' loop with its database writer (the same
    ``WriteBehind``). Returns ``(images, seconds, gpu_busy, first)``."""
    from datadiver_fo.internal.batches import WriteBehind

    sink = WriteBehind(functools.partial(_bulk_write, coll, field), in_flight)
    return _embed_loop(paths, ids, model, batch_size, workers, True, budget_s, sink, write_every)


def _writer_process(uri, db, coll_name, field, queue):
    """A writer in its own process (its own GIL): bulk-writes what the main
    process puts on ``queue`` until it gets ``None``."""
    import pymongo

    coll = pymongo.MongoClient(uri)[db][coll_name]
    while True:
        item = queue.get()
        if item is None:
            return
        _bulk_write(coll, field, *item)


class _ProcessWriters:
    """A sink for :func:`_embed_loop` whose writes run in ``procs`` writer
    processes fed through a bounded queue (an experiment: is the GIL of the
    feeding process the limit?)."""

    def __init__(self, coll, field, procs):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.queue = ctx.Queue(maxsize=2 * procs)
        host, port = coll.database.client.address
        self.writers = [ctx.Process(target=_writer_process,
                                    args=(f"mongodb://{host}:{port}", coll.database.name, coll.name,
                                          field, self.queue)) for _ in range(procs)]
        for w in self.writers:
            w.start()
        self.ids, self.vecs = [], []

    def add(self, ids, vecs):
        self.ids.extend(ids)
        self.vecs.append(vecs)

    def flush(self):
        if self.ids:
            self.queue.put((self.ids, np.concatenate(self.vecs)))
            self.ids, self.vecs = [], []

    def close(self):
        self.flush()
        for _ in self.writers:
            self.queue.put(None)
        for w in self.writers:
            w.join()


def ours_end_to_end_db_procs(paths, ids, coll, field, model, batch_size, workers, budget_s, procs,
                             write_every=8):
    """As :func:`ours_end_to_end_db` with the writes in ``procs`` writer processes."""
    return _embed_loop(paths, ids, model, batch_size, workers, True, budget_s,
                       _ProcessWriters(coll, field, procs), write_every)


def fiftyone_style_db(paths, ids, coll, field, net, size, device, batch_size, budget_s):
    """FiftyOne's path (emulated) with its writes: per-vector serialisation in
    the loop, bulk writes of ~``batch_size`` x 8 updates on a background thread."""
    import datetime
    from concurrent.futures import ThreadPoolExecutor

    import torch
    import torchvision.transforms as T
    from bson import Binary
    from pymongo import UpdateOne
    from torch.utils.data import DataLoader

    steps = [T.Resize((size, size), antialias=True)] if size != 64 else []
    tf = T.Compose(steps + [T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    dl = DataLoader(_FiftyOneStyleDataset(paths, tf), batch_size=batch_size,
                    num_workers=(os.cpu_count() or 2) // 2, shuffle=False)
    ops, futures, done = [], [], 0
    with GpuBusy() as busy, ThreadPoolExecutor(max_workers=1) as writer, torch.no_grad():
        t0 = time.perf_counter()
        for imgs in dl:
            out = net(imgs.to(device)).detach().cpu().numpy()
            now = datetime.datetime.utcnow()
            for k, vec in enumerate(out):
                ops.append(UpdateOne({"_id": ids[done + k]},
                                     {"$set": {field: Binary(_fiftyone_serialize(vec)), "last_modified_at": now}}))
            done += out.shape[0]
            if len(ops) >= 8 * batch_size:
                futures.append(writer.submit(coll.bulk_write, ops, ordered=False))
                ops = []
            if time.perf_counter() - t0 > budget_s:
                break
        if ops:
            futures.append(writer.submit(coll.bulk_write, ops, ordered=False))
        for f in futures:
            f.result()
        sec = time.perf_counter() - t0
    return done, sec, busy.mean


def _check_db(coll, field, done, first):
    """Every embedded document holds a vector; the first decodes back to what
    the model gave (FiftyOne's reader: zlib.decompress + np.load)."""
    import io
    import zlib

    stored = coll.count_documents({field: {"$exists": True}})
    doc = coll.find_one({"_id": first[0]}) if first else None
    same = bool(doc) and np.array_equal(np.load(io.BytesIO(zlib.decompress(doc[field]))), first[1])
    return stored == done, same


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


def db_rows(args, res, row, paths, spec, size, device, workers, tmp):
    """End to end with MongoDB writes: ours at each batch size, then
    FiftyOne's path (emulated) at the largest one."""
    import torch

    from datadiver_fo.enrich.models import load_model

    proc, client = start_mongod(args.mongod, os.path.join(tmp, "mongo"))
    try:
        res["mongod"] = client.server_info().get("version")
        coll = client["bench"]["samples"]
        t = time.perf_counter()
        ids = insert_docs(coll, paths)
        row(stage="database", what="insert sample documents", documents=len(ids),
            seconds=round(time.perf_counter() - t, 2))
        model = load_model(spec, device=device, image_size=size, optimize=True, precision="auto")
        ours_end_to_end(paths[:2 * max(args.batch_sizes)], model, max(args.batch_sizes), workers,
                        True, args.budget)  # warm-up
        for bs in args.batch_sizes:
            for flight in args.writes_in_flight:
                field = f"emb_{bs}_{flight}"
                n, sec, busy, first = ours_end_to_end_db(paths, ids, coll, field, model, bs, workers,
                                                         args.budget, in_flight=flight)
                all_stored, same = _check_db(coll, field, n, first)
                row(stage="end to end with MongoDB writes",
                    path="datadiver (processes, bf16, write_vectors)", model=args.arch,
                    precision=model.precision, batch=bs, writes_in_flight=flight, workers=workers,
                    images=n, seconds=round(sec, 2), images_per_s=round(n / sec, 1),
                    gpu_busy_pct=None if busy is None else round(busy, 1), all_stored=all_stored,
                    read_back_equal=same)
        for procs in args.writer_processes:
            bs = args.batch_sizes[1] if len(args.batch_sizes) > 1 else args.batch_sizes[0]
            field = f"emb_procs_{procs}"
            n, sec, busy, first = ours_end_to_end_db_procs(paths, ids, coll, field, model, bs, workers,
                                                           args.budget, procs)
            all_stored, same = _check_db(coll, field, n, first)
            row(stage="end to end with MongoDB writes",
                path=f"experiment: writes in {procs} writer process(es)", model=args.arch,
                precision=model.precision, batch=bs, workers=workers, images=n,
                seconds=round(sec, 2), images_per_s=round(n / sec, 1),
                gpu_busy_pct=None if busy is None else round(busy, 1), all_stored=all_stored,
                read_back_equal=same)
        if args.skip_fiftyone_db:
            return
        net = model.module.float().to(memory_format=torch.contiguous_format).eval()
        bs = args.batch_sizes[1] if len(args.batch_sizes) > 1 else args.batch_sizes[0]
        n, sec, busy = fiftyone_style_db(paths[:args.fo_n], ids[:args.fo_n], coll, "fo_emb", net, size,
                                         device, bs, args.budget)
        stored = coll.count_documents({"fo_emb": {"$exists": True}})
        row(stage="end to end with MongoDB writes", path="FiftyOne compute_embeddings path (emulated, "
            "np.save + zlib per vector)", model=args.arch, precision="fp32", batch=bs,
            workers=(os.cpu_count() or 2) // 2, images=n, seconds=round(sec, 2),
            images_per_s=round(n / sec, 1), gpu_busy_pct=None if busy is None else round(busy, 1),
            all_stored=stored == n)
    finally:
        client.close()
        proc.terminate()
        proc.wait(30)


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
    ap.add_argument("--mongod", default=None,
                    help="a mongod binary: adds end-to-end rows with the database writes")
    ap.add_argument("--db-only", action="store_true", help="only the database rows")
    ap.add_argument("--writes-in-flight", type=int, nargs="+", default=[1],
                    help="database writes allowed in flight at once (DB rows)")
    ap.add_argument("--writer-processes", type=int, nargs="*", default=[],
                    help="DB rows: also run the writes in this many writer processes (experiment)")
    ap.add_argument("--skip-fiftyone-db", action="store_true",
                    help="leave out FiftyOne's path in the database rows")
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

        if args.mongod:
            db_rows(args, res, row, paths, spec, size, device, workers, tmp)
        if args.db_only:
            return res

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

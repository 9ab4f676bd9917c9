"""Decoded image batches for models, from a list of files: a thread pool one
batch ahead (CPU models) or a torch ``DataLoader`` of worker processes with
pinned memory (GPU models). No FiftyOne import, so the GPU benchmark
(``benchmarks/bench_embeddings_gpu.py``) times exactly this code on a machine
without a database."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from datadiver_fo.internal.images import stack_images


def collate(decoded, size):
    """Stacks one batch of :func:`decode_image` results: returns
    ``(ok_positions, batch_or_None, errors)``. Images of different sizes are
    all resized to ``size`` (a batch is one tensor)."""
    ok = [i for i, (_, err) in enumerate(decoded) if err is None]
    errors = [(i, err) for i, (_, err) in enumerate(decoded) if err is not None]
    if not ok:
        return ok, None, errors
    items = [decoded[i][0] for i in ok]
    if size and isinstance(items[0], np.ndarray) and len({a.shape for a in items}) > 1:
        from PIL import Image

        items = [a if a.shape[:2] == (size, size) else
                 np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR)) for a in items]
    return ok, stack_images(items), errors


def thread_batches(paths, starts, batch_size, decode_one, size, workers, prefetch):
    """Yields decoded batches: a thread pool decodes each batch, one batch
    ahead of the caller (``prefetch``) so decoding overlaps the forward pass."""
    with ThreadPoolExecutor(max_workers=workers) as pool, \
            ThreadPoolExecutor(max_workers=1) as ahead:
        def decode_batch(start):
            return collate(list(pool.map(decode_one, paths[start:start + batch_size])), size)

        future = ahead.submit(decode_batch, starts[0]) if starts and prefetch else None
        for bi, start in enumerate(starts):
            if prefetch:
                out = future.result()
                future = ahead.submit(decode_batch, starts[bi + 1]) if bi + 1 < len(starts) else None
            else:
                out = decode_batch(start)
            yield out


class BatchFiles:
    """A torch map-style dataset whose item ``b`` is decoded batch ``b`` (so
    a worker process decodes and stacks a whole batch: one pickle per batch)."""

    def __init__(self, paths, starts, batch_size, decode_one, size):
        self.paths, self.starts, self.batch_size = paths, starts, batch_size
        self.decode_one, self.size = decode_one, size

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, b):
        import torch

        s = self.starts[b]
        ok, batch, errors = collate([self.decode_one(p) for p in self.paths[s:s + self.batch_size]],
                                     self.size)
        if isinstance(batch, np.ndarray):
            batch = torch.from_numpy(batch)
        return ok, batch, errors


def _identity(x):
    return x


def loader_batches(paths, starts, batch_size, decode_one, size, workers, pin):
    """Yields decoded batches from a torch ``DataLoader`` with ``workers``
    processes (decoding in threads is GIL-bound at ~1.8k img/s; a GPU takes
    10k+), in order, with pinned memory when feeding CUDA."""
    from torch.utils.data import DataLoader

    dl = DataLoader(BatchFiles(paths, starts, batch_size, decode_one, size), batch_size=None,
                    shuffle=False, num_workers=workers, pin_memory=pin,
                    collate_fn=_identity, prefetch_factor=4 if workers else None)
    for ok, batch, errors in dl:
        yield ok, batch, errors


def iter_batches(paths, batch_size, decode_one, size, workers, processes=False, pin=False,
                 prefetch=True):
    """Decoded batches of ``paths``, in order.

    Args:
        paths: list of image file paths
        batch_size: files per batch (>= 1)
        decode_one: ``callable(path) -> (item, error)`` (see
            :func:`datadiver_fo.internal.images.decode_image`); picklable when
            ``processes``
        size: side every image of a batch is brought to when sizes differ
        workers: decoding threads, or worker processes
        processes (False): decode in a torch ``DataLoader`` with ``workers``
            processes instead of threads
        pin (False): pinned host memory (``processes`` only; for CUDA)
        prefetch (True): threads only: decode one batch ahead

    Returns:
        a generator of ``(start, (ok_positions, batch_or_None, errors))``;
        ``close()`` stops the decoders
    """
    starts = list(range(0, len(paths), batch_size))
    if processes:
        batches = loader_batches(paths, starts, batch_size, decode_one, size, workers, pin)
    else:
        batches = thread_batches(paths, starts, batch_size, decode_one, size, workers, prefetch)
    try:
        for start, decoded in zip(starts, batches):
            yield start, decoded
    finally:
        batches.close()


class WriteBehind:
    """Bulk writes that run behind a loop, on writer threads.

    ``add`` collects ids and their vectors; ``flush`` hands everything
    collected so far to a writer thread as one ``write(ids, X)`` call (``X``
    the rows stacked), so the write overlaps the loop's next batches. At most
    ``in_flight`` writes run at once (``flush`` waits for the oldest first),
    and a write that failed re-raises at the next ``flush`` or at ``close``.
    ``close`` (also the end of a ``with`` block, even when the loop raised,
    so what was computed is kept) writes the rest and waits for every write.

    Args:
        write: ``callable(ids, X)``, run on a writer thread
        in_flight (1): writes running at once (two help when a GPU outruns
            one bulk write)
    """

    def __init__(self, write, in_flight=1):
        self._write = write
        self._in_flight = max(1, int(in_flight))
        self._pool = ThreadPoolExecutor(max_workers=self._in_flight)
        self._running = []
        self._ids, self._vecs = [], []

    def add(self, ids, vecs):
        """Collects ``ids`` (a list) and their rows ``vecs`` (a 2-D array)."""
        self._ids.extend(ids)
        self._vecs.append(np.asarray(vecs))

    def flush(self):
        """Starts one write of everything collected (none if nothing was)."""
        if self._ids:
            while len(self._running) >= self._in_flight:
                self._running.pop(0).result()
            self._running.append(self._pool.submit(self._write, self._ids, np.concatenate(self._vecs)))
            self._ids, self._vecs = [], []

    def close(self):
        """Writes the rest and waits for every write (re-raising a failure)."""
        try:
            self.flush()
            while self._running:
                self._running.pop(0).result()
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


__all__ = ["collate", "thread_batches", "BatchFiles", "loader_batches", "iter_batches", "WriteBehind"]

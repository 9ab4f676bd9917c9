"""The stored form of a FiftyOne ``VectorField`` value, without FiftyOne: the
``.npy`` bytes of the array inside a zlib stream (what
``fiftyone.core.utils.serialize_numpy_array`` writes and
``deserialize_numpy_array`` reads at any zlib level). No FiftyOne or pymongo
import, so the GPU benchmark encodes exactly what ``compute_embeddings``
stores on a machine without FiftyOne."""
import io
import zlib

import numpy as np

#: zlib level of the embeddings writer: 0 stores the ``.npy`` bytes inside a
#: zlib stream without compressing them. Pooled float features barely compress
#: (levels 1 and 6, FiftyOne's, save ~9%) while compressing a 2048-d vector
#: costs ~120-150 us of CPU, 3x MongoDB's whole update of it (measured:
#: benchmarks/bench_vector_writes.py); every zlib reader, FiftyOne's, reads it.
VECTOR_ZLIB_LEVEL = 0


def npy_header(dtype, shape):
    """The ``.npy`` header ``np.save`` writes before an array of ``dtype`` and
    ``shape``."""
    with io.BytesIO() as f:
        np.save(f, np.zeros(shape, dtype=dtype))
        return f.getvalue()[: -int(np.prod(shape)) * np.dtype(dtype).itemsize]


def encode_rows(rows, level=VECTOR_ZLIB_LEVEL):
    """One stored value (bytes) per row of an ``N x D`` numeric array: the
    row's ``.npy`` bytes in a zlib stream at ``level`` (header built once)."""
    rows = np.ascontiguousarray(rows)
    hdr = npy_header(rows.dtype, rows.shape[1:])
    return [zlib.compress(hdr + r.tobytes(), level) for r in rows]


__all__ = ["VECTOR_ZLIB_LEVEL", "npy_header", "encode_rows"]

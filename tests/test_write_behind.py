"""internal.batches.WriteBehind, the writer behind compute_embeddings' loop
(and the GPU benchmark's): what is added is written once, in order, with at
most ``in_flight`` writes at once; a failed write re-raises; an error in the
loop still writes what was computed. Real threads, no mocks."""
import threading
import time

import numpy as np
import pytest

from datadiver_fo.internal.batches import WriteBehind


def test_every_row_written_once_in_order_with_bounded_writes():
    lock = threading.Lock()
    running, most, written = [0], [0], []

    def write(ids, X):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)  # long enough for writes to overlap when allowed
        with lock:
            running[0] -= 1
            written.append((list(ids), X.copy()))

    for in_flight in (1, 2):
        written.clear()
        most[0] = 0
        with WriteBehind(write, in_flight) as w:
            for b in range(10):
                w.add([f"{b}-{i}" for i in range(3)], np.full((3, 4), b, dtype=np.float32))
                if b % 2 == 1:
                    w.flush()
            w.flush()  # nothing collected: no empty write
        assert most[0] == in_flight
        assert len(written) == 5 and all(X.shape == (6, 4) for _, X in written)
        ids = sorted(i for batch, _ in written for i in batch)
        assert ids == sorted(f"{b}-{i}" for b in range(10) for i in range(3))
        for batch, X in written:  # each id with its own row
            assert [int(i.split("-")[0]) for i in batch] == X[:, 0].astype(int).tolist()


def test_a_failed_write_reraises_and_a_failed_loop_keeps_its_rows():
    def bad(ids, X):
        raise OSError("disk full (test)")

    w = WriteBehind(bad, 1)
    w.add(["a"], np.zeros((1, 2)))
    w.flush()
    w.add(["b"], np.zeros((1, 2)))
    with pytest.raises(OSError, match="disk full"):
        w.flush()  # waits for the first write, which failed
        w.flush()
    with pytest.raises(OSError, match="disk full"):
        w.close()  # "b" is still to write: it is tried, and its failure raises too

    kept = []
    with pytest.raises(RuntimeError, match="model failed"):
        with WriteBehind(lambda ids, X: kept.extend(ids)) as w:
            w.add(["x", "y"], np.ones((2, 3)))
            raise RuntimeError("model failed")
    assert kept == ["x", "y"]  # written on the way out

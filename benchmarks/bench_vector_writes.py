"""Database writes of embeddings: FiftyOne's ``set_values`` against
``datadiver_fo.internal.store.write_vectors`` (the writer of
``compute_embeddings``), side by side in one run, as ratios.

Each path writes N vectors in chunks of ``--chunk`` (2,048 = what
``compute_embeddings`` sends per write: ``write_every=8`` x batch 256 on a
GPU) into a fresh dataset of N bare samples, on a private mongod:

- FiftyOne: ``dataset.select(ids, ordered=True).set_values(field, rows,
  expand_schema=False, validate=False)``, what ``compute_embeddings`` did
  before (``np.save`` + zlib level 6 per vector, FiftyOne's batcher);
- ours: ``store.write_vectors`` (``.npy`` header built once, zlib level 0,
  one unordered ``bulk_write``), and the same at zlib level 1 for reference.

Vectors are float32, non-negative and of uneven scale like pooled ReLU
features (resnet50: 2048-d); 850-d too. Reported per path: vectors/s (wall,
best of ``--repeats`` alternating rounds), CPU seconds per 1,000 vectors in
this process (serialisation, BSON, pymongo) and in mongod (read from
/proc), and the stored bytes per vector. On a shared machine the wall rate
depends on the load; CPU seconds per vector do much less, so the last column
projects the rate of one writer (one write in flight, as in
``compute_embeddings``) on an idle machine: 1000 / (client + mongod CPU
seconds per 1,000) (derived from CPU time, not measured).
Every path's vectors are read back and compared bit for bit.

Usage: ``.venv/bin/python benchmarks/bench_vector_writes.py [--n 16384]
[--dims 2048,850] [--repeats 2]``
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402


def _proc_cpu(pid):
    """CPU seconds (user + system) of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _vectors(n, dim, seed):
    rng = np.random.default_rng(seed)
    scale = rng.gamma(2.0, 0.5, size=dim).astype(np.float32)
    return np.abs(rng.standard_normal((n, dim), dtype=np.float32)) * scale


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=16384, help="vectors per path and round")
    ap.add_argument("--dims", default="2048,850", help="comma-separated vector lengths")
    ap.add_argument("--chunk", type=int, default=2048, help="vectors per write call")
    ap.add_argument("--repeats", type=int, default=2, help="alternating rounds (best kept)")
    args = ap.parse_args()

    from private_mongod import stop, use_private_database

    tmp = tempfile.mkdtemp(prefix="dd-bench-vw-")
    mongod = use_private_database(tmp)
    os.environ.setdefault("FIFTYONE_SHOW_PROGRESS_BARS", "false")
    os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
    try:
        import fiftyone as fo

        from datadiver_fo.internal import store

        mongod_pid = mongod.pid if mongod is not None else None
        n, ch = args.n, args.chunk

        def fresh(name):
            ds = fo.Dataset(name)
            docs = store.SampleDocs(ds)
            meta = {"size_bytes": 1, "mime_type": "image/jpeg", "width": 64, "height": 64,
                    "num_channels": 3}
            store.insert_sample_docs(ds, [docs.image(f"/bench/{i:06d}.jpg", [], meta, {})
                                          for i in range(n)])
            ds.add_sample_field("emb", fo.VectorField)
            return ds, ds.values("id")

        def fiftyone_path(ds, ids, X):
            for i in range(0, n, ch):
                ds.select(ids[i:i + ch], ordered=True).set_values(
                    "emb", list(X[i:i + ch]), expand_schema=False, validate=False)

        def ours(level):
            def run(ds, ids, X):
                for i in range(0, n, ch):
                    store.write_vectors(ds, "emb", ids[i:i + ch], X[i:i + ch], level=level)
            return run

        paths = [("FiftyOne set_values (zlib 6)", fiftyone_path),
                 ("datadiver write_vectors (zlib 0)", ours(0)),
                 ("datadiver write_vectors (zlib 1)", ours(1))]
        print(f"{n} vectors per path in chunks of {ch}, best of {args.repeats} alternating "
              f"rounds; fresh dataset per round; {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} at start; mongod CPU "
              f"{'from /proc' if mongod_pid else 'not available (shared service)'}")
        for dim in (int(d) for d in args.dims.split(",")):
            X = _vectors(n, dim, seed=dim)
            best = {}
            for r in range(args.repeats):
                for label, fn in paths:
                    ds, ids = fresh(f"bench-vw-{dim}-{r}-{len(best)}-{time.time_ns()}")
                    m0 = _proc_cpu(mongod_pid) if mongod_pid else 0.0
                    c0, t0 = time.process_time(), time.perf_counter()
                    fn(ds, ids, X)
                    wall = time.perf_counter() - t0
                    cpu = time.process_time() - c0
                    mcpu = (_proc_cpu(mongod_pid) - m0) if mongod_pid else float("nan")
                    got = np.stack(ds.values("emb"))
                    assert got.dtype == X.dtype and got.tobytes() == X.tobytes(), label
                    coll = store.sample_collection(ds)
                    size = np.mean([len(d["emb"]) for d in coll.find({}, {"emb": 1}).limit(256)])
                    old = best.get(label)
                    row = (n / wall, 1000 * cpu / n, 1000 * mcpu / n, size)
                    if old is None or row[0] > old[0]:
                        best[label] = row
                    ds.delete()
            print(f"\n{dim}-d float32 ({4 * dim} bytes of data per vector); all paths read "
                  "back bit-identical")
            print(f"{'path':34s} {'vectors/s':>10s} {'ratio':>6s} {'client CPU s/1k':>16s} "
                  f"{'mongod CPU s/1k':>16s} {'stored B/vec':>13s} {'idle proj./s':>12s}")
            base = best[paths[0][0]][0]
            for label, _ in paths:
                rate, cpu, mcpu, size = best[label]
                proj = 1000 / (cpu + mcpu)  # nan without mongod's CPU
                print(f"{label:34s} {rate:10.0f} {rate / base:5.2f}x {cpu:16.3f} {mcpu:16.3f} "
                      f"{size:13.0f} {proj:12.0f}")
    finally:
        try:
            import fiftyone.core.odm.database as fodb

            fodb._disconnect()
        except Exception:
            pass
        stop(mongod)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""store.write_vectors, the database writer of compute_embeddings: what it
stores is what FiftyOne's set_values stores, read back bit for bit by every
reader (values, sample[field], get_embeddings, FiftyOne's own deserializer),
with the same last_modified_at bookkeeping; the public-API fallback gives the
same; bad input and failed writes raise with a message that names them."""
import time
import zlib

import numpy as np
import pytest
from bson import ObjectId

import fiftyone as fo
import fiftyone.core.utils as fou

import datadiver_fo.enrich.embeddings as dde
from datadiver_fo.internal import store


@pytest.fixture
def new_dataset(unique_name):
    """Makes datasets of ``n`` bare samples (``new_dataset(n, suffix)``),
    deleted after the test."""
    made = []

    def _make(n, suffix=""):
        ds = fo.Dataset(unique_name + suffix)
        ds.add_samples([fo.Sample(filepath="/tmp/dd-store-vectors/%04d.jpg" % i) for i in range(n)])
        made.append(ds)
        return ds

    yield _make
    for ds in made:
        if ds.name in fo.list_datasets():
            ds.delete()


def _raw(ds, field):
    coll = store.sample_collection(ds)
    return {str(d["_id"]): d for d in coll.find({}, {field: 1, "last_modified_at": 1})}


@pytest.mark.parametrize("dtype,dim", [(np.float32, 2048), (np.float32, 850), (np.float64, 7),
                                       (np.int16, 5)])
def test_written_vectors_read_back_identical_everywhere(new_dataset, dtype, dim):
    ds = new_dataset(30)
    rng = np.random.default_rng(dim)
    X = (rng.normal(size=(30, dim)) * 100).astype(dtype)
    X[3, :] = np.nan if X.dtype.kind == "f" else 0  # stored as is
    ids = ds.values("id")
    ds.add_sample_field("emb", fo.VectorField)
    order = rng.permutation(30)  # rows in any order of ids
    assert store.write_vectors(ds, "emb", [ids[k] for k in order], X[order]) == []

    assert isinstance(ds.get_field("emb"), fo.VectorField)
    vals = ds.values("emb")
    for k in range(30):
        assert vals[k].dtype == X.dtype and vals[k].shape == (dim,)
        assert vals[k].tobytes() == X[k].tobytes()  # bit-identical, NaNs included
    assert ds[ids[5]]["emb"].tobytes() == X[5].tobytes()
    raw = _raw(ds, "emb")
    for k in (0, 3, 29):
        stored = raw[ids[k]]["emb"]
        assert fou.deserialize_numpy_array(stored).tobytes() == X[k].tobytes()
        # the .npy stream FiftyOne's own serializer writes, only less compressed
        assert zlib.decompress(stored) == zlib.decompress(fou.serialize_numpy_array(X[k]))
    if X.dtype.kind == "f":
        got_ids, G = dde.get_embeddings(ds, "emb")
        assert got_ids == ids
        assert np.array_equal(G[np.r_[0:3, 4:30]], X[np.r_[0:3, 4:30]].astype(np.float32))


def test_same_stored_form_and_bookkeeping_as_set_values(new_dataset):
    ours, theirs = new_dataset(20, "-ours"), new_dataset(20, "-fo")
    X = np.random.default_rng(0).normal(size=(20, 64)).astype(np.float32)
    for ds in (ours, theirs):
        ds.add_sample_field("emb", fo.VectorField)
        ds.reload()
    ds_before = {ds.name: ds.last_modified_at for ds in (ours, theirs)}
    before = {ds.name: ds.max("last_modified_at") for ds in (ours, theirs)}
    time.sleep(0.01)
    ids_o, ids_t = ours.values("id"), theirs.values("id")
    store.write_vectors(ours, "emb", ids_o[:10], X[:10])
    theirs.select(ids_t[:10], ordered=True).set_values("emb", list(X[:10]), expand_schema=False,
                                                       validate=False)
    for ds, ids in ((ours, ids_o), (theirs, ids_t)):
        raw = _raw(ds, "emb")
        stamps = [raw[i]["last_modified_at"] for i in ids[:10]]
        assert len(set(stamps)) == 1 and stamps[0] > before[ds.name]  # one stamp per write
        assert all(raw[i]["last_modified_at"] <= before[ds.name] for i in ids[10:])
        assert all("emb" not in raw[i] for i in ids[10:])
        assert ds.count("emb") == 10
        ds.reload()
        # sample edits leave the dataset document's last_modified_at alone, on both paths
        assert ds.last_modified_at == ds_before[ds.name]
    assert [v.tobytes() for v in ours.values("emb")[:10]] == \
        [v.tobytes() for v in theirs.values("emb")[:10]]
    assert ours.get_field_schema()["emb"].__class__ is theirs.get_field_schema()["emb"].__class__


def test_samples_in_memory_see_the_new_vectors(new_dataset):
    ds = new_dataset(4)
    ds.add_sample_field("emb", fo.VectorField)
    sample = ds.first()
    assert sample["emb"] is None
    store.write_vectors(ds, "emb", [sample.id], np.ones((1, 3), np.float32))
    assert np.array_equal(sample["emb"], np.ones(3, np.float32))  # no reload by the caller


def test_deleted_samples_are_returned_not_written(new_dataset):
    ds = new_dataset(5)
    ds.add_sample_field("emb", fo.VectorField)
    ids = ds.values("id")
    gone = str(ObjectId())
    assert store.write_vectors(ds, "emb", [ids[0], gone, ids[1]], np.eye(3, dtype=np.float32)) \
        == [gone]
    assert ds.count("emb") == 2 and np.array_equal(ds[ids[1]]["emb"], [0, 0, 1])
    with store.public_api():
        assert store.write_vectors(ds, "emb", [gone, ids[2]], np.eye(2, dtype=np.float32)) \
            == [gone]
    assert np.array_equal(ds[ids[2]]["emb"], [0, 1])


def test_public_api_fallback_stores_the_same_arrays(new_dataset):
    fast, public = new_dataset(12, "-fast"), new_dataset(12, "-public")
    X = np.random.default_rng(1).normal(size=(12, 33)).astype(np.float32)
    fast.add_sample_field("emb", fo.VectorField)
    public.add_sample_field("emb", fo.VectorField)
    store.write_vectors(fast, "emb", fast.values("id"), X)
    with store.public_api():
        assert store.FAST is False
        store.write_vectors(public, "emb", public.values("id")[::-1], X[::-1])
        got = public.values("emb")
    raw = _raw(public, "emb")
    # the fallback went through FiftyOne: its level-6 stream, same arrays
    sid = public.values("id")[0]
    assert raw[sid]["emb"] == fou.serialize_numpy_array(X[0])
    assert [v.tobytes() for v in got] == [v.tobytes() for v in fast.values("emb")] \
        == [x.tobytes() for x in X]


def test_bad_input_raises_naming_the_problem(new_dataset):
    ds = new_dataset(3)
    ids = ds.values("id")
    with pytest.raises(ValueError, match="'emb' is not declared .*add_sample_field"):
        store.write_vectors(ds, "emb", ids, np.zeros((3, 4)))
    ds.add_sample_field("name", fo.StringField)
    with pytest.raises(ValueError, match="'name' is a StringField"):
        store.write_vectors(ds, "name", ids, np.zeros((3, 4)))
    ds.add_sample_field("emb", fo.VectorField)
    with pytest.raises(ValueError, match=r"one row per id: got shape \(2, 4\) for 3 ids"):
        store.write_vectors(ds, "emb", ids, np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"N x D array .*got shape \(3,\)"):
        store.write_vectors(ds, "emb", ids, np.zeros(3))
    with pytest.raises(ValueError, match="must be numeric .*got dtype <U1"):
        store.write_vectors(ds, "emb", ids, np.array([["a"], ["b"], ["c"]]))
    assert store.write_vectors(ds, "emb", [], np.zeros((0, 4))) == []
    assert ds.count("emb") == 0


def test_a_failed_write_in_compute_embeddings_re_raises(fresh_dataset):
    # a read-only field: the writer thread's error reaches the caller
    fresh_dataset.add_sample_field("ro", fo.VectorField, read_only=True)
    view = fresh_dataset.match_tags("tiny-imagenet-c").limit(8)
    with pytest.raises(ValueError, match="Cannot edit read-only field 'ro'"):
        dde.compute_embeddings(view, model="weightless", field="ro", batch_size=4, write_every=1)
    assert fresh_dataset.count("ro") == 0


def test_compute_embeddings_writes_what_set_values_would(fresh_dataset):
    view = fresh_dataset.match_tags("tiny-imagenet-c").sort_by("filepath").limit(20)
    rep = dde.compute_embeddings(view, model="weightless", field="emb", batch_size=8,
                                 write_every=1)
    assert rep["embedded"] == 20 and rep["num_failed"] == 0
    ids, X = dde.get_embeddings(view, "emb")
    raw = _raw(fresh_dataset, "emb")
    for k, sid in enumerate(ids):
        assert zlib.decompress(raw[sid]["emb"]) == zlib.decompress(fou.serialize_numpy_array(X[k]))
    assert isinstance(fresh_dataset.get_field("emb"), fo.VectorField)
    with store.public_api():  # an untested FiftyOne version: set_values writes, same vectors
        dde.compute_embeddings(view, model="weightless", field="emb_public", batch_size=8,
                               write_every=1)
    assert dde.get_embeddings(view, "emb_public")[1].tobytes() == X.tobytes()
    stored = store.sample_collection(fresh_dataset).find_one({"_id": ObjectId(ids[0])})
    assert stored["emb_public"] == fou.serialize_numpy_array(X[0])  # FiftyOne's level-6 stream


def test_a_sample_deleted_mid_run_is_reported_not_counted(fresh_dataset):
    from datadiver_fo.enrich import models as ddm

    view = fresh_dataset.match_tags("tiny-imagenet-c").sort_by("filepath").limit(16)
    victim = view.values("id")[2]
    victim_path = fresh_dataset[victim].filepath

    def deleting(batch):  # deletes a sample of this batch before the batch is written
        if victim in fresh_dataset.values("id"):
            fresh_dataset.delete_samples(victim)
        return batch.reshape(len(batch), -1)[:, :8].astype(np.float32)

    ddm.register_model("dd-deleting", deleting, version="1")
    try:
        rep = dde.compute_embeddings(view, model="dd-deleting", field="emb", batch_size=4,
                                     write_every=1)
    finally:
        ddm.unregister_model("dd-deleting")
    assert rep["embedded"] == 15 and rep["num_failed"] == 1
    assert rep["failed"][0]["id"] == victim and rep["failed"][0]["filepath"] == victim_path
    assert "deleted from the dataset before its vector was written" in rep["failed"][0]["error"]
    assert fresh_dataset.count("emb") == 15


def test_read_vectors_streams_in_view_order_with_missing_rows(new_dataset):
    """The streamed reader: view order, missing rows, a batch boundary, and
    the same arrays as FiftyOne's own values()."""
    from fiftyone import ViewField as F

    ds = new_dataset(9000)
    ids = ds.values("id")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9000, 33)).astype(np.float32)
    keep = np.ones(9000, dtype=bool)
    keep[[0, 4095, 4096, 8999]] = False  # missing at both ends and at a batch edge
    ds.add_sample_field("emb", fo.VectorField)
    store.write_vectors(ds, "emb", [i for i, k in zip(ids, keep) if k], X[keep])
    ds.set_values("rank", rng.permutation(9000).tolist())
    view = ds.sort_by("rank", reverse=True).match(F("rank") % 3 != 0)
    sids, present, got = store.read_vectors(view, "emb")
    want = view.values("emb")
    assert sids == view.values("id")
    assert present.tolist() == [v is not None for v in want]
    assert got.dtype == np.float32 and got.shape == (int(present.sum()), 33)
    assert np.array_equal(got, np.stack([v for v in want if v is not None]))
    # ids=False: the same rows
    none_ids, present2, got2 = store.read_vectors(view, "emb", ids=False)
    assert none_ids is None and np.array_equal(present2, present) and np.array_equal(got2, got)


def test_read_vectors_falls_back_for_lists_and_mixed_lengths(new_dataset):
    ds = new_dataset(5)
    ds.set_values("vec", [[1.0, 2.0], [3.0, 4.0], None, [5.0, 6.0], [7.0, 8.0]])
    sids, present, X = store.read_vectors(ds, "vec")
    assert present.tolist() == [True, True, False, True, True]
    assert X.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
    ds.add_sample_field("emb", fo.VectorField)
    ids = ds.values("id")
    for sid, dim in ((ids[0], 3), (ids[1], 4)):
        sample = ds[sid]
        sample["emb"] = np.zeros(dim, dtype=np.float32)
        sample.save()
    with pytest.raises(ValueError, match=r"different lengths \[3, 4\]"):
        store.read_vectors(ds, "emb")


def test_read_vectors_memory_is_the_result_plus_a_batch(new_dataset):
    """Reading 60k x 256 float32 vectors (59 MB) costs the result plus a
    constant (one cursor batch, up to 16 MB of documents, and one decoded
    batch): the raw and decompressed bytes of every row are never held at
    once (that path peaked at 4.4x the result: 262 MB here)."""
    import tracemalloc

    ds = new_dataset(60_000)
    X = np.random.default_rng(0).normal(size=(60_000, 256)).astype(np.float32)
    ds.add_sample_field("emb", fo.VectorField)
    store.write_vectors(ds, "emb", ds.values("id"), X)
    tracemalloc.start()
    try:
        _, _, got = store.read_vectors(ds, "emb", ids=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(got, X)
    assert peak < X.nbytes + 48 * 2**20, f"peak {peak / 2**20:.0f} MB for a {X.nbytes / 2**20:.0f} MB result"

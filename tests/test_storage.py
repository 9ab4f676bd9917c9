"""datadiver_fo/internal/store.py owns every use of FiftyOne's private storage:
each fast path gives what FiftyOne's public API gives on real data, and the
public-API fallback (what runs on an untested FiftyOne version) gives the
same. internal/vectors.read_embeddings is the one reader of embeddings."""
import contextlib
import datetime

import numpy as np
import pytest
from bson import ObjectId
from pymongo import UpdateOne

import fiftyone as fo

import datadiver_fo as ddf
from datadiver_fo.internal import store
from datadiver_fo.internal import vectors as ddv
from datadiver_fo.internal import schema as S


@pytest.fixture
def new_dataset(unique_name):
    """Makes empty datasets (``new_dataset(suffix)``), deleted after the test."""
    made = []

    def _make(suffix=""):
        ds = fo.Dataset(unique_name + suffix)
        made.append(ds)
        return ds

    yield _make
    for ds in made:
        if ds.name in fo.list_datasets():
            ds.delete()


def _both(fn):
    """``fn()`` with the fast paths and with the public API only."""
    fast = fn()
    with store.public_api():
        assert store.FAST is False
        public = fn()
    return fast, public


def _vectors_dataset(new_dataset, n=40, dim=6, seed=0):
    """Samples with a float32 VectorField ``emb`` (every 7th missing), a list
    field ``as_list`` and a float64 vector field ``f64``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim)).astype(np.float32)
    ds = new_dataset()
    ds.add_samples([fo.Sample(filepath="/tmp/dd-storage/%03d.jpg" % i, k=i) for i in range(n)])
    ds.add_sample_field("emb", fo.VectorField)
    ds.set_values("emb", [None if i % 7 == 3 else X[i] for i in range(n)])
    ds.set_values("as_list", [list(map(float, x)) for x in X])
    ds.set_values("f64", [x.astype(np.float64) for x in X])
    return ds, X


# --------------------------------------------------------------------------- #
# version guard
# --------------------------------------------------------------------------- #


def test_version_guard_accepts_the_tested_minor_only():
    assert store.check_fiftyone_version("1.22.1") == (True, None)
    assert store.check_fiftyone_version("1.22.0rc3")[0] is True
    for v in ("1.23.0", "1.21.9", "2.22.0", "unknown"):
        fast, msg = store.check_fiftyone_version(v)
        assert fast is False and v in msg and "fiftyone>=1.22,<1.23" in msg
    # the installed version decides the module flag
    assert store.FAST is store.check_fiftyone_version(fo.__version__)[0]
    assert store.FIFTYONE_VERSION == fo.__version__


def test_public_api_switch_restores_the_flag():
    before = store.FAST
    with pytest.raises(KeyError, match="boom"):
        with store.public_api():
            assert store.FAST is False
            raise KeyError("boom")
    assert store.FAST is before


def test_missing_internal_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"internal '_sample_collection'.*fiftyone>=1.22,<1.23"):
        store.sample_collection(object())


# --------------------------------------------------------------------------- #
# vectors
# --------------------------------------------------------------------------- #


def test_read_vectors_equals_values_on_dataset_and_view(new_dataset):
    ds, X = _vectors_dataset(new_dataset)
    view = ds.match(fo.ViewField("k") % 2 == 0).sort_by("k", reverse=True).skip(1)
    for samples in (ds, view):
        want_ids, vals = samples.values(["id", "emb"])
        present = np.array([v is not None for v in vals])
        want = np.stack([v for v in vals if v is not None])
        for ids, got_present, got in _both(lambda: store.read_vectors(samples, "emb")):
            assert ids == want_ids
            np.testing.assert_array_equal(got_present, present)
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, want)
    # lists and float64 vectors: FiftyOne's own decoding, values unchanged
    for field in ("as_list", "f64"):
        want = np.stack([np.asarray(v) for v in ds.values(field)])
        for _, present, got in _both(lambda: store.read_vectors(ds, field, ids=False)):
            assert present.all()
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(store.read_vectors(ds, "f64")[2], X.astype(np.float64))


def test_read_vectors_of_an_empty_view(new_dataset):
    ds, _ = _vectors_dataset(new_dataset)
    for ids, present, X in _both(lambda: store.read_vectors(ds.limit(0), "emb")):
        assert ids == [] and present.shape == (0,) and X.shape == (0, 0)


def test_vector_values_round_trip_through_fiftyone(new_dataset):
    ds, _ = _vectors_dataset(new_dataset)
    ids = ds.values("id")
    rows = np.random.default_rng(1).normal(size=(len(ids), 4)).astype(np.float32)
    ds.add_sample_field("fast_vec", fo.VectorField)
    ds.add_sample_field("public_vec", fo.VectorField)
    store.set_sample_fields(ds, ids, {"fast_vec": store.vector_values(rows)})
    with store.public_api():
        store.set_sample_fields(ds, ids, {"public_vec": store.vector_values(rows)})
    np.testing.assert_array_equal(np.stack(ds.values("fast_vec")), rows)
    np.testing.assert_array_equal(np.stack(ds.values("public_vec")), rows)


# --------------------------------------------------------------------------- #
# the one embeddings reader
# --------------------------------------------------------------------------- #


def test_read_embeddings_equals_stacked_values(new_dataset):
    ds, X = _vectors_dataset(new_dataset)
    full = ds.exists("emb")
    want_ids, vals = full.values(["id", "emb"])
    for ids, got in _both(lambda: ddv.read_embeddings(full, "emb")):
        assert ids == want_ids and got.dtype == np.float32
        np.testing.assert_array_equal(got, np.stack(vals))
    ids, got = ddv.read_embeddings(ds, "as_list", dtype=np.float64)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.stack([np.asarray(v) for v in ds.values("as_list")]))


def test_read_embeddings_missing_modes(new_dataset):
    ds, X = _vectors_dataset(new_dataset)
    all_ids = ds.values("id")
    has = [i % 7 != 3 for i in range(len(X))]
    for fast_or_public in _both(lambda: [
        ddv.read_embeddings(ds, "emb", missing="drop"),
        ddv.read_embeddings(ds, "emb", missing="nan", dtype=np.float64),
    ]):
        (ids, Xd), (ids_n, Xn) = fast_or_public
        assert ids == [i for i, h in zip(all_ids, has) if h]
        np.testing.assert_array_equal(Xd, X[has])
        assert ids_n == all_ids and Xn.dtype == np.float64 and Xn.shape == X.shape
        assert np.isnan(Xn[~np.array(has)]).all()
        np.testing.assert_array_equal(Xn[has], X[has].astype(np.float64))
    with pytest.raises(ValueError, match=r"6 of 40 samples have no embedding in field 'emb'"):
        ddv.read_embeddings(ds, "emb")
    with store.public_api():
        with pytest.raises(ValueError, match=r"6 of 40 samples have no embedding in field 'emb'"):
            ddv.read_embeddings(ds, "emb", missing="raise")
    # a view that holds only samples with vectors needs no missing policy
    view = ds.exists("emb").limit(5)
    ids, Xv = ddv.read_embeddings(view, "emb")
    assert ids == view.values("id") and Xv.shape == (5, X.shape[1])
    # nothing present
    ids, X0 = ddv.read_embeddings(ds.exists("emb", False), "emb", missing="nan")
    assert len(ids) == 6 and X0.shape == (6, 0)
    assert ddv.read_embeddings(ds.exists("emb", False), "emb", missing="drop")[1].shape == (0, 0)


def test_read_embeddings_refuses_bad_input(new_dataset):
    ds, X = _vectors_dataset(new_dataset)
    ds.add_sample_field("ragged", fo.VectorField)
    ds.set_values("ragged", [np.ones(3 if i % 2 else 4, np.float32) for i in range(len(X))])
    for mode in (False, True):
        with store.public_api() if mode else contextlib.nullcontext():
            with pytest.raises(ValueError, match=r"Vectors in field 'ragged' have different lengths \[3, 4\]"):
                ddv.read_embeddings(ds, "ragged")
    with pytest.raises(ValueError, match="Embeddings field 'nope' does not exist"):
        ddv.read_embeddings(ds, "nope")
    with pytest.raises(ValueError, match="missing must be one of"):
        ddv.read_embeddings(ds, "emb", missing="zero")
    bad = X.copy()
    bad[2, 1] = np.nan
    ds.set_values("with_nan", list(bad))
    assert np.isnan(ddv.read_embeddings(ds, "with_nan")[1]).sum() == 1
    with pytest.raises(ValueError, match="Embeddings in field 'with_nan' contain NaN or inf"):
        ddv.read_embeddings(ds, "with_nan", finite=True)


def test_every_embeddings_reader_agrees(new_dataset):
    """The five former readers now give one answer (dtype aside)."""
    from datadiver_fo.curation import skew
    from datadiver_fo.enrich import embeddings, predictions

    ds, _ = _vectors_dataset(new_dataset)
    view = ds.exists("emb")
    ids, X = embeddings.get_embeddings(view, "emb")
    assert ids == view.values("id") and X.dtype == np.float32
    for got in (ddv.embeddings_matrix(view, "emb"), skew._vectors(view, "emb")):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, X.astype(np.float64))
    np.testing.assert_array_equal(predictions._read_embeddings(view, "emb"), X)
    # an array in sample order is the other accepted form (duplicates, active learning)
    np.testing.assert_array_equal(ddv.embeddings_matrix(view, X), X.astype(np.float64))
    with pytest.raises(ValueError, match=r"embeddings must be a num_samples x dims array"):
        ddv.embeddings_matrix(view, X[:-1])
    ids_d, X_d = embeddings.get_embeddings(ds, "emb", missing="drop")
    assert ids_d == ids
    with pytest.raises(ValueError, match="have no embedding"):
        embeddings.get_embeddings(ds, "emb")


def test_group_codes_and_l2_normalize():
    codes = ddv.group_codes(["a", None, "b", "a", None], 5)
    assert codes.dtype == np.int64
    assert codes[0] == codes[3] and len({codes[0], codes[1], codes[2], codes[4]}) == 4
    np.testing.assert_array_equal(ddv.group_codes(None, 3), [0, 1, 2])
    X = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(ddv.l2_normalize(X), [[0.6, 0.8], [0.0, 0.0]])


# --------------------------------------------------------------------------- #
# new samples
# --------------------------------------------------------------------------- #


def test_new_object_ids_are_valid_and_unique():
    for ids in _both(lambda: store.new_object_ids(20000)):
        assert len(set(ids)) == 20000
        assert all(isinstance(i, ObjectId) and ObjectId(str(i)) == i for i in ids[:1000])
        age = datetime.datetime.now(datetime.timezone.utc) - ids[-1].generation_time
        assert abs(age.total_seconds()) < 60


def _comparable(d):
    """A sample dict without what differs between two inserts of one sample
    (ids, timestamps, random key)."""
    if isinstance(d, dict):
        return {k: _comparable(v) for k, v in d.items()
                if k not in ("_id", "id", "created_at", "last_modified_at", "_rand", "_dataset_id")}
    if isinstance(d, list):
        return [_comparable(v) for v in d]
    return d


def _declare(ds):
    ds.add_sample_field("corruption", fo.StringField)
    ds.add_sample_field("severity", fo.IntField)
    ds.add_sample_field("hypernyms", fo.ListField, subfield=fo.StringField)
    ds.add_sample_field("ground_truth", fo.EmbeddedDocumentField, embedded_doc_type=fo.Classification)
    ds.create_index("filepath", unique=True)


def test_inserted_sample_docs_load_like_add_samples(new_dataset):
    rows = [("/tmp/dd-storage/a/%d.jpg" % i,
             {"size_bytes": 100 + i, "mime_type": "image/jpeg", "width": 64, "height": 64,
              "num_channels": 3},
             {"corruption": "fog", "severity": 1 + i % 5, "hypernyms": ["dog", "animal"]},
             {"ground_truth": "dog"} if i % 3 else None)
            for i in range(12)]
    reference = new_dataset("-ref")
    _declare(reference)
    reference.add_samples([
        fo.Sample(filepath=p, tags=["c"], metadata=fo.ImageMetadata(**m), **f,
                  **{k: fo.Classification(label=v) for k, v in (lab or {}).items()})
        for p, m, f, lab in rows
    ])
    want = [_comparable(s.to_dict()) for s in reference.sort_by("filepath")]
    for suffix, public in (("-fast", False), ("-public", True)):
        ds = new_dataset(suffix)
        _declare(ds)
        with store.public_api() if public else contextlib.nullcontext():
            make = store.SampleDocs(ds)
            docs = [make.image(p, ["c"], m, f, lab) for p, m, f, lab in rows]
            assert isinstance(docs[0], fo.Sample if public else dict)
            assert store.insert_sample_docs(ds, docs[:5]) == (5, 0)
            # again, overlapping: the filepaths already there are counted, not errors
            assert store.insert_sample_docs(ds, docs[3:5] + docs[5:]) == (7, 2)
            assert store.insert_sample_docs(ds, []) == (0, 0)
        ds.reload()
        got = list(ds.sort_by("filepath"))
        assert [_comparable(s.to_dict()) for s in got] == want
        assert isinstance(got[0].metadata, fo.ImageMetadata)
        assert got[1]["ground_truth"].label == "dog" and got[0]["ground_truth"] is None
        assert len(ds) == len(reference) == ds.count("filepath")
        assert all(s.created_at is not None and s.last_modified_at is not None for s in got)


def test_loader_through_the_public_api_matches_the_fast_loader(mini, mini_dataset, unique_name):
    """The real miniature tree loaded on the public API only gives the same
    samples as the fast loader (``mini_dataset``)."""
    with store.public_api():
        ds = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, clean_root=mini.clean_root)
    try:
        assert len(ds) == len(mini_dataset)
        assert ds.get_field_schema().keys() == mini_dataset.get_field_schema().keys()
        fields = [f for f in mini_dataset.get_field_schema()
                  if f not in ("id", "created_at", "last_modified_at")]
        want = {s.filepath: _comparable(s.to_dict()) for s in mini_dataset.select_fields(fields)}
        got = {s.filepath: _comparable(s.to_dict()) for s in ds.select_fields(fields)}
        assert got == want
        assert ds.count_values(S.CORRUPTION) == mini_dataset.count_values(S.CORRUPTION)
    finally:
        ds.delete()


# --------------------------------------------------------------------------- #
# writes
# --------------------------------------------------------------------------- #


def test_bulk_write_refreshes_in_memory_samples(new_dataset):
    ds, _ = _vectors_dataset(new_dataset, n=6)
    ds.add_sample_field("x", fo.IntField)
    for value, public in ((5, False), (7, True)):
        first = ds.first()  # a sample object held in memory
        with store.public_api() if public else contextlib.nullcontext():
            ids = [ObjectId(i) for i in ds.values("id")]
            store.bulk_write(ds, [UpdateOne({"_id": i}, {"$set": {"x": value}}) for i in ids],
                             ids=ids, ordered=True)
            store.bulk_write(ds, [])  # nothing to do
        assert first.x == value
        assert ds.values("x") == [value] * len(ds)


def test_set_sample_fields_equals_set_values(new_dataset):
    ds, _ = _vectors_dataset(new_dataset, n=30)
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(4), size=30).astype(np.float32)
    classes = ["a", "b", "c", "d"]
    view = ds.skip(3).limit(20)
    ids = view.values("id")
    first = ds[ids[0]]  # a sample held in memory: must see the writes
    for f in ("pred_fast", "pred_public"):  # set_sample_fields writes declared fields
        ds.add_sample_field(f, fo.EmbeddedDocumentField, embedded_doc_type=fo.Classification)
    ds.add_sample_field("score_fast", fo.FloatField)
    ds.add_sample_field("score_public", fo.FloatField)
    store.set_sample_fields(ds, ids, {
        "pred_fast": store.classification_values(P[3:23], classes, logits=True),
        "score_fast": [float(v) for v in range(20)]})
    with store.public_api():
        store.set_sample_fields(ds, ids, {
            "pred_public": store.classification_values(P[3:23], classes, logits=True),
            "score_public": [float(v) for v in range(20)]})
    # reference: FiftyOne's own objects through set_values
    ref = [fo.Classification(label=classes[int(p.argmax())], confidence=float(p.max()),
                             logits=np.log(np.maximum(p, 1e-6)).astype(np.float32))
           for p in P[3:23]]
    ds.add_sample_field("pred_ref", fo.EmbeddedDocumentField, embedded_doc_type=fo.Classification)
    view.set_values("pred_ref", ref)
    for f in ("pred_fast", "pred_public", "pred_ref"):
        got = view.values(f)
        assert [g.label for g in got] == [r.label for r in ref]
        np.testing.assert_allclose([g.confidence for g in got], [r.confidence for r in ref])
        np.testing.assert_array_equal(np.stack([g.logits for g in got]), np.stack([r.logits for r in ref]))
    assert view.values("score_fast") == view.values("score_public") == [float(v) for v in range(20)]
    assert ds.count("pred_fast") == ds.count("pred_public") == 20  # the others untouched
    assert first.pred_fast.label == first.pred_ref.label and first.score_public == 0.0
    no_logits = store.classification_values(P[:2], classes, logits=False)
    store.set_sample_fields(ds, ds.values("id")[:2], {"pred_fast": no_logits})
    assert ds.first().pred_fast.logits is None


# --------------------------------------------------------------------------- #
# dataset documents
# --------------------------------------------------------------------------- #


def test_dataset_info_keys_read_and_unset_in_the_database(new_dataset):
    ds = new_dataset()
    ds.info = {"keep": 1, "drop": {"x": [1, 2]}, "none": None}
    ds.save()
    assert store.dataset_info_value(ds, "drop") == (True, {"x": [1, 2]})
    assert store.dataset_info_value(ds.limit(1), "none") == (True, None)
    assert store.dataset_info_value(ds, "absent") == (False, None)
    for key, public in (("drop", False), ("none", True)):
        with store.public_api() if public else contextlib.nullcontext():
            store.unset_dataset_info_key(ds, key)
            assert store.dataset_info_value(ds, key) == (False, None)
            assert key in ds.info  # in memory until reloaded
            store.reload_info(ds)
            assert key not in ds.info and ds.info["keep"] == 1


def test_saved_view_docs_and_dataset_ids(new_dataset):
    ds, _ = _vectors_dataset(new_dataset, n=4)
    ds.save_view("first-two", ds.limit(2))
    for public in (False, True):
        with store.public_api() if public else contextlib.nullcontext():
            store.reload_saved_views(ds)
            docs = store.saved_view_docs(ds.limit(1))
            assert [d.name for d in docs] == ["first-two"] and docs[0].slug == "first-two"
    store.mark_saved_view_loaded(docs[0])
    store.reload_saved_views(ds)
    assert store.saved_view_docs(ds)[0].last_loaded_at is not None
    store.mark_saved_view_loaded(object())  # best effort: never raises
    assert store.dataset_id(ds.limit(1)) == store.dataset_id(ds) == str(ObjectId(store.dataset_id(ds)))
    names = dict(store.sample_collections())
    assert ds.name in names
    assert names[ds.name].count_documents({}) == len(ds) == store.sample_collection(ds).count_documents({})
    with pytest.raises(ValueError, match="Expected a FiftyOne dataset or view, got int"):
        store.dataset_id(3)


def test_vectors_read_are_writable_arrays(new_dataset):
    """Callers centre and scale the array in place, even for one sample."""
    ds, _ = _vectors_dataset(new_dataset, n=3)
    for view in (ds.limit(1), ds.exists("emb")):
        for _, X in _both(lambda: ddv.read_embeddings(view, "emb")):
            assert X.flags.writeable
            X -= 1.0

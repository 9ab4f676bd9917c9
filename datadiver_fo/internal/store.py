"""DataDiver's own storage next to FiftyOne's: side collections and locks.

Shared state that several processes write (the edit log, saved-view
provenance) lives in collections of its own, one document per item, in the
same MongoDB database FiftyOne uses. Nothing is kept in ``dataset.info``,
which is one document rewritten whole by every writer (last writer wins, and
16 MB at most).

- :func:`collection` returns a side collection (``datadiver.<kind>``) whose
  documents carry the ``dataset_id`` they belong to; deleting a dataset's
  items is :func:`purge`.
- :func:`lock` is a cross-process mutex held in MongoDB (a lease that expires,
  so a crashed holder never blocks forever). It serialises read-check-write
  sequences FiftyOne itself does not make atomic, such as saving a view.

It is also the one module that touches FiftyOne's private storage (raw sample
documents and collections, bulk writes, the stored form of vectors and
labels, dataset documents). Those fast paths were written and tested against
fiftyone 1.22.x (:data:`TESTED_FIFTYONE`). On another version :data:`FAST` is
False, a warning names the version once, and each function either uses
FiftyOne's public API instead (vector reads, sample inserts, field writes:
same results, slower) or, where there is no public equivalent (the raw
collections, dataset documents, saved-view documents), still tries and raises
a ``RuntimeError`` naming the missing internal if FiftyOne no longer has it.
"""
import contextlib
import datetime
import io
import os
import random
import re
import socket
import struct
import time
import uuid
import warnings
import zlib

import numpy as np
from bson import Binary, ObjectId
import fiftyone as fo
import fiftyone.core.odm as foo
from pymongo import ASCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from datadiver_fo.internal.vector_codec import VECTOR_ZLIB_LEVEL, encode_rows

_PREFIX = "datadiver."
_LOCKS = _PREFIX + "locks"
_indexed = set()


def dataset_id(dataset):
    """The id (a string) of the root dataset of ``dataset`` (a dataset or view)."""
    ds = getattr(dataset, "_root_dataset", dataset)
    if not isinstance(ds, fo.Dataset):
        raise ValueError(f"Expected a FiftyOne dataset or view, got {type(dataset).__name__}")
    return str(_internal(ds, "_doc").id)


def collection(kind, indexes=()):
    """The side collection ``datadiver.<kind>`` (a pymongo collection).

    Args:
        kind: a short name such as ``"edits"``
        indexes (()): index specs to ensure, each a list of ``(field, 1|-1)``
            pairs or a ``(keys, {"unique": True, ...})`` tuple; created once
            per process

    Returns:
        a :class:`pymongo.collection.Collection`
    """
    coll = _db()[_PREFIX + kind]
    key = (coll.database.name, coll.name)
    if key not in _indexed:
        coll.create_index([("dataset_id", ASCENDING)])
        for spec in indexes:
            if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict):
                coll.create_index(list(spec[0]), **spec[1])
            else:
                coll.create_index(list(spec))
        _indexed.add(key)
    return coll


def purge(dataset_id_str):
    """Deletes every side-collection item of one dataset id (after the
    dataset itself was deleted), in every ``datadiver.*`` collection.
    Returns the number of documents removed."""
    db = _db()
    names = [n for n in db.list_collection_names() if n.startswith(_PREFIX) and n != _LOCKS]
    return sum(db[n].delete_many({"dataset_id": dataset_id_str}).deleted_count for n in names)


def _holder():
    return f"{socket.gethostname()}:{os.getpid()}"


@contextlib.contextmanager
def lock(dataset, name, timeout=30.0, lease=120.0):
    """Holds a named cross-process lock for one dataset.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is locked)
        name: what is locked, e.g. ``"saved-views"``
        timeout (30.0): seconds to wait for another holder
        lease (120.0): seconds after which a lock whose holder died is taken
            over

    Raises:
        TimeoutError: if another process held the lock for ``timeout``
            seconds; the message names the holder
    """
    coll = _db()[_LOCKS]
    key = f"{dataset_id(dataset)}:{name}"
    token = uuid.uuid4().hex
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        now = datetime.datetime.now(datetime.timezone.utc)
        expires = now + datetime.timedelta(seconds=lease)
        try:
            # Matches only a free (expired) lock; a held one makes the upsert
            # insert a second _id and fail, which is the "busy" answer.
            coll.update_one(
                {"_id": key, "expires": {"$lt": now}},
                {"$set": {"token": token, "holder": _holder(), "expires": expires}},
                upsert=True,
            )
            break
        except DuplicateKeyError:
            if time.monotonic() > deadline:
                doc = coll.find_one({"_id": key}) or {}
                raise TimeoutError(
                    f"Lock {name!r} on dataset {getattr(dataset, 'name', '?')!r} is held by "
                    f"{doc.get('holder', 'another process')}; try again when it is done"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    try:
        yield
    finally:
        coll.delete_one({"_id": key, "token": token})


# --------------------------------------------------------------------------- #
# FiftyOne's private storage: version guard
# --------------------------------------------------------------------------- #

#: the FiftyOne minor version (major, minor) the fast paths were tested with
TESTED_FIFTYONE = (1, 22)
#: the installed FiftyOne version string
FIFTYONE_VERSION = str(getattr(fo, "__version__", "unknown"))


_PIN = "fiftyone>=%d.%d,<%d.%d" % (TESTED_FIFTYONE + (TESTED_FIFTYONE[0], TESTED_FIFTYONE[1] + 1))


def check_fiftyone_version(version):
    """Whether the fast paths may run on FiftyOne ``version``.

    Args:
        version: a FiftyOne version string such as ``"1.22.1"``

    Returns:
        a tuple ``(fast, message)``: ``(True, None)`` for the tested minor
        version (any patch or pre-release of it), else ``(False, text of the
        warning, naming the version)``
    """
    m = re.match(r"(\d+)\.(\d+)", str(version))
    if m and (int(m.group(1)), int(m.group(2))) == TESTED_FIFTYONE:
        return True, None
    return False, (
        "datadiver_fo was tested with fiftyone %d.%d.x, but fiftyone %s is installed: "
        "vector reads, sample inserts and field writes use FiftyOne's public API "
        "(slower); install %s for the fast paths" % (TESTED_FIFTYONE + (version, _PIN))
    )


#: True when the installed FiftyOne is the tested minor version: the fast
#: paths below read and write its storage format directly. Tests set it to
#: False (see :func:`public_api`) to run the public-API fallbacks.
FAST, _message = check_fiftyone_version(FIFTYONE_VERSION)
if _message:
    warnings.warn(_message, RuntimeWarning, stacklevel=2)


@contextlib.contextmanager
def public_api():
    """Runs the enclosed code on FiftyOne's public API only (:data:`FAST`
    False), as on an untested FiftyOne version; restores the flag after.
    Not thread-safe: meant for tests and comparisons."""
    global FAST
    old, FAST = FAST, False
    try:
        yield
    finally:
        FAST = old


def _internal(obj, name):
    """``getattr(obj, name)`` for a FiftyOne internal without a public
    equivalent: a clear error instead of an AttributeError deep inside."""
    try:
        return getattr(obj, name)
    except AttributeError:
        raise RuntimeError(
            "datadiver_fo needs FiftyOne's internal %r, which fiftyone %s does not "
            "provide; install %s" % (name, FIFTYONE_VERSION, _PIN)
        ) from None


def _db():
    """FiftyOne's pymongo database."""
    return _internal(foo, "get_db_conn")()


# --------------------------------------------------------------------------- #
# collections and documents without a public equivalent
# --------------------------------------------------------------------------- #


def sample_collection(dataset):
    """The pymongo collection holding the raw sample documents of ``dataset``.

    Args:
        dataset: a FiftyOne dataset (or view: its dataset's collection, with
            every sample of that dataset, not just the view's)

    Returns:
        a :class:`pymongo.collection.Collection`; its documents use FiftyOne's
        stored form (``_id`` an ObjectId, labels with ``_cls``)

    Raises:
        RuntimeError: FiftyOne no longer exposes the collection
    """
    return _internal(dataset, "_sample_collection")


def sample_collections():
    """Every dataset of the database with its raw sample collection.

    Returns:
        a generator of ``(dataset name, pymongo collection)`` pairs, read from
        FiftyOne's dataset documents (no dataset is loaded)
    """
    db = _db()
    for doc in dataset_doc_collection().find({}, {"name": 1, "sample_collection_name": 1}):
        coll = doc.get("sample_collection_name")
        if coll:
            yield doc.get("name"), db[coll]


def dataset_doc_collection():
    """The pymongo collection of FiftyOne's dataset documents (one per
    dataset: ``_id``, ``name``, ``info``, ``sample_collection_name``, ...)."""
    return _db()[_internal(foo, "DatasetDocument")._get_collection_name()]


def dataset_info_value(dataset, key):
    """Reads one key of ``dataset.info`` straight from the database (another
    process may have changed it since ``dataset`` was loaded).

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is read)
        key: a top-level key of ``info`` (no dots)

    Returns:
        a tuple ``(found, value)``: ``(False, None)`` if the key is absent
    """
    doc = dataset_doc_collection().find_one(
        {"_id": ObjectId(dataset_id(dataset)), f"info.{key}": {"$exists": True}},
        {f"info.{key}": 1},
    )
    if doc is None:
        return False, None
    return True, (doc.get("info") or {}).get(key)


def unset_dataset_info_key(dataset, key):
    """Removes one key of ``dataset.info`` in the database with ``$unset``,
    leaving the other keys (which other processes may be writing) alone. The
    in-memory ``info`` is not changed: see :func:`reload_info`.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is written)
        key: a top-level key of ``info``

    Returns:
        None
    """
    dataset_doc_collection().update_one(
        {"_id": ObjectId(dataset_id(dataset))}, {"$unset": {f"info.{key}": ""}}
    )


def reload_info(dataset):
    """Reloads ``dataset.info`` (only that field with :data:`FAST`; the whole
    dataset otherwise) from the database. ``dataset`` is a FiftyOne dataset
    or view (its root dataset is reloaded). Returns None."""
    ds = getattr(dataset, "_root_dataset", dataset)
    if FAST:
        _internal(ds, "_doc").reload("info")
    else:
        ds.reload()


def saved_view_docs(dataset):
    """The stored saved views of the root dataset of ``dataset``, as last
    loaded (call ``dataset.reload()`` first to see other processes' saves).

    Returns:
        a list of FiftyOne ``SavedViewDocument`` objects (``name``, ``slug``,
        ``view_stages`` as stored JSON strings, ``description``, ``color``...)
    """
    ds = getattr(dataset, "_root_dataset", dataset)
    return list(_internal(_internal(ds, "_doc"), "get_saved_views")())


def mark_saved_view_loaded(doc):
    """Stamps a saved view's ``last_loaded_at`` as FiftyOne's own loader does
    (the App sorts saved views by it). ``doc`` is one of
    :func:`saved_view_docs`. Best effort: never raises. Returns None."""
    try:
        doc._update_last_loaded_at()
    except Exception:  # a stamp is not worth failing a load for
        pass


def reload_saved_views(dataset):
    """Reloads the list of saved views of the root dataset of ``dataset``
    from the database (only that list with :data:`FAST`; the whole dataset
    otherwise), so :func:`saved_view_docs` sees other processes' saves.
    Returns None."""
    ds = getattr(dataset, "_root_dataset", dataset)
    if FAST:
        _internal(ds, "_doc").reload("saved_views")
    else:
        ds.reload()


def bulk_write(dataset, ops, ids=None, ordered=False):
    """Runs pymongo write operations on the sample documents of ``dataset``
    and refreshes the samples already loaded in memory.

    Args:
        dataset: a FiftyOne dataset
        ops: a list of pymongo ``UpdateOne`` / ``UpdateMany`` / ... on raw
            sample documents (``_id`` an ObjectId)
        ids (None): the ObjectIds of the samples the ops change; with
            :data:`FAST` only those in-memory samples are reloaded (None:
            all), otherwise the whole dataset is reloaded
        ordered (False): stop at the first failing op

    Returns:
        None
    """
    if not ops:
        return
    if FAST:
        dataset._bulk_write(ops, ids=ids, ordered=ordered)
    else:
        sample_collection(dataset).bulk_write(ops, ordered=ordered)
        dataset.reload()


# --------------------------------------------------------------------------- #
# new samples in their stored form
# --------------------------------------------------------------------------- #


class _ObjectIds(object):
    """Generates valid, unique ObjectIds ~10x faster than ``ObjectId()``:
    4-byte time, 5 random bytes per generator, 3-byte counter (the layout
    MongoDB uses)."""

    def __init__(self):
        self._prefix = os.urandom(5)
        self._counter = random.randrange(1 << 24)

    def __call__(self):
        self._counter = (self._counter + 1) & 0xFFFFFF
        if self._counter == 0:
            self._prefix = os.urandom(5)
        raw = struct.pack(">I", int(time.time())) + self._prefix + self._counter.to_bytes(3, "big")
        oid = ObjectId.__new__(ObjectId)
        oid._ObjectId__id = raw  # bson's private slot: skips validating our own bytes
        return oid


def _fast_ids_work():
    try:
        make = _ObjectIds()
        oid = make()
        return ObjectId(str(oid)) == oid and len(oid.binary) == 12 and make() != oid
    except Exception:
        return False


_FAST_IDS = _fast_ids_work()


def object_id_factory():
    """A callable that returns a new, unique :class:`bson.ObjectId` per call
    (a fast generator with :data:`FAST` when bson's layout is the expected
    one, else ``ObjectId`` itself)."""
    return _ObjectIds() if FAST and _FAST_IDS else ObjectId


def new_object_ids(n):
    """A list of ``n`` new, unique :class:`bson.ObjectId`."""
    make = object_id_factory()
    return [make() for _ in range(n)]


class SampleDocs(object):
    """Builds new image samples of one dataset in the form
    :func:`insert_sample_docs` inserts: raw sample documents with
    :data:`FAST` (no ``fo.Sample`` objects, no validation: ~20x faster),
    else ``fo.Sample`` objects.

    Args:
        dataset: the FiftyOne dataset the samples are for
    """

    def __init__(self, dataset):
        self.fast = FAST
        self._dsid = ObjectId(dataset_id(dataset))
        self._new_id = object_id_factory()

    def image(self, filepath, tags, metadata, fields, labels=None, now=None):
        """One image sample.

        Args:
            filepath: the absolute image path (str)
            tags: a list of str
            metadata: a dict of ``fo.ImageMetadata`` fields (``size_bytes``,
                ``mime_type``, ``width``, ``height``, ``num_channels``)
            fields: a dict of custom field name -> value of a declared field
                (str, int, float, bool, None or a list of str)
            labels (None): a dict of field name -> class name (str), each
                stored as a ``fo.Classification`` with that label
            now (None): the naive UTC datetime for ``created_at`` and
                ``last_modified_at`` (default now)

        Returns:
            a dict (the raw document) or a ``fo.Sample``
        """
        if not self.fast:
            labels = {f: fo.Classification(label=l) for f, l in (labels or {}).items()}
            return fo.Sample(filepath=filepath, tags=tags,
                             metadata=fo.ImageMetadata(**metadata), **fields, **labels)
        now = now or datetime.datetime.utcnow()
        d = {
            "_id": self._new_id(),
            "filepath": filepath,
            "tags": tags,
            "metadata": {"_cls": "ImageMetadata", **metadata},
            "created_at": now,
            "last_modified_at": now,
            "_media_type": "image",
            "_rand": random.random(),
            "_dataset_id": self._dsid,
            **fields,
        }
        for f, label in (labels or {}).items():
            d[f] = {"_id": self._new_id(), "_cls": "Classification", "tags": [], "label": label}
        return d


def insert_sample_docs(dataset, docs):
    """Inserts samples built by :class:`SampleDocs`; a sample whose
    ``filepath`` is already in ``dataset`` (its unique ``filepath`` index) is
    skipped and counted, not an error.

    Args:
        dataset: the FiftyOne dataset (with a unique index on ``filepath``)
        docs: a list of what :meth:`SampleDocs.image` returned

    Returns:
        a tuple ``(inserted, already_present)`` of ints
    """
    if not docs:
        return 0, 0
    if isinstance(docs[0], dict):
        try:
            sample_collection(dataset).insert_many(docs, ordered=False)
            return len(docs), 0
        except BulkWriteError as bwe:
            errs = bwe.details.get("writeErrors", [])
            dups = sum(1 for e in errs if e.get("code") == 11000)
            if dups != len(errs):
                raise
            return len(docs) - dups, dups
    from fiftyone import ViewField as F

    paths = [s.filepath for s in docs]
    there = set(dataset.match(F("filepath").is_in(paths)).values("filepath"))
    new = [s for s in docs if s.filepath not in there]
    if new:
        dataset.add_samples(new, progress=False)
    return len(new), len(docs) - len(new)


# --------------------------------------------------------------------------- #
# vectors and labels in their stored form
# --------------------------------------------------------------------------- #


def read_vectors(samples, field, ids=True):
    """Reads a vector field (``fo.VectorField`` or a list of numbers).

    With :data:`FAST`, stored ``VectorField`` values (zlib-compressed ``.npy``
    bytes) are decompressed and parsed with one shared header instead of one
    ``np.load`` per sample (~50 us each); anything else (lists, rows of other
    shapes or dtypes) is read with ``samples.values(field)``, which is also
    the whole path without :data:`FAST`.

    Args:
        samples: a FiftyOne dataset or view
        field: the name of a vector field: top-level, or embedded in a
            label (``"predictions.logits"``)
        ids (True): also read the sample ids

    Returns:
        a tuple ``(ids, present, X)``: ``ids`` a list of the N sample ids (str,
        in ``samples`` order; None when ``ids=False``), ``present`` a bool
        array of length N (False where the sample has no vector), ``X`` an
        ``M x D`` array (M = ``present.sum()``, the stored dtype, each vector
        flattened) of the present vectors in order; ``0 x 0`` float32 when M
        is 0

    Raises:
        ValueError: the present vectors do not all have the same length
    """
    if FAST:
        got = _stream_vectors(samples, field, ids)
        if got is not None:
            return got
    if ids:
        sids, vals = samples.values(["id", field])
    else:
        sids, vals = None, samples.values(field)
    present = np.fromiter((v is not None for v in vals), dtype=bool, count=len(vals))
    return sids, present, _stack_rows([v for v in vals if v is not None], field)


def _stack_rows(rows, field):
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    arrs = [np.asarray(v).ravel() for v in rows]
    lengths = sorted({len(a) for a in arrs})
    if len(lengths) > 1:
        raise ValueError(
            "Vectors in field %r have different lengths %s%s: recompute them with one model"
            % (field, lengths[:5], "..." if len(lengths) > 5 else "")
        )
    return np.stack(arrs)


def _npy_header(buf):
    """``(header_bytes, dtype, num_values)`` of one stored ``.npy`` buffer,
    or None if it is not a plain C-order array."""
    with io.BytesIO(buf) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                return None
        except ValueError:
            return None
        hdr = f.tell()
    count = int(np.prod(shape))
    if fortran or dtype.hasobject or len(buf) - hdr != count * dtype.itemsize or not count:
        return None
    return bytes(buf[:hdr]), dtype, count


def _stream_vectors(samples, field, want_ids, batch=4096):
    """The fast path of :func:`read_vectors`: the stored ``.npy`` bytes
    streamed from one cursor and decoded a batch at a time into one
    preallocated array, so memory is the result plus one batch (holding every
    row's raw and decompressed bytes at once cost 3-4x the result: 13 GB at
    950k x 850-d). None when a row is not a ``.npy`` buffer with the first
    row's header (the caller reads through ``values()``)."""
    fdef = samples.get_field(field)
    # an embedded path (e.g. "predictions.logits") is its own database path
    db_field = field if "." in field else (getattr(fdef, "db_field", None) or field)
    parts = db_field.split(".")
    capacity = max(1, samples.count())
    cursor = samples._aggregate(pipeline=[{"$project": {db_field: True}}])
    sids = [] if want_ids else None
    present = bytearray()
    state = {"X": None, "m": 0, "head": None}
    pending = []

    def flush():
        try:
            bufs = [zlib.decompress(v) for v in pending]
        except zlib.error:
            return False
        if state["head"] is None:
            head = _npy_header(bufs[0])
            if head is None:
                return False
            state["head"] = head
            state["X"] = np.empty((capacity, head[2]), dtype=head[1])
        header, dtype, count = state["head"]
        hdr, size = len(header), len(header) + count * dtype.itemsize
        if any(len(b) != size or b[:hdr] != header for b in bufs):
            return False
        X, m, k = state["X"], state["m"], len(bufs)
        if m + k > X.shape[0]:  # samples added since the count
            grown = np.empty((max(2 * X.shape[0], m + k), count), dtype=dtype)
            grown[:m] = X[:m]
            state["X"] = X = grown
        flat = np.frombuffer(b"".join(bufs), dtype=np.uint8).reshape(k, size)
        X[m:m + k].view(np.uint8)[:] = flat[:, hdr:]
        state["m"] = m + k
        pending.clear()
        return True

    try:
        for doc in cursor:
            if want_ids:
                sids.append(str(doc["_id"]))
            v = doc
            for part in parts:
                v = v.get(part) if isinstance(v, dict) else None
            if v is None:
                present.append(0)
                continue
            if not isinstance(v, (bytes, bytearray)):
                return None
            present.append(1)
            pending.append(v)
            if len(pending) >= batch and not flush():
                return None
        if pending and not flush():
            return None
    finally:
        cursor.close()
    X, m = state["X"], state["m"]
    if X is None:
        X = np.zeros((0, 0), dtype=np.float32)
    elif m < X.shape[0]:
        X = X[:m].copy() if m < 0.75 * X.shape[0] else X[:m]
    return sids, np.frombuffer(bytes(present), dtype=bool).copy(), X


def vector_values(rows):
    """One stored ``fo.VectorField`` value per row of a 2-D array, for
    :func:`set_sample_fields`.

    Args:
        rows: an ``N x D`` numpy array

    Returns:
        a list of N values: with :data:`FAST` the bytes ``VectorField.to_mongo``
        writes (zlib-compressed ``.npy``, one header built once), else the rows
        as 1-D arrays (FiftyOne serialises them)
    """
    rows = np.ascontiguousarray(rows)
    if not FAST:
        return list(rows)
    return [Binary(b) for b in encode_rows(rows, 1)]


def write_vectors(dataset, field, ids, vectors, level=VECTOR_ZLIB_LEVEL):
    """Writes one vector per sample into a declared vector field, in the
    stored form FiftyOne reads (``samples.values(field)``, ``sample[field]``
    and the brain methods see the same arrays, bit for bit).

    With :data:`FAST` one unordered pymongo ``bulk_write`` of
    ``$set {field: zlib(.npy bytes), last_modified_at: now}`` per sample (what
    ``set_values`` writes, minus its per-vector ``np.save`` and zlib level 6;
    ``.npy`` header built once), then the samples already loaded in memory
    are reloaded, as ``set_values`` does. Without :data:`FAST`:
    ``select(ids).set_values(field, ...)``.

    Args:
        dataset: the FiftyOne dataset owning the samples
        field: a top-level ``fo.VectorField`` (or ``fo.ArrayField``) already
            declared on ``dataset``
        ids: N sample ids (str or ObjectId)
        vectors: an ``N x D`` numeric numpy array (any dtype FiftyOne stores:
            float32, float64, ints...); row ``i`` goes to ``ids[i]``
        level (:data:`datadiver_fo.internal.vector_codec.VECTOR_ZLIB_LEVEL`): the zlib level (0-9; FiftyOne's
            own is 6)

    Returns:
        the ids (str) of the samples not found (deleted meanwhile): their
        vectors are not stored; an empty list normally

    Raises:
        ValueError: ``vectors`` is not an ``N x D`` numeric array matching
            ``ids``, or ``field`` is not a declared, writable vector field
        pymongo.errors.BulkWriteError: the database refused a write (nothing
            is retried; the other samples' writes may have happened)
    """
    import fiftyone.core.fields as fof

    X = np.asarray(vectors)
    if X.ndim != 2 or X.shape[0] != len(ids):
        raise ValueError(
            f"vectors must be an N x D array with one row per id: got shape {X.shape} "
            f"for {len(ids)} ids"
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(f"vectors must be numeric (bool, int or float), got dtype {X.dtype}")
    ftype = dataset.get_field(field)
    if not isinstance(ftype, (fof.VectorField, fof.ArrayField)):
        raise ValueError(
            f"Field {field!r} is {'not declared' if ftype is None else 'a ' + type(ftype).__name__}"
            f" on dataset {dataset.name!r}; declare it with add_sample_field({field!r}, "
            "fo.VectorField) first"
        )
    if ftype.read_only:
        raise ValueError(f"Cannot edit read-only field {field!r}")
    if not len(ids):
        return []
    sids = [str(i) for i in ids]
    if not FAST:
        there = set(dataset.select(sids).values("id"))
        keep = [k for k, s in enumerate(sids) if s in there]
        if keep:
            dataset.select([sids[k] for k in keep], ordered=True).set_values(
                field, list(X[keep]), expand_schema=False, validate=False)
        return [s for s in sids if s not in there]
    from pymongo import UpdateOne

    now = datetime.datetime.utcnow()  # one stamp per call, like set_values
    oids = [i if isinstance(i, ObjectId) else ObjectId(i) for i in ids]
    ops = [UpdateOne({"_id": o}, {"$set": {field: Binary(b), "last_modified_at": now}})
           for o, b in zip(oids, encode_rows(X, level))]
    coll = sample_collection(dataset)
    res = coll.bulk_write(ops, ordered=False)
    import fiftyone.core.sample as fos

    _internal(fos.Sample, "_reload_docs")(_internal(dataset, "_sample_collection_name"),
                                          sample_ids=oids)
    if res.matched_count >= len(oids):  # each op matches at most one sample
        return []
    found = {d["_id"] for d in coll.find({"_id": {"$in": oids}}, {"_id": 1})}
    return [s for s, o in zip(sids, oids) if o not in found]


def classification_values(P, classes, logits=True, eps=1e-6):
    """One ``fo.Classification`` per row of a probability matrix, in the form
    :func:`set_sample_fields` writes.

    Args:
        P: an ``N x K`` float array of class probabilities (rows sum to 1)
        classes: the K class names (str), in column order
        logits (True): also store ``logits = log(max(P, eps))`` (float32)
        eps (1e-6): the floor of the probabilities before the log

    Returns:
        a list of N values with ``label = classes[argmax]`` and ``confidence
        = max`` (a float): raw label documents with :data:`FAST` (no 100k
        label objects created and validated), else ``fo.Classification``
    """
    P = np.asarray(P)
    am = P.argmax(1)
    conf = P[np.arange(len(P)), am].astype(np.float64).tolist()
    labels = [classes[a] for a in am.tolist()]
    logs = None
    if logits:
        logs = vector_values(np.log(np.maximum(P, eps)).astype(np.float32))
    if not FAST:
        return [fo.Classification(label=labels[i], confidence=conf[i],
                                  logits=None if logs is None else logs[i])
                for i in range(len(P))]
    docs = []
    for i in range(len(P)):
        d = {"_id": ObjectId(), "_cls": "Classification", "tags": [],
             "label": labels[i], "confidence": conf[i]}
        if logs is not None:
            d["logits"] = logs[i]
        docs.append(d)
    return docs


def set_sample_fields(dataset, ids, values):
    """Writes several top-level fields of some samples at once: with
    :data:`FAST` one bulk ``$set`` per sample (instead of one ``set_values``
    pass per field), else ``set_values`` per field. The fields must already
    be declared on the dataset; in-memory samples are refreshed.

    Args:
        dataset: the FiftyOne dataset owning the samples
        ids: sample ids (str or ObjectId), one per value
        values: a dict of field name -> list of values, one per id: float,
            int, bool, str, None, or what :func:`classification_values` /
            :func:`vector_values` returned

    Returns:
        None
    """
    names = list(values)
    cols = [values[f] for f in names]
    if not FAST or any(_is_document(c) for c in cols):
        sids = [str(i) for i in ids]
        for f, c in zip(names, cols):
            dataset.set_values(f, dict(zip(sids, c)), key_field="id")
        return
    from pymongo import UpdateOne

    now = datetime.datetime.utcnow()
    oids = [i if isinstance(i, ObjectId) else ObjectId(i) for i in ids]
    ops = []
    for j, _id in enumerate(oids):
        upd = {f: c[j] for f, c in zip(names, cols)}
        upd["last_modified_at"] = now
        ops.append(UpdateOne({"_id": _id}, {"$set": upd}))
    bulk_write(dataset, ops, ids=oids)


def write_fields(samples, ids, values, types=None):
    """Writes several top-level fields of ``samples`` in one bulk update (one
    ``$set`` per sample instead of one ``set_values`` pass per field; see
    :func:`set_sample_fields`), declaring the fields that do not exist yet.

    Args:
        samples: the FiftyOne dataset or view owning the samples
        ids: sample ids (strings or ObjectIds), one per value row
        values: dict field name -> list of values (float, int, bool, str,
            None, lists of those, or what :func:`classification_values`
            returned)
        types (None): dict field name -> ``fo.Field`` class (or
            ``"classification"``) used to declare missing fields

    Returns:
        None
    """
    ds = samples._dataset
    types = types or {}
    for f in values:
        fd = ds.get_field(f)
        if fd is not None and types.get(f) == "classification" and not (
                isinstance(fd, fo.EmbeddedDocumentField)
                and issubclass(fd.document_type, fo.Classification)):
            raise ValueError("Field %r exists and is not a Classification field" % f)
        if fd is None:
            ft = types.get(f, fo.FloatField)
            if ft == "classification":
                ds.add_sample_field(f, fo.EmbeddedDocumentField,
                                    embedded_doc_type=fo.Classification)
            else:
                ds.add_sample_field(f, ft)
    set_sample_fields(ds, ids, values)


def _is_document(col):
    """Whether a column holds public-API values (FiftyOne labels, arrays)
    rather than stored ones: its first non-None value decides."""
    first = next((v for v in col if v is not None), None)
    return isinstance(first, (fo.core.labels.Label, np.ndarray))


def stamp_run_doc(samples, key):
    """Stamps the stored run ``key`` with what ``register_run`` writes (time,
    FiftyOne version, the view of ``samples``), for a run updated in place.
    FiftyOne has no public call for it; callers use it only when :data:`FAST`
    (the tested FiftyOne version)."""
    import datetime

    import fiftyone.constants as foc
    import fiftyone.core.runs as fors
    import fiftyone.core.view as fov
    from bson import json_util

    doc = _internal(fors.Run, "_get_run_doc")(samples, key)
    doc.timestamp = datetime.datetime.utcnow()
    doc.version = foc.VERSION
    doc.view_stages = (
        [json_util.dumps(s) for s in samples._serialize(include_uuids=False)]
        if isinstance(samples, fov.DatasetView) else None
    )
    doc.save()


# --------------------------------------------------------------------------- #
# change markers: whether a dataset's samples changed since a summary was taken
# --------------------------------------------------------------------------- #

# View stages whose result is a function of the dataset's own sample documents
# only (no other collection, no brain index, no generated dataset): a summary
# of a view made of these stays right as long as the samples are unchanged.
_PURE_STAGES = frozenset(
    "fiftyone.core.stages." + n
    for n in (
        "Exclude", "ExcludeBy", "ExcludeFields", "ExcludeLabels", "Exists", "FilterField",
        "FilterLabels", "FilterKeypoints", "GroupBy", "Limit", "LimitLabels", "MapLabels",
        "MapValues", "SetField", "Match", "MatchLabels", "MatchTags", "Select", "SelectBy",
        "SelectFields", "SelectLabels", "Shuffle", "Skip", "SortBy", "Take",
    )
)
# Expression variables whose value changes between two runs of the same view
_VOLATILE = ("$$NOW", "$$CLUSTER_TIME", "$rand", "$sampleRate", "$function", "$where")


def view_key(samples):
    """A hashable key naming ``samples`` (a dataset or view) for a cache of
    results computed from its sample documents, or ``None`` when such a
    result could change without any write to those documents.

    ``None`` for: views of generated datasets (patches, frames, clips), video
    and grouped media (frames and slices live elsewhere or depend on the
    in-memory active slice), and views with a stage outside
    :data:`_PURE_STAGES` or an expression reading the clock or a random
    number. Otherwise ``(dataset id, stages as JSON without their uuids)``.
    """
    import json

    import fiftyone.core.view as fov
    from bson import json_util

    root = getattr(samples, "_root_dataset", samples)
    if not isinstance(root, fo.Dataset) or samples.media_type != "image":
        return None
    if isinstance(samples, fov.DatasetView):
        if _internal(samples, "_dataset") is not root:
            return None
        stages = _internal(samples, "_serialize")(include_uuids=False)
    elif samples is root:
        stages = []
    else:  # a generated dataset (patches...) synced from its root
        return None
    if any(s.get("_cls") not in _PURE_STAGES for s in stages):
        return None
    text = json.dumps(json.loads(json_util.dumps(stages)), sort_keys=True)
    if any(v in text for v in _VOLATILE):
        return None
    return (dataset_id(root), text)


def group_rows(samples, group):
    """The documents of one ``$group`` stage run on ``samples`` (after its
    view stages), as a list.

    A bare ``$group`` on the collection runs in MongoDB's slot-based engine;
    FiftyOne's batched ``aggregate()`` wraps its aggregations in a
    ``$facet``, which does not. Measured on 950k documents with an 850-d
    vector each (2 cores): a count per (corruption, severity) 0.6-0.8 s
    against 4-5 s, a 20-bin histogram 0.9-1.2 s against 13-15 s with
    ``$bucket``.

    Args:
        samples: a FiftyOne dataset or view
        group: the ``$group`` stage's document (``{"_id": ..., name:
            accumulator, ...}``), with database field paths

    Returns:
        a list of dicts, one per group, in no particular order
    """
    return list(_internal(samples, "_aggregate")(pipeline=[{"$group": group}]))


def indexed_distinct(dataset, field):
    """The distinct values of ``field`` over every sample of ``dataset`` (its
    root dataset), read from the field's index (MongoDB's distinct scan:
    one step per distinct value, not per sample), or ``None`` when the field
    has no single-field index (then use ``dataset.distinct``).

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is read)
        field: a stored field path without ``id``-like renames (e.g.
            ``"corruption"``, ``"ground_truth.label"``)

    Returns:
        a list of values (``None`` left out; list fields unwound, as
        FiftyOne's ``distinct``), or ``None``
    """
    root = getattr(dataset, "_root_dataset", dataset)
    coll = sample_collection(root)
    if field in ("id", "_id") or not any(
        [k for k, _ in spec.get("key", [])] == [field] for spec in coll.index_information().values()
    ):
        return None
    return [v for v in coll.distinct(field) if v is not None]


def change_marker(dataset):
    """A cheap value that changes whenever a sample of ``dataset`` (a dataset
    or view: its root dataset) is written, from this process or any other
    client of the database. Equal markers mean: no write seen in between.

    It combines, read in a few index or metadata look-ups (milliseconds at
    any size, no scan of the samples):

    -   the server's identity (pid and start time): the counters below restart
        with the server;
    -   the number of write commands (insert, update, delete) the server ran
        on the sample collection (``$collStats`` latency stats), whoever sent
        them: ``set_values``, ``sample.save()``, ``delete_samples``, raw
        pymongo updates;
    -   the newest ``last_modified_at`` of the samples (FiftyOne's default
        index on it), which FiftyOne stamps on every write it makes,
        including the aggregation (``$merge``) writes of ``view.save()``,
        ``set_field``, ``merge_samples`` that the write counter does not see;
    -   the sample count (collection metadata) and the dataset document's
        ``last_modified_at`` (schema and class-list changes).

    Not seen: a write made with a raw aggregation pipeline (``$merge``/``$out``
    into the sample collection) outside FiftyOne that does not set
    ``last_modified_at``; a FiftyOne ``$merge`` write from a machine whose
    clock lags the newest stamp already there; on a replica set, writes
    counted on a node other than the one read (FiftyOne reads the primary).

    Returns:
        a tuple, compared with ``==``; ``None`` when the server refuses one of
        these reads (a user without the ``serverStatus`` / ``collStats``
        privileges): then nothing may be cached
    """
    from pymongo import DESCENDING
    from pymongo.errors import OperationFailure

    try:
        return _change_marker(dataset, DESCENDING)
    except OperationFailure:
        return None


def _change_marker(dataset, DESCENDING):

    root = getattr(dataset, "_root_dataset", dataset)
    coll = sample_collection(root)
    # one document per shard on a sharded cluster: their sum
    writes = sum(
        ((d.get("latencyStats") or {}).get("writes") or {}).get("ops") or 0
        for d in coll.aggregate([{"$collStats": {"latencyStats": {}}}])
    )
    newest = next(
        coll.find({}, {"_id": 0, "last_modified_at": 1})
        .sort("last_modified_at", DESCENDING).limit(1),
        {},
    ).get("last_modified_at")
    doc = dataset_doc_collection().find_one(
        {"_id": ObjectId(dataset_id(root))}, {"last_modified_at": 1}
    ) or {}
    server = coll.database.command(
        "serverStatus", repl=0, metrics=0, locks=0, network=0, opcounters=0,
        opcountersRepl=0, wiredTiger=0, tcmalloc=0, asserts=0, connections=0,
        extra_info=0, globalLock=0, mem=0, storageEngine=0, transactions=0,
    )
    # start time to the second: the uptime and the clock are read together
    started = round(server["localTime"].timestamp() - server["uptimeMillis"] / 1000.0)
    return (
        server.get("host"), server.get("pid"), started, writes, newest,
        coll.estimated_document_count(), doc.get("last_modified_at"),
    )


__all__ = [
    "dataset_id", "collection", "purge", "lock", "stamp_run_doc",
    "TESTED_FIFTYONE", "FIFTYONE_VERSION", "FAST", "check_fiftyone_version", "public_api",
    "sample_collection", "sample_collections", "dataset_doc_collection",
    "dataset_info_value", "unset_dataset_info_key", "reload_info", "saved_view_docs",
    "reload_saved_views", "mark_saved_view_loaded",
    "bulk_write", "object_id_factory", "new_object_ids", "SampleDocs", "insert_sample_docs",
    "read_vectors", "vector_values", "write_vectors", "VECTOR_ZLIB_LEVEL",
    "classification_values", "set_sample_fields", "write_fields",
    "view_key", "change_marker", "indexed_distinct", "group_rows",
]

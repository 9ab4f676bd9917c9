"""Storage of the fine-grained edit log in DataDiver's side collections.

:mod:`datadiver_fo.customize.edits` makes the edits (exclude, include, relabel,
mark missing label, undo); this module only stores and reads their log. Every
write is an atomic insert or a single-document update, so several processes
can log edits at once without losing any (the old log, one list in
``dataset.info`` rewritten whole by every writer, lost edits and was capped at
16 MB).

Collections (:func:`datadiver_fo.internal.store.collection`):

- ``datadiver.edits``: one document per edit::

    {"dataset_id": str,              # root dataset's id: a new dataset of the
                                     # same name, or a clone, starts empty
     "seq": int,                     # per-dataset commit order (1, 2, ...)
     "edit_id": "edit-0007-3f2a1c",  # public id (unique per dataset)
     "op": "exclude" | "include" | "relabel" | "mark_missing_label",
     "time": ISO-8601 UTC, "user": str,
     "num_samples": int,             # samples asked for
     "num_changed": int,             # samples whose value changed
     "num_chunks": int,              # documents in datadiver.edit_ids
     "params": {...},
     "complete": bool,               # False while (or if a crash stopped)
                                     # the samples being written
     "undone": bool, "undone_time": ISO-8601 | None, "undone_by": str | None,
     "migrated": True}               # only on entries moved from dataset.info

  indexes: ``(dataset_id, seq)`` unique, ``(dataset_id, edit_id)`` unique.

- ``datadiver.edit_ids``: the changed sample ids of an edit, in chunks of at
  most :data:`CHUNK` ids (~1.8 MB each, far below MongoDB's 16 MB document
  limit, whatever the edit's size)::

    {"dataset_id": str, "edit_id": str, "chunk": int, "ids": [sample id, ...]}

  index: ``(dataset_id, edit_id, chunk)`` unique. Listing edits never reads
  this collection.

- ``datadiver.counters``: ``{"_id": "edits:<dataset_id>", "dataset_id": str,
  "seq": int}``, incremented atomically to allocate ``seq``.

Logs of a deleted dataset stay in these collections under its old id (no new
dataset can ever see them); :func:`purge` removes them.
"""
import datetime
import logging
import uuid

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from datadiver_fo.internal import store
logger = logging.getLogger(__name__)

LEGACY_INFO_KEY = "datadiver_edits"  # where the log lived before (dataset.info)
OPS = ("exclude", "include", "relabel", "mark_missing_label")
CHUNK = 50_000  # sample ids per datadiver.edit_ids document

_EDITS = "edits"
_IDS = "edit_ids"
_COUNTERS = "counters"
_PUBLIC = ("id", "op", "time", "user", "num_samples", "num_changed", "params",
           "undone", "undone_time", "undone_by", "complete")


def now():
    """The current UTC time as an ISO-8601 string (seconds)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _edits():
    return store.collection(
        _EDITS,
        indexes=[
            ([("dataset_id", ASCENDING), ("seq", ASCENDING)], {"unique": True}),
            ([("dataset_id", ASCENDING), ("edit_id", ASCENDING)], {"unique": True}),
        ],
    )


def _ids():
    return store.collection(
        _IDS,
        indexes=[([("dataset_id", ASCENDING), ("edit_id", ASCENDING), ("chunk", ASCENDING)], {"unique": True})],
    )


def _counters():
    return store.collection(_COUNTERS)


def public(doc):
    """The public form of a log document (what :func:`list_edits` returns):
    a dict with ``id``, ``op``, ``time``, ``user``, ``num_samples``,
    ``num_changed``, ``params``, ``undone``, ``undone_time``, ``undone_by``
    and ``complete``."""
    out = {k: doc.get(k) for k in _PUBLIC if k != "id"}
    out["id"] = doc["edit_id"]
    out["params"] = dict(doc.get("params") or {})
    out["undone"] = bool(doc.get("undone"))
    out["complete"] = bool(doc.get("complete", True))
    return {k: out[k] for k in _PUBLIC}


def next_seq(dataset):
    """Allocates the next sequence number of ``dataset``'s log (an int >= 1),
    atomically: two processes never get the same number."""
    dsid = store.dataset_id(dataset)
    for _ in range(5):
        try:
            doc = _counters().find_one_and_update(
                {"_id": f"edits:{dsid}"},
                {"$inc": {"seq": 1}, "$setOnInsert": {"dataset_id": dsid}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return int(doc["seq"])
        except DuplicateKeyError:  # two first upserts raced; the counter exists now
            continue
    raise RuntimeError("Could not allocate an edit sequence number")


def append(dataset, op, changed_ids, num_samples, params=None, user="unknown", time=None,
           edit_id=None, complete=True, undone=False, undone_time=None, undone_by=None,
           migrated=False):
    """Adds one edit to ``dataset``'s log (atomic inserts only).

    The changed ids are written first, then the edit document, so a reader
    never sees an edit without its ids.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset's log)
        op: one of :data:`OPS`
        changed_ids: the ids (strings) of the samples whose value changed;
            any number (they are chunked)
        num_samples: how many samples the edit asked for (an int)
        params (None): a JSON-like dict stored as is
        user ("unknown"): who made the edit
        time (None): an ISO-8601 time (default: now)
        edit_id (None): the public id (default: ``edit-<seq>-<random>``)
        complete (True): False while the samples are still being written
            (:func:`mark_complete` sets it)
        undone, undone_time, undone_by, migrated: for migrated entries

    Returns:
        the public entry (see :func:`public`)

    Raises:
        ValueError: unknown ``op``, or ``edit_id`` already in the log
    """
    if op not in OPS:
        raise ValueError(f"Unknown edit op {op!r}; expected one of {OPS}")
    dsid = store.dataset_id(dataset)
    seq = next_seq(dataset)
    edit_id = edit_id or f"edit-{seq:04d}-{uuid.uuid4().hex[:6]}"
    changed_ids = [str(i) for i in changed_ids]
    chunks = [
        {"dataset_id": dsid, "edit_id": edit_id, "chunk": n, "ids": changed_ids[s : s + CHUNK]}
        for n, s in enumerate(range(0, len(changed_ids), CHUNK))
    ]
    if _edits().find_one({"dataset_id": dsid, "edit_id": edit_id}, {"_id": 1}):
        raise ValueError(f"Edit id {edit_id!r} is already in the log of this dataset")
    # Chunks of an earlier attempt with this id that died before its edit
    # document was written (only possible for migrated ids, which are fixed).
    _ids().delete_many({"dataset_id": dsid, "edit_id": edit_id})
    if chunks:
        _ids().insert_many(chunks, ordered=True)
    doc = {
        "dataset_id": dsid,
        "seq": seq,
        "edit_id": edit_id,
        "op": op,
        "time": time or now(),
        "user": str(user),
        "num_samples": int(num_samples),
        "num_changed": len(changed_ids),
        "num_chunks": len(chunks),
        "params": dict(params or {}),
        "complete": bool(complete),
        "undone": bool(undone),
        "undone_time": undone_time,
        "undone_by": undone_by,
    }
    if migrated:
        doc["migrated"] = True
    try:
        _edits().insert_one(doc)
    except DuplicateKeyError:  # same id inserted meanwhile: its chunks are theirs, keep them
        raise ValueError(f"Edit id {edit_id!r} is already in the log of this dataset") from None
    return public(doc)


def mark_complete(dataset, edit_id):
    """Records that all samples of edit ``edit_id`` were written."""
    _edits().update_one({"dataset_id": store.dataset_id(dataset), "edit_id": edit_id}, {"$set": {"complete": True}})


def entries(dataset, include_undone=True):
    """The log of ``dataset`` in commit order (oldest first): a list of
    public entries (see :func:`public`). Reads no sample ids, so it costs the
    same for an edit of 10 or 950k samples."""
    query = {"dataset_id": store.dataset_id(dataset)}
    if not include_undone:
        query["undone"] = False
    return [public(d) for d in _edits().find(query).sort("seq", ASCENDING)]


def find(dataset, edit_id):
    """The log document (a dict with ``seq``, ``edit_id``, ``op``...) of edit
    ``edit_id`` of ``dataset``, or None if there is none."""
    return _edits().find_one({"dataset_id": store.dataset_id(dataset), "edit_id": edit_id})


def last_active(dataset):
    """The log document of the most recent edit not undone yet, or None."""
    return _edits().find_one({"dataset_id": store.dataset_id(dataset), "undone": False}, sort=[("seq", -1)])


def recent_ids(dataset, n=10):
    """The ids of the ``n`` most recent edits, oldest first (for messages)."""
    docs = _edits().find({"dataset_id": store.dataset_id(dataset)}, {"edit_id": 1}).sort("seq", -1).limit(n)
    return [d["edit_id"] for d in docs][::-1]


def later_active(dataset, seq, ops):
    """Log documents of edits committed after ``seq``, not undone, whose op is
    in ``ops``, oldest first (an iterator)."""
    return _edits().find(
        {"dataset_id": store.dataset_id(dataset), "seq": {"$gt": seq}, "undone": False, "op": {"$in": list(ops)}}
    ).sort("seq", ASCENDING)


def iter_changed_ids(dataset, edit_id):
    """Yields the changed sample ids (strings) of edit ``edit_id``, one chunk
    (a list of at most :data:`CHUNK` ids) at a time, in logged order."""
    cursor = _ids().find(
        {"dataset_id": store.dataset_id(dataset), "edit_id": edit_id}, {"ids": 1, "_id": 0}
    ).sort("chunk", ASCENDING)
    for doc in cursor:
        yield doc["ids"]


def changed_ids(dataset, edit_id):
    """All changed sample ids (a list of strings) of edit ``edit_id``."""
    out = []
    for chunk in iter_changed_ids(dataset, edit_id):
        out.extend(chunk)
    return out


def mark_undone(dataset, edit_id, user):
    """Marks edit ``edit_id`` undone if it is not yet, atomically.

    Returns:
        the public entry after the change, or None if the edit was already
        undone (or is unknown): of two processes undoing the same edit, one
        gets the entry and the other None
    """
    doc = _edits().find_one_and_update(
        {"dataset_id": store.dataset_id(dataset), "edit_id": edit_id, "undone": False},
        {"$set": {"undone": True, "undone_time": now(), "undone_by": str(user)}},
        return_document=ReturnDocument.AFTER,
    )
    return public(doc) if doc else None


def _legacy_log(dataset):
    """The old log stored in the dataset document (read straight from the
    database, not from a possibly stale ``dataset.info``), or None."""
    found, old = store.dataset_info_value(dataset, LEGACY_INFO_KEY)
    return old if found else None


def migrate(dataset):
    """Moves an old log (``dataset.info["datadiver_edits"]``) into the
    collections, oldest first, then removes the info key.

    Idempotent and safe when several processes run it at once: it holds the
    ``edit-log-migration`` lock, and entries whose id is already in the
    collection are skipped, so a run killed half-way finishes the next time.
    Entries that are not edits (``null``, no id, unknown op: damage left by the
    old read-modify-write log) are skipped and counted.

    Args:
        dataset: a FiftyOne dataset or view

    Returns:
        None if there was nothing to migrate, else ``{"migrated": int,
        "skipped": int}``
    """
    if _legacy_log(dataset) is None:
        return None
    ds = getattr(dataset, "_root_dataset", dataset)
    migrated = skipped = 0
    with store.lock(ds, "edit-log-migration", timeout=120.0):
        old = _legacy_log(dataset)
        if old is None:  # another process finished it while we waited
            return None
        for entry in old if isinstance(old, list) else []:
            if not (isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry.get("op") in OPS):
                skipped += 1
                continue
            if find(ds, entry["id"]) is not None:
                continue
            ids = [i for i in (entry.get("changed_ids") or []) if isinstance(i, str)]
            num = entry.get("num_samples")
            append(
                ds,
                entry["op"],
                ids,
                num_samples=num if isinstance(num, int) else len(ids),
                params=entry.get("params") if isinstance(entry.get("params"), dict) else {},
                user=entry.get("user") or "unknown",
                time=entry.get("time"),
                edit_id=entry["id"],
                undone=bool(entry.get("undone")),
                undone_time=entry.get("undone_time"),
                undone_by=entry.get("undone_by"),
                migrated=True,
            )
            migrated += 1
        # $unset touches only this key: other info keys written meanwhile stay.
        store.unset_dataset_info_key(ds, LEGACY_INFO_KEY)
    ds.reload()  # drop the key from the in-memory info too
    if skipped:
        logger.warning("Edit log of dataset %r: skipped %d damaged entries while migrating", ds.name, skipped)
    return {"migrated": migrated, "skipped": skipped}


def purge(dataset_id_str):
    """Deletes the whole log of a dataset id (after the dataset was deleted).
    Returns the number of documents removed."""
    n = _ids().delete_many({"dataset_id": dataset_id_str}).deleted_count
    n += _edits().delete_many({"dataset_id": dataset_id_str}).deleted_count
    n += _counters().delete_many({"dataset_id": dataset_id_str}).deleted_count
    return n


__all__ = [
    "LEGACY_INFO_KEY", "OPS", "CHUNK", "append", "mark_complete", "entries", "find", "last_active",
    "recent_ids", "later_active", "iter_changed_ids", "changed_ids", "mark_undone", "migrate", "purge",
    "public", "next_seq", "now",
]

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
"""
import contextlib
import datetime
import os
import socket
import time
import uuid

import fiftyone as fo
import fiftyone.core.odm as foo
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

_PREFIX = "datadiver."
_LOCKS = _PREFIX + "locks"
_indexed = set()


def dataset_id(dataset):
    """The id (a string) of the root dataset of ``dataset`` (a dataset or view)."""
    ds = getattr(dataset, "_root_dataset", dataset)
    if not isinstance(ds, fo.Dataset):
        raise ValueError(f"Expected a FiftyOne dataset or view, got {type(dataset).__name__}")
    return str(ds._doc.id)


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
    coll = foo.get_db_conn()[_PREFIX + kind]
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
    db = foo.get_db_conn()
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
    coll = foo.get_db_conn()[_LOCKS]
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


__all__ = ["dataset_id", "collection", "purge", "lock"]

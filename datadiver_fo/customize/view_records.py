"""Provenance records of saved views: where they are stored and how.

A record is a small JSON dict kept next to one saved view: the prompt, spec
and engine of a prompt view (:mod:`datadiver_fo.customize.prompts`), the spec
of a selection (:mod:`datadiver_fo.customize.selection`), the generator of a
view DataDiver saved by itself
(:func:`datadiver_fo.customize.saved_views.save_generated_view`), what an
import carried (:mod:`datadiver_fo.customize.saved_views`).

Records live in the side collection ``datadiver.view_records`` (see
:mod:`datadiver_fo.internal.store`), one document per (dataset id, view name),
each written by one atomic upsert: concurrent writers of different views
never overwrite each other. Records kept by older versions in
``dataset.info["datadiver_views"]`` (:data:`INFO_KEY`) are moved there on
first access.

This module imports no other customize module, so both ``prompts`` and
``saved_views`` can import it.
"""
import datetime
import json
import logging

from datadiver_fo.internal import store

logger = logging.getLogger(__name__)

INFO_KEY = "datadiver_views"  # where older versions kept records in dataset.info
RECORDS_KIND = "view_records"  # side collection datadiver.view_records
MAX_RECORD_BYTES = 64 * 1024  # JSON of one provenance record


def _records():
    return store.collection(
        RECORDS_KIND, indexes=[([("dataset_id", 1), ("name", 1)], {"unique": True})]
    )


def record_json(name, record):
    """The JSON text stored for one provenance record.

    Args:
        name: the saved view's name (for messages)
        record: a dict of JSON values

    Returns:
        the compact JSON string (at most :data:`MAX_RECORD_BYTES` bytes)

    Raises:
        ValueError: if ``record`` is not a dict, is not JSON-serialisable or
            is larger than :data:`MAX_RECORD_BYTES`
    """
    if not isinstance(record, dict):
        raise ValueError(f"The provenance record of view {name!r} must be a dict, got {type(record).__name__}")
    try:
        text = json.dumps(record, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as e:
        raise ValueError(f"The provenance record of view {name!r} is not JSON-serialisable: {e}") from None
    size = len(text.encode("utf-8"))
    if size > MAX_RECORD_BYTES:
        raise ValueError(
            f"The provenance record of view {name!r} is {size} bytes, more than the "
            f"{MAX_RECORD_BYTES} allowed; drop large entries (long warnings, sample id lists)"
        )
    return text


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _migrate_info_records(ds):
    """Moves ``dataset.info["datadiver_views"]`` (older versions) into the
    side collection once, then removes the info key."""
    # Read from the database, not ds.info: another process may have migrated.
    if not store.dataset_info_value(ds, INFO_KEY)[0]:
        return
    did = store.dataset_id(ds)
    coll = _records()
    with store.lock(ds, "view-records"):
        found, old = store.dataset_info_value(ds, INFO_KEY)
        if found:
            # A marker makes the move happen once: an info key written back
            # later by a stale in-memory dataset must not resurrect records
            # deleted since.
            done = coll.count_documents({"dataset_id": did, "name": None, "migrated_info": True}, limit=1)
            if not done and isinstance(old, dict):
                for name, rec in old.items():
                    try:
                        text = record_json(name, rec)
                    except ValueError as e:
                        logger.warning("Dropping the old provenance record of view %r: %s", name, e)
                        continue
                    # $setOnInsert: a record already written here is newer
                    coll.update_one(
                        {"dataset_id": did, "name": name},
                        {"$setOnInsert": {"record": text, "updated_at": _now()}},
                        upsert=True,
                    )
            coll.update_one(
                {"dataset_id": did, "name": None},
                {"$set": {"migrated_info": True, "updated_at": _now()}},
                upsert=True,
            )
            # $unset of our key alone: the rest of info is left untouched
            store.unset_dataset_info_key(ds, INFO_KEY)
    store.reload_info(ds)


def get_view_records(dataset):
    """Returns the provenance records of a dataset's saved views.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is read)

    Returns:
        a dict ``{view name: record dict}``; records are written by
        ``datadiver_fo.customize.prompts.save_prompt_view``,
        ``datadiver_fo.customize.selection.save_selection``,
        ``datadiver_fo.customize.saved_views.save_view`` /
        ``save_generated_view`` and ``import_saved_views``. A record whose
        view was deleted stays until :func:`set_view_record` removes it
        (``check_saved_views`` lists them as orphans)
    """
    ds = dataset._root_dataset
    _migrate_info_records(ds)
    out = {}
    for doc in _records().find({"dataset_id": store.dataset_id(ds), "name": {"$type": "string"}}):
        try:
            rec = json.loads(doc.get("record") or "null")
        except (ValueError, RecursionError):
            rec = None
        if isinstance(rec, dict):
            out[doc["name"]] = rec
        else:
            logger.warning("Ignoring the unreadable provenance record of view %r", doc["name"])
    return out


def set_view_record(dataset, name, record):
    """Stores or removes the provenance record of one saved view.

    One atomic upsert of one document: writers of other views are never
    overwritten.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is written)
        name: the saved view's name
        record: a dict of JSON values (at most :data:`MAX_RECORD_BYTES`
            bytes of JSON) to store, or None to remove the record

    Raises:
        ValueError: if ``name`` is not a non-empty string, or ``record`` is
            not a JSON dict or is too large (see :func:`record_json`)
    """
    from pymongo.errors import DuplicateKeyError

    if not isinstance(name, str) or not name:
        raise ValueError(f"A view name must be a non-empty string, got {name!r}")
    ds = dataset._root_dataset
    _migrate_info_records(ds)
    key = {"dataset_id": store.dataset_id(ds), "name": name}
    if record is None:
        _records().delete_one(key)
        return
    update = {"$set": {"record": record_json(name, record), "updated_at": _now()}}
    try:
        _records().update_one(key, update, upsert=True)
    except DuplicateKeyError:  # two first upserts raced; the document now exists
        _records().update_one(key, update, upsert=True)


__all__ = ["INFO_KEY", "RECORDS_KIND", "MAX_RECORD_BYTES", "record_json", "get_view_records", "set_view_record"]

"""Fine customisation: per-sample edits with a log and undo.

Fine granularity: :func:`exclude_samples`, :func:`include_samples`,
:func:`relabel_samples` and :func:`mark_missing_label` change single samples.
Every change is persisted in sample fields (``excluded``, ``label_history``,
the ``missing_label`` tag), so saved views that honour exclusions keep
excluding after a reload, and every change is an entry of the edit log that
:func:`undo_edit` reverts.

The log lives in DataDiver's side collections (:mod:`datadiver_fo.customize.edit_log`:
one document per edit, the changed sample ids in chunks), not in
``dataset.info``: several processes can edit the same dataset at once and no
edit is lost, whatever its size (950k samples included). An old log found in
``dataset.info["datadiver_edits"]`` is moved there on first use.
:func:`list_edits` returns entries as dicts::

    {"id": "edit-0003-3f2a1c", "op": "exclude" | "include" | "relabel"
     | "mark_missing_label", "time": ISO-8601 UTC, "user": str,
     "num_samples": int,             # samples asked for
     "num_changed": int,             # samples whose value actually changed
     "params": {...}, "undone": bool, "undone_time": ISO-8601 | None,
     "undone_by": str | None, "complete": bool}

Only the ids of samples that changed are logged (the previous label itself
lives in the sample's ``label_history``). The log belongs to the dataset's id:
a clone starts with an empty log (its samples keep their ``label_history``,
but their edits can only be undone on the original), and a new dataset that
reuses a deleted one's name does not see the old log.
"""
import collections
import contextlib
import datetime
import difflib

import fiftyone as fo
import fiftyone.core.sample as fos
from bson import ObjectId
from pymongo import UpdateMany, UpdateOne

from datadiver_fo.customize import edit_log
from datadiver_fo.internal import schema
from datadiver_fo.internal import store
from datadiver_fo.internal.provenance import now_iso, user_name
from datadiver_fo.internal.sidebar import refresh_sidebar_group
EDITS_KEY = edit_log.LEGACY_INFO_KEY  # old home of the edit log in dataset.info (migrated on first use)

_EXCLUSION_OPS = ("exclude", "include")


# -----------------------------------------------------------------------------
# fine granularity: edits with a log and undo
# -----------------------------------------------------------------------------
#
# Every edit and undo runs under one per-dataset lock (``edit-log``): the
# samples' current values are read, the log entry is inserted (its ``seq`` is
# the commit order), then the samples are written. Two processes editing the
# same samples therefore apply and log their edits in the same order, and
# undo's "a later edit touched the same samples" is well defined. The log
# itself lives in side collections (:mod:`datadiver_fo.customize.edit_log`). Sample
# writes go to MongoDB in batches of ``_BATCH`` ids, so an edit of 950k samples
# never builds a query over MongoDB's 16 MB limit.

_BATCH = 50_000  # sample ids per MongoDB query / update
_LOCK_WAIT = 120.0  # seconds an edit waits for another process's edit


def _stamp():
    # FiftyOne's own writers stamp ``last_modified_at`` with naive UTC.
    return datetime.datetime.utcnow()


def _batches(items, size=None):
    size = size or _BATCH
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _oids(ids):
    return [ObjectId(i) for i in ids]


def _sample_ids(dataset, samples):
    """Resolves ``samples`` (ids, a view, a sample, a list of samples) to a
    list of distinct sample ids (strings) of ``dataset``, in the given order.

    Raises:
        ValueError: nothing given, a view of another dataset, or ids that are
            not samples of ``dataset`` (the message lists a few)
    """
    if samples is None:
        raise ValueError("No samples given: pass sample ids or a view")
    if isinstance(samples, (fo.Dataset, fo.DatasetView)):
        if samples._dataset is not dataset and samples._dataset.name != dataset.name:
            raise ValueError("The view belongs to another dataset")
        return samples.values("id")
    if isinstance(samples, (fos.Sample, fos.SampleView)):
        samples = [samples]
    if isinstance(samples, str):
        samples = [samples]
    ids = list(dict.fromkeys(s if isinstance(s, str) else s.id for s in samples))
    if not ids:
        raise ValueError("No samples given: the selection is empty")
    bad = [i for i in ids if not ObjectId.is_valid(i)]
    found = set()
    coll = store.sample_collection(dataset)
    for batch in _batches([i for i in ids if ObjectId.is_valid(i)]):
        found.update(str(d["_id"]) for d in coll.find({"_id": {"$in": _oids(batch)}}, {"_id": 1}))
    missing = bad + [i for i in ids if ObjectId.is_valid(i) and i not in found]
    if missing:
        raise ValueError(f"{len(missing)} sample id(s) are not in dataset '{dataset.name}': {missing[:5]}")
    return ids


def _root(dataset):
    if isinstance(dataset, fo.DatasetView):
        return dataset._dataset
    if not isinstance(dataset, fo.Dataset):
        raise ValueError(f"Expected a FiftyOne dataset, got {type(dataset).__name__}")
    return dataset


@contextlib.contextmanager
def _editing(dataset, num_ids):
    """Holds the dataset's edit lock for an edit or undo of ``num_ids``
    samples, with a freshly reloaded dataset (fields another process added)."""
    edit_log.migrate(dataset)
    # The lease must outlive the edit (a relabel writes ~18k samples/s on 2 cores);
    # it only matters if the holder dies, which then blocks others this long.
    lease = 120.0 + num_ids / 1000.0
    with store.lock(dataset, "edit-log", timeout=_LOCK_WAIT, lease=lease):
        dataset.reload()
        yield


def _read(dataset, ids, fields):
    """Yields the raw MongoDB documents (``_id`` + ``fields``) of sample ids
    ``ids`` (strings), batch by batch."""
    proj = {f: 1 for f in fields}
    coll = store.sample_collection(dataset)
    for batch in _batches(ids):
        yield from coll.find({"_id": {"$in": _oids(batch)}}, proj)


def _write(dataset, ops, ids):
    """Runs pymongo write ``ops`` on the sample collection, in order, and
    refreshes in-memory samples ``ids`` (ObjectIds)."""
    store.bulk_write(dataset, ops, ids=ids, ordered=True)


def _update_ids(dataset, ids, update, query=None):
    """Applies one MongoDB ``update`` to those of samples ``ids`` (strings)
    that match ``query`` (None: all), in batches; also stamps FiftyOne's
    ``last_modified_at``."""
    update = _with_set(update, {"last_modified_at": _stamp()})
    for batch in _batches(ids):
        oids = _oids(batch)
        _write(dataset, [UpdateMany(dict(query or {}, _id={"$in": oids}), update)], oids)


def _logged(dataset, op, ids, changed, params, user, apply):
    """Logs edit ``op`` (changed ids ``changed``), then calls ``apply(edit_id)``
    to write the samples, then marks the entry complete; returns the entry."""
    entry = edit_log.append(dataset, op, changed, num_samples=len(ids), params=params, user=user_name(user), complete=False)
    if changed:
        apply(entry["id"])
    edit_log.mark_complete(dataset, entry["id"])
    entry["complete"] = True
    return entry


def _ensure_field(dataset, field, ftype, **kwargs):
    if not dataset.has_sample_field(field):
        dataset.add_sample_field(field, ftype, **kwargs)
        refresh_sidebar_group(dataset)  # the new field joins the "datadiver" sidebar group


def list_edits(dataset, include_undone=True):
    """Lists the fine-grained edits made on ``dataset``, in commit order
    (oldest first). An old log kept in ``dataset.info["datadiver_edits"]`` is
    moved to the log collections first. Reads no sample ids: an edit of 950k
    samples lists as fast as one of 10.

    Args:
        dataset: a FiftyOne dataset or view (its dataset's log)
        include_undone (True): include edits that were undone

    Returns:
        a list of dicts with ``id``, ``op``, ``time``, ``user``,
        ``num_samples``, ``num_changed``, ``params``, ``undone``,
        ``undone_time``, ``undone_by`` and ``complete`` (False only if the
        process making the edit is still writing its samples, or died
        doing so; such an edit can still be undone)
    """
    dataset = _root(dataset)
    edit_log.migrate(dataset)
    return edit_log.entries(dataset, include_undone=include_undone)


def _set_excluded(dataset, samples, value, op, reason, user):
    dataset = _root(dataset)
    ids = _sample_ids(dataset, samples)
    with _editing(dataset, len(ids)):
        _ensure_field(dataset, schema.EXCLUDED, fo.BooleanField)
        flip = {str(d["_id"]) for d in _read(dataset, ids, [schema.EXCLUDED]) if bool(d.get(schema.EXCLUDED)) != value}
        changed = [i for i in ids if i in flip]
        return _logged(
            dataset, op, ids, changed, {"reason": reason} if reason else {}, user,
            lambda _: _update_ids(dataset, changed, {"$set": {schema.EXCLUDED: value}}),
        )


def exclude_samples(dataset, samples, reason=None, user=None):
    """Excludes samples from the customised subset (sets ``excluded=True``).

    Selections with ``honor_exclusions`` (the default of :func:`select` and of
    prompt views) drop them, including saved views after a reload: the saved
    stage matches on the field, not on a list of ids.

    Args:
        dataset: a FiftyOne dataset
        samples: sample ids, a sample, or a view of ``dataset``
        reason (None): an optional note stored in the edit log
        user (None): who made the edit (default: the login name)

    Returns:
        the edit log entry (a dict with ``id`` for :func:`undo_edit`; keys as
        in :func:`list_edits`)

    Raises:
        ValueError: no samples, or ids that are not samples of ``dataset``
        TimeoutError: another process held the dataset's edit lock for
            ``_LOCK_WAIT`` seconds (the message names it)
    """
    return _set_excluded(dataset, samples, True, "exclude", reason, user)


def include_samples(dataset, samples, reason=None, user=None):
    """Reverses exclusion for samples (sets ``excluded=False``); an edit of
    its own, undoable like the others. Args, return and errors as
    :func:`exclude_samples`."""
    return _set_excluded(dataset, samples, False, "include", reason, user)


def _class_vocabulary(dataset):
    """name -> wnid for every class the dataset knows."""
    wnid_to_name = dict(dataset.info.get("wnid_to_name") or {})
    name_to_wnid = {v: k for k, v in wnid_to_name.items()}
    for c in dataset.default_classes or []:
        name_to_wnid.setdefault(c, None)
    return name_to_wnid, wnid_to_name


def _hypernyms_for(wnid):
    if not wnid:
        return None
    try:
        from datadiver_fo.io import wordnet
        return list(wordnet.hypernym_names(wnid))
    except Exception:  # unknown wnid or wordnet not available: leave as is
        return None


def _label_of(doc):
    gt = doc.get(schema.GROUND_TRUTH)
    return (gt.get("label") if isinstance(gt, dict) else None), isinstance(gt, dict)


def _history_ready(oids):
    # $push needs an array: samples whose history is missing or null get [].
    return UpdateMany({"_id": {"$in": oids}, schema.LABEL_HISTORY: None}, {"$set": {schema.LABEL_HISTORY: []}})


def relabel_samples(dataset, samples, label, user=None, allow_new=False):
    """Sets the ground-truth class of samples, keeping the previous label.

    Each changed sample gets an entry appended to ``label_history``
    (``{"label", "wnid", "hypernyms", "missing_label", "time", "user",
    "edit_id"}``: its state before the edit); ``ground_truth.label``, ``wnid``
    and ``hypernyms`` are set to the new class, and a ``missing_label`` tag is
    removed (the sample now has a label). The history entry is added with an
    atomic ``$push``, so no history entry is lost even if something else
    edits the samples at the same time.

    Args:
        dataset: a FiftyOne dataset
        samples: sample ids, a sample, or a view of ``dataset``
        label: the new class: a class name of the dataset or its wnid
        user (None): who made the edit
        allow_new (False): accept a name that is not one of the dataset's
            classes (``wnid``/``hypernyms`` are then left empty)

    Returns:
        the edit log entry (keys as in :func:`list_edits`)

    Raises:
        ValueError: ``label`` is not a class of the dataset (the message lists
            the closest class names), or bad ``samples``
        TimeoutError: another process held the dataset's edit lock too long
    """
    dataset = _root(dataset)
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"'label' must be a non-empty class name, got {label!r}")
    name_to_wnid, wnid_to_name = _class_vocabulary(dataset)
    if label in wnid_to_name:
        label = wnid_to_name[label]
    if label not in name_to_wnid and not allow_new:
        close = difflib.get_close_matches(label, list(name_to_wnid), n=5, cutoff=0.5)
        raise ValueError(
            f"Unknown class '{label}' for dataset '{dataset.name}'"
            + (f"; closest classes: {close}" if close else "")
            + " (pass allow_new=True to add a new class name)"
        )
    wnid = name_to_wnid.get(label)
    hyper = _hypernyms_for(wnid)
    ids = _sample_ids(dataset, samples)
    with _editing(dataset, len(ids)):
        _ensure_field(dataset, schema.LABEL_HISTORY, fo.ListField, subfield=fo.DictField)
        _ensure_field(dataset, schema.GROUND_TRUTH, fo.EmbeddedDocumentField, embedded_doc_type=fo.Classification)
        has_wnid = dataset.has_sample_field(schema.WNID)
        has_hyp = dataset.has_sample_field(schema.HYPERNYMS)
        # Samples with the same previous state share one history entry and
        # one UpdateMany; a sample without ground_truth gets its own label.
        groups = collections.defaultdict(list)
        for d in _read(dataset, ids, [schema.GROUND_TRUTH, "tags", schema.WNID, schema.HYPERNYMS]):
            old, has_gt = _label_of(d)
            old_missing = schema.TAG_MISSING_LABEL in (d.get("tags") or [])
            if old == label and not old_missing:
                continue
            key = (old, d.get(schema.WNID) if has_wnid else None,
                   tuple(d.get(schema.HYPERNYMS) or []) if has_hyp else None, old_missing, has_gt)
            groups[key].append(str(d["_id"]))
        members = {i for g in groups.values() for i in g}
        changed = [i for i in ids if i in members]

        def apply(edit_id):
            when = now_iso()
            who = user_name(user)
            stamp = _stamp()
            for (old, old_wnid, old_hyp, old_missing, has_gt), group in groups.items():
                entry = {
                    "label": old,
                    "wnid": old_wnid,
                    "hypernyms": list(old_hyp) if old_hyp is not None else None,
                    "missing_label": old_missing,
                    "time": when,
                    "user": who,
                    "edit_id": edit_id,
                }
                sets = {"last_modified_at": stamp}
                if has_wnid:
                    sets[schema.WNID] = wnid
                if has_hyp and (hyper is not None or wnid is None):
                    sets[schema.HYPERNYMS] = hyper or []
                update = {"$push": {schema.LABEL_HISTORY: entry}, "$set": sets}
                if old_missing:
                    update["$pull"] = {"tags": schema.TAG_MISSING_LABEL}
                for batch in _batches(group):
                    oids = _oids(batch)
                    ops = [_history_ready(oids)]
                    if has_gt:
                        ops.append(UpdateMany({"_id": {"$in": oids}}, _with_set(update, {f"{schema.GROUND_TRUTH}.label": label})))
                    else:
                        ops += [
                            UpdateOne({"_id": o}, _with_set(update, {schema.GROUND_TRUTH: fo.Classification(label=label).to_mongo()}))
                            for o in oids
                        ]
                    _write(dataset, ops, oids)

        return _logged(dataset, "relabel", ids, changed, {"label": label, "wnid": wnid}, user, apply)


def _with_set(update, extra):
    out = dict(update)
    out["$set"] = dict(update.get("$set") or {}, **extra)
    return out


def mark_missing_label(dataset, samples, reason=None, user=None):
    """Marks samples as having no valid label (adds the ``missing_label``
    tag). ``ground_truth`` is kept, so the mark can be undone without loss;
    selections with ``missing_labels="exclude"`` drop them.

    Args:
        dataset: a FiftyOne dataset
        samples: sample ids, a sample, or a view of ``dataset``
        reason (None): an optional note stored in the edit log
        user (None): who made the edit

    Returns:
        the edit log entry (keys as in :func:`list_edits`)

    Raises:
        ValueError: bad ``samples``
        TimeoutError: another process held the dataset's edit lock too long
    """
    dataset = _root(dataset)
    ids = _sample_ids(dataset, samples)
    with _editing(dataset, len(ids)):
        tagged = {str(d["_id"]) for d in _read(dataset, ids, ["tags"]) if schema.TAG_MISSING_LABEL in (d.get("tags") or [])}
        changed = [i for i in ids if i not in tagged]

        def apply(_):
            for batch in _batches(changed):
                oids = _oids(batch)
                ops = [
                    UpdateMany({"_id": {"$in": oids}, "tags": None}, {"$set": {"tags": []}}),
                    UpdateMany(
                        {"_id": {"$in": oids}},
                        {"$addToSet": {"tags": schema.TAG_MISSING_LABEL},
                         "$set": {"last_modified_at": _stamp()}},
                    ),
                ]
                _write(dataset, ops, oids)

        return _logged(
            dataset, "mark_missing_label", ids, changed, {"reason": reason} if reason else {}, user, apply
        )


_OP_GROUPS = {
    "exclude": "excluded",
    "include": "excluded",
    "relabel": "label",
    "mark_missing_label": "missing",
}


def _conflicts(op, later_op):
    """Whether a later edit ``later_op`` that touched the same samples as an
    edit ``op`` must be undone before it (both change the same value, or one
    the label and the other the missing-label mark)."""
    mine, theirs = _OP_GROUPS[op], _OP_GROUPS[later_op]
    return mine == theirs or {mine, theirs} == {"label", "missing"}


def _check_no_later_conflict(dataset, entry):
    """Raises ValueError if a later active edit changed some of ``entry``'s
    samples in a related way. Streams the later edits' ids chunk by chunk."""
    related = [op for op in _OP_GROUPS if _conflicts(entry["op"], op)]
    mine = None
    for later in edit_log.later_active(dataset, entry["seq"], related):
        if mine is None:
            mine = set(edit_log.changed_ids(dataset, entry["edit_id"]))
            if not mine:
                return
        for chunk in edit_log.iter_changed_ids(dataset, later["edit_id"]):
            if not mine.isdisjoint(chunk):
                raise ValueError(
                    f"Edit '{entry['edit_id']}' cannot be undone before the later edit '{later['edit_id']}' "
                    f"({later['op']}) that changed the same samples; undo that one first"
                )


def _resolve_undo(dataset, edit_id):
    """The log document to undo, or a ValueError that says why none."""
    if edit_id is None:
        entry = edit_log.last_active(dataset)
        if entry is None:
            raise ValueError(f"Nothing to undo on dataset '{dataset.name}'")
        return entry
    entry = edit_log.find(dataset, edit_id)
    if entry is None:
        raise ValueError(f"Unknown edit id '{edit_id}'; known: {edit_log.recent_ids(dataset)}")
    if entry.get("undone"):
        raise ValueError(f"Edit '{edit_id}' is already undone")
    return entry


def undo_edit(dataset, edit_id=None, user=None):
    """Reverts one fine-grained edit, exactly that one.

    Reverting is idempotent (setting a flag back, removing a tag, restoring
    the history entry of that edit), and the entry is marked undone only
    afterwards with an atomic check-and-set: of two processes undoing the
    same edit, one succeeds and the other gets "already undone"; a process
    that dies half-way leaves the edit active, and undoing it again finishes.

    Args:
        dataset: a FiftyOne dataset
        edit_id (None): the id of the edit to revert (see :func:`list_edits`);
            by default the most recent edit that is not undone yet
        user (None): who undid it (stored in the log)

    Returns:
        the updated edit log entry (``undone`` is True; keys as in
        :func:`list_edits`)

    Raises:
        ValueError: nothing to undo, an unknown or already undone ``edit_id``,
            or a later edit changed the same samples in the same way (undo
            that one first, so no later change is silently lost)
        TimeoutError: another process held the dataset's edit lock too long
    """
    dataset = _root(dataset)
    edit_log.migrate(dataset)
    # Sized from a first read (the lease), decided on the read under the lock.
    first = _resolve_undo(dataset, edit_id)
    with _editing(dataset, first.get("num_changed") or 0):
        entry = _resolve_undo(dataset, edit_id)
        _check_no_later_conflict(dataset, entry)
        op = entry["op"]
        for chunk in edit_log.iter_changed_ids(dataset, entry["edit_id"]):
            if op in _EXCLUSION_OPS:
                _update_ids(dataset, chunk, {"$set": {schema.EXCLUDED: op != "exclude"}})
            elif op == "mark_missing_label":
                _update_ids(dataset, chunk, {"$pull": {"tags": schema.TAG_MISSING_LABEL}}, {"tags": schema.TAG_MISSING_LABEL})
            elif op == "relabel":
                _undo_relabel(dataset, entry["edit_id"], chunk)
        done = edit_log.mark_undone(dataset, entry["edit_id"], user_name(user))
        if done is None:
            raise ValueError(f"Edit '{entry['edit_id']}' is already undone")
        return done


def _undo_relabel(dataset, edit_id, ids):
    """Restores, on samples ``ids``, the state saved in their ``label_history``
    entry of edit ``edit_id`` and removes that entry; samples without one
    (deleted, or not reached by an edit that died) are left alone."""
    has_wnid = dataset.has_sample_field(schema.WNID)
    has_hyp = dataset.has_sample_field(schema.HYPERNYMS)
    groups = collections.defaultdict(list)
    for d in _read(dataset, ids, [schema.GROUND_TRUTH, schema.LABEL_HISTORY]):
        mine = [h for h in (d.get(schema.LABEL_HISTORY) or []) if isinstance(h, dict) and h.get("edit_id") == edit_id]
        if not mine:
            continue
        prev = mine[-1]
        hyp = prev.get("hypernyms")
        key = (prev.get("label"), prev.get("wnid"), tuple(hyp) if hyp is not None else None,
               bool(prev.get("missing_label")), _label_of(d)[1])
        groups[key].append(d["_id"])
    stamp = _stamp()
    for (label, wnid, hyp, missing, has_gt), oids in groups.items():
        sets = {"last_modified_at": stamp}
        if label is None:
            sets[schema.GROUND_TRUTH] = None
        elif has_gt:
            sets[f"{schema.GROUND_TRUTH}.label"] = label
        if has_wnid:
            sets[schema.WNID] = wnid
        if has_hyp and hyp is not None:
            sets[schema.HYPERNYMS] = list(hyp)
        update = {"$set": sets, "$pull": {schema.LABEL_HISTORY: {"edit_id": edit_id}}}
        if missing:
            update["$addToSet"] = {"tags": schema.TAG_MISSING_LABEL}
        for batch in _batches(oids):
            ops = []
            if missing:
                ops.append(UpdateMany({"_id": {"$in": batch}, "tags": None}, {"$set": {"tags": []}}))
            if label is not None and not has_gt:
                ops += [
                    UpdateOne({"_id": o}, _with_set(update, {schema.GROUND_TRUTH: fo.Classification(label=label).to_mongo()}))
                    for o in batch
                ]
            else:
                ops.append(UpdateMany({"_id": {"$in": batch}}, update))
            _write(dataset, ops, batch)

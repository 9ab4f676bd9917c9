"""Medium and fine customisation of a Tiny-ImageNet-C dataset.

Medium granularity: :func:`select` picks classes, WordNet groups, corruptions,
families and severities. It does not build FiftyOne stages itself: it writes a
view spec (the same JSON document the prompt engine writes) and hands it to
:mod:`datadiver_fo.viewspec`, so a prompt and a form that ask for the same thing
give the same samples. A saved view recorded with its spec can be reopened with
:func:`spec_for_saved_view` and edited with ``select(base_view=name, ...)``.

Fine granularity: :func:`exclude_samples`, :func:`include_samples`,
:func:`relabel_samples` and :func:`mark_missing_label` change single samples.
Every change is persisted in sample fields (``excluded``, ``label_history``,
the ``missing_label`` tag), so saved views that honour exclusions keep
excluding after a reload, and every change is an entry of the edit log
(``dataset.info["datadiver_edits"]``) that :func:`undo_edit` reverts.

Edit log entries are dicts::

    {"id": "edit-0003-3f2a1c", "op": "exclude" | "include" | "relabel"
     | "mark_missing_label", "time": ISO-8601 UTC, "user": str,
     "num_samples": int,             # samples asked for
     "changed_ids": [sample ids],    # samples whose value actually changed
     "params": {...}, "undone": bool, "undone_time": ISO-8601 | None}

Only the ids of samples that changed are logged (the previous label itself
lives in the sample's ``label_history``), which keeps the log small: an edit of
100k samples adds ~2.7 MB to the dataset document.
"""
import copy
import datetime
import difflib
import getpass
import uuid

import fiftyone as fo
import fiftyone.core.sample as fos

from . import schema

EDITS_KEY = "datadiver_edits"  # dataset.info key holding the edit log
VIEWS_KEY = "datadiver_views"  # dataset.info key: saved view name -> provenance

_EXCLUSION_OPS = ("exclude", "include")
_MISSING_CHOICES = ("include", "exclude", "only")
_SPEC_KEYS = ("classes", "wnids", "groups", "corruptions", "families", "severities", "tags")


# -----------------------------------------------------------------------------
# medium granularity: select() -> view spec -> the shared compiler
# -----------------------------------------------------------------------------


def _as_list(value, name):
    """None -> None; a scalar -> [scalar]; an iterable -> list."""
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [value]
    if isinstance(value, dict):
        raise ValueError(f"'{name}' must be a value or a list of values, not a dict")
    try:
        return list(value)
    except TypeError:
        raise ValueError(f"'{name}' must be a value or a list of values, got {value!r}")


def _severities(value, name="severities"):
    """Normalises severities: an int, a list/range of ints, or a dict
    ``{"min": a, "max": b}`` -> sorted list of ints (the stored spec form)."""
    if value is None:
        return None
    if isinstance(value, dict):
        # a range: the engine expands it to the severities present on the dataset
        unknown = set(value) - {"min", "max"}
        if unknown:
            raise ValueError(f"'{name}' range accepts only 'min' and 'max', got {sorted(unknown)}")
        return [dict(value)]
    out = []
    for v in _as_list(value, name):
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise ValueError(f"'{name}' must hold integers, got {v!r}")
        try:
            out.append(int(v))
        except ValueError:
            raise ValueError(f"'{name}' must hold integers, got {v!r}")
    return sorted(set(out))


def _sort_spec(sort):
    if sort is None:
        return None
    if isinstance(sort, str):
        reverse = sort.startswith("-")
        return {"field": sort.lstrip("-"), "reverse": reverse}
    if isinstance(sort, (tuple, list)) and len(sort) == 2:
        return {"field": str(sort[0]), "reverse": bool(sort[1])}
    if isinstance(sort, dict) and "field" in sort:
        return {"field": sort["field"], "reverse": bool(sort.get("reverse", False))}
    raise ValueError(
        f"'sort' must be a field name ('-field' for descending), a (field, reverse) "
        f"pair or {{'field':..., 'reverse':...}}, got {sort!r}"
    )


def build_spec(
    classes=None,
    groups=None,
    wnids=None,
    corruptions=None,
    families=None,
    severities=None,
    tags=None,
    exclude_classes=None,
    exclude_groups=None,
    exclude_corruptions=None,
    exclude_severities=None,
    missing_labels="include",
    honor_exclusions=True,
    filters=None,
    sort=None,
    limit=None,
    take=None,
    similar_to=None,
    exclude_wnids=None,
    exclude_families=None,
    exclude_tags=None,
):
    """Builds a version-1 view spec from keyword arguments (no validation
    against a dataset: :func:`datadiver_fo.viewspec.normalize_spec` does that).

    Args: see :func:`select`.

    Returns:
        a JSON-serialisable dict in the shared view-spec format
    """
    if missing_labels not in _MISSING_CHOICES:
        raise ValueError(f"'missing_labels' must be one of {_MISSING_CHOICES}, got {missing_labels!r}")
    include = {
        "classes": _as_list(classes, "classes"),
        "wnids": _as_list(wnids, "wnids"),
        "groups": _as_list(groups, "groups"),
        "corruptions": _as_list(corruptions, "corruptions"),
        "families": _as_list(families, "families"),
        "severities": _severities(severities),
        "tags": _as_list(tags, "tags"),
    }
    exclude = {
        "classes": _as_list(exclude_classes, "exclude_classes"),
        "wnids": _as_list(exclude_wnids, "exclude_wnids"),
        "groups": _as_list(exclude_groups, "exclude_groups"),
        "corruptions": _as_list(exclude_corruptions, "exclude_corruptions"),
        "families": _as_list(exclude_families, "exclude_families"),
        "severities": _severities(exclude_severities, "exclude_severities"),
        "tags": _as_list(exclude_tags, "exclude_tags"),
    }
    if filters is not None and not isinstance(filters, (list, tuple)):
        raise ValueError("'filters' must be a list of {'field', 'op', 'value'} dicts")
    if limit is not None and (isinstance(limit, bool) or int(limit) <= 0):
        raise ValueError(f"'limit' must be a positive integer, got {limit!r}")
    if isinstance(take, int) and not isinstance(take, bool):
        take = {"n": take, "seed": 51}
    return {
        "version": 1,
        "include": {k: v for k, v in include.items() if v},
        "exclude": {k: v for k, v in exclude.items() if v},
        "filters": [dict(f) for f in (filters or [])],
        "missing_labels": missing_labels,
        "honor_exclusions": bool(honor_exclusions),
        "sort": _sort_spec(sort),
        "similar_to": similar_to,
        "limit": int(limit) if limit is not None else None,
        "take": take,
    }


def merge_spec(base, edits, keep_defaults=True):
    """Applies ``edits`` (a spec built by :func:`build_spec`) to ``base``.

    Rules: an ``include`` key present in ``edits`` replaces the base's values
    for that key (an edit says what you want now); ``exclude`` lists are
    unioned; ``filters`` are appended; ``sort``, ``limit``, ``take`` and
    ``similar_to`` replace when set. With ``keep_defaults`` (the default),
    ``missing_labels="include"`` and ``honor_exclusions=True`` in ``edits`` are
    treated as "not given" and the base's values are kept.

    Args:
        base: a view spec dict (not modified)
        edits: a view spec dict

    Returns:
        a new spec dict
    """
    out = copy.deepcopy(base)
    out.setdefault("include", {})
    out.setdefault("exclude", {})
    for k, v in (edits.get("include") or {}).items():
        out["include"][k] = list(v)
    for k, v in (edits.get("exclude") or {}).items():
        merged = list(out["exclude"].get(k) or [])
        merged += [x for x in v if x not in merged]
        out["exclude"][k] = merged
    out["filters"] = list(out.get("filters") or []) + list(edits.get("filters") or [])
    for k in ("sort", "limit", "take", "similar_to"):
        if edits.get(k) is not None:
            out[k] = edits[k]
    if not keep_defaults or edits.get("missing_labels", "include") != "include":
        out["missing_labels"] = edits.get("missing_labels", "include")
    if not keep_defaults or edits.get("honor_exclusions", True) is not True:
        out["honor_exclusions"] = edits.get("honor_exclusions", True)
    out["version"] = 1
    return out


def _viewspec():
    try:
        from . import viewspec
    except ImportError as e:  # the shared engine is part of the package
        raise RuntimeError("datadiver_fo.viewspec (the shared view-spec engine) is missing") from e
    return viewspec


def normalize(dataset, spec):
    """Validates ``spec`` against ``dataset``'s vocabulary via the shared
    engine. An "everything" spec is allowed here: calling :func:`select`
    without criteria is an explicit request for the whole dataset."""
    vs = _viewspec()
    return vs.normalize_spec(dataset, spec, allow_all=True)


def compile_selection(dataset, spec):
    """Normalises and compiles ``spec`` on ``dataset`` (or a view: its stages
    come first); returns the view.

    When the spec honours exclusions, the view always carries the
    ``excluded != True`` match, even before any sample was excluded (the
    engine only adds it once the field exists), so a view saved now keeps
    honouring exclusions made later.
    """
    vs = _viewspec()
    spec = normalize(dataset, spec)
    view = vs.compile_spec(dataset, spec, allow_all=True)
    root = dataset._root_dataset
    if spec.get("honor_exclusions", True) and schema.EXCLUDED not in root.get_field_schema():
        view = _match_first(view, {schema.EXCLUDED: {"$ne": True}})
    return view


def _match_first(view, query):
    """Adds a match to ``view`` before its sort/take/limit stages."""
    import fiftyone.core.stages as fost

    stages = list(view._stages)
    pos = 0
    for i, st in enumerate(stages):
        if isinstance(st, fost.Match):
            pos = i + 1
    out = view._dataset.view()
    for st in stages[:pos]:
        out = out.add_stage(st)
    out = out.match(query)
    for st in stages[pos:]:
        out = out.add_stage(st)
    return out


def select(
    dataset,
    classes=None,
    groups=None,
    wnids=None,
    corruptions=None,
    families=None,
    severities=None,
    tags=None,
    exclude_classes=None,
    exclude_groups=None,
    exclude_corruptions=None,
    exclude_severities=None,
    missing_labels="include",
    honor_exclusions=True,
    filters=None,
    sort=None,
    limit=None,
    base_view=None,
    take=None,
    exclude_wnids=None,
    exclude_families=None,
    exclude_tags=None,
    return_spec=False,
):
    """Selects samples by class, WordNet group, corruption, family, severity.

    The arguments become a view spec that the shared engine
    (:mod:`datadiver_fo.viewspec`) validates and compiles, exactly as for a
    prompt. Within one argument values are OR'd; ``classes``, ``wnids`` and
    ``groups`` together form one OR'd class set; different arguments are AND'd;
    ``exclude_*`` removes samples matching any entry.

    Args:
        dataset: a :class:`fiftyone.core.dataset.Dataset` loaded by
            :func:`datadiver_fo.load_tiny_imagenet_c` (or a view; its dataset
            is used and, when ``base_view`` is None, the view is the base)
        classes (None): class names (``ground_truth.label``), a str or list
        groups (None): WordNet group names matched via ``hypernyms``
            (``"dog"``, ``"vehicle"``...)
        wnids (None): WordNet ids
        corruptions (None): corruption names, ``"clean"`` included
        families (None): ``noise``, ``blur``, ``weather``, ``digital``,
            ``extra``, ``clean``
        severities (None): an int, a list of ints or ``{"min": a, "max": b}``
        tags (None): sample tags (e.g. ``"val"``)
        exclude_classes, exclude_groups, exclude_corruptions,
            exclude_severities, exclude_wnids, exclude_families, exclude_tags
            (None): samples matching any entry are dropped
        missing_labels ("include"): ``"include"``, ``"exclude"`` or ``"only"``
            for samples without a label (tag ``missing_label``)
        honor_exclusions (True): drop samples excluded by
            :func:`exclude_samples`
        filters (None): list of ``{"field", "op", "value"}`` dicts, ops
            ``>= > <= < == != exists``
        sort (None): ``"field"``, ``"-field"`` (descending) or
            ``{"field":..., "reverse":...}``
        limit (None): keep at most this many samples
        base_view (None): start from this and edit it: the name of a saved
            view recorded with a spec (its spec is merged with the arguments,
            see :func:`merge_spec`), a spec dict (likewise), or a
            :class:`fiftyone.core.view.DatasetView` whose stages come first
        take (None): ``n`` or ``{"n": n, "seed": s}`` random samples
        return_spec (False): also return the normalised spec

    Returns:
        a :class:`fiftyone.core.view.DatasetView`, or ``(view, spec)`` when
        ``return_spec`` is True

    Raises:
        ValueError: an unknown class, group, corruption, field or value (the
            message names it and the closest valid names), or a malformed
            argument
    """
    prefix_view = None
    if isinstance(dataset, fo.DatasetView):
        if base_view is None:
            base_view = dataset
        dataset = dataset._dataset
    edits = build_spec(
        classes=classes,
        groups=groups,
        wnids=wnids,
        corruptions=corruptions,
        families=families,
        severities=severities,
        tags=tags,
        exclude_classes=exclude_classes,
        exclude_groups=exclude_groups,
        exclude_corruptions=exclude_corruptions,
        exclude_severities=exclude_severities,
        missing_labels=missing_labels,
        honor_exclusions=honor_exclusions,
        filters=filters,
        sort=sort,
        limit=limit,
        take=take,
        exclude_wnids=exclude_wnids,
        exclude_families=exclude_families,
        exclude_tags=exclude_tags,
    )
    if base_view is None:
        spec = edits
    elif isinstance(base_view, str):
        spec = merge_spec(spec_for_saved_view(dataset, base_view), edits)
    elif isinstance(base_view, dict):
        spec = merge_spec(base_view, edits)
    elif isinstance(base_view, fo.DatasetView):
        spec = edits
        prefix_view = base_view
    else:
        raise ValueError(
            f"'base_view' must be a saved view name, a spec dict or a DatasetView, got {type(base_view).__name__}"
        )
    spec = normalize(dataset, spec)
    # compile_spec appends its stages to whatever collection it is given
    target = prefix_view if prefix_view is not None else dataset
    view = compile_selection(target, spec)
    return (view, spec) if return_spec else view


def spec_for_saved_view(dataset, name):
    """Returns the view spec recorded with saved view ``name``.

    Saved views made by the prompt engine or by :func:`save_selection` record
    their spec as provenance; this reads it back so the view can be edited
    (``select(dataset, base_view=name, ...)`` or the ``customize`` operator).

    Args:
        dataset: a FiftyOne dataset
        name: the saved view's name

    Returns:
        a spec dict (a copy)

    Raises:
        ValueError: no saved view ``name``, or it has no recorded spec (it was
            built by hand in the App; edit it there or rebuild it with
            :func:`select`)
    """
    if name not in dataset.list_saved_views():
        close = difflib.get_close_matches(name, dataset.list_saved_views(), n=3)
        raise ValueError(f"No saved view '{name}' on dataset '{dataset.name}'" + (f"; did you mean {close}?" if close else ""))
    spec = _prompt_provenance(dataset, name).get("spec")
    if not spec:
        record = (dataset.info.get(VIEWS_KEY) or {}).get(name) or {}
        spec = record.get("spec")
    if not spec:
        raise ValueError(
            f"Saved view '{name}' has no recorded view spec (it was not made by a prompt "
            f"or by datadiver_fo.save_selection), so it cannot be edited as a selection"
        )
    return copy.deepcopy(spec)


def _prompt_provenance(dataset, name):
    """Provenance the prompt feature recorded for a saved view (the same
    ``dataset.info["datadiver_views"]`` records :func:`save_selection` writes)."""
    try:
        from . import prompts
    except ImportError:
        return {}
    return dict(prompts.get_view_records(dataset).get(name) or {})


def _write_record(dataset, name, record):
    try:
        from . import prompts
    except ImportError:
        prompts = None
    if prompts is not None:
        prompts.set_view_record(dataset, name, record)
        return
    dataset.reload()
    info = dataset.info
    views = dict(info.get(VIEWS_KEY) or {})
    views[name] = record
    info[VIEWS_KEY] = views
    dataset.info = info
    dataset.save()


def save_selection(dataset, name, spec, description=None, color=None, overwrite=False):
    """Compiles ``spec`` and saves it as a saved view, recording the spec as
    provenance so it can be reopened with :func:`spec_for_saved_view`.

    Args:
        dataset: a FiftyOne dataset
        name: the saved view's name
        spec: a view spec dict (e.g. from ``select(..., return_spec=True)``)
        description (None): a description; defaults to the engine's
            plain-English description of ``spec``
        color (None): an App colour such as ``"#ff6d04"``
        overwrite (False): replace an existing saved view with this name

    Returns:
        the saved :class:`fiftyone.core.view.DatasetView`
    """
    if not name or not isinstance(name, str):
        raise ValueError("A saved view needs a non-empty name")
    if name in dataset.list_saved_views() and not overwrite:
        raise ValueError(f"Saved view '{name}' already exists; pass overwrite=True to replace it")
    vs = _viewspec()
    spec = normalize(dataset, spec)
    view = compile_selection(dataset, spec)
    if description is None and hasattr(vs, "describe_spec"):
        description = vs.describe_spec(spec)
    dataset.save_view(name, view, description=description, color=color, overwrite=overwrite)
    prior = _prompt_provenance(dataset, name) or dict((dataset.info.get(VIEWS_KEY) or {}).get(name) or {})
    record = dict(prior)
    record.update(
        {
            "spec": spec,
            "explanation": description,
            "source": "select" if not prior else prior.get("source", "select"),
            "edited_by": _user(None),
            "edited_at": _now(),
        }
    )
    record.setdefault("prompt", None)
    record.setdefault("user", _user(None))
    record.setdefault("created_at", _now())
    _write_record(dataset, name, record)
    return dataset.load_saved_view(name)


# -----------------------------------------------------------------------------
# fine granularity: edits with a log and undo
# -----------------------------------------------------------------------------


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _user(user):
    if user:
        return str(user)
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _sample_ids(dataset, samples):
    """Resolves ``samples`` (ids, a view, a sample, a list of samples) to a
    list of sample ids of ``dataset``; unknown ids raise ValueError."""
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
    ids = []
    for s in samples:
        ids.append(s if isinstance(s, str) else s.id)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValueError("No samples given: the selection is empty")
    found = set(dataset.select(ids).values("id")) if ids else set()
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValueError(f"{len(missing)} sample id(s) are not in dataset '{dataset.name}': {missing[:5]}")
    return ids


def _root(dataset):
    if isinstance(dataset, fo.DatasetView):
        return dataset._dataset
    if not isinstance(dataset, fo.Dataset):
        raise ValueError(f"Expected a FiftyOne dataset, got {type(dataset).__name__}")
    return dataset


def _log(dataset):
    dataset.reload()
    return list(dataset.info.get(EDITS_KEY) or [])


def _append_edit(dataset, op, ids, changed, params, user):
    log = _log(dataset)
    entry = {
        "id": f"edit-{len(log) + 1:04d}-{uuid.uuid4().hex[:6]}",
        "op": op,
        "time": _now(),
        "user": _user(user),
        "num_samples": len(ids),
        "changed_ids": list(changed),
        "params": params,
        "undone": False,
        "undone_time": None,
    }
    log.append(entry)
    info = dataset.info
    info[EDITS_KEY] = log
    dataset.info = info
    dataset.save()
    return _public(entry)


def _public(entry):
    out = {k: v for k, v in entry.items() if k != "changed_ids"}
    out["num_changed"] = len(entry["changed_ids"])
    return out


def _ensure_field(dataset, field, ftype, **kwargs):
    if not dataset.has_sample_field(field):
        dataset.add_sample_field(field, ftype, **kwargs)


def list_edits(dataset, include_undone=True):
    """Lists the fine-grained edits made on ``dataset``, oldest first.

    Args:
        dataset: a FiftyOne dataset
        include_undone (True): include edits that were undone

    Returns:
        a list of dicts with ``id``, ``op``, ``time``, ``user``,
        ``num_samples``, ``num_changed``, ``params``, ``undone``,
        ``undone_time``
    """
    dataset = _root(dataset)
    return [_public(e) for e in _log(dataset) if include_undone or not e["undone"]]


def _set_excluded(dataset, samples, value, op, reason, user):
    dataset = _root(dataset)
    ids = _sample_ids(dataset, samples)
    _ensure_field(dataset, schema.EXCLUDED, fo.BooleanField)
    current = dict(zip(*dataset.select(ids).values(["id", schema.EXCLUDED])))
    changed = [i for i in ids if bool(current.get(i)) != value]
    if changed:
        dataset.select(changed).set_values(schema.EXCLUDED, [value] * len(changed))
    return _append_edit(dataset, op, ids, changed, {"reason": reason} if reason else {}, user)


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
        the edit log entry (a dict with ``id`` for :func:`undo_edit`)
    """
    return _set_excluded(dataset, samples, True, "exclude", reason, user)


def include_samples(dataset, samples, reason=None, user=None):
    """Reverses exclusion for samples (sets ``excluded=False``); an edit of
    its own, undoable like the others. Args and return as
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
        from . import wordnet

        return list(wordnet.hypernym_names(wnid))
    except Exception:  # unknown wnid or wordnet not available: leave as is
        return None


def relabel_samples(dataset, samples, label, user=None, allow_new=False):
    """Sets the ground-truth class of samples, keeping the previous label.

    Each changed sample gets an entry appended to ``label_history``
    (``{"label", "wnid", "hypernyms", "missing_label", "time", "user",
    "edit_id"}``: its state before the edit); ``ground_truth.label``, ``wnid``
    and ``hypernyms`` are set to the new class, and a ``missing_label`` tag is
    removed (the sample now has a label).

    Args:
        dataset: a FiftyOne dataset
        samples: sample ids, a sample, or a view of ``dataset``
        label: the new class: a class name of the dataset or its wnid
        user (None): who made the edit
        allow_new (False): accept a name that is not one of the dataset's
            classes (``wnid``/``hypernyms`` are then left empty)

    Returns:
        the edit log entry

    Raises:
        ValueError: ``label`` is not a class of the dataset (the message lists
            the closest class names)
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
    _ensure_field(dataset, schema.LABEL_HISTORY, fo.ListField, subfield=fo.DictField)
    view = dataset.select(ids)
    has_wnid = dataset.has_sample_field(schema.WNID)
    has_hyp = dataset.has_sample_field(schema.HYPERNYMS)
    changed = []
    now = _now()
    who = _user(user)
    # The log entry is written first so history entries carry its id.
    log = _log(dataset)
    edit_id = f"edit-{len(log) + 1:04d}-{uuid.uuid4().hex[:6]}"
    for sample in view.iter_samples(autosave=True):
        gt = sample[schema.GROUND_TRUTH]
        old = gt.label if gt is not None else None
        old_missing = schema.TAG_MISSING_LABEL in (sample.tags or [])
        if old == label and not old_missing:
            continue
        changed.append(sample.id)
        history = list(sample[schema.LABEL_HISTORY] or [])
        history.append(
            {
                "label": old,
                "wnid": sample[schema.WNID] if has_wnid else None,
                "hypernyms": list(sample[schema.HYPERNYMS] or []) if has_hyp else None,
                "missing_label": old_missing,
                "time": now,
                "user": who,
                "edit_id": edit_id,
            }
        )
        sample[schema.LABEL_HISTORY] = history
        if gt is None:
            sample[schema.GROUND_TRUTH] = fo.Classification(label=label)
        else:
            gt.label = label
            sample[schema.GROUND_TRUTH] = gt
        if has_wnid:
            sample[schema.WNID] = wnid
        if has_hyp and (hyper is not None or wnid is None):
            sample[schema.HYPERNYMS] = hyper or []
        if old_missing:
            sample.tags = [t for t in sample.tags if t != schema.TAG_MISSING_LABEL]
    entry = {
        "id": edit_id,
        "op": "relabel",
        "time": now,
        "user": who,
        "num_samples": len(ids),
        "changed_ids": changed,
        "params": {"label": label, "wnid": wnid},
        "undone": False,
        "undone_time": None,
    }
    log.append(entry)
    info = dataset.info
    info[EDITS_KEY] = log
    dataset.info = info
    dataset.save()
    return _public(entry)


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
        the edit log entry
    """
    dataset = _root(dataset)
    ids = _sample_ids(dataset, samples)
    view = dataset.select(ids)
    tagged = set(view.match_tags(schema.TAG_MISSING_LABEL).values("id"))
    changed = [i for i in ids if i not in tagged]
    if changed:
        dataset.select(changed).tag_samples(schema.TAG_MISSING_LABEL)
    return _append_edit(dataset, "mark_missing_label", ids, changed, {"reason": reason} if reason else {}, user)


def _conflicts(entry, later):
    """Whether a later active edit touched the same samples the same way."""
    groups = {
        "exclude": "excluded",
        "include": "excluded",
        "relabel": "label",
        "mark_missing_label": "missing",
    }
    mine = groups[entry["op"]]
    theirs = groups[later["op"]]
    related = mine == theirs or {mine, theirs} == {"label", "missing"}
    return related and bool(set(entry["changed_ids"]) & set(later["changed_ids"]))


def undo_edit(dataset, edit_id=None, user=None):
    """Reverts a fine-grained edit.

    Args:
        dataset: a FiftyOne dataset
        edit_id (None): the id of the edit to revert (see :func:`list_edits`);
            by default the most recent edit that is not undone yet
        user (None): who undid it (stored in the log)

    Returns:
        the updated edit log entry (``undone`` is True)

    Raises:
        ValueError: nothing to undo, an unknown or already undone ``edit_id``,
            or a later edit changed the same samples in the same way (undo
            that one first, so no later change is silently lost)
    """
    dataset = _root(dataset)
    log = _log(dataset)
    active = [i for i, e in enumerate(log) if not e["undone"]]
    if edit_id is None:
        if not active:
            raise ValueError(f"Nothing to undo on dataset '{dataset.name}'")
        idx = active[-1]
    else:
        matches = [i for i, e in enumerate(log) if e["id"] == edit_id]
        if not matches:
            raise ValueError(f"Unknown edit id '{edit_id}'; known: {[e['id'] for e in log][-10:]}")
        idx = matches[0]
        if log[idx]["undone"]:
            raise ValueError(f"Edit '{edit_id}' is already undone")
    entry = log[idx]
    for later in log[idx + 1 :]:
        if not later["undone"] and _conflicts(entry, later):
            raise ValueError(
                f"Edit '{entry['id']}' cannot be undone before the later edit '{later['id']}' "
                f"({later['op']}) that changed the same samples; undo that one first"
            )
    changed = entry["changed_ids"]
    op = entry["op"]
    if changed:
        existing = set(dataset.select(changed).values("id"))
        changed = [i for i in changed if i in existing]  # samples deleted since
    if changed:
        if op in _EXCLUSION_OPS:
            dataset.select(changed).set_values(schema.EXCLUDED, [op != "exclude"] * len(changed))
        elif op == "mark_missing_label":
            dataset.select(changed).untag_samples(schema.TAG_MISSING_LABEL)
        elif op == "relabel":
            _undo_relabel(dataset, entry["id"], changed)
    entry["undone"] = True
    entry["undone_time"] = _now()
    entry["undone_by"] = _user(user)
    info = dataset.info
    info[EDITS_KEY] = log
    dataset.info = info
    dataset.save()
    return _public(entry)


def _undo_relabel(dataset, edit_id, ids):
    has_wnid = dataset.has_sample_field(schema.WNID)
    has_hyp = dataset.has_sample_field(schema.HYPERNYMS)
    for sample in dataset.select(ids).iter_samples(autosave=True):
        history = list(sample[schema.LABEL_HISTORY] or [])
        pos = [i for i, h in enumerate(history) if h.get("edit_id") == edit_id]
        if not pos:
            continue
        prev = history.pop(pos[-1])
        if prev.get("label") is None:
            sample[schema.GROUND_TRUTH] = None
        elif sample[schema.GROUND_TRUTH] is None:
            sample[schema.GROUND_TRUTH] = fo.Classification(label=prev["label"])
        else:
            sample[schema.GROUND_TRUTH].label = prev["label"]
        if has_wnid:
            sample[schema.WNID] = prev.get("wnid")
        if has_hyp and prev.get("hypernyms") is not None:
            sample[schema.HYPERNYMS] = prev["hypernyms"]
        if prev.get("missing_label") and schema.TAG_MISSING_LABEL not in sample.tags:
            sample.tags = list(sample.tags) + [schema.TAG_MISSING_LABEL]
        sample[schema.LABEL_HISTORY] = history

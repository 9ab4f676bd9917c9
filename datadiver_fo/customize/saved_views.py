"""Saved views: one safe save path, portable JSON export / import, checks.

Saving (:func:`save_view`) is the one path DataDiver uses to save a view: the
stages are checked by :mod:`datadiver_fo.customize.stage_guard`, a slug clash with a
view of another name is refused, ``overwrite`` only replaces the SAME name,
and the check-then-save runs under a cross-process lock
(:func:`datadiver_fo.internal.store.lock`) so two processes saving one name end with
one view. Views a computation saves by itself (most OoD, darkest, duplicates...)
go through :func:`save_generated_view`: ours are replaced, a user's view of
the name is never touched (ours goes to ``<name>-2``).

FiftyOne shares saved views only inside one database. Here a saved view
travels as a JSON file holding, per view: its name, description, colour, the
serialised stages, and, for prompt views, the view spec and provenance record
(see :mod:`datadiver_fo.customize.view_records`). A file is data, never code: before
anything is saved, the whole file is checked against the schema below and
every entry's stages against :mod:`datadiver_fo.customize.stage_guard`; one bad entry
refuses the whole file. Then every view is validated against the target
dataset: a view with a spec is re-validated and re-compiled from the spec
(unknown classes / fields are reported with suggestions); a plain view is
rebuilt from its checked stages and every field its stages read must exist.
A view that does not fit this dataset is reported as failed, the others are
saved.

File format (``"format": "datadiver-saved-views"``, ``"version": 1``; the
only version so far, :data:`READ_VERSIONS` lists those read)::

    {"format": ..., "version": 1, "exported_at": ISO time | null,
     "source_dataset": name | null,
     "views": [{"name": str, "description": str | null, "color": str | null,
                "stages": [FiftyOne stage dicts], "spec": {...} | null,
                "provenance": {...} | null}]}

Caps: :data:`MAX_FILE_BYTES` per file, :data:`MAX_VIEWS` views,
``stage_guard.MAX_VIEW_BYTES`` of stages per view,
``view_records.MAX_RECORD_BYTES`` per spec and per provenance record,
:data:`MAX_NAME_CHARS` per name, :data:`MAX_DESCRIPTION_CHARS` per
description.
"""
import datetime
import json
import os
import re

from bson import json_util

from datadiver_fo.internal import schema as sch
from datadiver_fo.customize import stage_guard
from datadiver_fo.internal import store
from datadiver_fo.internal.report import Report
from datadiver_fo.customize import viewspec as vs
from datadiver_fo.customize.view_records import INFO_KEY, MAX_RECORD_BYTES, get_view_records, record_json, set_view_record

FORMAT = "datadiver-saved-views"
VERSION = 1
READ_VERSIONS = (1,)
LOCK_NAME = "saved-views"

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VIEWS = 1000
MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 10_000
_MAX_META_CHARS = 200  # exported_at, source_dataset, color

_TOP_KEYS = {"format", "version", "exported_at", "source_dataset", "views"}
_ENTRY_KEYS = {"name", "description", "color", "stages", "spec", "provenance"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# -----------------------------------------------------------------------------
# names, descriptions, colours
# -----------------------------------------------------------------------------


def check_view_name(name):
    """Validates a saved-view name.

    Args:
        name: the candidate name

    Returns:
        ``name`` unchanged

    Raises:
        ValueError: if ``name`` is not a string, is blank, longer than
            :data:`MAX_NAME_CHARS`, holds control characters, or has no
            letter or digit (FiftyOne's URL slug would be empty)
    """
    import fiftyone.core.utils as fou

    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"A saved view name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"Saved view name {name[:40]!r}... is {len(name)} characters; at most {MAX_NAME_CHARS}")
    if _CONTROL.search(name):
        raise ValueError(f"Saved view name {name!r} holds control characters (newlines, tabs...)")
    try:
        fou.to_slug(name)
    except ValueError:
        raise ValueError(f"Saved view name {name!r} needs at least one letter or digit") from None
    return name


def _check_description(description, name):
    if description is None:
        return None
    if not isinstance(description, str):
        raise ValueError(f"Saved view {name!r}: description must be a string or null, got {type(description).__name__}")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise ValueError(
            f"Saved view {name!r}: description is {len(description)} characters; at most {MAX_DESCRIPTION_CHARS}"
        )
    return description


def _check_color(color, name):
    import fiftyone.core.utils as fou

    if color is None:
        return None
    if not isinstance(color, str) or len(color) > _MAX_META_CHARS:
        raise ValueError(f"Saved view {name!r}: color must be a string like '#ff6d04' or null, got {color!r}")
    try:
        fou.validate_color(color)
    except ValueError:
        raise ValueError(f"Saved view {name!r}: color {color!r} is not '#rrggbb' or a CSS colour name") from None
    return color


# -----------------------------------------------------------------------------
# the one save path
# -----------------------------------------------------------------------------


def _slug(name):
    import fiftyone.core.utils as fou

    return fou.to_slug(name)


def _save_locked(ds, name, view, description, color, overwrite, record):
    """Checks and saves one view; the caller holds the lock and reloaded ``ds``."""
    slug = _slug(name)
    for doc in store.saved_view_docs(ds):
        if doc.name == name:
            if not overwrite:
                raise ValueError(f"A saved view named {name!r} already exists; pass overwrite=True to replace it")
        elif doc.slug == slug:
            # FiftyOne's overwrite would delete that other view: never.
            raise ValueError(
                f"Saved view name {name!r} has the same URL slug {slug!r} as the existing saved view "
                f"{doc.name!r}; choose another name (overwrite only replaces a view of the same name)"
            )
    ds.save_view(name, view, description=description, color=color, overwrite=overwrite)
    # Always written: a stale record of an earlier view of this name
    # (deleted or replaced) must not describe the new one.
    set_view_record(ds, name, record)


def save_view(dataset, name, view, description=None, color=None, overwrite=False, record=None):
    """Saves a view on its dataset: the one safe save path.

    The stages must pass :func:`datadiver_fo.customize.stage_guard.validate_stage_dicts`
    (what the loaders accept). Under the cross-process lock
    ``store.lock(dataset, "saved-views")`` the dataset is reloaded, the name
    checked and the view saved, then its provenance record written (or a
    stale one removed), so concurrent savers of one name end with exactly one
    view and one record: with ``overwrite=False`` the later caller gets an
    "already exists" error, with ``overwrite=True`` the last writer wins.

    Args:
        dataset: the FiftyOne dataset (a view's root dataset is used)
        name: the saved view's name (see :func:`check_view_name`)
        view: a :class:`fiftyone.core.view.DatasetView` of that dataset
        description (None): a string (at most :data:`MAX_DESCRIPTION_CHARS`)
        color (None): an App colour, ``"#rrggbb"`` or a CSS colour name
        overwrite (False): replace a saved view with the SAME name; a view
            with another name is never removed or replaced
        record (None): the provenance record dict to store with the view
            (JSON, at most ``view_records.MAX_RECORD_BYTES``); None removes any
            record left under this name

    Returns:
        ``name``

    Raises:
        ValueError: a bad name / description / colour / record, a view of
            another dataset, stages the guard refuses, an existing view of
            that name with ``overwrite=False``, or a differently named saved
            view with the same slug (``fiftyone.core.utils.to_slug``); the
            message names both views
        TimeoutError: another process held the lock for 30 s
    """
    ds = dataset._root_dataset
    check_view_name(name)
    description = _check_description(description, name)
    color = _check_color(color, name)
    if store.dataset_id(view) != store.dataset_id(ds):
        raise ValueError(f"Saved view {name!r}: the view belongs to dataset {view._root_dataset.name!r}, not {ds.name!r}")
    stage_guard.validate_stage_dicts(view._serialize(include_uuids=False), name)
    if record is not None:
        record_json(name, record)  # refuse before anything is written
    with store.lock(ds, LOCK_NAME):
        ds.reload()  # the saved-view list lives in the dataset document
        _save_locked(ds, name, view, description, color, overwrite, record)
    return name


# -----------------------------------------------------------------------------
# views DataDiver saves by itself (most-ood, darkest, duplicates, ...)
# -----------------------------------------------------------------------------

GENERATED_SOURCE = "datadiver"  # record["source"] of a generated view
# Description prefixes of generated views saved by versions before the
# provenance record: such views are still ours.
LEGACY_MARKERS = ("[datadiver]", "DataDiver quality:", "DataDiver duplicates:")
_MAX_SUFFIX = 1000


def is_generated_record(record, view_id=None):
    """Whether a provenance record marks a view DataDiver generated.

    Args:
        record: a provenance record dict (or None)
        view_id (None): the saved view document's id as a string; when
            given, the record must name this very document (a view saved
            over ours by hand is not ours)

    Returns:
        True for ``{"source": "datadiver", "generator": <str>, "view_id": ...}``
        matching ``view_id``, else False
    """
    if not isinstance(record, dict) or record.get("source") != GENERATED_SOURCE:
        return False
    if not isinstance(record.get("generator"), str):
        return False
    return view_id is None or record.get("view_id") == view_id


def _is_ours(doc, record):
    if is_generated_record(record, str(doc.id)):
        return True
    return (doc.description or "").startswith(LEGACY_MARKERS)


def save_generated_view(dataset, name, view, what, generator):
    """Saves a view DataDiver computed (most OoD, darkest, duplicates, ...),
    never replacing a user's view.

    Policy (the same for every computation): a saved view is DataDiver's own
    when its provenance record (see
    :mod:`datadiver_fo.customize.view_records`) is ``{"source": "datadiver",
    "generator": ..., "view_id": <that view's document id>}``, or, for views
    saved by earlier versions, when its description starts with one of
    :data:`LEGACY_MARKERS`. Our own view of that name is replaced. A view of
    that name that is not ours (the user's, or ours saved over by hand) is
    left untouched and the view is saved under the first free name
    ``<name>-2``, ``<name>-3``, ... (re-runs reuse that name: it is ours). A
    name whose URL slug another view already has counts as taken. Runs
    under the saved-views lock like :func:`save_view`.

    Args:
        dataset: the FiftyOne dataset (a view's root dataset is used)
        name: the wanted name, e.g. ``"datadiver/most-ood"``
        view: a :class:`fiftyone.core.view.DatasetView` of that dataset
        what: a short text of what the view holds (its description)
        generator: what made it, e.g. ``"ood"``, ``"quality"``,
            ``"duplicates"`` (stored in the record)

    Returns:
        the name the view was saved under: ``name``, or ``name-<n>`` when a
        user's view holds ``name`` (callers list this in their report)

    Raises:
        ValueError: a bad name, description or view (see :func:`save_view`),
            or no free name among ``name-2`` .. ``name-1000``
        TimeoutError: another process held the lock for 30 s
    """
    from datadiver_fo.internal.provenance import user_name

    ds = dataset._root_dataset
    check_view_name(name)
    description = _check_description(f"{what} (saved by DataDiver: {generator})", name)
    if store.dataset_id(view) != store.dataset_id(ds):
        raise ValueError(f"Saved view {name!r}: the view belongs to dataset {view._root_dataset.name!r}, not {ds.name!r}")
    stage_guard.validate_stage_dicts(view._serialize(include_uuids=False), name)
    record = {
        "source": GENERATED_SOURCE,
        "generator": str(generator),
        "user": user_name(),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    with store.lock(ds, LOCK_NAME):
        ds.reload()
        docs = {d.name: d for d in store.saved_view_docs(ds)}
        slugs = {d.slug for d in docs.values()}
        records = get_view_records(ds)
        for n in range(1, _MAX_SUFFIX + 1):
            candidate = name if n == 1 else f"{name}-{n}"
            doc = docs.get(candidate)
            if doc is not None:
                if not _is_ours(doc, records.get(candidate)):
                    continue
            elif _slug(candidate) in slugs:
                continue  # another name's slug: saving would clash
            _save_locked(ds, candidate, view, description, None, doc is not None, record)
            # The record names the new document: a view later saved over it
            # by hand has another id and is then the user's.
            store.reload_saved_views(ds)
            new = next(d for d in store.saved_view_docs(ds) if d.name == candidate)
            set_view_record(ds, candidate, dict(record, view_id=str(new.id)))
            return candidate
    raise ValueError(f"No free saved-view name for {name!r}: {name}-2 .. {name}-{_MAX_SUFFIX} are all taken")


# -----------------------------------------------------------------------------
# fields read by stages
# -----------------------------------------------------------------------------


def _stage_dicts(stage_dicts):
    # extended JSON -> plain JSON keeps ObjectIds/dates portable
    return [
        json.loads(json_util.dumps({k: v for k, v in s.items() if k != "_uuid"})) for s in stage_dicts
    ]


def _query_fields(query, out):
    if isinstance(query, dict):
        for k, v in query.items():
            if k.startswith("$"):
                if k == "$expr":
                    _expr_fields(v, out)
                else:
                    _query_fields(v, out)
            else:
                out.add(k)
    elif isinstance(query, list):
        for q in query:
            _query_fields(q, out)


def _expr_fields(expr, out):
    if isinstance(expr, str) and expr.startswith("$") and not expr.startswith("$$"):
        out.add(expr[1:])
    elif isinstance(expr, dict):
        for v in expr.values():
            _expr_fields(v, out)
    elif isinstance(expr, list):
        for v in expr:
            _expr_fields(v, out)


def stage_fields(stage_dicts):
    """The sample fields read by serialised stages (Match queries, sorts...).

    Args:
        stage_dicts: a list of FiftyOne stage dicts (``view._serialize()``)

    Returns:
        a sorted list of field paths
    """
    out = set()
    for s in stage_dicts:
        kwargs = dict((k, v) for k, v in s.get("kwargs", []))
        cls = s.get("_cls", "")
        if cls.endswith(".Match"):
            f = kwargs.get("filter")
            if isinstance(f, dict) and "$expr" not in f:
                _query_fields(f, out)
            else:
                _expr_fields(f, out)
        elif cls.endswith((".SortBy",)):
            f = kwargs.get("field_or_expr")
            if isinstance(f, str):
                out.add(f)
            else:
                _expr_fields(f, out)
        elif cls.endswith((".Exists", ".FilterLabels", ".FilterField", ".SelectFields")):
            f = kwargs.get("field") or kwargs.get("field_names")
            if isinstance(f, str):
                out.add(f)
            elif isinstance(f, list):
                out.update(x for x in f if isinstance(x, str))
    return sorted(x for x in out if x not in ("_id", "id", "tags", "filepath"))


def _missing_fields(dataset, fields):
    schema = dataset.get_field_schema(flat=True)
    missing = []
    for f in fields:
        f = f.replace("_id", "id") if f.endswith("._id") else f
        # `excluded` is optional by design: views filter on it before any
        # fine-grained edit has created it.
        if f in schema or f.split(".")[0] in ("tags", "_id", "id", "filepath", "_rand", "_media_type", sch.EXCLUDED):
            continue
        missing.append(f)
    return missing


# -----------------------------------------------------------------------------
# export
# -----------------------------------------------------------------------------


def export_saved_views(dataset, path, names=None):
    """Writes saved views of a dataset to a portable JSON file.

    Every view's stored stages are checked by :mod:`datadiver_fo.customize.stage_guard`
    first; a view the guard refuses is never written to a file.

    Args:
        dataset: a FiftyOne dataset (a view's dataset is used)
        path: the ``.json`` file to write (folders are created)
        names (None): saved-view names to export; None = all

    Returns:
        the list of exported view names

    Raises:
        ValueError: if a requested name is not a saved view of the dataset,
            or a view's stored stages are refused (the message names it:
            delete it, or export the others with ``names=``)
    """
    ds = dataset._root_dataset
    available = ds.list_saved_views()
    if names is None:
        names = available
    elif isinstance(names, str):
        names = [names]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"Not saved views of dataset {ds.name!r}: {unknown}; available: {available}")
    records = get_view_records(ds)
    infos = {i["name"]: i for i in ds.list_saved_views(info=True)}
    views = []
    for name in names:
        try:
            stages = stage_guard.check_saved_view_doc(ds, name)
        except ValueError as e:
            raise ValueError(f"{e}. Nothing was exported; delete that view or pass names= without it") from None
        rec = records.get(name)
        views.append(
            {
                "name": name,
                "description": infos[name].get("description"),
                "color": infos[name].get("color"),
                "stages": _stage_dicts(stages),
                "spec": rec.get("spec") if rec else None,
                "provenance": rec,
            }
        )
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "source_dataset": ds.name,
        "views": views,
    }
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, default=str)
    return list(names)


# -----------------------------------------------------------------------------
# import: check the whole file, then fit each view to the dataset, then save
# -----------------------------------------------------------------------------


def _read(path):
    if not os.path.isfile(path):
        raise ValueError(f"No such file: {path!r}")
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path!r} is {size} bytes; a saved-views file may have at most {MAX_FILE_BYTES}")
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path!r} is not JSON: {e}") from None
    except RecursionError:
        raise ValueError(f"{path!r} is nested too deeply to be a saved-views file") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path!r} is not a DataDiver saved-views file (format {FORMAT!r})")
    version = doc.get("version")
    if isinstance(version, bool) or version not in READ_VERSIONS:
        raise ValueError(f"{path!r} has version {version!r}; this library reads versions {list(READ_VERSIONS)}")
    return doc


def _json_size(value):
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def _check_entry(entry, i):
    """One file entry -> a clean dict; raises ValueError naming the problem."""
    if not isinstance(entry, dict):
        raise ValueError(f"views[{i}] must be an object, got {type(entry).__name__}")
    name = entry.get("name")
    try:
        check_view_name(name)
    except ValueError as e:
        raise ValueError(f"views[{i}]: {e}") from None
    extra = sorted(set(entry) - _ENTRY_KEYS)
    if extra:
        raise ValueError(f"Saved view {name!r}: unknown keys {extra[:10]} (allowed: {sorted(_ENTRY_KEYS)})")
    description = _check_description(entry.get("description"), name)
    color = _check_color(entry.get("color"), name)
    raw_stages = entry.get("stages") or []
    if not isinstance(raw_stages, list):
        raise ValueError(f"Saved view {name!r}: 'stages' must be a list")
    size = _json_size(raw_stages)
    if size > stage_guard.MAX_VIEW_BYTES:
        raise ValueError(
            f"Saved view {name!r}: its stages are {size} bytes of JSON, more than the "
            f"{stage_guard.MAX_VIEW_BYTES} allowed"
        )
    try:
        decoded = json_util.loads(json.dumps(raw_stages))  # {"$oid": ...} -> ObjectId
    except Exception as e:  # bson raises its own errors (InvalidId...) for bad markers
        raise ValueError(f"Saved view {name!r}: its stages are not valid extended JSON: {e}") from None
    stages = stage_guard.validate_stage_dicts(decoded, name)
    spec = entry.get("spec")
    if spec is not None:
        if not isinstance(spec, dict):
            raise ValueError(f"Saved view {name!r}: 'spec' must be an object or null")
        if _json_size(spec) > MAX_RECORD_BYTES:
            raise ValueError(f"Saved view {name!r}: its spec is larger than {MAX_RECORD_BYTES} bytes")
    provenance = entry.get("provenance")
    if provenance is not None:
        if not isinstance(provenance, dict):
            raise ValueError(f"Saved view {name!r}: 'provenance' must be an object or null")
        size = _json_size(provenance)
        if size > MAX_RECORD_BYTES:
            raise ValueError(
                f"Saved view {name!r}: its provenance is {size} bytes, more than the {MAX_RECORD_BYTES} allowed"
            )
    return {
        "name": name, "description": description, "color": color, "stages": stages,
        "spec": spec, "provenance": provenance,
    }


def validate_file(path):
    """Checks a saved-views file as data, without touching any dataset.

    Args:
        path: the JSON file

    Returns:
        ``(doc, entries)``: the parsed file and the list of clean entries
        (``name``, ``description``, ``color``, ``stages`` checked and decoded
        by :func:`datadiver_fo.customize.stage_guard.validate_stage_dicts`, ``spec``,
        ``provenance``)

    Raises:
        ValueError: the file is missing, too large, not JSON, not this
            format / a version this library reads, or any entry is bad (a
            stage that is not an allowed read-only FiftyOne stage, a forbidden
            operator, a name, description, colour, spec or provenance of the
            wrong type or size, two entries with one name or one slug); the
            message lists every bad entry
    """
    doc = _read(path)
    extra = sorted(k for k in doc if k not in _TOP_KEYS)
    problems = []
    if extra:
        problems.append(f"unknown top-level keys {extra[:10]} (allowed: {sorted(_TOP_KEYS)})")
    for key in ("exported_at", "source_dataset"):
        value = doc.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > _MAX_META_CHARS):
            problems.append(f"{key!r} must be a string of at most {_MAX_META_CHARS} characters or null")
    views = doc.get("views")
    if not isinstance(views, list):
        raise ValueError(f"{path!r}: 'views' must be a list")
    if len(views) > MAX_VIEWS:
        raise ValueError(f"{path!r} holds {len(views)} views; at most {MAX_VIEWS} per file")
    entries, by_slug = [], {}
    for i, entry in enumerate(views):
        try:
            clean = _check_entry(entry, i)
        except ValueError as e:
            problems.append(str(e))
            continue
        slug = _slug(clean["name"])
        if slug in by_slug:
            problems.append(
                f"Saved view {clean['name']!r}: same name or slug as the entry {by_slug[slug]!r} of this file"
            )
            continue
        by_slug[slug] = clean["name"]
        entries.append(clean)
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise ValueError(f"{path!r} was refused, nothing was imported: {shown}")
    return doc, entries


def _view_from_entry(ds, entry):
    """Builds the view of one checked entry on ``ds``; raises ValueError."""
    spec = entry.get("spec")
    if spec:
        spec = vs.normalize_spec(ds, spec, allow_all=True)
        return vs.compile_spec(ds, spec, allow_all=True), spec
    from fiftyone.core.view import DatasetView

    stages = entry["stages"]
    missing = _missing_fields(ds, stage_fields(stages))
    if missing:
        raise ValueError(f"field(s) {missing} used by the view do not exist on dataset {ds.name!r}")
    try:
        view = DatasetView._build(ds, stages)
    except Exception as e:  # any stage FiftyOne refuses on this dataset
        raise ValueError(f"its stages do not apply to dataset {ds.name!r}: {e}") from None
    return view, None


def import_saved_views(dataset, path, overwrite=False, names=None):
    """Imports views from a file written by :func:`export_saved_views`.

    Three steps. (1) The whole file is checked as data
    (:func:`validate_file`): if any entry is bad, a ValueError lists the bad
    entries and NOTHING is saved. (2) Each view is validated against this
    dataset: a prompt view's spec must be valid here (classes, groups,
    corruptions, fields exist) and is re-compiled; a plain view's fields must
    exist; a view that does not fit is reported in ``failed``. (3) Under the
    saved-views lock the fitting views are saved through the same checks as
    :func:`save_view` (a slug clash with a differently named view is a
    ``failed`` entry naming both; an existing name without ``overwrite`` is
    ``skipped``).

    Args:
        dataset: the target FiftyOne dataset
        path: the JSON file
        overwrite (False): replace saved views with the same name; without
            it they are skipped (reported). Views of other names are never
            replaced
        names (None): only import these names

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report`
        ``{"imported": [names], "skipped": [{"name", "reason"}],
        "failed": [{"name", "reason"}]}``

    Raises:
        ValueError: if the file is missing, too large, not JSON, not in this
            format, or holds a bad entry (see :func:`validate_file`)
        TimeoutError: another process held the saved-views lock for 30 s
    """
    ds = dataset._root_dataset
    doc, entries = validate_file(path)
    if isinstance(names, str):
        names = [names]
    report = {"imported": [], "skipped": [], "failed": []}
    prepared = []
    for entry in entries:
        if names is not None and entry["name"] not in names:
            continue
        try:
            view, spec = _view_from_entry(ds, entry)
            stage_guard.validate_stage_dicts(view._serialize(include_uuids=False), entry["name"])
            prepared.append((entry, view, spec, None))
        except ValueError as e:
            prepared.append((entry, None, None, str(e)))
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    with store.lock(ds, LOCK_NAME):
        ds.reload()
        for entry, view, spec, error in prepared:
            name = entry["name"]
            if ds.has_saved_view(name) and not overwrite:
                report["skipped"].append({"name": name, "reason": "a saved view with this name exists (overwrite=False)"})
                continue
            if error is not None:
                report["failed"].append({"name": name, "reason": error})
                continue
            rec = dict(entry.get("provenance") or {})
            if rec or spec:
                rec["spec"] = spec if spec is not None else rec.get("spec")
                rec["imported_from"] = doc.get("source_dataset")
                rec["imported_at"] = now
            try:
                record_json(name, rec)
                _save_locked(ds, name, view, entry["description"], entry["color"], overwrite, rec or None)
            except ValueError as e:  # a slug clash with another view, a record grown too large
                report["failed"].append({"name": name, "reason": str(e)})
                continue
            report["imported"].append(name)
    return Report(report, title="import_saved_views")


# -----------------------------------------------------------------------------
# checks
# -----------------------------------------------------------------------------


def check_saved_views(dataset):
    """Re-checks every saved view and reports the broken ones.

    A view is broken when its stored stages are refused by
    :mod:`datadiver_fo.customize.stage_guard` (a class that is not an allowed read-only
    stage, a forbidden operator...: such a view is never built), when
    FiftyOne can no longer load or run it, when a field one of its stages
    reads no longer exists (deleted or renamed), or when its prompt spec is
    no longer valid (a class, tag or field gone).

    Args:
        dataset: a FiftyOne dataset

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report`
        ``{"ok": [names], "broken": [{"name", "reason"}],
        "orphan_records": [names]}``; orphan records are provenance records
        whose saved view was deleted
    """
    from fiftyone.core.view import DatasetView

    ds = dataset._root_dataset
    ds.reload()
    records = get_view_records(ds)
    report = {"ok": [], "broken": [], "orphan_records": []}
    names = ds.list_saved_views()
    for name in names:
        try:
            stages = stage_guard.check_saved_view_doc(ds, name)
        except ValueError as e:
            report["broken"].append({"name": name, "reason": f"refused, not loaded: {e}"})
            continue
        try:
            view = DatasetView._build(ds, stages, name=name)
        except Exception as e:
            report["broken"].append({"name": name, "reason": f"cannot be loaded: {e}"})
            continue
        missing = _missing_fields(ds, stage_fields(stages))
        if missing:
            report["broken"].append({"name": name, "reason": f"field(s) {missing} no longer exist"})
            continue
        spec = (records.get(name) or {}).get("spec")
        if spec:
            try:
                vs.normalize_spec(ds, spec, allow_all=True)
            except ValueError as e:
                report["broken"].append({"name": name, "reason": f"its prompt spec is no longer valid: {e}"})
                continue
        try:
            view.limit(1).count()
        except Exception as e:
            report["broken"].append({"name": name, "reason": f"fails to run: {e}"})
            continue
        report["ok"].append(name)
    report["orphan_records"] = sorted(n for n in records if n not in names)
    return Report(report, title="check_saved_views")


__all__ = [
    "save_view",
    "save_generated_view",
    "is_generated_record",
    "GENERATED_SOURCE",
    "LEGACY_MARKERS",
    "check_view_name",
    "validate_file",
    "export_saved_views",
    "import_saved_views",
    "check_saved_views",
    "stage_fields",
    "INFO_KEY",
]

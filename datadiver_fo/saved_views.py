"""Sharing saved views: portable JSON export / import, and broken-view checks.

FiftyOne shares saved views only inside one database. Here a saved view
travels as a JSON file holding, per view: its name, description, colour, the
serialised stages, and, for prompt views, the view spec and provenance record
(see :mod:`datadiver_fo.prompts`). Importing onto another dataset validates
everything against that dataset: a view with a spec is re-validated and
re-compiled from the spec (unknown classes / fields are reported with
suggestions); a plain view is rebuilt from its stages and every field its
stages read must exist.

File format (``"format": "datadiver-saved-views"``, ``"version": 1``)::

    {"format": ..., "version": 1, "exported_at": ISO time,
     "source_dataset": name,
     "views": [{"name", "description", "color", "stages": [...],
                "spec": {...} | null, "provenance": {...} | null}]}
"""
import datetime
import json
import os

from bson import json_util

from . import schema as sch
from . import viewspec as vs
from .prompts import INFO_KEY, get_view_records, set_view_record

FORMAT = "datadiver-saved-views"
VERSION = 1


def _stage_dicts(view):
    # extended JSON -> plain JSON keeps ObjectIds/dates portable
    return [json.loads(json_util.dumps(s)) for s in view._serialize(include_uuids=False)]


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


def export_saved_views(dataset, path, names=None):
    """Writes saved views of a dataset to a portable JSON file.

    Args:
        dataset: a FiftyOne dataset (a view's dataset is used)
        path: the ``.json`` file to write (folders are created)
        names (None): saved-view names to export; None = all

    Returns:
        the list of exported view names

    Raises:
        ValueError: if a requested name is not a saved view of the dataset
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
        view = ds.load_saved_view(name)
        rec = records.get(name)
        views.append(
            {
                "name": name,
                "description": infos[name].get("description"),
                "color": infos[name].get("color"),
                "stages": _stage_dicts(view),
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


def _read(path):
    if not os.path.isfile(path):
        raise ValueError(f"No such file: {path!r}")
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path!r} is not JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path!r} is not a DataDiver saved-views file (format {FORMAT!r})")
    if doc.get("version") != VERSION:
        raise ValueError(f"{path!r} has version {doc.get('version')!r}; this library reads {VERSION}")
    if not isinstance(doc.get("views"), list):
        raise ValueError(f"{path!r}: 'views' must be a list")
    return doc


def _view_from_entry(ds, entry):
    """Builds the view of one exported entry on ``ds``; raises ValueError."""
    spec = entry.get("spec")
    if spec:
        spec = vs.normalize_spec(ds, spec, allow_all=True)
        return vs.compile_spec(ds, spec, allow_all=True), spec
    from fiftyone.core.view import DatasetView

    stages = entry.get("stages") or []
    missing = _missing_fields(ds, stage_fields(stages))
    if missing:
        raise ValueError(f"field(s) {missing} used by the view do not exist on dataset {ds.name!r}")
    try:
        stage_dicts = [json_util.loads(json.dumps(s)) for s in stages]
        view = DatasetView._build(ds, stage_dicts)
    except Exception as e:  # any stage FiftyOne refuses on this dataset
        raise ValueError(f"its stages do not apply to dataset {ds.name!r}: {e}") from None
    return view, None


def import_saved_views(dataset, path, overwrite=False, names=None):
    """Imports views from a file written by :func:`export_saved_views`.

    Every view is validated against this dataset before anything is saved:
    a prompt view's spec must be valid here (classes, groups, corruptions,
    fields exist) and is re-compiled; a plain view's fields must exist.

    Args:
        dataset: the target FiftyOne dataset
        path: the JSON file
        overwrite (False): replace saved views with the same name; without
            it they are skipped (reported)
        names (None): only import these names

    Returns:
        a dict ``{"imported": [names], "skipped": [{"name", "reason"}],
        "failed": [{"name", "reason"}]}``

    Raises:
        ValueError: if the file is missing, not JSON or not in this format
    """
    ds = dataset._root_dataset
    doc = _read(path)
    report = {"imported": [], "skipped": [], "failed": []}
    for entry in doc["views"]:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            report["failed"].append({"name": name, "reason": "entry has no name"})
            continue
        if names is not None and name not in names:
            continue
        if ds.has_saved_view(name) and not overwrite:
            report["skipped"].append({"name": name, "reason": "a saved view with this name exists (overwrite=False)"})
            continue
        try:
            view, spec = _view_from_entry(ds, entry)
        except ValueError as e:
            report["failed"].append({"name": name, "reason": str(e)})
            continue
        try:
            ds.save_view(name, view, description=entry.get("description"), color=entry.get("color"),
                         overwrite=overwrite)
        except ValueError as e:  # e.g. slug clash with another view
            report["failed"].append({"name": name, "reason": str(e)})
            continue
        rec = dict(entry.get("provenance") or {})
        if rec or spec:
            rec["spec"] = spec if spec is not None else rec.get("spec")
            rec["imported_from"] = doc.get("source_dataset")
            rec["imported_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            set_view_record(ds, name, rec)
        report["imported"].append(name)
    return report


def check_saved_views(dataset):
    """Re-loads every saved view and reports the broken ones.

    A view is broken when FiftyOne can no longer load or run it, when a field
    one of its stages reads no longer exists (deleted or renamed), or when its
    prompt spec is no longer valid (a class, tag or field gone).

    Args:
        dataset: a FiftyOne dataset

    Returns:
        a dict ``{"ok": [names], "broken": [{"name", "reason"}],
        "orphan_records": [names]}``; orphan records are provenance records
        whose saved view was deleted
    """
    ds = dataset._root_dataset
    ds.reload()
    records = get_view_records(ds)
    report = {"ok": [], "broken": [], "orphan_records": []}
    names = ds.list_saved_views()
    for name in names:
        try:
            view = ds.load_saved_view(name)
        except Exception as e:
            report["broken"].append({"name": name, "reason": f"cannot be loaded: {e}"})
            continue
        missing = _missing_fields(ds, stage_fields(view._serialize(include_uuids=False)))
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
    return report


__all__ = ["export_saved_views", "import_saved_views", "check_saved_views", "stage_fields", "INFO_KEY"]

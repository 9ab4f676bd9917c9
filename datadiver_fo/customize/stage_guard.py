"""Saved views are data, never code: an allowlist for serialised FiftyOne stages.

FiftyOne rebuilds a saved view by importing whatever class a stage's ``_cls``
names and calling it with the stored ``kwargs``; a ``Mongo`` stage runs any
aggregation pipeline (``$merge`` writes, ``$function`` runs JavaScript). A
saved view read from a shared file or from a database other people write is
therefore checked here, as plain data, BEFORE any FiftyOne object is built:

-   ``_cls`` must be one of the read-only stage classes of
    ``fiftyone.core.stages`` listed in :data:`ALLOWED_STAGES` (never ``Mongo``,
    never a class outside that module);
-   every kwarg must be one that class takes, of the type listed there;
-   every query / expression dict (``Match`` filters, ``$expr``, sort and
    group expressions, at any depth, in dicts and lists) is free of the
    operators in :data:`FORBIDDEN_OPERATORS` (writes, server-side code, reads
    of other collections) and holds only plain values (str, numbers, bools,
    None, ObjectIds, datetimes, regexes);
-   a view has at most :data:`MAX_STAGES` stages, :data:`MAX_VIEW_BYTES` bytes
    of JSON and :data:`MAX_DEPTH` levels of nesting.

Two values are cleaned rather than refused, because they only change how
FiftyOne gets the same result: ``create_index`` is set to False (a view must
not create indexes on load) and ``SortBySimilarity``'s ``_state`` is dropped
(it caches a raw pipeline that FiftyOne would otherwise run as is; without it
FiftyOne recomputes the pipeline from the similarity index).

Entry points: :func:`validate_stage_dicts` (a list of stage dicts ->
the cleaned list) and :func:`load_saved_view` (a saved view of a dataset ->
a :class:`fiftyone.core.view.DatasetView`, checked first).
"""
import base64
import binascii
import copy
import datetime
import zlib

from bson import ObjectId, json_util
from bson.int64 import Int64
from bson.regex import Regex

from datadiver_fo.internal import store

MAX_STAGES = 64
MAX_VIEW_BYTES = 4 * 1024 * 1024  # JSON of one view's stages: ~150k sample ids
MAX_DEPTH = 48  # nesting of dicts/lists inside one stage
MAX_STRING = 100_000  # one string value (a field path, a prompt, a regex)
MAX_VECTOR_BYTES = 16 * 1024 * 1024  # a decompressed similarity query vector

_MODULE = "fiftyone.core.stages."

# Pipeline/query operators a saved view may never contain, compared
# case-insensitively: they write ($out, $merge), run code ($function,
# $where, $accumulator; "$code" is bson's extended-JSON marker for
# JavaScript), read other collections or databases ($lookup, $unionWith,
# $graphLookup, $documents) or server state ($currentOp, $collStats...).
FORBIDDEN_OPERATORS = frozenset(
    s.lower()
    for s in (
        "$out", "$merge", "$function", "$where", "$accumulator", "$code",
        "$lookup", "$unionWith", "$graphLookup", "$documents",
        "$currentOp", "$collStats", "$indexStats", "$planCacheStats",
        "$listSessions", "$listLocalSessions", "$listSearchIndexes",
        "$listSampledQueries", "$listCatalog", "$listClusterCatalog",
        "$changeStream", "$changeStreamSplitLargeEvent", "$queryStats",
        "$shardedDataDistribution", "$search", "$searchMeta", "$vectorSearch",
        "$dbPointer", "$dbRef",
    )
)
# System variables that expose server / user state rather than sample data.
_FORBIDDEN_VARIABLES = ("$$USER_ROLES", "$$SEARCH_META", "$$CLUSTER_TIME")

_LEAF_TYPES = (str, int, float, bool, type(None), ObjectId, datetime.datetime, Regex, Int64)


class _Refused(Exception):
    """Internal: a reason a stage is refused (turned into a ValueError)."""


# -----------------------------------------------------------------------------
# value checkers: each takes (value, where) and returns the cleaned value or
# raises _Refused naming `where`
# -----------------------------------------------------------------------------


def _desc(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _str(value, where):
    if not isinstance(value, str):
        raise _Refused(f"{where} must be a string, got {_desc(value)}")
    if type(value) is not str:  # bson.Code (JavaScript) subclasses str
        raise _Refused(f"{where} holds a {type(value).__name__}, which is not plain data")
    if len(value) > MAX_STRING:
        raise _Refused(f"{where} is a string of {len(value)} characters (at most {MAX_STRING})")
    return value


def _field(value, where):
    _str(value, where)
    if not value or value.startswith("$$"):
        raise _Refused(f"{where} must be a field name, got {_desc(value)}")
    return value


def _bool(value, where):
    if not isinstance(value, bool):
        raise _Refused(f"{where} must be true or false, got {_desc(value)}")
    return value


def _int(value, where):
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Refused(f"{where} must be an integer, got {_desc(value)}")
    return int(value)


def _nonneg_int(value, where):
    value = _int(value, where)
    if value < 0:
        raise _Refused(f"{where} must be >= 0, got {value}")
    return value


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Refused(f"{where} must be a number, got {_desc(value)}")
    return value


def _optional(check):
    def _check(value, where):
        return None if value is None else check(value, where)

    return _check


def _one_or_list(check):
    def _check(value, where):
        if isinstance(value, (list, tuple)):
            return [check(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return check(value, where)

    return _check


def _id(value, where):
    if isinstance(value, ObjectId):
        return value
    _str(value, where)
    if not ObjectId.is_valid(value):
        raise _Refused(f"{where} must be a 24-hex-digit id, got {_desc(value)}")
    return value


def _false_only(value, where):
    # Index creation is a write on the user's dataset: a loaded view never
    # does it (the sort gives the same samples without the index).
    _bool(value, where)
    return False


def _plain(value, where, depth=0):
    """A JSON-like value: checked for forbidden operators, leaf types, depth."""
    if depth > MAX_DEPTH:
        raise _Refused(f"{where} is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise _Refused(f"{where} has a non-string key {_desc(k)}")
            if k.lower() in FORBIDDEN_OPERATORS:
                raise _Refused(
                    f"{where} uses {k}, which writes, runs code or reads other "
                    f"collections; saved views may only read this dataset"
                )
            out[k] = _plain(v, f"{where}.{k}" if len(where) < 200 else where, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, where, depth + 1) for v in value]
    if not isinstance(value, _LEAF_TYPES) or (isinstance(value, str) and type(value) is not str):
        raise _Refused(f"{where} holds a {type(value).__name__}, which is not plain data")
    if isinstance(value, str):
        _str(value, where)
        if value.startswith(_FORBIDDEN_VARIABLES):
            raise _Refused(f"{where} reads the server variable {value.split('.')[0]}")
    return value


def _query(value, where):
    """A Match/Filter filter: a query or expression dict, or a bool."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, dict):
        raise _Refused(f"{where} must be a query dict or true/false, got {_desc(value)}")
    return _plain(value, where)


def _json(value, where):
    return _plain(value, where)


def _dict_or_str(value, where):
    if isinstance(value, str):
        return _str(value, where)
    if isinstance(value, dict):
        return _plain(value, where)
    raise _Refused(f"{where} must be a string or a dict, got {_desc(value)}")


def _field_or_expr(value, where):
    """SortBy/GroupBy key: a field, an expression dict, or a list of fields,
    expressions or ``[field_or_expr, order]`` pairs."""
    if isinstance(value, str):
        return _str(value, where)
    if isinstance(value, dict):
        return _plain(value, where)
    if isinstance(value, (list, tuple)):
        out = []
        for i, item in enumerate(value):
            w = f"{where}[{i}]"
            if isinstance(item, (list, tuple)):
                if len(item) != 2:
                    raise _Refused(f"{w} must be a [field_or_expr, order] pair")
                key, order = item
                if not (order in (1, -1) and not isinstance(order, bool)) and not isinstance(order, str):
                    raise _Refused(f"{w} has sort order {_desc(order)}; use 1, -1, 'asc' or 'desc'")
                out.append([_dict_or_str(key, w), order])
            else:
                out.append(_dict_or_str(item, w))
        return out
    raise _Refused(f"{where} must be a field, an expression or a list of them, got {_desc(value)}")


def _values(value, where):
    """SelectBy/ExcludeBy values: one scalar or a list of scalars."""
    def scalar(v, w):
        if isinstance(v, (dict, list, tuple)) or not isinstance(v, _LEAF_TYPES):
            raise _Refused(f"{w} must be a plain value, got {_desc(v)}")
        return _plain(v, w)

    return _one_or_list(scalar)(value, where)


def _labels(value, where):
    """Select/Exclude/MatchLabels ``labels``: a list of dicts of plain values."""
    if not isinstance(value, (list, tuple)):
        raise _Refused(f"{where} must be a list of label dicts, got {_desc(value)}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise _Refused(f"{where}[{i}] must be a dict, got {_desc(item)}")
        for k, v in item.items():
            if isinstance(v, (dict, list, tuple)):
                raise _Refused(f"{where}[{i}].{k} must be a plain value")
        out.append(_plain(item, f"{where}[{i}]"))
    return out


def _similarity_query(value, where):
    """A SortBySimilarity query: an id, a prompt, a list of them, or a
    serialised vector (base64 of a zlib-compressed ``.npy``)."""
    if isinstance(value, (list, tuple)):
        return [_str(v, f"{where}[{i}]") for i, v in enumerate(value)]
    _str(value, where)
    if ObjectId.is_valid(value):
        return value
    # FiftyOne tries to decompress any other string as a vector before
    # treating it as a prompt: bound the decompression (a zlib bomb) and
    # refuse object arrays here, the way FiftyOne would decode it.
    try:
        raw = base64.b64decode(value.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return value  # not base64: a prompt
    d = zlib.decompressobj()
    try:
        data = d.decompress(raw, MAX_VECTOR_BYTES + 1)
    except zlib.error:
        return value  # not compressed: a prompt
    if len(data) > MAX_VECTOR_BYTES or d.unconsumed_tail:
        raise _Refused(f"{where} decompresses to more than {MAX_VECTOR_BYTES} bytes")
    if _npy_has_objects(data):
        raise _Refused(f"{where} is a serialised object array, not a vector of numbers")
    return value


def _npy_has_objects(data):
    """Whether ``.npy`` bytes hold Python objects (pickles). The header is
    parsed by numpy's own literal parser; nothing is unpickled."""
    import io

    import numpy as np

    try:
        f = io.BytesIO(data)
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            _, _, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            _, _, dtype = np.lib.format.read_array_header_2_0(f)
    except Exception:
        return False  # not an .npy: FiftyOne's np.load fails the same way
    return bool(dtype.hasobject)


def _drop(value, where):
    # SortBySimilarity's cached `_state` holds a raw pipeline FiftyOne reuses
    # verbatim when the rest matches: never trust it, let FiftyOne recompute.
    return None


def _no_dist_field(value, where):
    # dist_field makes FiftyOne write distances into that sample field (any
    # field, even ground_truth) each time the view loads.
    if value is not None:
        raise _Refused(
            f"{where} is {_desc(value)}: it would write distances into the dataset each time the "
            f"view loads; save the view without dist_field"
        )
    return None


_STRS = _one_or_list(_str)
_FIELDS = _one_or_list(_field)
_IDS = _one_or_list(_id)
_OPT_BOOL = _optional(_bool)
_OPT_STRS = _optional(_STRS)
_OPT_FIELDS = _optional(_FIELDS)
_OPT_IDS = _optional(_IDS)
_SEED = _optional(_number)
_OPT_INT = _optional(_int)

# class name -> ({kwarg: checker}, required kwargs). Every class here only
# reads the samples of its own dataset; left out on purpose: Mongo (raw
# pipeline), Concat (another collection), SetField/MapLabels/MapValues
# (rewrite values), To* (build generated datasets), Geo* (create indexes),
# frame stages (videos only).
ALLOWED_STAGES = {
    "Match": ({"filter": _query}, ("filter",)),
    "MatchTags": ({"tags": _STRS, "bool": _OPT_BOOL, "all": _bool}, ("tags",)),
    "Exists": ({"field": _field, "bool": _OPT_BOOL}, ("field",)),
    "Select": ({"sample_ids": _IDS, "ordered": _bool}, ("sample_ids",)),
    "Exclude": ({"sample_ids": _IDS}, ("sample_ids",)),
    "SelectBy": ({"field": _field, "values": _values, "ordered": _bool}, ("field", "values")),
    "ExcludeBy": ({"field": _field, "values": _values}, ("field", "values")),
    "Take": ({"size": _nonneg_int, "seed": _SEED, "_randint": _OPT_INT}, ("size",)),
    "Limit": ({"limit": _int}, ("limit",)),
    "Skip": ({"skip": _int}, ("skip",)),
    "Shuffle": ({"seed": _SEED, "_randint": _OPT_INT}, ()),
    "SortBy": (
        {"field_or_expr": _field_or_expr, "reverse": _bool, "create_index": _false_only},
        ("field_or_expr",),
    ),
    "SortBySimilarity": (
        {
            "query": _similarity_query,
            "k": _optional(_nonneg_int),
            "reverse": _bool,
            "dist_field": _no_dist_field,
            "brain_key": _optional(_str),
            "_state": _drop,
        },
        ("query",),
    ),
    "SelectFields": (
        {"field_names": _OPT_FIELDS, "meta_filter": _optional(_dict_or_str), "_allow_missing": _bool},
        (),
    ),
    "ExcludeFields": (
        {"field_names": _OPT_FIELDS, "meta_filter": _optional(_dict_or_str), "_allow_missing": _bool},
        (),
    ),
    "FilterField": ({"field": _field, "filter": _query, "only_matches": _bool}, ("field", "filter")),
    "FilterLabels": (
        {"field": _field, "filter": _query, "only_matches": _bool, "trajectories": _bool},
        ("field", "filter"),
    ),
    "MatchLabels": (
        {
            "labels": _optional(_labels),
            "ids": _OPT_IDS,
            "instance_ids": _OPT_IDS,
            "tags": _OPT_STRS,
            "filter": _optional(_query),
            "fields": _OPT_FIELDS,
            "bool": _OPT_BOOL,
        },
        (),
    ),
    "SelectLabels": (
        {
            "labels": _optional(_labels),
            "ids": _OPT_IDS,
            "instance_ids": _OPT_IDS,
            "tags": _OPT_STRS,
            "fields": _OPT_FIELDS,
            "omit_empty": _bool,
        },
        (),
    ),
    "ExcludeLabels": (
        {
            "labels": _optional(_labels),
            "ids": _OPT_IDS,
            "instance_ids": _OPT_IDS,
            "tags": _OPT_STRS,
            "fields": _OPT_FIELDS,
            "omit_empty": _bool,
        },
        (),
    ),
    "LimitLabels": ({"field": _field, "limit": _nonneg_int}, ("field", "limit")),
    "GroupBy": (
        {
            "field_or_expr": _field_or_expr,
            "order_by": _optional(_field),
            "reverse": _bool,
            "flat": _bool,
            "match_expr": _optional(_json),
            "sort_expr": _optional(_json),
            "create_index": _false_only,
            "order_by_key": _optional(lambda v, w: v if isinstance(v, str) else _number(v, w)),
        },
        ("field_or_expr",),
    ),
    "SelectGroupSlices": (
        {
            "slices": _OPT_STRS,
            "media_type": _OPT_STRS,
            "flat": _bool,
            "_allow_mixed": _OPT_BOOL,
            "_force_mixed": _OPT_BOOL,
        },
        (),
    ),
    "ExcludeGroupSlices": ({"slices": _OPT_STRS, "media_type": _OPT_STRS}, ()),
}


def _label(view_name):
    return f"Saved view {view_name!r}"


def _stage_name(stage):
    cls = stage.get("_cls") if isinstance(stage, dict) else None
    return cls if isinstance(cls, str) and len(cls) <= 200 else _desc(cls)


def _check_stage(stage, where):
    """One stage dict -> its cleaned copy, or _Refused."""
    if not isinstance(stage, dict):
        raise _Refused(f"{where} must be a dict with '_cls' and 'kwargs', got {_desc(stage)}")
    extra = sorted(set(stage) - {"_cls", "kwargs", "_uuid"})
    if extra:
        raise _Refused(f"{where} has unknown keys {extra}")
    cls = stage.get("_cls")
    short = cls[len(_MODULE):] if isinstance(cls, str) and cls.startswith(_MODULE) else None
    if short == "Mongo":
        raise _Refused(
            f"{where} is a raw MongoDB pipeline, which can write ($merge, $out) or run code; it is "
            f"not an allowed read-only FiftyOne stage. Rebuild the view from read-only stages "
            f"(match, sort_by, select...)"
        )
    if short not in ALLOWED_STAGES:
        raise _Refused(
            f"{where} is not an allowed read-only FiftyOne stage (allowed: "
            f"{', '.join(sorted(ALLOWED_STAGES))})"
        )
    checkers, required = ALLOWED_STAGES[short]
    kwargs = stage.get("kwargs", [])
    if not isinstance(kwargs, (list, tuple)):
        raise _Refused(f"{where}: 'kwargs' must be a list of [name, value] pairs")
    out, seen = [], set()
    for i, pair in enumerate(kwargs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not isinstance(pair[0], str):
            raise _Refused(f"{where}: kwargs[{i}] must be a [name, value] pair, got {_desc(pair)}")
        name, value = pair
        if name in seen:
            raise _Refused(f"{where}: parameter {name!r} is given twice")
        seen.add(name)
        if name not in checkers:
            raise _Refused(
                f"{where}: unknown parameter {name[:80]!r} for {short} (allowed: {', '.join(checkers)})"
            )
        out.append([name, checkers[name](value, f"{where}: {name}")])
    missing = [r for r in required if r not in seen]
    if missing:
        raise _Refused(f"{where}: missing required parameter(s) {missing}")
    cleaned = {"_cls": cls, "kwargs": out}
    if stage.get("_uuid") is not None:
        cleaned["_uuid"] = _str(stage["_uuid"], f"{where}: _uuid")[:64]
    return cleaned


def view_bytes(stage_dicts):
    """The size in bytes of the extended JSON of ``stage_dicts`` (what the
    :data:`MAX_VIEW_BYTES` cap measures)."""
    return len(json_util.dumps(stage_dicts).encode("utf-8"))


def validate_stage_dicts(stage_dicts, view_name):
    """Checks a saved view's serialised stages against the read-only allowlist.

    Nothing is imported, built or run: the stages are inspected as data.

    Args:
        stage_dicts: a list of stage dicts ``{"_cls": "fiftyone.core.stages.<Class>",
            "kwargs": [[name, value], ...], "_uuid": optional str}`` with values
            as :func:`bson.json_util.loads` returns them (ObjectIds and
            datetimes decoded; undecoded ``{"$oid": ...}`` dicts also pass)
        view_name: the view's name, used in error messages

    Returns:
        a new list of cleaned stage dicts, safe for
        ``fiftyone.core.view.DatasetView._build``: same stages and values,
        ``create_index`` set to False, ``SortBySimilarity._state`` set to None

    Raises:
        ValueError: ``"Saved view '<name>': <reason>"`` when the list is not a
            list, has more than :data:`MAX_STAGES` stages or more than
            :data:`MAX_VIEW_BYTES` bytes, or when a stage is not an allowed
            class, has an unknown / missing / mistyped parameter, nests deeper
            than :data:`MAX_DEPTH` or uses an operator in
            :data:`FORBIDDEN_OPERATORS`; the reason names the stage (1-based)
            and its class
    """
    label = _label(view_name)
    if not isinstance(stage_dicts, (list, tuple)):
        raise ValueError(f"{label}: its stages must be a list, got {type(stage_dicts).__name__}")
    if len(stage_dicts) > MAX_STAGES:
        raise ValueError(f"{label}: {len(stage_dicts)} stages, more than the {MAX_STAGES} allowed")
    cleaned = []
    for i, stage in enumerate(stage_dicts, 1):
        where = f"stage {i} ({_stage_name(stage)})"
        try:
            cleaned.append(_check_stage(stage, where))
        except _Refused as e:
            raise ValueError(f"{label}: {e}") from None
        except RecursionError:
            raise ValueError(f"{label}: {where} is nested too deeply") from None
    size = view_bytes(cleaned)
    if size > MAX_VIEW_BYTES:
        raise ValueError(
            f"{label}: its stages are {size} bytes of JSON, more than the {MAX_VIEW_BYTES} allowed; "
            f"select fewer samples by id or use a filter instead"
        )
    return copy.deepcopy(cleaned)


def stored_stage_dicts(view_doc, view_name=None):
    """The raw stage dicts of a FiftyOne ``SavedViewDocument`` (its
    ``view_stages`` JSON strings decoded with :func:`bson.json_util.loads`),
    NOT validated: pass them to :func:`validate_stage_dicts`.

    Raises:
        ValueError: if ``view_stages`` is not a list of JSON strings
    """
    name = view_name if view_name is not None else getattr(view_doc, "name", "?")
    raw = getattr(view_doc, "view_stages", None)
    if not isinstance(raw, (list, tuple)) or not all(isinstance(s, str) for s in raw):
        raise ValueError(f"{_label(name)}: its stored stages are not a list of JSON strings")
    if len(raw) > MAX_STAGES:
        raise ValueError(f"{_label(name)}: {len(raw)} stages, more than the {MAX_STAGES} allowed")
    out = []
    for i, s in enumerate(raw, 1):
        try:
            out.append(json_util.loads(s))
        except (ValueError, TypeError, RecursionError) as e:
            raise ValueError(f"{_label(name)}: stage {i} is not valid JSON ({str(e)[:200]})") from None
    return out


def saved_view_doc(dataset, name):
    """The ``SavedViewDocument`` of saved view ``name`` on the root dataset of
    ``dataset`` (as last loaded; call ``dataset.reload()`` to see other
    processes' saves).

    Raises:
        ValueError: if there is no saved view ``name`` (lists the ones there are)
    """
    ds = dataset._root_dataset
    docs = store.saved_view_docs(ds)
    for doc in docs:
        if doc.name == name:
            return doc
    names = [d.name for d in docs]
    raise ValueError(f"Dataset {ds.name!r} has no saved view {name!r}; saved views: {names}")


def check_saved_view_doc(dataset, name):
    """Validates a stored saved view without building it.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is read)
        name: a saved view name

    Returns:
        the cleaned stage dicts (see :func:`validate_stage_dicts`)

    Raises:
        ValueError: no such saved view, or its stages are refused
    """
    doc = saved_view_doc(dataset, name)
    return validate_stage_dicts(stored_stage_dicts(doc, name), name)


def load_saved_view(dataset, name):
    """Loads a saved view after checking its stored stages as data.

    The safe replacement for ``dataset.load_saved_view(name)``: the raw
    stored stages are validated with :func:`validate_stage_dicts` first, and
    only the cleaned stages are built, so a hostile view stored by someone
    else is refused before FiftyOne imports or runs anything.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is used)
        name: the saved view's name

    Returns:
        a :class:`fiftyone.core.view.DatasetView` named ``name``

    Raises:
        ValueError: if there is no such saved view, or its stages are refused
            (the message names the view, the stage and the reason)
    """
    import fiftyone.core.view as fov

    ds = dataset._root_dataset
    doc = saved_view_doc(ds, name)
    cleaned = validate_stage_dicts(stored_stage_dicts(doc, name), name)
    view = fov.DatasetView._build(ds, cleaned, name=name)
    store.mark_saved_view_loaded(doc)  # what FiftyOne's own loader records (the App sorts by it)
    return view


__all__ = [
    "ALLOWED_STAGES",
    "FORBIDDEN_OPERATORS",
    "MAX_STAGES",
    "MAX_VIEW_BYTES",
    "MAX_DEPTH",
    "validate_stage_dicts",
    "stored_stage_dicts",
    "saved_view_doc",
    "check_saved_view_doc",
    "load_saved_view",
    "view_bytes",
]

"""The view spec: a typed, versioned, JSON description of a selection.

A view spec is what a prompt (offline parser or LLM) or
:func:`datadiver_fo.select` produces. It is plain data: it is validated
against the dataset's own vocabulary (:func:`normalize_spec`), compiled into
read-only FiftyOne view stages (:func:`compile_spec`, no ``eval``/``exec``,
no write stage can ever come out of it) and explained in plain English
(:func:`describe_spec`).

Version 2 (current)::

    {
        "version": 2,
        "include": {"classes": [...], "wnids": [...], "groups": [...],
                    "corruptions": [...], "families": [...],
                    "severities": [ints], "tags": [...]},
        "clauses": [{same keys as include, "filters": [condition, ...]}, ...],
        "exclude": {same keys as include},
        "filters": [condition, ...],
        "missing_labels": "include" | "exclude" | "only",
        "honor_exclusions": True,
        "sort": {"field": "ood_score", "reverse": True} | None,
        "similar_to": {"text": "...", "sample_ids": [...],
                       "brain_key": "...", "k": 50} | None,
        "limit": 50 | None,
        "take": {"n": 100, "seed": 51} | None,
    }

    condition: {"field": "ood_score", "min": 0.4, "max": 0.6,
                "min_inclusive": True, "max_inclusive": False}
               (a numeric range; ``min`` or ``max`` may be None, not both)
             | {"field": "label_issue", "op": "==" | "!=" | "exists",
                "value": ...}

Semantics: inside one key values are OR'd; ``classes``, ``wnids`` and
``groups`` together form one OR'd class set (a group matches through the
``hypernyms`` field); different keys are AND'd. ``clauses`` is a UNION: when
it is not empty a sample must also match at least one clause ("fog at
severity 5 and snow at severity 1" is two clauses; "ood score under 0.2 and
above 0.9" too), each clause reading like ``include`` plus its own
``filters`` (AND'd). ``include`` and the top-level ``filters`` hold what
every clause shares. ``exclude`` removes samples matching ANY of its
entries, whatever clause they match (an exclusion may name classes, WordNet
groups, corruptions, families, severities or tags: "everything but noise" is
``exclude.families = ["noise"]``). Severity ranges (``{"min": 3}``,
``{"min": 2, "max": 4}``, ``"2-4"``) are accepted on input and normalised to
the list of severities present on the dataset (a range without ``min``
starts at 1: severity 0, the clean images, only when named). A numeric
condition may also be given as ``{"field", "op": ">=" | ">" | "<=" | "<",
"value"}``; it is normalised to the range form.

Version 1 (no ``clauses``; conditions only as ``{"field", "op", "value"}``)
is still read: saved views' provenance records, exported view files and the
panel may hold it. :func:`normalize_spec` migrates it on read
(:func:`migrate_spec`); nothing else changes meaning.

Severity words (:data:`SEVERITY_WORDS`, one table shared by the offline
parser, the LLM instructions and :func:`describe_spec`) on the 1-5 scale:

    ==========================================================  =========
    words                                                        severity
    ==========================================================  =========
    mildest, lightest, weakest, least severe, lowest severity    1
    mild, light, slight, weak, subtle, faint, low severity       1-2
    moderate, medium, medium severity                            3
    heavy, severe, strong, intense, harsh, dense, high severity  4-5
    worst, extreme, most severe, highest / max / maximum
    severity                                                     5
    ==========================================================  =========

Stage order of the compiled view: one ``Match`` (class set, corruptions,
..., the ``$or`` of the clauses, exclusions, filters, missing labels,
fine-grained exclusions), then ``take``, then ``similar_to`` or ``sort``,
then ``limit``.
"""
import copy
import difflib
import math
import re
import threading

import fiftyone.core.fields as fof

from datadiver_fo.internal import schema as sch
from datadiver_fo.internal import store
SPEC_VERSION = 2
READ_VERSIONS = (1, 2)  # versions normalize_spec accepts (1 is migrated)

SET_KEYS = ("classes", "wnids", "groups", "corruptions", "families", "severities", "tags")
CLASS_KEYS = ("classes", "wnids", "groups")
OPS = (">=", ">", "<=", "<", "==", "!=", "exists")
MISSING_LABELS = ("include", "exclude", "only")
DEFAULT_TAKE_SEED = 51
DEFAULT_SIMILAR_K = 50

_MONGO_OPS = {">=": "$gte", ">": "$gt", "<=": "$lte", "<": "$lt"}
_TOP_KEYS = (
    "version",
    "include",
    "clauses",
    "exclude",
    "filters",
    "missing_labels",
    "honor_exclusions",
    "sort",
    "similar_to",
    "limit",
    "take",
)
# Fields that are bookkeeping, not something a prompt filters on
_HIDDEN_FIELDS = {"id", "filepath", "metadata", "created_at", "last_modified_at"}
MAX_CLAUSES = 32

# Severity words on the 1-5 scale: the one table the offline parser, the LLM
# instructions and describe_spec read (see the module docstring). The first
# word of each severity tuple is the name describe_spec shows.
SEVERITY_WORDS = {
    "mildest": (1,), "lightest": (1,), "weakest": (1,), "slightest": (1,), "faintest": (1,),
    "least severe": (1,), "lowest severity": (1,), "minimum severity": (1,), "min severity": (1,),
    "mild": (1, 2), "mildly": (1, 2), "light": (1, 2), "lightly": (1, 2), "slight": (1, 2),
    "slightly": (1, 2), "weak": (1, 2), "subtle": (1, 2), "faint": (1, 2), "low severity": (1, 2),
    "moderate": (3,), "moderately": (3,), "medium": (3,), "medium severity": (3,),
    "heavy": (4, 5), "heavily": (4, 5), "severe": (4, 5), "severely": (4, 5), "strong": (4, 5),
    "strongly": (4, 5), "intense": (4, 5), "harsh": (4, 5), "dense": (4, 5), "thick": (4, 5),
    "high severity": (4, 5), "faintly": (1, 2), "weakly": (1, 2), "subtly": (1, 2), "intensely": (4, 5),
    "harshly": (4, 5), "densely": (4, 5), "thickly": (4, 5),
    "worst": (5,), "extreme": (5,), "extremely": (5,), "most severe": (5,), "highest severity": (5,),
    "max severity": (5,), "maximum severity": (5,),
}
_SEVERITY_NAMES = {}
for _word, _sevs in SEVERITY_WORDS.items():
    _SEVERITY_NAMES.setdefault(_sevs, _word)


def empty_spec():
    """Returns a new version-2 spec that selects nothing in particular.

    Returns:
        a dict with every key present and empty (``include`` / ``exclude``
        with empty lists, no clauses, no filters, ``missing_labels="include"``,
        ``honor_exclusions=True`` and ``None`` for sort, similarity, limit and
        take). On its own it would select the whole dataset, so
        :func:`normalize_spec` rejects it unless ``allow_all=True``.
    """
    return {
        "version": SPEC_VERSION,
        "include": {k: [] for k in SET_KEYS},
        "clauses": [],
        "exclude": {k: [] for k in SET_KEYS},
        "filters": [],
        "missing_labels": "include",
        "honor_exclusions": True,
        "sort": None,
        "similar_to": None,
        "limit": None,
        "take": None,
    }


# --------------------------------------------------------------------------
# Vocabulary: what this dataset contains (computed once, cached)
# --------------------------------------------------------------------------


class Vocabulary:
    """The values a spec may name on one dataset.

    Attributes:
        classes: class names (``dataset.default_classes`` plus every
            ``ground_truth.label`` present)
        wnids: WordNet ids present in the ``wnid`` field
        groups: WordNet ancestor names present in the ``hypernyms`` field
        corruptions, families: values of ``corruption`` /
            ``corruption_family`` present
        severities: sorted ints present in ``severity``
        tags: sample tags present
        fields: dict ``{field path: kind}`` of the primitive fields a filter
            or sort may use, kind one of ``"number"``, ``"bool"``,
            ``"string"``, ``"date"``
        similarity_keys: dict ``{brain_key: supports_text_prompts}`` of the
            similarity indexes on the dataset
        wnid_to_name: dict from ``dataset.info["wnid_to_name"]`` (may be empty)
    """

    def __init__(self, dataset):
        schema = dataset.get_field_schema(flat=True)
        self.fields = {}
        for path, field in schema.items():
            if path in _HIDDEN_FIELDS or any(p.startswith("_") for p in path.split(".")):
                continue
            if path.endswith(".id") or path.endswith(".tags") or path == "tags":
                continue
            kind = _field_kind(field)
            if kind is not None:
                self.fields[path] = kind

        wanted = {"labels": sch.GROUND_TRUTH + ".label", "wnids": sch.WNID,
                  "groups": sch.HYPERNYMS, "corruptions": sch.CORRUPTION,
                  "families": sch.CORRUPTION_FAMILY, "severities": sch.SEVERITY, "tags": "tags"}
        values = _distinct_values(dataset, {n: p for n, p in wanted.items() if p in schema})

        classes = list(dataset.default_classes or [])
        seen = set(classes)
        for label in values.get("labels", []):
            if label not in seen:
                classes.append(label)
                seen.add(label)
        self.classes = classes
        self.wnids = list(values.get("wnids", []))
        self.groups = list(values.get("groups", []))
        self.corruptions = list(values.get("corruptions", []))
        self.families = list(values.get("families", []))
        self.severities = sorted(int(s) for s in values.get("severities", []) if s is not None)
        self.tags = list(values.get("tags", []))
        self.wnid_to_name = dict((dataset.info or {}).get("wnid_to_name", {}) or {})
        self.has_excluded = sch.EXCLUDED in schema
        self.similarity_keys = {}
        try:
            for key in dataset.list_brain_runs(type="fiftyone.brain.similarity.Similarity"):
                cfg = dataset.get_brain_info(key).config
                self.similarity_keys[key] = bool(getattr(cfg, "supports_prompts", False))
        except Exception:  # brain not importable or no runs: no similarity
            self.similarity_keys = {}

        # case/space-insensitive lookups: "Gaussian noise" -> "gaussian_noise"
        self._lookup = {k: {} for k in SET_KEYS}
        for key in ("classes", "wnids", "groups", "corruptions", "families", "tags"):
            for v in getattr(self, key):
                self._lookup[key].setdefault(_norm(v), v)

    def values(self, key):
        """Returns the valid values for spec key ``key`` (see ``SET_KEYS``)."""
        return list(getattr(self, key))

    def canonical(self, key, value):
        """Returns the dataset's spelling of ``value`` for ``key``, or None."""
        if key == "severities":
            try:
                v = int(value)
            except (TypeError, ValueError):
                return None
            return v if v in self.severities else None
        if not isinstance(value, str):
            return None
        return self._lookup[key].get(_norm(value))

    def suggest(self, key, value, n=3):
        """Returns up to ``n`` valid values of ``key`` closest to ``value``."""
        if key == "severities":
            return [str(s) for s in self.severities]
        pool = {_norm(v): v for v in getattr(self, key)}
        close = difflib.get_close_matches(_norm(str(value)), list(pool), n=n, cutoff=0.6)
        return [pool[c] for c in close]

    def to_dict(self):
        """Returns the vocabulary as a JSON-serialisable dict."""
        return {
            "classes": self.classes,
            "wnids": self.wnids,
            "groups": self.groups,
            "corruptions": self.corruptions,
            "families": self.families,
            "severities": self.severities,
            "tags": self.tags,
            "fields": self.fields,
            "similarity_keys": self.similarity_keys,
        }


def _distinct_values(dataset, paths):
    """``{name: sorted distinct values}`` of each ``{name: field path}``
    over the whole dataset (list fields unwound, ``None`` left out, as
    FiftyOne's ``distinct``): indexed fields from their index, the others in
    one ``$group`` pass of ``$addToSet``s (a list field adds each distinct
    list, a few hundred at most, unwound here). FiftyOne's batched
    ``aggregate`` of ``Distinct`` ran one ``$facet`` over every document: 10 s
    at 950k samples carrying an 850-d vector each."""
    out, rest = {}, {}
    for name, path in paths.items():
        got = store.indexed_distinct(dataset, path)
        if got is None:
            rest[name] = path
        else:
            out[name] = got
    if rest:
        group = {"_id": None}
        group.update({f"v{i}": {"$addToSet": "$" + path} for i, path in enumerate(rest.values())})
        rows = store.group_rows(dataset, group)
        for i, name in enumerate(rest):
            found = set()
            for v in (rows[0].get(f"v{i}", []) if rows else []):
                found.update(v if isinstance(v, list) else [v])
            out[name] = [v for v in found if v is not None]
    return {name: sorted(vals, key=lambda v: (str(type(v)), v)) for name, vals in out.items()}


def _field_kind(field):
    if isinstance(field, fof.BooleanField):
        return "bool"
    if isinstance(field, (fof.FloatField, fof.IntField)):
        return "number"
    if isinstance(field, (fof.DateTimeField, fof.DateField)):
        return "date"
    if isinstance(field, fof.StringField) and not isinstance(field, fof.ObjectIdField):
        return "string"
    return None


def _norm(s):
    return re.sub(r"[\s_\-]+", " ", str(s).strip().lower())


_CACHE = {}
_CACHE_LOCK = threading.Lock()


def _cache_key(dataset):
    # Cheap change detection: schema, sample count, newest sample edit (the
    # `last_modified_at` index makes this one index lookup), dataset edit time.
    coll = store.sample_collection(dataset)
    newest = coll.find_one({}, sort=[("last_modified_at", -1)], projection={"last_modified_at": 1})
    return (
        store.dataset_id(dataset),
        coll.estimated_document_count(),
        newest.get("last_modified_at") if newest else None,
        dataset.last_modified_at,
        tuple(sorted(dataset.get_field_schema(flat=True))),
        tuple(dataset.default_classes or ()),
    )


def vocabulary(dataset, refresh=False):
    """Returns the :class:`Vocabulary` of a dataset, cached until it changes.

    Args:
        dataset: a FiftyOne dataset (or a view: its dataset is used)
        refresh (False): recompute even if the cached copy looks current

    Returns:
        a :class:`Vocabulary`. The cache is invalidated automatically when
        samples are added, deleted or edited, or the schema changes.
    """
    dataset = dataset._root_dataset
    key = _cache_key(dataset)
    with _CACHE_LOCK:
        hit = _CACHE.get(store.dataset_id(dataset))
        if hit is not None and hit[0] == key and not refresh:
            return hit[1]
    vocab = Vocabulary(dataset)
    with _CACHE_LOCK:
        _CACHE[store.dataset_id(dataset)] = (key, vocab)
    return vocab


# --------------------------------------------------------------------------
# Validation / normalisation
# --------------------------------------------------------------------------


def _bad(what, value, suggestions=None, valid=None):
    msg = f"Unknown {what} {value!r}"
    if suggestions:
        msg += "; did you mean " + ", ".join(repr(s) for s in suggestions) + "?"
    elif valid is not None:
        shown = list(valid)[:12]
        more = "" if len(valid) <= 12 else f" (and {len(valid) - 12} more)"
        msg += "; valid values: " + ", ".join(repr(v) for v in shown) + more
    return ValueError(msg)


_WHAT = {
    "classes": "class",
    "wnids": "wnid",
    "groups": "WordNet group",
    "corruptions": "corruption",
    "families": "corruption family",
    "severities": "severity",
    "tags": "tag",
}


def _expand_severities(value, vocab, where):
    """Turns ints, "3", "2-4", {"min":..,"max":..} (or lists of them) into ints."""
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            unknown = set(item) - {"min", "max"}
            if unknown:
                raise ValueError(f"{where}.severities: unknown range key(s) {sorted(unknown)}; use 'min'/'max'")
            lo = item.get("min", None)
            hi = item.get("max", None)
            # an open range never reaches severity 0 (clean images) unless asked
            lo = min([v for v in vocab.severities if v > 0] or [0]) if lo is None else _as_int(lo, where)
            hi = max(vocab.severities, default=0) if hi is None else _as_int(hi, where)
            if lo > hi:
                raise ValueError(f"{where}.severities: empty range min={lo} > max={hi}")
            out.extend(s for s in vocab.severities if lo <= s <= hi)
            continue
        if isinstance(item, str) and re.fullmatch(r"\s*\d+\s*-\s*\d+\s*", item):
            lo, hi = (int(x) for x in item.split("-"))
            out.extend(_expand_severities({"min": lo, "max": hi}, vocab, where))
            continue
        s = _as_int(item, where)
        if s not in vocab.severities:
            raise ValueError(
                f"{where}.severities: severity {s} is not on this dataset; "
                f"valid values: {vocab.severities}"
            )
        out.append(s)
    return out


def _as_int(v, where):
    if isinstance(v, bool):
        raise ValueError(f"{where}.severities: expected an integer, got {v!r}")
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    raise ValueError(f"{where}.severities: expected an integer, got {v!r}")


def _dedupe(values):
    out, seen = [], set()
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _dedupe_dicts(items):
    out = []
    for d in items:
        if d not in out:
            out.append(d)
    return out


def _normalize_set(block, vocab, where):
    if block is None:
        block = {}
    if not isinstance(block, dict):
        raise ValueError(f"'{where}' must be a dict with keys {list(SET_KEYS)}, got {type(block).__name__}")
    unknown = set(block) - set(SET_KEYS)
    if unknown:
        bad = sorted(unknown)[0]
        close = difflib.get_close_matches(bad, SET_KEYS, n=2)
        raise _bad(f"key in '{where}':", bad, close, SET_KEYS)
    out = {}
    for key in SET_KEYS:
        value = block.get(key) or []
        if key == "severities":
            out[key] = _dedupe(_expand_severities(value, vocab, where))
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}.{key} must be a list of strings, got {value!r}")
        vals = []
        for v in value:
            c = vocab.canonical(key, v)
            if c is None and key == "classes":
                c = _class_from_wnid_map(vocab, v)
            if c is None:
                raise _bad(f"{_WHAT[key]} in {where}.{key}:", v, vocab.suggest(key, v), vocab.values(key))
            vals.append(c)
        out[key] = _dedupe(vals)
    return out


def _class_from_wnid_map(vocab, name):
    # a readable name from info["wnid_to_name"] whose class is on the dataset
    n = _norm(name)
    for wnid, cname in vocab.wnid_to_name.items():
        if _norm(cname) == n and cname in vocab.classes:
            return cname
    return None


_RANGE_KEYS = ("min", "max", "min_inclusive", "max_inclusive")
_RANGE_OF_OP = {">=": ("min", True), ">": ("min", False), "<=": ("max", True), "<": ("max", False)}


def _number(value, where, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ValueError(f"{where}: {what} must be a number, got {value!r}")
    return value


def _normalize_range(f, field, where):
    """``{"field", "min", "max", "min_inclusive", "max_inclusive"}`` with the
    flags filled in (default inclusive) and the bounds checked."""
    lo, hi = f.get("min"), f.get("max")
    if lo is None and hi is None:
        raise ValueError(f"{where}: a range on {field!r} needs 'min', 'max' or both")
    lo = None if lo is None else _number(lo, where, "min")
    hi = None if hi is None else _number(hi, where, "max")
    flags = {}
    for key in ("min_inclusive", "max_inclusive"):
        flag = f.get(key, True)
        if flag is None:
            flag = True
        if not isinstance(flag, bool):
            raise ValueError(f"{where}: {key} must be true or false, got {flag!r}")
        flags[key] = flag
    if lo is not None and hi is not None and (lo > hi or (lo == hi and not (flags["min_inclusive"] and flags["max_inclusive"]))):
        raise ValueError(f"{where}: empty range on {field!r} (min {lo}, max {hi})")
    return {"field": field, "min": lo, "max": hi, **flags}


def is_range(condition):
    """Whether a normalised filter condition is the numeric range form."""
    return "op" not in condition


def _normalize_filter(f, vocab, i, where=None):
    where = where or f"filters[{i}]"
    if not isinstance(f, dict):
        raise ValueError(f"{where} must be a dict with 'field', 'op', 'value' or 'field', 'min', 'max', got {f!r}")
    ranged = any(k in f for k in _RANGE_KEYS)
    allowed = {"field", *_RANGE_KEYS} if ranged else {"field", "op", "value"}
    unknown = set(f) - allowed
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {sorted(unknown)}; use 'field', 'op', 'value' or "
            "'field', 'min', 'max', 'min_inclusive', 'max_inclusive'"
        )
    field = f.get("field")
    if not isinstance(field, str) or field not in vocab.fields:
        raise _bad(
            f"field in {where}:",
            field,
            difflib.get_close_matches(str(field), list(vocab.fields), n=3),
            sorted(vocab.fields),
        )
    kind = vocab.fields[field]
    if ranged:
        if kind != "number":
            raise ValueError(f"{where}: a min/max range needs a numeric field; {field!r} is {kind}")
        return _normalize_range(f, field, where)
    op = f.get("op", "==")
    if op not in OPS:
        raise ValueError(f"{where}: unknown op {op!r}; valid ops: {list(OPS)}")
    value = f.get("value", True if op == "exists" else None)
    if op == "exists":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: 'exists' takes true or false, got {value!r}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: field {field!r} is numeric, value must be a number, got {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: field {field!r} is boolean, value must be true/false, got {value!r}")
        if op not in ("==", "!="):
            raise ValueError(f"{where}: boolean field {field!r} only supports '==', '!=' and 'exists'")
    elif kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"{where}: field {field!r} is a string, value must be a string, got {value!r}")
    elif kind == "date":
        raise ValueError(f"{where}: filtering date field {field!r} is not supported")
    if kind == "number" and op in _RANGE_OF_OP:
        bound, inclusive = _RANGE_OF_OP[op]
        return _normalize_range({bound: value, bound + "_inclusive": inclusive}, field, where)
    return {"field": field, "op": op, "value": value}


def _normalize_similar(sim, vocab):
    if sim is None:
        return None
    if not isinstance(sim, dict):
        raise ValueError(f"'similar_to' must be a dict or null, got {sim!r}")
    unknown = set(sim) - {"text", "sample_ids", "brain_key", "k"}
    if unknown:
        raise ValueError(f"similar_to: unknown key(s) {sorted(unknown)}; use text, sample_ids, brain_key, k")
    text = sim.get("text") or None
    ids = sim.get("sample_ids") or []
    if isinstance(ids, str):
        ids = [ids]
    if bool(text) == bool(ids):
        raise ValueError("similar_to needs exactly one of 'text' or 'sample_ids'")
    if not vocab.similarity_keys:
        raise ValueError(
            "similar_to needs a similarity index on the dataset "
            "(fiftyone.brain.compute_similarity); none found"
        )
    key = sim.get("brain_key")
    if key is None:
        usable = [k for k, p in vocab.similarity_keys.items() if p or not text]
        if not usable:
            raise ValueError("similar_to.text needs a similarity index that supports text prompts; none found")
        key = sorted(usable)[0]
    elif key not in vocab.similarity_keys:
        raise _bad(
            "similarity brain_key:",
            key,
            difflib.get_close_matches(str(key), list(vocab.similarity_keys), n=3),
            sorted(vocab.similarity_keys),
        )
    elif text and not vocab.similarity_keys[key]:
        raise ValueError(f"similarity index {key!r} does not support text prompts")
    k = sim.get("k", DEFAULT_SIMILAR_K)
    if k is None:
        k = DEFAULT_SIMILAR_K
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
        raise ValueError(f"similar_to.k must be a positive integer, got {k!r}")
    out = {"text": text, "sample_ids": [str(i) for i in ids], "brain_key": key, "k": k}
    return out


def selects_everything(spec):
    """Returns True if a normalised spec applies no restriction at all.

    Sorting alone counts as a restriction (the user asked for an ordering);
    ``honor_exclusions`` does not.
    """
    return (
        not any(spec["include"][k] for k in SET_KEYS)
        and not spec.get("clauses")
        and not any(spec["exclude"][k] for k in SET_KEYS)
        and not spec["filters"]
        and spec["missing_labels"] == "include"
        and spec["sort"] is None
        and spec["similar_to"] is None
        and spec["limit"] is None
        and spec["take"] is None
    )


def migrate_spec(spec):
    """Returns a version-2 copy of a version-1 (or version-2) spec, unvalidated.

    Version 1 had no ``clauses`` and wrote numeric conditions as ``{"field",
    "op", "value"}``; both are still valid input, so the migration only sets
    the version and adds the empty clause list. Conditions are brought to the
    range form by :func:`normalize_spec`.

    Args:
        spec: a spec dict with ``"version"`` 1, 2 or absent (= current)

    Returns:
        a new dict with ``"version": 2``

    Raises:
        ValueError: an unknown version
    """
    if not isinstance(spec, dict):
        raise ValueError(f"A view spec must be a dict, got {type(spec).__name__}")
    version = spec.get("version", SPEC_VERSION)
    if isinstance(version, bool) or version not in READ_VERSIONS:
        raise ValueError(
            f"Unsupported view spec version {version!r}; this library reads versions "
            f"{', '.join(str(v) for v in READ_VERSIONS)}"
        )
    out = dict(spec)
    out["version"] = SPEC_VERSION
    out.setdefault("clauses", [])
    return out


def _class_part(block):
    return tuple(tuple(block[k]) for k in CLASS_KEYS)


def _part_keys(block):
    """The independent parts of a block: the class set, then the other keys."""
    parts = []
    if any(block[k] for k in CLASS_KEYS):
        parts.append(CLASS_KEYS)
    parts.extend((k,) for k in SET_KEYS if k not in CLASS_KEYS and block[k])
    return parts


def _normalize_clauses(clauses, include, filters, vocab):
    """Validates the clause list and brings it to its canonical form:
    parts shared by every clause move to ``include`` / ``filters``, a clause
    that restricts nothing makes the union vacuous, one remaining clause is
    merged into ``include`` when that cannot change its meaning."""
    if clauses is None:
        clauses = []
    if isinstance(clauses, dict):
        clauses = [clauses]
    if not isinstance(clauses, (list, tuple)):
        raise ValueError(f"'clauses' must be a list of dicts, got {clauses!r}")
    if len(clauses) > MAX_CLAUSES:
        raise ValueError(f"'clauses' has {len(clauses)} entries; at most {MAX_CLAUSES}")
    out = []
    for i, c in enumerate(clauses):
        where = f"clauses[{i}]"
        if not isinstance(c, dict):
            raise ValueError(f"{where} must be a dict with keys {list(SET_KEYS) + ['filters']}, got {c!r}")
        block = _normalize_set({k: v for k, v in c.items() if k != "filters"}, vocab, where)
        fl = c.get("filters") or []
        if isinstance(fl, dict):
            fl = [fl]
        if not isinstance(fl, (list, tuple)):
            raise ValueError(f"{where}.filters must be a list, got {fl!r}")
        block["filters"] = [_normalize_filter(f, vocab, j, f"{where}.filters[{j}]") for j, f in enumerate(fl)]
        if block not in out:
            out.append(block)
    if len(out) > 1:
        # what every clause shares is said once, in include / filters
        for part in (CLASS_KEYS,) + tuple((k,) for k in SET_KEYS if k not in CLASS_KEYS):
            if any(include[k] for k in part):
                continue
            first = [out[0][k] for k in part]
            if any(first) and all([c[k] for k in part] == first for c in out[1:]):
                for k in part:
                    include[k] = list(first[part.index(k)])
                    for c in out:
                        c[k] = []
        for cond in list(out[0]["filters"]):
            if all(cond in c["filters"] for c in out[1:]):
                filters.append(cond)
                for c in out:
                    c["filters"].remove(cond)
    if any(not _part_keys(c) and not c["filters"] for c in out):
        return []  # one clause selects everything: the union does too
    if len(out) == 1:
        c = out[0]
        taken = {k for part in _part_keys(include) for k in part}
        if not any(k in taken for part in _part_keys(c) for k in part):
            for k in SET_KEYS:
                if c[k]:
                    include[k] = list(c[k])
            filters.extend(f for f in c["filters"] if f not in filters)
            return []
    return out


def normalize_spec(dataset, spec, allow_all=False):
    """Validates a view spec against a dataset and returns its canonical form.

    Args:
        dataset: a FiftyOne dataset or view (its dataset's vocabulary is used)
        spec: a dict following the version-2 spec (see the module doc), or
            a version-1 one (migrated, see :func:`migrate_spec`).
            Missing keys take their defaults; names are matched case- and
            space-insensitively ("Gaussian noise" -> ``gaussian_noise``); a
            class may also be given by its readable name from
            ``dataset.info["wnid_to_name"]``; severities may be ints, strings
            like ``"2-4"`` or ranges ``{"min": 3}``
        allow_all (False): accept a spec with no restriction at all (it would
            select the whole dataset). Without it such a spec is an error, so a
            failed or empty prompt never silently means "everything"

    Returns:
        a new version-2 dict with every key present, values in the dataset's
        own spelling, severities as a list of ints, numeric conditions in the
        range form, and clauses in canonical form (what all clauses share
        moved to ``include``/``filters``; a single clause merged into
        ``include`` when no key overlaps). ``normalize_spec`` is idempotent.

    Raises:
        ValueError: naming the offending piece (key, class, field, value),
            with the closest valid names when there are some
    """
    if not isinstance(spec, dict):
        raise ValueError(f"A view spec must be a dict, got {type(spec).__name__}")
    unknown = set(spec) - set(_TOP_KEYS)
    if unknown:
        bad = sorted(unknown)[0]
        raise _bad("spec key", bad, difflib.get_close_matches(bad, _TOP_KEYS, n=2), _TOP_KEYS)
    spec = migrate_spec(spec)
    vocab = vocabulary(dataset)
    out = empty_spec()
    out["include"] = _normalize_set(spec.get("include"), vocab, "include")
    out["exclude"] = _normalize_set(spec.get("exclude"), vocab, "exclude")

    filters = spec.get("filters") or []
    if isinstance(filters, dict):
        filters = [filters]
    if not isinstance(filters, (list, tuple)):
        raise ValueError(f"'filters' must be a list, got {filters!r}")
    out["filters"] = _dedupe_dicts(_normalize_filter(f, vocab, i) for i, f in enumerate(filters))
    out["clauses"] = _normalize_clauses(spec.get("clauses"), out["include"], out["filters"], vocab)

    ml = spec.get("missing_labels", "include")
    if ml is None:
        ml = "include"
    if ml not in MISSING_LABELS:
        raise ValueError(f"missing_labels must be one of {list(MISSING_LABELS)}, got {ml!r}")
    out["missing_labels"] = ml

    he = spec.get("honor_exclusions", True)
    if not isinstance(he, bool):
        raise ValueError(f"honor_exclusions must be true or false, got {he!r}")
    out["honor_exclusions"] = he

    sort = spec.get("sort")
    if sort is not None:
        if isinstance(sort, str):
            sort = {"field": sort}
        if not isinstance(sort, dict) or set(sort) - {"field", "reverse"}:
            raise ValueError(f"sort must be {{'field': ..., 'reverse': bool}} or null, got {sort!r}")
        field = sort.get("field")
        if field not in vocab.fields:
            raise _bad(
                "sort field",
                field,
                difflib.get_close_matches(str(field), list(vocab.fields), n=3),
                sorted(vocab.fields),
            )
        rev = sort.get("reverse", False)
        if not isinstance(rev, bool):
            raise ValueError(f"sort.reverse must be true or false, got {rev!r}")
        out["sort"] = {"field": field, "reverse": rev}

    out["similar_to"] = _normalize_similar(spec.get("similar_to"), vocab)

    limit = spec.get("limit")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ValueError(f"limit must be a positive integer or null, got {limit!r}")
    out["limit"] = limit

    take = spec.get("take")
    if take is not None:
        if isinstance(take, int) and not isinstance(take, bool):
            take = {"n": take}
        if not isinstance(take, dict) or set(take) - {"n", "seed"}:
            raise ValueError(f"take must be {{'n': int, 'seed': int}} or null, got {take!r}")
        n = take.get("n")
        seed = take.get("seed", DEFAULT_TAKE_SEED)
        if seed is None:
            seed = DEFAULT_TAKE_SEED
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"take.n must be a positive integer, got {n!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"take.seed must be an integer, got {seed!r}")
        take = {"n": n, "seed": seed}
    out["take"] = take

    if not allow_all and selects_everything(out):
        raise ValueError(
            "The view spec selects the whole dataset (no class, corruption, "
            "severity, tag, filter, sort or limit); pass allow_all=True if "
            "that is really what you want"
        )
    return out


# --------------------------------------------------------------------------
# Compilation (read-only stages, built from data: nothing is evaluated)
# --------------------------------------------------------------------------

_SET_PATHS = {
    "corruptions": sch.CORRUPTION,
    "families": sch.CORRUPTION_FAMILY,
    "severities": sch.SEVERITY,
    "tags": "tags",
}


def _set_queries(block):
    """MongoDB query clauses for one include/exclude block: a list of
    (name, query) whose semantics are 'matches this entry'."""
    clauses = []
    cls = []
    if block["classes"]:
        cls.append({sch.GROUND_TRUTH + ".label": {"$in": block["classes"]}})
    if block["wnids"]:
        cls.append({sch.WNID: {"$in": block["wnids"]}})
    if block["groups"]:
        cls.append({sch.HYPERNYMS: {"$in": block["groups"]}})
    if cls:
        clauses.append(cls[0] if len(cls) == 1 else {"$or": cls})
    for key, path in _SET_PATHS.items():
        if block[key]:
            clauses.append({path: {"$in": list(block[key])}})
    return clauses


def _filter_query(f):
    if is_range(f):
        q = {}
        if f["min"] is not None:
            q["$gte" if f["min_inclusive"] else "$gt"] = f["min"]
        if f["max"] is not None:
            q["$lte" if f["max_inclusive"] else "$lt"] = f["max"]
        return {f["field"]: q}
    field, op, value = f["field"], f["op"], f["value"]
    if op == "exists":
        return {field: {"$exists": True, "$ne": None}} if value else {field: None}
    if op == "==":
        return {field: value}
    if op == "!=":
        # missing values are not "different from" a value: keep them out
        return {field: {"$nin": [value, None]}}
    return {field: {_MONGO_OPS[op]: value}}


def spec_query(spec):
    """Returns the MongoDB ``$match`` query of a normalised spec's filters.

    Args:
        spec: a spec returned by :func:`normalize_spec`

    Returns:
        a dict usable as a ``$match`` query (``{}`` when nothing filters)
    """
    clauses = _set_queries(spec["include"])
    union = []
    for c in spec.get("clauses") or []:
        parts = _set_queries(c) + [_filter_query(f) for f in c.get("filters") or []]
        if parts:
            union.append(parts[0] if len(parts) == 1 else {"$and": parts})
    if union:
        clauses.append(union[0] if len(union) == 1 else {"$or": union})
    ex = _set_queries(spec["exclude"])
    if ex:
        clauses.append({"$nor": ex})
    clauses.extend(_filter_query(f) for f in spec["filters"])
    if spec["missing_labels"] == "exclude":
        clauses.append({"tags": {"$ne": sch.TAG_MISSING_LABEL}})
    elif spec["missing_labels"] == "only":
        clauses.append({"tags": sch.TAG_MISSING_LABEL})
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def compile_spec(dataset, spec, allow_all=False):
    """Compiles a view spec into a FiftyOne view of read-only stages.

    Args:
        dataset: a FiftyOne dataset or view; the stages are applied to it
        spec: a view spec (normalised here, so a raw one is fine)
        allow_all (False): see :func:`normalize_spec`

    Returns:
        a :class:`fiftyone.core.view.DatasetView` built only from ``Match``,
        ``Take``, ``SortBy``, ``SortBySimilarity`` and ``Limit`` stages

    Raises:
        ValueError: if the spec is invalid for this dataset
    """
    spec = normalize_spec(dataset, spec, allow_all=allow_all)
    view = dataset.view()
    query = spec_query(spec)
    # Added even before the field exists: a view saved today must still drop
    # samples excluded tomorrow (a missing field matches `$ne: True`).
    if spec["honor_exclusions"]:
        excl = {sch.EXCLUDED: {"$ne": True}}
        query = {"$and": [query, excl]} if query else excl
    if query:
        view = view.match(query)
    if spec["take"]:
        view = view.take(spec["take"]["n"], seed=spec["take"]["seed"])
    if spec["similar_to"]:
        sim = spec["similar_to"]
        q = sim["text"] if sim["text"] else (sim["sample_ids"][0] if len(sim["sample_ids"]) == 1 else sim["sample_ids"])
        view = view.sort_by_similarity(q, k=sim["k"], brain_key=sim["brain_key"])
    elif spec["sort"]:
        view = view.sort_by(spec["sort"]["field"], reverse=spec["sort"]["reverse"])
    if spec["limit"]:
        view = view.limit(spec["limit"])
    return view


def spec_fields(spec):
    """Returns the sample fields a normalised spec reads (sorted list)."""
    fields = set()
    clauses = spec.get("clauses") or []
    for block in [spec["include"], spec["exclude"]] + list(clauses):
        if block["classes"]:
            fields.add(sch.GROUND_TRUTH)
        if block["wnids"]:
            fields.add(sch.WNID)
        if block["groups"]:
            fields.add(sch.HYPERNYMS)
        for key, path in _SET_PATHS.items():
            if block[key] and path != "tags":
                fields.add(path)
    fields.update(f["field"] for f in spec["filters"])
    for c in clauses:
        fields.update(f["field"] for f in c.get("filters") or [])
    if spec["sort"]:
        fields.add(spec["sort"]["field"])
    return sorted(fields)


# --------------------------------------------------------------------------
# Plain-English description
# --------------------------------------------------------------------------


def _or(values):
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " or " + values[-1]


def _block_phrases(block):
    parts = []
    cls = []
    if block["classes"]:
        cls.append("class " + _or(block["classes"]))
    if block["wnids"]:
        cls.append("wnid " + _or(block["wnids"]))
    if block["groups"]:
        cls.append("any kind of " + _or(block["groups"]))
    if cls:
        parts.append(" or ".join(cls))
    if block["corruptions"]:
        parts.append("corruption " + _or(block["corruptions"]))
    if block["families"]:
        parts.append("corruption family " + _or(block["families"]))
    if block["severities"]:
        parts.append(severity_phrase(block["severities"]))
    if block["tags"]:
        parts.append("tag " + _or(block["tags"]))
    return parts


def severity_phrase(severities):
    """``"severity 4 or 5 (heavy)"``: the severities, with their word from
    :data:`SEVERITY_WORDS` when they are exactly one entry's."""
    sev = sorted(severities)
    if len(sev) > 2 and sev == list(range(sev[0], sev[-1] + 1)):
        text = f"severity {sev[0]} to {sev[-1]}"
    else:
        text = "severity " + _or(sev)
    word = _SEVERITY_NAMES.get(tuple(sev))
    return text + (f" ({word})" if word else "")


_OP_WORDS = {">=": "at least", ">": "above", "<=": "at most", "<": "below", "==": "equal to", "!=": "not equal to"}


def _num_text(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def condition_phrase(f):
    """A filter condition in words: ``"ood_score is between 0.4 and 0.6"``."""
    field = f["field"]
    if is_range(f):
        lo, hi = f["min"], f["max"]
        lo_w = "at least" if f["min_inclusive"] else "above"
        hi_w = "at most" if f["max_inclusive"] else "below"
        if lo is not None and hi is not None:
            if f["min_inclusive"] and f["max_inclusive"]:
                return f"{field} is between {_num_text(lo)} and {_num_text(hi)}"
            return f"{field} is {lo_w} {_num_text(lo)} and {hi_w} {_num_text(hi)}"
        if lo is not None:
            return f"{field} is {lo_w} {_num_text(lo)}"
        return f"{field} is {hi_w} {_num_text(hi)}"
    if f["op"] == "exists":
        return f"{field} is {'set' if f['value'] else 'not set'}"
    if isinstance(f["value"], bool) and f["op"] == "==":
        return f"{field} is {str(f['value']).lower()}"
    return f"{field} is {_OP_WORDS[f['op']]} {f['value']}"


def _clause_phrase(clause):
    parts = _block_phrases(clause) + [condition_phrase(f) for f in clause.get("filters") or []]
    return " and ".join(parts) if parts else "anything"


def describe_spec(spec):
    """Explains a view spec in plain English.

    Args:
        spec: a normalised spec (a raw one with all keys also works)

    Returns:
        one or a few sentences, e.g. ``"Samples with any kind of dog, and
        with corruption fog or snow, and with severity 4 or 5 (heavy),
        excluding any with corruption clean."``. A union reads ``"either
        (corruption fog and severity 5 (worst)) or (corruption snow and
        severity 1 (mildest))"``; a range ``"where ood_score is between 0.4
        and 0.6"``; a sort with a limit ``"The 5 with the lowest ood_score
        (lowest first)."``; severities matching a word of
        :data:`SEVERITY_WORDS` carry it in brackets.
    """
    full = empty_spec()
    full.update(copy.deepcopy(spec))
    for k in ("include", "exclude"):
        blk = {key: [] for key in SET_KEYS}
        blk.update(full.get(k) or {})
        full[k] = blk
    clauses = []
    for c in full.get("clauses") or []:
        blk = {key: [] for key in SET_KEYS}
        blk.update(c)
        clauses.append(blk)
    spec = full
    inc = _block_phrases(spec["include"])
    if len(clauses) == 1:
        inc.append(_clause_phrase(clauses[0]))
    elif clauses:
        inc.append("either " + " or ".join(f"({_clause_phrase(c)})" for c in clauses))
    text = "Samples"
    if inc:
        text += " with " + ", and with ".join(inc)
    else:
        text = "All samples"
    exc = _block_phrases(spec["exclude"])
    extra = []
    if exc:
        extra.append("excluding any with " + " or with ".join(exc))
    extra.extend("where " + condition_phrase(f) for f in spec["filters"])
    if spec["missing_labels"] == "exclude":
        extra.append("leaving out images with a missing label")
    elif spec["missing_labels"] == "only":
        extra.append("only images with a missing label")
    if extra:
        text += ", " + ", ".join(extra)
    text += "."
    if spec["honor_exclusions"] is False:
        text += " Samples marked excluded are kept."
    if spec["take"]:
        text += f" A random {spec['take']['n']} of them (seed {spec['take']['seed']})."
    sim = spec["similar_to"]
    limit = spec["limit"]
    if sim:
        target = f"the text {sim['text']!r}" if sim.get("text") else f"sample(s) {', '.join(sim['sample_ids'])}"
        text += f" The {sim.get('k')} most similar to {target} (index {sim.get('brain_key')})."
    elif spec["sort"]:
        high = spec["sort"].get("reverse")
        direction = "highest first" if high else "lowest first"
        if limit:
            text += (f" The {limit} with the {'highest' if high else 'lowest'} {spec['sort']['field']}"
                     f" ({direction}).")
            limit = None
        else:
            text += f" Sorted by {spec['sort']['field']}, {direction}."
    if limit:
        text += f" At most {limit} sample{'' if limit == 1 else 's'}."
    return text

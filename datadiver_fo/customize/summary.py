"""Overview of a dataset or view: what the DataDiver panel shows, as plain
functions a notebook can call too.

-   :func:`corruption_severity_matrix`: counts per corruption x severity, with
    the cells that are possible but empty in the view listed;
-   :func:`class_table`: counts per class (and per class x corruption), with
    empty classes and empty cells flagged;
-   :func:`score_fields` / :func:`score_distributions`: histograms of the
    numeric score fields present (``ood_score``, ``label_quality``, quality
    fields, ...);
-   :func:`saved_views_table` / :func:`check_saved_view`: saved views with
    their provenance and whether they still load;
-   :func:`cell_view` / :func:`class_view` / :func:`range_view`: the view a
    click on a heatmap cell, a class row or a histogram bar selects.

Every count is a server-side aggregation, so the cost does not grow with a
Python loop over samples: each summary is one bare ``$group`` pass over the
view (:func:`datadiver_fo.internal.store.group_rows`;
``score_distributions``: one for the bounds, then one histogram per field,
two at a time), plus the row and column names of the whole dataset, read
from the indexes the loader creates.

**Cache.** The results of :func:`corruption_severity_matrix`,
:func:`class_table` and :func:`score_distributions` (and the dataset-wide
names they use) are kept in this process, keyed by (function, dataset,
view stages, arguments), with the dataset's change marker
(:func:`datadiver_fo.internal.store.change_marker`) read *before* computing.
A call answers from the cache only when the marker is unchanged: no write
to the dataset's samples, from this process or any other client (FiftyOne
calls such as ``set_values``, ``sample.save()``, ``view.save()``,
``delete_samples``, or raw pymongo writes), and no change to the dataset
document. Any write recomputes; a write during a computation makes the
next call recompute too. Views whose result can change without such a write
(generated patches/frames/clips views, similarity sorts, ``Mongo`` stages,
expressions reading the clock or a random number, video and grouped data)
are never cached. :func:`clear_cache` empties it.
"""
import collections
import copy
import math
import threading

import numpy as np

import fiftyone as fo
import fiftyone.core.fields as fof
from fiftyone import ViewField as F

from datadiver_fo.internal import schema as sch
from datadiver_fo.internal import store


# Score fields shown first when present, in this order; any other numeric
# top-level field (quality measures etc.) follows, alphabetically.
_PREFERRED_SCORES = (
    sch.OOD_SCORE,
    sch.LABEL_QUALITY,
    sch.OOD_KNN,
    "uniqueness",
    "mistakenness",
    "hardness",
)
# Numeric fields that are not scores: never plotted as distributions.
_NOT_SCORES = {sch.SEVERITY, "id", "filepath", "created_at", "last_modified_at"}


# Summaries kept per (function, dataset, stages, arguments): a few hundred
# bytes to a few kB each
_CACHE_SIZE = 128
_cache = collections.OrderedDict()
_cache_lock = threading.Lock()


def clear_cache():
    """Empties this process's summary cache (see the module docstring).
    Never needed for correctness; frees memory. Returns None."""
    with _cache_lock:
        _cache.clear()


def _cached(samples, name, args, compute):
    """``compute()``, or its earlier result when ``samples``' dataset has not
    changed since (same :func:`store.change_marker`). A copy is returned, so
    a caller editing the result does not edit the cache."""
    vkey = store.view_key(samples)
    marker = store.change_marker(samples) if vkey is not None else None
    if marker is None:
        return compute()
    key = (name, vkey, repr(args))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == marker:
            _cache.move_to_end(key)
            return copy.deepcopy(hit[1])
    # the marker was read before computing: a write from now on changes it
    value = compute()
    with _cache_lock:
        _cache[key] = (marker, copy.deepcopy(value))
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def _dataset_distinct(samples, fields):
    """``{field: sorted distinct non-None values}`` over the whole dataset of
    ``samples``, in one aggregation, cached. The panel's default fields are
    always included so that the heatmap and the class table share one pass."""
    import fiftyone.core.aggregations as foa

    dataset = samples._dataset
    wanted = set(fields)
    for f in (sch.CORRUPTION, sch.SEVERITY, sch.GROUND_TRUTH + ".label"):
        if dataset.get_field(f) is not None:  # e.g. not a Detections ground_truth
            wanted.add(f)
    wanted = sorted(wanted)

    def compute():
        # an indexed field (the loader indexes these) is read from its index;
        # the others in one aggregation
        out = {f: store.indexed_distinct(dataset, f) for f in wanted}
        rest = [f for f in wanted if out[f] is None]
        if rest:
            top = sorted({f.split(".")[0] for f in rest})
            res = dataset.select_fields(top).aggregate([foa.Distinct(f) for f in rest])
            out.update({f: [v for v in vals if v is not None] for f, vals in zip(rest, res)})
        return out

    return _cached(dataset, "distinct", wanted, compute)


def _check_samples(samples):
    if not isinstance(samples, fo.core.collections.SampleCollection):
        raise ValueError(
            "samples must be a FiftyOne Dataset or DatasetView, got %r" % type(samples).__name__
        )


def _require_fields(samples, fields):
    schema = samples.get_field_schema()
    missing = [f for f in fields if f not in schema]
    if missing:
        raise ValueError(
            "the dataset has no field(s) %s; load it with load_tiny_imagenet_c "
            "or add them first" % ", ".join(repr(m) for m in missing)
        )


def _sort_corruptions(names):
    """clean first, then the standard families in schema order, unknown last."""
    order = {c: i for i, c in enumerate(sch.CORRUPTION_FAMILIES)}
    return sorted(
        names,
        key=lambda c: (c != sch.CLEAN, order.get(c, len(order)), str(c)),
    )


def corruption_severity_matrix(samples):
    """Counts samples per corruption x severity.

    Rows are every corruption present in the *dataset* (so a corruption the
    view filtered out still shows as a row of zeros), columns the severities
    present in the dataset. ``clean`` only has severity 0 and corruptions never
    have severity 0: those impossible cells are ``None``, not 0, so a heatmap
    can leave them blank while real gaps (possible, but no sample in the view)
    stand out.

    Args:
        samples: a FiftyOne dataset or view with ``corruption`` (str) and
            ``severity`` (int) fields

    Returns:
        a dict with

        -   ``corruptions``: list of row names (clean first)
        -   ``severities``: list of int column values, ascending
        -   ``counts``: ``len(corruptions) x len(severities)`` list of lists of
            int, or ``None`` for impossible cells
        -   ``empty``: list of ``(corruption, severity)`` possible cells with
            no sample in ``samples``
        -   ``total``: number of samples in ``samples``
        -   ``unassigned``: samples whose corruption or severity is missing

    Raises:
        ValueError: if ``samples`` is not a collection or lacks the fields

    The result is cached until the dataset changes (see the module docstring).
    """
    _check_samples(samples)
    _require_fields(samples, [sch.CORRUPTION, sch.SEVERITY])
    return _cached(samples, "matrix", (), lambda: _matrix(samples))


def _matrix(samples):
    names = _dataset_distinct(samples, [sch.CORRUPTION, sch.SEVERITY])
    corruptions = _sort_corruptions(names[sch.CORRUPTION])
    severities = sorted(names[sch.SEVERITY])

    # one pass: the cell counts; their sum is the total
    rows = store.group_rows(samples, {"_id": {"c": "$" + sch.CORRUPTION, "s": "$" + sch.SEVERITY},
                                      "n": {"$sum": 1}})
    by_cell = collections.Counter()
    total = unassigned = 0
    for r in rows:
        c, sev, n = r["_id"].get("c"), r["_id"].get("s"), int(r["n"])
        total += n
        if c is None or sev is None:
            unassigned += n
            continue
        by_cell[(c, int(sev))] += n

    counts, empty = [], []
    for c in corruptions:
        row = []
        for s in severities:
            possible = (s == 0) == (c == sch.CLEAN)
            if not possible:
                row.append(by_cell.get((c, s)))  # None unless data says otherwise
                continue
            n = by_cell.get((c, s), 0)
            if n == 0:
                empty.append((c, s))
            row.append(n)
        counts.append(row)

    return {
        "corruptions": corruptions,
        "severities": severities,
        "counts": counts,
        "empty": empty,
        "total": int(total),
        "unassigned": unassigned,
    }


def _class_names(samples, label_field):
    """Classes of the whole dataset: the labels it holds, in the order of
    ``default_classes`` (then alphabetical for labels outside that list).
    Declared classes with no sample anywhere are not rows: a miniature with 6
    of the 200 classes should not flag 194 empty rows."""
    dataset = samples._dataset
    present = _dataset_distinct(samples, [label_field + ".label"])[label_field + ".label"]
    declared = list(dataset.default_classes or []) or list(
        dataset.classes.get(label_field, []) or []
    )
    order = {n: i for i, n in enumerate(declared)}
    return sorted(present, key=lambda n: (order.get(n, len(order)), n))


def class_table(samples, label_field=sch.GROUND_TRUTH, by=sch.CORRUPTION):
    """Counts samples per class, and per class x ``by`` value, flagging gaps.

    The class list is every label present in the whole *dataset* (ordered as
    ``default_classes``), so a class with no sample in the view is a row with
    ``count == 0`` and ``empty == True``. Columns are the values of
    ``by`` present in the dataset; a class x value cell with no sample is
    listed in the row's ``empty_cells``.

    Args:
        samples: a FiftyOne dataset or view
        label_field ("ground_truth"): a ``fo.Classification`` field
        by ("corruption"): a string field to break counts down by, or ``None``
            for totals only

    Returns:
        a dict with

        -   ``columns``: the ``by`` values (clean first), ``[]`` if ``by`` is
            None
        -   ``rows``: one dict per class, in class-list order, with ``class``,
            ``count`` (int), ``cells`` (dict column -> int), ``empty`` (bool,
            no sample at all) and ``empty_cells`` (list of columns with 0)
        -   ``empty_classes``: names of classes with no sample in ``samples``
        -   ``unlabeled``: samples in ``samples`` without a label
        -   ``unknown``: labels found in ``samples`` that are not in the class
            list (dict label -> count)

    Raises:
        ValueError: if ``samples`` is not a collection or lacks the fields

    The result is cached until the dataset changes (see the module docstring).
    """
    _check_samples(samples)
    fields = [label_field] + ([by] if by else [])
    _require_fields(samples, fields)
    return _cached(samples, "classes", (label_field, by), lambda: _class_table(samples, label_field, by))


def _class_table(samples, label_field, by):
    names = _class_names(samples, label_field)
    columns = _sort_corruptions(_dataset_distinct(samples, [by])[by]) if by else []
    # one pass: counts per (class, column); a class's total sums its row,
    # samples without a label are the class None
    key = {"l": "$" + label_field + ".label"}
    if by:
        key["c"] = "$" + by
    totals = collections.Counter()
    cells = {}
    for r in store.group_rows(samples, {"_id": key, "n": {"$sum": 1}}):
        cls, col, n = r["_id"].get("l"), r["_id"].get("c"), int(r["n"])
        totals[cls] += n
        if cls is not None and col is not None:
            row = cells.setdefault(cls, collections.Counter())
            row[col] += n

    known = set(names)
    rows, empty_classes = [], []
    for name in names:
        count = totals.get(name, 0)
        row_cells = {c: cells.get(name, {}).get(c, 0) for c in columns}
        empty_cells = [c for c in columns if row_cells[c] == 0]
        rows.append(
            {
                "class": name,
                "count": count,
                "cells": row_cells,
                "empty": count == 0,
                "empty_cells": empty_cells,
            }
        )
        if count == 0:
            empty_classes.append(name)

    unknown = {k: v for k, v in totals.items() if k is not None and k not in known}
    return {
        "columns": columns,
        "rows": rows,
        "empty_classes": empty_classes,
        "unlabeled": totals.get(None, 0),
        "unknown": unknown,
    }


def score_fields(samples):
    """Lists the numeric score fields present on ``samples``.

    ``ood_score``, ``label_quality``, ``ood_knn``, ``uniqueness``,
    ``mistakenness``, ``hardness`` come first when present; any other top-level
    float or int field (e.g. quality measures) follows alphabetically.
    ``severity`` and bookkeeping fields are never scores.

    Args:
        samples: a FiftyOne dataset or view

    Returns:
        a list of field names
    """
    _check_samples(samples)
    schema = samples.get_field_schema()
    numeric = [
        name
        for name, field in schema.items()
        if isinstance(field, (fof.FloatField, fof.IntField))
        and not isinstance(field, fof.ObjectIdField)
        and name not in _NOT_SCORES
        and not name.startswith("_")
    ]
    first = [f for f in _PREFERRED_SCORES if f in numeric]
    rest = sorted(f for f in numeric if f not in first)
    return first + rest


def score_distributions(samples, fields=None, bins=20):
    """Histograms of numeric score fields over ``samples``.

    Args:
        samples: a FiftyOne dataset or view
        fields (None): field names to summarise; ``None`` means every field
            :func:`score_fields` finds. A named field that does not exist or is
            not numeric raises
        bins (20): number of equal-width bins (int >= 1)

    Returns:
        a dict field -> dict with ``counts`` (list of ``bins`` ints), ``edges``
        (list of ``bins + 1`` floats), ``count`` (samples with a value),
        ``missing`` (samples with ``None``), ``min``, ``max`` and ``mean``
        (``None`` when no sample has a value). Fields keep the order given
        (or :func:`score_fields` order).

    Raises:
        ValueError: bad ``samples``, ``bins`` or field names

    The result is cached until the dataset changes (see the module docstring).
    """
    _check_samples(samples)
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
        raise ValueError("bins must be an int >= 1, got %r" % (bins,))
    available = score_fields(samples)
    if fields is None:
        fields = available
    else:
        if isinstance(fields, str):
            fields = [fields]
        bad = [f for f in fields if f not in available]
        if bad:
            raise ValueError(
                "not numeric score field(s) on this dataset: %s (available: %s)"
                % (", ".join(map(repr, bad)), ", ".join(available) or "none")
            )

    fields = list(fields)
    return _cached(samples, "scores", (fields, bins), lambda: _score_distributions(samples, fields, bins))


def _score_distributions(samples, fields, bins):
    from concurrent.futures import ThreadPoolExecutor

    # One pass for the bounds and sums of every field, then one histogram
    # pass per field, two at a time (the server has a core per pass). Each
    # pass is a bare $group (see store.group_rows): FiftyOne's $facet and
    # $bucket ran 3-15x slower at 950k samples.
    stats = {"_id": None, "n": {"$sum": 1}}
    for i, f in enumerate(fields):
        stats.update({f"lo{i}": {"$min": "$" + f}, f"hi{i}": {"$max": "$" + f},
                      f"s{i}": {"$sum": "$" + f}})
    rows = store.group_rows(samples, stats) if fields else []
    st = rows[0] if rows else {}
    total = int(st.get("n", 0))
    ranges = {}
    for i, field in enumerate(fields):
        lo, hi = st.get(f"lo{i}"), st.get(f"hi{i}")
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            continue
        ranges[field] = (float(lo), float(hi) if hi != lo else float(lo) + 1.0)  # one value: one bin

    with ThreadPoolExecutor(max_workers=2) as pool:
        hist_of = dict(zip(ranges, pool.map(
            lambda f: _histogram(samples, f, ranges[f][0], ranges[f][1], bins), ranges)))

    out = {}
    for i, field in enumerate(fields):
        if field not in ranges:
            out[field] = {
                "counts": [0] * bins,
                "edges": [0.0] * (bins + 1),
                "count": 0,
                "missing": total,
                "min": None,
                "max": None,
                "mean": None,
            }
            continue
        lo, hi = ranges[field]
        counts, count = hist_of[field]
        out[field] = {
            "counts": counts,
            "edges": [float(e) for e in np.linspace(lo, hi, bins + 1)],
            "count": count,
            "missing": total - count,
            "min": lo,
            "max": float(st[f"hi{i}"]),
            "mean": float(st[f"s{i}"]) / count if count else None,
        }
    return out


def _histogram(samples, field, lo, hi, bins):
    """``(counts, number of values)`` of ``field`` in ``bins`` equal bins of
    ``[lo, hi]`` in one $group: the bins of ``np.linspace(lo, hi, bins + 1)``
    edges, left-closed, the last one closed (its maximum included), as
    FiftyOne's ``HistogramValues`` plus the max. The bin is
    ``floor((v - lo) / step)`` moved by one where float rounding put ``v``
    across the edge ``k * step + lo`` (the edges' own arithmetic)."""
    step = (hi - lo) / bins
    v = "$" + field

    def edge(k):
        return {"$add": [{"$multiply": [k, step]}, lo]}

    k0 = {"$floor": {"$divide": [{"$subtract": [v, lo]}, step]}}
    fixed = {"$let": {"vars": {"k": k0}, "in": {"$add": [
        "$$k",
        {"$cond": [{"$gte": [v, edge({"$add": ["$$k", 1]})]}, 1, 0]},
        {"$cond": [{"$lt": [v, edge("$$k")]}, -1, 0]},
    ]}}}
    key = {"$cond": [{"$isNumber": v}, {"$min": [bins - 1, {"$max": [0, fixed]}]}, None]}
    counts = [0] * bins
    count = 0
    for r in store.group_rows(samples, {"_id": key, "n": {"$sum": 1}}):
        if r["_id"] is None:
            continue
        counts[int(r["_id"])] += int(r["n"])
        count += int(r["n"])
    return counts, count


def cell_view(samples, corruption, severity=None):
    """The samples of one heatmap cell (or one corruption row).

    Args:
        samples: a FiftyOne dataset or view
        corruption: a corruption name present in the dataset (``"clean"``
            included)
        severity (None): an int severity, or ``None`` for the whole row

    Returns:
        a :class:`fiftyone.core.view.DatasetView`

    Raises:
        ValueError: unknown corruption or severity
    """
    _check_samples(samples)
    _require_fields(samples, [sch.CORRUPTION, sch.SEVERITY])
    dataset = samples._dataset
    known = dataset.distinct(sch.CORRUPTION)
    if corruption not in known:
        raise ValueError(
            "unknown corruption %r (known: %s)" % (corruption, ", ".join(map(str, known)))
        )
    expr = F(sch.CORRUPTION) == corruption
    if severity is not None:
        try:
            sev = int(severity)
        except (TypeError, ValueError):
            raise ValueError("severity must be an int, got %r" % (severity,))
        if sev not in dataset.distinct(sch.SEVERITY):
            raise ValueError(
                "unknown severity %r (known: %s)"
                % (severity, ", ".join(map(str, dataset.distinct(sch.SEVERITY))))
            )
        expr = expr & (F(sch.SEVERITY) == sev)
    return samples.match(expr)


def class_view(samples, class_name, label_field=sch.GROUND_TRUTH):
    """The samples of one class.

    Args:
        samples: a FiftyOne dataset or view
        class_name: a class name present in the dataset
        label_field ("ground_truth"): the ``fo.Classification`` field

    Returns:
        a :class:`fiftyone.core.view.DatasetView`

    Raises:
        ValueError: unknown class
    """
    _check_samples(samples)
    _require_fields(samples, [label_field])
    names = _class_names(samples, label_field)
    if class_name not in names:
        close = [n for n in names if class_name.lower() in n.lower()][:5]
        hint = (" (did you mean: %s?)" % ", ".join(close)) if close else ""
        raise ValueError("unknown class %r%s" % (class_name, hint))
    return samples.match(F(label_field + ".label") == class_name)


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("%s must be a finite number, got %r" % (what, value))
    return value


def range_view(samples, field, lo, hi):
    """The samples whose numeric ``field`` lies in ``[lo, hi]`` (a histogram bar).

    Args:
        samples: a FiftyOne dataset or view
        field: an int or float field of ``samples`` (e.g. ``"ood_score"``,
            any field :func:`score_fields` lists, ``"severity"``,
            ``"metadata.width"``)
        lo: lower bound, a finite int or float, included
        hi: upper bound, a finite int or float >= ``lo``, included

    Returns:
        a :class:`fiftyone.core.view.DatasetView` of ``samples`` (samples
        without a value are left out)

    Raises:
        ValueError: bad ``samples``, a field that is missing or not
            numeric, a bound that is not a finite number, or ``lo > hi``
    """
    _check_samples(samples)
    schema = samples.get_field_schema(flat=True)
    kind = schema.get(field) if isinstance(field, str) else None
    if not isinstance(kind, (fof.FloatField, fof.IntField)) or isinstance(kind, fof.ObjectIdField):
        raise ValueError(
            "%r is not a numeric field of this dataset (score fields: %s)"
            % (field, ", ".join(score_fields(samples)) or "none")
        )
    lo, hi = _number(lo, "lo"), _number(hi, "hi")
    if lo > hi:
        raise ValueError("lo must be <= hi, got lo=%r > hi=%r" % (lo, hi))
    return samples.match((F(field) >= lo) & (F(field) <= hi))


def _provenance(dataset, name):
    """Provenance recorded by ``save_prompt_view`` (prompt, user, model), or
    ``{}`` for views saved otherwise."""
    from datadiver_fo.customize.view_records import get_view_records

    return dict(get_view_records(dataset).get(name) or {})


def saved_views_table(dataset):
    """Saved views of a dataset with their provenance.

    Args:
        dataset: a FiftyOne dataset (a view is accepted; its dataset is used)

    Returns:
        a list of dicts, one per saved view, sorted by name, with ``name``,
        ``slug``, ``description``, ``created_at`` and ``last_modified_at``
        (ISO strings or ``None``), and ``prompt``, ``author``, ``model``
        (``None`` unless the prompts feature recorded them)
    """
    _check_samples(dataset)
    dataset = dataset._dataset
    rows = []
    for info in dataset.list_saved_views(info=True):
        prov = _provenance(dataset, info["name"])

        def _iso(v):
            return v.isoformat(timespec="seconds") if hasattr(v, "isoformat") else v

        rows.append(
            {
                "name": info["name"],
                "slug": info.get("slug"),
                "description": info.get("description") or "",
                "created_at": _iso(info.get("created_at")),
                "last_modified_at": _iso(info.get("last_modified_at")),
                "prompt": prov.get("prompt"),
                "author": prov.get("author") or prov.get("user"),
                "model": prov.get("model") or prov.get("llm"),
            }
        )
    return sorted(rows, key=lambda r: r["name"])


def check_saved_view(dataset, name):
    """Checks that a saved view still loads and counts its samples.

    A saved view breaks when a field it uses is deleted or renamed, or when
    its prompt spec names a class or field that is gone.

    Args:
        dataset: a FiftyOne dataset
        name: the saved view's name

    Returns:
        a dict with ``name``, ``ok`` (bool), ``count`` (int or ``None``) and
        ``error`` (str or ``None``)

    Raises:
        ValueError: if there is no saved view called ``name``
    """
    _check_samples(dataset)
    dataset = dataset._dataset
    if not dataset.has_saved_view(name):
        raise ValueError(
            "no saved view named %r (saved: %s)"
            % (name, ", ".join(dataset.list_saved_views()) or "none")
        )
    from datadiver_fo.customize.stage_guard import load_saved_view

    try:
        # stored stages are checked as data before FiftyOne builds anything
        view = load_saved_view(dataset, name)
        count = view.count()
    except Exception as e:  # any failure to rebuild the stages means broken
        return {"name": name, "ok": False, "count": None, "error": "%s: %s" % (type(e).__name__, e)}
    # check_saved_views also catches stages that read a deleted field without
    # failing (a match on it silently selects nothing)
    from datadiver_fo.customize.saved_views import check_saved_views

    for broken in check_saved_views(dataset)["broken"]:
        if broken["name"] == name:
            return {"name": name, "ok": False, "count": count, "error": broken["reason"]}
    return {"name": name, "ok": True, "count": count, "error": None}

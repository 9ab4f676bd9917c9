"""The relationship explorer: how samples and classes relate.

For one sample:

-   :func:`variants`: every image made from the same source picture (same
    ``source_id``), clean first, then by corruption and severity;
-   :func:`siblings` / :func:`sibling_classes`: samples and classes that share
    a WordNet parent with the sample's class;
-   :func:`neighbors`: nearest samples in embedding space (a similarity index
    from the embeddings feature, or an embeddings field);
-   :func:`push_view_history` / :func:`pop_view_history`: a plain list of
    serialised views to hop back through ("back"), checked by the stage
    guard when read back.

Across a dataset or view:

-   :func:`class_grid`: per-class counts over corruption x severity, with the
    empty cells listed (a gap is as informative as a count);
-   :func:`class_tree`: the WordNet hierarchy restricted to the dataset's
    classes, with sample counts, as a nested dict for a browsable tree;
-   :func:`confusion`: the class confusion of a predictions field against
    ``ground_truth``.

Every function returns a plain view or dict, so a notebook can hop from a
sample to its relatives and back (each returned view holds sample ids to hop
on from); the ``explore`` operators do the same in the App.

Counts are server-side aggregations (one ``CountValues`` over a concatenated
key), never a Python loop over samples.
"""
import numpy as np

import fiftyone as fo
import fiftyone.core.sample as fos
import fiftyone.core.fields as fof
from fiftyone import ViewField as F

from datadiver_fo.internal import schema as sch
from datadiver_fo.internal import store
from datadiver_fo.internal.vectors import read_embeddings
_SEP = "\u241f"  # separator for composite aggregation keys; never in names


def _check_samples(samples):
    if not isinstance(samples, fo.core.collections.SampleCollection):
        raise ValueError(f"samples must be a FiftyOne Dataset or DatasetView, got {type(samples).__name__}")


def _require(samples, *fields):
    schema = samples.get_field_schema()
    missing = [f for f in fields if f not in schema]
    if missing:
        raise ValueError(
            f"dataset '{samples._dataset.name}' has no field(s) {missing}; "
            "load it with datadiver_fo.load_tiny_imagenet_c"
        )


def _get_sample(samples, sample):
    """A sample id, a Sample or a SampleView -> the sample from the dataset."""
    if isinstance(sample, (fos.Sample, fos.SampleView)):
        sample = sample.id
    if not isinstance(sample, str):
        raise ValueError(f"sample must be a sample id or a FiftyOne sample, got {type(sample).__name__}")
    try:
        return samples._dataset[sample]
    except (KeyError, ValueError, Exception):
        raise ValueError(f"No sample with id '{sample}' in dataset '{samples._dataset.name}'")


def corruption_order(names):
    """Sorts corruption names: ``clean`` first, then the 19 known corruptions
    in family order (noise, blur, weather, digital, extra), unknown last."""
    order = {c: i for i, c in enumerate(sch.CORRUPTION_FAMILIES)}
    return sorted(names, key=lambda c: (c != sch.CLEAN, order.get(c, len(order)), str(c)))


# -----------------------------------------------------------------------------
# one sample's relatives
# -----------------------------------------------------------------------------


def variants(samples, sample, include_self=True):
    """All images made from the same source picture as ``sample``.

    Args:
        samples: a FiftyOne dataset or view to look in (pass the dataset to
            see every variant, a view to stay inside it)
        sample: a sample id or a FiftyOne sample
        include_self (True): keep ``sample`` itself in the result

    Returns:
        a :class:`fiftyone.core.view.DatasetView` of the samples with the same
        ``source_id``, ordered clean first, then corruption (family order),
        then severity 1..5

    Raises:
        ValueError: unknown sample, or no ``source_id`` field
    """
    _check_samples(samples)
    _require(samples, sch.SOURCE_ID)
    s = _get_sample(samples, sample)
    source = s[sch.SOURCE_ID]
    if source is None:
        raise ValueError(f"Sample '{s.id}' has no source_id, so it has no variants")
    view = samples.match(F(sch.SOURCE_ID) == source)
    ids, corr, sev = view.values(["id", sch.CORRUPTION, sch.SEVERITY])
    rank = {c: i for i, c in enumerate(corruption_order(set(c for c in corr if c is not None)))}
    rows = sorted(
        zip(ids, corr, sev),
        key=lambda r: (rank.get(r[1], len(rank)), r[2] if r[2] is not None else -1, r[0]),
    )
    ordered = [r[0] for r in rows if include_self or r[0] != s.id]
    return samples.select(ordered, ordered=True)


def _class_wnid(samples, sample_or_class):
    """Resolves a sample / sample id / class name / wnid to a wnid."""
    from datadiver_fo.io import wordnet
    if isinstance(sample_or_class, (fos.Sample, fos.SampleView)):
        wnid = sample_or_class[sch.WNID]
        if not wnid:
            raise ValueError(f"Sample '{sample_or_class.id}' has no wnid")
        return wnid
    if not isinstance(sample_or_class, str) or not sample_or_class:
        raise ValueError(f"Expected a sample, sample id, class name or wnid, got {sample_or_class!r}")
    text = sample_or_class
    if len(text) == 24 and all(c in "0123456789abcdef" for c in text):
        return _class_wnid(samples, _get_sample(samples, text))
    name_to_wnid = {v: k for k, v in (samples._dataset.info.get("wnid_to_name") or {}).items()}
    if text in name_to_wnid:
        return name_to_wnid[text]
    return wordnet.wnid_for(text)


def sibling_classes(samples, sample_or_class):
    """Classes that share a WordNet parent with a class (see
    :func:`datadiver_fo.io.wordnet.siblings`), restricted to the dataset's
    classes, with their sample counts in ``samples``.

    Args:
        samples: a FiftyOne dataset or view
        sample_or_class: a sample, a sample id, a class name or a wnid

    Returns:
        a list of dicts ``{"wnid", "name", "count"}`` in WordNet order; classes
        of the dataset with no sample in ``samples`` have ``count`` 0
    """
    from datadiver_fo.io import wordnet
    _check_samples(samples)
    _require(samples, sch.WNID)
    wnid = _class_wnid(samples, sample_or_class)
    present = set(samples._dataset.distinct(sch.WNID))
    counts = samples.count_values(sch.WNID)
    out = []
    for w in wordnet.siblings(wnid):
        if w in present:
            out.append({"wnid": w, "name": wordnet.class_name(w), "count": counts.get(w, 0)})
    return out


def siblings(samples, sample_or_class, include_self=False):
    """Samples of the sibling classes of a sample's class.

    Args:
        samples: a FiftyOne dataset or view
        sample_or_class: a sample, a sample id, a class name or a wnid
        include_self (False): also keep samples of the class itself

    Returns:
        a :class:`fiftyone.core.view.DatasetView` matching the sibling classes'
        wnids (see :func:`sibling_classes`), sorted by class then corruption

    Raises:
        ValueError: unknown sample or class
    """
    wnid = _class_wnid(samples, sample_or_class)
    wnids = [c["wnid"] for c in sibling_classes(samples, wnid)]
    if include_self:
        wnids.append(wnid)
    return samples.match(F(sch.WNID).is_in(wnids)).sort_by(sch.WNID)


def _similarity_keys(dataset):
    try:
        return list(dataset.list_brain_runs(type="fiftyone.brain.similarity.Similarity"))
    except Exception:  # fiftyone-brain missing
        return []


def _vector_fields(dataset):
    schema = dataset.get_field_schema()
    return [
        name
        for name, field in schema.items()
        if isinstance(field, (fof.VectorField, fof.ArrayField)) and not name.startswith("_")
    ]


def neighbors(samples, sample, k=10, brain_key=None, embeddings_field=None, dist_field=None):
    """The ``k`` nearest samples to ``sample`` in embedding space.

    Uses a similarity index (``fiftyone.brain`` run, e.g. from
    :func:`datadiver_fo.compute_similarity`) when there is one, else an
    embeddings field (cosine distance, computed here).

    Args:
        samples: a FiftyOne dataset or view to search in
        sample: a sample id or a FiftyOne sample
        k (10): number of neighbours (the sample itself is left out)
        brain_key (None): similarity index to use; default: the first one
        embeddings_field (None): vector field to use instead of an index
        dist_field (None): when given, the distance to ``sample`` is written
            in this (view-only) field of the returned view (index path) or
            returned ordering only (field path)

    Returns:
        a :class:`fiftyone.core.view.DatasetView` of at most ``k`` samples,
        nearest first

    Raises:
        ValueError: no similarity index and no embeddings field, an unknown
            ``brain_key``/``embeddings_field``, or ``k`` < 1
    """
    _check_samples(samples)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    s = _get_sample(samples, sample)
    dataset = samples._dataset
    keys = _similarity_keys(dataset)
    if embeddings_field is None and (brain_key or keys):
        key = brain_key or keys[0]
        if key not in keys:
            raise ValueError(f"Unknown similarity index '{key}'; available: {keys}")
        kwargs = {"dist_field": dist_field} if dist_field else {}
        view = samples.sort_by_similarity(s.id, k=k + 1, brain_key=key, **kwargs)
        return view.exclude([s.id]).limit(k)
    fields = _vector_fields(dataset)
    field = embeddings_field or (fields[0] if fields else None)
    if field is None:
        raise ValueError(
            f"Dataset '{dataset.name}' has no similarity index and no embeddings field; "
            "run datadiver_fo.compute_embeddings / compute_similarity first"
        )
    if field not in fields:
        raise ValueError(f"'{field}' is not a vector field; vector fields: {fields}")
    query = s[field]
    if query is None:
        raise ValueError(f"Sample '{s.id}' has no '{field}' embedding")
    ids, mat = read_embeddings(samples, field, missing="drop")  # one fast read, no list of arrays
    q = np.asarray(query, dtype=np.float32)
    sims = mat @ q / (np.linalg.norm(mat, axis=1) * np.linalg.norm(q) + 1e-12)
    order = [i for i in np.argsort(-sims) if ids[i] != s.id][:k]
    return samples.select([ids[i] for i in order], ordered=True)


# -----------------------------------------------------------------------------
# hop history: where "back" returns to
# -----------------------------------------------------------------------------

HISTORY_MAX = 20  # views remembered by push_view_history


def push_view_history(history, view, selected=None, max_len=HISTORY_MAX):
    """Remembers a view (and a selection) before hopping elsewhere.

    Args:
        history: the list returned by the previous call, or None / ``[]``
        view: the FiftyOne dataset or view to come back to
        selected (None): sample id strings selected in that view
        max_len (20): entries kept, oldest dropped first (int >= 1)

    Returns:
        a new list (``history`` is not modified) ending with one entry: a
        JSON-serialisable dict ``{"dataset_id": str, "stages": str (the
        view's stages as extended JSON), "selected": [str, ...]}``, so it can
        be stored anywhere (the App keeps it in its execution store)

    Raises:
        ValueError: ``view`` is not a FiftyOne collection, ``history`` is not
            a list, or ``max_len`` < 1
    """
    from bson import json_util

    _check_samples(view)
    if history is None:
        history = []
    if not isinstance(history, (list, tuple)):
        raise ValueError(f"history must be a list, got {type(history).__name__}")
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")
    stages = view._serialize() if isinstance(view, fo.DatasetView) else []
    entry = {
        "dataset_id": store.dataset_id(view),
        "stages": json_util.dumps(stages),
        "selected": [str(s) for s in (selected or [])],
    }
    return (list(history) + [entry])[-max_len:]


def pop_view_history(dataset, history):
    """Rebuilds the last view of a history, checked as data first.

    The history may come from a store other processes write, so its stages go
    through :func:`datadiver_fo.customize.stage_guard.validate_stage_dicts`
    (read-only stage allowlist) before any FiftyOne object is built.

    Args:
        dataset: the FiftyOne dataset the history belongs to (a view's
            dataset is used)
        history: a non-empty list from :func:`push_view_history`

    Returns:
        ``(view, selected, rest)``: the rebuilt
        :class:`fiftyone.core.view.DatasetView`, its selected sample ids
        (list of str) and the remaining history (a new list)

    Raises:
        ValueError: the history is empty or not a list, its last entry is
            malformed or belongs to another dataset, or its stages are refused
            by the stage guard
    """
    from bson import json_util

    from datadiver_fo.customize.stage_guard import validate_stage_dicts

    _check_samples(dataset)
    dataset = dataset._root_dataset
    if not isinstance(history, (list, tuple)):
        raise ValueError(f"history must be a list, got {type(history).__name__}")
    if not history:
        raise ValueError("No previous view to go back to")
    last, rest = history[-1], list(history[:-1])
    if (
        not isinstance(last, dict)
        or not isinstance(last.get("stages"), str)
        or not isinstance(last.get("selected", []), list)
        or not all(isinstance(s, str) for s in last.get("selected", []))
    ):
        raise ValueError("The explore history's last entry is malformed (expected stages text and a list of ids)")
    if last.get("dataset_id") not in (None, store.dataset_id(dataset)):  # entries of older versions have none
        raise ValueError("The explore history's last entry belongs to another dataset")
    try:
        raw = json_util.loads(last["stages"])
    except (ValueError, TypeError) as e:
        raise ValueError(f"The explore history's last entry has unreadable stages: {e}") from None
    stages = validate_stage_dicts(raw, "explore history")
    view = fo.DatasetView._build(dataset, stages) if stages else dataset.view()
    return view, list(last.get("selected", [])), rest


# -----------------------------------------------------------------------------
# across the dataset
# -----------------------------------------------------------------------------


def class_grid(samples, label_field=sch.GROUND_TRUTH, all_classes=False):
    """Per-class counts over corruption x severity, with the empty cells.

    Rows are the classes present in the whole dataset (so a class missing
    from the view is a row of zeros), or all ``default_classes`` with
    ``all_classes=True`` (e.g. the 200 Tiny-ImageNet classes);
    columns are the dataset's (corruption, severity) pairs: ``("clean", 0)``
    and, for every other corruption, each severity present on the dataset.
    Impossible pairs (clean at severity 3) are not columns.

    Args:
        samples: a FiftyOne dataset or view
        label_field ("ground_truth"): the classification field
        all_classes (False): one row per ``default_classes`` entry too

    Returns:
        a dict with

        -   ``columns``: list of ``[corruption, severity]``
        -   ``rows``: one dict per class: ``class``, ``total``, ``counts``
            (list aligned with ``columns``), ``empty_cells`` (list of
            ``[corruption, severity]`` with 0 samples)
        -   ``num_empty_cells``: total number of empty class x cell entries
        -   ``unlabeled``: samples of ``samples`` without a label

    Raises:
        ValueError: ``samples`` lacks the label, corruption or severity fields
    """
    _check_samples(samples)
    _require(samples, label_field, sch.CORRUPTION, sch.SEVERITY)
    dataset = samples._dataset
    present = set(c for c in dataset.distinct(label_field + ".label") if c is not None)
    ordered = list(dataset.default_classes or []) + sorted(present - set(dataset.default_classes or []))
    classes = ordered if all_classes else [c for c in ordered if c in present]
    corruptions = corruption_order([c for c in dataset.distinct(sch.CORRUPTION) if c is not None])
    severities = sorted(s for s in dataset.distinct(sch.SEVERITY) if s is not None and s > 0)
    columns = []
    for c in corruptions:
        if c == sch.CLEAN:
            columns.append([c, 0])
        else:
            columns.extend([c, s] for s in severities)
    key = F(label_field + ".label").concat(_SEP, F(sch.CORRUPTION), _SEP, F(sch.SEVERITY).to_string())
    raw = samples.count_values(key)
    cells = {}
    for k, n in raw.items():
        if k is None:
            continue
        label, corr, sev = k.split(_SEP)
        cells[(label, corr, int(float(sev)))] = n
    extra = sorted({lab for lab, _, _ in cells} - set(classes))
    rows = []
    n_empty = 0
    for name in classes + extra:
        counts = [cells.get((name, c, s), 0) for c, s in columns]
        empty = [col for col, n in zip(columns, counts) if n == 0]
        n_empty += len(empty)
        rows.append({"class": name, "total": int(sum(counts)), "counts": counts, "empty_cells": empty})
    unlabeled = samples.count_values(label_field + ".label").get(None, 0)
    return {"columns": columns, "rows": rows, "num_empty_cells": n_empty, "unlabeled": unlabeled}


def format_grid(grid, max_rows=None):
    """Renders :func:`class_grid` output as a markdown table: one row per
    class, one column per corruption with its per-severity counts
    ``"a/b/c/d/e"``; empty cells print as ``·`` so gaps stand out."""
    corrs = []
    for c, _ in grid["columns"]:
        if c not in corrs:
            corrs.append(c)
    lines = ["| class | total | " + " | ".join(corrs) + " |", "|---|---:|" + "---|" * len(corrs)]
    for row in grid["rows"][: max_rows or None]:
        by = {}
        for (c, s), n in zip(grid["columns"], row["counts"]):
            by.setdefault(c, []).append(str(n) if n else "·")
        lines.append(f"| {row['class']} | {row['total']} | " + " | ".join("/".join(by[c]) for c in corrs) + " |")
    return "\n".join(lines)


def class_tree(samples, root="entity", collapse=True):
    """The WordNet hierarchy of the dataset's classes, with sample counts.

    Args:
        samples: a FiftyOne dataset or view (counts are over ``samples``;
            the classes shown are every class of the dataset, so a class the
            view does not contain shows ``count`` 0)
        root ("entity"): the group at the top (a name or wnid)
        collapse (True): skip a group whose single child group covers the same
            classes (``physical entity -> object -> whole`` chains)

    Returns:
        a node dict ``{"wnid", "name", "is_class", "num_classes", "count",
        "children": [node]}``; ``num_classes`` counts the dataset's classes
        under the node, ``count`` the samples of ``samples`` under it (each
        sample once, even where the hierarchy is a DAG and a class appears
        under two parents). Children are sorted by count, then name; groups
        without any dataset class are left out

    Raises:
        ValueError: ``samples`` has no ``wnid`` field, or ``root`` is unknown
    """
    from datadiver_fo.io import wordnet
    _check_samples(samples)
    _require(samples, sch.WNID)
    dataset = samples._dataset
    present = [w for w in dataset.distinct(sch.WNID) if w]
    counts = samples.count_values(sch.WNID)
    hits = wordnet.group_wnids(root)
    if len(hits) != 1:
        raise ValueError(f"root {root!r} is ambiguous ({hits}); pass a wnid")
    root_wnid = hits[0]
    children = {}
    members = {}  # node -> set of dataset classes under it (itself included)
    for w in present:
        members.setdefault(w, set()).add(w)
        stack = [w]
        seen = {w}
        while stack:
            node = stack.pop()
            for p in wordnet.parents(node):
                children.setdefault(p, set()).add(node)
                members.setdefault(p, set()).add(w)
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
    if root_wnid not in members:
        raise ValueError(f"No class of dataset '{dataset.name}' is under '{root}'")

    def name_of(w):
        try:
            return wordnet.class_name(w)
        except (ValueError, KeyError):
            return w

    def build(w):
        kids = [build(c) for c in children.get(w, ())]
        kids.sort(key=lambda n: (-n["count"], n["name"].lower()))
        node = {
            "wnid": w,
            "name": name_of(w),
            "is_class": w in present and w not in children,
            "num_classes": len(members[w]),
            "count": int(sum(counts.get(c, 0) for c in members[w])),
            "children": kids,
        }
        if collapse and not node["is_class"] and len(kids) == 1 and not kids[0]["is_class"]:
            if kids[0]["num_classes"] == node["num_classes"]:
                return kids[0]
        return node

    return build(root_wnid)


def format_tree(tree, max_depth=None, indent="  "):
    """Renders :func:`class_tree` output as indented text lines
    ``name (classes: n, samples: m)``; returns a string."""
    lines = []

    def walk(node, depth):
        if max_depth is not None and depth > max_depth:
            return
        tag = "" if node["is_class"] else f"classes: {node['num_classes']}, "
        lines.append(f"{indent * depth}- {node['name']} ({tag}samples: {node['count']})")
        for c in node["children"]:
            walk(c, depth + 1)

    walk(tree, 0)
    return "\n".join(lines)


def tree_view(samples, node):
    """Samples under a tree node (a group or class name, or a wnid): the view
    a click on the tree selects. Matches the node's wnid or any ancestor name
    in ``hypernyms``."""
    from datadiver_fo.io import wordnet
    _check_samples(samples)
    wnids = wordnet.classes_in_group(node)
    return samples.match(F(sch.WNID).is_in(wnids))


def confusion(samples, pred_field=sch.PREDICTIONS, gt_field=sch.GROUND_TRUTH, top=20):
    """The confusion between classes of a predictions field.

    Args:
        samples: a FiftyOne dataset or view
        pred_field ("predictions"): a ``fo.Classification`` field of predictions
        gt_field ("ground_truth"): the ground-truth ``fo.Classification`` field
        top (20): number of most frequent confusions to list

    Returns:
        a dict with ``classes`` (list, the dataset's classes plus any other
        label seen), ``matrix`` (list of lists of ints, rows = true class,
        columns = predicted class), ``accuracy`` (float over samples with
        both labels, ``None`` if there are none), ``num_samples`` (samples with
        both labels) and ``top_confusions`` (list of ``{"true", "predicted",
        "count"}``, largest first, off-diagonal only)

    Raises:
        ValueError: ``pred_field`` or ``gt_field`` is missing (predictions are
            written by :func:`datadiver_fo.compute_predictions`)
    """
    _check_samples(samples)
    schema = samples.get_field_schema()
    for f in (gt_field, pred_field):
        if f not in schema:
            raise ValueError(
                f"dataset '{samples._dataset.name}' has no field '{f}'"
                + ("; run datadiver_fo.compute_predictions first" if f == pred_field else "")
            )
    key = F(gt_field + ".label").concat(_SEP, F(pred_field + ".label"))
    raw = {k: n for k, n in samples.count_values(key).items() if k is not None}
    pairs = {tuple(k.split(_SEP)): n for k, n in raw.items()}
    classes = list(samples._dataset.default_classes or [])
    seen = set(classes)
    for t, p in sorted(pairs):
        for c in (t, p):
            if c not in seen:
                seen.add(c)
                classes.append(c)
    index = {c: i for i, c in enumerate(classes)}
    mat = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for (t, p), n in pairs.items():
        mat[index[t], index[p]] += n
    total = int(mat.sum())
    acc = float(np.trace(mat) / total) if total else None
    off = sorted(((n, t, p) for (t, p), n in pairs.items() if t != p), reverse=True)[:top]
    return {
        "classes": classes,
        "matrix": mat.tolist(),
        "accuracy": acc,
        "num_samples": total,
        "top_confusions": [{"true": t, "predicted": p, "count": int(n)} for n, t, p in off],
    }

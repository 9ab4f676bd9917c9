"""Medium customisation of a Tiny-ImageNet-C dataset: select() and saved selections.

Medium granularity: :func:`select` picks classes, WordNet groups, corruptions,
families and severities. It does not build FiftyOne stages itself: it writes a
view spec (the same JSON document the prompt engine writes) and hands it to
:mod:`datadiver_fo.customize.viewspec`, so a prompt and a form that ask for the same thing
give the same samples. A saved view recorded with its spec can be reopened with
:func:`spec_for_saved_view` and edited with ``select(base_view=name, ...)``.

Fine-grained edits (exclude, relabel, undo) live in :mod:`datadiver_fo.customize.edits`.
"""
import copy
import dataclasses
import difflib

import fiftyone as fo

from datadiver_fo.customize import viewspec
from datadiver_fo.internal import schema
from datadiver_fo.internal.provenance import now_iso, user_name

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


@dataclasses.dataclass(frozen=True)
class SelectionCriteria:
    """The criteria of :func:`select`, as given: the one list of them.

    Every field is optional and accepts what the :func:`select` argument of
    the same name accepts; nothing is checked against a dataset here
    (:func:`datadiver_fo.customize.viewspec.normalize_spec` does that).
    ``similar_to`` (a ``{"query", "k", "brain_key"}`` dict) has no
    :func:`select` argument: it comes from a spec.
    """

    classes: object = None
    groups: object = None
    wnids: object = None
    corruptions: object = None
    families: object = None
    severities: object = None
    tags: object = None
    exclude_classes: object = None
    exclude_groups: object = None
    exclude_corruptions: object = None
    exclude_severities: object = None
    missing_labels: str = "include"
    honor_exclusions: bool = True
    filters: object = None
    sort: object = None
    limit: object = None
    take: object = None
    similar_to: object = None
    exclude_wnids: object = None
    exclude_families: object = None
    exclude_tags: object = None

    @classmethod
    def from_arguments(cls, arguments):
        """The criteria among a function's arguments.

        Args:
            arguments: a dict of argument name -> value (e.g. ``locals()``
                at the top of :func:`select`); other names are ignored

        Returns:
            a :class:`SelectionCriteria`
        """
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in arguments.items() if k in names})

    def to_spec(self):
        """The criteria as a version-1 view spec.

        Returns:
            a JSON-serialisable dict in the shared view-spec format

        Raises:
            ValueError: a malformed criterion (``missing_labels`` not one of
                ``include``/``exclude``/``only``, severities that are not
                integers, a dict where a list is expected, ``filters`` not a
                list, ``limit`` not positive...)
        """
        if self.missing_labels not in _MISSING_CHOICES:
            raise ValueError(f"'missing_labels' must be one of {_MISSING_CHOICES}, got {self.missing_labels!r}")
        def read(name):  # severities take ints and {"min", "max"} ranges
            return (_severities if name.endswith("severities") else _as_list)(getattr(self, name), name)

        include = {k: read(k) for k in _SPEC_KEYS}
        exclude = {k: read("exclude_" + k) for k in _SPEC_KEYS}
        filters, limit, take = self.filters, self.limit, self.take
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
            "missing_labels": self.missing_labels,
            "honor_exclusions": bool(self.honor_exclusions),
            "sort": _sort_spec(self.sort),
            "similar_to": self.similar_to,
            "limit": int(limit) if limit is not None else None,
            "take": take,
        }


def build_spec(**criteria):
    """Builds a version-1 view spec from keyword arguments (no validation
    against a dataset: :func:`datadiver_fo.customize.viewspec.normalize_spec` does that).

    Args:
        **criteria: the criteria of :func:`select` by name (``classes=``,
            ``exclude_tags=``, ``missing_labels=``, ..., and
            ``similar_to=``); see :class:`SelectionCriteria`

    Returns:
        a JSON-serialisable dict in the shared view-spec format

    Raises:
        TypeError: an unknown keyword
        ValueError: a malformed criterion (see :meth:`SelectionCriteria.to_spec`)
    """
    return SelectionCriteria(**criteria).to_spec()


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


def normalize(dataset, spec):
    """Validates ``spec`` against ``dataset``'s vocabulary via the shared
    engine. An "everything" spec is allowed here: calling :func:`select`
    without criteria is an explicit request for the whole dataset."""
    vs = viewspec
    return vs.normalize_spec(dataset, spec, allow_all=True)


def compile_selection(dataset, spec):
    """Normalises and compiles ``spec`` on ``dataset`` (or a view: its stages
    come first); returns the view.

    When the spec honours exclusions, the view always carries the
    ``excluded != True`` match, even before any sample was excluded (the
    engine only adds it once the field exists), so a view saved now keeps
    honouring exclusions made later.
    """
    vs = viewspec
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
    (:mod:`datadiver_fo.customize.viewspec`) validates and compiles, exactly as for a
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
    # first statement: locals() holds exactly the arguments here
    edits = SelectionCriteria.from_arguments(locals()).to_spec()
    prefix_view = None
    if isinstance(dataset, fo.DatasetView):
        if base_view is None:
            base_view = dataset
        dataset = dataset._dataset
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
        raise ValueError(
            f"Saved view '{name}' has no recorded view spec (it was not made by a prompt "
            f"or by datadiver_fo.save_selection), so it cannot be edited as a selection"
        )
    return copy.deepcopy(spec)


def _prompt_provenance(dataset, name):
    """The provenance record of a saved view (written by the prompt feature,
    :func:`save_selection` or an import), or ``{}``."""
    from datadiver_fo.customize import view_records
    return dict(view_records.get_view_records(dataset).get(name) or {})


def _write_record(dataset, name, record):
    """Stores (dict) or removes (None) a saved view's provenance record."""
    from datadiver_fo.customize import view_records
    view_records.set_view_record(dataset, name, record)


def save_selection(dataset, name, spec, description=None, color=None, overwrite=False):
    """Compiles ``spec`` and saves it as a saved view, recording the spec as
    provenance so it can be reopened with :func:`spec_for_saved_view`.

    Saved through :func:`datadiver_fo.customize.saved_views.save_view` (checked stages,
    cross-process lock, no slug clash with a view of another name).

    Args:
        dataset: a FiftyOne dataset
        name: the saved view's name
        spec: a view spec dict (e.g. from ``select(..., return_spec=True)``)
        description (None): a description; defaults to the engine's
            plain-English description of ``spec``
        color (None): an App colour such as ``"#ff6d04"``
        overwrite (False): replace an existing saved view with this SAME
            name; a view of another name is never replaced

    Returns:
        the saved :class:`fiftyone.core.view.DatasetView`

    Raises:
        ValueError: an invalid spec, a bad name, a saved view of that name
            (``overwrite=False``), or another view with the same URL slug
    """
    from datadiver_fo.customize import saved_views
    from datadiver_fo.customize import stage_guard
    saved_views.check_view_name(name)
    if name in dataset.list_saved_views() and not overwrite:
        raise ValueError(f"Saved view '{name}' already exists; pass overwrite=True to replace it")
    vs = viewspec
    spec = normalize(dataset, spec)
    view = compile_selection(dataset, spec)
    if description is None and hasattr(vs, "describe_spec"):
        description = vs.describe_spec(spec)
    # Keep the provenance of the view being replaced (its prompt, author);
    # a record left by a deleted view of this name does not carry over.
    prior = _prompt_provenance(dataset, name) if name in dataset.list_saved_views() else {}
    record = dict(prior)
    record.update(
        {
            "spec": spec,
            "explanation": description,
            "source": "select" if not prior else prior.get("source", "select"),
            "edited_by": user_name(),
            "edited_at": now_iso(),
        }
    )
    record.setdefault("prompt", None)
    record.setdefault("user", user_name())
    record.setdefault("created_at", now_iso())
    saved_views.save_view(dataset, name, view, description=description, color=color, overwrite=overwrite,
                          record=record)
    return stage_guard.load_saved_view(dataset, name)



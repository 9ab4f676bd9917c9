"""Operators: medium customisation (``customize``) and fine edits on selected
samples (``exclude_samples``, ``include_samples``, ``relabel_samples``,
``mark_missing_label``, ``undo_edit``). They read params, call
``datadiver_fo.customize.selection`` / ``datadiver_fo.customize.edits`` and report."""
import json
import weakref

import fiftyone.operators as foo
import fiftyone.operators.types as types

from datadiver_fo.customize import edits as dde
from datadiver_fo.customize import view_records
from datadiver_fo.internal import schema as sch
from datadiver_fo.customize import selection as ddc
from datadiver_fo.customize import viewspec as ddv

from ._common import app_message, form_error

_LIST_KEYS = (
    ("classes", "Classes", "classes"),
    ("groups", "WordNet groups", "groups"),
    ("corruptions", "Corruptions", "corruptions"),
    ("families", "Corruption families", "families"),
    ("severities", "Severities", "severities"),
    ("tags", "Tags", "tags"),
)
_EXCLUDE_KEYS = (
    ("exclude_classes", "Exclude classes", "classes"),
    ("exclude_groups", "Exclude WordNet groups", "groups"),
    ("exclude_corruptions", "Exclude corruptions", "corruptions"),
    ("exclude_severities", "Exclude severities", "severities"),
)


# Form pieces per dataset state: the vocabulary object is cached by
# ``viewspec.vocabulary`` until the dataset changes (one index lookup to check),
# so keying on it re-reads the choices only after a change. A keystroke in the
# form costs no full-dataset scan.
_FORM_CACHE = weakref.WeakKeyDictionary()
_MAX_COUNTS = 64  # previewed selections kept per dataset state


def _form_state(dataset):
    """(vocabulary, cached dict) for ``dataset``: ``present`` classes,
    ``editable`` saved views (those with a recorded spec) and ``counts``
    (selection key -> preview line or error)."""
    vocab = ddv.vocabulary(dataset)
    names = tuple(dataset.list_saved_views())
    state = _FORM_CACHE.get(vocab)
    if state is None:
        labels = set(dataset.distinct(f"{sch.GROUND_TRUTH}.label")) if dataset.has_sample_field(sch.GROUND_TRUTH) else set()
        state = {"present": [c for c in vocab.classes if c in labels], "saved": None, "counts": {}}
        _FORM_CACHE[vocab] = state
    if state["saved"] != names:
        records = view_records.get_view_records(dataset)
        state["editable"] = [n for n in names if (records.get(n) or {}).get("spec")]
        state["saved"] = names
        state["counts"] = {}
    return vocab, state


def _preview(dataset, state, kwargs):
    """The form's preview line for a selection: (text, None) or (None, error)."""
    key = json.dumps(kwargs, sort_keys=True, default=str)
    counts = state["counts"]
    if key not in counts:
        try:
            view, spec = ddc.select(dataset, return_spec=True, **kwargs)
            counts[key] = (f"{view.count()} samples. {ddv.describe_spec(spec)}", None)
        except ValueError as e:
            counts[key] = (None, str(e))
        if len(counts) > _MAX_COUNTS:
            counts.pop(next(iter(counts)))
    return counts[key]


def _multi(inputs, name, label, values, default=None):
    as_int = name.endswith("severities")
    inputs.list(
        name,
        types.Number(int=True) if as_int else types.String(),
        default=default or None,
        required=False,
        label=label,
        view=types.AutocompleteView(choices=[types.Choice(v, label=str(v)) for v in values]),
    )


def _params_to_kwargs(params):
    kw = {}
    for key, _, _ in _LIST_KEYS + _EXCLUDE_KEYS:
        value = params.get(key)
        if value:
            kw[key] = [int(v) for v in value] if key.endswith("severities") else list(value)
    kw["missing_labels"] = params.get("missing_labels") or "include"
    kw["honor_exclusions"] = bool(params.get("honor_exclusions", True))
    if params.get("limit"):
        kw["limit"] = int(params["limit"])
    return kw


class Customize(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="customize",
            label="DataDiver: customize selection",
            description="Pick classes, WordNet groups, corruptions and severities; preview, show and save the view",
            dynamic=True,
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        dataset = ctx.dataset
        vocab, state = _form_state(dataset)
        editable = state["editable"]
        defaults = {}
        if editable:
            inputs.enum(
                "base_view",
                editable,
                required=False,
                label="Start from a saved view (optional)",
                description="Its recorded selection fills the form; edit it and save",
                view=types.DropdownView(),
            )
            base = ctx.params.get("base_view")
            if base:
                spec = ddc.spec_for_saved_view(dataset, base)
                for key, _, vkey in _LIST_KEYS:
                    defaults[key] = (spec.get("include") or {}).get(vkey) or []
                for key, _, vkey in _EXCLUDE_KEYS:
                    defaults[key] = (spec.get("exclude") or {}).get(vkey) or []
        choices = {
            "classes": state["present"] or vocab.classes,
            "groups": sorted(vocab.groups, key=str.lower),
            "corruptions": vocab.corruptions,
            "families": vocab.families,
            "severities": vocab.severities,
            "tags": vocab.tags,
        }
        inputs.md("**Include** (values of one list are OR'd, lists are AND'd)", name="h_inc")
        for key, label, vkey in _LIST_KEYS:
            _multi(inputs, key, label, choices[vkey], defaults.get(key))
        inputs.md("**Exclude** (any match drops the sample)", name="h_exc")
        for key, label, vkey in _EXCLUDE_KEYS:
            _multi(inputs, key, label, choices[vkey], defaults.get(key))
        inputs.enum(
            "missing_labels",
            ["include", "exclude", "only"],
            default="include",
            label="Samples without a label",
            view=types.RadioGroup(),
        )
        inputs.bool("honor_exclusions", default=True, label="Leave out samples excluded by fine edits")
        inputs.int("limit", required=False, label="At most this many samples (optional)")
        inputs.str("save_as", required=False, label="Save as view (optional)")
        inputs.bool("overwrite", default=False, label="Replace a saved view of that name")
        save_as = (ctx.params.get("save_as") or "").strip()
        if save_as and save_as in state["saved"] and not ctx.params.get("overwrite"):
            form_error(inputs, "name_taken", f"A saved view named '{save_as}' exists",
                       "Type another name, or tick 'Replace a saved view of that name'")

        # preview: the count or the error, computed once per selection
        text, error = _preview(dataset, state, _params_to_kwargs(ctx.params))
        if error is None:
            inputs.view("preview", types.Notice(label=text))
        else:
            form_error(inputs, "preview_error", "Invalid selection", error)
        return types.Property(inputs, view=types.View(label="Customize selection"))

    def execute(self, ctx):
        dataset = ctx.dataset
        view, spec = ddc.select(dataset, return_spec=True, **_params_to_kwargs(ctx.params))
        saved = None
        name = (ctx.params.get("save_as") or "").strip()
        if name:
            ddc.save_selection(dataset, name, spec, overwrite=bool(ctx.params.get("overwrite")))
            saved = name
        if not ctx.delegated:
            if saved:
                ctx.ops.reload_dataset()  # the App's saved-view list shows the new view
            # by stages: the App refuses set_view(name=...) for a view saved
            # after the page loaded (the panel's Load then opens it by name)
            ctx.ops.set_view(view=view)
            ctx.ops.notify(f"Showing {len(view)} samples" + (f", saved as '{saved}'" if saved else ""),
                           variant="success")
        return {
            "count": len(view),
            "description": ddv.describe_spec(spec),
            "spec": spec,
            "saved_view": saved,
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.int("count", label="Samples")
        outputs.str("description", label="Selection")
        if (getattr(ctx, "results", None) or {}).get("saved_view"):
            outputs.str("saved_view", label="Saved view")
        return types.Property(outputs)


# -----------------------------------------------------------------------------
# fine edits
# -----------------------------------------------------------------------------


def _targets(ctx):
    """The samples a fine edit applies to: the App selection, else explicit
    ``sample_ids``, else the current view when ``apply_to_view`` is set."""
    if ctx.selected:
        return list(ctx.selected)
    ids = ctx.params.get("sample_ids")
    if ids:
        return [ids] if isinstance(ids, str) else list(ids)
    if ctx.params.get("apply_to_view"):
        return ctx.view
    raise ValueError("Select samples in the grid first (or tick 'apply to the whole current view')")


def _target_inputs(ctx, inputs, verb):
    n = len(ctx.selected or [])
    if n:
        inputs.view("target", types.Notice(label=f"{verb} {n} selected sample(s)"))
    else:
        inputs.bool(
            "apply_to_view",
            default=False,
            label=f"No samples selected: {verb.lower()} the whole current view ({len(ctx.view)} samples)?",
        )
        if not ctx.params.get("apply_to_view") and not ctx.params.get("sample_ids"):
            form_error(inputs, "no_target", "Select samples in the grid, or tick the box", warning=True)


def _user(ctx):
    # the App's user id where FiftyOne has users; else the library's login name
    return getattr(ctx, "user_id", None) or None


def _edit_message(entry, done):
    """One line saying what an edit (or undo) changed, and how to revert it."""
    n, total = entry.get("num_changed", 0), entry.get("num_samples")
    what = f"{done} {n} sample(s)"
    if total is not None and total != n:
        what += f" ({total - n} of the {total} targeted were already so)"
    if entry.get("params", {}).get("label"):
        what += f" to '{entry['params']['label']}'"
    return what + ". Undo with 'DataDiver: undo an edit'." if n else what + "."


class _FineEdit(foo.Operator):
    _name = None
    _done = "Changed"
    _label = None
    _verb = None

    @property
    def config(self):
        return foo.OperatorConfig(name=self._name, label=self._label, dynamic=True)

    def resolve_input(self, ctx):
        inputs = types.Object()
        _target_inputs(ctx, inputs, self._verb)
        self._extra_inputs(ctx, inputs)
        return types.Property(inputs, view=types.View(label=self._label))

    def _extra_inputs(self, ctx, inputs):
        inputs.str("reason", required=False, label="Reason (optional, kept in the edit log)")

    def _apply(self, ctx, targets):
        raise NotImplementedError

    def execute(self, ctx):
        try:
            entry = self._apply(ctx, _targets(ctx))
        except ValueError as e:  # e.g. an unknown class: said in App words, not a traceback
            ctx.ops.notify(app_message(e), variant="error")
            return {"message": app_message(e)}
        ctx.ops.reload_dataset()
        msg = _edit_message(entry, self._done)
        ctx.ops.notify(msg, variant="success")
        return dict(entry, message=msg)

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("message", label="Done", view=types.MarkdownView())
        return types.Property(outputs)


class ExcludeSamples(_FineEdit):
    _name, _label, _verb = "exclude_samples", "DataDiver: exclude from subset", "Exclude"
    _done = "Excluded"

    def _apply(self, ctx, targets):
        return dde.exclude_samples(ctx.dataset, targets, reason=ctx.params.get("reason"), user=_user(ctx))


class IncludeSamples(_FineEdit):
    _name, _label, _verb = "include_samples", "DataDiver: include in subset again", "Include"
    _done = "Included again"

    def _apply(self, ctx, targets):
        return dde.include_samples(ctx.dataset, targets, reason=ctx.params.get("reason"), user=_user(ctx))


class MarkMissingLabel(_FineEdit):
    _name, _label, _verb = "mark_missing_label", "DataDiver: mark as missing label", "Mark"
    _done = "Marked as missing label"

    def _apply(self, ctx, targets):
        return dde.mark_missing_label(ctx.dataset, targets, reason=ctx.params.get("reason"), user=_user(ctx))


class RelabelSamples(_FineEdit):
    _name, _label, _verb = "relabel_samples", "DataDiver: relabel", "Relabel"
    _done = "Relabelled"

    def _extra_inputs(self, ctx, inputs):
        vocab = ddv.vocabulary(ctx.dataset)
        inputs.str(
            "label",
            required=True,
            label="New class",
            view=types.AutocompleteView(choices=[types.Choice(c, label=c) for c in vocab.classes]),
        )

    def _apply(self, ctx, targets):
        return dde.relabel_samples(ctx.dataset, targets, ctx.params["label"], user=_user(ctx))


class UndoEdit(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="undo_edit",
            label="DataDiver: undo an edit",
            description="Revert the last fine edit (exclude, include, relabel, missing label) or a chosen one",
            dynamic=True,
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        edits = [e for e in dde.list_edits(ctx.dataset) if not e["undone"]]
        if not edits:
            form_error(inputs, "nothing", "No edit to undo", warning=True)
            return types.Property(inputs)
        choices = types.DropdownView()
        for e in reversed(edits):
            what = e["params"].get("label", "")
            choices.add_choice(e["id"], label=f"{e['op']} {what} ({e['num_changed']} samples, {e['time']}, {e['user']})")
        inputs.enum("edit_id", choices.values(), default=edits[-1]["id"], label="Edit to undo", view=choices)
        return types.Property(inputs, view=types.View(label="Undo edit"))

    def execute(self, ctx):
        try:
            entry = dde.undo_edit(ctx.dataset, ctx.params.get("edit_id") or None, user=_user(ctx))
        except ValueError as e:  # e.g. a later edit changed the same samples: undo that first
            ctx.ops.notify(app_message(e), variant="error")
            return {"message": app_message(e)}
        ctx.ops.reload_dataset()
        msg = f"Undid '{entry.get('op')}': {entry.get('num_changed', 0)} sample(s) restored."
        ctx.ops.notify(msg, variant="success")
        return dict(entry, message=msg)

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("message", label="Done", view=types.MarkdownView())
        return types.Property(outputs)


def register(p):
    p.register(Customize)
    p.register(ExcludeSamples)
    p.register(IncludeSamples)
    p.register(RelabelSamples)
    p.register(MarkMissingLabel)
    p.register(UndoEdit)

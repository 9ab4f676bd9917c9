"""Operators of the relationship explorer: hop from a sample to its variants,
sibling classes or nearest neighbours (``show_variants``, ``show_siblings``,
``show_neighbors``), back again (``explore_back``), and the dataset-wide
``class_summary`` (class x corruption x severity counts with empty cells, the
class tree with counts, the confusion when predictions exist). Thin: they call
``datadiver_fo.customize.relations``."""
import fiftyone.operators as foo
import fiftyone.operators.types as types

from datadiver_fo.customize import relations as ddr

_STORE = "datadiver_explore"  # execution store (per dataset) holding the "back" history


def _one_sample(ctx):
    """The sample to explore: the open sample in the modal, else the single
    selected sample, else ``sample_id``."""
    sid = ctx.current_sample or ctx.params.get("sample_id")
    if not sid and ctx.selected:
        if len(ctx.selected) > 1:
            raise ValueError("Select exactly one sample to explore its relatives")
        sid = ctx.selected[0]
    if not sid:
        raise ValueError("Open or select one sample first")
    return sid


def _push_history(ctx):
    store = ctx.store(_STORE)
    history = store.get("history")
    if not isinstance(history, list):  # missing or unreadable: start a new one rather than block hops
        history = []
    store.set("history", ddr.push_view_history(history, ctx.view, ctx.selected))


def _sample_inputs(ctx, inputs, what):
    try:
        sid = _one_sample(ctx)
        inputs.view("target", types.Notice(label=f"Show the {what} of sample {sid}"))
    except ValueError as e:
        inputs.str("sample_id", required=True, label="Sample id", description=str(e))


class _Hop(foo.Operator):
    _name = _label = _what = None

    @property
    def config(self):
        return foo.OperatorConfig(name=self._name, label=self._label, dynamic=True)

    def resolve_input(self, ctx):
        inputs = types.Object()
        _sample_inputs(ctx, inputs, self._what)
        self._extra_inputs(ctx, inputs)
        return types.Property(inputs, view=types.View(label=self._label))

    def _extra_inputs(self, ctx, inputs):
        pass

    def _view(self, ctx, sid):
        raise NotImplementedError

    def execute(self, ctx):
        sid = _one_sample(ctx)
        view, extra = self._view(ctx, sid)
        count = len(view)
        if not count:
            # nothing to show: keep the user's view and say why
            msg = self._empty_message(ctx, sid, extra)
            ctx.ops.notify(msg, variant="warning")
            return {"sample_id": sid, "count": 0, "ids": [], "message": msg, **extra}
        _push_history(ctx)
        ctx.ops.set_view(view=view)
        msg = f"Showing {count} {self._what} of sample {sid}; 'DataDiver: back to the previous view' returns"
        ctx.ops.notify(msg, variant="success")
        out = {"sample_id": sid, "count": count, "ids": view.values("id"), "message": msg}
        out.update(extra)
        return out

    def _empty_message(self, ctx, sid, extra):
        return f"No {self._what} of sample {sid} in this dataset: the view is unchanged"

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("message", label="Result")
        outputs.int("count", label="Samples")
        return types.Property(outputs)


class ShowVariants(_Hop):
    _name, _label, _what = "show_variants", "DataDiver: show variants", "variants (same source image)"

    def _view(self, ctx, sid):
        return ddr.variants(ctx.dataset, sid), {}


class ShowSiblings(_Hop):
    _name, _label, _what = "show_siblings", "DataDiver: show sibling classes", "sibling classes"

    def _extra_inputs(self, ctx, inputs):
        inputs.bool("include_self", default=False, label="Also show the sample's own class")

    def _view(self, ctx, sid):
        classes = ddr.sibling_classes(ctx.dataset, sid)
        view = ddr.siblings(ctx.dataset, sid, include_self=bool(ctx.params.get("include_self")))
        return view, {"classes": classes}

    def _empty_message(self, ctx, sid, extra):
        gt = ctx.dataset[sid].get_field("ground_truth") if ctx.dataset.has_sample_field("ground_truth") else None
        label = getattr(gt, "label", None)
        if not extra.get("classes"):
            return (f"No sibling classes of '{label or sid}' in this dataset (no other class shares "
                    "its WordNet parent): the view is unchanged. Tick 'Also show the sample's own class' "
                    "to see its class")
        return (f"The sibling classes of '{label or sid}' ({', '.join(c['name'] for c in extra['classes'][:5])}) have no samples "
                "in this dataset: the view is unchanged")


class ShowNeighbors(_Hop):
    _name, _label, _what = "show_neighbors", "DataDiver: show nearest neighbours", "nearest neighbours"

    def _extra_inputs(self, ctx, inputs):
        inputs.int("k", default=10, label="Number of neighbours")

    def _view(self, ctx, sid):
        k = int(ctx.params.get("k") or 10)
        return ddr.neighbors(ctx.dataset, sid, k=k), {}


class ExploreBack(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="explore_back",
            label="DataDiver: back to the previous view",
            description="Return to the view you had before the last show_variants/siblings/neighbors",
        )

    def execute(self, ctx):
        store = ctx.store(_STORE)
        history = store.get("history") or []
        # popped before it is checked: a refused entry must not block "back" for good
        store.set("history", list(history[:-1]) if isinstance(history, list) else [])
        view, selected, rest = ddr.pop_view_history(ctx.dataset, history)
        ctx.ops.set_view(view=view)
        if selected:
            ctx.ops.set_selected_samples(selected)
        return {"count": len(view), "selected": selected, "remaining": len(rest)}


class ClassSummary(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="class_summary",
            label="DataDiver: class / corruption summary",
            description="Per-class counts over corruption x severity (empty cells shown), the class tree, the confusion",
            dynamic=True,
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        inputs.view_target(ctx)
        inputs.bool("all_classes", default=False, label="One row per class of the full class list (200)")
        return types.Property(inputs, view=types.View(label="Class / corruption summary"))

    def execute(self, ctx):
        samples = ctx.target_view()
        grid = ddr.class_grid(samples, all_classes=bool(ctx.params.get("all_classes")))
        out = {
            "grid": grid,
            "grid_markdown": ddr.format_grid(grid, max_rows=200),
            "num_empty_cells": grid["num_empty_cells"],
        }
        try:
            tree = ddr.class_tree(samples)
            out["tree"] = tree
            out["tree_text"] = ddr.format_tree(tree, max_depth=8)
        except ValueError as e:
            out["tree_error"] = str(e)
        if "predictions" in samples.get_field_schema():
            conf = ddr.confusion(samples)
            out["accuracy"] = conf["accuracy"]
            out["top_confusions"] = conf["top_confusions"]
        return out

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.int("num_empty_cells", label="Empty class x corruption x severity cells")
        outputs.str("grid_markdown", label="Counts (· = empty)", view=types.MarkdownView())
        outputs.str("tree_text", label="Class tree", view=types.MarkdownView())
        outputs.float("accuracy", label="Prediction accuracy")
        return types.Property(outputs)


def register(p):
    p.register(ShowVariants)
    p.register(ShowSiblings)
    p.register(ShowNeighbors)
    p.register(ExploreBack)
    p.register(ClassSummary)

"""Curation operators: quality, duplicates, active learning, skew, zero-shot.

Thin wrappers: read params, call ``datadiver_fo``, report. The heavy ones may
run delegated and forward progress to ``ctx.set_progress``.
"""
import fiftyone.operators as foo
import fiftyone.operators.types as types

from datadiver_fo.customize.stage_guard import load_saved_view

from ._common import (
    delegation_config, field_dropdown, float_param, progress_callback, target_view_input, vector_fields,
)


def _embeddings_input(ctx, inputs, required=True):
    fields = vector_fields(ctx)
    field_dropdown(inputs, "embeddings", fields, "Embeddings field",
                   "A field of per-sample vectors (see compute_embeddings)", required=required)
    return bool(fields)


# --- quality -------------------------------------------------------------------
class ComputeQuality(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "compute_quality",
            "DataDiver: compute image quality",
            "Brightness, contrast, sharpness, entropy and compressed size with "
            "robust z-scores within class x corruption, and saved views of extremes",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        inputs.float(
            "z_threshold",
            default=3.0,
            label="Robust z threshold",
            description="|z| beyond which a sample enters an extreme view",
        )
        inputs.bool(
            "by_severity",
            default=False,
            label="Calibrate per severity too",
            description="Groups are class x corruption x severity instead of class x corruption",
        )
        return types.Property(inputs, view=types.View(label="Compute image quality"))

    def execute(self, ctx):
        import datadiver_fo.enrich.quality as ddq
        import datadiver_fo.internal.schema as dds

        group_by = [dds.GROUND_TRUTH, dds.CORRUPTION]
        if ctx.params.get("by_severity", False):
            group_by.append(dds.SEVERITY)
        res = ddq.compute_quality(
            ctx.target_view(),
            group_by=group_by,
            z_threshold=float_param(ctx, "z_threshold", 3.0),
            progress=progress_callback(ctx),
        )
        if not ctx.delegated:
            ctx.trigger("reload_dataset")
        return {
            "fields": res["fields"],
            "views": res["views"],
            "skipped_views": res["skipped_views"],
            "num_failures": len(res["failures"]),
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.list("views", types.String(), label="Saved views")
        outputs.list("skipped_views", types.String(), label="Your views left alone (ours saved as <name>-2)")
        outputs.int("num_failures", label="Unreadable images")
        return types.Property(outputs)


# --- duplicates ----------------------------------------------------------------
class FindDuplicates(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "find_duplicates",
            "DataDiver: find duplicates and leaks",
            "Exact (content hash) and near (embedding) duplicates, with variants of one "
            "source picture reported apart, and train/val leaks",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        inputs.bool("exact", default=True, label="Exact duplicates (content hash)")
        _embeddings_input(ctx, inputs, required=False)
        inputs.bool(
            "calibrate",
            default=False,
            label="Calibrate the threshold on the embeddings",
            description="Derive the near-duplicate distance from the distance to the nearest "
            "image of another source (a short, reviewable report); overrides the threshold",
        )
        inputs.float(
            "threshold",
            default=0.1,
            label="Near-duplicate cosine distance",
            description="Pairs closer than this (1 - cosine similarity) are near duplicates",
        )
        inputs.bool("leaks", default=True, label="Look for train/val leaks")
        return types.Property(inputs, view=types.View(label="Find duplicates"))

    def execute(self, ctx):
        import datadiver_fo.enrich.duplicates as ddd

        embeddings = ctx.params.get("embeddings") or None
        calibrate = bool(ctx.params.get("calibrate", False)) and embeddings is not None
        res = ddd.find_duplicates(
            ctx.target_view(),
            embeddings=embeddings,
            threshold="auto" if calibrate else float_param(ctx, "threshold", 0.1),
            exact=bool(ctx.params.get("exact", True)),
            leaks=bool(ctx.params.get("leaks", True)),
            progress=progress_callback(ctx),
        )
        if not ctx.delegated:
            ctx.trigger("reload_dataset")
        return {
            "num_exact_groups": len(res["exact_groups"]),
            "num_duplicate_pairs": len(res["duplicates"]),
            "num_same_source_pairs": res["num_same_source"],
            "num_clusters": len(res["clusters"]),
            "num_source_clusters": len(res["source_clusters"]),
            "threshold": res["threshold"],
            "num_leaks": -1 if res["leaks"] is None else len(res["leaks"]),
            "views": res["views"],
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.int("num_exact_groups", label="Exact-duplicate groups")
        outputs.int("num_duplicate_pairs", label="True duplicate pairs")
        outputs.int("num_same_source_pairs", label="Pairs of variants of one source")
        outputs.int("num_clusters", label="Clusters of true duplicates")
        outputs.int("num_source_clusters", label="Clusters of source pictures (all corruptions)")
        outputs.float("threshold", label="Near-duplicate distance used")
        outputs.int("num_leaks", label="Leaking samples (-1: no train/val split)")
        outputs.list("views", types.String(), label="Saved views")
        return types.Property(outputs)


# --- active learning -------------------------------------------------------------
class ProposeLabels(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="propose_labels",
            label="DataDiver: propose samples to label (active learning)",
            description="k-means typical samples first, then the probe's least certain; "
            "label them with 'label:<class>' tags or the label field, then run again",
            dynamic=True,
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        _embeddings_input(ctx, inputs, required=True)
        inputs.int("batch_size", default=10, label="Batch size")
        inputs.str(
            "label_field",
            default="ground_truth",
            label="Label field",
            description="Classification field the labels go to (tags 'label:<class>' are harvested into it)",
        )
        inputs.str("name", default="default", label="Loop name")
        inputs.bool("reset", default=False, label="Start the loop over")
        return types.Property(inputs, view=types.View(label="Propose samples to label"))

    def execute(self, ctx):
        import datadiver_fo.curation.active_learning as ddal

        view = ctx.target_view()
        name = ctx.params.get("name") or "default"
        if ctx.params.get("reset", False):
            ddal.reset(view, name)
        res = ddal.propose_labels(
            view,
            ctx.params["embeddings"],
            batch_size=int(ctx.params.get("batch_size") or 10),
            label_field=ctx.params.get("label_field") or "ground_truth",
            name=name,
            progress=progress_callback(ctx),
        )
        ctx.trigger("reload_dataset")
        return {
            "proposed": res["proposed"],
            "strategy": res["strategy"],
            "round": res["round"],
            "num_labeled": res["num_labeled"],
            "classes": res["classes"],
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("strategy", label="Strategy of this round")
        outputs.int("round", label="Round")
        outputs.int("num_labeled", label="Labelled so far")
        outputs.list("proposed", types.String(), label="Proposed (tagged 'to_label')")
        return types.Property(outputs)


# --- skew -------------------------------------------------------------------------
_CURRENT = "__current_view__"
_REST = "__rest_of_dataset__"


class ComputeSkew(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "compute_skew",
            "DataDiver: compare two sets (skew)",
            "Per-attribute distribution distances and a domain-classifier AUC between "
            "two sets, e.g. clean vs corrupted",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        saved = ctx.dataset.list_saved_views() if ctx.dataset is not None else []
        a_choices = types.DropdownView()
        a_choices.add_choice(_CURRENT, label="Current view")
        b_choices = types.DropdownView()
        b_choices.add_choice(_REST, label="Rest of the dataset")
        for name in saved:
            a_choices.add_choice(name, label=name)
            b_choices.add_choice(name, label=name)
        inputs.enum("set_a", [_CURRENT] + saved, default=_CURRENT, label="Set A", view=a_choices)
        inputs.enum("set_b", [_REST] + saved, default=_REST, label="Set B", view=b_choices)
        _embeddings_input(ctx, inputs, required=False)
        return types.Property(inputs, view=types.View(label="Compare two sets"))

    def execute(self, ctx):
        import json

        import datadiver_fo.curation.skew as dds_

        set_a = ctx.params.get("set_a") or _CURRENT
        set_b = ctx.params.get("set_b") or _REST
        a = ctx.view if set_a == _CURRENT else load_saved_view(ctx.dataset, set_a)
        b = (
            ctx.dataset.exclude(a.values("id"))
            if set_b == _REST
            else load_saved_view(ctx.dataset, set_b)
        )
        res = dds_.compute_skew(
            a,
            b,
            embeddings=ctx.params.get("embeddings") or None,
            name_a="current view" if set_a == _CURRENT else set_a,
            name_b="rest" if set_b == _REST else set_b,
            progress=progress_callback(ctx),
        )
        summary = json.loads(res["figures"]["summary"].to_json())
        return {
            "domain_auc": res["domain_auc"],
            "attributes": [
                {k: r[k] for k in ("field", "kind", "js") if k in r}
                | ({"ks": r["ks"]} if "ks" in r else {"tv": r.get("tv")})
                for r in res["attributes"]
            ],
            "summary": summary["data"],
            "n_a": res["n_a"],
            "n_b": res["n_b"],
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.float("domain_auc", label="Domain classifier AUC (0.5 = no skew)")
        outputs.int("n_a", label="Samples in A")
        outputs.int("n_b", label="Samples in B")
        outputs.plot(
            "summary",
            layout={"title": "Jensen-Shannon distance per attribute", "yaxis": {"range": [0, 1]}},
        )
        return types.Property(outputs)


# --- zero-shot ----------------------------------------------------------------------
class ZeroShotClassify(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "zero_shot_classify",
            "DataDiver: zero-shot classify (CLIP)",
            "Predict classes from class-name prompts with an open_clip model and compare "
            "with the trained probe",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        inputs.str(
            "model",
            required=True,
            label="Model",
            description="A model with a text tower, e.g. open_clip:ViT-B-32:/path/to/weights.pt",
        )
        inputs.str("label_field", default="zeroshot", label="Predictions field")
        inputs.str(
            "templates",
            default="a photo of a {}.",
            label="Prompt templates",
            description="One or more templates separated by '|', each with {} for the class",
        )
        inputs.str("compare_field", default="predictions", label="Probe predictions to compare")
        return types.Property(inputs, view=types.View(label="Zero-shot classification"))

    def execute(self, ctx):
        import datadiver_fo.enrich.zeroshot as ddz

        templates = [t.strip() for t in (ctx.params.get("templates") or "").split("|") if t.strip()]
        res = ddz.zero_shot_classify(
            ctx.target_view(),
            ctx.params["model"],
            label_field=ctx.params.get("label_field") or "zeroshot",
            templates=templates or ddz.DEFAULT_TEMPLATES,
            compare_field=ctx.params.get("compare_field") or None,
            progress=progress_callback(ctx),
        )
        if not ctx.delegated:
            ctx.trigger("reload_dataset")
        return {
            "label_field": res["label_field"],
            "eval_key": res["eval_key"],
            "table": ddz.comparison_table(res),
            "num_failures": len(res["failures"]),
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("label_field", label="Predictions field")
        outputs.str("eval_key", label="Evaluation key")
        outputs.list("table", types.Object(), label="Accuracy: zero-shot vs probe")
        return types.Property(outputs)


def register(p):
    p.register(ZeroShotClassify)
    p.register(ComputeSkew)
    p.register(ProposeLabels)
    p.register(ComputeQuality)
    p.register(FindDuplicates)

"""Score operators: out-of-sample predictions, OoD scores, label issues.

Thin wrappers over ``datadiver_fo.enrich.predictions`` / ``ood`` / ``label_issues``:
read params, call the library, report. All may run delegated and forward
progress to ``ctx.set_progress``.
"""
import fiftyone.operators as foo
import fiftyone.operators.types as types

from ._common import (
    delegation_config, field_dropdown, form_error, int_param, progress_callback, require_field,
    target_view_input, vector_fields,
)


def _require_predictions(ctx, inputs):
    """The prediction field the form names must exist: say to run
    'Predictions' first (with a button) rather than fail after Execute."""
    field = (ctx.params.get("pred_field") or "predictions").strip()
    return require_field(ctx, inputs, field, "compute_predictions", "Predictions")

_CLASSIFIERS = ("logreg", "knn", "mlp")


def _classification_fields(ctx):
    import fiftyone.core.labels as fol

    if ctx.dataset is None:
        return []
    return sorted(ctx.dataset.get_field_schema(embedded_doc_type=fol.Classification))


class ComputePredictions(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "compute_predictions",
            "DataDiver: compute out-of-sample predictions",
            "Cross-validated probe ensemble on embedding fields, folds grouped by "
            "source_id; writes `predictions` and one field per member",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        fields = vector_fields(ctx)
        inputs.list(
            "embeddings", types.String(), required=True,
            label="Embedding fields",
            description="One or more vector fields (see compute_embeddings)",
            view=types.AutocompleteView(choices=[types.Choice(f) for f in fields]),
        )
        inputs.list(
            "classifiers", types.String(), default=["logreg", "knn"],
            label="Classifier families",
            description="Each embedding field x each family is one member: "
            + ", ".join(_CLASSIFIERS),
            view=types.AutocompleteView(choices=[types.Choice(c) for c in _CLASSIFIERS]),
        )
        from datadiver_fo.enrich.models import resolve_auto_classifier

        auto_name, _, auto_reason = resolve_auto_classifier()
        inputs.bool(
            "timm_auto", default=False,
            label="Add an ImageNet-1k classifier member (timm, auto)",
            description=(f"{auto_name}: its ImageNet outputs mapped onto the dataset's wnids; "
                         "reads every image" if auto_name else
                         f"Unavailable: {auto_reason}"),
            read_only=not auto_name,
        )
        field_dropdown(inputs, "label_field", _classification_fields(ctx),
                       "Label field", "Ground-truth classifications",
                       default="ground_truth", required=False)
        inputs.str("pred_field", default="predictions", label="Prediction field")
        inputs.int("num_folds", default=5, label="Folds")
        inputs.str("group_field", default="source_id", label="Group field",
                   description="Samples sharing it never sit on both sides of a fold")
        if not fields:
            require_field(ctx, inputs, "embeddings", "compute_embeddings", "Embeddings")
        elif ctx.dataset is not None and not ctx.dataset.has_sample_field(
                (ctx.params.get("label_field") or "ground_truth")):
            form_error(inputs, "no_labels", "No label field to learn from",
                       "Choose a Classification field in 'Label field'")
        return types.Property(inputs, view=types.View(label="Compute predictions"))

    def execute(self, ctx):
        import datadiver_fo.enrich.predictions as ddp

        fields = ctx.params.get("embeddings") or []
        if isinstance(fields, str):
            fields = [fields]
        clfs = ctx.params.get("classifiers") or ["logreg", "knn"]
        members = [{"embeddings": f, "classifier": c} for f in fields for c in clfs]
        if ctx.params.get("timm_auto"):
            members.append("timm:auto")  # resolved from the local cache, recorded in the run
        rep = ddp.compute_predictions(
            ctx.target_view(),
            members=members,
            label_field=ctx.params.get("label_field") or "ground_truth",
            pred_field=ctx.params.get("pred_field") or "predictions",
            num_folds=int_param(ctx, "num_folds", 5),
            group_field=ctx.params.get("group_field") or None,
            progress=progress_callback(ctx),
        )
        if not ctx.delegated:
            ctx.trigger("reload_dataset")
        return {
            "run_key": rep.run_key,
            "accuracy": rep.accuracy,
            "member_accuracy": rep.member_accuracy,
            "member_fields": rep.member_fields,
            "num_unlabelled": rep.num_unlabelled,
            "small_classes": rep.small_classes,
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("run_key", label="Run")
        outputs.float("accuracy", label="Out-of-sample accuracy (ensemble)")
        outputs.list("member_fields", types.String(), label="Member fields")
        outputs.int("num_unlabelled", label="Unlabelled samples (predicted, not trained on)")
        outputs.list("small_classes", types.String(), label="Classes with few samples")
        return types.Property(outputs)


class ComputeOod(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "compute_ood",
            "DataDiver: compute OoD scores",
            "ood_score (ensemble entropy), ood_band (low/mid/high), ood_knn "
            "(kNN distance) and the saved view datadiver/most-ood",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        inputs.str("pred_field", default="predictions", label="Prediction field",
                   description="Written by compute_predictions")
        field_dropdown(inputs, "knn_embeddings", vector_fields(ctx), "kNN embeddings",
                       "Embedding field for ood_knn (optional)", required=False)
        inputs.int("k", default=0, label="Neighbours (k)",
                   description="0 = auto (from the distinct pictures per class)")
        _require_predictions(ctx, inputs)
        return types.Property(inputs, view=types.View(label="Compute OoD scores"))

    def execute(self, ctx):
        import datadiver_fo.enrich.ood as ddo

        rep = ddo.compute_ood(
            ctx.target_view(),
            pred_field=ctx.params.get("pred_field") or "predictions",
            knn_embeddings=ctx.params.get("knn_embeddings") or None,
            k=int_param(ctx, "k", 0) or "auto",
            progress=progress_callback(ctx),
        )
        if not ctx.delegated:
            ctx.trigger("reload_dataset")
        return {
            "run_key": rep.run_key,
            "band_counts": rep.band_counts,
            "member_mean_entropy": rep.member_mean_entropy,
            "view": rep.view,
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("run_key", label="Run")
        outputs.str("view", label="Saved view")
        return types.Property(outputs)


class FindLabelIssues(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "find_label_issues",
            "DataDiver: find label issues",
            "cleanlab on out-of-sample probabilities: label_issue, label_quality, "
            "suggested_label, plus brain mistakenness and hardness",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        inputs.str("pred_field", default="predictions", label="Prediction field",
                   description="Written by compute_predictions")
        field_dropdown(inputs, "label_field", _classification_fields(ctx),
                       "Label field", "Labels to check", default="ground_truth",
                       required=False)
        inputs.bool("brain", default=True, label="Also brain mistakenness and hardness")
        inputs.bool("view_per_group", default=False, label="One sample per source picture",
                    description="The saved view shows each flagged source_id once "
                    "(its least corrupted variant) instead of every flagged variant")
        _require_predictions(ctx, inputs)
        return types.Property(inputs, view=types.View(label="Find label issues"))

    def execute(self, ctx):
        import datadiver_fo.enrich.label_issues as ddl

        brain = bool(ctx.params.get("brain", True))
        rep = ddl.find_label_issues(
            ctx.target_view(),
            pred_field=ctx.params.get("pred_field") or "predictions",
            label_field=ctx.params.get("label_field") or "ground_truth",
            mistakenness=brain,
            hardness=brain,
            progress=progress_callback(ctx),
            view_per_group=bool(ctx.params.get("view_per_group", False)),
        )
        if not ctx.delegated:
            ctx.trigger("reload_dataset")
        return {
            "run_key": rep.run_key,
            "num_issues": rep.num_issues,
            "num_group_issues": rep.num_group_issues,
            "num_groups": rep.num_groups,
            "num_checked": rep.num_checked,
            "num_missing_labels": rep.num_missing_labels,
            "small_classes": rep.small_classes,
            "view": rep.view,
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.int("num_issues", label="Label issues")
        outputs.int("num_group_issues", label="Source pictures flagged")
        outputs.int("num_checked", label="Samples checked")
        outputs.int("num_missing_labels", label="Skipped: no label")
        outputs.str("view", label="Saved view")
        return types.Property(outputs)


def register(p):
    p.register(ComputePredictions)
    p.register(ComputeOod)
    p.register(FindLabelIssues)

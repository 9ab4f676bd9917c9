"""Embedding operators: compute embeddings, build a similarity index (plus
uniqueness / representativeness from it), sort by similarity to selected
samples or a text prompt, write k nearest neighbours, and 2D maps.

Thin wrappers over ``datadiver_fo.enrich.embeddings`` / ``similarity`` /
``projections``: read params, call the library, report.
"""
import os

import fiftyone.operators as foo
import fiftyone.operators.types as types

from ._common import (
    MAX_SHARDS, PLUGIN, delegation_config, field_dropdown, form_error, progress_callback,
    queue_shards, require_field, shard_params, target_view_input, vector_fields,
)

_MODEL_CHOICES = [
    ("auto", "auto (best offline model: weightless)"),
    ("weightless", "weightless (no weights; colour, gradient and Gabor statistics)"),
    ("pixels", "pixels (raw 32x32 thumbnail, a baseline)"),
    ("other", "other: timm / open_clip / registered name"),
]


def _embeddings_choice(ctx, inputs, name="embeddings"):
    fields = vector_fields(ctx)
    if not fields:
        # Execute stays disabled; the button opens the operator to run first
        require_field(ctx, inputs, "embeddings", "compute_embeddings", "Embeddings")
        return False
    default = "embeddings" if "embeddings" in fields else fields[0]
    field_dropdown(inputs, name, fields, "Embeddings field", default=default)
    return True


def _similarity_keys(ctx):
    if ctx.dataset is None:
        return []
    out = []
    for key in ctx.dataset.list_brain_runs():
        cfg = ctx.dataset.get_brain_info(key).config
        if cfg.cls.endswith("SimilarityConfig"):
            out.append(key)
    return out


class ComputeEmbeddings(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "compute_embeddings",
            "DataDiver: compute embeddings",
            "Embed every image once (batched, resumable, recorded as a run); every "
            "other DataDiver method reads this field",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        radio = types.RadioGroup()
        for value, label in _MODEL_CHOICES:
            radio.add_choice(value, label=label)
        inputs.enum("model_choice", radio.values(), default="auto", label="Model", view=radio)
        if ctx.params.get("model_choice") == "other":
            inputs.str(
                "model",
                required=True,
                label="Model string",
                description="timm:<name>[@<checkpoint file>], open_clip:<arch>:<tag or file>, "
                "or a name given to datadiver_fo.register_model",
            )
        inputs.str("field", default="embeddings", required=True, label="Field",
                   description="Vector field to write")
        inputs.int("batch_size", required=False, label="Batch size",
                   description="Images per forward pass; empty = 256 on a GPU, 64 on CPU")
        inputs.str("device", default="auto", label="Device", description="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:1, ...")
        inputs.bool("skip_existing", default=True, label="Skip samples already embedded",
                    description="With the same model config (finishes an interrupted run)")
        inputs.bool("overwrite", default=False, label="Replace embeddings from another model")
        if ctx.params.get("shard_index") is None:  # a queued shard's own form needs no count
            inputs.int("shards", default=1, label="Shards (workers)",
                       description=f"1 = one job. 2..{MAX_SHARDS}: queue that many delegated "
                       "operations, each embedding one slice of the samples; every "
                       "`fiftyone delegated launch` worker sharing this database (on any "
                       "machine) takes one. The run is complete when the last shard finishes")
            shards = ctx.params.get("shards") or 1
            if isinstance(shards, int) and shards > 1:
                inputs.view("shards_notice", types.Notice(
                    label=f"Queues {shards} delegated operations now: start `fiftyone delegated "
                    "launch` on each worker machine (same FIFTYONE_DATABASE_URI and "
                    "FIFTYONE_PLUGINS_DIR)"))
        return types.Property(inputs, view=types.View(label="Compute embeddings"))

    def resolve_delegation(self, ctx):
        try:
            shards, index = shard_params(ctx)
        except ValueError:  # execute() names the bad value
            return None
        if index is not None:
            return True  # a shard is a delegated operation by definition
        if shards > 1:
            return False  # queuing the shards takes a moment: do it now, in the App
        return None  # the user's choice

    def execute(self, ctx):
        import datadiver_fo.enrich.embeddings as dde

        shards, index = shard_params(ctx)
        choice = ctx.params.get("model_choice", "auto")
        model = ctx.params.get("model") if choice == "other" else choice
        field = ctx.params.get("field") or None
        if shards > 1 and index is None:
            return self._queue(ctx, dde, model, field, shards)
        report = dde.compute_embeddings(
            ctx.target_view(),
            model=model,
            field=field,
            batch_size=int(ctx.params["batch_size"]) if ctx.params.get("batch_size") else None,
            device=ctx.params.get("device") or "auto",
            skip_existing=bool(ctx.params.get("skip_existing", True)),
            overwrite=bool(ctx.params.get("overwrite", False)),
            progress=progress_callback(ctx),
            shard=None if index is None else (index, shards),
        )
        if not ctx.delegated:
            ctx.ops.reload_dataset()
        out = {k: report[k] for k in ("model", "field", "run_key", "embedded", "skipped",
                                      "num_failed", "dim", "images_per_second", "complete")}
        out["failed"] = [f"{f['filepath']}: {f['error']}" for f in report["failed"][:50]]
        if index is not None:
            import os
            import socket

            out["shard"] = f"{index + 1}/{shards}"
            out["worker"] = f"{socket.gethostname()}:{os.getpid()}"  # which machine ran it
        return out

    def _queue(self, ctx, dde, model, field, shards):
        """Queues one delegated operation per shard, after the checks that
        would otherwise fail in every shard."""
        if ctx.params.get("overwrite"):
            # shards starting together would each clear the field, erasing each other's vectors
            raise ValueError("Replacing embeddings from another model runs as one job: untick "
                             "'Replace embeddings from another model' or set Shards to 1 "
                             "(or write to a new field)")
        view = ctx.target_view()
        if view.count() == 0:
            raise ValueError("The chosen target holds no samples: nothing to shard")
        # "auto" is resolved once, here: machines with other weight caches
        # must not pick different models for one field
        model, reason = dde.resolve_embeddings_model(view, model, field)
        if not isinstance(model, str) or not model.strip():
            raise ValueError("Name a model (a model string) to shard the job")
        field = field or dde.EMBEDDINGS
        info = dde.get_embeddings_info(view, field)
        if info is not None and info.get("model") != model and ctx.dataset.has_sample_field(field) \
                and ctx.dataset.exists(field).limit(1).count() > 0:
            # every shard would refuse to mix two models in one field: say so once, now
            raise ValueError(f"Field '{field}' holds embeddings from '{info.get('model')}', not "
                             f"'{model}': choose another field, or replace them as one job "
                             "(Shards 1, 'Replace embeddings from another model')")
        ids = queue_shards(ctx, self.uri, shards, self.config.label,
                           params={"model_choice": "other", "model": model})
        return {"model": model, "model_reason": reason, "field": field,
                "shards": shards, "queued": ids,
                "next": "start `fiftyone delegated launch` on each worker machine"}

    def resolve_output(self, ctx):
        outputs = types.Object()
        if (ctx.results or {}).get("queued") is not None:
            outputs.str("model", label="Model (every shard)")
            outputs.str("field", label="Field")
            outputs.int("shards", label="Shards")
            outputs.list("queued", types.String(), label="Queued delegated operations")
            outputs.str("next", label="Next")
            return types.Property(outputs)
        outputs.str("model", label="Model")
        outputs.str("field", label="Field")
        outputs.int("embedded", label="Embedded now")
        outputs.int("skipped", label="Already embedded")
        outputs.int("num_failed", label="Unreadable files")
        outputs.list("failed", types.String(), label="Unreadable files (first 50)")
        outputs.float("images_per_second", label="Images / s")
        if (ctx.results or {}).get("shard") is not None:
            outputs.str("shard", label="Shard")
            outputs.str("worker", label="Run by (host:pid)")
            outputs.bool("complete", label="Run complete (all shards done)")
        return types.Property(outputs)


class ComputeSimilarity(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "compute_similarity",
            "DataDiver: build similarity index",
            "A fiftyone-brain similarity index over an embeddings field (cosine or "
            "euclidean), optionally uniqueness and representativeness from the same index",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        if not _embeddings_choice(ctx, inputs):
            return types.Property(inputs)
        inputs.enum("metric", ["cosine", "euclidean"], default="cosine", label="Distance",
                    view=types.RadioGroup())
        inputs.enum("backend", ["sklearn", "lancedb", "qdrant", "milvus"], default="sklearn",
                    label="Backend", view=types.DropdownView(),
                    description="sklearn: in memory; lancedb: on disk (large sets); "
                    "qdrant / milvus: a shared server")
        backend = ctx.params.get("backend", "sklearn")
        if backend == "lancedb":
            # persistent by default: /tmp (brain's default) loses the index on reboot
            inputs.str("uri", default=os.path.join(os.path.expanduser("~"), ".datadiver", "lancedb"),
                       label="LanceDB folder")
        elif backend in ("qdrant", "milvus"):
            inputs.str("url" if backend == "qdrant" else "uri", required=True, label="Server URL")
        inputs.str("brain_key", label="Brain key", description="Default: datadiver_sim_<field>_<metric>")
        inputs.bool("uniqueness", default=False, label="Also compute uniqueness")
        inputs.bool("representativeness", default=False, label="Also compute representativeness")
        return types.Property(inputs, view=types.View(label="Build similarity index"))

    def execute(self, ctx):
        import datadiver_fo.enrich.similarity as dds

        view = ctx.target_view()
        backend = ctx.params.get("backend", "sklearn")
        kwargs = {k: ctx.params[k] for k in ("uri", "url") if ctx.params.get(k)}
        index = dds.compute_similarity(
            view,
            embeddings=ctx.params.get("embeddings") or "embeddings",
            brain_key=ctx.params.get("brain_key") or None,
            metric=ctx.params.get("metric", "cosine"),
            backend=backend,
            progress=progress_callback(ctx),
            **kwargs,
        )
        fields = []
        if ctx.params.get("uniqueness"):
            fields.append(dds.compute_uniqueness(view, brain_key=index.key,
                                                 progress=progress_callback(ctx)))
        if ctx.params.get("representativeness"):
            fields.append(dds.compute_representativeness(view, brain_key=index.key,
                                                         progress=progress_callback(ctx)))
        if not ctx.delegated:
            ctx.ops.reload_dataset()
        return {"brain_key": index.key, "size": int(index.total_index_size), "fields": fields}

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("brain_key", label="Brain key")
        outputs.int("size", label="Indexed samples")
        outputs.list("fields", types.String(), label="Score fields written")
        return types.Property(outputs)


class SortBySimilarity(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="sort_by_similarity",
            label="DataDiver: sort by similarity",
            description="Sort by similarity to the selected samples or to a text prompt "
            "(text needs embeddings from a model with a text tower), storing the distance",
            dynamic=True,
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        keys = _similarity_keys(ctx)
        if not keys:
            form_error(inputs, "no_index", "No similarity index yet: run 'DataDiver: build similarity index' first",
                       f"Operator {PLUGIN}/compute_similarity; then open this form again.")
            inputs.view("run_compute_similarity", types.Button(
                label="Open 'build similarity index'", operator=f"{PLUGIN}/compute_similarity", prompt=True))
            return types.Property(inputs)
        inputs.enum("brain_key", keys, default=keys[0], required=True, label="Index",
                    view=types.DropdownView())
        n_sel = len(ctx.selected or [])
        inputs.str("text", required=n_sel == 0, label="Text prompt",
                   description=f"{n_sel} selected sample(s) are the query; or type a prompt")
        inputs.int("k", default=100, label="Number of results")
        inputs.str("dist_field", default="similarity_dist", label="Distance field")
        return types.Property(inputs, view=types.View(label="Sort by similarity"))

    def execute(self, ctx):
        import datadiver_fo.enrich.similarity as dds

        text = (ctx.params.get("text") or "").strip()
        query = text or list(ctx.selected or [])
        if not query:
            raise ValueError("Select samples or type a text prompt")
        k = ctx.params.get("k")
        view = dds.sort_by_similarity(
            ctx.view if ctx.view is not None else ctx.dataset,
            query,
            k=int(k) if k else None,
            brain_key=ctx.params.get("brain_key"),
            dist_field=ctx.params.get("dist_field") or None,
        )
        ctx.ops.set_view(view=view)
        return {"count": len(view), "query": text or f"{len(query)} sample(s)"}


class WriteNeighbors(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "write_neighbors",
            "DataDiver: write nearest neighbours",
            "Store each sample's k nearest neighbours (ids and distances) for the "
            "relationship explorer",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        if not _embeddings_choice(ctx, inputs):
            return types.Property(inputs)
        inputs.int("k", default=10, label="Neighbours per sample")
        inputs.enum("metric", ["cosine", "euclidean"], default="cosine", label="Distance",
                    view=types.RadioGroup())
        inputs.str("field", default="neighbors", label="Field",
                   description="Writes <field> (ids) and <field>_dist (distances)")
        return types.Property(inputs, view=types.View(label="Write nearest neighbours"))

    def execute(self, ctx):
        import datadiver_fo.enrich.similarity as dds

        res = dds.write_neighbors(
            ctx.target_view(),
            embeddings=ctx.params.get("embeddings") or "embeddings",
            k=int(ctx.params.get("k") or 10),
            field=ctx.params.get("field") or "neighbors",
            metric=ctx.params.get("metric", "cosine"),
            progress=progress_callback(ctx),
        )
        if not ctx.delegated:
            ctx.ops.reload_dataset()
        return res


class ComputeVisualization(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "compute_visualization",
            "DataDiver: compute 2D map",
            "UMAP, t-SNE, PCA, TriMap or PCA+t-SNE of an embeddings field, shown in the "
            "Embeddings panel",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        if not _embeddings_choice(ctx, inputs):
            return types.Property(inputs)
        inputs.enum("method", ["umap", "tsne", "pca", "trimap", "pca_tsne"], default="umap",
                    label="Method", view=types.DropdownView())
        inputs.int("num_dims", default=2, label="Dimensions")
        inputs.int("seed", default=51, label="Seed")
        inputs.int("max_fit_samples", default=20000, label="Fit on at most",
                   description="Larger sets: fit on a class-stratified subset, place the rest")
        inputs.str("brain_key", label="Brain key", description="Default: datadiver_map_<field>_<method>")
        return types.Property(inputs, view=types.View(label="Compute 2D map"))

    def execute(self, ctx):
        import datadiver_fo.enrich.projections as ddp

        num_dims = int(ctx.params.get("num_dims") or 2)
        if num_dims < 1:
            raise ValueError("num_dims must be >= 1")
        results = ddp.compute_projection(
            ctx.target_view(),
            embeddings=ctx.params.get("embeddings") or "embeddings",
            method=ctx.params.get("method", "umap"),
            num_dims=num_dims,
            seed=int(ctx.params.get("seed") if ctx.params.get("seed") is not None else 51),
            brain_key=ctx.params.get("brain_key") or None,
            max_fit_samples=int(ctx.params.get("max_fit_samples") or 20000),
            progress=progress_callback(ctx),
        )
        if not ctx.delegated:
            ctx.ops.reload_dataset()
        return {"brain_key": results.key, "num_points": int(len(results.points))}


def register(p):
    p.register(ComputeEmbeddings)
    p.register(ComputeSimilarity)
    p.register(SortBySimilarity)
    p.register(WriteNeighbors)
    p.register(ComputeVisualization)

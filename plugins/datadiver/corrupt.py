"""Operator: write a -C copy of the dataset or view (chosen corruptions and
severities) and load it as a dataset linked to its source."""
import fiftyone.operators as foo
import fiftyone.operators.types as types

import datadiver_fo as ddf

from ._common import delegation_config, path_param, progress_callback, target_view_input


class CorruptDataset(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "corrupt_dataset",
            "DataDiver: make a -C copy",
            description="Write corrupted copies of the images in the -C folder layout "
            "(<corruption>/<severity>/<class>/) and load them as a dataset linked to "
            "the source samples",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        target_view_input(ctx, inputs)
        inputs.str("out_dir", required=True, label="Output folder",
                   description="Empty folder, or an earlier (interrupted) copy to resume")
        names = ddf.list_corruptions()
        inputs.list("corruptions", types.String(), default=names[:15], label="Corruptions",
                    view=types.AutocompleteView(choices=[types.Choice(c, label=c) for c in names]))
        inputs.list("severities", types.Number(int=True), default=[1, 2, 3, 4, 5],
                    label="Severities",
                    view=types.AutocompleteView(
                        choices=[types.Choice(s, label=str(s)) for s in range(1, 6)]))
        default = f"{ctx.dataset.name}-c" if ctx.dataset is not None else None
        inputs.str("name", default=default, label="Dataset of the copy")
        inputs.enum("resolution", ["auto", "32", "64", "224"], default="auto",
                    label="Corruption parameters for",
                    description="auto: the reference table nearest each image's size "
                    "(CIFAR 32, Tiny-ImageNet 64, ImageNet 224 px)")
        inputs.enum("image_format", ["jpeg", "png"], default="jpeg", label="Image format")
        inputs.int("workers", default=None, label="Worker processes",
                   description="Default: one per CPU core")
        return types.Property(inputs, view=types.View(label="Make a -C copy"))

    def execute(self, ctx):
        p = ctx.params
        res = p.get("resolution") or "auto"
        severities = p.get("severities")
        dataset = ddf.corrupt_dataset(
            ctx.target_view(),
            path_param(p.get("out_dir")),
            corruptions=p.get("corruptions") or None,
            severities=[int(s) for s in severities] if severities else None,
            name=p.get("name") or None,
            resolution=res if res == "auto" else int(res),
            image_format=p.get("image_format") or "jpeg",
            workers=int(p["workers"]) if p.get("workers") else None,
            progress=progress_callback(ctx),
        )
        info = dataset.info["datadiver_corrupt"]
        return {
            "dataset": dataset.name,
            "num_samples": len(dataset),
            "written": info["written"],
            "already_present": info["already_present"],
            "failed": info["num_failed"],
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("dataset", label="Dataset of the copy")
        outputs.int("num_samples", label="Samples")
        outputs.int("written", label="Images written by this run")
        outputs.int("already_present", label="Images already there")
        outputs.int("failed", label="Failed (see dataset.info['datadiver_corrupt'])")
        return types.Property(outputs)


def register(p):
    p.register(CorruptDataset)

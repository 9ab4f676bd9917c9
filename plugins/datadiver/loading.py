"""Operators: load a Tiny-ImageNet-C tree, or any benchmark of the -C family
(ImageNet-C, CIFAR-10-C, CIFAR-100-C), into a FiftyOne dataset."""
import fiftyone.operators as foo
import fiftyone.operators.types as types

import datadiver_fo as ddf

from ._common import delegation_config, form_error, path_param, progress_callback


class LoadTinyImageNetC(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "load_tiny_imagenet_c",
            "DataDiver: load Tiny-ImageNet-C",
            description="Import a Tiny-ImageNet-C folder with class names, WordNet "
            "groups, corruption, severity and source image",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        inputs.str(
            "root",
            required=True,
            label="Tiny-ImageNet-C folder",
            description="Folder holding <corruption>/<severity>/<wnid>/ folders",
        )
        inputs.str("name", default="tiny-imagenet-c", required=True, label="Dataset name")
        inputs.str(
            "clean_root",
            required=False,
            label="tiny-imagenet-200 folder (optional)",
            description="Adds the clean train/val images and names extra classes from words.txt",
        )
        root = path_param(ctx.params.get("root"))
        if root:
            try:
                found = ddf.discover_tiny_imagenet_c(root)
            except ValueError as e:
                form_error(inputs, "root_error", "Cannot read folder", str(e))
                return types.Property(inputs)
            corrs = list(found["corruptions"])
            sevs = sorted({s for v in found["corruptions"].values() for s in v})
            inputs.list(
                "corruptions",
                types.String(),
                default=corrs,
                label="Corruptions",
                description=f"{len(corrs)} found on disk",
                view=types.AutocompleteView(choices=[types.Choice(c, label=c) for c in corrs]),
            )
            inputs.list(
                "severities",
                types.Number(int=True),
                default=sevs,
                label="Severities",
                view=types.AutocompleteView(choices=[types.Choice(s, label=str(s)) for s in sevs]),
            )
        inputs.bool("overwrite", default=False, label="Replace an existing dataset of this name")
        return types.Property(inputs, view=types.View(label="Load Tiny-ImageNet-C"))

    def execute(self, ctx):
        p = ctx.params
        severities = p.get("severities")
        dataset = ddf.load_tiny_imagenet_c(
            path_param(p.get("root")),
            name=p.get("name") or "tiny-imagenet-c",
            corruptions=p.get("corruptions") or None,
            severities=[int(s) for s in severities] if severities else None,
            clean_root=path_param(p.get("clean_root")),
            overwrite=bool(p.get("overwrite", False)),
            progress=progress_callback(ctx),
        )
        report = ddf.import_report(dataset)
        if not ctx.delegated:
            ctx.trigger("open_dataset", dict(dataset=dataset.name))
        return {
            "dataset": dataset.name,
            "num_samples": len(dataset),
            "added": report["added"],
            "skipped": sum(report["skipped"].values()),
            "notes": report["notes"],
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("dataset", label="Dataset")
        outputs.int("num_samples", label="Samples")
        outputs.int("added", label="Added by this run")
        outputs.int("skipped", label="Files skipped (see dataset.info)")
        outputs.list("notes", types.String(), label="Notes")
        return types.Property(outputs)


class LoadCorruptionBenchmark(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "load_corruption_benchmark",
            "DataDiver: load a -C benchmark",
            description="Import Tiny-ImageNet-C, ImageNet-C, CIFAR-10-C or CIFAR-100-C "
            "(detected from the folder) with class, corruption, severity and source image",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        inputs.str("root", required=True, label="Benchmark folder",
                   description="A Tiny-ImageNet-C or ImageNet-C tree, or a CIFAR-10-C / "
                   "CIFAR-100-C folder of .npy arrays")
        kinds = ["auto", "tiny-imagenet-c", "imagenet-c", "cifar-10-c", "cifar-100-c"]
        inputs.enum("kind", kinds, default="auto", label="Benchmark",
                    view=types.DropdownView())
        root = path_param(ctx.params.get("root"))
        kind = ctx.params.get("kind") or "auto"
        if root and kind == "auto":
            try:
                kind = ddf.detect_corruption_benchmark(root)["kind"]
            except ValueError as e:
                form_error(inputs, "root_error", "Cannot tell which benchmark", str(e))
                return types.Property(inputs)
            inputs.view("detected", types.Notice(label=f"Detected: {kind}"))
        inputs.str("name", default=kind if kind != "auto" else None, required=False,
                   label="Dataset name", description="Default: the benchmark's name")
        if kind.startswith("cifar"):
            inputs.str("media_dir", required=True, label="Folder for the images",
                       description="CIFAR-C is stored as arrays: its images are written "
                       "once as PNG files here (empty folder, or one an earlier load wrote)")
        inputs.bool("overwrite", default=False, label="Replace an existing dataset of this name")
        return types.Property(inputs, view=types.View(label="Load a -C benchmark"))

    def execute(self, ctx):
        p = ctx.params
        dataset = ddf.load_corruption_benchmark(
            path_param(p.get("root")),
            kind=p.get("kind") or "auto",
            name=p.get("name") or None,
            media_dir=path_param(p.get("media_dir")),
            overwrite=bool(p.get("overwrite", False)),
            progress=progress_callback(ctx),
        )
        report = ddf.import_report(dataset)
        if not ctx.delegated:
            ctx.trigger("open_dataset", dict(dataset=dataset.name))
        return {
            "dataset": dataset.name,
            "kind": dataset.info.get("datadiver_benchmark"),
            "num_samples": len(dataset),
            "added": report["added"],
            "skipped": sum(report["skipped"].values()),
            "notes": report["notes"],
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("dataset", label="Dataset")
        outputs.str("kind", label="Benchmark")
        outputs.int("num_samples", label="Samples")
        outputs.int("added", label="Added by this run")
        outputs.int("skipped", label="Files skipped (see dataset.info)")
        outputs.list("notes", types.String(), label="Notes")
        return types.Property(outputs)


def register(p):
    p.register(LoadTinyImageNetC)
    p.register(LoadCorruptionBenchmark)

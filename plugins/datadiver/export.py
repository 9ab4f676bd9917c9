"""Operator ``export_view``: the current view (or dataset / selection) to the
Tiny-ImageNet-C layout, FiftyOne's ImageClassificationDirectoryTree, a
FiftyOne dataset with its saved views, or a CSV / Parquet manifest. Calls
``datadiver_fo.io.export.export_view``; may run delegated."""
import fiftyone.operators as foo
import fiftyone.operators.types as types

from datadiver_fo.io import export as dde
from ._common import delegation_config, path_param, progress_callback

_LABELS = {
    "tiny-imagenet-c": "Tiny-ImageNet-C folders (existing loaders read it)",
    "image-classification-tree": "ImageClassificationDirectoryTree (<label>/<image>)",
    "fiftyone": "FiftyOne dataset with its saved views",
    "csv": "CSV manifest (every field)",
    "parquet": "Parquet manifest (every field)",
}


class ExportView(foo.Operator):
    @property
    def config(self):
        return delegation_config(
            "export_view",
            "DataDiver: export view",
            description="Export the customised subset for training",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        inputs.view_target(ctx)
        radio = types.RadioGroup()
        for key in dde.FORMATS:
            radio.add_choice(key, label=_LABELS[key])
        inputs.enum("format", radio.values(), default="tiny-imagenet-c", label="Format", view=radio)
        inputs.str(
            "export_dir",
            required=True,
            label="Export folder",
            description="Created if missing; nothing is written outside it",
        )
        inputs.bool(
            "overwrite",
            default=False,
            label="Replace a previous DataDiver export in this folder",
            description="Removes only the files that export wrote; a folder holding any "
            "dataset's images, or other files without a DataDiver export, is refused",
        )
        inputs.bool("honor_exclusions", default=True, label="Leave out samples excluded by fine edits")
        if ctx.params.get("format") in ("tiny-imagenet-c", "image-classification-tree", None):
            inputs.enum("mode", ["copy", "hardlink", "symlink"], default="copy", label="Images are")
        n = len(ctx.target_view())
        inputs.view("count", types.Notice(label=f"{n} samples in the chosen target"))
        return types.Property(inputs, view=types.View(label="Export view"))

    def execute(self, ctx):
        p = ctx.params
        report = dde.export_view(
            ctx.target_view(),
            path_param(p.get("export_dir")),
            format=p.get("format") or "tiny-imagenet-c",
            overwrite=bool(p.get("overwrite", False)),
            honor_exclusions=bool(p.get("honor_exclusions", True)),
            mode=p.get("mode") or "copy",
            progress=progress_callback(ctx),
        )
        return report.to_dict()

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("export_dir", label="Folder")
        outputs.int("num_exported", label="Exported")
        outputs.int("num_skipped", label="Skipped (reasons in datadiver_export.json)")
        outputs.int("removed_files", label="Files of the previous export removed")
        outputs.int("num_kept_files", label="Files DataDiver did not write, left in place")
        outputs.obj("renamed_labels", label="Labels written under another folder name", view=types.JSONView())
        outputs.list("notes", types.String(), label="Notes")
        return types.Property(outputs)


def register(p):
    p.register(ExportView)

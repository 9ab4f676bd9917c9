"""DataDiver for FiftyOne: load, understand and customise image-classification
datasets, starting with Tiny-ImageNet-C.

Every capability is a plain function over a FiftyOne dataset or view::

    import datadiver_fo as ddf

    info = ddf.make_miniature("/tmp/mini")                 # a small real-layout tree
    ds = ddf.load_tiny_imagenet_c(info.root, name="mini", clean_root=info.clean_root)
    print(ddf.summarize(ds))

    # the whole -C family, one entry point (kind detected from the folder)
    cifar = ddf.load_corruption_benchmark("/data/CIFAR-10-C", media_dir="/data/cifar10c-png")
    # a -C copy of any image dataset or view, linked to it by source_id
    copy = ddf.corrupt_dataset(ds.match_tags("val"), "/tmp/mini-c", corruptions=["fog"])

The functions are imported lazily (on first use), so ``import datadiver_fo``
stays fast and does not pull in torch until a model is needed. Each function's
docstring (``help(ddf.load_tiny_imagenet_c)``) says what goes in and what comes
out. The table below maps every public name to the module that implements it.
"""
import importlib

__version__ = "0.1.0"

# public name -> module (one concept per module)
_EXPORTS = {
    # loading (issue: foundation)
    "load_tiny_imagenet_c": "io.loader",
    "discover_tiny_imagenet_c": "io.loader",
    "inspect_image": "io.loader",
    "import_report": "io.loader",
    "summarize": "io.loader",
    "load_corruption_benchmark": "io.loader",
    "detect_corruption_benchmark": "io.loader",
    "corrupt_dataset": "io.corrupt_dataset",
    "make_miniature": "io.miniature",
    "MiniatureInfo": "io.miniature",
    "corrupt": "io.corruptions",
    "corrupt_batch": "io.corruptions",
    "corrupt_many": "io.corruptions",
    "resolution_for": "io.corruptions",
    "list_corruptions": "io.corruptions",
    # embeddings, neighbours, maps
    "compute_embeddings": "enrich.embeddings",
    "register_model": "enrich.embeddings",
    "compute_similarity": "enrich.similarity",
    "sort_by_similarity": "enrich.similarity",
    "write_neighbors": "enrich.similarity",
    "compute_uniqueness": "enrich.similarity",
    "compute_representativeness": "enrich.similarity",
    "compute_projection": "enrich.projections",
    # scores
    "compute_predictions": "enrich.predictions",
    "compute_ood": "enrich.ood",
    "find_label_issues": "enrich.label_issues",
    "label_issue_mask": "enrich.label_issues",
    # prompts and saved views
    "text_to_view": "customize.prompts",
    "save_prompt_view": "customize.prompts",
    "preview_prompt": "customize.prompts",
    "normalize_spec": "customize.viewspec",
    "compile_spec": "customize.viewspec",
    "describe_spec": "customize.viewspec",
    "export_saved_views": "customize.saved_views",
    "import_saved_views": "customize.saved_views",
    "check_saved_views": "customize.saved_views",
    "save_view": "customize.saved_views",
    # customisation, relations, export
    "select": "customize.selection",
    "exclude_samples": "customize.edits",
    "include_samples": "customize.edits",
    "relabel_samples": "customize.edits",
    "mark_missing_label": "customize.edits",
    "undo_edit": "customize.edits",
    "list_edits": "customize.edits",
    "spec_for_saved_view": "customize.selection",
    "save_selection": "customize.selection",
    "class_grid": "customize.relations",
    "class_tree": "customize.relations",
    "confusion": "customize.relations",
    "sibling_classes": "customize.relations",
    "variants": "customize.relations",
    "siblings": "customize.relations",
    "neighbors": "customize.relations",
    "push_view_history": "customize.relations",
    "pop_view_history": "customize.relations",
    "export_view": "io.export",
    # overview used by the panel
    "corruption_severity_matrix": "customize.summary",
    "class_table": "customize.summary",
    "score_fields": "customize.summary",
    "score_distributions": "customize.summary",
    "cell_view": "customize.summary",
    "class_view": "customize.summary",
    "range_view": "customize.summary",
    "saved_views_table": "customize.summary",
    "check_saved_view": "customize.summary",
    # curation
    "compute_quality": "enrich.quality",
    "find_duplicates": "enrich.duplicates",
    "zero_shot_classify": "enrich.zeroshot",
    "compute_skew": "curation.skew",
    "propose_labels": "curation.active_learning",
    "create_app": "curation.service",
    "serve": "curation.service",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'datadiver_fo' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__():
    return __all__

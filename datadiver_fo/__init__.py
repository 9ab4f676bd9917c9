"""DataDiver for FiftyOne: load, understand and customise image-classification
datasets, starting with Tiny-ImageNet-C.

Every capability is a plain function over a FiftyOne dataset or view::

    import datadiver_fo as ddf

    info = ddf.make_miniature("/tmp/mini")                 # a small real-layout tree
    ds = ddf.load_tiny_imagenet_c(info.root, name="mini", clean_root=info.clean_root)
    print(ddf.summarize(ds))

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
    "load_tiny_imagenet_c": "loader",
    "discover_tiny_imagenet_c": "loader",
    "inspect_image": "loader",
    "import_report": "loader",
    "summarize": "loader",
    "make_miniature": "miniature",
    "MiniatureInfo": "miniature",
    "corrupt": "corruptions",
    "corrupt_batch": "corruptions",
    "list_corruptions": "corruptions",
    # embeddings, neighbours, maps
    "compute_embeddings": "embeddings",
    "register_model": "embeddings",
    "compute_similarity": "similarity",
    "sort_by_similarity": "similarity",
    "write_neighbors": "similarity",
    "compute_uniqueness": "similarity",
    "compute_representativeness": "similarity",
    "compute_projection": "projections",
    # scores
    "compute_predictions": "predictions",
    "compute_ood": "ood",
    "find_label_issues": "label_issues",
    # prompts and saved views
    "text_to_view": "prompts",
    "save_prompt_view": "prompts",
    "normalize_spec": "viewspec",
    "compile_spec": "viewspec",
    "describe_spec": "viewspec",
    "export_saved_views": "saved_views",
    "import_saved_views": "saved_views",
    "check_saved_views": "saved_views",
    "save_view": "saved_views",
    # customisation, relations, export
    "select": "customize",
    "exclude_samples": "customize",
    "include_samples": "customize",
    "relabel_samples": "customize",
    "mark_missing_label": "customize",
    "undo_edit": "customize",
    "list_edits": "customize",
    "spec_for_saved_view": "customize",
    "save_selection": "customize",
    "class_grid": "relations",
    "class_tree": "relations",
    "confusion": "relations",
    "sibling_classes": "relations",
    "variants": "relations",
    "siblings": "relations",
    "neighbors": "relations",
    "export_view": "export",
    # overview used by the panel
    "corruption_severity_matrix": "summary",
    "class_table": "summary",
    "score_fields": "summary",
    "score_distributions": "summary",
    "cell_view": "summary",
    "class_view": "summary",
    "saved_views_table": "summary",
    "check_saved_view": "summary",
    # curation
    "compute_quality": "quality",
    "find_duplicates": "duplicates",
    "zero_shot_classify": "zeroshot",
    "compute_skew": "skew",
    "propose_labels": "active_learning",
    "create_app": "service",
    "serve": "service",
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

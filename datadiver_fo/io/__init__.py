"""Data in and out: the Tiny-ImageNet-C loader (messy trees included), the
WordNet class table, the 19 corruptions and the miniature generator, exports
to disk, and a torch Dataset/DataLoader over a view.

- ``loader``: ``load_tiny_imagenet_c``, ``discover_tiny_imagenet_c``, ``summarize``
- ``wordnet``: class names, groups, parents, siblings (offline table in ``datadiver_fo/data``)
- ``corruptions``, ``miniature``: the corruptions; a small real-layout tree
- ``export``: ``export_view`` (never deletes what it did not write)
- ``torch``: ``make_dataset``, ``make_loader``
"""

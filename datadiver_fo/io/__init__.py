"""Data in and out: the Tiny-ImageNet-C loader (messy trees included), the
WordNet class table, the 19 corruptions and the miniature generator, exports
to disk, and a torch Dataset/DataLoader over a view.

- ``loader``: ``load_tiny_imagenet_c``, ``discover_tiny_imagenet_c``, ``summarize``;
  ``load_corruption_benchmark`` / ``detect_corruption_benchmark`` for the whole
  -C family (Tiny-ImageNet-C, ImageNet-C, CIFAR-10-C, CIFAR-100-C)
- ``cifar_c``: CIFAR-C arrays written once as PNG files (resumable)
- ``corrupt_dataset``: a -C copy of any image dataset or view
- ``wordnet``: class names, groups, parents, siblings (offline table in ``datadiver_fo/data``)
- ``corruptions``, ``miniature``: the corruptions; a small real-layout tree
- ``export``: ``export_view`` (never deletes what it did not write)
- ``torch``: ``make_dataset``, ``make_loader``
"""

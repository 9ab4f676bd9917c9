"""Scores and vectors written onto samples: models and embeddings, 2D maps,
similarity and neighbours, out-of-sample predictions, OoD scores, label
issues, image quality, duplicates, zero-shot classification.

One module per method (``embeddings``, ``projections``, ``similarity``,
``predictions``, ``ood``, ``label_issues``, ``quality``, ``duplicates``,
``zeroshot``); ``models`` loads every model family (weightless, timm,
open_clip, your own).
"""

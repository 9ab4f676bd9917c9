"""Curation workflows on top of the scores: active learning (``active_learning``),
train/test skew (``skew``) and the similarity HTTP service (``service``).
"""

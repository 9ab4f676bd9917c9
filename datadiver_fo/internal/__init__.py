"""Shared plumbing no user calls directly: field names (``schema``), the progress
convention (``progress``), runs (``runs``), who/when stamps (``provenance``)
and DataDiver's storage next to FiftyOne's (``store``: side collections,
cross-process locks, and the only module that touches FiftyOne's private
storage, behind a version guard), embedding vectors (``vectors``: the one
embeddings reader, row normalisation, group codes; ``vector_codec``: their
stored bytes), image decoding for
models (``images``), decoded batches from threads or worker processes
(``batches``) and the one read-only report type every public
computation returns (``report``).
"""

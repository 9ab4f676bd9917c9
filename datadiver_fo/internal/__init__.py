"""Shared plumbing no user calls directly: field names (``schema``), the progress
convention (``progress``), runs (``runs``), who/when stamps (``provenance``)
and DataDiver's storage next to FiftyOne's (``store``: side collections and
cross-process locks).
"""

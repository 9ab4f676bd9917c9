"""Customisation at three granularities, and saved views.

- coarse: ``prompts`` (prompt -> view spec, offline ``prompt_parser`` or ``llm``),
  compiled by ``viewspec`` to read-only stages
- medium: ``selection`` (``select``, ``save_selection``)
- fine: ``edits`` (exclude, relabel, undo; the log's storage is ``edit_log``)
- saved views: ``saved_views`` (the one save path, the policy for views
  DataDiver saves by itself, share as files), ``view_records`` (their
  provenance records), ``stage_guard`` (stored stages are checked as data
  before they are built)
- exploring: ``relations`` (variants, siblings, class tree), ``summary``
  (the panel's aggregations)
"""

"""The App sidebar's ``datadiver`` group: every field DataDiver wrote, in one place.

FiftyOne puts a field that no configured sidebar group names into its default
group (PRIMITIVES for floats, strings, booleans), next to ``id`` and
``filepath``. So every step that writes fields (the loader, each recorded run,
the fine edits) calls :func:`refresh_sidebar_group` afterwards; the group then
holds the loader's fields, the score and edit fields and every field a
DataDiver run recorded as its output. Prediction label fields (``predictions``
and its members) keep their place in the ``labels`` group next to
``ground_truth``; ``suggested_label`` joins the group; vector fields are never
shown by the App and are left out.
"""
import logging

import fiftyone as fo
import fiftyone.core.fields as fof

from . import schema as S

logger = logging.getLogger(__name__)

GROUP = "datadiver"

# loader fields first, in the order a user reads them
_LOADER_FIELDS = (S.CORRUPTION, S.CORRUPTION_FAMILY, S.SEVERITY, S.WNID, S.HYPERNYMS, S.SOURCE_ID)
# fields written outside recorded runs (fine edits, OoD, label issues)
_KNOWN_FIELDS = (
    S.OOD_SCORE, S.OOD_KNN, S.OOD_BAND, S.LABEL_ISSUE, S.LABEL_QUALITY, S.SUGGESTED_LABEL,
    S.EXCLUDED, S.LABEL_HISTORY,
)


def _run_fields(dataset):
    from . import runs

    out = []
    for key in runs.list_datadiver_runs(dataset):
        try:
            cfg = dataset.get_run_info(key).config
        except Exception:  # a run of an older version whose config no longer loads
            continue
        fields = getattr(cfg, "output_fields", None)
        if callable(fields):
            out.extend(fields())
    return out


def _shown(name, field):
    # predictions stay next to ground_truth in "labels"; vectors are not shown
    if name not in _KNOWN_FIELDS and isinstance(field, fof.EmbeddedDocumentField) \
            and issubclass(field.document_type, fo.Label):
        return False
    return not isinstance(field, (fof.VectorField, fof.ArrayField))


def datadiver_fields(dataset):
    """Returns the top-level sample fields of ``dataset`` that DataDiver wrote
    and the sidebar shows (list of names, loader fields first)."""
    schema = dataset.get_field_schema()
    names = []
    for name in _LOADER_FIELDS + _KNOWN_FIELDS + tuple(_run_fields(dataset)):
        name = name.split(".")[0]
        if name in schema and name not in names and _shown(name, schema[name]):
            names.append(name)
    return names


def refresh_sidebar_group(dataset):
    """Puts every DataDiver field of ``dataset`` into one sidebar group named
    ``datadiver`` (placed after ``labels``), removing those fields from the
    other groups; the user's other groups are kept as they are.

    Args:
        dataset: a FiftyOne dataset (a view's dataset is used for a view)

    Returns:
        the list of field names in the group
    """
    dataset = getattr(dataset, "_root_dataset", dataset)
    ours = datadiver_fields(dataset)
    groups = dataset.app_config.sidebar_groups
    if not groups:
        groups = fo.DatasetAppConfig.default_sidebar_groups(dataset)
    current = next((g for g in groups if g.name == GROUP), None)
    if current is not None and list(current.paths or []) == ours and not any(
        p in ours for g in groups if g.name != GROUP for p in (g.paths or [])
    ):
        return ours  # nothing to write
    kept = []
    for g in groups:
        if g.name == GROUP:
            continue
        g.paths = [p for p in (g.paths or []) if p not in ours]
        kept.append(g)
    at = next((i for i, g in enumerate(kept) if g.name == "labels"), 0) + 1
    kept.insert(at, fo.SidebarGroupDocument(name=GROUP, paths=ours))
    dataset.app_config.sidebar_groups = kept
    dataset.save()
    return ours

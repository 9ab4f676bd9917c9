"""The App sidebar's ``datadiver`` group (datadiver_fo.internal.sidebar): every
field DataDiver writes joins it when it is written, and leaves PRIMITIVES."""
import fiftyone as fo

import datadiver_fo as ddf
from datadiver_fo.internal import schema as S
from datadiver_fo.internal.sidebar import GROUP, refresh_sidebar_group


def _groups(ds):
    ds.reload()
    return {g.name: list(g.paths or []) for g in ds.app_config.sidebar_groups}


def test_loader_fields_form_the_group(fresh_dataset):
    groups = _groups(fresh_dataset)
    assert groups[GROUP][:6] == [S.CORRUPTION, S.CORRUPTION_FAMILY, S.SEVERITY, S.WNID, S.HYPERNYMS, S.SOURCE_ID]
    names = [g.name for g in fresh_dataset.app_config.sidebar_groups]
    assert names.index(GROUP) == names.index("labels") + 1
    assert not any(p in groups["primitives"] for p in groups[GROUP])


def test_enrich_and_edit_fields_join_the_group(fresh_dataset):
    ds = fresh_dataset
    ids = ds.take(2, seed=1).values("id")
    ddf.exclude_samples(ds, ids)
    assert S.EXCLUDED in _groups(ds)[GROUP]
    res = ddf.compute_quality(ds)  # a recorded run: its output fields join the group
    groups = _groups(ds)
    assert res["fields"] and set(res["fields"]) <= set(groups[GROUP])
    assert not set(res["fields"]) & set(groups["primitives"])
    assert S.EXCLUDED not in groups["primitives"]


def test_refresh_keeps_user_groups_and_is_idempotent(fresh_dataset):
    ds = fresh_dataset
    groups = ds.app_config.sidebar_groups
    groups.append(fo.SidebarGroupDocument(name="mine", paths=["filepath"]))
    ds.app_config.sidebar_groups = groups
    ds.save()
    ds.add_sample_field(S.OOD_SCORE, fo.FloatField)
    first = refresh_sidebar_group(ds)
    assert S.OOD_SCORE in first
    assert refresh_sidebar_group(ds) == first
    groups = _groups(ds)
    assert groups["mine"] == ["filepath"]
    assert groups[GROUP] == first

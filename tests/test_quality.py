"""Image quality: measures, robust z-scores, distribution table, extreme views."""
import os

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from fiftyone import ViewField as F

import datadiver_fo.enrich.quality as ddq


def test_measures_match_definitions():
    rng = np.random.default_rng(0)
    flat = np.full((64, 64), 0.5, dtype=np.float32)
    dark = np.full((64, 64), 0.1, dtype=np.float32)
    noise = rng.random((64, 64)).astype(np.float32)
    res = ddq.image_quality_arrays(np.stack([flat, dark, noise]))
    assert res["brightness"][0] == pytest.approx(0.5, abs=1e-6)
    assert res["brightness"][1] == pytest.approx(0.1, abs=1e-6)
    assert res["contrast"][0] == pytest.approx(0.0, abs=1e-6)
    assert res["contrast"][2] == pytest.approx(noise.std(), rel=1e-4)
    assert res["sharpness"][0] == pytest.approx(0.0, abs=1e-9)
    # variance of the Laplacian, cross-checked against scipy on the valid part
    lap = ndimage.laplace(noise.astype(np.float64))[1:-1, 1:-1]
    assert res["sharpness"][2] == pytest.approx(lap.var(), rel=1e-3)
    assert res["entropy"][0] == pytest.approx(0.0, abs=1e-9)
    assert 7.5 < res["entropy"][2] <= 8.0
    with pytest.raises(ValueError, match="N x H x W"):
        ddq.image_quality_arrays(np.zeros((64, 64)))


def test_robust_zscores_groups_and_fallback():
    values = np.array([1, 2, 3, 4, 100, 10, 20, 30, 40, 50, 7.0])
    groups = ["a"] * 5 + ["b"] * 5 + ["c"]
    z = ddq.robust_zscores(values, groups, min_group_size=5)
    assert z[4] > 10  # the outlier of group a
    assert abs(np.median(z[5:10])) < 1e-9  # b centred on its own median
    assert np.isfinite(z[10])  # the singleton falls back to the whole collection
    with pytest.raises(ValueError, match="groups"):
        ddq.robust_zscores(values, groups[:-1])


def test_compute_quality_on_mini(fresh_dataset, tmp_path):
    ds = fresh_dataset
    # A darkened copy of one clean image must show up in datadiver/darkest
    victim = ds.match((F("corruption") == "jpeg_compression") & (F("severity") == 1)).first()
    dark_path = str(tmp_path / "dark.JPEG")
    img = np.asarray(Image.open(victim.filepath).convert("RGB")).astype(float)
    Image.fromarray((img * 0.08).astype(np.uint8)).save(dark_path, quality=85)
    victim.filepath = dark_path
    victim.save()
    # A user's own view with one of our names is left alone
    ds.save_view("datadiver/blurriest", ds.limit(1), description="mine")

    calls = []
    res = ddq.compute_quality(ds, progress=lambda f, label: calls.append(f))
    assert calls and calls[-1] == pytest.approx(1.0)
    assert res["failures"] == []
    for m in ddq.QUALITY_METRICS:
        assert ds.count(ddq.quality_field(m)) == len(ds)
        assert ds.count(ddq.quality_field(m, z=True)) == len(ds)

    # corruptions move the measures in the expected directions
    def med(field, corruption, severity=None):
        expr = F("corruption") == corruption
        if severity is not None:
            expr = expr & (F("severity") == severity)
        return np.median(ds.match(expr).values(field))

    assert med("quality_sharpness", corruption="defocus_blur", severity=5) < med(
        "quality_sharpness", corruption="clean"
    )
    assert med("quality_contrast", corruption="fog", severity=5) < med(
        "quality_contrast", corruption="clean"
    )
    assert med("quality_entropy", corruption="gaussian_noise", severity=5) > med(
        "quality_entropy", corruption="gaussian_noise", severity=1
    )
    # file size is the JPEG's size on disk
    s = ds.first()
    assert s.quality_size_bytes == os.path.getsize(s.filepath)

    # robust z within class x corruption: each group is centred
    label = ds.distinct("ground_truth.label")[0]
    g = ds.match((F("corruption") == "fog") & (F("ground_truth.label") == label))
    assert abs(np.median(g.values("quality_sharpness_z"))) < 1e-6

    # per corruption x severity table covers every sample
    table = res["table"]
    assert sum(r["count"] for r in table) == len(ds)
    keys = {(r["corruption"], r["severity"]) for r in table}
    assert ("fog", 5) in keys and ("clean", 0) in keys

    assert "datadiver/darkest" in res["views"]
    darkest = ds.load_saved_view("datadiver/darkest")
    assert darkest.first().id == victim.id
    assert "datadiver/blurriest" in res["skipped_views"]
    assert len(ds.load_saved_view("datadiver/blurriest")) == 1

    # re-running is idempotent: same values, one run, our views replaced
    before = ds.values("quality_sharpness_z")
    res2 = ddq.compute_quality(ds)
    assert ds.values("quality_sharpness_z") == before
    assert [k for k in ds.list_runs() if "quality" in k] == ["datadiver_quality"]
    assert res2["views"] == res["views"]


def test_quality_bad_input(fresh_dataset):
    with pytest.raises(ValueError, match="nope"):
        ddq.compute_quality(fresh_dataset, group_by=("nope",))
    with pytest.raises(ValueError, match="non-empty"):
        ddq.compute_quality(fresh_dataset.limit(0))
    with pytest.raises(ValueError, match="compute_quality first"):
        ddq.quality_table(fresh_dataset)


def test_compute_quality_operator(fresh_dataset, run_operator):
    view = fresh_dataset.match(F("corruption") == "fog")
    res = run_operator(
        "compute_quality",
        fresh_dataset,
        params={"view_target": "CURRENT_VIEW", "z_threshold": 2.5, "by_severity": True},
        view=view,
    )
    assert res.error is None, res.error
    assert fresh_dataset.count("quality_sharpness") == len(view)
    assert "datadiver/darkest" in res.result["views"]
    cfg = fresh_dataset.get_run_info("datadiver_quality").config
    assert cfg.z_threshold == 2.5 and "severity" in cfg.group_by


def test_robust_zscores_by_group_match_a_per_group_loop():
    """Grouped by one sort: the same z-scores as computing each group (with
    its fallback for small groups) on its own."""
    from datadiver_fo.enrich.quality import robust_zscores

    rng = np.random.default_rng(1)
    n = 3000
    v = rng.normal(size=n)
    v[rng.random(n) < 0.05] = np.nan
    groups = [("c%d" % rng.integers(400), "fog") for _ in range(n)]
    fallback = ["f%d" % rng.integers(7) for _ in range(n)]
    got = robust_zscores(v, groups, 5, fallback)
    want = np.full(n, np.nan)
    finite = np.isfinite(v)
    small = set()
    for key in set(groups):
        m = np.array([g == key for g in groups]) & finite
        if m.sum() < 5:
            small.add(key)
            continue
        med = np.median(v[m])
        mad = np.median(np.abs(v[m] - med)) * 1.4826
        want[m] = (v[m] - med) / mad
    for key in set(fallback):
        m = np.array([f == key for f in fallback]) & finite
        pend = m & np.array([g in small for g in groups])
        med = np.median(v[m])
        mad = np.median(np.abs(v[m] - med)) * 1.4826
        want[pend] = (v[pend] - med) / mad
    assert small and np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got[finite], want[finite])

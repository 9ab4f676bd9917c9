"""Skew between two sets: distribution distances per attribute, a grouped
cross-validated domain classifier, plotly figures."""
import numpy as np
import plotly.graph_objects as go
import pytest
from fiftyone import ViewField as F

import datadiver_fo.enrich.quality as ddq
import datadiver_fo.curation.skew as dsk


def test_numeric_and_categorical_distances():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, 2000)
    same = dsk.numeric_distances(x, rng.normal(0, 1, 2000))
    shifted = dsk.numeric_distances(x, rng.normal(3, 1, 2000))
    assert same["ks"] < 0.06 and same["js"] < 0.1
    assert shifted["ks"] > 0.8 and shifted["js"] > 0.7
    assert shifted["wasserstein"] == pytest.approx(3.0, abs=0.15)
    assert shifted["wasserstein_std"] == pytest.approx(3.0 / np.r_[x, x + 3].std(), rel=0.1)
    assert sum(shifted["hist_a"]) == pytest.approx(1.0)

    c = dsk.categorical_distances(["a", "b"] * 5, ["a", "b"] * 5)
    assert c["js"] == pytest.approx(0.0, abs=1e-9) and c["tv"] == 0
    d = dsk.categorical_distances(["a"] * 4, ["b"] * 4)
    assert d["js"] == pytest.approx(1.0) and d["tv"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="finite"):
        dsk.numeric_distances([np.nan], [1.0])


def test_domain_classifier_groups_variants():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(30, 8))
    # B = the same 30 pictures, slightly shifted along one axis (a corruption)
    Xa = base + 0.05 * rng.normal(size=base.shape)
    Xb = base + 0.05 * rng.normal(size=base.shape)
    groups = [f"s{i}" for i in range(30)] * 2
    none = dsk.domain_classifier_auc(Xa, Xb, groups=groups)
    assert 0.3 < none["auc"] < 0.7
    shift = np.zeros(8)
    shift[0] = 4.0
    strong = dsk.domain_classifier_auc(Xa, Xb + shift, groups=groups)
    assert strong["auc"] > 0.95
    with pytest.raises(ValueError, match="at least 2"):
        dsk.domain_classifier_auc(Xa[:1], Xb)


def test_compute_skew_clean_vs_fog(fresh_dataset):
    ds = fresh_dataset
    ddq.compute_quality(ds, save_views=False)
    # embeddings: one direction per source picture, fog adds a common offset
    rng = np.random.default_rng(2)
    bases = {}
    emb = []
    for src, corr, sev in zip(ds.values("source_id"), ds.values("corruption"), ds.values("severity")):
        b = bases.setdefault(src, rng.normal(size=12))
        off = np.zeros(12)
        if corr == "fog":
            off[0] = 0.8 * sev
        emb.append((b + off + 0.05 * rng.normal(size=12)).tolist())
    ds.set_values("emb", emb)

    sev1 = ds.match((F("corruption") == "gaussian_noise") & (F("severity") == 1))
    fog5 = ds.match((F("corruption") == "fog") & (F("severity") == 5))
    calls = []
    res = dsk.compute_skew(
        sev1, fog5, embeddings="emb", name_a="noise-1", name_b="fog-5",
        progress=lambda f, l: calls.append(f),
    )
    rows = {r["field"]: r for r in res["attributes"]}
    assert rows["quality_contrast"]["ks"] > 0.5  # fog flattens contrast
    assert rows["quality_contrast"]["mean_b"] < rows["quality_contrast"]["mean_a"]
    assert rows["ground_truth"]["js"] < 0.05  # the same classes on both sides
    assert rows["corruption"]["js"] == pytest.approx(1.0)
    assert res["domain_auc"] > 0.95
    assert res["n_a"] == len(sev1) and res["n_b"] == len(fog5)
    assert calls and calls[-1] == pytest.approx(1.0)
    jss = [r["js"] for r in res["attributes"]]
    assert jss == sorted(jss, reverse=True)

    figs = res["figures"]
    assert isinstance(figs["summary"], go.Figure)
    assert list(figs["summary"].data[0].x) == [r["field"] for r in res["attributes"]]
    assert "AUC" in figs["summary"].layout.title.text
    assert isinstance(figs["quality_contrast"], go.Figure) and len(figs["corruption"].data) == 2

    # no skew between two halves of the same corruption: AUC near chance
    sev = ds.match(F("corruption") == "gaussian_noise")
    srcs = sorted(set(sev.values("source_id")))
    half = sev.match(F("source_id").is_in(srcs[::2]))
    other = sev.match(F("source_id").is_in(srcs[1::2]))
    flat = dsk.compute_skew(half, other, fields=["severity", "quality_entropy"], embeddings="emb", plots=False)
    assert flat["domain_auc"] < 0.8 and flat["figures"] == {}
    assert {r["field"] for r in flat["attributes"]} == {"severity", "quality_entropy"}
    info = ds.get_run_info("datadiver_skew").config
    assert info.fields == ["severity", "quality_entropy"]


def test_skew_bad_input(fresh_dataset):
    ds = fresh_dataset
    fog = ds.match(F("corruption") == "fog")
    with pytest.raises(ValueError, match="share"):
        dsk.compute_skew(fog, ds)
    with pytest.raises(ValueError, match="non-empty"):
        dsk.compute_skew(fog, ds.limit(0))
    with pytest.raises(ValueError, match="nope"):
        dsk.compute_skew(fog, ds.match(F("corruption") == "clean"), fields=["nope"])
    with pytest.raises(ValueError, match="hypernyms"):
        dsk.compute_skew(fog, ds.match(F("corruption") == "clean"), fields=["hypernyms"])


def test_compute_skew_operator(fresh_dataset, run_operator):
    ds = fresh_dataset
    ds.save_view("clean", ds.match(F("corruption") == "clean"))
    res = run_operator(
        "compute_skew", ds,
        params={"set_a": "__current_view__", "set_b": "clean"},
        view=ds.match(F("corruption") == "fog"),
    )
    assert res.error is None, res.error
    out = res.result
    assert out["domain_auc"] is None
    fields = {r["field"]: r for r in out["attributes"]}
    assert fields["corruption"]["js"] == pytest.approx(1.0)
    assert out["summary"][0]["type"] == "bar"
    assert out["n_b"] == len(ds.match(F("corruption") == "clean"))

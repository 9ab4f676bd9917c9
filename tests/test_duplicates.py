"""Duplicates: exact (content hash), near (embeddings), same-source variants
reported apart, train/val leaks through fiftyone-brain."""
import shutil

import numpy as np
import pytest
from PIL import Image

import fiftyone as fo
from fiftyone import ViewField as F

import datadiver_fo.enrich.duplicates as ddd


def _source_embeddings(ds, rng, dims=32, noise=0.01):
    """One random direction per source picture, small noise per variant: the
    geometry an image embedding gives Tiny-ImageNet-C's corruption variants."""
    base = {}
    out = []
    for s in ds.values("source_id"):
        if s not in base:
            base[s] = rng.normal(size=dims)
        out.append(base[s] + noise * rng.normal(size=dims))
    return np.asarray(out)


def test_content_hash_pixels_vs_bytes(mini, tmp_path):
    import glob

    src = sorted(glob.glob(f"{mini.root}/fog/3/*/*.JPEG"))[0]
    png = str(tmp_path / "same.png")
    Image.open(src).save(png)
    assert ddd.content_hash(src) == ddd.content_hash(png)  # same pixels
    assert ddd.content_hash(src, "bytes") != ddd.content_hash(png, "bytes")
    with pytest.raises(ValueError, match="hash method"):
        ddd.content_hash(src, "md5sum")


def test_find_duplicates_classifies_pairs(fresh_dataset, tmp_path):
    ds = fresh_dataset
    rng = np.random.default_rng(0)
    # an exact copy of one picture filed under another source (and as PNG)
    orig = ds.match((F("corruption") == "fog") & (F("severity") == 2)).first()
    copy_path = str(tmp_path / "copy.JPEG")
    shutil.copy(orig.filepath, copy_path)
    png_path = str(tmp_path / "copy.png")
    Image.open(orig.filepath).save(png_path)
    ds.add_samples(
        [
            fo.Sample(filepath=copy_path, source_id="copied", corruption="fog", severity=2),
            fo.Sample(filepath=png_path, source_id="copied_png", corruption="fog", severity=2),
        ]
    )
    X = _source_embeddings(ds, rng)
    ids = ds.values("id")
    pos = {s: i for i, s in enumerate(ids)}
    copy_id = ds.match(F("source_id") == "copied").first().id
    png_id = ds.match(F("source_id") == "copied_png").first().id
    # two different clean training pictures that embed (almost) identically
    train = ds.match_tags("train")
    a_id, b_id = train.values("id")[:2]
    X[pos[b_id]] = X[pos[a_id]] + 1e-4
    ds.set_values("emb", [x.tolist() for x in X])

    calls = []
    res = ddd.find_duplicates(ds, embeddings="emb", threshold=0.02, progress=lambda f, l: calls.append(f))
    assert calls and calls[-1] == pytest.approx(1.0)

    exact = [set(g) for g in res["exact_groups"]]
    assert {orig.id, copy_id, png_id} in exact
    true_pairs = {frozenset((r["a"], r["b"])): r for r in res["duplicates"]}
    assert true_pairs[frozenset((orig.id, copy_id))]["kind"] == "exact"
    assert true_pairs[frozenset((a_id, b_id))]["kind"] == "near"
    # variants of one source are reported apart, never as true duplicates
    src = dict(zip(ids, ds.values("source_id")))
    assert res["same_source"], "corruption variants should pair up"
    assert all(src[r["a"]] == src[r["b"]] for r in res["same_source"])
    assert all(src[r["a"]] != src[r["b"]] for r in res["duplicates"])
    assert len(true_pairs) == 4  # orig-copy-png triangle + the near pair

    # fields: groups with the first sample as representative
    ds.reload()
    group = ds[copy_id].duplicate_group
    assert group is not None and ds[orig.id].duplicate_group == group
    assert ds[copy_id].duplicate_of == orig.id and ds[orig.id].duplicate_of is None
    assert ds.count("duplicate_group") == 5
    assert ds[copy_id].content_hash == ds[png_id].content_hash
    assert len(ds.load_saved_view("datadiver/duplicates")) == 5

    # idempotent
    res2 = ddd.find_duplicates(ds, embeddings="emb", threshold=0.02)
    assert len(res2["duplicates"]) == len(res["duplicates"])
    assert ds.count("duplicate_group") == 5
    assert [k for k in ds.list_runs() if "duplicates" in k] == ["datadiver_duplicates"]


def test_leaks_between_train_and_val(fresh_dataset):
    ds = fresh_dataset
    rng = np.random.default_rng(1)
    X = _source_embeddings(ds, rng)
    ids = ds.values("id")
    train_id = ds.match_tags("train").first().id
    val_id = ds.match_tags("val").first().id
    X[ids.index(val_id)] = X[ids.index(train_id)]  # the same picture in both splits
    res = ddd.find_duplicates(ds, embeddings=X, threshold=0.02, exact=False)
    assert set(res["leaks"]) >= {train_id, val_id}
    assert ds.match_tags("leak").count() == len(set(res["leaks"]))
    assert "datadiver/leaks" in res["views"]
    # without a val split there is nothing to leak into
    only_train = ds.match_tags("val", bool=False)
    X_train = X[[ids.index(i) for i in only_train.values("id")]]
    res = ddd.find_duplicates(only_train, embeddings=X_train, exact=False)
    assert res["leaks"] is None


def test_exact_copy_across_splits_is_a_leak(fresh_dataset, tmp_path):
    ds = fresh_dataset
    train = ds.match_tags("train").first()
    copy_path = str(tmp_path / "val_copy.JPEG")
    shutil.copy(train.filepath, copy_path)
    ds.add_sample(fo.Sample(filepath=copy_path, source_id="val_copy", tags=["val"]))
    copy_id = ds.match(F("source_id") == "val_copy").first().id
    res = ddd.find_duplicates(ds)  # exact only, no embeddings
    assert [frozenset((r["a"], r["b"])) for r in res["cross_split_pairs"]] == [
        frozenset((train.id, copy_id))
    ]
    assert set(res["leaks"]) == {train.id, copy_id}
    assert set(ds.match_tags("leak").values("id")) == {train.id, copy_id}


def test_duplicates_bad_input(fresh_dataset):
    with pytest.raises(ValueError, match="Nothing to do"):
        ddd.find_duplicates(fresh_dataset, exact=False)
    with pytest.raises(ValueError, match="num_samples x dims"):
        ddd.find_duplicates(fresh_dataset, embeddings=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="does not exist"):
        ddd.find_duplicates(fresh_dataset, embeddings="no_such_field")
    with pytest.raises(ValueError, match="cosine distance"):
        ddd.find_near_duplicates(fresh_dataset, np.zeros((len(fresh_dataset), 2)), threshold=3)


def test_find_duplicates_operator(fresh_dataset, run_operator):
    rng = np.random.default_rng(2)
    fresh_dataset.set_values("emb", [x.tolist() for x in _source_embeddings(fresh_dataset, rng)])
    res = run_operator(
        "find_duplicates",
        fresh_dataset,
        params={"embeddings": "emb", "threshold": 0.02, "exact": True},
    )
    assert res.error is None, res.error
    assert res.result["num_same_source_pairs"] > 0
    assert res.result["num_duplicate_pairs"] == 0
    assert fresh_dataset.count("content_hash") == len(fresh_dataset)
    cal = run_operator("find_duplicates", fresh_dataset,
                       params={"embeddings": "emb", "calibrate": True, "exact": False})
    assert cal.error is None, cal.error
    from datadiver_fo.internal import runs as ddr

    rule = ddr.get_run_config(fresh_dataset, "datadiver_duplicates")["calibration"]
    assert rule is not None and cal.result["threshold"] == pytest.approx(rule["threshold"])
    assert cal.result["num_duplicate_pairs"] == 0 and cal.result["num_clusters"] == 0
    assert cal.result["num_source_clusters"] == 0


def test_auto_threshold_keeps_the_report_short_and_finds_planted_duplicates(fresh_dataset):
    # sources spread over a continuum of closeness (like corrupted photos: some
    # look alike), plus one planted duplicate: two sources that are one picture
    ds = fresh_dataset.match_tags("tiny-imagenet-c")
    rng = np.random.default_rng(7)
    ids = ds.values("id")
    sources = ds.values("source_id")
    uniq = sorted(set(sources))
    base = {s: rng.normal(size=32) for s in uniq}
    X = np.asarray([base[s] + 0.15 * rng.normal(size=32) for s in sources])
    a_src, b_src = uniq[0], uniq[1]
    a_rows = [i for i, s in enumerate(sources) if s == a_src]
    b_rows = [i for i, s in enumerate(sources) if s == b_src]
    X[b_rows[0]] = X[a_rows[0]] + 1e-4  # one variant of b is a copy of one of a

    fixed = ddd.find_duplicates(ds, embeddings=X, threshold=0.5, exact=False, leaks=False,
                                save_views=False)
    auto = ddd.find_duplicates(ds, embeddings=X, threshold="auto", exact=False, leaks=False,
                               save_views=False)
    cal = auto["calibration"]
    assert auto["threshold"] == pytest.approx(cal["threshold"]) and cal["threshold"] < 0.5
    assert "median(log b)" in cal["rule"] and cal["within_median"] < cal["between_median"]
    planted = frozenset((ids[a_rows[0]], ids[b_rows[0]]))
    assert planted in {frozenset((r["a"], r["b"])) for r in auto["duplicates"]}
    # a fixed loose threshold floods the report with ordinary similarity; the rule
    # reports one cluster: the copy with the variants of the picture it copies
    assert fixed["num_duplicate_pairs"] > 5 * auto["num_duplicate_pairs"]
    assert all(ids[b_rows[0]] in (r["a"], r["b"]) for r in auto["duplicates"])
    assert len(auto["clusters"]) == 1 and planted <= set(auto["clusters"][0])
    assert len(fixed["clusters"]) > 1
    # same-source pairs are counted, and only the closest are listed
    capped = ddd.find_duplicates(ds, embeddings=X, threshold=0.5, exact=False, leaks=False,
                                 save_views=False, max_same_source=5)
    assert capped["num_same_source"] > 5 and len(capped["same_source"]) == 5
    with pytest.raises(ValueError, match="threshold='auto' is calibrated on embeddings"):
        ddd.find_duplicates(ds, threshold="auto")


def test_near_method_exact_and_approx_agree_and_report_what_ran(fresh_dataset):
    ds = fresh_dataset.match_tags("tiny-imagenet-c")
    rng = np.random.default_rng(3)
    X = _source_embeddings(ds, rng, noise=0.05)
    ids = ds.values("id")
    X[5] = X[200] + 1e-4  # one planted copy across sources
    ex = ddd.find_duplicates(ds, embeddings=X, threshold=0.02, exact=False, leaks=False,
                             save_views=False, near_method="exact")
    auto = ddd.find_duplicates(ds, embeddings=X, threshold=0.02, exact=False, leaks=False,
                               save_views=False)
    ap = ddd.find_duplicates(ds, embeddings=X, threshold=0.02, exact=False, leaks=False,
                             save_views=False, near_method="approx")
    assert ex["near_search"] == {"method": "exact"} and auto["near_search"] == {"method": "exact"}
    assert ap["near_search"]["method"] == "approx" and ap["near_search"]["cap_reached"] is False
    assert [(r["a"], r["b"]) for r in auto["duplicates"]] == [(r["a"], r["b"]) for r in ex["duplicates"]]
    assert auto["num_same_source"] == ex["num_same_source"] > 0
    # small data: the approximate index finds every pair here
    found = {frozenset((r["a"], r["b"])) for r in ex["duplicates"]}
    assert {frozenset((r["a"], r["b"])) for r in ap["duplicates"]} == found
    assert frozenset((ids[5], ids[200])) in found
    assert ap["num_same_source"] == ex["num_same_source"]
    assert ap["clusters"] == ex["clusters"] and len(ex["clusters"]) == 1
    assert {ids[5], ids[200]} <= set(ex["clusters"][0])
    near = ddd.find_near_duplicates(ds, X, threshold=0.02, near_method="approx")
    assert {frozenset((ids[5], ids[200]))} <= {frozenset(p[:2]) for p in near}
    with pytest.raises(ValueError, match="near_method must be 'auto', 'exact' or 'approx'"):
        ddd.find_duplicates(ds, embeddings=X, near_method="hnsw")
    with pytest.raises(ValueError, match="near_method must be 'auto', 'exact' or 'approx'"):
        ddd.find_near_duplicates(ds, X, near_method="lsh")


def test_weightless_miniature_auto_report_is_short_and_finds_a_copied_file(mini, tmp_path,
                                                                          unique_name):
    # the demo's path: a generated Tiny-ImageNet-C tree, loaded, embedded with
    # the weightless model; one picture copied under a new name into another
    # class folder is a true duplicate the calibrated report must list
    import glob

    import datadiver_fo as ddf

    root = str(tmp_path / "Tiny-ImageNet-C")
    shutil.copytree(mini.root, root)
    src = sorted(glob.glob(f"{root}/fog/3/{mini.wnids[0]}/*.JPEG"))[0]
    planted = f"{root}/fog/3/{mini.wnids[1]}/planted_copy.JPEG"
    shutil.copy(src, planted)
    ds = ddf.load_tiny_imagenet_c(root, name=unique_name, overwrite=True)
    try:
        ddf.compute_embeddings(ds, model="weightless", batch_size=64)
        rep = ddd.find_duplicates(ds, embeddings="embeddings", threshold="auto", exact=False,
                                  leaks=False, save_views=False)
        by_path = dict(zip(ds.values("filepath"), ds.values("id")))
        pair = frozenset((by_path[src], by_path[planted]))
        assert pair in {frozenset((r["a"], r["b"])) for r in rep["duplicates"]}
        # short and reviewable: the copy's cluster, not the corruption variants
        # of each picture (those are counted apart as same-source pairs)
        assert rep["num_same_source"] > 100 * max(1, rep["num_duplicate_pairs"])
        # measured: 4 pairs in 4 clusters of 2 (the copy, at distance 0, first;
        # then two look-alike generated sources under 3 noise settings) among
        # ~475 images; same-source pairs (over 100x as many) are counted apart
        assert rep["num_duplicate_pairs"] <= 10 and len(rep["clusters"]) <= 10
        assert frozenset((rep["duplicates"][0]["a"], rep["duplicates"][0]["b"])) == pair
        assert rep["duplicates"][0]["distance"] == pytest.approx(0.0, abs=1e-6)
        assert any(pair <= set(c) for c in rep["clusters"])
        # one level up, the copy is one cluster of two source pictures, and the
        # look-alike pictures under 3 settings are one cluster, not three
        source_of = dict(zip(ds.values("filepath"), ds.values("source_id")))
        assert source_of[src] != source_of[planted]
        assert sorted([source_of[src], source_of[planted]]) in rep["source_clusters"]
        assert len(rep["source_clusters"]) < len(rep["clusters"])
        assert rep["near_search"] == {"method": "exact"}
    finally:
        ds.delete()

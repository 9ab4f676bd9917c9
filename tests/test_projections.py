"""2D maps: TriMap and PCA+t-SNE through brain's points= path, PCA/t-SNE
through brain's own reducers, num_dims, seed, and stratified-subset fitting."""
import numpy as np
import pytest

import datadiver_fo.enrich.embeddings as dde
import datadiver_fo.enrich.projections as ddp


@pytest.fixture
def embedded(fresh_dataset):
    view = fresh_dataset.match_tags("tiny-imagenet-c").match({"severity": {"$in": [1, 5]}})
    dde.compute_embeddings(view, model="weightless", batch_size=64)
    return fresh_dataset, view


def test_trimap_and_pca_tsne_make_visualization_runs(embedded):
    ds, view = embedded
    n = view.count()
    tri = ddp.compute_projection(view, method="trimap", seed=3)
    assert tri.points.shape == (n, 2) and np.isfinite(tri.points).all()
    assert tri.key in ds.list_brain_runs()
    info = ds.get_brain_info(tri.key)
    assert info.config.type == "visualization"
    assert info.config.projection_method == "trimap" and info.config.seed == 3

    a = ddp.compute_projection(view, method="pca_tsne", seed=5, max_iter=250)
    b = ddp.compute_projection(view, method="pca_tsne", seed=5, max_iter=250, brain_key="again")
    assert a.points.shape == (n, 2)
    assert np.allclose(a.points, b.points)  # the seed fixes the map


def test_brain_native_methods_honour_num_dims(embedded):
    ds, view = embedded
    pca3 = ddp.compute_projection(view, method="pca", num_dims=3)
    assert pca3.points.shape == (view.count(), 3)
    assert ds.get_brain_info(pca3.key).config.method == "pca"
    tsne = ddp.compute_projection(view, method="tsne", max_iter=250)
    assert tsne.points.shape == (view.count(), 2)


def test_large_sets_fit_on_a_stratified_subset(embedded):
    ds, view = embedded
    n = view.count()
    res = ddp.compute_projection(view, method="pca", max_fit_samples=30, brain_key="sub_pca")
    cfg = ds.get_brain_info("sub_pca").config
    assert cfg.fit_strategy == "stratified_subset" and cfg.fit_samples == 30
    assert cfg.placement == "transform" and res.points.shape == (n, 2)
    full = ddp.compute_projection(view, method="pca", brain_key="full_pca")
    assert ds.get_brain_info("full_pca").config.fit_strategy == "all"
    # PCA fitted on a stratified 30 still spreads the data along the same main axis
    c = abs(np.corrcoef(res.points[:, 0], full.points[:, 0])[0, 1])
    assert c > 0.8

    sub = ddp.compute_projection(view, method="pca_tsne", max_fit_samples=30, brain_key="sub_tsne",
                                 max_iter=250)
    assert ds.get_brain_info("sub_tsne").config.placement == "knn_interpolation"
    assert np.isfinite(sub.points).all()
    labels = view.values("ground_truth.label")
    idx = ddp._stratified_subset(labels, 30, 51)
    assert len(set(np.asarray(labels)[idx])) == len(set(labels))  # every class fitted


def test_bad_input(embedded):
    ds, view = embedded
    with pytest.raises(ValueError, match="method"):
        ddp.compute_projection(view, method="isomap")
    with pytest.raises(ValueError, match="does not exist"):
        ddp.compute_projection(view, embeddings="nope")
    with pytest.raises(ValueError, match="num_dims"):
        ddp.compute_projection(view, num_dims=0)


def test_operator_computes_a_map(embedded, run_operator):
    ds, view = embedded
    res = run_operator("compute_visualization", ds, view=view,
                       params={"embeddings": "embeddings", "method": "pca", "num_dims": 2,
                               "brain_key": "op_map", "view_target": "CURRENT_VIEW"})
    assert res.error is None, res.error
    assert "op_map" in ds.list_brain_runs()


def test_points_stay_with_their_samples_in_a_sorted_view_with_missing_vectors(fresh_dataset):
    """The map is stored over the view's samples that have a vector, in the
    view's order (a $match, no ordered select of every id): each point
    belongs to its own sample, and samples without a vector are left out."""
    from fiftyone import ViewField as F

    ds = fresh_dataset
    ids = ds.values("id")
    rng = np.random.default_rng(0)
    rank = {sid: float(k) for k, sid in enumerate(ids)}
    X = rng.normal(scale=0.01, size=(len(ids), 8)).astype(np.float32)
    X[:, 0] = [rank[s] for s in ids]  # the first principal axis is the rank
    ds.set_values("emb", [None if k % 7 == 3 else X[k] for k in range(len(ids))])
    view = ds.sort_by("filepath", reverse=True).match(F("severity") != 2)
    res = ddp.compute_projection(view, embeddings="emb", method="pca", num_dims=1,
                                 max_fit_samples=None, brain_key="sorted_pca")
    stored = ds.load_brain_results("sorted_pca")
    want = [s for s, v in zip(*view.values(["id", "emb"])) if v is not None]
    assert list(stored.sample_ids) == want
    pts = np.asarray(res.points)[:, 0]
    corr = np.corrcoef(pts, [rank[s] for s in want])[0, 1]
    assert abs(corr) > 0.999


def test_unfitted_rows_placed_in_chunks_match_one_pass(embedded, monkeypatch):
    """Rows outside the fitted subset are placed a chunk at a time; with
    PCA (a linear transform) and the kNN placement of t-SNE the points are
    the same as placing them all at once."""
    ds, view = embedded
    for method, kw in (("pca", {}), ("tsne", {"max_iter": 250})):
        whole = ddp.compute_projection(view, method=method, max_fit_samples=30, brain_key="one", **kw)
        monkeypatch.setattr(ddp, "_PLACE_CHUNK", 7)
        parts = ddp.compute_projection(view, method=method, max_fit_samples=30, brain_key="parts", **kw)
        monkeypatch.setattr(ddp, "_PLACE_CHUNK", 65536)
        assert view.count() - 30 > 7 * 3  # several chunks
        assert np.allclose(whole.points, parts.points, atol=1e-5)
        ds.delete_brain_runs()

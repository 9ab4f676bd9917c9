"""2D (or 3D) maps of an embeddings field, stored as fiftyone-brain
visualization runs so the App's Embeddings panel shows them.

Methods: ``"umap"``, ``"tsne"``, ``"pca"`` (fiftyone-brain's own reducers)
and ``"trimap"`` and ``"pca_tsne"`` (PCA to 50 dims, then t-SNE), which we
compute and hand to brain through its ``points=`` path.

Large datasets: t-SNE and friends are quadratic-ish and UMAP's fit dominates,
so above ``max_fit_samples`` the reducer is fitted on a class-stratified
subset and the other samples are placed afterwards: by the reducer's own
``transform`` (PCA, UMAP) or, for methods without one (t-SNE, TriMap,
PCA+t-SNE), at the distance-weighted mean of their 10 nearest fitted
neighbours' coordinates. The run's config records ``fit_samples``,
``fit_strategy`` and ``stratify_field`` so a reader knows.
"""
import logging

import numpy as np

from datadiver_fo.enrich.embeddings import EMBEDDINGS, get_embeddings, get_embeddings_info
from datadiver_fo.internal.progress import as_fiftyone

logger = logging.getLogger(__name__)

METHODS = ("umap", "tsne", "pca", "trimap", "pca_tsne")
_BRAIN_NATIVE = ("umap", "tsne", "pca")


def projection_key(embeddings=EMBEDDINGS, method="umap"):
    """The default brain key of a map of ``embeddings`` made with ``method``."""
    from datadiver_fo.internal import runs as ddr
    return ddr.run_key("map", f"{embeddings}_{method}")


def _stratified_subset(labels, size, seed):
    """Indices of a subset of ``size`` with each label's share preserved
    (at least one per label)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray([str(x) for x in labels])
    n = len(labels)
    out = []
    uniq, inv = np.unique(labels, return_inverse=True)
    for u in range(len(uniq)):
        members = np.flatnonzero(inv == u)
        take = max(1, int(round(size * len(members) / n)))
        out.append(rng.choice(members, size=min(take, len(members)), replace=False))
    idx = np.concatenate(out)
    if len(idx) > size:
        idx = rng.choice(idx, size=size, replace=False)
    return np.sort(idx)


def _tsne(X, num_dims, seed, **kw):
    from sklearn.manifold import TSNE

    n = X.shape[0]
    kw.setdefault("perplexity", float(min(30.0, max(2.0, (n - 1) / 3.0))))
    kw.setdefault("init", "pca")
    method = "barnes_hut" if num_dims <= 3 else "exact"
    return TSNE(n_components=num_dims, random_state=seed, method=method, **kw).fit_transform(X)


def _fit(method, X, num_dims, seed, **kw):
    """Fits ``method`` on ``X``; returns ``(points, transform_or_None)``."""
    n = X.shape[0]
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=num_dims, random_state=seed).fit(X)
        return pca.transform(X), pca.transform
    if method == "umap":
        import umap

        kw.setdefault("n_neighbors", int(min(15, n - 1)))
        reducer = umap.UMAP(n_components=num_dims, random_state=seed, **kw)
        pts = reducer.fit_transform(X)
        return pts, reducer.transform
    if method == "tsne":
        return _tsne(X, num_dims, seed, **kw), None
    if method == "pca_tsne":
        from sklearn.decomposition import PCA

        pca_dims = int(kw.pop("pca_dims", 50))
        pca_dims = max(num_dims, min(pca_dims, X.shape[1], n))
        Z = PCA(n_components=pca_dims, random_state=seed).fit_transform(X)
        return _tsne(Z, num_dims, seed, **kw), None
    if method == "trimap":
        import trimap

        np.random.seed(seed)  # trimap samples triplets with numpy's global RNG
        kw.setdefault("n_inliers", int(max(2, min(12, n - 3))))
        kw.setdefault("n_outliers", int(max(1, min(4, n - kw["n_inliers"] - 2))))
        kw.setdefault("n_random", 3)
        kw.setdefault("apply_pca", X.shape[1] > 100 and n > 100)
        pts = trimap.TRIMAP(n_dims=num_dims, **kw).fit_transform(X)
        return np.asarray(pts), None
    raise ValueError(f"Unknown method {method!r}")


_PLACE_CHUNK = 65536  # unfitted rows placed at once


def _place_by_neighbours(X_fit, P_fit, X_rest, k=10):
    """Places unfitted points at the inverse-distance-weighted mean of their
    k nearest fitted neighbours' coordinates."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, X_fit.shape[0])
    nn = NearestNeighbors(n_neighbors=k).fit(X_fit)
    d, idx = nn.kneighbors(X_rest)
    w = 1.0 / (d + 1e-6)
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", w, P_fit[idx])


def compute_projection(samples, embeddings=EMBEDDINGS, method="umap", num_dims=2, seed=51,
                       brain_key=None, max_fit_samples=20000, stratify_field="ground_truth.label",
                       progress=None, **method_kwargs):
    """Computes a low-dimensional map of an embeddings field.

    Args:
        samples: a FiftyOne dataset or view; samples without a vector are left
            off the map
        embeddings ("embeddings"): the embeddings field
        method ("umap"): ``"umap"``, ``"tsne"``, ``"pca"``, ``"trimap"`` or
            ``"pca_tsne"``
        num_dims (2): dimensions of the map (2 or 3 for the App)
        seed (51): random seed (UMAP, t-SNE, PCA, TriMap's triplet sampling)
        brain_key (None): brain key of the visualization run; ``None`` =
            ``datadiver_map_<embeddings>_<method>``. An existing run with
            this key is replaced
        max_fit_samples (20000): fit on at most this many samples (class-
            stratified by ``stratify_field``) and place the rest (see module
            doc); ``None`` fits on all
        stratify_field ("ground_truth.label"): field used to stratify the
            fitting subset (ignored when it does not exist)
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        **method_kwargs: extra parameters of the reducer (e.g.
            ``n_neighbors=`` for UMAP, ``perplexity=`` for t-SNE,
            ``pca_dims=`` for PCA+t-SNE); UMAP and t-SNE run without their
            progress log unless ``verbose=True``

    Returns:
        a :class:`fiftyone.brain.visualization.VisualizationResults`; its
        ``config`` holds ``projection_method``, ``seed``, ``fit_samples``,
        ``fit_strategy`` and ``source_embeddings``
    """
    import fiftyone.brain as fob

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not isinstance(num_dims, int) or num_dims < 1:
        raise ValueError(f"num_dims must be a positive integer, got {num_dims!r}")
    if max_fit_samples is not None and (not isinstance(max_fit_samples, int) or max_fit_samples < 3):
        raise ValueError(f"max_fit_samples must be an integer >= 3 or None, got {max_fit_samples!r}")
    if not samples.has_field(embeddings):
        raise ValueError(f"Field '{embeddings}' does not exist; run compute_embeddings first")
    ids, X = get_embeddings(samples, embeddings, missing="drop")
    n = len(ids)
    if n < 4:
        raise ValueError(f"Need at least 4 samples with '{embeddings}' for a map, got {n}")
    if num_dims >= X.shape[1]:
        raise ValueError(f"num_dims ({num_dims}) must be smaller than the embedding size ({X.shape[1]})")
    brain_key = brain_key or projection_key(embeddings, method)
    dataset = samples._dataset
    if brain_key in dataset.list_brain_runs():
        dataset.delete_brain_run(brain_key)
    # the samples that have a vector, in the order they were read: a $match,
    # not an ordered select of every id (at ~900k ids that command passes
    # MongoDB's 16 MB limit, and $indexOfArray makes it O(N^2) before that)
    view = samples.exists(embeddings)
    subsample = max_fit_samples is not None and n > max_fit_samples
    info = get_embeddings_info(samples, embeddings) or {}
    extras = dict(
        projection_method=method,
        seed=seed,
        source_embeddings=embeddings,
        embeddings_model=info.get("model"),
        fit_samples=int(max_fit_samples if subsample else n),
        fit_strategy="stratified_subset" if subsample else "all",
        stratify_field=stratify_field if subsample else None,
    )

    if method in _BRAIN_NATIVE and not subsample:
        kw = dict(method_kwargs)
        if method == "tsne":
            kw.setdefault("perplexity", float(min(30.0, max(2.0, (n - 1) / 3.0))))
        if method == "umap":
            kw.setdefault("num_neighbors", int(min(15, n - 1)))
        if method in ("umap", "tsne"):  # brain's configs default to an epoch-by-epoch log
            kw.setdefault("verbose", False)
        extras.pop("seed")
        return fob.compute_visualization(view, embeddings=embeddings, method=method,
                                         num_dims=num_dims, seed=seed, brain_key=brain_key,
                                         progress=as_fiftyone(progress), **kw, **extras)

    if subsample:
        labels = None
        if stratify_field and samples.has_field(stratify_field.split(".")[0]):
            labels = view.values(stratify_field)
        if labels is None:
            labels = ["all"] * n
        fit_idx = _stratified_subset(labels, max_fit_samples, seed)
    else:
        fit_idx = np.arange(n)
    points = np.zeros((n, num_dims), dtype=np.float32)
    fit_pts, transform = _fit(method, X[fit_idx], num_dims, seed, **method_kwargs)
    points[fit_idx] = fit_pts
    if subsample:
        rest = np.setdiff1d(np.arange(n), fit_idx)
        # placed in chunks of equal size (>= 32k rows: UMAP's transform keeps
        # the same epoch count for every chunk), so the unfitted rows are never
        # copied at once (3.1 GB at 950k x 850-d)
        X_fit = X[fit_idx]
        for part in np.array_split(rest, max(1, -(-len(rest) // _PLACE_CHUNK))):
            if transform is not None:
                points[part] = transform(X[part])
            else:
                points[part] = _place_by_neighbours(X_fit, fit_pts, X[part])
        extras["placement"] = "transform" if transform is not None else "knn_interpolation"
    return fob.compute_visualization(view, points=points, brain_key=brain_key, num_dims=num_dims,
                                     progress=as_fiftyone(progress), **extras)

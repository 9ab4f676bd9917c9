"""Neighbours and search over one embeddings field.

-   :func:`compute_similarity` builds a fiftyone-brain similarity index from a
    precomputed embeddings field (no model is run), with cosine or euclidean
    distance. Backends: ``"sklearn"`` (default, in memory), ``"lancedb"``
    (embedded, on disk: large sets), ``"qdrant"`` / ``"milvus"`` (a server
    shared by a team), configured by keyword arguments::

        compute_similarity(ds, backend="lancedb", uri="/data/lancedb")
        compute_similarity(ds, backend="qdrant", url="http://qdrant:6333",
                           collection_name="tinyimagenet_c")
        compute_similarity(ds, backend="milvus", uri="http://milvus:19530",
                           collection_name="tinyimagenet_c")

    (the Qdrant and Milvus clients are the ``qdrant-client`` and ``pymilvus``
    packages; credentials may also come from FiftyOne's brain config).
-   :func:`sort_by_similarity` sorts a view by distance to sample ids, a
    vector, or a text prompt (embedded by the text tower of the model that
    computed the index's embeddings, rebuilt from its recorded run), and can
    store the distance in a field.
-   :func:`write_neighbors` stores each sample's k nearest neighbours (ids and
    distances) for the relationship explorer.
-   :func:`compute_uniqueness` / :func:`compute_representativeness` reuse the
    same index (or embeddings field), so every score comes from one model.
"""
import re

from types import SimpleNamespace

import numpy as np

import fiftyone as fo

from datadiver_fo.internal import knn
from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import store
from datadiver_fo.internal.report import Report
from datadiver_fo.enrich.embeddings import EMBEDDINGS, get_embeddings, get_embeddings_info, load_embeddings_model
from datadiver_fo.internal.progress import as_fiftyone

_METRICS = ("cosine", "euclidean")
_BACKENDS = ("sklearn", "lancedb", "qdrant", "milvus")
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def similarity_key(embeddings=EMBEDDINGS, metric="cosine"):
    """The default brain key of the index over ``embeddings`` with ``metric``."""
    return ddr.run_key("sim", f"{embeddings}_{metric}")


def _check_embeddings(samples, embeddings):
    if not isinstance(embeddings, str):
        raise ValueError("embeddings must be the name of an embeddings field")
    if not samples.has_field(embeddings):
        raise ValueError(
            f"Field '{embeddings}' does not exist; run compute_embeddings(samples, field="
            f"'{embeddings}') first"
        )


def compute_similarity(samples, embeddings=EMBEDDINGS, brain_key=None, metric="cosine",
                       backend="sklearn", progress=None, **backend_kwargs):
    """Builds a similarity index over a precomputed embeddings field.

    Args:
        samples: a FiftyOne dataset or view; samples without a vector are left
            out of the index
        embeddings ("embeddings"): the embeddings field (see
            :func:`datadiver_fo.compute_embeddings`)
        brain_key (None): the brain key to store the index under; ``None`` =
            ``datadiver_sim_<embeddings>_<metric>``. An existing index with
            this key is replaced (re-running is idempotent)
        metric ("cosine"): ``"cosine"`` or ``"euclidean"``
        backend ("sklearn"): ``"sklearn"``, ``"lancedb"``, ``"qdrant"`` or
            ``"milvus"``
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        **backend_kwargs: backend settings, e.g. ``uri=`` / ``table_name=``
            (lancedb), ``url=`` / ``collection_name=`` (qdrant),
            ``uri=`` / ``collection_name=`` (milvus)

    Returns:
        a :class:`fiftyone.brain.similarity.SimilarityIndex`
    """
    import fiftyone.brain as fob

    _check_embeddings(samples, embeddings)
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
    brain_key = brain_key or similarity_key(embeddings, metric)
    view = samples.exists(embeddings)
    if view.count() == 0:
        raise ValueError(f"No sample in the view has '{embeddings}'; compute embeddings first")
    dataset = samples._dataset
    if brain_key in dataset.list_brain_runs():
        dataset.delete_brain_run(brain_key)
    if backend == "lancedb":
        backend_kwargs.setdefault("table_name", f"{store.dataset_id(dataset)}_{brain_key}")
    return fob.compute_similarity(
        view,
        embeddings=embeddings,
        brain_key=brain_key,
        backend=backend,
        metric=metric,
        progress=as_fiftyone(progress),
        **backend_kwargs,
    )


def _similarity_keys(samples):
    dataset = samples._dataset
    out = []
    for key in dataset.list_brain_runs():
        info = dataset.get_brain_info(key)
        if getattr(info.config, "embeddings_field", None) is not None and \
                info.config.cls.endswith("SimilarityConfig"):
            out.append(key)
    return out


def resolve_index(samples, brain_key):
    """Loads a similarity index of the dataset of ``samples``.

    Args:
        samples: a FiftyOne dataset or view
        brain_key: a brain key, or None for the default index (or the only
            one there is)

    Returns:
        the index, a fiftyone-brain ``SimilarityIndex``

    Raises:
        ValueError: no such index, no index at all, or several and
            ``brain_key`` None (the message lists them)
    """
    return samples._dataset.load_brain_results(_resolve_key(samples, brain_key))


def _resolve_key(samples, brain_key):
    """The brain key :func:`resolve_index` loads (see there), without loading it."""
    dataset = samples._dataset
    if brain_key is None:
        keys = _similarity_keys(samples)
        default = similarity_key()
        if default in keys:
            brain_key = default
        elif len(keys) == 1:
            brain_key = keys[0]
        elif not keys:
            raise ValueError("No similarity index on this dataset; run compute_similarity first")
        else:
            raise ValueError(f"Several similarity indexes exist ({keys}); pass brain_key=")
    if brain_key not in dataset.list_brain_runs():
        raise ValueError(f"No similarity index with brain key '{brain_key}'")
    return brain_key


def query_vector(samples, query, brain_key=None, device="auto"):
    """Turns a query into what the index searches with.

    Args:
        samples: a FiftyOne dataset or view
        query: a sample id, a list of sample ids, a vector / ``Q x D`` array,
            or a text prompt (or list of prompts)
        brain_key (None): the similarity index (default as in
            :func:`sort_by_similarity`)
        device ("auto"): torch device for the text encoder (CUDA, then MPS, then CPU)

    Returns:
        ``(kind, value)`` where kind is ``"ids"`` (value: list of ids),
        ``"vector"`` (value: float32 array) or ``"text"`` (value: the text
        embedding, a float32 vector)
    """
    index = resolve_index(samples, brain_key)
    return _parse_query(samples, index, query, device)


def _parse_query(samples, index, query, device="auto"):
    if query is None:
        raise ValueError("query is empty: give sample ids, a vector or a text prompt")
    if isinstance(query, np.ndarray) or (
        isinstance(query, (list, tuple)) and query and all(
            isinstance(q, (int, float, np.floating)) for q in query)
    ):
        vec = np.asarray(query, dtype=np.float32)
        if vec.size == 0:
            raise ValueError("query vector is empty")
        return "vector", vec
    texts = [query] if isinstance(query, str) else list(query)
    if not texts or not all(isinstance(t, str) for t in texts):
        raise ValueError("query must be sample id(s), a vector, or non-empty text prompt(s)")
    texts = [t.strip() for t in texts]
    if any(not t for t in texts):
        raise ValueError("query contains an empty string")
    if all(_OBJECT_ID.match(t) for t in texts):
        known = set(samples._dataset.select(texts).values("id"))
        unknown = [t for t in texts if t not in known]
        if unknown:
            raise ValueError(f"Unknown sample id(s) in query: {unknown[:5]}")
        return "ids", texts
    field = index.config.embeddings_field
    model = load_embeddings_model(samples, field, device=device)
    if not model.has_text:
        raise ValueError(
            f"Index '{index.key}' uses '{field}' from model '{model.spec}', which has no text "
            "tower: text queries need e.g. an open_clip model"
        )
    vecs = model.embed_texts(texts)
    vec = vecs.mean(axis=0)
    return "text", vec / (np.linalg.norm(vec) + 1e-12)


MAX_SORTED = 100_000  # most samples one sort_by_similarity returns in order


def sort_by_similarity(samples, query, k=None, brain_key=None, dist_field=None, reverse=False,
                       device="auto"):
    """Sorts ``samples`` by similarity to a query.

    Args:
        samples: a FiftyOne dataset or view (only its samples are returned)
        query: a sample id or list of ids (their vectors are averaged), a
            ``D`` vector, or a text prompt / list of prompts (needs an index
            whose embeddings came from a model with a text tower, e.g.
            ``open_clip:...``)
        k (None): return only the ``k`` closest; ``None`` sorts everything
            (up to :data:`MAX_SORTED` samples: the result is an ordered
            selection of ids, which MongoDB cannot run for ~900k ids)
        brain_key (None): the similarity index; ``None`` picks
            ``datadiver_sim_embeddings_cosine`` or the only index present
        dist_field (None): a float field to store each returned sample's
            distance to the query in
        reverse (False): most dissimilar first
        device ("auto"): torch device for the text encoder (CUDA, then MPS, then CPU)

    Returns:
        a :class:`fiftyone.core.view.DatasetView`, closest first

    A ``"sklearn"`` index over an embeddings field is not loaded: the ranking
    is exact, from one read of the field (memory: the vectors once; loading
    fiftyone-brain's index holds them through ``values()``, 13 GB at 950k x
    850-d). Other backends answer through their own index.
    """
    if k is not None and (not isinstance(k, int) or k < 1):
        raise ValueError(f"k must be a positive integer or None, got {k!r}")
    if dist_field is not None and (not isinstance(dist_field, str) or not dist_field.isidentifier()):
        raise ValueError(f"dist_field must be a valid field name, got {dist_field!r}")
    key = _resolve_key(samples, brain_key)
    wanted = k if k is not None else samples.count()
    if wanted > MAX_SORTED:
        raise ValueError(
            f"Sorting {wanted:,} samples by similarity would return an ordered selection of "
            f"{wanted:,} ids, more than MongoDB runs well (at most {MAX_SORTED:,}: the command "
            "passes 16 MB near 900k ids and its ordering is quadratic); pass k (the closest k), "
            "or use write_neighbors for every sample's neighbours")
    config = samples._dataset.get_brain_info(key).config
    if config.method == "sklearn" and getattr(config, "embeddings_field", None):
        # fiftyone-brain's sklearn index holds every vector of the field in
        # memory, loaded through values() (13 GB peak at 950k x 850-d), and
        # mean-centres them once its neighbour graph is built. The same
        # exact ranking from the field itself: one streamed read, no index
        # to load, raw vectors for every kind of query.
        kind, value = _parse_query(samples, SimpleNamespace(key=key, config=config), query, device)
        return _sort_exact(samples, config, kind, value, k, reverse, dist_field)
    index = samples._dataset.load_brain_results(key)
    kind, value = _parse_query(samples, index, query, device)
    if kind != "ids":
        first = samples._dataset.exists(index.config.embeddings_field).first()
        dim = len(first[index.config.embeddings_field])
        if value.shape[-1] != dim:
            raise ValueError(f"query vector has {value.shape[-1]} dims, the index has {dim}")
    # results objects are cached on the dataset: restrict to this view, then restore
    index.use_view(samples)
    try:
        return index.sort_by_similarity(value, k=k, reverse=reverse, dist_field=dist_field)
    finally:
        index.clear_view()


def _sort_exact(samples, config, kind, value, k, reverse, dist_field):
    """Exact ranking of ``samples``' vectors in ``config.embeddings_field``
    (the samples an index over that field holds) by distance to the query:
    the mean of the query samples' vectors for ``kind == "ids"``, else the
    vector ``value``. Distances come from one matrix-vector product: no
    normalised or centred copy of the vectors."""
    field = config.embeddings_field
    ids, X = get_embeddings(samples, field, missing="drop")
    if not ids:
        raise ValueError("No sample of the view is in the index")
    if kind == "ids":
        _, Q = get_embeddings(samples._dataset.select(value), field, missing="drop")
        if not len(Q):
            raise ValueError(f"The query samples have no '{field}' vector")
        q = Q.mean(axis=0)
    else:
        q = np.asarray(value, dtype=np.float32).reshape(-1, np.asarray(value).shape[-1]).mean(axis=0)
        if q.shape[0] != X.shape[1]:
            raise ValueError(f"query vector has {q.shape[0]} dims, the index has {X.shape[1]}")
    q = q.astype(np.float32)
    dots = X @ q
    sq = np.einsum("ij,ij->i", X, X)
    if config.metric == "cosine":
        d = 1.0 - dots / (np.sqrt(sq) * np.linalg.norm(q) + 1e-12)
    else:
        d = np.sqrt(np.maximum(sq - 2.0 * dots + float(q @ q), 0.0))
    key = -d if reverse else d
    if k is not None and k < len(d):
        # the first k of a stable sort: everything closer than the k-th
        # distance, then the ties at it in view order
        kth = np.partition(key, k - 1)[k - 1]
        less = np.flatnonzero(key < kth)
        top = np.concatenate([less, np.flatnonzero(key == kth)[:k - len(less)]])
        order = top[np.lexsort((top, key[top]))]
    else:
        order = np.argsort(key, kind="stable")
    sel = [ids[i] for i in order]
    if dist_field is not None:  # by id in bulk: no ordered select to write through
        store.write_fields(samples, sel, {dist_field: [float(d[i]) for i in order]},
                           types={dist_field: fo.FloatField})
    return samples.select(sel, ordered=True)


# --------------------------------------------------------------------------- #
# k nearest neighbours
# --------------------------------------------------------------------------- #


def _knn(X, k, metric, chunk=None, progress=False):
    """Exact kNN (self excluded) in memory-bounded blocks. Returns ``(idx,
    dist)`` arrays ``N x k``, closest first (kept for the benchmarks; see
    :func:`datadiver_fo.internal.knn.topk_neighbors`)."""
    idx, dist, _ = knn.topk_neighbors(X, k, metric, method="exact", progress=progress)
    return idx, dist


def write_neighbors(samples, embeddings=EMBEDDINGS, k=10, field="neighbors", metric="cosine",
                    progress=None, method="auto", max_memory_mb=256):
    """Stores each sample's ``k`` nearest neighbours within ``samples``.

    Up to 50,000 samples the search is exact, in blocks of the distance
    matrix sized to ``max_memory_mb`` (O(N^2 D) time, memory O(N k) plus one
    block); above that an approximate index (an Annoy forest: O(N log N)
    time, O(N D) memory; recall@10 against exact search is checked in the
    tests). Neighbours are written in slices, so the
    Python lists of ids never exist for all N at once.

    Args:
        samples: a FiftyOne dataset or view; samples without a vector are
            skipped and neighbours are searched among the others
        embeddings ("embeddings"): the embeddings field
        k (10): neighbours per sample (>= 1; capped at N - 1)
        field ("neighbors"): writes ``field`` (list of neighbour sample ids,
            closest first) and ``field + "_dist"`` (their distances)
        metric ("cosine"): ``"cosine"`` (1 - cosine similarity) or
            ``"euclidean"``
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        method ("auto"): ``"exact"``, ``"approx"`` or ``"auto"`` (exact up
            to 50,000 samples); see :func:`datadiver_fo.internal.knn.topk_neighbors`
        max_memory_mb (256): bound on the distance blocks of exact search

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report`: ``field``,
        ``dist_field``, ``k``, ``metric``, ``embeddings``, ``num_samples``
        (written), ``method`` (``"exact"`` or ``"approx"``), ``run_key``
    """
    _check_embeddings(samples, embeddings)
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if not isinstance(field, str) or not field.isidentifier():
        raise ValueError(f"field must be a valid field name, got {field!r}")
    if field == embeddings:
        raise ValueError("field must differ from the embeddings field")
    ids, X = get_embeddings(samples, embeddings, missing="drop")
    if len(ids) < 2:
        raise ValueError(f"Need at least 2 samples with '{embeddings}' to find neighbours")
    if not isinstance(max_memory_mb, (int, float)) or max_memory_mb <= 0:
        raise ValueError(f"max_memory_mb must be a positive number, got {max_memory_mb!r}")
    idx, dist, used = knn.topk_neighbors(X, k, metric, method=method,
                                         max_memory_mb=max_memory_mb, progress=progress)
    del X
    ids_arr = np.asarray(ids)
    dist_field = field + "_dist"
    dataset = samples._dataset
    for name, sub in ((field, fo.StringField), (dist_field, fo.FloatField)):
        declared = dataset.get_field(name)
        if declared is None:
            dataset.add_sample_field(name, fo.ListField, subfield=sub)
        elif not (isinstance(declared, fo.ListField) and isinstance(declared.field, sub)):
            raise ValueError(f"Field '{name}' exists and is not a list of {sub.__name__}s; "
                             "pass another field=")
    # bulk updates by id, 20k rows at a time (the Python lists of a slice):
    # an ordered select of each slice's ids cost O(slice^2) in MongoDB
    step = 20_000
    for s in range(0, len(ids), step):
        e = min(s + step, len(ids))
        store.set_sample_fields(dataset, ids[s:e], {field: ids_arr[idx[s:e]].tolist(),
                                                    dist_field: dist[s:e].astype(float).tolist()})
    key = ddr.run_key("neighbors", field)
    info = get_embeddings_info(samples, embeddings) or {}
    ddr.record_run(samples, key, "neighbors", embeddings=embeddings, k=int(idx.shape[1]),
                   metric=metric, field=field, dist_field=dist_field,
                   embeddings_model=info.get("model"), search=used,
                   max_memory_mb=float(max_memory_mb))
    return Report(field=field, dist_field=dist_field, k=int(idx.shape[1]), metric=metric,
                  embeddings=embeddings, num_samples=len(ids), method=used, run_key=key,
                  title="write_neighbors")


# --------------------------------------------------------------------------- #
# Scores that reuse the index
# --------------------------------------------------------------------------- #


def _index_or_embeddings(samples, embeddings, brain_key):
    if brain_key is not None:
        if brain_key not in samples._dataset.list_brain_runs():
            raise ValueError(f"No similarity index with brain key '{brain_key}'")
        return dict(similarity_index=brain_key)
    _check_embeddings(samples, embeddings)
    return dict(embeddings=embeddings)


def compute_uniqueness(samples, embeddings=EMBEDDINGS, brain_key=None, uniqueness_field="uniqueness",
                       progress=None):
    """Scores how unique each sample is, from the shared embeddings.

    Args:
        samples: a FiftyOne dataset or view; every sample needs a vector
        embeddings ("embeddings"): the embeddings field (used when no
            ``brain_key`` is given)
        brain_key (None): a similarity index to reuse (its neighbours)
        uniqueness_field ("uniqueness"): float field written, in [0, 1]
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        the name of the field written
    """
    import fiftyone.brain as fob

    src = _index_or_embeddings(samples, embeddings, brain_key)
    view = samples.exists(embeddings) if "embeddings" in src else samples
    fob.compute_uniqueness(view, uniqueness_field=uniqueness_field,
                           progress=as_fiftyone(progress), **src)
    return uniqueness_field


def compute_representativeness(samples, embeddings=EMBEDDINGS, brain_key=None,
                               representativeness_field="representativeness",
                               method="cluster-center", progress=None):
    """Scores how representative of its neighbourhood each sample is.

    Args:
        samples: a FiftyOne dataset or view; every sample needs a vector
        embeddings ("embeddings"): the embeddings field (used when no
            ``brain_key`` is given)
        brain_key (None): a similarity index to reuse (its embeddings)
        representativeness_field ("representativeness"): float field written
        method ("cluster-center"): ``"cluster-center"`` or
            ``"cluster-center-downweight"``
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        the name of the field written
    """
    import fiftyone.brain as fob

    if method not in ("cluster-center", "cluster-center-downweight"):
        raise ValueError(f"Unknown representativeness method {method!r}")
    src = _index_or_embeddings(samples, embeddings, brain_key)
    view = samples.exists(embeddings) if "embeddings" in src else samples
    fob.compute_representativeness(view, representativeness_field=representativeness_field,
                                   method=method, progress=as_fiftyone(progress), **src)
    # brain divides by a cluster's largest distance: a cluster whose members all
    # coincide (e.g. variants of one picture) yields NaN; they sit at its centre.
    vals = view.values(representativeness_field)
    if any(v is not None and v != v for v in vals):
        view.set_values(representativeness_field,
                        [1.0 if (v is not None and v != v) else v for v in vals])
    return representativeness_field

"""Out-of-distribution scores.

Algorithm
---------
``ood_score`` follows OoDAnalyzer (Chen et al., arXiv 2002.03103): the entropy
of the ensemble-averaged class distribution, divided by ``log K`` so it lies
in [0, 1] (0 = every member sure of one class, 1 = uniform). It is banded
``low`` (< 0.4), ``mid`` (< 0.6) and ``high``. ``ood_member_entropy`` is the
mean of the members' own normalised entropies (OoDAnalyzer's aleatoric part:
``ood_score - ood_member_entropy`` is the members' disagreement).

``ood_knn`` follows Kuan & Mueller (2022): the mean Euclidean distance from a
sample's L2-normalised embedding to its ``k`` nearest neighbours, excluding
the sample itself and every sample of its own group (``source_id``), so the
corrupted copies of one picture do not vouch for each other.

On large collections the exact all-pairs search is too costly for a laptop;
``knn_dims`` / ``knn_reference`` then project the normalised embeddings on
their top principal components and search a random reference subset. Both
choices are recorded in the run config.
"""
import time

import numpy as np

import fiftyone as fo

from datadiver_fo.enrich import predictions as ddp
from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal.report import Report
from datadiver_fo.internal import store
from datadiver_fo.internal.progress import Progress
from datadiver_fo.internal.vectors import group_codes, l2_normalize, read_embeddings

_METHOD = "ood"
_BANDS = (0.4, 0.6)
_EXACT_BUDGET = 2e11  # N * R * D multiply-adds done exactly before reducing
_AUTO_DIMS = 64
_AUTO_REFERENCE = 20000
MOST_OOD_VIEW = dds.VIEW_PREFIX + "most-ood"


def normalized_entropy(probs):
    """Entropy of each row of ``probs`` divided by ``log K``.

    Args:
        probs: array of shape (..., K) whose last axis holds probabilities
            (rows are renormalised; K >= 2)

    Returns:
        an array of shape (...) with values in [0, 1]

    Raises:
        ValueError: K < 2 or negative entries
    """
    p = np.asarray(probs, dtype=np.float64)
    K = p.shape[-1]
    if K < 2:
        raise ValueError("Entropy needs at least 2 classes, got %d" % K)
    if (p < 0).any():
        raise ValueError("Probabilities must be non-negative")
    p = p / np.maximum(p.sum(-1, keepdims=True), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(-1)
    return np.clip(h / np.log(K), 0.0, 1.0)


def ood_bands(scores, thresholds=_BANDS):
    """Maps scores in [0, 1] to ``"low"`` / ``"mid"`` / ``"high"``.

    Args:
        scores: array-like of floats
        thresholds ((0.4, 0.6)): ``low < t0 <= mid < t1 <= high``

    Returns:
        a list of strings, one per score
    """
    t0, t1 = thresholds
    if not 0 <= t0 < t1 <= 1:
        raise ValueError("Band thresholds must satisfy 0 <= low < high <= 1, "
                         "got %r" % (thresholds,))
    s = np.asarray(scores, dtype=np.float64)
    return np.where(s < t0, "low", np.where(s < t1, "mid", "high")).tolist()


def knn_distances(embeddings, k=10, groups=None, dims=None, reference=None,
                  seed=51, batch_size=4096, progress=None):
    """Mean distance to the ``k`` nearest neighbours, own group excluded.

    Args:
        embeddings: N x D array (rows are L2-normalised here)
        k (10): number of neighbours
        groups (None): length-N group keys; neighbours sharing the sample's
            key are excluded (the sample itself always is)
        dims (None): project on this many principal components first
        reference (None): the samples searched: ``None`` = all, an int = that
            many randomly chosen samples, a bool mask or index array = those
        seed (51): seed for the reference subset
        batch_size (4096): queries per matrix product
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        a float array of length N (``nan`` where fewer than ``k`` eligible
        neighbours exist, i.e. nothing outside the sample's group)
    """
    import torch

    X = np.asarray(embeddings, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError("Embeddings must be a 2-D array, got shape %s" % (X.shape,))
    n = len(X)
    if k < 1:
        raise ValueError("k must be >= 1, got %r" % k)
    if dims and dims < X.shape[1]:
        # principal axes from the covariance of a 10k subsample of the
        # normalised rows (D x D eigh: cheaper than an SVD of the 10k x D
        # block); rows are then normalised and projected a chunk at a time,
        # never as a second N x D array (3.2 GB each at 950k x 850-d)
        rng = np.random.default_rng(seed)
        sub = l2_normalize(X[rng.choice(n, min(n, 10000), replace=False)]).astype(np.float64)
        mu = sub.mean(0)
        _, vecs = np.linalg.eigh(np.cov(sub - mu, rowvar=False))
        V = vecs[:, ::-1][:, :dims].astype(np.float32)
        mu = mu.astype(np.float32)
        P = np.empty((n, dims), dtype=np.float32)
        for s in range(0, n, 16384):
            P[s:s + 16384] = (l2_normalize(X[s:s + 16384]) - mu) @ V
        X = P
    else:
        X = l2_normalize(X)
    codes = group_codes(groups, n) if groups is not None else np.arange(n)
    ref = np.arange(n)
    if isinstance(reference, (int, np.integer)) and not isinstance(reference, bool):
        if reference < n:
            ref = np.sort(np.random.default_rng(seed).choice(n, reference, replace=False))
    elif reference is not None:
        ref = np.asarray(reference)
        if ref.dtype == bool:
            ref = np.flatnonzero(ref)
    if len(ref) == 0:
        raise ValueError("The kNN reference set is empty")
    R = torch.from_numpy(X[ref])
    rn = (R * R).sum(1)
    rcodes = codes[ref]
    rc = torch.from_numpy(rcodes)
    # A query's own group has at most `gmax` members in the reference: the
    # k + gmax nearest always hold k eligible ones, so the group is filtered
    # in that small candidate list instead of masking the whole B x R block.
    gmax = int(np.bincount(np.unique(rcodes, return_inverse=True)[1]).max())
    kk = min(k + gmax, len(ref)) if gmax <= 64 else None
    out = np.full(n, np.nan, dtype=np.float64)
    with ddp.torch_threads(min(n, batch_size) * len(ref) * X.shape[1]), \
            Progress(progress, n, "knn") as prog:
        _knn_loop(X, R, rn, rc, codes, k, kk, batch_size, out, prog)
    return out


def _knn_loop(X, R, rn, rc, codes, k, kk, batch_size, out, prog):
    import torch

    n = len(X)
    for s in range(0, n, batch_size):
        Q = torch.from_numpy(X[s:s + batch_size])
        qc = torch.from_numpy(codes[s:s + batch_size])[:, None]
        # |q - r|^2 = |q|^2 + |r|^2 - 2 q.r ; |q|^2 is added after the top-k
        d2 = torch.addmm(rn[None, :], Q, R.T, alpha=-2.0)
        if kk is None:  # huge groups: mask them in the full block
            d2.masked_fill_(qc == rc[None, :], float("inf"))
            v, i = torch.topk(d2, min(k, len(rc)), dim=1, largest=False)
            valid = torch.isfinite(v)
        else:
            v, i = torch.topk(d2, kk, dim=1, largest=False)
            valid = rc[i] != qc
        keep = valid & (torch.cumsum(valid.to(torch.int32), dim=1) <= k)
        v = (v + (Q * Q).sum(1, keepdim=True)).clamp_min(0).sqrt()
        tot = torch.where(keep, v, torch.zeros_like(v)).double().sum(1)
        cnt = keep.sum(1)
        d = (tot / k).numpy()
        d[(cnt < k).numpy()] = np.nan
        out[s:s + batch_size] = d
        prog.update(len(Q))


_K_DIVISOR = 32  # chosen on scikit-learn digits, see _auto_k


def _auto_k(labels, groups, pool, max_k=10):
    """``k="auto"`` of :func:`compute_ood`: the median number of distinct
    groups (pictures) per class among the reference samples divided by 32,
    clipped to [1, max_k].

    The divisor was chosen on data separate from every evaluation:
    scikit-learn's digits (pixel features), 10 random splits of 2 held-out
    classes, 4 to 150 reference pictures per class
    (``benchmarks/bench_scores.py``, "kNN k"). There the best k stays at 1-2
    whatever the class size (AUROC falls as k grows past ~m/16: m=16 k=10
    0.89 vs k=1 0.94); m/32 keeps k near the optimum while a large class
    still averages a few neighbours. The miniature is evaluated with it,
    never tuned on."""
    per_class = {}
    for i in pool.tolist():
        lab = labels[i]
        if lab is None:
            continue
        per_class.setdefault(lab, set()).add(i if groups is None else groups[i])
    if not per_class:
        return max_k
    med = float(np.median([len(v) for v in per_class.values()]))
    return int(min(max_k, max(1, med // _K_DIVISOR)))


class OodReport(Report):
    """What :func:`compute_ood` did: a read-only
    :class:`datadiver_fo.internal.report.Report`; its keys are listed under
    "Returns" of :func:`compute_ood`."""


def compute_ood(
    samples,
    pred_field=dds.PREDICTIONS,
    pred_key=None,
    knn_embeddings=None,
    k="auto",
    knn_among="labelled",
    label_field=dds.GROUND_TRUTH,
    group_field=dds.SOURCE_ID,
    score_field=dds.OOD_SCORE,
    knn_field=dds.OOD_KNN,
    band_field=dds.OOD_BAND,
    member_entropy_field="ood_member_entropy",
    bands=_BANDS,
    knn_dims="auto",
    knn_reference="auto",
    seed=51,
    view_name=MOST_OOD_VIEW,
    view_size=200,
    progress=None,
):
    """Writes OoD scores computed from stored out-of-sample probabilities
    (and optionally an embedding field).

    Args:
        samples: a FiftyOne dataset or view, all predicted by the run
        pred_field ("predictions"): the field written by
            :func:`datadiver_fo.compute_predictions`
        pred_key (None): its run key (default: derived from ``pred_field``)
        knn_embeddings (None): an embedding field for ``ood_knn``; ``None``
            skips it
        k ("auto"): neighbours for ``ood_knn``, or ``"auto"``: the median
            number of distinct pictures (groups) per class in the reference
            divided by 32, clipped to [1, 10]. Variants of one picture are
            near-copies, so the neighbours that carry information are other
            pictures of the same class; a large k reaches into other
            classes. The divisor was chosen on scikit-learn's digits over
            10 held-out class splits, not on the data it is evaluated on
            (``benchmarks/bench_scores.py``). The value used is recorded in
            the run config.
        knn_among ("labelled"): where neighbours are searched: ``"labelled"``
            = samples with a label in ``label_field`` (the in-distribution
            data the probes learn from, as in Kuan & Mueller), ``"all"`` =
            every sample of ``samples``
        label_field ("ground_truth"): labels defining ``"labelled"``
        group_field ("source_id"): samples sharing this value are not each
            other's neighbours (ignored if the field does not exist)
        score_field, knn_field, band_field, member_entropy_field: output
            fields (float, float, str, float)
        bands ((0.4, 0.6)): band thresholds on ``ood_score``
        knn_dims ("auto"): principal components kept for the kNN search
            (``None`` = all; ``"auto"`` = all unless the exact search would
            exceed ~2e11 multiply-adds, then 64)
        knn_reference ("auto"): size of the random reference subset searched
            (``None`` = all; ``"auto"``: all unless too costly, then 20,000)
        seed (51): seed of the reduction above
        view_name ("datadiver/most-ood"): saved view of the ``view_size``
            highest ``ood_score`` samples (``None`` = do not save); saved
            by :func:`datadiver_fo.customize.saved_views.save_generated_view`:
            a user's view of that name is never replaced, ours then goes to
            ``<name>-2`` (``-3``, ...)
        view_size (200): samples in that view
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        an :class:`OodReport`: ``run_key``, ``num_samples``, ``classes``,
        ``mean_score``, ``band_counts``, ``member_mean_entropy`` (member name
        -> mean normalised entropy), ``knn`` (settings used, or ``None``),
        ``view`` (the name the view was saved under, or ``None``),
        ``renamed_views`` (``{view_name: name used}`` when a user's view
        held ``view_name``, else ``{}``), ``seconds``

    Raises:
        ValueError: no predictions run, unknown embedding field, bad bands
    """
    t0 = time.time()
    ood_bands([0.5], bands)  # validates thresholds before any work
    if knn_embeddings is not None and samples.get_field(knn_embeddings) is None:
        raise ValueError("Embedding field %r does not exist on dataset '%s'"
                         % (knn_embeddings, samples._dataset.name))
    data = ddp.load_probabilities(samples, pred_field=pred_field, key=pred_key)
    n = len(data["ids"])
    with Progress(progress, 2 * n + 2, "ood") as prog:
        score = normalized_entropy(data["probs"])
        member_h = normalized_entropy(data["member_probs"])  # M x N
        del data["member_probs"]
        band = ood_bands(score, bands)
        out = {score_field: score.tolist(),
               member_entropy_field: member_h.mean(0).tolist(),
               band_field: band}
        types = {score_field: fo.FloatField, member_entropy_field: fo.FloatField,
                 band_field: fo.StringField}
        prog.update(n, "entropy")

        knn_cfg = None
        if knn_embeddings is not None:
            _, X = read_embeddings(samples, knn_embeddings, missing="raise", finite=True)
            groups = None
            if group_field and samples.get_field(group_field) is not None:
                groups = samples.values(group_field)
            knn_labels = samples.values("%s.label" % label_field)
            if knn_among == "labelled":
                pool = np.flatnonzero(np.array([l is not None for l in knn_labels]))
                if len(pool) == 0:
                    raise ValueError("knn_among='labelled' but no sample has a "
                                     "label in %r" % label_field)
            elif knn_among == "all":
                pool = np.arange(n)
            else:
                raise ValueError("knn_among must be 'labelled' or 'all', got %r"
                                 % (knn_among,))
            k_used = _auto_k(knn_labels, groups, pool) if k == "auto" else k
            if not isinstance(k_used, (int, np.integer)) or k_used < 1:
                raise ValueError("k must be a positive int or 'auto', got %r" % (k,))
            k_used = int(k_used)
            cost = float(n) * len(pool) * X.shape[1]
            dims = knn_dims
            ref = knn_reference
            if dims == "auto":
                dims = _AUTO_DIMS if cost > _EXACT_BUDGET else None
            if ref == "auto":
                ref = _AUTO_REFERENCE if cost > _EXACT_BUDGET else None
            if ref and ref < len(pool):
                rng = np.random.default_rng(seed)
                pool = np.sort(rng.choice(pool, ref, replace=False))
            d = knn_distances(X, k=k_used, groups=groups, dims=dims, reference=pool,
                              seed=seed, progress=prog.span(n))
            del X
            out[knn_field] = [None if v != v else v for v in d.tolist()]
            types[knn_field] = fo.FloatField
            knn_cfg = {"field": knn_embeddings, "k": k_used, "k_requested": k,
                       "dims": dims,
                       "among": knn_among, "reference_size": int(len(pool)),
                       "grouped": groups is not None,
                       "num_undefined": int(np.isnan(d).sum())}
        else:
            prog.update(n)
        # one bulk update for every field instead of one pass per field
        store.write_fields(samples, data["ids"], out, types=types)
        del out
        prog.update(1, "written")

        name = None
        if view_name:
            view = samples.sort_by(score_field, reverse=True).limit(view_size)
            from datadiver_fo.customize.saved_views import save_generated_view

            name = save_generated_view(
                samples, view_name, view,
                "%d samples with the highest %s (ensemble entropy)"
                % (view_size, score_field), "ood",
            )
        counts = {b: band.count(b) for b in ("low", "mid", "high")}
        member_mean = {m: float(h.mean()) for m, h in zip(data["members"], member_h)}
        key = ddr.run_key(_METHOD, score_field)
        ddr.record_run(
            samples, key, _METHOD,
            results={"band_counts": counts, "member_mean_entropy": member_mean,
                     "view": name},
            pred_field=pred_field,
            pred_key=data["key"],
            score_field=score_field,
            knn_field=knn_field if knn_cfg else None,
            band_field=band_field,
            member_entropy_field=member_entropy_field,
            bands=list(bands),
            knn=knn_cfg,
        )
        prog.update(1, "done")
    return OodReport(
        run_key=key,
        num_samples=n,
        classes=data["classes"],
        mean_score=float(score.mean()),
        band_counts=counts,
        member_mean_entropy=member_mean,
        knn=knn_cfg,
        view=name,
        renamed_views={view_name: name} if name and name != view_name else {},
        seconds=time.time() - t0,
    )

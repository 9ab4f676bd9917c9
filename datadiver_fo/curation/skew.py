"""Skew between two sets of samples (clean vs corrupted, train vs what a device
sees): per-attribute distribution distances and a domain-classifier AUC.

Per attribute:

-   numeric fields (quality scores, ``metadata.size_bytes``, ``severity``...):
    Kolmogorov-Smirnov statistic and p-value, Wasserstein distance (also
    divided by the pooled standard deviation, so attributes compare), and the
    Jensen-Shannon distance of histograms on shared bins;
-   categorical fields (``ground_truth`` labels, ``corruption``...):
    Jensen-Shannon distance and total variation of the category frequencies.

Jensen-Shannon distances use base 2, so 0 means identical distributions and 1
disjoint ones. The domain classifier is a logistic regression on embeddings
that tries to tell set A from set B, scored by cross-validated ROC AUC: 0.5
means the embeddings see no difference. Folds group samples by ``source_id``
when present, so variants of one picture never sit on both sides of a fold
(otherwise the classifier would score by recognising the picture).
"""
import numpy as np

import fiftyone.core.fields as fof

from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal.progress import Progress
from datadiver_fo.internal.report import Report
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal.vectors import read_embeddings
_DEFAULT_CATEGORICAL = (dds.GROUND_TRUTH, dds.CORRUPTION, dds.CORRUPTION_FAMILY)
_DEFAULT_NUMERIC = (
    "quality_brightness",
    "quality_contrast",
    "quality_sharpness",
    "quality_entropy",
    "quality_size_bytes",
    "metadata.size_bytes",
    "metadata.width",
    "metadata.height",
)
_NUMERIC_TYPES = (fof.IntField, fof.FloatField)
_BULKY = ("freq_a", "freq_b", "categories", "edges", "hist_a", "hist_b")


def js_distance(p, q):
    """Jensen-Shannon distance (base 2, in [0, 1]) of two count vectors."""
    from scipy.spatial.distance import jensenshannon

    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.sum() <= 0 or q.sum() <= 0:
        return float("nan")
    return float(jensenshannon(p / p.sum(), q / q.sum(), base=2))


def _path(field):
    return dds.GROUND_TRUTH + ".label" if field == dds.GROUND_TRUTH else field


def _kind(samples, field):
    f = samples.get_field(_path(field))
    if f is None:
        return None
    if isinstance(f, _NUMERIC_TYPES):
        return "numeric"
    if isinstance(f, (fof.StringField, fof.BooleanField)):
        return "categorical"
    return None


def numeric_distances(a, b, bins=20):
    """Distances between two samples of a numeric attribute.

    Args:
        a, b: 1-D float arrays (NaNs dropped); each needs one finite value
        bins (20): histogram bins on the pooled range for Jensen-Shannon

    Returns:
        a dict with ``ks``, ``ks_pvalue``, ``wasserstein``,
        ``wasserstein_std`` (divided by the pooled std), ``js``, ``mean_a``,
        ``mean_b``, ``n_a``, ``n_b``, and the shared histogram ``edges`` with
        the relative frequencies ``hist_a`` and ``hist_b``
    """
    from scipy import stats

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if not len(a) or not len(b):
        raise ValueError("numeric_distances needs at least one finite value on each side")
    ks = stats.ks_2samp(a, b)
    w = stats.wasserstein_distance(a, b)
    pooled = np.concatenate([a, b])
    sd = pooled.std()
    lo, hi = pooled.min(), pooled.max()
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    ha, _ = np.histogram(a, edges)
    hb, _ = np.histogram(b, edges)
    return {
        "ks": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "wasserstein": float(w),
        "wasserstein_std": float(w / sd) if sd > 0 else 0.0,
        "js": js_distance(ha, hb),
        "mean_a": float(a.mean()),
        "mean_b": float(b.mean()),
        "n_a": int(len(a)),
        "n_b": int(len(b)),
        "edges": edges.tolist(),
        "hist_a": (ha / ha.sum()).tolist(),
        "hist_b": (hb / hb.sum()).tolist(),
    }


def categorical_distances(a, b):
    """Distances between two samples of a categorical attribute.

    Args:
        a, b: sequences of hashable values (``None`` counts as a category)

    Returns:
        a dict with ``js``, ``tv`` (total variation), ``categories`` (sorted),
        ``freq_a`` and ``freq_b`` (relative frequencies per category)
    """
    cats = sorted({repr(x) if x is None else str(x) for x in list(a) + list(b)})
    idx = {c: i for i, c in enumerate(cats)}
    ca = np.zeros(len(cats))
    cb = np.zeros(len(cats))
    for x in a:
        ca[idx[repr(x) if x is None else str(x)]] += 1
    for x in b:
        cb[idx[repr(x) if x is None else str(x)]] += 1
    if not ca.sum() or not cb.sum():
        raise ValueError("categorical_distances needs values on both sides")
    fa, fb = ca / ca.sum(), cb / cb.sum()
    return {
        "js": js_distance(ca, cb),
        "tv": float(0.5 * np.abs(fa - fb).sum()),
        "categories": cats,
        "freq_a": fa.tolist(),
        "freq_b": fb.tolist(),
    }


def _vectors(samples, embeddings):
    return read_embeddings(samples, embeddings, dtype=np.float64)[1]


def domain_classifier_auc(X_a, X_b, groups=None, cv=5, seed=51):
    """Cross-validated ROC AUC of a classifier telling A's rows from B's.

    Args:
        X_a: ``N_a x D`` embeddings of set A
        X_b: ``N_b x D`` embeddings of set B
        groups (None): optional length ``N_a + N_b`` group keys (A's then
            B's); folds never split a group
        cv (5): number of folds (reduced to what the smaller set / the number
            of groups allows, at least 2)
        seed (51): fold shuffling

    Returns:
        a dict with ``auc`` (0.5 = indistinguishable, 1 = separable),
        ``folds`` and ``scores`` (out-of-fold probability of "B" per row)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_a = np.asarray(X_a, dtype=float)
    X_b = np.asarray(X_b, dtype=float)
    if len(X_a) < 2 or len(X_b) < 2:
        raise ValueError("The domain classifier needs at least 2 samples in each set")
    X = np.vstack([X_a, X_b])
    y = np.r_[np.zeros(len(X_a)), np.ones(len(X_b))]
    folds = int(max(2, min(cv, len(X_a), len(X_b))))
    if groups is not None:
        groups = np.asarray([str(g) for g in groups])
        folds = int(max(2, min(folds, len(np.unique(groups)))))
        if len(np.unique(groups)) < 2:
            groups = None
    if groups is not None:
        splitter = GroupKFold(n_splits=folds)
        split = list(splitter.split(X, y, groups))
    else:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        split = list(splitter.split(X, y))
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    scores = np.full(len(y), np.nan)
    for train, test in split:
        if len(np.unique(y[train])) < 2:  # a group fold may hold one set only
            scores[test] = y[train].mean()
            continue
        clf.fit(X[train], y[train])
        scores[test] = clf.predict_proba(X[test])[:, 1]
    return {"auc": float(roc_auc_score(y, scores)), "folds": folds, "scores": scores.tolist()}


def compute_skew(
    a,
    b,
    fields=None,
    embeddings=None,
    cv=5,
    bins=20,
    seed=51,
    plots=True,
    name_a="A",
    name_b="B",
    progress=None,
):
    """Measures how two sets of samples differ.

    Args:
        a: a FiftyOne view (or dataset) of set A, e.g. the clean images
        b: a view of set B from the same dataset, e.g. one corruption; must not
            share samples with ``a``
        fields (None): attributes to compare (``"ground_truth"`` means its
            labels; nested paths like ``"metadata.size_bytes"`` work). Default:
            the quality scores, class labels, corruption, corruption family and
            metadata sizes that exist. An unknown or non-scalar field raises
            ``ValueError``
        embeddings (None): optional vector field for the domain classifier
        cv (5): folds of the domain classifier
        bins (20): histogram bins for numeric Jensen-Shannon
        seed (51): random state
        plots (True): build plotly figures (returned, never shown)
        name_a ("A"), name_b ("B"): names used in the figures
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report` with
        ``attributes`` (one row per field: ``field``, ``kind`` and
        the distances of :func:`numeric_distances` or
        :func:`categorical_distances`), sorted by ``js`` descending,
        ``domain_auc`` (``None`` without embeddings), ``domain_folds``,
        ``figures`` (dict name -> ``plotly.graph_objects.Figure``: ``summary``
        and one per attribute), ``n_a``, ``n_b`` and ``run_key``
    """
    if len(a) == 0 or len(b) == 0:
        raise ValueError(f"Both sets must be non-empty (A has {len(a)}, B has {len(b)})")
    if a._dataset.name != b._dataset.name:
        raise ValueError("The two sets must come from the same dataset")
    ids_a, ids_b = a.values("id"), b.values("id")
    overlap = set(ids_a) & set(ids_b)
    if overlap:
        raise ValueError(f"The two sets share {len(overlap)} samples; skew needs disjoint sets")
    if fields is None:
        fields = [
            f
            for f in _DEFAULT_CATEGORICAL + _DEFAULT_NUMERIC
            if _kind(a, f) is not None and a.count(_path(f)) + b.count(_path(f)) > 0
        ]
    else:
        fields = list(fields)
        for f in fields:
            if _kind(a, f) is None:
                raise ValueError(
                    f"Field '{f}' does not exist or is not a number / string / bool field"
                )
    steps = len(fields) + (1 if embeddings else 0)
    rows = []
    auc = folds = None
    with Progress(progress, steps, "skew") as prog:
        for f in fields:
            kind = _kind(a, f)
            va, vb = a.values(_path(f)), b.values(_path(f))
            if kind == "numeric":
                fa = np.array([np.nan if v is None else v for v in va], dtype=float)
                fb = np.array([np.nan if v is None else v for v in vb], dtype=float)
                if not np.isfinite(fa).any() or not np.isfinite(fb).any():
                    prog.update(1, f"skew {f}")
                    continue
                row = numeric_distances(fa, fb, bins=bins)
            else:
                row = categorical_distances(va, vb)
            rows.append({"field": f, "kind": kind, **row})
            prog.update(1, f"skew {f}")
        rows.sort(key=lambda r: -(r["js"] if np.isfinite(r["js"]) else -1))

        if embeddings:
            Xa, Xb = _vectors(a, embeddings), _vectors(b, embeddings)
            groups = None
            if a.get_field(dds.SOURCE_ID) is not None:
                g = a.values(dds.SOURCE_ID) + b.values(dds.SOURCE_ID)
                if all(x is not None for x in g):
                    groups = g
            dom = domain_classifier_auc(Xa, Xb, groups=groups, cv=cv, seed=seed)
            auc, folds = dom["auc"], dom["folds"]
            prog.update(1, "domain classifier")

    figures = skew_figures(rows, auc, name_a, name_b) if plots else {}
    key = ddr.run_key("skew")
    slim = [{k: v for k, v in r.items() if k not in _BULKY} for r in rows]
    ddr.record_run(
        a._dataset,
        key,
        "skew",
        results={"rows": slim, "domain_auc": auc, "n_a": len(ids_a), "n_b": len(ids_b)},
        fields=fields,
        embeddings=embeddings,
        name_a=name_a,
        name_b=name_b,
        cv=int(cv),
        bins=int(bins),
    )
    return Report({
        "attributes": rows,
        "domain_auc": auc,
        "domain_folds": folds,
        "figures": figures,
        "n_a": len(ids_a),
        "n_b": len(ids_b),
        "run_key": key,
    }, title="compute_skew")


def skew_figures(rows, auc=None, name_a="A", name_b="B"):
    """Plotly figures for the rows of :func:`compute_skew`.

    Returns:
        a dict: ``summary`` (bar chart of the Jensen-Shannon distance per
        attribute, domain AUC in the title) and, per attribute, the two
        distributions side by side (grouped bars of category frequencies, or
        overlaid histograms on shared bins)
    """
    import plotly.graph_objects as go

    figs = {}
    title = "Skew per attribute (Jensen-Shannon distance, 0 = same, 1 = disjoint)"
    if auc is not None:
        title += f" - domain classifier AUC {auc:.3f}"
    figs["summary"] = go.Figure(
        go.Bar(x=[r["field"] for r in rows], y=[r["js"] for r in rows], marker_color="#7b5ea7"),
        layout=dict(title=title, yaxis=dict(range=[0, 1], title="JS distance"), height=360),
    )
    for r in rows:
        if r["kind"] == "numeric":
            centers = 0.5 * (np.asarray(r["edges"][:-1]) + np.asarray(r["edges"][1:]))
            figs[r["field"]] = go.Figure(
                [
                    go.Bar(name=name_a, x=centers, y=r["hist_a"], opacity=0.6),
                    go.Bar(name=name_b, x=centers, y=r["hist_b"], opacity=0.6),
                ],
                layout=dict(
                    barmode="overlay",
                    title=f"{r['field']}: KS {r['ks']:.3f}, JS {r['js']:.3f}",
                    height=360,
                ),
            )
            continue
        figs[r["field"]] = go.Figure(
            [
                go.Bar(name=name_a, x=r["categories"], y=r["freq_a"]),
                go.Bar(name=name_b, x=r["categories"], y=r["freq_b"]),
            ],
            layout=dict(barmode="group", title=f"{r['field']}: JS {r['js']:.3f}", height=360),
        )
    return figs

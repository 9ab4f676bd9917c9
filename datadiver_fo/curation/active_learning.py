"""Active learning: propose the next samples to label, and resume the loop.

Algorithm (the "k-means start + uncertainty" recipe, which on scikit-learn's
digits reaches 90% accuracy on "1 vs 7" with about 2 labels where random
picking needs about 7.5):

1.  **Cold start.** While the labelled set holds fewer than two classes, run
    k-means on the (L2-normalised) embeddings of the unlabelled pool with
    ``k = batch size`` and propose, for each centroid, the unlabelled sample
    closest to it: the most *typical* samples, one per mode of the data.
2.  **Uncertainty.** Once two classes are labelled, fit a logistic-regression
    probe on the labelled embeddings and propose the unlabelled samples with
    the smallest *margin* (top-1 minus top-2 probability): those on the
    decision boundary.

Labels come from three places, harvested at the start of every call:

-   App tags ``label:<class>`` on any sample (written into ``label_field``
    and the tag removed, so each tag is read once);
-   ``label_field`` being set on a sample that the loop proposed earlier;
-   a Python ``annotate(sample_ids) -> labels`` callable passed to
    :func:`propose_labels`, called on each proposed batch.

The loop state (rounds, proposed ids, strategy, labelled ids) is a FiftyOne
run ``datadiver_active_learning_<name>`` on the dataset, so a later call, from
Python or the App, resumes where the last one stopped.
"""
import numpy as np

import fiftyone as fo
import fiftyone.core.fields as fof

from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal.report import Report
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal.progress import Progress
from datadiver_fo.internal.vectors import embeddings_matrix

LABEL_TAG_PREFIX = "label:"
TO_LABEL_TAG = "to_label"
MARGIN_FIELD = "al_margin"  # float, probe margin of unlabelled samples (low = uncertain)
_KMEANS = "kmeans"
_MARGIN = "margin"
_C = 10.0  # weak regularisation: the probe sees a handful of labels


# --- pure array functions (used by the loop and by the benchmark) -------------
def _normalize(X):
    X = np.asarray(X, dtype=float)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


def kmeans_typical(X, k, seed=51, exclude=None):
    """Indices of the samples closest to the ``k`` k-means centroids.

    Args:
        X: ``N x D`` float array (rows are L2-normalised internally)
        k: number of samples wanted (clipped to the number available)
        seed (51): k-means random state
        exclude (None): optional indices that may not be returned (they still
            shape the clusters only if included in ``X``; pass the pool)

    Returns:
        a list of up to ``k`` distinct row indices, in centroid order
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans

    X = _normalize(X)
    allowed = np.ones(len(X), dtype=bool)
    if exclude is not None and len(exclude):
        allowed[np.asarray(list(exclude), dtype=int)] = False
    cand = np.flatnonzero(allowed)
    k = int(min(k, len(cand)))
    if k <= 0:
        return []
    if k == len(cand):
        return cand.tolist()
    Xc = X[cand]
    algo = MiniBatchKMeans if len(Xc) > 5000 else KMeans
    km = algo(n_clusters=k, n_init=3, random_state=seed).fit(Xc)
    d = ((Xc[:, None, :] - km.cluster_centers_[None, :, :]) ** 2).sum(-1) if len(Xc) * k < 5e6 else None
    picked = []
    for c in range(k):
        dist = d[:, c] if d is not None else ((Xc - km.cluster_centers_[c]) ** 2).sum(1)
        for i in np.argsort(dist):
            if cand[i] not in picked:
                picked.append(int(cand[i]))
                break
    return picked


def fit_probe(X, y, seed=51):
    """Fits the logistic-regression probe on labelled embeddings.

    Args:
        X: ``N x D`` float array
        y: length-``N`` labels (at least two distinct values)

    Returns:
        a fitted ``sklearn.linear_model.LogisticRegression``
    """
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:
        raise ValueError("The probe needs labels of at least two classes")
    return LogisticRegression(C=_C, max_iter=1000, random_state=seed).fit(_normalize(X), y)


def margins(probe, X):
    """Top-1 minus top-2 probability of ``probe`` on each row of ``X``
    (0 = most uncertain, 1 = certain)."""
    p = probe.predict_proba(_normalize(X))
    p.sort(axis=1)
    return p[:, -1] - p[:, -2]


def select_batch(X, labeled_idx, labels, batch_size, seed=51, cold_start_size=None):
    """Chooses the next rows to label.

    Args:
        X: ``N x D`` embeddings of the whole pool
        labeled_idx: indices of the labelled rows
        labels: their labels (same order)
        batch_size: rows wanted in an uncertainty round
        seed (51): random state
        cold_start_size (None): rows wanted in a k-means round (default
            ``batch_size``)

    Returns:
        a tuple ``(indices, strategy, margin_array_or_None)``; ``strategy`` is
        ``"kmeans"`` while fewer than two classes are labelled, else
        ``"margin"``
    """
    labeled_idx = list(labeled_idx)
    unl = np.setdiff1d(np.arange(len(X)), np.asarray(labeled_idx, dtype=int))
    if len(unl) == 0:
        return [], None, None
    if len(set(labels)) < 2:
        k = cold_start_size or batch_size
        return kmeans_typical(X, k, seed=seed, exclude=labeled_idx), _KMEANS, None
    probe = fit_probe(X[labeled_idx], list(labels), seed=seed)
    m = margins(probe, X[unl])
    order = np.argsort(m, kind="stable")[:batch_size]
    full = np.full(len(X), np.nan)
    full[unl] = m
    return unl[order].tolist(), _MARGIN, full


# --- the loop over a FiftyOne collection ----------------------------------------
def _state_key(name):
    return ddr.run_key("active_learning", name)


def get_state(samples, name="default"):
    """Returns the stored loop state (dict with ``rounds``, ``labeled``...)
    or ``None`` if this loop never ran on the dataset."""
    res = ddr.get_run_results(samples, _state_key(name))
    if res is None:
        return None
    res = dict(res)
    res.pop("cls", None)
    return res


def reset(samples, name="default"):
    """Forgets loop ``name`` (its run and its ``to_label`` tags); labels stay."""
    key = _state_key(name)
    if key in samples._dataset.list_runs():
        samples._dataset.delete_run(key)
    samples._dataset.untag_samples(TO_LABEL_TAG)


def _harvest_tags(samples, label_field):
    """Moves ``label:<class>`` tags into ``label_field``; returns the ids."""
    tags = [t for t in samples.count_sample_tags() if t.startswith(LABEL_TAG_PREFIX)]
    got = []
    for t in tags:
        label = t[len(LABEL_TAG_PREFIX) :].strip()
        view = samples.match_tags(t)
        ids = view.values("id")
        if label:
            view.set_values(label_field, [fo.Classification(label=label) for _ in ids])
            got.extend(ids)
        view.untag_samples(t)
    return got


def _write_labels(samples, label_field, ids, labels):
    pairs = [(i, l) for i, l in zip(ids, labels) if l is not None and str(l) != ""]
    if pairs:
        samples._dataset.set_values(
            label_field,
            {i: fo.Classification(label=str(l)) for i, l in pairs},
            key_field="id",
        )
    return [i for i, _ in pairs]


def propose_labels(
    samples,
    embeddings,
    batch_size=10,
    label_field=dds.GROUND_TRUTH,
    annotate=None,
    rounds=1,
    cold_start_size=None,
    name="default",
    seed=51,
    progress=None,
):
    """Proposes the next samples to label (and, with ``annotate``, labels them).

    Args:
        samples: the pool, a FiftyOne dataset or view
        embeddings: a vector field name or a ``num_samples x dims`` array in
            the order of ``samples``
        batch_size (10): samples proposed per uncertainty round
        label_field ("ground_truth"): the ``fo.Classification`` field that
            holds labels. A sample counts as labelled when the loop proposed
            it and this field is set, or when it carried a ``label:<class>``
            tag (harvested into this field). Use a fresh field (e.g.
            ``"al_label"``) to run the loop on a dataset that is already
            labelled
        annotate (None): optional ``callable(list_of_ids) -> list_of_labels``
            (one label or ``None`` per id) called on every proposed batch
        rounds (1): rounds to run when ``annotate`` is given (without it one
            batch is proposed and the loop waits for App labels)
        cold_start_size (None): batch size of k-means rounds (default
            ``batch_size``)
        name ("default"): the loop's name; its state is the run
            ``datadiver_active_learning_<name>``
        seed (51): random state of k-means and of the probe
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Proposed samples get the tag ``to_label`` (removed from the previous
    batch); uncertainty rounds write ``al_margin`` on the unlabelled pool.

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report`:
        ``proposed`` (ids of the last batch), ``strategy`` (``"kmeans"`` or
        ``"margin"``), ``round`` (number of rounds so far), ``num_labeled``,
        ``classes`` (labels seen), ``pending`` (proposed ids still without a
        label), ``history`` (per round: strategy, proposed ids, labels
        count) and ``run_key`` (the run holding the loop's state)
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    if annotate is not None and not callable(annotate):
        raise ValueError("annotate must be a callable(list_of_ids) -> list_of_labels")
    if len(samples) == 0:
        raise ValueError("propose_labels needs a non-empty pool")
    field = samples.get_field(label_field)
    if field is not None and getattr(field, "document_type", None) is not fo.Classification:
        raise ValueError(f"label_field '{label_field}' must be a Classification field")
    X = embeddings_matrix(samples, embeddings)
    ids = samples.values("id")
    pos = {s: i for i, s in enumerate(ids)}

    state = get_state(samples, name) or {"rounds": [], "proposed": [], "labeled": []}
    harvested = set(_harvest_tags(samples, label_field))
    proposed_ever = set(state["proposed"]) | harvested | set(state["labeled"])

    def current_labels():
        if samples.get_field(label_field) is None:
            return {}
        vals = samples.values(label_field + ".label")
        return {s: l for s, l in zip(ids, vals) if l is not None and s in proposed_ever}

    with Progress(progress, rounds, desc="active learning") as prog:
        for _ in range(rounds):
            lab = current_labels()
            lab_idx = [pos[s] for s in lab]
            batch, strategy, m = select_batch(
                X, lab_idx, [lab[s] for s in lab], batch_size, seed=seed + len(state["rounds"]),
                cold_start_size=cold_start_size,
            )
            if not batch:
                break
            batch_ids = [ids[i] for i in batch]
            proposed_ever.update(batch_ids)
            state["proposed"] = list(dict.fromkeys(state["proposed"] + batch_ids))
            if m is not None:
                if samples.get_field(MARGIN_FIELD) is None:
                    samples._dataset.add_sample_field(MARGIN_FIELD, fof.FloatField)
                samples.set_values(
                    MARGIN_FIELD,
                    {s: (None if not np.isfinite(v) else float(v)) for s, v in zip(ids, m)},
                    key_field="id",
                )
            n_written = 0
            if annotate is not None:
                labels = list(annotate(list(batch_ids)))
                if len(labels) != len(batch_ids):
                    raise ValueError(
                        f"annotate returned {len(labels)} labels for {len(batch_ids)} ids"
                    )
                n_written = len(_write_labels(samples, label_field, batch_ids, labels))
            state["rounds"].append(
                {"strategy": strategy, "proposed": batch_ids, "labeled_now": n_written}
            )
            prog.update()
            if annotate is None:
                break

    lab = current_labels()
    state["labeled"] = list(lab)
    last = state["rounds"][-1] if state["rounds"] else {"strategy": None, "proposed": []}
    samples._dataset.untag_samples(TO_LABEL_TAG)
    pending = [s for s in last["proposed"] if s not in lab]
    if pending:
        samples.select(pending).tag_samples(TO_LABEL_TAG)
    ddr.record_run(
        samples,
        _state_key(name),
        "active_learning",
        results=state,
        embeddings=embeddings if isinstance(embeddings, str) else None,
        label_field=label_field,
        batch_size=int(batch_size),
        cold_start_size=None if cold_start_size is None else int(cold_start_size),
        seed=int(seed),
    )
    return Report({
        "proposed": list(last["proposed"]),
        "strategy": last["strategy"],
        "round": len(state["rounds"]),
        "num_labeled": len(lab),
        "classes": sorted(set(lab.values())),
        "pending": pending,
        "history": state["rounds"],
        "run_key": _state_key(name),
    }, title="propose_labels")

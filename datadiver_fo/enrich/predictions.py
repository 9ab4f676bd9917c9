"""Out-of-sample class probabilities from a grouped, cross-validated ensemble
of probe classifiers trained on embedding fields.

Algorithm
---------
Every member of the ensemble is an (embedding field, classifier family) pair,
or a timm ImageNet-1k classifier applied to the images. Probe members are fit
with K-fold cross-validation whose folds are built from *groups*
(``source_id``: all corruptions and severities of one source picture form one
group), so no variant of a picture is ever on both sides of a fold: the
probability a sample receives comes from a model that saw neither it nor any
of its variants. Folds are stratified by the group's label so every class is
spread over the folds.

Samples without a label are never trained on. If their group has labelled
members, the fold model that held that group out predicts them; otherwise a
model fit on all labelled samples does.

The ensemble probability is the mean of the members' probabilities. It is
written as a ``fo.Classification`` (label, confidence, logits = log of the
averaged probabilities) and each member's own prediction (label and
confidence; logits only with ``member_logits=True``) is written to
``<pred_field>_<member>``, all in one bulk update. All probability matrices are also kept in the run
results (compressed arrays), which :func:`load_probabilities` reads back for
the OoD and label-issue steps.
"""
import logging
import os
import re
import time

import numpy as np

import eta.core.serial as etas

from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal.report import Report
from datadiver_fo.internal import store
from datadiver_fo.internal.progress import Progress
from datadiver_fo.internal.vectors import group_codes, l2_normalize, read_embeddings

logger = logging.getLogger(__name__)

_CLASSIFIERS = ("logreg", "knn", "mlp")
_METHOD = "predictions"
_EPS = 1e-6


# --------------------------------------------------------------------------- #
# members
# --------------------------------------------------------------------------- #


class Member(object):
    """One ensemble member.

    Args:
        name: identifier used in field names (``<pred_field>_<name>``)
        embeddings (None): embedding field name (probe members)
        classifier ("logreg"): ``"logreg"``, ``"knn"``, ``"mlp"`` or ``"timm"``
        model (None): for ``"timm"``: a timm model name or ``torch.nn.Module``
        checkpoint (None): for ``"timm"`` with a model name: a state-dict file
        params (None): classifier parameters (``steps``, ``lr``, ``k``, ...)
    """

    def __init__(self, name, embeddings=None, classifier="logreg", model=None,
                 checkpoint=None, params=None):
        self.name = name
        self.embeddings = embeddings
        self.classifier = classifier
        self.model = model
        self.checkpoint = checkpoint
        self.params = dict(params or {})

    def to_dict(self):
        model = self.model
        if model is not None and not isinstance(model, str):
            model = type(model).__name__
        return {
            "name": self.name,
            "embeddings": self.embeddings,
            "classifier": self.classifier,
            "model": model,
            "checkpoint": self.checkpoint,
            "params": self.params,
        }

    def __repr__(self):
        return "Member(%s)" % self.to_dict()


def _slug(s):
    return re.sub(r"[^0-9a-zA-Z_]", "_", str(s)).strip("_").lower()


def parse_members(samples, embeddings=None, members=None):
    """Normalises the ``embeddings`` / ``members`` arguments of
    :func:`compute_predictions` into a list of :class:`Member`.

    Args:
        samples: a FiftyOne dataset or view
        embeddings (None): an embedding field name or a list of them; each
            gets a ``"logreg"`` member (and a ``"knn"`` member when only one
            field is given, so the ensemble is never a single model)
        members (None): a list whose items are a field name (logreg on it), a
            tuple ``(field, classifier)``, a dict ``{"embeddings": field,
            "classifier": "logreg"|"knn"|"mlp", "name": ..., "params": {...}}``
            or a dict ``{"timm": model_name_or_module, "checkpoint": path,
            "name": ...}``. ``{"timm": "auto"}`` (or the string
            ``"timm:auto"``) is the best timm ImageNet-1k classifier whose
            weights are in the local cache
            (:func:`datadiver_fo.enrich.models.resolve_auto_classifier`);
            the member's ``model`` names it and its ``params`` record
            ``auto``, ``weights`` (the file) and ``model_reason``. A timm name
            without ``checkpoint`` loads that model's cached weights. Nothing
            is downloaded

    Returns:
        a list of :class:`Member`

    Raises:
        ValueError: an unknown classifier, a missing field, no member at all,
            two members with the same name, or a ``"timm": "auto"`` member
            when no timm ImageNet-1k weights are cached
    """
    specs = []
    if embeddings is not None:
        fields = [embeddings] if isinstance(embeddings, str) else list(embeddings)
        specs.extend({"embeddings": f, "classifier": "logreg"} for f in fields)
        if len(fields) == 1 and members is None:
            specs.append({"embeddings": fields[0], "classifier": "knn"})
    for m in members or []:
        if isinstance(m, Member):
            specs.append(m)
        elif m == "timm:auto":
            specs.append({"timm": "auto"})
        elif isinstance(m, str):
            specs.append({"embeddings": m, "classifier": "logreg"})
        elif isinstance(m, (tuple, list)) and len(m) == 2:
            specs.append({"embeddings": m[0], "classifier": m[1]})
        elif isinstance(m, dict):
            specs.append(dict(m))
        else:
            raise ValueError("Cannot read ensemble member %r" % (m,))
    if not specs:
        raise ValueError(
            "No ensemble member: pass `embeddings` (embedding field names) "
            "or `members`"
        )

    out = []
    for s in specs:
        if isinstance(s, Member):
            out.append(s)
            continue
        if "timm" in s or s.get("classifier") == "timm":
            model = s.get("timm", s.get("model"))
            if model is None:
                raise ValueError("timm member %r names no model" % (s,))
            params = dict(s.get("params") or {})
            if model == "auto":
                model, params = _resolve_auto_member(s, params)
            mname = model if isinstance(model, str) else type(model).__name__
            out.append(Member(
                s.get("name") or "timm_" + _slug(mname),
                classifier="timm", model=model,
                checkpoint=s.get("checkpoint"), params=params,
            ))
            continue
        field = s.get("embeddings")
        clf = s.get("classifier", "logreg")
        if clf not in _CLASSIFIERS:
            raise ValueError(
                "Unknown classifier %r; expected one of %s or 'timm'"
                % (clf, ", ".join(_CLASSIFIERS))
            )
        if not field or samples.get_field(field) is None:
            raise ValueError(
                "Embedding field %r does not exist on dataset '%s'"
                % (field, samples._dataset.name)
            )
        out.append(Member(
            s.get("name") or "%s_%s" % (clf, _slug(field)),
            embeddings=field, classifier=clf, params=s.get("params"),
        ))
    names = [m.name for m in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError("Duplicate ensemble member names: %s" % dupes)
    return out


def _resolve_auto_member(spec, params):
    """``{"timm": "auto"}`` -> (timm name, params recording the choice): the
    classifier :func:`datadiver_fo.enrich.models.resolve_auto_classifier`
    finds in the local cache. Never downloads; no cached weights is an error
    (a member with random weights would be noise in the ensemble)."""
    from datadiver_fo.enrich import models as ddm

    if spec.get("checkpoint"):
        raise ValueError(
            "timm member 'auto' takes no checkpoint: name the architecture instead, "
            "e.g. {'timm': 'resnet18', 'checkpoint': %r}" % (spec["checkpoint"],)
        )
    name, path, reason = ddm.resolve_auto_classifier()
    if name is None:
        raise ValueError(
            "timm member 'auto': %s. Put one of them in the Hugging Face cache, pass "
            "{'timm': '<name>', 'checkpoint': '/path/to/weights.pth'}, or leave the member out"
            % reason
        )
    logger.info("timm member 'auto' -> %s: %s", name, reason)
    params = dict(params, auto=True, weights=path, model_reason=reason)
    return name, params


# --------------------------------------------------------------------------- #
# folds
# --------------------------------------------------------------------------- #


def grouped_folds(labels, groups, num_folds=5, seed=51):
    """Assigns samples to cross-validation folds by group, stratified by class.

    All samples sharing a group key land in the same fold. Each group takes
    the label of its first labelled sample; the groups of each class are
    shuffled and dealt round-robin over the folds (starting at a random fold
    per class), so every class is spread over the folds.

    Args:
        labels: int array of length N with class indices, ``-1`` = unlabelled
        groups: array-like of length N of hashable group keys (``None`` means
            the sample is its own group)
        num_folds (5): number of folds (>= 2)
        seed (51): random seed

    Returns:
        an int array of length N: the fold of each sample, ``-1`` for samples
        whose group holds no labelled sample

    Raises:
        ValueError: fewer than ``num_folds`` labelled groups, or
            ``num_folds < 2``
    """
    labels = np.asarray(labels)
    n = len(labels)
    if num_folds < 2:
        raise ValueError("num_folds must be >= 2, got %r" % num_folds)
    codes = group_codes(groups, n)
    rng = np.random.default_rng(seed)
    lab = labels >= 0
    # label of each group = label of its first labelled sample
    first = {}
    idx = np.flatnonzero(lab)
    g_lab = codes[idx]
    _, first_pos = np.unique(g_lab, return_index=True)
    group_ids = g_lab[first_pos]
    group_cls = labels[idx[first_pos]]
    if len(group_ids) < num_folds:
        raise ValueError(
            "Need at least num_folds=%d groups with labels, found %d"
            % (num_folds, len(group_ids))
        )
    group_fold = np.full(codes.max() + 1 if n else 0, -1, dtype=np.int64)
    for c in np.unique(group_cls):
        gs = group_ids[group_cls == c]
        gs = gs[rng.permutation(len(gs))]
        start = rng.integers(num_folds)
        group_fold[gs] = (start + np.arange(len(gs))) % num_folds
    del first
    return group_fold[codes]


# --------------------------------------------------------------------------- #
# probes
# --------------------------------------------------------------------------- #


class torch_threads(object):
    """Runs torch with one thread when the work per step is small: on a busy
    machine two threads spinning on tiny matrices cost 100x the compute."""

    def __init__(self, work):
        self.work = work

    def __enter__(self):
        import torch

        self.prev = torch.get_num_threads()
        if self.work < 5e7:
            torch.set_num_threads(1)
        return self

    def __exit__(self, *args):
        import torch

        torch.set_num_threads(self.prev)
        return False


def _chunk_rows(d):
    """Rows gathered at once: about 16 MB of float64 temporaries whatever the width."""
    return max(256, (16 << 20) // (8 * max(d, 1)))


def _column_stats(X, rows):
    """Mean and standard deviation of the columns of ``X[rows]`` (float32),
    accumulated in float64 a chunk of rows at a time (two passes), so a
    fold's rows are never copied whole."""
    d = X.shape[1]
    step = _chunk_rows(d)
    total = np.zeros(d, np.float64)
    for s in range(0, len(rows), step):
        total += X[rows[s:s + step]].sum(0, dtype=np.float64)
    mu = total / max(len(rows), 1)
    sq = np.zeros(d, np.float64)
    for s in range(0, len(rows), step):
        dev = X[rows[s:s + step]] - mu
        sq += np.einsum("ij,ij->j", dev, dev)
    return mu.astype(np.float32), np.sqrt(sq / max(len(rows), 1)).astype(np.float32)


def _fit_predict_torch(X, tr, ytr, te_list, K, hidden=0, steps=150,
                       batch_size=1024, lr=0.02, weight_decay=0.5, seed=51):
    """Softmax regression (hidden=0) or a one-hidden-layer MLP trained with
    AdamW on standardised features; returns probabilities for each test set.

    ``X`` is every sample's embedding; ``tr`` and each of ``te_list`` are
    row indices into it. Rows are gathered and standardised per minibatch
    (``steps x batch_size`` rows are ever seen) and per chunk of a test set,
    so memory is ``X`` plus a chunk, not a standardised copy of each fold
    (at 950k x 850-d a fold's copies peaked at about 11 GB)."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    mu, sd = _column_stats(X, tr)
    sd = sd + 1e-6
    sd = np.maximum(sd, sd.mean() * 1e-2).astype(np.float32)

    def standardised(rows):
        return torch.from_numpy((X[rows] - mu) / sd)

    yt = torch.from_numpy(ytr.astype(np.int64))
    d = X.shape[1]
    if hidden:
        model = torch.nn.Sequential(
            torch.nn.Linear(d, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, K)
        )
    else:
        model = torch.nn.Linear(d, K)
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay,
                            foreach=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    n = len(tr)
    bs = min(batch_size, n)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g)
    pos = 0
    whole = standardised(tr) if bs == n else None
    for _ in range(steps):
        if bs == n:
            xb, yb = whole, yt
        else:
            if pos + bs > n:
                perm = torch.randperm(n, generator=g)
                pos = 0
            b = perm[pos:pos + bs]
            pos += bs
            xb, yb = standardised(tr[b.numpy()]), yt[b]
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    outs = []
    step = _chunk_rows(d)
    with torch.no_grad():
        for te in te_list:
            P = np.zeros((len(te), K), np.float32)
            for s in range(0, len(te), step):
                P[s:s + step] = torch.softmax(model(standardised(te[s:s + step])), dim=1).numpy()
            outs.append(P)
    return outs


def _fit_predict_knn(Xtr, ytr, Xte_list, K, k=10, temperature=0.05, smoothing=0.02,
                     **_):
    """Cosine kNN classifier: neighbour votes weighted by exp(sim / T)."""
    import torch

    R = torch.from_numpy(l2_normalize(Xtr).astype(np.float32))
    y = torch.from_numpy(ytr.astype(np.int64))
    kk = min(k, len(R))
    outs = []
    for Xte in Xte_list:
        P = np.zeros((len(Xte), K), np.float32)
        Q = l2_normalize(Xte).astype(np.float32)
        for s in range(0, len(Q), 2048):
            sims = torch.from_numpy(Q[s:s + 2048]) @ R.T
            v, i = torch.topk(sims, kk, dim=1)
            w = torch.exp((v - v[:, :1]) / temperature)
            votes = torch.zeros(len(v), K)
            votes.scatter_add_(1, y[i], w)
            P[s:s + 2048] = (votes / votes.sum(1, keepdim=True)).numpy()
        outs.append((1 - smoothing) * P + smoothing / K)
    return outs


def _fit_predict(member, X, tr, ytr, te_list, K, seed):
    """Fits ``member`` on rows ``tr`` of ``X`` (labels ``ytr``) and returns
    the probabilities of each row index array of ``te_list``."""
    # Probe training is hundreds of small steps: with two threads each step
    # waits on an OpenMP barrier, and on a busy 2-core machine a descheduled
    # thread makes a 10 ms step cost 100 ms (measured). One thread is always
    # at least as fast here; the kNN member's big matrix products decide.
    work = 0 if member.classifier != "knn" else len(tr) * X.shape[1] * 2048
    with torch_threads(work):
        return _fit_predict_inner(member, X, tr, ytr, te_list, K, seed)


def _fit_predict_inner(member, X, tr, ytr, te_list, K, seed):
    p = dict(member.params)
    if member.classifier == "knn":  # its reference set is the training rows themselves
        return _fit_predict_knn(X[tr], ytr, [X[te] for te in te_list], K, **p)
    if member.classifier == "mlp":
        p.setdefault("hidden", 256)
        p.setdefault("lr", 0.005)
        p.setdefault("weight_decay", 1.0)
    else:
        p.setdefault("hidden", 0)
    return _fit_predict_torch(X, tr, ytr, te_list, K, seed=seed, **p)


# --------------------------------------------------------------------------- #
# timm members
# --------------------------------------------------------------------------- #


def imagenet_wnids():
    """Returns the 1000 ImageNet-1k wnids in class-index order, from timm's
    bundled ``imagenet_synsets.txt``."""
    import timm.data

    path = os.path.join(
        os.path.dirname(timm.data.__file__), "_info", "imagenet_synsets.txt"
    )
    with open(path) as f:
        return [l.strip() for l in f if l.strip()]


def class_wnids(samples, classes):
    """Maps class names to wnids using ``dataset.info["wnid_to_name"]`` or the
    per-sample ``wnid`` field; returns a list aligned with ``classes``
    (``None`` where unknown)."""
    name_to_wnid = {}
    w2n = (samples._dataset.info or {}).get("wnid_to_name") or {}
    for w, nme in w2n.items():
        name_to_wnid.setdefault(nme, w)
    if len(name_to_wnid) < len(classes) and samples.get_field(dds.WNID) is not None:
        for lab, w in zip(
            samples.values("%s.label" % dds.GROUND_TRUTH), samples.values(dds.WNID)
        ):
            if lab is not None and w:
                name_to_wnid.setdefault(lab, w)
    out = []
    for c in classes:
        if re.fullmatch(r"n\d{8}", str(c)):
            out.append(c)
        else:
            out.append(name_to_wnid.get(c))
    return out


def _load_timm(member):
    import timm
    import torch

    model = member.model
    if isinstance(model, str):
        if member.checkpoint:
            model = timm.create_model(model, pretrained=False, num_classes=1000)
            state = torch.load(member.checkpoint, map_location="cpu")
            model.load_state_dict(state.get("state_dict", state) if isinstance(state, dict) else state)
        else:
            # pretrained weights from the local cache only: never a download,
            # and never random weights standing in for missing ones
            from datadiver_fo.enrich import models as ddm

            path = member.params.get("weights") or ddm.cached_timm_weights(model)
            if not path:
                raise ValueError(
                    "timm member %r: no pretrained weights for %r in the local caches "
                    "(Hugging Face hub, torch hub); pass 'checkpoint': a state-dict file"
                    % (member.name, model)
                )
            model = timm.create_model(model, pretrained=True, num_classes=1000,
                                      pretrained_cfg_overlay={"file": path})
    model.eval()
    return model


def _predict_timm(member, samples, classes, progress=None):
    """Runs a timm ImageNet-1k classifier over the images and keeps the
    outputs of the dataset's classes (softmax renormalised over them);
    ``progress`` as in :mod:`datadiver_fo.internal.progress`."""
    import torch
    import timm.data
    from PIL import Image

    wn = class_wnids(samples, classes)
    index = {w: i for i, w in enumerate(imagenet_wnids())}
    cols = [index.get(w) if w else None for w in wn]
    mapped = [i for i, c in enumerate(cols) if c is not None]
    if not mapped:
        raise ValueError(
            "timm member %r: none of the %d classes maps to an ImageNet-1k wnid"
            % (member.name, len(classes))
        )
    model = _load_timm(member)
    cfg = timm.data.resolve_data_config({}, model=model)
    size = member.params.get("image_size")
    if size:
        cfg["input_size"] = (3, int(size), int(size))
        cfg["crop_pct"] = 1.0
    tf = timm.data.create_transform(**cfg)
    paths = samples.values("filepath")
    bs = int(member.params.get("batch_size", 64))
    src = np.array([cols[i] for i in mapped])
    P = np.zeros((len(paths), len(classes)), np.float32)
    with torch.no_grad(), Progress(progress, len(paths), "timm " + member.name) as prog:
        for s in range(0, len(paths), bs):
            x = torch.stack([tf(Image.open(p).convert("RGB")) for p in paths[s:s + bs]])
            logits = model(x)[:, src]
            P[s:s + bs, mapped] = torch.softmax(logits, dim=1).numpy()
            prog.update(len(x))
    return (1 - 1e-3) * P + 1e-3 / len(classes), len(mapped)


# --------------------------------------------------------------------------- #
# storage
# --------------------------------------------------------------------------- #


def _encode(arr):
    """Same format as ``eta.core.serial.serialize_numpy_array`` (base64 of a
    zlib-compressed ``.npy``), compressed at level 1: the default level takes
    ~4x longer on 100k x 200 probabilities for a few % smaller output."""
    import io
    import zlib
    from base64 import b64encode

    with io.BytesIO() as f:
        np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
        return b64encode(zlib.compress(f.getvalue(), 1)).decode("ascii")


def _decode(s):
    return etas.deserialize_numpy_array(s)


def predictions_run_key(pred_field):
    """Run key under which :func:`compute_predictions` records ``pred_field``."""
    return ddr.run_key(_METHOD, pred_field)


def load_probabilities(samples, pred_field=dds.PREDICTIONS, key=None):
    """Loads the stored out-of-sample probabilities for ``samples``.

    Args:
        samples: a FiftyOne dataset or view (every sample must have been
            predicted by the run)
        pred_field ("predictions"): the prediction field of the run
        key (None): the run key; defaults to ``predictions_run_key(pred_field)``

    Returns:
        a dict with ``probs`` (N x K float32, rows aligned with
        ``samples.values("id")``), ``member_probs`` (M x N x K float32),
        ``members`` (names), ``classes`` (K names), ``ids`` (N sample ids),
        ``key``

    Raises:
        ValueError: no such run, or samples the run did not predict
    """
    key = key or predictions_run_key(pred_field)
    res = ddr.get_run_results(samples, key)
    if res is None:
        raise ValueError(
            "No predictions run '%s' on dataset '%s': run compute_predictions "
            "first" % (key, samples._dataset.name)
        )
    run_ids = res["sample_ids"]
    pos = {sid: i for i, sid in enumerate(run_ids)}
    ids = samples.values("id")
    missing = [sid for sid in ids if sid not in pos]
    if missing:
        raise ValueError(
            "%d samples were not predicted by run '%s' (e.g. %s): re-run "
            "compute_predictions on this view" % (len(missing), key, missing[0])
        )
    rows = np.array([pos[sid] for sid in ids], dtype=np.int64)
    if len(rows) == len(run_ids) and (rows == np.arange(len(rows))).all():
        rows = slice(None)  # the whole run in its order: no gather copy
    probs = _decode(res["probs"]).astype(np.float32, copy=False)[rows]
    mp = np.stack([_decode(s).astype(np.float32)[rows] for s in res["member_probs"]])
    return {
        "probs": probs,
        "member_probs": mp,
        "members": list(res["members"]),
        "classes": list(res["classes"]),
        "ids": ids,
        "key": key,
    }


# --------------------------------------------------------------------------- #
# main entry point
# --------------------------------------------------------------------------- #


class PredictionsReport(Report):
    """What :func:`compute_predictions` did: a read-only
    :class:`datadiver_fo.internal.report.Report`; its keys are listed under
    "Returns" of :func:`compute_predictions`."""


def compute_predictions(
    samples,
    embeddings=None,
    members=None,
    label_field=dds.GROUND_TRUTH,
    pred_field=dds.PREDICTIONS,
    num_folds=5,
    group_field=dds.SOURCE_ID,
    seed=51,
    classes=None,
    member_fields=True,
    logits=True,
    member_logits=False,
    progress=None,
):
    """Computes out-of-sample class probabilities with a grouped,
    cross-validated ensemble of probes, and writes them to the samples.

    Args:
        samples: a FiftyOne dataset or view
        embeddings (None): an embedding field name or list of names (vector
            fields, e.g. written by ``compute_embeddings``); each gets a
            logistic-regression probe, plus a kNN probe if it is the only one
        members (None): explicit ensemble, see :func:`parse_members`;
            classifier families ``"logreg"``, ``"knn"``, ``"mlp"``, or a timm
            ImageNet-1k classifier ``{"timm": name_or_module, "checkpoint":
            path, "params": {"image_size": 64}}`` whose 1000 outputs are
            mapped onto the dataset's wnids (timm members are not trained);
            ``{"timm": "auto"}`` picks a cached one (recorded in the run)
        label_field ("ground_truth"): a ``fo.Classification`` field; samples
            whose label is missing (or not in ``classes``) are predicted but
            never trained on
        pred_field ("predictions"): the ``fo.Classification`` field to write
            (label, confidence, logits = log of the ensemble probabilities)
        num_folds (5): number of cross-validation folds (>= 2)
        group_field ("source_id"): samples sharing this value are kept in the
            same fold; if the field does not exist each sample is its own group
        seed (51): random seed (folds and probe initialisation)
        classes (None): class names (the probability columns); by default the
            labels present, ordered like ``dataset.default_classes``
        member_fields (True): also write each member's prediction to
            ``<pred_field>_<member>``
        logits (True): store ``logits`` (log probabilities, K floats) on
            ``pred_field`` (needed by FiftyOne Brain's hardness)
        member_logits (False): also store them on the member fields (K
            floats per sample and member: costly on large collections; the
            member probabilities are kept in the run results anyway)
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        a :class:`PredictionsReport`: ``run_key``, ``pred_field``, ``classes``,
        ``members`` (member dicts), ``member_fields``, ``num_samples``,
        ``num_labelled``, ``num_unlabelled``, ``num_unknown_labels``,
        ``small_classes`` (classes with fewer than ``num_folds`` samples),
        ``member_accuracy`` (out-of-sample accuracy per member on labelled
        samples), ``accuracy`` (ensemble), ``grouped`` (whether folds
        kept groups together), ``seconds``

    Raises:
        ValueError: unknown fields, no labelled samples, fewer labelled groups
            than folds, missing embeddings
    """
    t0 = time.time()
    if samples.get_field(label_field) is None:
        raise ValueError("Label field %r does not exist on dataset '%s'"
                         % (label_field, samples._dataset.name))
    mlist = parse_members(samples, embeddings=embeddings, members=members)
    ids = samples.values("id")
    n = len(ids)
    if n == 0:
        raise ValueError("The collection is empty")
    raw = samples.values("%s.label" % label_field)
    present = {l for l in raw if l is not None}
    if classes is None:
        default = list(samples._dataset.default_classes or [])
        classes = [c for c in default if c in present]
        classes += sorted(present - set(classes))
    classes = list(classes)
    if len(classes) < 2:
        raise ValueError("Need at least 2 classes with labelled samples in %r, "
                         "found %d" % (label_field, len(classes)))
    cidx = {c: i for i, c in enumerate(classes)}
    labels = np.array([cidx.get(l, -1) if l is not None else -1 for l in raw])
    num_missing = sum(l is None for l in raw)
    num_unknown = int(sum(l is not None and l not in cidx for l in raw))
    lab = labels >= 0
    if not lab.any():
        raise ValueError("No sample has a label in %r" % label_field)
    K = len(classes)

    groups = None
    if group_field and samples.get_field(group_field) is not None:
        groups = samples.values(group_field)
    folds = grouped_folds(labels, groups, num_folds=num_folds, seed=seed)
    counts = np.bincount(labels[lab], minlength=K)
    small = [classes[i] for i in np.flatnonzero(counts < num_folds)]

    probe_members = [m for m in mlist if m.classifier != "timm"]
    steps_total = len(probe_members) * (num_folds + 1) + 2
    timm_members = [m for m in mlist if m.classifier == "timm"]
    steps_total += len(timm_members) * max(n // 64, 1)
    member_probs = []
    with Progress(progress, steps_total, "predictions") as prog:
        emb_cache = {}
        for m in mlist:
            if m.classifier == "timm":
                P, nmapped = _predict_timm(
                    m, samples, classes,
                    progress=prog.span(max(n // 64, 1)),
                )
                m.params["mapped_classes"] = nmapped
                member_probs.append(P)
                continue
            if m.embeddings not in emb_cache:
                emb_cache[m.embeddings] = _read_embeddings(samples, m.embeddings)
            X = emb_cache[m.embeddings]
            P = np.zeros((n, K), np.float32)
            for f in range(num_folds):
                tr = np.flatnonzero(lab & (folds != f))
                te = np.flatnonzero(folds == f)
                if not len(te):
                    prog.update(1)
                    continue
                (P[te],) = _fit_predict(m, X, tr, labels[tr], [te], K, seed + f)
                prog.update(1, "%s fold %d/%d" % (m.name, f + 1, num_folds))
            rest = np.flatnonzero(folds < 0)
            if len(rest):
                tr = np.flatnonzero(lab)
                (P[rest],) = _fit_predict(m, X, tr, labels[tr], [rest], K, seed)
            prog.update(1)
            member_probs.append(P)
        emb_cache.clear()
        X = None  # noqa: F841 - the embeddings (3.2 GB at 950k x 850-d) are freed before the writes

        MP = np.stack(member_probs).astype(np.float32, copy=False)
        member_probs.clear()  # MP holds them: no second copy
        probs = MP.mean(0)
        probs /= probs.sum(1, keepdims=True)
        # one bulk update writes the ensemble and every member field
        out = {pred_field: store.classification_values(probs, classes, logits, eps=_EPS)}
        mfields = []
        if member_fields:
            for m, P in zip(mlist, MP):
                fname = "%s_%s" % (pred_field, m.name)
                out[fname] = store.classification_values(P, classes, member_logits, eps=_EPS)
                mfields.append(fname)
        store.write_fields(samples, ids, out, types={f: "classification" for f in out})
        del out
        prog.update(1, "writing")

        key = predictions_run_key(pred_field)
        acc = {}
        for m, P in zip(mlist, MP):
            acc[m.name] = float((P[lab].argmax(1) == labels[lab]).mean())
        ens_acc = float((probs[lab].argmax(1) == labels[lab]).mean())
        ddr.record_run(
            samples, key, _METHOD,
            results={
                "sample_ids": ids,
                "classes": classes,
                "members": [m.name for m in mlist],
                "probs": _encode(probs),
                "member_probs": [_encode(P.astype(np.float16)) for P in MP],
            },
            label_field=label_field,
            pred_field=pred_field,
            members=[m.to_dict() for m in mlist],
            member_fields=mfields,
            num_folds=num_folds,
            group_field=group_field if groups is not None else None,
            seed=seed,
            classes=classes,
            logits=bool(logits),
            member_logits=bool(member_logits and member_fields),
        )
        prog.update(1, "done")

    return PredictionsReport(
        run_key=key,
        pred_field=pred_field,
        classes=classes,
        members=[m.to_dict() for m in mlist],
        member_fields=mfields,
        num_samples=n,
        num_labelled=int(lab.sum()),
        num_unlabelled=int(num_missing),
        num_unknown_labels=num_unknown,
        small_classes=small,
        grouped=groups is not None,
        member_accuracy=acc,
        accuracy=ens_acc,
        seconds=time.time() - t0,
    )


def _read_embeddings(samples, field):
    """Reads a vector field of every sample of ``samples`` as an N x D float32
    array; a sample without a vector, vectors of different lengths, or NaN /
    inf raise a ValueError."""
    return read_embeddings(samples, field, dtype=np.float32, missing="raise", finite=True)[1]


def _write_predictions(samples, field, P, classes, ids=None, logits=True):
    if ids is None:
        ids = samples.values("id")
    store.write_fields(samples, ids, {field: store.classification_values(P, classes, logits, eps=_EPS)},
                 types={field: "classification"})

"""Label issues from out-of-sample probabilities (a margin rule, or
cleanlab >= 2.8's confident learning), per sample and per source picture,
plus FiftyOne Brain's mistakenness and hardness.

Algorithm
---------
By default a label is flagged when another class is more probable than the
given one by more than ``min_margin`` (0.4, chosen on tuning seeds in
``benchmarks/bench_label_issues.py`` and checked on held-out ones); cleanlab's
``find_label_issues`` (which estimates the joint distribution of given and
true labels, the "confident joint") is available through ``filter_by``.
``get_label_quality_scores`` ranks every sample (higher is cleaner). The
variants of one picture (``source_id``) share its label: the mean of their
probabilities is judged by the same rule as one unit. All of this needs
probabilities from models that did not train on the sample (nor on its
variants), which is what :func:`datadiver_fo.compute_predictions` stores.
Samples without a label (or with a label outside the predicted classes) are
skipped and counted; classes with too few labelled samples are reported,
since no rule can estimate their noise reliably.
"""
import time
import warnings

import numpy as np

import fiftyone as fo
from fiftyone import ViewField as F

from datadiver_fo.enrich import predictions as ddp
from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal import store
from datadiver_fo.internal.report import Report
from datadiver_fo.internal.progress import Progress
from datadiver_fo.internal.vectors import group_codes

_METHOD = "label_issues"
LABEL_ISSUES_VIEW = dds.VIEW_PREFIX + "label-issues"
SOURCE_LABEL_ISSUE = "source_label_issue"
SOURCE_LABEL_QUALITY = "source_label_quality"


_FILTERS = ("margin", "prune_by_noise_rate", "prune_by_class", "both",
            "confident_learning", "predicted_neq_given", "low_normalized_margin",
            "low_self_confidence")
_MIN_MARGIN = 0.4


def _brain_scores(checked, pred_field, label_field, mistakenness, hardness):
    """FiftyOne Brain's ``mistakenness`` and ``hardness`` of every sample of
    ``checked`` (each has a label and a prediction), with the brain's own
    formulas and run records, computed as arrays and written in one bulk
    update: ``fob.compute_mistakenness`` / ``compute_hardness`` save each
    sample in a Python loop (more than 15 minutes each at 950k samples).

    -   mistakenness (the brain's default, from confidences):
        ``(m * confidence + 1) / 2`` with ``m = -1`` when the predicted label
        is the label, else ``1``;
    -   hardness: ``entropy(softmax(logits))`` of the prediction's logits
        (the brain raises when a prediction has none, and so does this).

    Returns the list of fields written."""
    from scipy.special import softmax
    from scipy.stats import entropy
    from fiftyone.brain.internal.core.hardness import HardnessConfig
    from fiftyone.brain.internal.core.mistakenness import ClassificationMistakennessConfig

    ids, gt, pl, conf = checked.values(["id", label_field + ".label", pred_field + ".label",
                                        pred_field + ".confidence"])
    values, configs = {}, []
    if mistakenness:
        if any(c is None for c in conf):
            k = next(i for i, c in enumerate(conf) if c is None)
            raise ValueError("Sample '%s' field '%s' has no confidence: mistakenness needs one"
                             % (ids[k], pred_field))
        m = np.where(np.array([p == g for p, g in zip(pl, gt)]), -1.0, 1.0)
        values["mistakenness"] = ((m * np.asarray(conf, dtype=np.float64) + 1.0) / 2.0).tolist()
        configs.append(("mistakenness", ClassificationMistakennessConfig(
            pred_field, label_field, "mistakenness", False)))
    if hardness:
        _, present, L = store.read_vectors(checked, pred_field + ".logits", ids=False)
        if not present.all():
            raise ValueError("Sample '%s' field '%s' has no logits"
                             % (ids[int(np.flatnonzero(~present)[0])], pred_field))
        values["hardness"] = entropy(softmax(L, axis=1), axis=1).astype(np.float64).tolist()
        configs.append(("hardness", HardnessConfig(pred_field, "hardness")))
    methods = []
    for key, config in configs:  # registered as the brain registers them
        method = config.build()
        method.ensure_requirements()
        method.register_run(checked, key, cleanup=False)
        method.register_samples(checked)
        methods.append((key, method))
    store.write_fields(checked, ids, values, types={f: fo.FloatField for f in values})
    for key, method in methods:
        method.save_run_results(checked, key, None)
    return list(values)


def label_issue_mask(labels, pred_probs, filter_by="margin", min_margin=_MIN_MARGIN):
    """Which samples carry a probable label error.

    Args:
        labels: int array of length N, given labels in 0..K-1
        pred_probs: N x K out-of-sample probabilities (rows sum to 1)
        filter_by ("margin"): ``"margin"`` flags a sample when another class
            is more probable than the given one by more than ``min_margin``
            (``max_{k != y} p_k - p_y > min_margin``, i.e. cleanlab's
            ``normalized_margin`` label quality below ``(1 - min_margin) / 2``);
            any other value is passed to cleanlab's
            ``filter.find_label_issues`` as its ``filter_by``
            (``"prune_by_noise_rate"``, ``"prune_by_class"``, ``"both"``,
            ``"confident_learning"``, ``"predicted_neq_given"``,
            ``"low_normalized_margin"``, ``"low_self_confidence"``)
        min_margin (0.4): the margin of ``"margin"``, in [0, 1)

    Returns:
        a bool array of length N

    Raises:
        ValueError: an unknown ``filter_by``, a bad ``min_margin``, or inputs
            cleanlab rejects
    """
    import cleanlab

    _check_rule(filter_by, min_margin)
    y = np.asarray(labels, dtype=np.int64)
    P = np.asarray(pred_probs, dtype=np.float64)
    if filter_by == "margin":
        rows = np.arange(len(y))
        py = P[rows, y]
        other = P.copy()
        other[rows, y] = -np.inf
        return other.max(1) - py > min_margin
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab warns per small class; we report them
        try:
            return cleanlab.filter.find_label_issues(
                y, P, filter_by=filter_by, min_examples_per_class=1,
                n_jobs=1,  # its process pool costs more than it saves on 2 cores
            )
        except ValueError as e:
            raise ValueError("cleanlab rejected the inputs: %s" % e)


def _check_rule(filter_by, min_margin):
    if filter_by not in _FILTERS:
        raise ValueError("Unknown filter_by %r; expected one of %s"
                         % (filter_by, ", ".join(_FILTERS)))
    if filter_by == "margin" and not (isinstance(min_margin, (int, float))
                                      and 0 <= min_margin < 1):
        raise ValueError("min_margin must be in [0, 1), got %r" % (min_margin,))


def _group_units(codes, y):
    """Units of (group, given label): the variants of one picture that carry
    the same label. Returns (unit index per sample, unit group codes, unit labels)."""
    pairs = codes.astype(np.int64) * (int(y.max()) + 1) + y
    uniq, inv = np.unique(pairs, return_inverse=True)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(y))[::-1]
    return inv, codes[first], y[first]


class LabelIssuesReport(Report):
    """What :func:`find_label_issues` did: a read-only
    :class:`datadiver_fo.internal.report.Report`; its keys are listed under
    "Returns" of :func:`find_label_issues`."""


def find_label_issues(
    samples,
    pred_field=dds.PREDICTIONS,
    pred_key=None,
    label_field=dds.GROUND_TRUTH,
    issue_field=dds.LABEL_ISSUE,
    quality_field=dds.LABEL_QUALITY,
    suggested_field=dds.SUGGESTED_LABEL,
    filter_by="margin",
    quality_method="self_confidence",
    min_examples_per_class=5,
    mistakenness=True,
    hardness=True,
    view_name=LABEL_ISSUES_VIEW,
    progress=None,
    min_margin=_MIN_MARGIN,
    group_field=dds.SOURCE_ID,
    group_issue_field=SOURCE_LABEL_ISSUE,
    group_quality_field=SOURCE_LABEL_QUALITY,
    view_per_group=False,
):
    """Flags probable label errors and scores label quality, per sample and
    per group of variants (``source_id``: the corrupted copies of one picture
    share its label, so one wrong label shows up in each of them).

    Args:
        samples: a FiftyOne dataset or view, all predicted by the run
        pred_field ("predictions"): the field written by
            :func:`datadiver_fo.compute_predictions`
        pred_key (None): its run key (default: derived from ``pred_field``)
        label_field ("ground_truth"): the ``fo.Classification`` labels checked
        issue_field ("label_issue"): bool field written (``None`` for skipped
            samples)
        quality_field ("label_quality"): float field in [0, 1], higher is
            cleaner (``None`` for skipped samples)
        suggested_field ("suggested_label"): ``fo.Classification`` with the
            most probable class, written on flagged samples only
        filter_by ("margin"): the cut-off rule, see :func:`label_issue_mask`:
            ``"margin"`` flags a label when another class is more probable
            by more than ``min_margin`` (chosen on tuning seeds and checked on
            held-out ones by ``benchmarks/bench_label_issues.py``: on real
            digits with 10% uniform noise, worst held-out precision / recall
            in the README); or a cleanlab ``filter_by`` method
            (``"prune_by_noise_rate"``, the earlier default, undercounts:
            held-out recall 0.91, worst 0.89, there)
        quality_method ("self_confidence"): cleanlab label-quality method
            (``"self_confidence"``, ``"normalized_margin"``,
            ``"confidence_weighted_entropy"``)
        min_examples_per_class (5): classes with fewer labelled samples are
            reported in ``small_classes``
        mistakenness (True): also run ``fiftyone.brain.compute_mistakenness``
            (field ``mistakenness``) from ``pred_field``
        hardness (True): also run ``fiftyone.brain.compute_hardness`` (field
            ``hardness``) from the logits of ``pred_field``
        view_name ("datadiver/label-issues"): saved view of flagged samples,
            worst first (``None`` = do not save); saved by
            :func:`datadiver_fo.customize.saved_views.save_generated_view`:
            a user's view of that name is never replaced, ours then goes to
            ``<name>-2`` (``-3``, ...)
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        min_margin (0.4): the margin of ``filter_by="margin"``
        group_field ("source_id"): samples sharing this value are variants of
            one picture; each (group, given label) is also judged as one
            unit: the mean of its variants' out-of-sample probabilities goes
            through the same rule. ``None`` (or a field the dataset lacks)
            skips this
        group_issue_field ("source_label_issue"): bool field written on every
            checked sample: its group's verdict
        group_quality_field ("source_label_quality"): float field: its
            group's label quality (``quality_method`` on the mean probabilities)
        view_per_group (False): the saved view shows one sample per flagged
            group (its least corrupted variant: lowest ``severity`` when the
            field exists, else its lowest ``quality_field``), worst group
            first, instead of every flagged sample

    Returns:
        a :class:`LabelIssuesReport`: ``run_key``, ``num_samples``,
        ``num_checked``, ``num_missing_labels``, ``num_unknown_labels``
        (labels not among the predicted classes), ``num_issues``,
        ``issues_per_class`` (given class -> count), ``small_classes``
        (class -> count), ``group_field`` (the field used, or ``None``),
        ``num_groups`` (distinct groups checked, or ``None``),
        ``num_group_issues`` (groups with a flagged label, or ``None``),
        ``group_issues_per_class`` (given class -> flagged groups),
        ``view`` (the name the view was saved under, or
        ``None``), ``renamed_views`` (``{view_name: name used}`` when a
        user's view held ``view_name``, else ``{}``), ``brain_fields``,
        ``seconds``

    Raises:
        ValueError: no predictions run, unknown label field, bad method
    """
    import cleanlab

    t0 = time.time()
    if samples.get_field(label_field) is None:
        raise ValueError("Label field %r does not exist on dataset '%s'"
                         % (label_field, samples._dataset.name))
    methods = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")
    if quality_method not in methods:
        raise ValueError("Unknown quality_method %r; expected one of %s"
                         % (quality_method, ", ".join(methods)))
    _check_rule(filter_by, min_margin)  # before any work
    data = ddp.load_probabilities(samples, pred_field=pred_field, key=pred_key)
    classes = data["classes"]
    cidx = {c: i for i, c in enumerate(classes)}
    raw = samples.values("%s.label" % label_field)
    n = len(raw)
    labels = np.array([cidx.get(l, -1) if l is not None else -1 for l in raw])
    num_missing = sum(l is None for l in raw)
    num_unknown = int(sum(l is not None and l not in cidx for l in raw))
    ok = labels >= 0
    if ok.sum() == 0:
        raise ValueError("No sample has a label in %r among the %d predicted "
                         "classes" % (label_field, len(classes)))
    counts = np.bincount(labels[ok], minlength=len(classes))
    small = {classes[i]: int(counts[i]) for i in range(len(classes))
             if 0 < counts[i] < min_examples_per_class}
    use_groups = bool(group_field) and samples.get_field(group_field) is not None

    # 4 steps, plus one per brain method (each reports through its own bar)
    with Progress(progress, 4 + bool(mistakenness) + bool(hardness), "label issues") as prog:
        P = data["probs"][ok].astype(np.float64)
        P /= P.sum(1, keepdims=True)
        y = labels[ok]
        issues = label_issue_mask(y, P, filter_by, min_margin)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quality = cleanlab.rank.get_label_quality_scores(y, P, method=quality_method)
        pos = np.flatnonzero(ok)
        values = {}
        types = {}
        num_groups = num_group_issues = None
        group_per_class = {}
        unit = unit_issue = unit_quality = None
        if use_groups:
            # one unit per (group, given label): the mean of its variants'
            # probabilities is an ensemble over corruptions of one picture
            codes = group_codes(samples.values(group_field), n)[ok]
            unit, ucodes, uy = _group_units(codes, y)
            nu = len(uy)
            PU = np.zeros((nu, P.shape[1]))
            np.add.at(PU, unit, P)
            PU /= PU.sum(1, keepdims=True)
            unit_issue = label_issue_mask(uy, PU, filter_by, min_margin)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                unit_quality = cleanlab.rank.get_label_quality_scores(
                    uy, PU, method=quality_method)
            num_groups = int(len(np.unique(ucodes)))
            num_group_issues = int(len(np.unique(ucodes[unit_issue])))
            for c in uy[unit_issue]:
                group_per_class[classes[c]] = group_per_class.get(classes[c], 0) + 1
            gi = [None] * n
            gq = [None] * n
            for i, u in zip(pos.tolist(), unit.tolist()):
                gi[i] = bool(unit_issue[u])
                gq[i] = float(unit_quality[u])
            values.update({group_issue_field: gi, group_quality_field: gq})
            types.update({group_issue_field: fo.BooleanField,
                          group_quality_field: fo.FloatField})
        prog.update(1, "cleanlab")

        # vectorised: one bulk update writes every field
        issue_vals = [None] * n
        quality_vals = [None] * n
        sugg_vals = [None] * n
        for i, v, q in zip(pos.tolist(), issues.tolist(), quality.tolist()):
            issue_vals[i] = bool(v)
            quality_vals[i] = float(q)
        flagged = np.flatnonzero(issues)
        if len(flagged):
            docs = store.classification_values(P[flagged], classes, logits=False)
            for j, d in zip(flagged.tolist(), docs):
                sugg_vals[pos[j]] = d
        fd = samples._dataset.get_field(suggested_field)
        if fd is not None and not (
                isinstance(fd, fo.EmbeddedDocumentField)
                and issubclass(fd.document_type, fo.Classification)):
            raise ValueError("Field %r exists and is not a Classification field"
                             % suggested_field)
        values.update({issue_field: issue_vals, quality_field: quality_vals,
                       suggested_field: sugg_vals})
        types.update({issue_field: fo.BooleanField, quality_field: fo.FloatField,
                      suggested_field: "classification"})
        store.write_fields(samples, data["ids"], values, types=types)
        del values
        prog.update(1, "written")

        brain_fields = []
        checked = samples.exists("%s.label" % label_field).exists(pred_field)
        if (mistakenness or hardness) and len(checked):
            brain_fields = _brain_scores(checked, pred_field, label_field, mistakenness, hardness)
            prog.update(int(mistakenness) + int(hardness), "brain scores")
        prog.update(1, "brain")

        name = None
        if view_name:
            from datadiver_fo.customize.saved_views import save_generated_view

            if view_per_group and use_groups:
                view = _one_per_group(samples, data["ids"], pos, unit, unit_issue,
                                      unit_quality, quality)
                what = ("one sample per %s whose %s cleanlab flags, lowest %s first"
                        % (group_field, label_field, group_quality_field))
            else:
                view = samples.match(F(issue_field) == True).sort_by(quality_field)  # noqa: E712
                what = ("samples whose %s cleanlab flags, lowest %s first"
                        % (label_field, quality_field))
            name = save_generated_view(samples, view_name, view, what, "label_issues")
        per_class = {}
        for c in y[issues]:
            per_class[classes[c]] = per_class.get(classes[c], 0) + 1
        key = ddr.run_key(_METHOD, issue_field)
        ddr.record_run(
            samples, key, _METHOD,
            results={"num_issues": int(issues.sum()), "issues_per_class": per_class,
                     "small_classes": small, "num_missing_labels": int(num_missing),
                     "num_groups": num_groups, "num_group_issues": num_group_issues,
                     "group_issues_per_class": group_per_class, "view": name},
            pred_field=pred_field,
            pred_key=data["key"],
            label_field=label_field,
            issue_field=issue_field,
            quality_field=quality_field,
            suggested_field=suggested_field,
            filter_by=filter_by,
            min_margin=min_margin if filter_by == "margin" else None,
            quality_method=quality_method,
            brain_fields=brain_fields,
            group_field=group_field if use_groups else None,
            group_issue_field=group_issue_field if use_groups else None,
            group_quality_field=group_quality_field if use_groups else None,
            view_per_group=bool(view_per_group and use_groups),
        )
        prog.update(1, "done")

    return LabelIssuesReport(
        run_key=key,
        num_samples=n,
        num_checked=int(ok.sum()),
        num_missing_labels=int(num_missing),
        num_unknown_labels=num_unknown,
        num_issues=int(issues.sum()),
        issues_per_class=per_class,
        small_classes=small,
        group_field=group_field if use_groups else None,
        num_groups=num_groups,
        num_group_issues=num_group_issues,
        group_issues_per_class=group_per_class,
        view=name,
        renamed_views={view_name: name} if name and name != view_name else {},
        brain_fields=brain_fields,
        seconds=time.time() - t0,
    )


def _one_per_group(samples, ids, pos, unit, unit_issue, unit_quality, quality):
    """A view of one sample per flagged (group, label) unit, worst unit first:
    the least corrupted variant (lowest ``severity``) when the field exists,
    else the variant with the lowest label quality."""
    sev = None
    if samples.get_field(dds.SEVERITY) is not None:
        sev = np.array([s if s is not None else 99 for s in samples.values(dds.SEVERITY)],
                       dtype=np.float64)[pos]
    # per unit: the sample minimising (severity, quality)
    key1 = sev if sev is not None else np.zeros(len(pos))
    order = np.lexsort((quality, key1, unit))  # by unit, then severity, then quality
    first = order[np.r_[True, unit[order][1:] != unit[order][:-1]]]
    best = dict(zip(unit[first].tolist(), first.tolist()))
    bad = np.flatnonzero(unit_issue)
    bad = bad[np.argsort(unit_quality[bad], kind="stable")]
    sel = [ids[pos[best[u]]] for u in bad.tolist()]
    return samples.select(sel, ordered=True)

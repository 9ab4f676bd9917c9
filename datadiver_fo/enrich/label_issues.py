"""Label issues with confident learning (cleanlab >= 2.8) on out-of-sample
probabilities, plus FiftyOne Brain's mistakenness and hardness.

Algorithm
---------
cleanlab's ``find_label_issues`` estimates the joint distribution of given and
true labels from out-of-sample probabilities (the "confident joint") and flags
the samples most likely mislabelled; ``get_label_quality_scores`` ranks every
sample (higher is cleaner). Both need probabilities from models that did not
train on the sample, which is what :func:`datadiver_fo.compute_predictions`
stores. Samples without a label (or with a label outside the predicted
classes) are skipped and counted; classes with too few labelled samples are
reported, since cleanlab cannot estimate their noise rates reliably.
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

_METHOD = "label_issues"
LABEL_ISSUES_VIEW = dds.VIEW_PREFIX + "label-issues"


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
    filter_by="prune_by_noise_rate",
    quality_method="self_confidence",
    min_examples_per_class=5,
    mistakenness=True,
    hardness=True,
    view_name=LABEL_ISSUES_VIEW,
    progress=None,
):
    """Flags probable label errors and scores label quality.

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
        filter_by ("prune_by_noise_rate"): cleanlab ``filter_by`` method
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

    Returns:
        a :class:`LabelIssuesReport`: ``run_key``, ``num_samples``,
        ``num_checked``, ``num_missing_labels``, ``num_unknown_labels``
        (labels not among the predicted classes), ``num_issues``,
        ``issues_per_class`` (given class -> count), ``small_classes``
        (class -> count), ``view`` (the name the view was saved under, or
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

    # 4 steps, plus one per brain method (each reports through its own bar)
    with Progress(progress, 4 + bool(mistakenness) + bool(hardness), "label issues") as prog:
        P = data["probs"][ok].astype(np.float64)
        P /= P.sum(1, keepdims=True)
        y = labels[ok]
        with warnings.catch_warnings():
            # cleanlab warns per small class; we report them instead
            warnings.simplefilter("ignore")
            try:
                issues = cleanlab.filter.find_label_issues(
                    y, P, filter_by=filter_by, min_examples_per_class=1,
                    n_jobs=1,  # its process pool costs more than it saves on 2 cores
                )
            except ValueError as e:
                raise ValueError("cleanlab rejected the inputs: %s" % e)
            quality = cleanlab.rank.get_label_quality_scores(y, P, method=quality_method)
        prog.update(1, "cleanlab")

        # vectorised: one bulk update writes the three fields
        pos = np.flatnonzero(ok)
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
        ddp.write_fields(
            samples, data["ids"],
            {issue_field: issue_vals, quality_field: quality_vals,
             suggested_field: sugg_vals},
            types={issue_field: fo.BooleanField, quality_field: fo.FloatField,
                   suggested_field: "classification"},
        )
        prog.update(1, "written")

        brain_fields = []
        checked = samples.exists("%s.label" % label_field).exists(pred_field)
        if (mistakenness or hardness) and len(checked):
            import fiftyone.brain as fob

            if mistakenness:
                fob.compute_mistakenness(checked, pred_field, label_field,
                                         mistakenness_field="mistakenness",
                                         progress=prog.forward(1))
                brain_fields.append("mistakenness")
            if hardness:
                fob.compute_hardness(checked, pred_field, hardness_field="hardness",
                                     progress=prog.forward(1))
                brain_fields.append("hardness")
        prog.update(1, "brain")

        name = None
        if view_name:
            view = samples.match(F(issue_field) == True).sort_by(quality_field)  # noqa: E712
            from datadiver_fo.customize.saved_views import save_generated_view

            name = save_generated_view(
                samples, view_name, view,
                "samples whose %s cleanlab flags, lowest %s first"
                % (label_field, quality_field), "label_issues",
            )
        per_class = {}
        for c in y[issues]:
            per_class[classes[c]] = per_class.get(classes[c], 0) + 1
        key = ddr.run_key(_METHOD, issue_field)
        ddr.record_run(
            samples, key, _METHOD,
            results={"num_issues": int(issues.sum()), "issues_per_class": per_class,
                     "small_classes": small, "num_missing_labels": int(num_missing),
                     "view": name},
            pred_field=pred_field,
            pred_key=data["key"],
            label_field=label_field,
            issue_field=issue_field,
            quality_field=quality_field,
            suggested_field=suggested_field,
            filter_by=filter_by,
            quality_method=quality_method,
            brain_fields=brain_fields,
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
        view=name,
        renamed_views={view_name: name} if name and name != view_name else {},
        brain_fields=brain_fields,
        seconds=time.time() - t0,
    )

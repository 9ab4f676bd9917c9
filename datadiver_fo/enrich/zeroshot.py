"""Zero-shot classification with a CLIP-style model, evaluated against the
ground truth and side by side with the trained probe.

Each class name becomes prompts (``"a photo of a {}."`` ...); the prompts'
text embeddings are averaged per class and normalised; every image embedding
is compared with them by cosine similarity, and a softmax over
``logit_scale x cosine`` gives the confidence. Predictions are written as
``fo.Classification`` (with logits) and evaluated with FiftyOne's
``evaluate_classifications``; when the trained probe's predictions
(``predictions`` by default, from :func:`datadiver_fo.compute_predictions`)
are present they are evaluated on the same samples, overall and per
corruption, so "trained classifier vs CLIP zero-shot" is one table.

The model is a DataDiver model string with a text tower, e.g.
``"open_clip:ViT-B-32:/models/clip.pt"``; nothing is downloaded.
"""
import numpy as np

import fiftyone as fo

from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal.report import Report
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal.progress import Progress, bars_only

DEFAULT_TEMPLATES = (
    "a photo of a {}.",
    "a blurry photo of a {}.",
    "a low resolution photo of a {}.",
)
_LOGIT_SCALE = 100.0  # CLIP's learned temperature, fixed at its usual value


def _classes(samples, gt_field):
    classes = list(samples._dataset.default_classes or [])
    if not classes and samples.get_field(gt_field) is not None:
        classes = sorted(c for c in samples.distinct(gt_field + ".label") if c)
    return classes


def class_text_embeddings(model, classes, templates=DEFAULT_TEMPLATES):
    """Averaged, normalised text embeddings of each class's prompts.

    Args:
        model: an :class:`datadiver_fo.enrich.models.EmbeddingModel` with a text tower
        classes: list of class names
        templates: format strings with one ``{}`` each

    Returns:
        a ``len(classes) x D`` float32 array of unit rows
    """
    if not classes:
        raise ValueError("No classes to classify into")
    if not templates or any("{}" not in t for t in templates):
        raise ValueError("Each prompt template must contain '{}' (the class name)")
    rows = []
    for c in classes:
        t = model.embed_texts([tpl.format(c) for tpl in templates])
        t = t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
        v = t.mean(axis=0)
        rows.append(v / max(float(np.linalg.norm(v)), 1e-12))
    return np.asarray(rows, dtype=np.float32)


def _image_embeddings(samples, model, batch_size, progress):
    from datadiver_fo.internal.images import decode_image, stack_images

    ids, paths = samples.values(["id", "filepath"])
    vecs = [None] * len(ids)
    failures = []
    with Progress(progress, len(ids), desc="zero-shot") as prog:
        for start in range(0, len(ids), batch_size):
            items, idx = [], []
            for i in range(start, min(start + batch_size, len(ids))):
                arr, err = decode_image(paths[i], model.image_size, model.preprocess)
                if arr is None:
                    failures.append({"id": ids[i], "filepath": paths[i], "error": err})
                    continue
                items.append(arr)
                idx.append(i)
            if items:
                emb = model.embed_batch(stack_images(items))
                for i, e in zip(idx, emb):
                    vecs[i] = e
            prog.update(min(batch_size, len(ids) - start))
    dim = next((len(v) for v in vecs if v is not None), 0)
    out = np.full((len(ids), dim), np.nan, dtype=np.float32)
    for i, v in enumerate(vecs):
        if v is not None:
            out[i] = v
    return ids, out, failures


def _scores(samples, field, gt_field, by=dds.CORRUPTION):
    """Accuracy overall and per ``by`` value of ``field`` vs ``gt_field``."""
    view = samples.exists(gt_field).exists(field)
    if len(view) == 0:
        return None
    pred = np.array(view.values(field + ".label"), dtype=object)
    gt = np.array(view.values(gt_field + ".label"), dtype=object)
    out = {"accuracy": float(np.mean(pred == gt)), "n": int(len(gt)), "by": {}}
    if samples.get_field(by) is not None:
        groups = np.array(view.values(by), dtype=object)
        for g in sorted(set(groups), key=str):
            m = groups == g
            out["by"][str(g)] = float(np.mean(pred[m] == gt[m]))
    return out


def zero_shot_classify(
    samples,
    model,
    classes=None,
    label_field="zeroshot",
    templates=DEFAULT_TEMPLATES,
    gt_field=dds.GROUND_TRUTH,
    compare_field=dds.PREDICTIONS,
    eval_key=None,
    batch_size=64,
    device="auto",
    progress=None,
):
    """Classifies every image by its similarity to class-name prompts.

    Args:
        samples: a FiftyOne dataset or view of images
        model: a DataDiver model string with a text tower (e.g.
            ``"open_clip:<arch or config.json>:<checkpoint>"``) or a loaded
            :class:`datadiver_fo.enrich.models.EmbeddingModel`
        classes (None): class names; default ``dataset.default_classes`` or
            the distinct ``gt_field`` labels
        label_field ("zeroshot"): the ``fo.Classification`` field to write
            (label, confidence = softmax probability, logits)
        templates: prompt templates, each with one ``{}``
        gt_field ("ground_truth"): ground truth to evaluate against (samples
            without it are predicted but not evaluated)
        compare_field ("predictions"): the trained probe's predictions to
            evaluate side by side; ignored when absent
        eval_key (None): FiftyOne evaluation key; default
            ``eval_<label_field>``
        batch_size (64): images per forward pass
        device ("auto"): torch device (``"auto"``: CUDA, then MPS, then CPU)
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report` with
        ``label_field``, ``classes``, ``eval_key``, ``report`` (FiftyOne's per-class report dict, ``None`` without ground truth),
        ``comparison`` (``{"zero_shot": {"accuracy", "n", "by": {corruption:
        accuracy}}, "probe": ... or None}``), ``failures`` and ``run_key``
    """
    from datadiver_fo.enrich.models import EmbeddingModel, load_model

    if len(samples) == 0:
        raise ValueError("zero_shot_classify needs a non-empty collection")
    if not isinstance(label_field, str) or not label_field.isidentifier():
        raise ValueError(f"label_field must be a valid field name, got {label_field!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    m = model if isinstance(model, EmbeddingModel) else load_model(model, device=device)
    if not m.has_text:
        raise ValueError(
            f"Model '{m.spec}' has no text tower: zero-shot needs e.g. 'open_clip:<arch>:<weights>'"
        )
    classes = list(classes) if classes is not None else _classes(samples, gt_field)
    T = class_text_embeddings(m, classes, templates)

    ids, X, failures = _image_embeddings(samples, m, batch_size, progress)
    X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    logits = _LOGIT_SCALE * X @ T.T
    z = logits - np.nanmax(logits, axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    values = {}
    for sid, row, prob in zip(ids, logits, p):
        if not np.all(np.isfinite(row)):
            values[sid] = None
            continue
        k = int(np.argmax(row))
        values[sid] = fo.Classification(
            label=classes[k], confidence=float(prob[k]), logits=row.astype(float).tolist()
        )
    if samples.get_field(label_field) is None:
        samples._dataset.add_sample_field(
            label_field, fo.EmbeddedDocumentField, embedded_doc_type=fo.Classification
        )
    samples.set_values(label_field, values, key_field="id")

    eval_key = eval_key or f"eval_{label_field}"
    report = None
    has_gt = samples.get_field(gt_field) is not None and len(samples.exists(gt_field)) > 0
    if has_gt:
        ev_view = samples.exists(gt_field).exists(label_field)
        if eval_key in samples._dataset.list_evaluations():
            samples._dataset.delete_evaluation(eval_key)
        results = ev_view.evaluate_classifications(
            label_field, gt_field=gt_field, eval_key=eval_key, classes=classes,
            progress=bars_only(progress),
        )
        report = results.report()
    comparison = {
        "zero_shot": _scores(samples, label_field, gt_field) if has_gt else None,
        "probe": (
            _scores(samples, compare_field, gt_field)
            if has_gt and compare_field and samples.get_field(compare_field) is not None
            else None
        ),
    }
    key = ddr.run_key("zeroshot", label_field)
    ddr.record_run(
        samples,
        key,
        "zeroshot",
        results={"comparison": comparison, "num_failures": len(failures)},
        model=m.spec,
        label_field=label_field,
        templates=list(templates),
        classes=classes,
        gt_field=gt_field,
        compare_field=compare_field,
        eval_key=eval_key,
    )
    return Report({
        "label_field": label_field,
        "classes": classes,
        "eval_key": eval_key if has_gt else None,
        "report": report,
        "comparison": comparison,
        "failures": failures,
        "run_key": key,
    }, title="zero_shot_classify")


def comparison_table(result):
    """Rows ``{"corruption", "zero_shot", "probe"}`` (accuracies) from the
    ``comparison`` of :func:`zero_shot_classify`, overall first."""
    comp = result["comparison"]
    zs, pr = comp.get("zero_shot"), comp.get("probe")
    if zs is None:
        return []
    rows = [{"corruption": "all", "zero_shot": zs["accuracy"], "probe": pr["accuracy"] if pr else None}]
    for g, acc in zs["by"].items():
        rows.append({"corruption": g, "zero_shot": acc, "probe": (pr or {}).get("by", {}).get(g)})
    return rows

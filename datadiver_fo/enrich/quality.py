"""Image quality scores calibrated for 64x64 corrupted images.

Five per-sample measures are computed on the decoded grey-level image (ITU-R
601 luma in [0, 1]), vectorised over batches of same-sized images:

-   ``quality_brightness``: mean luma;
-   ``quality_contrast``: RMS contrast (standard deviation of luma);
-   ``quality_sharpness``: variance of the 4-neighbour Laplacian (valid part);
-   ``quality_entropy``: Shannon entropy (bits) of the 256-bin luma histogram;
-   ``quality_size_bytes``: compressed size in bytes (the file size of a JPEG;
    other formats are re-encoded as JPEG quality 85, Tiny-ImageNet-C's quality,
    so that sizes compare).

Fixed thresholds (CleanVision style) fire on purpose on Tiny-ImageNet-C: fog
lowers contrast, blur lowers sharpness, noise raises entropy and size. So each
measure also gets a robust z-score ``<field>_z = (x - median) / (1.4826 MAD)``
within its group (class x corruption by default, optionally x severity): an
image is "dark" only when it is dark *for a picture of that class under that
corruption*. Groups smaller than ``min_group_size`` fall back to the
corruption-level group, then to the whole collection.

Saved views (``datadiver/darkest``, ``datadiver/blurriest``...) collect the
extremes; a user's saved view with the same name is never overwritten.
"""
import io
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

import fiftyone.core.fields as fof
from fiftyone import ViewField as F

from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import store
from datadiver_fo.internal.report import Report
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal.progress import Progress

QUALITY_METRICS = ("brightness", "contrast", "sharpness", "entropy", "size_bytes")
_FIELD_PREFIX = "quality_"
_Z_SUFFIX = "_z"
_MAD_SCALE = 1.4826  # makes the MAD a consistent estimator of a normal sigma
_JPEG_EXTS = (".jpg", ".jpeg")

# name -> (metric, direction) : direction -1 = low extreme, +1 = high extreme
_EXTREME_VIEWS = {
    "darkest": ("brightness", -1),
    "brightest": ("brightness", +1),
    "lowest_contrast": ("contrast", -1),
    "blurriest": ("sharpness", -1),
    "lowest_information": ("entropy", -1),
    "smallest_files": ("size_bytes", -1),
    "largest_files": ("size_bytes", +1),
}


def quality_field(metric, z=False):
    """Returns the field name of a quality metric, e.g. ``quality_sharpness``
    (or ``quality_sharpness_z`` with ``z=True``)."""
    if metric not in QUALITY_METRICS:
        raise ValueError(f"Unknown quality metric '{metric}'; expected one of {QUALITY_METRICS}")
    return _FIELD_PREFIX + metric + (_Z_SUFFIX if z else "")


def image_quality_arrays(gray):
    """Computes brightness, contrast, sharpness and entropy for a batch.

    Args:
        gray: an ``N x H x W`` float array of luma values in ``[0, 1]``
            (all images the same size, ``H, W >= 3``)

    Returns:
        a dict mapping ``brightness``, ``contrast``, ``sharpness`` and
        ``entropy`` to length-``N`` float arrays
    """
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 3 or gray.shape[1] < 3 or gray.shape[2] < 3:
        raise ValueError(f"gray must be N x H x W with H, W >= 3; got shape {gray.shape}")
    n = gray.shape[0]
    flat = gray.reshape(n, -1)
    brightness = flat.mean(axis=1)
    contrast = flat.std(axis=1)
    lap = (
        gray[:, :-2, 1:-1]
        + gray[:, 2:, 1:-1]
        + gray[:, 1:-1, :-2]
        + gray[:, 1:-1, 2:]
        - 4.0 * gray[:, 1:-1, 1:-1]
    )
    sharpness = lap.reshape(n, -1).var(axis=1)
    # One bincount for the whole batch: offset each image's bins by 256*i
    q = np.clip(np.rint(flat * 255.0), 0, 255).astype(np.int64)
    q += (np.arange(n, dtype=np.int64) * 256)[:, None]
    hist = np.bincount(q.ravel(), minlength=n * 256).reshape(n, 256).astype(np.float64)
    p = hist / hist.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1)
    return {
        "brightness": brightness.astype(float),
        "contrast": contrast.astype(float),
        "sharpness": sharpness.astype(float),
        "entropy": entropy.astype(float),
    }


def _try_load(filepath):
    """:func:`_load`, or None when the file cannot be read or decoded."""
    try:
        return _load(filepath)
    except Exception:
        return None


def _load(filepath):
    """Decodes one image; returns (luma array in [0,1], compressed bytes)."""
    with Image.open(filepath) as img:
        img.load()
        rgb = img.convert("RGB")
    if os.path.splitext(filepath)[1].lower() in _JPEG_EXTS:
        size = os.path.getsize(filepath)
    else:
        buf = io.BytesIO()
        rgb.save(buf, format="JPEG", quality=85)
        size = buf.tell()
    gray = np.asarray(rgb.convert("L"), dtype=np.float32) / 255.0
    return gray, size


def robust_zscores(values, groups, min_group_size=5, fallback_groups=None):
    """Robust z-scores of ``values`` within groups.

    Args:
        values: length-``N`` float array (NaN entries stay NaN)
        groups: length-``N`` sequence of hashable group keys
        min_group_size (5): groups with fewer finite values use the fallback
        fallback_groups (None): optional length-``N`` coarser group keys used
            for small groups; the whole collection is the last fallback

    Returns:
        a length-``N`` float array ``(x - median) / (1.4826 * MAD)``; where the
        MAD is 0 the mean absolute deviation (or 1) is used instead, so no
        value is infinite
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if len(groups) != n:
        raise ValueError(f"groups has {len(groups)} entries but values has {n}")
    out = np.full(n, np.nan)
    levels = [list(groups)]
    if fallback_groups is not None:
        if len(fallback_groups) != n:
            raise ValueError("fallback_groups must have one entry per value")
        levels.append(list(fallback_groups))
    levels.append([None] * n)
    finite = np.isfinite(values)
    todo = finite.copy()
    for level in levels:
        if not todo.any():
            break
        # rows grouped by one sort (a mask per group was O(groups x N): minutes
        # for 3,800 class x corruption groups at 950k samples)
        _, inv = np.unique(np.array([repr(k) for k in level], dtype=object), return_inverse=True)
        rows = np.flatnonzero(finite)
        rows = rows[np.argsort(inv[rows], kind="stable")]
        for members in np.split(rows, np.flatnonzero(np.diff(inv[rows])) + 1):
            pending = members[todo[members]]
            if not len(pending):
                continue
            if len(members) < min_group_size and level[0] is not None:
                continue
            x = values[members]
            med = np.median(x)
            mad = np.median(np.abs(x - med)) * _MAD_SCALE
            if mad <= 1e-12:
                mad = np.mean(np.abs(x - med)) * 1.2533  # mean abs dev -> sigma
            if mad <= 1e-12:
                mad = 1.0
            out[pending] = (values[pending] - med) / mad
            todo[pending] = False
        if not todo.any():
            break
    return out


def _group_values(samples, group_by):
    cols = []
    for field in group_by:
        path = field
        if field == dds.GROUND_TRUTH:
            path = dds.GROUND_TRUTH + ".label"
        if samples.get_field(path.split(".")[0]) is None:
            raise ValueError(f"group_by field '{field}' does not exist on the collection")
        cols.append(samples.values(path))
    return list(zip(*cols)) if cols else [()] * len(samples)


def compute_quality(
    samples,
    group_by=(dds.GROUND_TRUTH, dds.CORRUPTION),
    min_group_size=5,
    z_threshold=3.0,
    batch_size=256,
    save_views=True,
    progress=None,
):
    """Computes quality scores and robust z-scores for every image.

    Args:
        samples: a FiftyOne dataset or view of images
        group_by (("ground_truth", "corruption")): fields whose combined value
            defines the calibration group for z-scores (``ground_truth`` means
            its label); add ``"severity"`` for class x corruption x severity.
            Fields absent from the dataset raise ``ValueError``
        min_group_size (5): smaller groups fall back to the group of the
            ``group_by`` fields after the first (e.g. corruption x severity
            without the class), then to the whole collection
        z_threshold (3.0): ``|z|`` beyond which a sample enters an extreme view
        batch_size (256): images decoded per vectorised batch
        save_views (True): save the ``datadiver/<extreme>`` views on the dataset
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report` with
        ``fields`` (written field names), ``table`` (per
        corruption x severity distribution rows, see :func:`quality_table`),
        ``views`` (the names the views were saved under), ``renamed_views``
        (``{wanted name: name used}`` where a user's view held the name: it
        is left untouched, ours goes to ``<name>-2``...), ``skipped_views``
        (those wanted names, a list), ``failures`` (filepaths that could not
        be decoded; their scores are ``None``) and ``run_key``
    """
    if len(samples) == 0:
        raise ValueError("compute_quality needs a non-empty collection")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if z_threshold <= 0:
        raise ValueError(f"z_threshold must be > 0, got {z_threshold}")
    group_by = tuple(group_by or ())
    groups = _group_values(samples, group_by)
    # small groups fall back to the same grouping without the class, e.g.
    # class x corruption x severity -> corruption x severity
    fallback = _group_values(samples, group_by[1:]) if len(group_by) > 1 else None

    ids, paths = samples.values(["id", "filepath"])
    n = len(ids)
    scores = {m: np.full(n, np.nan) for m in QUALITY_METRICS}
    failures = []
    # PIL releases the GIL while it decodes, so a second thread decodes while
    # the first runs the Python around it (at 64 px that Python work is most
    # of the cost: the 950k run kept about one core busy)
    workers = max(1, min(4, os.cpu_count() or 1))
    with Progress(progress, n, desc="quality") as prog, ThreadPoolExecutor(workers) as pool:
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            by_shape = {}
            for i, got in zip(range(start, stop), pool.map(_try_load, paths[start:stop])):
                if got is None:  # unreadable files are reported, not fatal
                    failures.append(paths[i])
                    continue
                gray, size = got
                scores["size_bytes"][i] = size
                if gray.shape[0] < 3 or gray.shape[1] < 3:
                    continue
                by_shape.setdefault(gray.shape, []).append((i, gray))
            for items in by_shape.values():
                idx = np.array([i for i, _ in items])
                res = image_quality_arrays(np.stack([g for _, g in items]))
                for m, v in res.items():
                    scores[m][idx] = v
            prog.update(stop - start)

    # every field in one bulk update (one $set per sample), not one
    # set_values pass per field: ten passes over 950k samples otherwise
    values, types = {}, {}
    for m in QUALITY_METRICS:
        z = robust_zscores(scores[m], groups, min_group_size, fallback)
        for name, arr in ((quality_field(m), scores[m]), (quality_field(m, z=True), z)):
            vals = [None if not np.isfinite(v) else float(v) for v in arr]
            types[name] = fof.FloatField
            if m == "size_bytes" and name == quality_field(m):
                vals = [None if v is None else int(v) for v in vals]
                types[name] = fof.IntField
            values[name] = vals
    fields = list(values)
    store.write_fields(samples, ids, values, types=types)
    del values

    table = quality_table(samples)
    views, skipped, renamed = [], [], {}
    if save_views:
        views, skipped = save_extreme_views(samples, z_threshold=z_threshold)
        wanted = [dds.VIEW_PREFIX + short for short in _EXTREME_VIEWS]
        renamed = {w: u for w, u in zip(wanted, views) if w != u}

    key = ddr.run_key("quality")
    ddr.record_run(
        samples,
        key,
        "quality",
        results={"table": table, "failures": failures},
        group_by=list(group_by),
        min_group_size=int(min_group_size),
        z_threshold=float(z_threshold),
        fields=fields,
    )
    return Report({
        "fields": fields,
        "table": table,
        "views": views,
        "renamed_views": renamed,
        "skipped_views": skipped,
        "failures": failures,
        "run_key": key,
    }, title="compute_quality")


def quality_table(samples, metrics=QUALITY_METRICS):
    """Distribution of each quality metric per corruption x severity.

    Args:
        samples: a collection on which :func:`compute_quality` has run
        metrics: the metrics to summarise

    Returns:
        a list of dict rows sorted by corruption then severity, each with
        ``corruption``, ``severity``, ``count`` and, per metric,
        ``<metric>_median``, ``<metric>_p05`` and ``<metric>_p95``
        (``pandas.DataFrame(rows)`` gives a table)
    """
    for m in metrics:
        if samples.get_field(quality_field(m)) is None:
            raise ValueError(f"Field '{quality_field(m)}' missing: run compute_quality first")
    has_c = samples.get_field(dds.CORRUPTION) is not None
    has_s = samples.get_field(dds.SEVERITY) is not None
    corr = samples.values(dds.CORRUPTION) if has_c else ["all"] * len(samples)
    sev = samples.values(dds.SEVERITY) if has_s else [0] * len(samples)
    vals = {m: np.array(samples.values(quality_field(m)), dtype=float) for m in metrics}
    keys = sorted({(c or "", s if s is not None else -1) for c, s in zip(corr, sev)})
    corr = np.array([c or "" for c in corr], dtype=object)
    sev = np.array([s if s is not None else -1 for s in sev])
    rows = []
    for c, s in keys:
        mask = (corr == c) & (sev == s)
        row = {"corruption": c, "severity": int(s), "count": int(mask.sum())}
        for m in metrics:
            x = vals[m][mask]
            x = x[np.isfinite(x)]
            if len(x):
                p05, med, p95 = np.percentile(x, [5, 50, 95])
            else:
                p05 = med = p95 = float("nan")
            row[f"{m}_median"] = float(med)
            row[f"{m}_p05"] = float(p05)
            row[f"{m}_p95"] = float(p95)
        rows.append(row)
    return rows


def save_extreme_views(samples, z_threshold=3.0):
    """Saves one view per extreme (``datadiver/darkest``, ...) on the dataset.

    Each view holds the samples of ``samples`` whose robust z-score is beyond
    ``z_threshold`` in that direction, most extreme first. Saved through
    :func:`datadiver_fo.customize.saved_views.save_generated_view`: our own
    view of that name is replaced; a user's view of that name is left
    untouched and ours is saved as ``<name>-2`` (``-3``, ...).

    Args:
        samples: a collection on which :func:`compute_quality` has run
        z_threshold (3.0): the ``|z|`` cut-off

    Returns:
        a tuple ``(saved_names, skipped_names)``: the names the views were
        saved under (darkest, brightest, ..., largest_files), and the wanted names
        left to a user's view (those views went to a suffixed name)
    """
    from datadiver_fo.customize.saved_views import save_generated_view

    saved, skipped = [], []
    for short, (metric, direction) in _EXTREME_VIEWS.items():
        name = dds.VIEW_PREFIX + short
        zf = quality_field(metric, z=True)
        if direction < 0:
            view = samples.match(F(zf) <= -z_threshold).sort_by(zf)
        else:
            view = samples.match(F(zf) >= z_threshold).sort_by(zf, reverse=True)
        what = (
            f"{metric} robust z {'<=' if direction < 0 else '>='} "
            f"{'-' if direction < 0 else ''}{z_threshold:g} within class x corruption"
        )
        used = save_generated_view(samples, name, view, what, "quality")
        saved.append(used)
        if used != name:
            skipped.append(name)
    return saved, skipped

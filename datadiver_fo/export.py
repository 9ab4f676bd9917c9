"""Export a customised view to something a training script reads.

One entry point, :func:`export_view`, with five formats:

-   ``"tiny-imagenet-c"``: the Tiny-ImageNet-C layout
    (``Tiny-ImageNet-C/<corruption>/<severity>/<wnid>/<source_id>.JPEG``) plus,
    for clean samples, the ``tiny-imagenet-200`` layout (``train/<wnid>/images``,
    ``val/images`` + ``val_annotations.txt``, ``wnids.txt``, ``words.txt``).
    Existing loaders read it, and :func:`datadiver_fo.load_tiny_imagenet_c`
    re-imports the same samples and fields. Samples marked ``missing_label``
    are written without a class folder, so they come back unlabeled;
-   ``"image-classification-tree"``: FiftyOne's
    ``ImageClassificationDirectoryTree`` (``<label>/<file>``, unlabeled samples
    in ``_unlabeled/``); file names carry corruption and severity
    (``<source_id>__<corruption>_<severity>.JPEG``) so variants never collide;
-   ``"fiftyone"``: a ``FiftyOneDataset`` export (media copied) that carries
    the dataset's saved views (rebuilt on the exported subset) and info;
-   ``"csv"`` / ``"parquet"``: a manifest with one row per sample and one
    column per field (labels flattened to ``<field>.label``...).

Safety: nothing is written outside ``export_dir``. Path components that come
from the data (corruption, wnid, label, file name) are sanitised, and each
destination is checked, after resolving links, to lie inside ``export_dir``;
a sample that would escape is skipped and reported. An ``export_dir`` with
``..`` components is refused. A non-empty ``export_dir`` is refused unless
``overwrite=True``, and even then only a folder that holds a previous DataDiver
export (its ``datadiver_export.json``) is cleared. Every export writes
``datadiver_export.json`` (format, counts, what was skipped and why).
"""
import datetime
import json
import os
import re
import shutil
import uuid

from bson import json_util

import fiftyone as fo
import fiftyone.core.fields as fof

from . import schema as sch
from .progress import Progress

FORMATS = ("tiny-imagenet-c", "image-classification-tree", "fiftyone", "csv", "parquet")
_ALIASES = {
    "tinyimagenetc": "tiny-imagenet-c",
    "tiny_imagenet_c": "tiny-imagenet-c",
    "imageclassificationdirectorytree": "image-classification-tree",
    "image_classification_tree": "image-classification-tree",
    "classification-tree": "image-classification-tree",
    "fiftyonedataset": "fiftyone",
}
MARKER = "datadiver_export.json"
C_DIR = "Tiny-ImageNet-C"
CLEAN_DIR = "tiny-imagenet-200"
UNLABELED_DIR = "_unlabeled"
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-+ ,()'&]")


class ExportReport:
    """What an export wrote and skipped.

    Attributes:
        export_dir: the absolute folder written to
        format: the export format
        num_exported: samples written
        skipped: list of dicts ``{"id", "filepath", "reason"}``
        outputs: main output paths (manifest file, dataset folder, roots)
        notes: other remarks (e.g. saved views that could not be carried)
    """

    def __init__(self, export_dir, fmt):
        self.export_dir = export_dir
        self.format = fmt
        self.num_exported = 0
        self.skipped = []
        self.outputs = []
        self.notes = []

    def skip(self, sample_id, filepath, reason):
        self.skipped.append({"id": sample_id, "filepath": filepath, "reason": reason})

    def to_dict(self):
        return {
            "export_dir": self.export_dir,
            "format": self.format,
            "num_exported": self.num_exported,
            "num_skipped": len(self.skipped),
            "skipped": self.skipped,
            "outputs": self.outputs,
            "notes": self.notes,
        }

    def __repr__(self):
        return (
            f"ExportReport(format={self.format!r}, exported={self.num_exported}, "
            f"skipped={len(self.skipped)}, dir={self.export_dir!r})"
        )


# -----------------------------------------------------------------------------
# path safety
# -----------------------------------------------------------------------------


def safe_name(text, what="name"):
    """Turns a value from the data into one safe path component.

    Characters outside letters, digits and ``. _ - + , ( ) ' &`` and space
    become ``_``; the result never contains a separator. ``""``, ``"."`` and
    ``".."`` (before or after cleaning) raise ValueError.

    Args:
        text: the value (converted with ``str``)
        what ("name"): what it is, for the error message

    Returns:
        the cleaned string
    """
    raw = str(text)
    clean = _UNSAFE.sub("_", raw).strip()
    if raw.strip() in ("", ".", "..") or clean in ("", ".", "..") or clean.startswith(".."):
        raise ValueError(f"unsafe {what} {raw!r}")
    return clean


def _inside(root_real, path):
    """Whether ``path`` (resolved) lies strictly inside ``root_real``."""
    real = os.path.realpath(path)
    return real.startswith(root_real + os.sep)


def _prepare_dir(export_dir, overwrite):
    if not isinstance(export_dir, (str, os.PathLike)) or not str(export_dir).strip():
        raise ValueError("export_dir must be a non-empty folder path")
    text = os.path.expanduser(str(export_dir))
    parts = re.split(r"[\\/]+", text)
    if ".." in parts:
        raise ValueError(f"export_dir {str(export_dir)!r} contains '..'; give the folder without parent references")
    path = os.path.abspath(text)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"export_dir '{path}' exists and is not a folder")
    if os.path.isdir(path) and os.listdir(path):
        if not overwrite:
            raise ValueError(f"export_dir '{path}' is not empty; pass overwrite=True to replace a previous export")
        if not os.path.isfile(os.path.join(path, MARKER)):
            raise ValueError(
                f"export_dir '{path}' is not empty and holds no previous DataDiver export "
                f"({MARKER}); refusing to clear it, choose an empty folder"
            )
        for entry in os.listdir(path):
            full = os.path.join(path, entry)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.remove(full)
    os.makedirs(path, exist_ok=True)
    return path, os.path.realpath(path)


def _place(src, dst, mode):
    if mode == "copy":
        shutil.copy2(src, dst)
    elif mode == "hardlink":
        try:
            os.link(src, dst)
        except OSError:  # another filesystem: copy instead
            shutil.copy2(src, dst)
    elif mode == "symlink":
        os.symlink(os.path.abspath(src), dst)


def _write_files(report, root_real, plan, mode, progress):
    """Writes ``plan`` = list of (sample_id, src, dst) after checks."""
    seen = set()
    with Progress(progress, len(plan), "exporting") as bar:
        for sid, src, dst in plan:
            bar.update()
            if dst is None:
                continue
            if not _inside(root_real, dst):
                report.skip(sid, src, "destination outside export_dir refused")
                continue
            if dst in seen:
                report.skip(sid, src, f"another sample already maps to {os.path.relpath(dst, root_real)}")
                continue
            if not os.path.isfile(src):
                report.skip(sid, src, "source file missing")
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not _inside(root_real, os.path.dirname(dst) + os.sep + "x"):
                report.skip(sid, src, "destination folder resolves outside export_dir")
                continue
            seen.add(dst)
            _place(src, dst, mode)
            report.num_exported += 1


# -----------------------------------------------------------------------------
# formats
# -----------------------------------------------------------------------------


def _rows(samples):
    fields = ["id", "filepath", "tags", sch.CORRUPTION, sch.SEVERITY, sch.WNID, sch.SOURCE_ID]
    schema = samples.get_field_schema()
    have = [f for f in fields if f in ("id", "filepath", "tags") or f in schema]
    cols = samples.values(have)
    labels = samples.values(sch.GROUND_TRUTH + ".label") if sch.GROUND_TRUTH in schema else [None] * len(cols[0])
    out = []
    for i in range(len(cols[0])):
        row = {f: cols[j][i] for j, f in enumerate(have)}
        row["label"] = labels[i]
        out.append(row)
    return out


def _ext(path):
    ext = os.path.splitext(path)[1]
    return ext if re.fullmatch(r"\.[A-Za-z0-9]{1,5}", ext or "") else ".JPEG"


def _export_tiny(samples, root, root_real, report, mode, progress):
    dataset = samples._dataset
    wnid_to_name = dict(dataset.info.get("wnid_to_name") or {})
    name_to_wnid = {v: k for k, v in wnid_to_name.items()}
    plan, val_lines, wnids, clean_used = [], [], set(), False
    for r in _rows(samples):
        sid, src = r["id"], r["filepath"]
        tags = r.get("tags") or []
        missing = sch.TAG_MISSING_LABEL in tags or r["label"] is None
        wnid = r.get(sch.WNID) or name_to_wnid.get(r["label"])
        try:
            fname = safe_name(r.get(sch.SOURCE_ID) or os.path.splitext(os.path.basename(src))[0], "source_id") + _ext(src)
            corr = r.get(sch.CORRUPTION)
            if corr is None:
                raise ValueError("no corruption value")
            if corr == sch.CLEAN:
                clean_used = True
                base = os.path.join(root, CLEAN_DIR)
                if sch.TAG_VAL in tags or (sch.TAG_TRAIN not in tags and missing):
                    dst = os.path.join(base, "val", "images", fname)
                    if not missing:
                        val_lines.append((fname, safe_name(wnid, "wnid"), dst))
                elif missing:
                    raise ValueError("clean train image without a label has no place in tiny-imagenet-200")
                else:
                    w = safe_name(wnid, "wnid")
                    dst = os.path.join(base, "train", w, "images", fname)
            else:
                sev = r.get(sch.SEVERITY)
                if sev is None:
                    raise ValueError("no severity value")
                parts = [root, C_DIR, safe_name(corr, "corruption"), safe_name(int(sev), "severity")]
                if not missing:
                    parts.append(safe_name(wnid, "wnid"))
                dst = os.path.join(*parts, fname)
            if not missing and wnid:
                wnids.add(wnid)
        except (ValueError, TypeError) as e:
            report.skip(sid, src, str(e))
            continue
        plan.append((sid, src, dst))
    _write_files(report, root_real, plan, mode, progress)
    if clean_used:
        base = os.path.join(root, CLEAN_DIR)
        os.makedirs(base, exist_ok=True)
        exported = {p[2] for p in plan if os.path.lexists(p[2])}
        with open(os.path.join(base, "wnids.txt"), "w") as f:
            f.writelines(w + "\n" for w in sorted(wnids))
        with open(os.path.join(base, "words.txt"), "w") as f:
            f.writelines(f"{w}\t{wnid_to_name[w]}\n" for w in sorted(wnids) if w in wnid_to_name)
        lines = [(n, w) for n, w, dst in val_lines if dst in exported]
        if lines:
            os.makedirs(os.path.join(base, "val"), exist_ok=True)
            with open(os.path.join(base, "val", "val_annotations.txt"), "w") as f:
                f.writelines(f"{n}\t{w}\t0\t0\t63\t63\n" for n, w in lines)
        report.outputs.append(base)
    if os.path.isdir(os.path.join(root, C_DIR)):
        report.outputs.insert(0, os.path.join(root, C_DIR))


def _export_tree(samples, root, root_real, report, mode, progress):
    plan = []
    for r in _rows(samples):
        sid, src = r["id"], r["filepath"]
        missing = sch.TAG_MISSING_LABEL in (r.get("tags") or []) or r["label"] is None
        try:
            folder = UNLABELED_DIR if missing else safe_name(r["label"], "label")
            if not missing and folder != r["label"]:
                report.notes.append(f"label {r['label']!r} written as folder {folder!r}")
            stem = safe_name(r.get(sch.SOURCE_ID) or os.path.splitext(os.path.basename(src))[0], "source_id")
            corr = r.get(sch.CORRUPTION)
            if corr is not None:
                stem += f"__{safe_name(corr, 'corruption')}_{r.get(sch.SEVERITY)}"
            dst = os.path.join(root, folder, stem + _ext(src))
        except (ValueError, TypeError) as e:
            report.skip(sid, src, str(e))
            continue
        plan.append((sid, src, dst))
    _write_files(report, root_real, plan, mode, progress)
    report.outputs.append(root)


def _export_fiftyone(samples, root, root_real, report, saved_views, progress):
    dataset = samples._dataset
    out = os.path.join(root, "dataset")
    if isinstance(samples, fo.Dataset):
        if saved_views is None or set(saved_views) == set(dataset.list_saved_views()):
            samples.export(export_dir=out, dataset_type=fo.types.FiftyOneDataset, export_media=True, progress=False)
            report.num_exported = len(samples)
            report.outputs.append(out)
            return
    # A view exports without saved views (FiftyOne only carries them for a
    # whole dataset): clone the subset, rebuild the saved views on it, export.
    tmp = samples.clone("datadiver-export-" + uuid.uuid4().hex[:10])
    try:
        names = dataset.list_saved_views() if saved_views is None else list(saved_views)
        for name in names:
            if name not in dataset.list_saved_views():
                report.notes.append(f"saved view {name!r} does not exist")
                continue
            try:
                from .stage_guard import check_saved_view_doc

                doc = dataset._get_saved_view_doc(name)
                # checked as data first: a hostile stored view is never built
                stages = check_saved_view_doc(dataset, name)
                view = fo.DatasetView._build(tmp, stages)
                len(view)  # fails now, not at import, if a stage cannot run
                tmp.save_view(name, view, description=doc.description, color=doc.color)
            except Exception as e:  # a view using a run or field the subset lacks
                report.notes.append(f"saved view {name!r} not carried: {e}")
        if progress:
            progress(0.5, "writing dataset")
        tmp.export(export_dir=out, dataset_type=fo.types.FiftyOneDataset, export_media=True, progress=False)
        report.num_exported = len(tmp)
        report.outputs.append(out)
    finally:
        tmp.delete()


def _plain(value):
    """A value -> something CSV/Parquet can hold (JSON text for structures)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return value
    return str(value)


def manifest_columns(samples):
    """The columns :func:`export_view` writes to a manifest: ``id``,
    ``filepath``, ``tags`` and every field of ``samples`` (embedded labels and
    metadata flattened to ``<field>.<attribute>``).

    Returns:
        a list of field paths in column order
    """
    schema = samples.get_field_schema()
    cols = ["id", "filepath", "tags"]
    for name, field in schema.items():
        if name in ("id", "filepath", "tags") or name.startswith("_"):
            continue
        if isinstance(field, fof.EmbeddedDocumentField):
            sub = field.get_field_schema()
            for s, sf in sub.items():
                if s in ("id", "_id", "_cls") or isinstance(sf, fof.EmbeddedDocumentField):
                    continue
                cols.append(f"{name}.{s}")
        else:
            cols.append(name)
    return cols


def _export_manifest(samples, root, report, fmt, progress):
    import pandas as pd

    cols = manifest_columns(samples)
    data = {}
    with Progress(progress, len(cols), "manifest") as bar:
        for c in cols:
            data[c] = [_plain(v) for v in samples.values(c)]
            bar.update()
    frame = pd.DataFrame(data, columns=cols)
    path = os.path.join(root, "manifest." + fmt)
    if fmt == "csv":
        # lists/dicts as JSON so the cell round-trips (json.loads)
        for c in cols:
            if frame[c].map(lambda v: isinstance(v, (list, dict))).any():
                frame[c] = frame[c].map(lambda v: json.dumps(v, default=str) if isinstance(v, (list, dict)) else v)
        frame.to_csv(path, index=False)
    else:
        for c in cols:
            # nested dicts (label_history entries...) as JSON: Parquet needs one type per column
            if frame[c].map(lambda v: isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict))).any():
                frame[c] = frame[c].map(lambda v: json.dumps(v, default=str) if v is not None else None)
        frame.to_parquet(path, index=False)
    report.num_exported = len(frame)
    report.outputs.append(path)


def _format(fmt):
    if not isinstance(fmt, str):
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    key = fmt.strip().lower()
    key = _ALIASES.get(key.replace(" ", ""), key)
    if key not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; choose one of {list(FORMATS)}")
    return key


def export_view(
    samples,
    export_dir,
    format="tiny-imagenet-c",
    overwrite=False,
    honor_exclusions=True,
    mode="copy",
    saved_views=None,
    progress=None,
):
    """Exports a dataset or view to a training-ready folder.

    Args:
        samples: a FiftyOne dataset or view (typically from
            :func:`datadiver_fo.select` or a prompt)
        export_dir: the folder to write into; created if missing. Must not
            contain ``..``. Nothing is written outside it
        format ("tiny-imagenet-c"): one of ``"tiny-imagenet-c"``,
            ``"image-classification-tree"``, ``"fiftyone"``, ``"csv"``,
            ``"parquet"`` (see the module doc)
        overwrite (False): replace a previous DataDiver export in
            ``export_dir``; without it a non-empty folder is refused
        honor_exclusions (True): leave out samples marked ``excluded`` by
            :func:`datadiver_fo.exclude_samples` (reported as skipped)
        mode ("copy"): for the folder formats, ``"copy"``, ``"hardlink"`` or
            ``"symlink"`` the images
        saved_views (None): for ``"fiftyone"``, the saved view names to carry
            (default: all the dataset's saved views)
        progress (None): ``True`` or a callable ``progress(fraction, label)``

    Returns:
        an :class:`ExportReport` (``num_exported``, ``skipped`` with reasons,
        ``outputs``); the same content is saved as ``datadiver_export.json``

    Raises:
        ValueError: unknown format or mode, ``export_dir`` with ``..``, a
            non-empty ``export_dir`` without ``overwrite``, or an empty
            selection
    """
    if not isinstance(samples, fo.core.collections.SampleCollection):
        raise ValueError(f"samples must be a FiftyOne Dataset or DatasetView, got {type(samples).__name__}")
    fmt = _format(format)
    if mode not in ("copy", "hardlink", "symlink"):
        raise ValueError(f"mode must be 'copy', 'hardlink' or 'symlink', got {mode!r}")
    if saved_views is not None and fmt != "fiftyone":
        raise ValueError("saved_views only applies to format='fiftyone'")
    export_dir_abs = os.path.abspath(os.path.expanduser(str(export_dir))) if export_dir else None
    report = ExportReport(export_dir_abs, fmt)
    view = samples
    if honor_exclusions and sch.EXCLUDED in samples.get_field_schema():
        excluded = samples.match(fo.ViewField(sch.EXCLUDED) == True)  # noqa: E712
        for sid, fp in zip(*excluded.values(["id", "filepath"])):
            report.skip(sid, fp, "excluded")
        if report.skipped:
            view = samples.match(fo.ViewField(sch.EXCLUDED) != True)  # noqa: E712
    if len(view) == 0:
        raise ValueError("Nothing to export: the view is empty" + (" after exclusions" if report.skipped else ""))
    root, root_real = _prepare_dir(export_dir, overwrite)
    report.export_dir = root
    if fmt == "tiny-imagenet-c":
        _export_tiny(view, root, root_real, report, mode, progress)
    elif fmt == "image-classification-tree":
        _export_tree(view, root, root_real, report, mode, progress)
    elif fmt == "fiftyone":
        _export_fiftyone(view, root, root_real, report, saved_views, progress)
    else:
        _export_manifest(view, root, report, fmt, progress)
    record = report.to_dict()
    record.update(
        {
            "dataset": samples._dataset.name,
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "view_stages": [str(s) for s in getattr(view, "_stages", [])],
        }
    )
    with open(os.path.join(root, MARKER), "w") as f:
        json.dump(record, f, indent=1, default=str)
    return report


def read_manifest(path):
    """Reads a manifest written by :func:`export_view` back into a pandas
    DataFrame; CSV cells holding JSON lists/dicts are decoded.

    Args:
        path: the ``manifest.csv`` or ``manifest.parquet`` file

    Returns:
        a :class:`pandas.DataFrame` with one row per sample
    """
    import pandas as pd

    if str(path).endswith(".parquet"):
        return pd.read_parquet(path)
    frame = pd.read_csv(path)
    for c in frame.columns:
        if frame[c].dtype == object:
            sample = frame[c].dropna().astype(str)
            if len(sample) and sample.str.match(r"^\s*[\[{]").all():
                frame[c] = frame[c].map(lambda v: json.loads(v) if isinstance(v, str) else v)
    return frame

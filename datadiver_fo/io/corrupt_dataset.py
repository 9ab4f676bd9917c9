"""A -C copy of any image dataset: the chosen corruptions of every image of a
FiftyOne dataset or view, written in the -C folder layout and loaded as a
dataset linked to its source.

Layout written under ``out_dir``::

    <out_dir>/<corruption>/<severity>/<class>/<name>

-   ``<class>``: the sample's ``wnid`` when it has one (so a Tiny-ImageNet
    copy is a Tiny-ImageNet-C tree that :func:`load_tiny_imagenet_c` reads
    too), else its label (``label_field``) made safe as a folder name (a
    label that had to be changed gets ``-<6 hex digits of its hash>`` so two
    labels never share a folder); a sample without a label lies directly in
    ``<severity>/``, as in the loader's layout.
-   ``<name>``: the source file's name with the output extension (``.JPEG``
    or ``.png``); when two source samples of one class share a name, each of
    them becomes ``<stem>-<sample id>``.

Linking: each new sample's ``source_id`` is the **id of its source sample**
(``str(sample.id)``, stable for the life of the source dataset), so
``source.select(copy.distinct("source_id"))`` and "every corruption of this
picture" (``copy.match(F("source_id") == id)``) work; ``ground_truth``,
``wnid`` and ``hypernyms`` are copied from the source.

Corruption parameters: the reference generator has one table per resolution
(CIFAR 32 px, Tiny-ImageNet 64 px, ImageNet 224 px). ``resolution="auto"``
picks, for each image, the table whose size is nearest to the image's shorter
side on a log scale (up to 45 px: 32; up to 119 px: 64; larger: 224);
``resolution=32|64|224`` forces one. Images are corrupted at their own size.

Randomness: image ``i``'s corruption ``c`` at severity ``s`` draws from a
generator seeded with ``(seed, source sample id, c, s)``: the output does not
depend on the number of workers, on the order, or on an interruption.

Safety (as :func:`datadiver_fo.io.export.export_view`): ``out_dir`` must be
empty, missing, or hold this module's owner manifest
(``.datadiver-corrupt.json``) for the same target dataset, source dataset
(by id: a source rebuilt under the same name has new sample ids) and
settings; a
folder holding media of any dataset other than that target is refused.
Files are written to a hidden temporary name and renamed into place, so a
file that exists is complete; re-running after an interruption writes only
the missing files. Nothing is ever deleted except this module's own
temporary files.
"""
import json
import logging
import os
import re
import zlib
import numpy as np

from datadiver_fo.internal import schema as S
from datadiver_fo.internal.progress import Progress
from datadiver_fo.io import corruptions as C

logger = logging.getLogger(__name__)

OWNER = ".datadiver-corrupt.json"
TAG = "corrupted"  # the tag of every sample of a -C copy
RESOLUTIONS = (32, 64, 224)
_TABLE = {32: "cifar", 64: "tiny", 224: "imagenet"}  # corruptions.corrupt_batch(resolution=...)
_FORMATS = {"jpeg": ".JPEG", "png": ".png"}
_JPEG_QUALITY = 85  # the Tiny-ImageNet-C and ImageNet-C generators save JPEG quality 85
_TMP_RE = re.compile(r"^\..+\.tmp-dd$")  # this module's temporary files
_SAFE = re.compile(r"[^A-Za-z0-9 _\-.,()'+&]")
_CHUNK = 8  # source images per worker task
_PER_WORKER = 1000  # images to write per worker process when workers=None


def _folder(label):
    """A class label as a folder name (unchanged when already safe)."""
    clean = _SAFE.sub("_", label).strip().lstrip(".")[:100]
    if clean == label and clean:
        return clean
    return f"{clean or 'class'}-{zlib.crc32(label.encode('utf-8')) & 0xFFFFFF:06x}"


def _seed(seed, sample_id, corruption, severity):
    key = int(sample_id, 16) if re.fullmatch(r"[0-9a-f]+", sample_id) else zlib.crc32(
        sample_id.encode("utf-8"))
    # the corruption by a hash of its name: stable whatever the order of list_corruptions()
    return np.random.default_rng([int(seed), key, zlib.crc32(corruption.encode("utf-8")),
                                  severity])


# --- the worker (runs in a worker process: no FiftyOne, no database) -------------


def _corrupt_one(task):
    """Writes the missing outputs of one source image.

    ``task``: ``(source path, sample id, [(corruption, severity, out path)],
    seed, resolution or None, format)``.

    Returns ``(written, [(path, reason)])``.
    """
    from PIL import Image

    src, sample_id, outs, seed, resolution, fmt = task
    try:
        with Image.open(src) as im:
            img = np.asarray(im.convert("RGB"))
    except Exception as e:  # any unreadable source is reported, never raised
        return 0, [(src, f"source not readable: {type(e).__name__}: {e}"[:300])]
    # the reference's parameter table for that size (one rule: corruptions.resolution_for)
    table = _TABLE[resolution] if resolution else C.resolution_for(img.shape[0], img.shape[1])
    written, errors = 0, []
    for corruption, severity, out in outs:
        try:
            arr = C.corrupt_batch(img[None], corruption, severity,
                                  rng=_seed(seed, sample_id, corruption, severity), resolution=table)[0]
        except Exception as e:
            errors.append((out, f"{corruption} failed: {type(e).__name__}: {e}"[:300]))
            continue
        folder, name = os.path.split(out)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".{name}.tmp-dd")
        pil = Image.fromarray(arr)
        if fmt == "jpeg":
            pil.save(tmp, format="JPEG", quality=_JPEG_QUALITY)
        else:
            pil.save(tmp, format="PNG")
        os.replace(tmp, out)
        written += 1
    return written, errors


def _run_chunk(tasks):
    written, errors = 0, []
    for t in tasks:
        w, e = _corrupt_one(t)
        written += w
        errors.extend(e)
    return written, errors, sum(len(t[2]) for t in tasks)


# --- the owner manifest, out_dir checks -------------------------------------------


def _read_owner(out_dir):
    path = os.path.join(out_dir, OWNER)
    if not os.path.isfile(path) or os.path.islink(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _write_owner(out_dir, doc):
    tmp = os.path.join(out_dir, OWNER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(out_dir, OWNER))


def _media_of_other_dataset(out_dir, own_name):
    """``(dataset name, filepath)`` of a media file under ``out_dir`` that
    belongs to a dataset other than ``own_name`` (an indexed prefix query per
    dataset, for the given and the resolved spelling), or None."""
    from datadiver_fo.internal import store

    prefixes = sorted({out_dir.rstrip(os.sep) + os.sep,
                       os.path.realpath(out_dir).rstrip(os.sep) + os.sep})
    query = {"$or": [{"filepath": {"$gte": p, "$lt": p[:-1] + chr(ord(p[-1]) + 1)}}
                     for p in prefixes]}
    for name, coll in store.sample_collections():
        if name == own_name:
            continue
        hit = coll.find_one(query, {"filepath": 1})
        if hit is not None:
            return name, hit["filepath"]
    return None


def _claim(out_dir, settings):
    """Checks ``out_dir`` (see the module doc) and returns its manifest."""
    if os.path.lexists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"out_dir '{out_dir}' exists and is not a folder")
    doc = _read_owner(out_dir) if os.path.isdir(out_dir) else None
    own = doc.get("dataset") if doc else None
    if own is not None and own != settings["dataset"]:
        raise ValueError(
            f"out_dir '{out_dir}' holds the -C copy of dataset '{own}', not '{settings['dataset']}': "
            f"pass name='{own}' to resume it, or choose another folder")
    hit = _media_of_other_dataset(out_dir, settings["dataset"])
    if hit is not None:
        raise ValueError(
            f"out_dir '{out_dir}' holds media of dataset '{hit[0]}' (e.g. '{hit[1]}'); writing "
            "there could overwrite that dataset's images. Choose another folder")
    entries = os.listdir(out_dir) if os.path.isdir(out_dir) else []
    if doc is None:
        others = [e for e in entries if e not in (OWNER, OWNER + ".tmp")]
        if others:
            raise ValueError(
                f"out_dir '{out_dir}' is not empty and holds no DataDiver -C copy ({OWNER}; "
                f"e.g. '{sorted(others)[0]}'): choose an empty folder")
        os.makedirs(out_dir, exist_ok=True)
        doc = dict(settings)
        _write_owner(out_dir, doc)
        return doc
    if doc.get("source_dataset_id") != settings["source_dataset_id"]:
        raise ValueError(
            f"out_dir '{out_dir}' holds a -C copy of another dataset (or of an earlier dataset "
            f"named '{doc.get('source_dataset')}', rebuilt since): its source_id values would "
            "not match these samples. Choose another folder")
    for key in ("seed", "resolution", "image_format"):
        if doc.get(key) != settings[key]:
            raise ValueError(
                f"out_dir '{out_dir}' was written with {key}={doc.get(key)!r}, not "
                f"{settings[key]!r}: resuming would mix two settings; pass {key}="
                f"{doc.get(key)!r} or choose another folder")
    return doc


# --- the public function ------------------------------------------------------------


def _plan(samples, label_field, out_dir, corruptions, severities, ext):
    """One entry per source sample: ``(source path, sample id, label, wnid,
    hypernyms, [(corruption, severity, out path)])``."""
    schema = samples.get_field_schema()
    ids, paths = samples.values("id"), samples.values("filepath")
    labels = (samples.values(label_field + ".label") if label_field in schema
              else [None] * len(ids))
    wnids = samples.values(S.WNID) if S.WNID in schema else [None] * len(ids)
    hyper = samples.values(S.HYPERNYMS) if S.HYPERNYMS in schema else [None] * len(ids)
    folders = [w if isinstance(w, str) and w else (_folder(l) if isinstance(l, str) and l else "")
               for w, l in zip(wnids, labels)]
    stems = [os.path.splitext(os.path.basename(p))[0] for p in paths]
    seen = {}
    for f, s in zip(folders, stems):
        seen[(f, s)] = seen.get((f, s), 0) + 1
    plan = []
    for sid, path, label, wnid, hyp, folder, stem in zip(ids, paths, labels, wnids, hyper,
                                                         folders, stems):
        name = (stem if seen[(folder, stem)] == 1 else f"{stem}-{sid}") + ext
        outs = []
        for c in corruptions:
            for s in severities:
                parts = [out_dir, c, str(s)] + ([folder] if folder else []) + [name]
                outs.append((c, s, os.path.join(*parts)))
        plan.append((path, sid, label, wnid, hyp, outs))
    return plan


def _existing(folders):
    """Names present in each output folder (one listing each); this module's
    leftover temporary files are removed."""
    out = {}
    for d in folders:
        names = set()
        try:
            entries = os.listdir(d)
        except OSError:
            entries = []
        for n in entries:
            if _TMP_RE.match(n):
                try:
                    os.remove(os.path.join(d, n))
                except OSError:
                    pass
            else:
                names.add(n)
        out[d] = names
    return out


def corrupt_dataset(
    samples,
    out_dir,
    corruptions=None,
    severities=None,
    name=None,
    resolution="auto",
    label_field="ground_truth",
    image_format="jpeg",
    seed=0,
    workers=None,
    persistent=True,
    progress=None,
):
    """Writes a -C copy of an image dataset or view and loads it as a dataset
    linked to its source (layout, linking, parameters and safety rules: see
    :mod:`datadiver_fo.io.corrupt_dataset`).

    Args:
        samples: a FiftyOne image dataset or view (any sizes; non-RGB images
            are converted to RGB)
        out_dir: the folder to write ``<corruption>/<severity>/<class>/<name>``
            into: missing, empty, or an earlier (possibly interrupted) copy
            into the same dataset ``name`` with the same ``seed``,
            ``resolution`` and ``image_format``
        corruptions (None): corruption names (see
            :func:`datadiver_fo.list_corruptions`); default all 19
        severities (None): ints in 1..5; default all five
        name (None): the dataset of the copy; default ``"<source dataset
            name>-c"``. An existing dataset of that name must be an earlier
            copy into the same ``out_dir``; its missing samples are added
        resolution ("auto"): ``"auto"`` (per image, see the module doc) or
            32, 64 or 224: whose corruption parameters to use
        label_field ("ground_truth"): the source's ``fo.Classification``
            field whose label names the class folder and is copied
        image_format ("jpeg"): ``"jpeg"`` (quality 85, as Tiny-ImageNet-C
            and ImageNet-C store theirs) or ``"png"`` (lossless)
        seed (0): int; the same seed gives byte-identical files
        workers (None): processes that corrupt in parallel (1 runs in this
            process); default one per 1,000 images to write, at most one per
            CPU core (starting a process costs seconds)
        persistent (True): whether the copy's dataset persists
        progress (None): ``None`` / ``True`` / ``False`` / a callback (the
            FiftyOne convention), counted in written images

    Returns:
        the copy's :class:`fiftyone.core.dataset.Dataset`: per sample
        ``ground_truth``, ``corruption``, ``corruption_family``,
        ``severity``, ``source_id`` (the source sample's id), ``wnid`` and
        ``hypernyms`` when the source has them, the tag ``"corrupted"`` and
        ``metadata``. ``info["datadiver_corrupt"]`` records the source
        dataset, settings, ``written`` / ``already_present`` counts and
        ``failed`` (``[path, reason]`` of sources that could not be read or
        outputs that could not be made; their samples are left out)

    Raises:
        ValueError: unknown corruption, severity outside 1..5, bad
            ``resolution`` / ``image_format`` / ``workers``, ``samples`` not
            images, ``out_dir`` refused (see above), ``name`` taken by another
            dataset
    """
    import fiftyone as fo

    from datadiver_fo.internal import store

    known = C.list_corruptions()
    corruptions = list(known if corruptions is None else corruptions)
    bad = [c for c in corruptions if c not in known]
    if bad or not corruptions:
        raise ValueError(f"unknown corruptions {bad}: choose from {', '.join(known)}"
                         if bad else "corruptions is empty")
    severities = sorted(set(S.SEVERITIES if severities is None else severities))
    if not severities or any(isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 5
                             for s in severities):
        raise ValueError(f"severities must be integers in 1..5; got {severities}")
    if resolution != "auto" and resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be 'auto' or one of {RESOLUTIONS}; got {resolution!r}")
    if image_format not in _FORMATS:
        raise ValueError(f"image_format must be 'jpeg' or 'png'; got {image_format!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers must be a positive integer or None; got {workers!r}")
    if samples.media_type != "image":
        raise ValueError(f"samples must be images; this collection's media type is "
                         f"{samples.media_type!r}")
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir).strip():
        raise ValueError("out_dir must be a non-empty folder path")
    out_dir = os.path.abspath(os.path.expanduser(str(out_dir)))
    source = samples._dataset
    name = name or f"{source.name}-c"
    if name == source.name:
        raise ValueError("name must differ from the source dataset's name")
    if fo.dataset_exists(name):
        prev = (fo.load_dataset(name).info or {}).get("datadiver_corrupt") or {}
        if prev.get("out_dir") != out_dir:
            raise ValueError(f"dataset '{name}' exists and is not a -C copy written to "
                             f"'{out_dir}': choose another name")
    settings = {"dataset": name, "source_dataset": source.name,
                "source_dataset_id": store.dataset_id(source), "seed": int(seed),
                "resolution": resolution, "image_format": image_format}
    _claim(out_dir, settings)

    ext = _FORMATS[image_format]
    plan = _plan(samples, label_field, out_dir, corruptions, severities, ext)
    there = _existing({os.path.dirname(o[2]) for p in plan for o in p[5]})
    tasks, already = [], 0
    for path, sid, _label, _w, _h, outs in plan:
        todo = [o for o in outs if os.path.basename(o[2]) not in there[os.path.dirname(o[2])]]
        already += len(outs) - len(todo)
        if todo:
            tasks.append((path, sid, todo, int(seed),
                          None if resolution == "auto" else resolution, image_format))
    total = sum(len(t[2]) for t in tasks)
    if workers is None:
        # a worker costs a process start (imports, per-process corruption
        # assets: seconds): one per _PER_WORKER images to write, at most one per core
        workers = max(1, min(os.cpu_count() or 1, total // _PER_WORKER))
    written, failed = 0, []
    chunks = [tasks[i:i + _CHUNK] for i in range(0, len(tasks), _CHUNK)]
    with Progress(progress, total + 1, "corrupting") as prog:
        if workers == 1 or len(chunks) <= 1:
            for chunk in chunks:
                w, e, n = _run_chunk(chunk)
                written += w
                failed.extend(e)
                prog.update(n)
        else:
            # joblib's loky workers: fresh interpreters (fork + exec: the
            # parent's MongoDB client is never forked), reused across calls
            # (a process start costs seconds), and, unlike multiprocessing's
            # spawn, they do not re-run the caller's script (no
            # ``if __name__ == "__main__"`` guard needed)
            from joblib import Parallel, delayed

            par = Parallel(n_jobs=min(workers, len(chunks)), backend="loky",
                           return_as="generator_unordered")
            for w, e, n in par(delayed(_run_chunk)(chunk) for chunk in chunks):
                written += w
                failed.extend(e)
                prog.update(n)
        dataset = _load_copy(fo, store, name, persistent, plan, failed, source, settings,
                             out_dir, corruptions, severities, written, already)
        prog.update(1, "loading")
    return dataset


def _load_copy(fo, store, name, persistent, plan, failed, source, settings, out_dir,
               corruptions, severities, written, already):
    """Adds the copy's files that exist and are not yet samples to the
    dataset ``name`` and records the run in its info."""
    from PIL import Image

    dataset = fo.load_dataset(name) if fo.dataset_exists(name) else fo.Dataset(name)
    dataset.persistent = persistent
    if dataset.media_type is None:
        dataset.media_type = "image"
    schema = dataset.get_field_schema()
    for fname, ftype, kw in (
            (S.GROUND_TRUTH, fo.EmbeddedDocumentField, {"embedded_doc_type": fo.Classification}),
            (S.WNID, fo.StringField, {}),
            (S.HYPERNYMS, fo.ListField, {"subfield": fo.StringField}),
            (S.CORRUPTION, fo.StringField, {}),
            (S.CORRUPTION_FAMILY, fo.StringField, {}),
            (S.SEVERITY, fo.IntField, {}),
            (S.SOURCE_ID, fo.StringField, {})):
        if fname not in schema:
            dataset.add_sample_field(fname, ftype, **kw)
    dataset.create_index("filepath", unique=True)
    present = set(dataset.values("filepath"))
    bad = {p for p, _ in failed}
    make = store.SampleDocs(dataset)
    mime = "image/jpeg" if settings["image_format"] == "jpeg" else "image/png"
    docs, added = [], 0
    for path, sid, label, wnid, hyp, outs in plan:
        if path in bad:
            continue
        size = None
        for c, s, out in outs:
            if out in present or out in bad or not os.path.isfile(out):
                continue
            if size is None:
                with Image.open(out) as im:
                    size = im.size
            fields = {S.CORRUPTION: c, S.CORRUPTION_FAMILY: S.corruption_family(c),
                      S.SEVERITY: s, S.SOURCE_ID: sid,
                      S.HYPERNYMS: list(hyp) if isinstance(hyp, list) else []}
            if wnid:
                fields[S.WNID] = wnid
            meta = {"size_bytes": os.path.getsize(out), "mime_type": mime, "width": size[0],
                    "height": size[1], "num_channels": 3}
            tags = [TAG] + ([] if label else [S.TAG_MISSING_LABEL])
            docs.append(make.image(out, tags, meta, fields,
                                   {S.GROUND_TRUTH: label} if label else None))
            if len(docs) >= 2000:
                added += store.insert_sample_docs(dataset, docs)[0]
                docs = []
    added += store.insert_sample_docs(dataset, docs)[0]
    for f in (S.CORRUPTION, S.SEVERITY, S.SOURCE_ID):
        dataset.create_index(f)
    notes = []  # kept in the manifest's format; nothing to note at present
    info = dict(dataset.info or {})
    info["datadiver_corrupt"] = {
        "source_dataset": source.name, "source_dataset_id": settings["source_dataset_id"],
        "out_dir": out_dir, "corruptions": corruptions,
        "severities": severities, "resolution": settings["resolution"],
        "image_format": settings["image_format"], "seed": settings["seed"],
        "written": written, "already_present": already, "added": added,
        "failed": [list(f) for f in failed[:2000]], "num_failed": len(failed),
        "source_id": "id of the source sample in dataset " + repr(source.name),
        "notes": notes,
    }
    dataset.info = info
    dataset.save()
    return dataset

"""Export a customised view to something a training script reads.

One entry point, :func:`export_view`, with five formats:

-   ``"tiny-imagenet-c"``: the Tiny-ImageNet-C layout
    (``Tiny-ImageNet-C/<corruption>/<severity>/<wnid>/<source_id>.JPEG``) plus,
    for clean samples, the ``tiny-imagenet-200`` layout (``train/<wnid>/images``,
    ``val/images`` + ``val_annotations.txt``, ``wnids.txt``, ``words.txt``),
    and ``words.txt`` at the top of ``export_dir`` naming every exported
    class. Existing loaders read it, and
    :func:`datadiver_fo.load_tiny_imagenet_c` re-imports the same samples and
    fields (pass ``words_txt=<export_dir>/words.txt`` or
    ``clean_root=<export_dir>/tiny-imagenet-200`` so classes outside the 200
    get their names back). Unlabeled samples (tag ``missing_label``, no label,
    or a blank label) are written without a class folder, so they come back
    unlabeled;
-   ``"image-classification-tree"``: FiftyOne's
    ``ImageClassificationDirectoryTree`` (``<label>/<file>``, unlabeled samples
    in ``_unlabeled/``); file names carry corruption and severity
    (``<source_id>__<corruption>_<severity>.JPEG``) so variants never collide;
-   ``"fiftyone"``: a ``FiftyOneDataset`` export (media copied) that carries
    the dataset's saved views (rebuilt on the exported subset) and info;
-   ``"csv"`` / ``"parquet"``: a manifest with one row per sample and one
    column per field (labels flattened to ``<field>.label``...).

Class folders. In the Tiny-ImageNet-C layout a class folder is a WordNet id:
the one the dataset's vocabulary (``info["wnid_to_name"]``) gives the label,
else the sample's ``wnid`` if it names no other class, else the Tiny-ImageNet
class of that name. A label with none of these (a new name, ``"cat/dog"``,
``".."``...) gets a synthetic id ``n9xxxxxxx`` (WordNet 3.0 offsets stay below
16,000,000, so it is never a real synset; 7 digits from a SHA-1 of the label,
the next free one on a clash: deterministic and collision-free), and
``words.txt`` maps it back to the label. In the tree layout a class folder is
the label itself when it is a plain, portable folder name; otherwise (a
separator, ``.``/``..``, a leading dot, characters outside ``A-Za-z0-9 . _ - +
, ( ) ' &`` and space, over 100 characters, a Windows device name,
``_unlabeled``, or the same name as another label up to case) it is a slug of
the label plus 8 hex digits of its SHA-1. Every such label is listed in
:attr:`ExportReport.renamed_labels` with a note; a folder is never ``None``.

Safety, what an export may touch:

-   Nothing is written outside ``export_dir``. Path components that come from
    the data are sanitised, and every folder written to is checked, links
    resolved, to lie inside ``export_dir``. An ``export_dir`` with ``..``
    components is refused. An existing file is never overwritten: a sample
    whose destination is taken is skipped with the reason.
-   An ``export_dir`` that holds media is refused: if it (links resolved)
    contains the media file of any sample of the dataset being exported (each
    media folder resolved, and each media file that is a link), or a stored
    ``filepath`` of any dataset in the database (an indexed prefix query per
    dataset, for the given and the resolved spelling of ``export_dir``),
    nothing is deleted or written. A folder *inside* a media folder is fine:
    an export never deletes what it did not write, so it cannot harm the
    media around it.
-   Ownership: every file and folder an export creates is recorded *before*
    it is created, in the journal ``.datadiver-export.journal``; at the end
    the journal is folded into the owner manifest ``.datadiver-export.json``
    (relative path -> size in bytes, or ``"link"``). An export killed half-way
    therefore leaves a journal that lists everything it wrote.
-   An empty or missing ``export_dir`` is always accepted. A non-empty one is
    accepted only with ``overwrite=True`` and only if it holds a DataDiver
    owner manifest or journal (a previous export, finished or interrupted). A
    non-empty folder without one is refused even with ``overwrite=True``:
    nobody can tell which of its files are whose, and a re-import would mix
    them with the export. So is a folder holding only a
    ``datadiver_export.json`` from a version before owner manifests.
-   ``overwrite=True`` removes only files listed there, and only if they are
    still the same kind and size (a file someone replaced is kept); entries
    that point outside ``export_dir`` are ignored; the folders the previous
    export created are removed only once empty. What stays is listed in
    :attr:`ExportReport.kept_files` and a note.

Every export writes ``datadiver_export.json`` (format, counts, what was
skipped and why, renamed labels, kept files).
"""
import datetime
import hashlib
import json
import os
import re
import shutil
import stat
import unicodedata
import uuid

import fiftyone as fo
import fiftyone.core.fields as fof

from datadiver_fo.internal import schema as sch
from datadiver_fo.internal import store
from datadiver_fo.io import wordnet as wn
from datadiver_fo.internal.progress import Progress, as_fiftyone
from datadiver_fo.internal.report import Report

FORMATS = ("tiny-imagenet-c", "image-classification-tree", "fiftyone", "csv", "parquet")
_ALIASES = {
    "tinyimagenetc": "tiny-imagenet-c",
    "tiny_imagenet_c": "tiny-imagenet-c",
    "imageclassificationdirectorytree": "image-classification-tree",
    "image_classification_tree": "image-classification-tree",
    "classification-tree": "image-classification-tree",
    "fiftyonedataset": "fiftyone",
}
MARKER = "datadiver_export.json"  # the report
OWNER = ".datadiver-export.json"  # owner manifest: every file the export wrote
JOURNAL = ".datadiver-export.journal"  # the same, appended while writing
_OWNER_TMP = OWNER + ".tmp"
_CONTROL = frozenset((MARKER, OWNER, JOURNAL, _OWNER_TMP))
_PARTIAL = ".datadiver-partial-"  # a folder FiftyOne's exporter writes into, then moved
WORDS = "words.txt"
C_DIR = "Tiny-ImageNet-C"
CLEAN_DIR = "tiny-imagenet-200"
UNLABELED_DIR = "_unlabeled"
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-+ ,()'&]")
_WNID = re.compile(r"n\d{8}")
_MAX_FOLDER = 100
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)]
)
_MAX_LISTED = 200  # kept files listed in the report (the count stays exact)


class ExportReport(Report):
    """What an export wrote, skipped, renamed and left alone: a read-only
    :class:`datadiver_fo.internal.report.Report` (``rep.x`` or ``rep["x"]``).

    Keys:
        export_dir: the absolute folder written to
        format: the export format
        num_exported: samples written
        num_skipped: ``len(skipped)``
        skipped: list of dicts ``{"id", "filepath", "reason"}``
        outputs: main output paths (manifest file, dataset folder, roots)
        notes: other remarks (renamed labels, unlabeled samples, saved views
            that could not be carried, files left in place)
        renamed_labels: dict ``label -> class folder`` for every label that
            could not be its own folder (see the module doc)
        removed_files: number of files of the previous export that
            ``overwrite=True`` removed
        num_kept_files: ``len(kept_files)``
        kept_files: paths (relative to ``export_dir``) of files DataDiver did
            not write, or that changed since it wrote them, left in place
            (all of them; ``datadiver_export.json`` lists the first 200)
    """


class _ExportLog:
    """Collects what :func:`export_view` does while it runs; its
    :meth:`to_dict` is ``datadiver_export.json`` and the final
    :class:`ExportReport`."""

    def __init__(self, export_dir, fmt):
        self.export_dir = export_dir
        self.format = fmt
        self.num_exported = 0
        self.skipped = []
        self.outputs = []
        self.notes = []
        self.renamed_labels = {}
        self.removed_files = 0
        self.kept_files = []

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
            "renamed_labels": self.renamed_labels,
            "removed_files": self.removed_files,
            "num_kept_files": len(self.kept_files),
            "kept_files": self.kept_files[:_MAX_LISTED],
        }



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


def _under(real, root_real):
    """Whether the resolved path ``real`` is ``root_real`` or lies inside it."""
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def _media_inside(samples, root, root_real):
    """One media file inside ``export_dir``: ``(dataset name, filepath)`` or None.

    The dataset being exported is checked thoroughly: each media folder is
    resolved and listed once, and the media files the listing shows to be
    links are resolved. Every other dataset in the database gets an indexed
    prefix query on ``filepath`` (limit 1) for the given and the resolved
    spelling of ``export_dir`` (about 0.4 ms a dataset).
    """
    dataset = samples._dataset
    folders = {}  # media folder -> (inside export_dir?, names of its entries that are links)
    for doc in store.sample_collection(dataset).find({}, {"filepath": 1, "_id": 0}):
        fp = doc.get("filepath")
        if not isinstance(fp, str) or not fp:
            continue
        d, name = os.path.split(fp)
        seen = folders.get(d)
        if seen is None:
            # one listing per folder tells which entries are links (no stat per file)
            try:
                with os.scandir(d) as it:
                    links = {e.name for e in it if e.is_symlink()}
            except OSError:
                links = set()
            seen = folders[d] = (_under(os.path.realpath(d), root_real), links)
        if seen[0] or (name in seen[1] and _under(os.path.realpath(fp), root_real)):
            return dataset.name, fp
    prefixes = sorted({os.path.abspath(root).rstrip(os.sep) + os.sep, root_real.rstrip(os.sep) + os.sep})
    # [prefix, prefix with its last character + 1): every string that starts with prefix
    query = {"$or": [{"filepath": {"$gte": p, "$lt": p[:-1] + chr(ord(p[-1]) + 1)}} for p in prefixes]}
    for name, coll in store.sample_collections():
        if name == dataset.name:
            continue
        hit = coll.find_one(query, {"filepath": 1})
        if hit is not None:
            return name, hit["filepath"]
    return None


_SEPS = re.compile("[" + re.escape("/" + os.sep + (os.altsep or "")) + "]")


def _split(rel):
    """A recorded relative path (``/`` separators) -> its components."""
    return _SEPS.split(rel)


def _rel_parts(rel):
    """The components of a recorded relative path, or None if it could
    leave the folder (absolute, ``..``, empty parts)."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or os.path.isabs(rel):
        return None
    parts = _split(rel)
    if any(p in ("", ".", "..") for p in parts):
        return None
    return parts


def _owned_path(root, root_real, rel):
    """Absolute path of a recorded entry, or None if it leads outside
    ``export_dir`` (traversal, or a folder on the way that is a link out)."""
    parts = _rel_parts(rel)
    if parts is None:
        return None
    full = os.path.join(root, *parts)
    if not _under(os.path.realpath(os.path.dirname(full)), root_real):
        return None
    return full


def _read_owned(root):
    """What previous exports into ``root`` recorded: ``(files, folders,
    partial folders)``, or None when ``root`` holds no owner manifest or
    journal. ``files`` maps a relative path to its size, ``"link"``, or
    None (being written when the export stopped)."""
    owner, journal = os.path.join(root, OWNER), os.path.join(root, JOURNAL)
    if not (os.path.isfile(owner) or os.path.isfile(journal)):
        return None
    files, folders, partial = {}, [], []
    if os.path.isfile(owner):
        try:
            with open(owner, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}  # unreadable: owns nothing, so nothing is removed
        if isinstance(data, dict):
            if isinstance(data.get("files"), dict):
                files.update(data["files"])
            folders += [d for d in data.get("folders") or [] if isinstance(d, str)]
            partial += [d for d in data.get("partial") or [] if isinstance(d, str)]
    if os.path.isfile(journal):
        with open(journal, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:  # the last line, cut by a kill
                    continue
                if not isinstance(entry, dict):
                    continue
                if isinstance(entry.get("f"), str):
                    files[entry["f"]] = entry.get("size", "link" if entry.get("link") else None)
                elif isinstance(entry.get("dir"), str):
                    folders.append(entry["dir"])
                elif isinstance(entry.get("partial"), str):
                    partial.append(entry["partial"])
    return files, folders, partial


def _still_ours(full, expected):
    """Whether the file at ``full`` is what the manifest says DataDiver wrote."""
    try:
        st = os.lstat(full)
    except OSError:
        return False
    link = stat.S_ISLNK(st.st_mode)
    if expected == "link":
        return link
    if isinstance(expected, int) and not isinstance(expected, bool):
        return stat.S_ISREG(st.st_mode) and st.st_size == expected
    if expected is None:  # being written when the export stopped
        return link or stat.S_ISREG(st.st_mode)
    return False


def _remove_partial(root, root_real, rel, report):
    """Removes a folder FiftyOne's exporter was writing into (all of it is
    the export's: DataDiver created it under a fresh random name)."""
    parts = _rel_parts(rel)
    if parts is None or len(parts) != 1 or not parts[0].startswith(_PARTIAL):
        return
    full = os.path.join(root, parts[0])
    if os.path.islink(full) or not os.path.isdir(full) or not _under(os.path.realpath(full), root_real):
        return
    for here, dirs, files in os.walk(full, topdown=False):
        for name in files:
            os.remove(os.path.join(here, name))
            report.removed_files += 1
        for name in dirs:
            path = os.path.join(here, name)
            if os.path.islink(path):
                os.remove(path)  # the link only, never what it points to
            else:
                os.rmdir(path)
    os.rmdir(full)


def _remove_owned(root, root_real, owned, report):
    """Removes what a previous export recorded and is still as it wrote it.

    Returns:
        ``(files, folders)`` still owned (could not be removed), carried into
        the new owner manifest
    """
    files, folders, partial = owned
    still_files, still_folders = {}, []
    outside = []
    for rel, expected in sorted(files.items()):
        if rel in _CONTROL:
            continue
        full = _owned_path(root, root_real, rel)
        if full is None:
            outside.append(rel)
            continue
        if not os.path.lexists(full) or not _still_ours(full, expected):
            continue  # gone, or replaced since: not ours to remove
        try:
            os.remove(full)
            report.removed_files += 1
        except OSError as e:
            still_files[rel] = expected
            report.notes.append(f"could not remove {rel!r} of the previous export: {e}")
    for rel in partial:
        try:
            _remove_partial(root, root_real, rel, report)
        except OSError as e:
            report.notes.append(f"could not remove the unfinished folder {rel!r}: {e}")
    # deepest first, and only when empty: a folder holding files someone else
    # wrote stays (they are listed as kept files)
    for rel in sorted(set(folders), key=lambda r: len(_split(r)), reverse=True):
        full = _owned_path(root, root_real, rel)
        if full is None:
            outside.append(rel)
            continue
        if os.path.isdir(full) and not os.path.islink(full):
            try:
                os.rmdir(full)
            except OSError:
                still_folders.append(rel)
    if outside:
        report.notes.append(
            f"{len(outside)} entries of the previous owner manifest point outside export_dir "
            f"and were ignored (e.g. {outside[0]!r})"
        )
    marker = os.path.join(root, MARKER)
    if os.path.isfile(marker) and not os.path.islink(marker):
        os.remove(marker)  # it describes the export just removed
    return still_files, still_folders


def _foreign_files(root):
    """Relative paths of the files under ``root`` besides DataDiver's own
    control files (links are listed, not followed)."""
    out = []
    for here, dirs, files in os.walk(root):
        rel_here = os.path.relpath(here, root)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            rel = name if rel_here == "." else os.path.join(rel_here, name)
            if rel not in _CONTROL:
                out.append(rel.replace(os.sep, "/"))
    return sorted(out)


def _in_the_way(root, root_real, target, owned):
    """Whether ``target`` (a file or folder an export writes whole) exists
    and would still hold something after removing the previous export's
    files: a file DataDiver did not write, or one changed since."""
    full = os.path.join(root, target)
    if not os.path.lexists(full):
        return False
    files = owned[0] if owned else {}
    if os.path.islink(full) or not os.path.isdir(full):
        return not (target in files and _still_ours(full, files[target]))
    for rel in _foreign_files(full):
        rel = f"{target}/{rel}"
        if rel not in files or not _still_ours(os.path.join(root, *rel.split("/")), files[rel]):
            return True
    return False


def _prepare_dir(samples, export_dir, overwrite, report, target=None):
    """Checks ``export_dir`` against the rules of the module doc, removes
    the previous export's files when ``overwrite=True`` and returns
    ``(root, root_real, carried files, carried folders)``. ``target``: a
    file or folder the format writes whole (``dataset``, ``manifest.csv``);
    refused, before anything is removed, if someone else's file is there."""
    if not isinstance(export_dir, (str, os.PathLike)) or not str(export_dir).strip():
        raise ValueError("export_dir must be a non-empty folder path")
    text = os.path.expanduser(str(export_dir))
    if ".." in re.split(r"[\\/]+", text):
        raise ValueError(f"export_dir {str(export_dir)!r} contains '..'; give the folder without parent references")
    path = os.path.abspath(text)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise ValueError(f"export_dir '{path}' exists and is not a folder")
    real = os.path.realpath(path)
    entries = sorted(os.listdir(path)) if os.path.isdir(path) else []
    if not entries:  # missing or empty: it cannot hold media or anyone's files
        os.makedirs(path, exist_ok=True)
        return path, real, {}, []
    hit = _media_inside(samples, path, real)
    if hit is not None:
        where = f"'{path}'" if real == path else f"'{path}' (really '{real}')"
        raise ValueError(
            f"export_dir {where} holds media of dataset '{hit[0]}' (e.g. '{hit[1]}'); exporting "
            "there could delete or overwrite that dataset's images. Choose another folder: an "
            "empty one that holds no dataset's media"
        )
    owned = _read_owned(path)
    if owned is None:
        example = next((e for e in entries if e not in _CONTROL), entries[0])
        if MARKER in entries:
            raise ValueError(
                f"export_dir '{path}' holds an export by an older DataDiver that did not record "
                f"which files it wrote ({MARKER} without {OWNER}); refusing to clear it: delete "
                "it yourself or choose an empty folder"
            )
        raise ValueError(
            f"export_dir '{path}' is not empty and holds no DataDiver export ({OWNER}); refusing "
            f"to write into it ('{example}' is not DataDiver's): choose an empty folder"
        )
    if not overwrite:
        raise ValueError(
            f"export_dir '{path}' holds a previous DataDiver export (finished or interrupted); "
            "pass overwrite=True to replace it (only the files that export wrote are removed)"
        )
    if target and _in_the_way(path, real, target, owned):
        raise ValueError(
            f"export_dir '{path}' holds '{target}', which DataDiver did not write (or which changed "
            "since); refusing to replace it: move it away or choose another folder"
        )
    files, folders = _remove_owned(path, real, owned, report)
    return path, real, files, folders


def _note_kept(root, report, owned_files):
    report.kept_files = [f for f in _foreign_files(root) if f not in owned_files]
    if report.kept_files:
        report.notes.append(
            f"{len(report.kept_files)} files in export_dir were not written by DataDiver (or changed "
            f"since) and were left in place, e.g. {report.kept_files[0]!r}"
        )


class _Ledger:
    """Records every file and folder the export creates *before* creating
    it (one JSON line each in the journal, flushed), so that a later
    ``overwrite=True`` removes exactly those, even after a kill.

    Paths are relative to ``export_dir``, with ``/`` separators.
    """

    def __init__(self, root, root_real, files=None, folders=None):
        self.root, self.root_real = root, root_real
        self.files = dict(files or {})
        self.folders = list(folders or [])
        self.partial = []
        self._dirs_ok = {""}
        self._write_owner(complete=False)  # recognisably a DataDiver export from now on
        self._fh = open(os.path.join(root, JOURNAL), "w", encoding="utf-8")

    def _log(self, **entry):
        self._fh.write(json.dumps(entry) + "\n")
        self._fh.flush()  # in the kernel's hands: survives a killed process

    def full(self, rel):
        return os.path.join(self.root, *rel.split("/"))

    def ensure_dir(self, rel_dir):
        """Creates ``rel_dir`` and its parents inside ``export_dir``; False if
        a part exists as a non-folder or resolves outside ``export_dir``."""
        if rel_dir in self._dirs_ok:
            return True
        parts = rel_dir.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if sub in self._dirs_ok:
                continue
            full = self.full(sub)
            if not os.path.lexists(full):
                self._log(dir=sub)
                self.folders.append(sub)
                try:
                    os.mkdir(full)
                except FileExistsError:
                    pass
            if not os.path.isdir(full) or not _under(os.path.realpath(full), self.root_real) \
                    or os.path.realpath(full) == self.root_real:
                return False
            self._dirs_ok.add(sub)
        return True

    def begin(self, rel):
        self._log(f=rel)
        self.files[rel] = None

    def done(self, rel):
        st = os.lstat(self.full(rel))
        if stat.S_ISLNK(st.st_mode):
            self._log(f=rel, link=True)
            self.files[rel] = "link"
        else:
            self._log(f=rel, size=st.st_size)
            self.files[rel] = st.st_size

    def write_text(self, rel, text, report):
        """Writes a text file unless something is already there (noted)."""
        full = self.full(rel)
        parent = rel.rpartition("/")[0]
        if os.path.lexists(full) or (parent and not self.ensure_dir(parent)):
            report.notes.append(f"{rel!r} not written: a file DataDiver did not write is in the way")
            return False
        self.begin(rel)
        with open(full, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        self.done(rel)
        return True

    def new_partial(self):
        """A fresh folder for a writer whose files DataDiver does not see one
        by one (FiftyOne's exporter); recorded whole."""
        rel = _PARTIAL + uuid.uuid4().hex[:10]
        self._log(partial=rel)
        self.partial.append(rel)
        os.mkdir(self.full(rel))
        return rel

    def adopt(self, src_rel, dst_rel):
        """Records every file under ``src_rel`` at its place under
        ``dst_rel``, then moves the folder there (``dst_rel`` must not exist)."""
        src = self.full(src_rel)
        self._log(dir=dst_rel)
        self.folders.append(dst_rel)
        for here, dirs, files in os.walk(src):
            rel_here = os.path.relpath(here, src).replace(os.sep, "/")
            base = dst_rel if rel_here == "." else f"{dst_rel}/{rel_here}"
            for d in dirs:
                if not os.path.islink(os.path.join(here, d)):
                    self._log(dir=f"{base}/{d}")
                    self.folders.append(f"{base}/{d}")
            for name in files + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
                st = os.lstat(os.path.join(here, name))
                rel = f"{base}/{name}"
                value = "link" if stat.S_ISLNK(st.st_mode) else st.st_size
                self._log(f=rel, **({"link": True} if value == "link" else {"size": value}))
                self.files[rel] = value
        os.rename(src, self.full(dst_rel))

    def _write_owner(self, complete):
        data = {"version": 1, "complete": complete, "files": self.files,
                "folders": self.folders, "partial": self.partial}
        tmp = os.path.join(self.root, _OWNER_TMP)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(tmp, os.path.join(self.root, OWNER))  # never half-written

    def finish(self):
        for rel in self.partial:
            full = self.full(rel)
            if os.path.isdir(full) and not os.listdir(full):
                os.rmdir(full)
        self.partial = [p for p in self.partial if os.path.lexists(self.full(p))]
        self._write_owner(complete=True)
        self._fh.close()
        os.remove(os.path.join(self.root, JOURNAL))

    def close(self):
        """On failure: the journal stays, so a re-run knows what was written."""
        if not self._fh.closed:
            self._fh.close()


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


def _write_files(report, ledger, plan, mode, progress):
    """Writes ``plan`` = list of ``(sample_id, src, rel, extra)`` after
    checks; returns the entries written."""
    seen, written = set(), []
    with Progress(progress, len(plan), "exporting") as bar:
        for entry in plan:
            sid, src, rel = entry[:3]
            bar.update()
            if rel in seen:
                report.skip(sid, src, f"another sample already maps to {rel}")
                continue
            if not os.path.isfile(src):
                report.skip(sid, src, "source file missing")
                continue
            full = ledger.full(rel)
            if os.path.lexists(full):
                report.skip(sid, src, f"{rel} already exists and was not written by this export; left as is")
                continue
            parent = rel.rpartition("/")[0]
            if parent and not ledger.ensure_dir(parent):
                report.skip(sid, src, "destination folder resolves outside export_dir (or is not a folder)")
                continue
            seen.add(rel)
            ledger.begin(rel)
            _place(src, full, mode)
            ledger.done(rel)
            report.num_exported += 1
            written.append(entry)
    return written


# -----------------------------------------------------------------------------
# class folders
# -----------------------------------------------------------------------------


def _words_name(label):
    """A label as one ``words.txt`` name: no control characters or line
    breaks, no comma (readers keep the text before the first comma), trimmed."""
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in label
    )
    return text.replace(",", ";").strip()


def _has_label(label):
    """Whether a label can name a class (blank labels count as none)."""
    return isinstance(label, str) and _words_name(label) != ""


def _digest(label, n):
    return hashlib.sha1(label.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def _folder_problem(label):
    """Why ``label`` cannot be its own portable folder name, or None."""
    if "/" in label or "\\" in label:
        return "contains a path separator"
    if label in (".", ".."):
        return "is '.' or '..'"
    if label.startswith("."):
        return "starts with '.' (a hidden folder; FiftyOne's importer skips it)"
    if len(label) > _MAX_FOLDER:
        return f"is longer than {_MAX_FOLDER} characters"
    if _UNSAFE.search(label):
        return "has characters outside A-Z a-z 0-9 . _ - + , ( ) ' & and space"
    if label != label.strip() or label.endswith("."):
        return "starts or ends with a space, or ends with '.'"
    if label.split(".")[0].upper() in _WINDOWS_DEVICES:
        return "is a Windows device name"
    if label == UNLABELED_DIR:
        return f"is the folder of unlabeled samples ({UNLABELED_DIR})"
    return None


def _tree_folders(labels):
    """Labels -> folder names for the tree layout (module doc): deterministic
    and distinct even on case-insensitive file systems.

    Returns:
        ``({label: folder}, {label: why it was renamed})``
    """
    folders, why = {}, {}
    used = {UNLABELED_DIR.casefold()}
    for label in sorted(labels):
        problem = _folder_problem(label)
        if problem is None and label.casefold() in used:
            other = next((l for l, f in folders.items() if f.casefold() == label.casefold()), UNLABELED_DIR)
            problem = f"has the same folder name as {other!r} on case-insensitive file systems"
        if problem is None:
            folders[label] = label
            used.add(label.casefold())
        else:
            why[label] = problem
    for label in sorted(why):
        slug = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_")[:40] or "label"
        n = 8
        folder = f"{slug}-{_digest(label, n)}"
        while folder.casefold() in used:  # a clash with another label's folder
            n += 4
            folder = f"{slug}-{_digest(label, n)}" if n <= 40 else f"{slug}-{_digest(label, 40)}-{n}"
        folders[label] = folder
        used.add(folder.casefold())
    return folders, why


def _tiny_class_ids(pairs, wnid_to_name):
    """``(label, wnid)`` pairs -> class folders for the Tiny-ImageNet-C layout
    (module doc).

    Returns:
        ``(folder_of, label_of, synthetic)``: ``{(label, wnid): folder}``,
        ``{folder: label}`` (one label per folder) and ``{label: synthetic
        folder}``
    """
    tiny = set(wn.class_wnids())
    tiny_by_name = {wn.class_name(w): w for w in tiny}
    name_to_wnid = {n: w for w, n in wnid_to_name.items() if isinstance(w, str) and _WNID.fullmatch(w)}

    def expected_name(w):  # what a loader names this wnid
        return wnid_to_name.get(w) or (wn.class_name(w) if w in tiny else None)

    folder_of, label_of, pending = {}, {}, []
    for label, wnid in sorted(pairs, key=lambda p: (p[0], p[1] or "")):
        cand = name_to_wnid.get(label)
        if cand is None and isinstance(wnid, str) and _WNID.fullmatch(wnid) and expected_name(wnid) in (None, label):
            cand = wnid
        if cand is None:
            cand = tiny_by_name.get(label)
        if cand is not None and label_of.get(cand, label) == label:
            label_of[cand] = label
            folder_of[(label, wnid)] = cand
        else:
            pending.append((label, wnid))
    synthetic = {}
    by_label = {l: w for w, l in label_of.items()}
    for label, wnid in pending:
        if label not in by_label:
            n = int(_digest(label, 40), 16) % 10**7
            while f"n9{n:07d}" in label_of:
                n = (n + 1) % 10**7
            by_label[label] = synthetic[label] = f"n9{n:07d}"
            label_of[by_label[label]] = label
        folder_of[(label, wnid)] = by_label[label]
    return folder_of, label_of, synthetic


def _words_lines(label_of, ids):
    """``words.txt`` lines for the class folders ``ids``; names unique (a
    loader suffixes a repeated name with the wnid; done here so it is
    deterministic). Returns ``(text, {folder: name written})``."""
    tiny = set(wn.class_wnids())
    taken = {wn.class_name(w) for w in tiny}
    names, lines = {}, []
    for w in sorted(ids):
        if w in tiny:
            name = wn.class_name(w)
        else:
            name = _words_name(label_of[w])
            if name in taken:
                name = f"{name} ({w})"
            taken.add(name)
        names[w] = name
        lines.append(f"{w}\t{name}\n")
    return "".join(lines), names


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


def _unlabeled(row):
    return sch.TAG_MISSING_LABEL in (row.get("tags") or []) or not _has_label(row["label"])


def _note_unlabeled(rows, report, where):
    blank = sum(1 for r in rows if isinstance(r["label"], str) and not _has_label(r["label"]))
    none = sum(1 for r in rows if _unlabeled(r))
    if none:
        report.notes.append(
            f"{none} samples without a label (tag missing_label, no label"
            + (f", or a blank label: {blank}" if blank else "")
            + f") were written {where}; they re-import unlabeled"
        )


def _ext(path):
    ext = os.path.splitext(path)[1]
    return ext if re.fullmatch(r"\.[A-Za-z0-9]{1,5}", ext or "") else ".JPEG"


def _export_tiny(samples, ledger, report, mode, progress):
    dataset = samples._dataset
    wnid_to_name = dict(dataset.info.get("wnid_to_name") or {})
    rows = _rows(samples)
    pairs = {(r["label"], r.get(sch.WNID)) for r in rows if not _unlabeled(r)}
    folder_of, label_of, synthetic = _tiny_class_ids(pairs, wnid_to_name)
    plan, clean_used = [], False
    for r in rows:
        sid, src = r["id"], r["filepath"]
        tags = r.get("tags") or []
        missing = _unlabeled(r)
        wnid = None if missing else folder_of[(r["label"], r.get(sch.WNID))]
        try:
            fname = safe_name(r.get(sch.SOURCE_ID) or os.path.splitext(os.path.basename(src))[0], "source_id") + _ext(src)
            corr = r.get(sch.CORRUPTION)
            if corr is None:
                raise ValueError("no corruption value")
            if corr == sch.CLEAN:
                clean_used = True
                if sch.TAG_VAL in tags or (sch.TAG_TRAIN not in tags and missing):
                    parts = [CLEAN_DIR, "val", "images", fname]
                elif missing:
                    raise ValueError("clean train image without a label has no place in tiny-imagenet-200")
                else:
                    parts = [CLEAN_DIR, "train", wnid, "images", fname]
            else:
                sev = r.get(sch.SEVERITY)
                if sev is None:
                    raise ValueError("no severity value")
                parts = [C_DIR, safe_name(corr, "corruption"), safe_name(int(sev), "severity")]
                parts += ([] if missing else [wnid]) + [fname]
        except (ValueError, TypeError) as e:
            report.skip(sid, src, str(e))
            continue
        plan.append((sid, src, "/".join(parts), wnid, fname))
    written = _write_files(report, ledger, plan, mode, progress)
    ids = {e[3] for e in written if e[3]}
    words, names = _words_lines(label_of, ids)
    for label, folder in sorted(synthetic.items()):
        if folder not in ids:
            continue
        report.renamed_labels[label] = folder
        back = names[folder]
        report.notes.append(
            f"label {label!r} has no WordNet id: class folder {folder}, named in words.txt"
            + ("" if back == label else f"; load_tiny_imagenet_c reads it back as {back!r}")
        )
    for w in sorted(ids - set(synthetic.values())):
        if names[w] != label_of[w]:
            report.notes.append(
                f"label {label_of[w]!r} is written under class folder {w}, which "
                f"load_tiny_imagenet_c names {names[w]!r}"
            )
    _note_unlabeled(rows, report, "without a class folder")
    ledger.write_text(WORDS, words, report)
    if clean_used:
        ledger.ensure_dir(CLEAN_DIR)
        ledger.write_text(f"{CLEAN_DIR}/wnids.txt", "".join(w + "\n" for w in sorted(ids)), report)
        ledger.write_text(f"{CLEAN_DIR}/{WORDS}", words, report)
        lines = [f"{e[4]}\t{e[3]}\t0\t0\t63\t63\n" for e in written if e[2].startswith(f"{CLEAN_DIR}/val/") and e[3]]
        if lines:
            ledger.write_text(f"{CLEAN_DIR}/val/val_annotations.txt", "".join(lines), report)
        report.outputs.append(ledger.full(CLEAN_DIR))
    if os.path.isdir(ledger.full(C_DIR)):
        report.outputs.insert(0, ledger.full(C_DIR))
    report.outputs.append(ledger.full(WORDS))


def _export_tree(samples, ledger, report, mode, progress):
    rows = _rows(samples)
    folders, why = _tree_folders({r["label"] for r in rows if not _unlabeled(r)})
    plan = []
    for r in rows:
        sid, src = r["id"], r["filepath"]
        try:
            folder = UNLABELED_DIR if _unlabeled(r) else folders[r["label"]]
            stem = safe_name(r.get(sch.SOURCE_ID) or os.path.splitext(os.path.basename(src))[0], "source_id")
            corr = r.get(sch.CORRUPTION)
            if corr is not None:
                stem += f"__{safe_name(corr, 'corruption')}_{r.get(sch.SEVERITY)}"
        except (ValueError, TypeError) as e:
            report.skip(sid, src, str(e))
            continue
        plan.append((sid, src, f"{folder}/{stem}{_ext(src)}", folder))
    written = _write_files(report, ledger, plan, mode, progress)
    used = {e[3] for e in written}
    for label in sorted(why):
        if folders[label] in used:
            report.renamed_labels[label] = folders[label]
            report.notes.append(
                f"label {label!r} {why[label]}: written as folder {folders[label]!r} "
                "(the label a directory-tree importer reads back)"
            )
    _note_unlabeled(rows, report, f"to {UNLABELED_DIR}/")
    report.outputs.append(ledger.root)


def _export_fiftyone(samples, ledger, report, saved_views, progress):
    dataset = samples._dataset
    partial = ledger.new_partial()
    out = os.path.join(ledger.full(partial), "dataset")
    if isinstance(samples, fo.Dataset) and (
        saved_views is None or set(saved_views) == set(dataset.list_saved_views())
    ):
        samples.export(export_dir=out, dataset_type=fo.types.FiftyOneDataset, export_media=True,
                       progress=as_fiftyone(progress))
        report.num_exported = len(samples)
    else:
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
                    from datadiver_fo.customize.stage_guard import check_saved_view_doc, saved_view_doc

                    doc = saved_view_doc(dataset, name)
                    # checked as data first: a hostile stored view is never built
                    stages = check_saved_view_doc(dataset, name)
                    view = fo.DatasetView._build(tmp, stages)
                    len(view)  # fails now, not at import, if a stage cannot run
                    tmp.save_view(name, view, description=doc.description, color=doc.color)
                except Exception as e:  # a view using a run or field the subset lacks
                    report.notes.append(f"saved view {name!r} not carried: {e}")
            tmp.export(export_dir=out, dataset_type=fo.types.FiftyOneDataset, export_media=True,
                       progress=as_fiftyone(progress))
            report.num_exported = len(tmp)
        finally:
            tmp.delete()
    ledger.adopt(f"{partial}/dataset", "dataset")
    report.outputs.append(ledger.full("dataset"))


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


def _export_manifest(samples, ledger, report, fmt, progress):
    import pandas as pd

    cols = manifest_columns(samples)
    data = {}
    with Progress(progress, len(cols), "manifest") as bar:
        for c in cols:
            data[c] = [_plain(v) for v in samples.values(c)]
            bar.update()
    frame = pd.DataFrame(data, columns=cols)
    rel = "manifest." + fmt
    path = ledger.full(rel)
    ledger.begin(rel)
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
    ledger.done(rel)
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

    What may be written, removed and refused is in the module doc; in short:
    nothing outside ``export_dir``; never into a folder that holds media of a
    dataset; never over an existing file; ``overwrite=True`` removes only
    files a previous DataDiver export recorded in its owner manifest
    (``.datadiver-export.json``, or the journal of an interrupted export).

    Args:
        samples: a FiftyOne dataset or view (typically from
            :func:`datadiver_fo.select` or a prompt)
        export_dir: the folder to write into; created if missing. Must not
            contain ``..`` nor hold (links resolved) media of the dataset
            being exported or of any dataset in the database
        format ("tiny-imagenet-c"): one of ``"tiny-imagenet-c"``,
            ``"image-classification-tree"``, ``"fiftyone"``, ``"csv"``,
            ``"parquet"`` (see the module doc)
        overwrite (False): replace a previous DataDiver export (finished or
            interrupted) in ``export_dir``, removing only the files it wrote;
            without it any non-empty folder is refused, and even with it a
            non-empty folder that holds no DataDiver export is refused
        honor_exclusions (True): leave out samples marked ``excluded`` by
            :func:`datadiver_fo.exclude_samples` (reported as skipped)
        mode ("copy"): for the folder formats, ``"copy"``, ``"hardlink"`` or
            ``"symlink"`` the images
        saved_views (None): for ``"fiftyone"``, the saved view names to carry
            (default: all the dataset's saved views)
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        an :class:`ExportReport` (``num_exported``, ``skipped`` with reasons,
        ``outputs``, ``renamed_labels``, ``removed_files``, ``kept_files``,
        ``notes``); the same content is saved as ``datadiver_export.json``

    Raises:
        ValueError: unknown format or mode, ``export_dir`` with ``..``, an
            ``export_dir`` holding media of a dataset (the message names the
            dataset and a file), a non-empty ``export_dir`` without
            ``overwrite`` or without a DataDiver export, a ``dataset`` folder
            or manifest file in the way that DataDiver did not write, or an
            empty selection
    """
    if not isinstance(samples, fo.core.collections.SampleCollection):
        raise ValueError(f"samples must be a FiftyOne Dataset or DatasetView, got {type(samples).__name__}")
    fmt = _format(format)
    if mode not in ("copy", "hardlink", "symlink"):
        raise ValueError(f"mode must be 'copy', 'hardlink' or 'symlink', got {mode!r}")
    if saved_views is not None and fmt != "fiftyone":
        raise ValueError("saved_views only applies to format='fiftyone'")
    export_dir_abs = os.path.abspath(os.path.expanduser(str(export_dir))) if export_dir else None
    report = _ExportLog(export_dir_abs, fmt)
    view = samples
    if honor_exclusions and sch.EXCLUDED in samples.get_field_schema():
        excluded = samples.match(fo.ViewField(sch.EXCLUDED) == True)  # noqa: E712
        for sid, fp in zip(*excluded.values(["id", "filepath"])):
            report.skip(sid, fp, "excluded")
        if report.skipped:
            view = samples.match(fo.ViewField(sch.EXCLUDED) != True)  # noqa: E712
    if len(view) == 0:
        raise ValueError("Nothing to export: the view is empty" + (" after exclusions" if report.skipped else ""))
    # the one output of these formats that is not per sample
    target = {"fiftyone": "dataset", "csv": "manifest.csv", "parquet": "manifest.parquet"}.get(fmt)
    root, root_real, files, folders = _prepare_dir(samples, export_dir, overwrite, report, target)
    report.export_dir = root
    _note_kept(root, report, files)
    ledger = _Ledger(root, root_real, files, folders)
    try:
        if fmt == "tiny-imagenet-c":
            _export_tiny(view, ledger, report, mode, progress)
        elif fmt == "image-classification-tree":
            _export_tree(view, ledger, report, mode, progress)
        elif fmt == "fiftyone":
            _export_fiftyone(view, ledger, report, saved_views, progress)
        else:
            _export_manifest(view, ledger, report, fmt, progress)
        record = report.to_dict()
        record.update(
            {
                "dataset": samples._dataset.name,
                "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "view_stages": [str(s) for s in getattr(view, "_stages", [])],
                "owner_manifest": OWNER,
            }
        )
        with open(os.path.join(root, MARKER), "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1, default=str)
        ledger.finish()
    finally:
        ledger.close()
    return ExportReport(report.to_dict(), kept_files=list(report.kept_files))


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

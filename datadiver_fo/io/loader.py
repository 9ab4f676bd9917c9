"""Loads Tiny-ImageNet-C (and optionally clean tiny-imagenet-200) into FiftyOne.

Layout read::

    <root>/<corruption>/<severity 1..5>/<wnid>/<source>.JPEG

Real copies are messy: class folders that are not among the 200 classes (the
Zenodo ``frost`` folder holds 1000), images lying directly under a severity
folder, empty or truncated files, stray text files, missing corruption or
severity folders, symlinks, lower/upper-case extensions. Hostile ones too:
FIFOs, devices and sockets named ``*.JPEG``, links to ``/dev/zero``, huge
files, headers claiming gigapixel images, names that are not valid UTF-8,
folders nobody may read, severity folders such as ``0``, ``6`` or ``²``. The
loader imports what is there and writes a report of everything else to
``dataset.info["datadiver_import"]``; it never raises on a bad file and never
opens anything but a regular file.

Speed: file headers are parsed in Python (no image decode) and samples are
written as raw documents with ``insert_many``, which is what
``Dataset.add_samples`` does underneath minus the per-sample ``Sample`` object.
File types come from the folder listing itself (``d_type``; one ``stat`` for
a symlink), so checking them costs no extra pass. Memory stays flat: one leaf
folder at a time, in batches.

Re-running is safe: ``filepath`` has a unique index and each leaf folder's
already-imported paths are skipped, so an interrupted import finishes the rest
with no duplicates. ``overwrite=True`` builds the new dataset under a
temporary name and swaps it in only when the import has succeeded.
"""
import datetime
import io
import logging
import os
import re
import stat
import struct
import uuid
import warnings
from collections import Counter, OrderedDict
from concurrent.futures import ThreadPoolExecutor

import fiftyone as fo

from datadiver_fo.internal import schema as S
from datadiver_fo.internal import store
from datadiver_fo.io import cifar_c
from datadiver_fo.io import wordnet as wn
from datadiver_fo.internal.progress import Progress
from datadiver_fo.internal.report import Report

logger = logging.getLogger(__name__)

_IMAGE_EXTS = {".jpeg": "image/jpeg", ".jpg": "image/jpeg", ".png": "image/png",
               ".bmp": "image/bmp", ".webp": "image/webp", ".gif": "image/gif"}
_MAX_REPORTED_FILES = 2000  # keep the info document small; counts stay exact
_BATCH = 2000
_READ_SIZE = 1 << 16  # one read() covers a whole Tiny-ImageNet JPEG (~2-4 KB)
_DEFAULT_NAME = "tiny-imagenet-c"
# The -C benchmarks load_corruption_benchmark reads; each is also the tag of
# its samples and the default dataset name.
KIND_TINY = "tiny-imagenet-c"
KIND_IMAGENET = "imagenet-c"
KIND_CIFAR10 = cifar_c.KIND_CIFAR10
KIND_CIFAR100 = cifar_c.KIND_CIFAR100
KINDS = (KIND_TINY, KIND_IMAGENET, KIND_CIFAR10, KIND_CIFAR100)
_TREE_TITLES = {KIND_TINY: "Tiny-ImageNet-C", KIND_IMAGENET: "ImageNet-C"}
MAX_FILE_BYTES = 64 << 20  # default per-file cap: a 64x64 JPEG is ~3 KB
_PIL_DEFAULT_MAX_PIXELS = 89_478_485  # PIL's default Image.MAX_IMAGE_PIXELS
# Exactly the ASCII names "1".."5": str.isdigit() and int() accept "²", "٣", "01", " 3".
_SEVERITY_DIRS = {str(s): s for s in S.SEVERITIES}
# O_NONBLOCK: opening a FIFO that slipped past the listing must not block;
# fstat on the open descriptor then rejects it before any read.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0))

# Reasons a file or folder is skipped (keys of ImportReport.skipped).
R_EMPTY = "empty"
R_TRUNCATED = "truncated"
R_NOT_IMAGE = "not an image"
R_NOT_IMAGE_FILE = "not an image file"
R_BROKEN_LINK = "broken link"
R_TOO_LARGE = "too large"
R_SUSPICIOUS = "suspicious dimensions"
R_BAD_NAME = "name not valid UTF-8"
R_HIDDEN = "hidden"


class ImportReport(Report):
    """What an import found, loaded, skipped and missed: a read-only
    :class:`datadiver_fo.internal.report.Report` of JSON values
    (``rep.x`` or ``rep["x"]``), returned by :func:`import_report`.

    Every path in it is valid UTF-8: bytes of a file name that are not are
    written as ``\\xNN`` (the file itself is skipped).

    Keys:
        root: the Tiny-ImageNet-C folder read
        found: ``{corruption: {severity: number of images}}`` on disk
        added: number of samples inserted by this run
        already_present: files skipped because an earlier run imported them
        skipped: ``{reason: count}`` of files and folders not imported; reasons
            include ``empty``, ``truncated``, ``not an image``, ``not an image
            file`` (extension), ``broken link``, ``too large`` (over
            ``limits["max_file_bytes"]``), ``suspicious dimensions`` (a header
            claiming more than ``limits["max_pixels"]`` pixels, or 0),
            ``name not valid UTF-8``, ``hidden`` (name starts with a dot),
            ``not a regular file: FIFO|character device|block device|socket``,
            ``unreadable: <OS error>``, ``file outside a corruption folder``,
            ``file outside a severity folder``, ``unexpected sub-folder``
        skipped_files: up to 2000 ``[path, reason]`` examples
        unreadable_dirs: up to 2000 ``[path, reason]`` of folders that could
            not be listed (e.g. ``"permission denied"``); their contents are
            not counted anywhere else
        missing_corruptions: known corruptions with no folder on disk
        missing_severities: ``{corruption: [severities without a folder]}``
        unknown_folders: folders that are neither a corruption with severity
            folders nor a severity folder (anything but ASCII ``1``..``5``,
            e.g. ``fog/0``, ``fog/6``, ``fog/²``)
        extra_wnids: class folders that are not among the benchmark's classes
            (the 200 Tiny classes; for ImageNet-C the 1000 ImageNet-1k wnids)
        skipped_wnid_folders: extra class folders skipped (Zenodo ``frost``)
        limits: ``{"max_file_bytes", "max_pixels"}`` the run used
        notes: human-readable anomalies (e.g. the 1000-class frost folder)
        imported_at: UTC ISO time of the import
    """


class _ImportLog:
    """Collects what the loader finds while it runs; :meth:`to_dict` is what
    ``dataset.info["datadiver_import"]`` stores (see :class:`ImportReport`)."""

    def __init__(self, root, max_file_bytes=MAX_FILE_BYTES, max_pixels=None):
        self.root = root
        self.found = OrderedDict()
        self.added = 0
        self.already_present = 0
        self.skipped = Counter()
        self.skipped_files = []
        self.unreadable_dirs = []
        self._unreadable_seen = set()
        self.missing_corruptions = []
        self.missing_severities = {}
        self.unknown_folders = []
        self.extra_wnids = set()
        self.skipped_wnid_folders = 0
        self.limits = {"max_file_bytes": max_file_bytes, "max_pixels": max_pixels}
        self.notes = []
        self.own_files = set()  # control files DataDiver wrote there (not data, not reported)

    def skip(self, path, reason):
        if path in self.own_files:
            return
        self.skipped[reason] += 1
        if len(self.skipped_files) < _MAX_REPORTED_FILES:
            self.skipped_files.append([_printable(path), reason])

    def unreadable(self, path, err):
        """Records a folder that could not be listed (once per path)."""
        path = _printable(path)
        if path in self._unreadable_seen:
            return
        self._unreadable_seen.add(path)
        if len(self.unreadable_dirs) < _MAX_REPORTED_FILES:
            self.unreadable_dirs.append([path, _os_error_text(err)])
        elif len(self._unreadable_seen) == _MAX_REPORTED_FILES + 1:
            self.notes.append(f"more than {_MAX_REPORTED_FILES} unreadable folders; "
                              "only the first are listed in unreadable_dirs")

    def to_dict(self):
        return {
            "root": self.root,
            "found": {c: {str(k): v for k, v in s.items()} for c, s in self.found.items()},
            "added": self.added,
            "already_present": self.already_present,
            "skipped": dict(self.skipped),
            "skipped_files": self.skipped_files,
            "unreadable_dirs": self.unreadable_dirs,
            "missing_corruptions": self.missing_corruptions,
            "missing_severities": self.missing_severities,
            "unknown_folders": self.unknown_folders,
            "extra_wnids": sorted(self.extra_wnids),
            "skipped_wnid_folders": self.skipped_wnid_folders,
            "limits": dict(self.limits),
            "notes": self.notes,
            "imported_at": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z",
        }


# --- names, OS errors ------------------------------------------------------------


def _valid_text(s):
    """Whether ``s`` encodes as UTF-8 (os.listdir turns undecodable bytes of a
    name into lone surrogates, which MongoDB rejects)."""
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _printable(s):
    """``s`` as valid UTF-8 text; undecodable name bytes become ``\\xNN``."""
    if _valid_text(s):
        return s
    try:
        return os.fsencode(s).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a surrogate surrogateescape did not produce
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _os_error_text(err):
    return (getattr(err, "strerror", None) or type(err).__name__).lower()


def _unreadable(err):
    return "unreadable: " + _os_error_text(err)


def _not_regular(mode):
    if stat.S_ISFIFO(mode):
        kind = "FIFO"
    elif stat.S_ISCHR(mode):
        kind = "character device"
    elif stat.S_ISBLK(mode):
        kind = "block device"
    elif stat.S_ISSOCK(mode):
        kind = "socket"
    elif stat.S_ISDIR(mode):
        kind = "folder"
    else:
        kind = "special file"
    return "not a regular file: " + kind


def _stat_reason(path):
    """Why ``path`` is not a regular file (rare path: one stat, never an open).

    Returns None if it is one after all (it changed since it was listed)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return R_BROKEN_LINK
    except OSError as e:
        return _unreadable(e)
    return None if stat.S_ISREG(st.st_mode) else _not_regular(st.st_mode)


# --- image header checks (no decode) -------------------------------------------


class _SuspiciousDimensions(ValueError):
    """A header claims an implausible size (a decompression bomb or garbage)."""


def _pixel_cap(max_pixels=None):
    """The pixel cap: ``max_pixels`` if given, else PIL's current
    ``Image.MAX_IMAGE_PIXELS``, else (PIL's check switched off) PIL's default."""
    if max_pixels is not None:
        return int(max_pixels)
    from PIL import Image

    return Image.MAX_IMAGE_PIXELS or _PIL_DEFAULT_MAX_PIXELS


def _check_dims(w, h, max_pixels):
    if not 0 < w * h <= max_pixels or w < 0:  # zero, negative or over the cap
        raise _SuspiciousDimensions(f"{w}x{h} pixels (cap {max_pixels})")


def _jpeg_info(data, max_pixels=None):
    """Returns (width, height, channels) of a complete JPEG, or raises
    ValueError (``_SuspiciousDimensions`` above the pixel cap)."""
    if len(data) < 4 or data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    if data.rstrip(b"\x00\r\n ")[-2:] != b"\xff\xd9":
        raise ValueError("truncated")
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (seglen,) = struct.unpack(">H", data[i + 2:i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 10 > n:
                break
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            _check_dims(w, h, max_pixels if max_pixels is not None else _pixel_cap())
            return w, h, data[i + 9]
        if marker == 0xDA:  # start of scan before any frame header
            break
        i += 2 + seglen
    raise ValueError("no frame header")


def _png_info(data, max_pixels=None):
    """Returns (width, height, channels) of a complete PNG, or raises
    ValueError (``_SuspiciousDimensions`` above the pixel cap)."""
    if len(data) < 33 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    if b"IEND" not in data[-16:]:
        raise ValueError("truncated")
    w, h = struct.unpack(">II", data[16:24])
    _check_dims(w, h, max_pixels if max_pixels is not None else _pixel_cap())
    color = data[25]
    return w, h, {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(color, 3)


def _generic_info(data, max_pixels=None):
    """(width, height, channels) of another format PIL reads, from the bytes
    already read (the path is never opened twice). The size is checked before
    any decode; PIL's own bomb error (over twice its cap) counts as suspicious."""
    from PIL import Image

    cap = _pixel_cap(max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                _check_dims(im.width, im.height, cap)
                im.verify()
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                return im.width, im.height, len(im.getbands())
    except Image.DecompressionBombError as e:
        raise _SuspiciousDimensions(str(e)) from None


def _read_regular(path, max_bytes):
    """Reads a whole regular file of at most ``max_bytes`` bytes.

    Returns ``(data, None)``, or ``(None, reason)`` for a missing target, an
    OS error, something that is not a regular file (checked with fstat on the
    open descriptor, before any read) or a file over the cap. Reads never go
    past ``max_bytes + 1`` bytes, whatever the file's stat size says.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None, R_BROKEN_LINK
    except OSError as e:
        return None, _unreadable(e)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, _not_regular(st.st_mode)
        if st.st_size > max_bytes:
            return None, R_TOO_LARGE
        limit = max_bytes + 1  # one byte more shows a file that outgrew its stat size
        want = min(_READ_SIZE, limit)
        data = os.read(fd, want)
        if len(data) < want:  # a short read of a regular file is EOF: the usual single read
            return data, None
        chunks, total = [data], len(data)
        while total < limit:
            chunk = os.read(fd, min(1 << 20, limit - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            return None, R_TOO_LARGE
        return b"".join(chunks), None
    except OSError as e:
        return None, _unreadable(e)
    finally:
        os.close(fd)


def _inspect(path, max_bytes, max_pixels):
    """inspect_image for a path the listing already found to be a regular file."""
    data, reason = _read_regular(path, max_bytes)
    if data is None:
        return None, reason
    if not data:
        return None, R_EMPTY
    try:
        if data[:2] == b"\xff\xd8":
            w, h, c = _jpeg_info(data, max_pixels)
            mime = "image/jpeg"
        elif data[:8] == b"\x89PNG\r\n\x1a\n":
            w, h, c = _png_info(data, max_pixels)
            mime = "image/png"
        else:
            w, h, c = _generic_info(data, max_pixels)
            mime = _IMAGE_EXTS.get(os.path.splitext(path)[1].lower())
    except _SuspiciousDimensions:
        return None, R_SUSPICIOUS
    except ValueError as e:
        return None, R_TRUNCATED if "truncated" in str(e) else R_NOT_IMAGE
    except Exception:
        return None, R_NOT_IMAGE
    return {"size_bytes": len(data), "mime_type": mime or "application/octet-stream",
            "width": int(w), "height": int(h), "num_channels": int(c)}, None


def inspect_image(path, max_bytes=MAX_FILE_BYTES, max_pixels=None):
    """Checks that ``path`` is a readable, complete image without decoding it.

    Only a regular file (after following symlinks) is opened: a FIFO, device
    or socket is reported, never read. At most ``max_bytes + 1`` bytes are read.

    Args:
        path: a file path
        max_bytes (64 MiB): larger files are rejected as ``"too large"``
        max_pixels (None): headers claiming more pixels than this (or zero
            width or height) are rejected as ``"suspicious dimensions"``;
            default PIL's ``Image.MAX_IMAGE_PIXELS`` (89,478,485 unless
            changed; the same when PIL's check is switched off with None)

    Returns:
        ``(metadata_dict, None)`` for a good image, where the dict has
        ``size_bytes``, ``mime_type``, ``width``, ``height``, ``num_channels``;
        or ``(None, reason)`` with reason one of ``"empty"``, ``"truncated"``,
        ``"not an image"``, ``"broken link"`` (also a missing path),
        ``"too large"``, ``"suspicious dimensions"``, ``"not a regular file:
        <kind>"`` or ``"unreadable: <OS error>"``
    """
    reason = _stat_reason(path)  # before open: opening a FIFO blocks, a device may act
    if reason is not None:
        return None, reason
    return _inspect(path, max_bytes, _pixel_cap(max_pixels))


# --- discovery -------------------------------------------------------------------


def _listdir(path, report=None):
    """Lists a folder once.

    Returns ``(dirs, files)``: ``os.DirEntry`` lists sorted by name, ``dirs``
    the folders and ``files`` the regular files, both after following
    symlinks. File types come from the listing (no stat except for symlinks).
    Everything else is left out and, when ``report`` is given, reported: an
    unreadable folder (``report.unreadable_dirs``), names that are not valid
    UTF-8, hidden names, FIFOs, devices, sockets, dangling or looping links.
    """
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        if report is not None:
            report.unreadable(path, e)
        return [], []
    dirs, files = [], []
    for e in entries:
        name = e.name
        if not _valid_text(name):
            reason = R_BAD_NAME
        elif name.startswith("."):
            reason = R_HIDDEN
        else:
            try:
                if e.is_dir():
                    dirs.append(e)
                    continue
                if e.is_file():
                    files.append(e)
                    continue
                reason = _stat_reason(e.path)
                if reason is None:  # became a regular file since it was listed
                    files.append(e)
                    continue
            except OSError as err:  # e.g. a symlink loop
                reason = _unreadable(err)
        if report is not None:
            report.skip(e.path, reason)
    return dirs, files


def _is_image_name(name):
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in _IMAGE_EXTS


def _resolve_root(root, title="Tiny-ImageNet-C"):
    if root is None or str(root).strip() == "":
        raise ValueError(f"root is empty: give the path of the {title} folder")
    root = os.path.abspath(os.path.expanduser(str(root)))
    if not _valid_text(root):
        raise ValueError(f"{title} root '{_printable(root)}' is not valid UTF-8: "
                         "rename the folder (paths are stored as text)")
    if not os.path.exists(root):
        raise ValueError(f"{title} root '{root}' does not exist")
    if not os.path.isdir(root):
        raise ValueError(f"{title} root '{root}' is a file, not a folder")
    probe = _ImportLog(root)
    dirs, files = _listdir(root, probe)
    if probe.unreadable_dirs:
        raise ValueError(f"cannot list {title} root '{root}': "
                         f"{probe.unreadable_dirs[0][1]}")
    names = {d.name for d in dirs}
    # A parent folder holding the extracted archive: step into it.
    if title in names and not (names & set(S.CORRUPTION_FAMILIES)):
        return _resolve_root(os.path.join(root, title), title)
    if {"train", "val"} <= names or any(f.name == "wnids.txt" for f in files):
        raise ValueError(
            f"'{root}' looks like the clean tiny-imagenet-200 set (train/, val/, "
            "wnids.txt), not Tiny-ImageNet-C: pass it as clean_root=, and root= "
            "the folder that holds <corruption>/<severity>/<wnid>/ folders"
        )
    if not dirs:
        raise ValueError(
            f"{title} root '{root}' is empty: expected folders "
            "<corruption>/<severity 1..5>/<wnid>/"
        )
    if not any(any(s.name in _SEVERITY_DIRS for s in _listdir(d.path)[0]) for d in dirs):
        raise ValueError(
            f"'{root}' holds no <corruption>/<severity 1..5>/ folders (found "
            f"{', '.join(sorted(names)[:8])}): is this a {title} folder?"
        )
    return root


def _scan(root, report):
    """Lists the two top levels of a Tiny-ImageNet-C tree, once.

    Returns ``OrderedDict {corruption: (folder path, OrderedDict {severity:
    folder path}, [loose DirEntry files])}`` for folders holding at least one
    severity folder (ASCII ``1``..``5`` exactly). Other folders go to
    ``report.unknown_folders``, files at the root and anything unlistable to
    the report as well.
    """
    out = OrderedDict()
    cdirs, loose = _listdir(root, report)
    for f in loose:
        report.skip(f.path, "file outside a corruption folder")
    for cdir in cdirs:
        sdirs, cfiles = _listdir(cdir.path, report)
        sevs, unknown = OrderedDict(), []
        for sdir in sdirs:
            sev = _SEVERITY_DIRS.get(sdir.name)
            if sev is None:
                unknown.append(f"{cdir.name}/{sdir.name}")
            else:
                sevs[sev] = sdir.path
        if sevs:
            out[cdir.name] = (cdir.path, sevs, cfiles)
            report.unknown_folders.extend(unknown)
        else:
            report.unknown_folders.append(cdir.name)
    return out


def discover_tiny_imagenet_c(root):
    """Lists the corruptions and severities present under a Tiny-ImageNet-C root.

    Args:
        root: path of the ``Tiny-ImageNet-C`` folder (or a folder containing it)

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report` with
        ``root`` (resolved path), ``corruptions`` (``{name:
        [severities]}``, sorted), ``families`` (``{name: family}``),
        ``unknown`` (folder names that are not corruption/severity folders:
        severity folders must be ASCII ``1``..``5`` exactly, so ``0``, ``6``,
        ``01``, ``²`` are unknown), ``unreadable`` (``[path, reason]`` of
        folders that could not be listed) and ``skipped`` (``{reason:
        count}`` of other entries left out at these two levels)

    Raises:
        ValueError: if ``root`` is missing, empty, unreadable or not a
            Tiny-ImageNet-C tree
    """
    root = _resolve_root(root)
    rep = _ImportLog(root)
    scan = _scan(root, rep)
    return Report({
        "root": root,
        "corruptions": OrderedDict((c, sorted(v[1])) for c, v in scan.items()),
        "families": {c: S.corruption_family(c) for c in scan},
        "unknown": rep.unknown_folders,
        "unreadable": rep.unreadable_dirs,
        "skipped": dict(rep.skipped),
    }, title="discover_tiny_imagenet_c")


# --- schema ----------------------------------------------------------------------


def _declare_schema(dataset):
    if dataset.media_type is None:
        dataset.media_type = "image"
    schema = dataset.get_field_schema()
    fields = [
        (S.GROUND_TRUTH, fo.EmbeddedDocumentField, {"embedded_doc_type": fo.Classification}),
        (S.WNID, fo.StringField, {}),
        (S.HYPERNYMS, fo.ListField, {"subfield": fo.StringField}),
        (S.CORRUPTION, fo.StringField, {}),
        (S.CORRUPTION_FAMILY, fo.StringField, {}),
        (S.SEVERITY, fo.IntField, {}),
        (S.SOURCE_ID, fo.StringField, {}),
    ]
    for name, ftype, kw in fields:
        if name not in schema:
            dataset.add_sample_field(name, ftype, **kw)
    dataset.create_index("filepath", unique=True)


def _create_indexes(dataset):
    # After the bulk insert: building an index once is cheaper than updating
    # it on every insert.
    for name in (S.CORRUPTION, S.SEVERITY, S.SOURCE_ID, S.WNID, S.GROUND_TRUTH + ".label"):
        dataset.create_index(name)


def _set_app_config(dataset):
    # one "datadiver" sidebar group holding the loader's fields (and any
    # score fields a re-import keeps); internal/sidebar.py owns the group
    from datadiver_fo.internal.sidebar import refresh_sidebar_group

    refresh_sidebar_group(dataset)


# --- class naming ------------------------------------------------------------------


class _ClassSet:
    """The classes of one -C benchmark: the names of its class folders (wnids,
    or CIFAR's class names), how each is labelled, and its sample tag.

    Args:
        kind: the benchmark (``"tiny-imagenet-c"``, ``"imagenet-c"``, ...)
        title: its folder name, as messages write it
        folders: class folder names in class-index order
        name: ``folder -> readable unique label``
        hypernyms: ``folder -> list of WordNet ancestor names``
        wnids (True): whether folder names are WordNet ids (written to the
            ``wnid`` field); CIFAR's are not, so its samples have no ``wnid``
    """

    def __init__(self, kind, title, folders, name, hypernyms, wnids=True):
        self.kind, self.title, self.tag, self.wnids = kind, title, kind, wnids
        self.folders = list(folders)
        self.known = set(self.folders)
        self.name, self.hypernyms = name, hypernyms


def _tiny_classes():
    return _ClassSet(KIND_TINY, "Tiny-ImageNet-C", wn.class_wnids(), wn.class_name,
                     wn.hypernym_names)


def _imagenet_classes():
    return _ClassSet(KIND_IMAGENET, "ImageNet-C", wn.imagenet1k_wnids(),
                     wn.imagenet1k_class_name, wn.imagenet1k_hypernym_names)


def _cifar_classes(kind):
    names = cifar_c.CIFAR10_CLASSES if kind == KIND_CIFAR10 else cifar_c.CIFAR100_CLASSES
    title = "CIFAR-10-C" if kind == KIND_CIFAR10 else "CIFAR-100-C"
    return _ClassSet(kind, title, names, lambda n: n, lambda n: [], wnids=False)


class _Namer:
    """Maps class folder names to unique readable labels and hypernym lists
    (cached)."""

    def __init__(self, words, classes=None):
        self.words = words or {}
        self.classes = classes or _tiny_classes()
        self.tiny = self.classes.known
        self.taken = {self.classes.name(w): w for w in self.tiny}
        self.cache = {}

    def __call__(self, wnid):
        if wnid in self.cache:
            return self.cache[wnid]
        if wnid in self.tiny:
            res = (self.classes.name(wnid), self.classes.hypernyms(wnid))
        elif wnid in self.words:
            name = self.words[wnid]
            if name in self.taken and self.taken[name] != wnid:
                name = f"{name} ({wnid})"
            self.taken[name] = wnid
            try:
                hyper = wn.hypernym_names(wnid)
            except ValueError:
                hyper = []
            res = (name, hyper)
        else:
            res = (None, [])
        self.cache[wnid] = res
        return res


# --- the import --------------------------------------------------------------------


def _existing_paths(dataset, prefix):
    coll = store.sample_collection(dataset)
    rx = "^" + re.escape(prefix)
    return {d["filepath"] for d in coll.find({"filepath": {"$regex": rx}}, {"filepath": 1})}


def _insert(dataset, docs, report):
    added, dups = store.insert_sample_docs(dataset, docs)
    report.added += added
    report.already_present += dups


class _Leaf:
    """One folder of images with the attributes every image in it shares."""

    def __init__(self, path, corruption, severity, wnid, tags):
        self.path, self.corruption, self.severity = path, corruption, severity
        self.wnid, self.tags = wnid, tags
        self.files = None


def _doc(make, now, path, meta, leaf, label, hypernyms, source_id, tags, wnids=True):
    """One sample to insert (``make`` is a :class:`store.SampleDocs`);
    ``wnids``: whether class folder names are wnids (else no ``wnid``)."""
    fields = {
        S.CORRUPTION: leaf.corruption,
        S.CORRUPTION_FAMILY: S.corruption_family(leaf.corruption),
        S.SEVERITY: leaf.severity,
        S.SOURCE_ID: source_id,
        S.HYPERNYMS: hypernyms,
    }
    if leaf.wnid and wnids:
        fields[S.WNID] = leaf.wnid
    labels = {S.GROUND_TRUTH: label} if label is not None else None
    return make.image(path, tags, meta, fields, labels, now=now)


def _import_leaves(dataset, leaves, namer, report, progress, batch_size, max_bytes, max_pixels):
    total = sum(len(l.files) for l in leaves)
    resuming = len(dataset) > 0
    make = store.SampleDocs(dataset)
    existing_by_dir = {}
    docs = []
    pending = None
    # Inserts run on one background thread so parsing the next files overlaps
    # the database round trip; at most one batch is in flight.
    with Progress(progress, total, "importing") as pbar, ThreadPoolExecutor(1) as pool:

        def flush():
            nonlocal docs, pending
            if pending is not None:
                pending.result()
            pending = pool.submit(_insert, dataset, docs, report) if docs else None
            docs = []

        for leaf in leaves:
            existing = ()
            if resuming:
                parent = os.path.dirname(leaf.path)
                if parent not in existing_by_dir:
                    existing_by_dir.clear()  # one folder at a time: memory stays flat
                    existing_by_dir[parent] = _existing_paths(dataset, parent + os.sep)
                existing = existing_by_dir[parent]
            label, hypernyms = namer(leaf.wnid) if leaf.wnid else (None, [])
            tags = list(leaf.tags) + ([] if label else [S.TAG_MISSING_LABEL])
            now = datetime.datetime.utcnow()
            prefix = leaf.path + os.sep
            for entry in leaf.files:
                path = prefix + entry
                if path in existing:
                    report.already_present += 1
                    continue
                # The listing found a regular file; _inspect re-checks on the
                # open descriptor (it may have been swapped since).
                meta, reason = _inspect(path, max_bytes, max_pixels)
                if meta is None:
                    report.skip(path, reason)
                    continue
                dot = entry.rfind(".")
                source_id = entry[:dot] if dot > 0 else entry
                docs.append(_doc(make, now, path, meta, leaf, label,
                                 list(hypernyms), source_id, list(tags), namer.classes.wnids))
                if len(docs) >= batch_size:
                    flush()
            pbar.update(len(leaf.files))
        flush()
        if pending is not None:
            pending.result()


def _split_files(dir_path, report):
    """Lists a leaf folder once: returns (image file names, sub-folder
    DirEntries); other files go to the report."""
    dirs, files = _listdir(dir_path, report)
    images = []
    for f in files:
        if _is_image_name(f.name):
            images.append(f.name)
        else:
            report.skip(f.path, R_NOT_IMAGE_FILE)
    return images, dirs


def _c_leaves(root, corruptions, severities, report, extra_classes, classes):
    tiny, tag = classes.known, classes.tag
    if severities is not None:
        bad = [s for s in severities
               if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 5]
        if bad:
            raise ValueError(f"severities must be integers in 1..5; got {bad}")
    scan = _scan(root, report)
    on_disk = OrderedDict((c, sorted(v[1])) for c, v in scan.items())
    if corruptions is not None:
        unknown = [c for c in corruptions if c not in on_disk]
        if len(unknown) == len(corruptions):
            raise ValueError(
                f"none of the requested corruptions {sorted(corruptions)} is on disk "
                f"under '{root}'; found: {', '.join(on_disk) or 'none'}"
            )
        for c in unknown:
            report.notes.append(f"requested corruption '{c}' has no folder on disk")

    report.missing_corruptions = sorted(
        c for c in S.CORRUPTION_FAMILIES
        if c not in on_disk and (corruptions is None or c in corruptions)
        and (c not in S.EXTRA_CORRUPTIONS or any(e in on_disk for e in S.EXTRA_CORRUPTIONS))
    )
    leaves = []
    for c, (_, sev_dirs, loose) in scan.items():
        if corruptions is not None and c not in corruptions:
            continue
        for f in loose:
            report.skip(f.path, "file outside a severity folder")
        present = set()
        for sev, sev_path in sev_dirs.items():
            if severities is not None and sev not in severities:
                continue
            present.add(sev)
            wdirs, files = _listdir(sev_path, report)
            count = 0
            images = [f.name for f in files if _is_image_name(f.name)]
            for f in files:
                if not _is_image_name(f.name):
                    report.skip(f.path, R_NOT_IMAGE_FILE)
            if images:  # images directly under a severity folder: no class
                leaf = _Leaf(sev_path, c, sev, None, [tag])
                leaf.files = images
                leaves.append(leaf)
                count += len(images)
            names = [w.name for w in wdirs]
            extra = [n for n in names if n not in tiny]
            # The Zenodo copy's frost folder holds all 1000 ImageNet classes.
            skip_extra = extra_classes == "skip" or (
                extra_classes == "auto" and len(names) - len(extra) == len(tiny)
                and len(extra) > len(tiny)
            )
            if skip_extra and extra:
                report.skipped_wnid_folders += len(extra)
                note = (f"{c}/{sev}: {len(names)} class folders, {len(extra)} not among "
                        f"the {len(tiny)} {classes.title[:-2]} classes; those were skipped")
                report.notes.append(note)
            for wdir in wdirs:
                if wdir.name not in tiny:
                    if skip_extra:
                        continue
                    report.extra_wnids.add(wdir.name)
                leaf = _Leaf(wdir.path, c, sev, wdir.name, [tag])
                leaf.files, subs = _split_files(wdir.path, report)
                for sub in subs:
                    report.skip(sub.path, "unexpected sub-folder")
                count += len(leaf.files)
                leaves.append(leaf)
            report.found.setdefault(c, OrderedDict())[sev] = count
        wanted = set(severities or S.SEVERITIES)
        missing = sorted(wanted - present)
        if missing:
            report.missing_severities[c] = missing
    return leaves


def _regular_file_problem(path, max_bytes):
    """None if ``path`` is a regular file of at most ``max_bytes``, else why not."""
    reason = _stat_reason(path)
    if reason is None and os.path.getsize(path) > max_bytes:
        reason = f"{R_TOO_LARGE} (over {max_bytes} bytes)"
    return reason


def _read_val_annotations(ann, report, max_bytes):
    """``{file name: wnid}`` from val_annotations.txt; lines that are not
    valid UTF-8 are counted in a note, not loaded."""
    problem = _regular_file_problem(ann, max_bytes)
    if problem is not None:
        report.notes.append(f"val/val_annotations.txt not read ({problem}): "
                            "val images have no label")
        return {}
    labels, bad = {}, 0
    with open(ann, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) >= 2:
                if not (_valid_text(parts[0]) and _valid_text(parts[1])):
                    bad += 1
                    continue
                labels[parts[0]] = parts[1]
    if bad:
        report.notes.append(f"val/val_annotations.txt: {bad} lines are not valid UTF-8 "
                            "and were ignored")
    return labels


def _clean_leaves(clean_root, report, tiny, max_bytes):
    clean_root = os.path.abspath(os.path.expanduser(str(clean_root)))
    if not _valid_text(clean_root):
        raise ValueError(f"clean_root '{_printable(clean_root)}' is not valid UTF-8: "
                         "rename the folder (paths are stored as text)")
    if not os.path.isdir(clean_root):
        raise ValueError(f"clean_root '{clean_root}' does not exist or is not a folder")
    leaves = []
    train = os.path.join(clean_root, "train")
    wdirs, loose = _listdir(train, report) if os.path.isdir(train) else ([], [])
    for f in loose:
        report.skip(f.path, "file outside a class folder")
    # <wnid>/<wnid>_boxes.txt next to images/ is part of the layout: not reported
    for wdir in wdirs:
        img_dir = os.path.join(wdir.path, "images")
        if not os.path.isdir(img_dir):
            report.skip(wdir.path, "class folder without images/")
            continue
        leaf = _Leaf(img_dir, S.CLEAN, 0, wdir.name, [S.TAG_TRAIN])
        leaf.files, subs = _split_files(img_dir, report)
        for sub in subs:
            report.skip(sub.path, "unexpected sub-folder")
        if wdir.name not in tiny:
            report.extra_wnids.add(wdir.name)
        leaves.append(leaf)
    val_dir = os.path.join(clean_root, "val", "images")
    ann = os.path.join(clean_root, "val", "val_annotations.txt")
    labels = {}
    if os.path.lexists(ann):
        labels = _read_val_annotations(ann, report, max_bytes)
    elif os.path.isdir(val_dir):
        report.notes.append("val/val_annotations.txt missing: val images have no label")
    by_wnid = {}
    if os.path.isdir(val_dir):
        names, subs = _split_files(val_dir, report)
        for sub in subs:
            report.skip(sub.path, "unexpected sub-folder")
        for name in names:
            by_wnid.setdefault(labels.get(name), []).append(name)
    for wnid, names in sorted(by_wnid.items(), key=lambda kv: kv[0] or ""):
        leaf = _Leaf(val_dir, S.CLEAN, 0, wnid, [S.TAG_VAL])
        leaf.files = names
        if wnid and wnid not in tiny:
            report.extra_wnids.add(wnid)
        leaves.append(leaf)
    if not leaves:
        report.notes.append(f"clean_root '{clean_root}' has no train/ or val/ images")
    report.found[S.CLEAN] = OrderedDict([(0, sum(len(l.files) for l in leaves))])
    return leaves


# A DataDiver export names its made-up class folders in words.txt next to its
# owner manifest (datadiver_fo.io.export.OWNER); re-imports read it unasked.
_EXPORT_OWNER = ".datadiver-export.json"


def _export_words(root):
    for folder in (root, os.path.dirname(root)):
        cand = os.path.join(folder, "words.txt")
        if os.path.isfile(os.path.join(folder, _EXPORT_OWNER)) and os.path.lexists(cand):
            return cand
    return None


def _load_words(words_txt, clean_root, report, max_bytes, root=None):
    path = words_txt
    if path is None and clean_root is None and root is not None:
        cand = _export_words(root)
        if cand is not None:
            problem = _regular_file_problem(cand, max_bytes)
            if problem is None:
                path = cand
                report.notes.append(f"class names read from the DataDiver export's {cand}")
            else:
                report.notes.append(f"words.txt not read ({problem})")
    if path is None and clean_root is not None:
        cand = os.path.join(os.path.abspath(os.path.expanduser(str(clean_root))), "words.txt")
        if os.path.lexists(cand):
            problem = _regular_file_problem(cand, max_bytes)
            if problem is None:
                path = cand
            else:
                report.notes.append(f"words.txt not read ({problem})")
    if path is None:
        return {}
    if not os.path.exists(path):
        raise ValueError(f"words_txt '{path}' does not exist")
    problem = _regular_file_problem(path, max_bytes)
    if problem is not None:
        raise ValueError(f"words_txt '{path}' cannot be read: {problem}")
    return wn.read_words_txt(path)


def load_tiny_imagenet_c(
    root,
    name=_DEFAULT_NAME,
    corruptions=None,
    severities=None,
    clean_root=None,
    overwrite=False,
    words_txt=None,
    extra_classes="auto",
    persistent=True,
    batch_size=_BATCH,
    progress=None,
    max_file_bytes=MAX_FILE_BYTES,
    max_pixels=None,
):
    """Loads a Tiny-ImageNet-C tree into a persistent FiftyOne dataset.

    Every sample gets ``ground_truth`` (``fo.Classification`` with the readable,
    unique class name), ``wnid``, ``hypernyms`` (names of all WordNet
    ancestors), ``corruption``, ``corruption_family``, ``severity`` (1..5; 0 for
    clean), ``source_id`` (file name without extension, shared by every variant
    of one picture), a split tag (``tiny-imagenet-c``, ``train``, ``val``) and
    ``metadata``. Samples whose class is unknown get no ``ground_truth`` and the
    tag ``missing_label``.

    Only regular files are read (after following symlinks); FIFOs, devices,
    sockets, dangling links, files over ``max_file_bytes``, headers claiming
    more than ``max_pixels`` pixels, names that are not valid UTF-8, hidden
    names, severity folders other than ASCII ``1``..``5`` and folders that
    cannot be listed are skipped and reported (see :class:`ImportReport`).

    Args:
        root: the ``Tiny-ImageNet-C`` folder (``<corruption>/<severity>/<wnid>/``),
            or a folder that contains it
        name ("tiny-imagenet-c"): the dataset name. An existing dataset of
            that name is added to (only new files are imported) unless
            ``overwrite=True``
        corruptions (None): optional list of corruption folder names to load;
            default all found on disk
        severities (None): optional list of severities (ints 1..5) to load
        clean_root (None): optional ``tiny-imagenet-200`` folder; its train and
            val images are added as ``corruption="clean"``, ``severity=0``, tags
            ``train`` / ``val``; its ``words.txt`` names classes that are not
            among the 200
        overwrite (False): replace an existing dataset of this name. The new
            one is built under a temporary name and swapped in only after the
            whole import succeeded: if anything fails (bad arguments, a bad
            tree, an error or interruption half-way) the old dataset is left
            as it was. Needs room for both while it runs
        words_txt (None): optional path of a ``words.txt`` (wnid<TAB>names)
            naming class folders outside the 200 Tiny-ImageNet classes; when
            neither it nor ``clean_root`` is given and ``root`` is a DataDiver
            export, the export's own ``words.txt`` is read (noted in the report)
        extra_classes ("auto"): what to do with class folders outside the 200:
            ``"keep"`` imports them, ``"skip"`` reports and skips them,
            ``"auto"`` keeps them except where a severity folder holds all 200
            classes plus more (the Zenodo ``frost`` defect), which is reported
        persistent (True): whether the dataset persists across sessions
        batch_size (2000): documents per database write
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        max_file_bytes (64 MiB): files larger than this are skipped as ``"too
            large"`` without being read (reads stop there too)
        max_pixels (None): image headers claiming more pixels than this are
            skipped as ``"suspicious dimensions"``; default PIL's
            ``Image.MAX_IMAGE_PIXELS`` (89,478,485 unless changed)

    Returns:
        the :class:`fiftyone.core.dataset.Dataset`; what was found, added,
        skipped and missing is in ``dataset.info["datadiver_import"]``

    Raises:
        ValueError: if ``root`` does not exist, is empty, cannot be listed, is
            not valid UTF-8, is the clean ``tiny-imagenet-200`` set, or none
            of the requested corruptions exist; if ``words_txt`` is not a
            readable regular file; if an argument is out of range. Nothing in
            the database has changed then
    """
    _check_load_args(name, extra_classes, max_file_bytes, max_pixels)
    max_pixels = _pixel_cap(max_pixels)
    root = _resolve_root(root)
    return _load_tree(root, _tiny_classes(), name, corruptions, severities, clean_root,
                      overwrite, words_txt, extra_classes, persistent, batch_size, progress,
                      max_file_bytes, max_pixels)


def _check_load_args(name, extra_classes, max_file_bytes, max_pixels):
    if extra_classes not in ("auto", "keep", "skip"):
        raise ValueError(f"extra_classes must be 'auto', 'keep' or 'skip'; got {extra_classes!r}")
    if not name or not isinstance(name, str):
        raise ValueError("name must be a non-empty string")
    if isinstance(max_file_bytes, bool) or not isinstance(max_file_bytes, int) or max_file_bytes < 1:
        raise ValueError(f"max_file_bytes must be a positive integer; got {max_file_bytes!r}")
    if max_pixels is not None and (isinstance(max_pixels, bool) or not isinstance(max_pixels, int)
                                   or max_pixels < 1):
        raise ValueError(f"max_pixels must be a positive integer or None; got {max_pixels!r}")


def _load_tree(root, classes, name, corruptions, severities, clean_root, overwrite, words_txt,
               extra_classes, persistent, batch_size, progress, max_file_bytes, max_pixels,
               before=None):
    """The import of a ``<corruption>/<severity>/<class>/`` tree (root
    resolved, arguments checked) for the benchmark ``classes`` (a
    :class:`_ClassSet`). ``before(report)``, if given, adds what an earlier
    step (the CIFAR-C conversion) found to the report."""
    report = _ImportLog(root, max_file_bytes, max_pixels)
    if before is not None:
        before(report)
    tiny = classes.known
    words = (_load_words(words_txt, clean_root, report, max_file_bytes, root=root)
             if classes.wnids else {})

    # Discover everything before touching the database: bad input fails early.
    leaves = _c_leaves(root, corruptions, severities, report, extra_classes, classes)
    if clean_root is not None:
        leaves += _clean_leaves(clean_root, report, tiny, max_file_bytes)

    swap = overwrite and fo.dataset_exists(name)
    if swap:
        # Built aside and non-persistent until it is complete: a failure
        # leaves the old dataset untouched, and FiftyOne drops the orphan of
        # a killed run at its next start-up.
        dataset = fo.Dataset(f"{name}-datadiver-tmp-{uuid.uuid4().hex[:8]}")
    elif fo.dataset_exists(name):
        dataset = fo.load_dataset(name)
    else:
        dataset = fo.Dataset(name)
    try:
        if not swap:
            dataset.persistent = persistent
        _declare_schema(dataset)
        namer = _Namer(words, classes)
        _import_leaves(dataset, leaves, namer, report, progress, batch_size,
                       max_file_bytes, max_pixels)
        _create_indexes(dataset)

        # wnids sorted (Tiny's historical order; ImageNet's class-index order);
        # CIFAR's names in class-index order
        tiny_sorted = sorted(tiny) if classes.wnids else classes.folders
        dataset.default_classes = [namer(w)[0] for w in tiny_sorted]
        info = dict(dataset.info or {})
        if classes.wnids:
            wnid_to_name = {w: namer(w)[0] for w in tiny_sorted}
            for w in sorted(report.extra_wnids):
                if namer(w)[0]:
                    wnid_to_name[w] = namer(w)[0]
            info["wnid_to_name"] = wnid_to_name
        info["datadiver_benchmark"] = classes.kind
        history = info.get("datadiver_imports", [])
        info["datadiver_import"] = report.to_dict()
        info["datadiver_imports"] = (history + [
            {k: v for k, v in report.to_dict().items()
             if k not in ("skipped_files", "unreadable_dirs")}])[-20:]
        dataset.info = info
        dataset.save()
        _set_app_config(dataset)
    except BaseException:
        if swap:
            dataset.delete()
        raise
    if swap:
        dataset.persistent = persistent
        if fo.dataset_exists(name):
            fo.delete_dataset(name)
        dataset.name = name
    dataset.reload()
    return dataset


def import_report(dataset):
    """Returns the report of the last import into ``dataset``, or None.

    Args:
        dataset: a FiftyOne dataset loaded by :func:`load_tiny_imagenet_c`

    Returns:
        an :class:`ImportReport` (read-only) with ``root``, ``found``,
        ``added``, ``already_present``, ``skipped`` (``{reason: count}``),
        ``skipped_files`` (``[path, reason]`` examples), ``unreadable_dirs``
        (``[path, reason]`` of folders that could not be listed),
        ``missing_corruptions``, ``missing_severities``, ``unknown_folders``,
        ``extra_wnids``, ``skipped_wnid_folders``, ``limits``
        (``max_file_bytes``, ``max_pixels``), ``notes`` and ``imported_at``;
        None if the dataset was not loaded by this loader
    """
    rep = (dataset.info or {}).get("datadiver_import")
    return None if rep is None else ImportReport(rep)


def summarize(dataset):
    """A plain-text summary of a loaded dataset: counts by corruption x severity,
    classes, and what the last import skipped or missed.

    Args:
        dataset: a FiftyOne dataset or view with the loader's fields

    Returns:
        a multi-line string
    """
    corr, sev = dataset.values([S.CORRUPTION, S.SEVERITY])
    counts = Counter(corr)
    table = Counter(zip(corr, sev))
    sevs = sorted({s for _, s in table if s is not None})
    lines = [f"{dataset.name}: {len(dataset)} samples, "
             f"{len(dataset.distinct(S.GROUND_TRUTH + '.label'))} classes, "
             f"{len(dataset.distinct(S.SOURCE_ID))} source images"]
    header = f"{'corruption':<20}" + "".join(f"{s:>7}" for s in sevs) + f"{'total':>8}"
    lines.append(header)
    for c in sorted(counts, key=str):
        row = f"{c:<20}" + "".join(f"{table.get((c, s), 0):>7}" for s in sevs)
        lines.append(row + f"{counts[c]:>8}")
    rep = import_report(dataset._dataset)
    if rep:
        if rep["skipped"]:
            lines.append("skipped files: " + ", ".join(f"{k}: {v}" for k, v in rep["skipped"].items()))
        if rep.get("unreadable_dirs"):
            lines.append(f"unreadable folders: {len(rep['unreadable_dirs'])} (e.g. "
                         f"{rep['unreadable_dirs'][0][0]}: {rep['unreadable_dirs'][0][1]})")
        if rep.get("unknown_folders"):
            lines.append("unknown folders: " + ", ".join(rep["unknown_folders"][:10])
                         + (" ..." if len(rep["unknown_folders"]) > 10 else ""))
        if rep["missing_corruptions"]:
            lines.append("missing corruptions: " + ", ".join(rep["missing_corruptions"]))
        if rep["missing_severities"]:
            lines.append("missing severities: " + "; ".join(
                f"{c}: {v}" for c, v in rep["missing_severities"].items()))
        if rep["extra_wnids"]:
            n_known = {KIND_IMAGENET: 1000, KIND_CIFAR10: 10, KIND_CIFAR100: 100}.get(
                (dataset._dataset.info or {}).get("datadiver_benchmark"), 200)
            lines.append(f"class folders outside the {n_known}: {len(rep['extra_wnids'])}")
        for n in rep["notes"]:
            lines.append("note: " + n)
    n_missing = len(dataset.match_tags(S.TAG_MISSING_LABEL))
    if n_missing:
        lines.append(f"samples without a label (tag '{S.TAG_MISSING_LABEL}'): {n_missing}")
    return "\n".join(lines)


# --- the -C family -----------------------------------------------------------------


def _title_kind(name):
    titles = dict((t.lower(), k) for k, t in _TREE_TITLES.items())
    titles.update((t.lower(), k) for k, t in cifar_c.TITLES.items())
    return titles.get((name or "").lower())


def _first_image_size(root):
    """Width and height of the first image of the first class folder of the
    first corruption that is not ``frost`` (header only), or None."""
    probe = _ImportLog(root)
    for cdir in sorted(_listdir(root, probe)[0], key=lambda d: d.name == "frost"):
        for sdir in _listdir(cdir.path, probe)[0]:
            if sdir.name not in _SEVERITY_DIRS:
                continue
            wdirs, files = _listdir(sdir.path, probe)
            for folder in [sdir.path] + [w.path for w in wdirs]:
                for f in (files if folder == sdir.path else _listdir(folder, probe)[1]):
                    if _is_image_name(f.name):
                        meta, _ = inspect_image(f.path)
                        if meta is not None:
                            return meta["width"], meta["height"]
    return None


def detect_corruption_benchmark(root):
    """Tells which -C benchmark a folder holds, without loading it.

    Rules, in order: a folder (``root`` itself, or its one sub-folder) named
    ``Tiny-ImageNet-C``, ``ImageNet-C``, ``CIFAR-10-C`` or ``CIFAR-100-C``
    (any case); ``.npy`` arrays: CIFAR-10-C or CIFAR-100-C, told apart by
    ``labels.npy`` (a label >= 10 is CIFAR-100; all below 10 over >= 1,000
    labels is CIFAR-10); a ``<corruption>/<severity>/<class>/`` tree: the
    first image's size (64 px Tiny-ImageNet-C, >= 128 px ImageNet-C, which
    is 224 px).

    Args:
        root: a folder path

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report` with
        ``kind`` (one of ``"tiny-imagenet-c"``, ``"imagenet-c"``,
        ``"cifar-10-c"``, ``"cifar-100-c"``), ``root`` (the folder holding
        the benchmark: ``root`` or the sub-folder it stepped into) and
        ``reason`` (what decided)

    Raises:
        ValueError: ``root`` is missing or not a folder, or the benchmark
            cannot be told (the message says why: pass ``kind=`` then)
    """
    if root is None or str(root).strip() == "":
        raise ValueError("root is empty: give the path of the -C benchmark folder")
    path = os.path.abspath(os.path.expanduser(str(root)))
    if not _valid_text(path):
        raise ValueError(f"root '{_printable(path)}' is not valid UTF-8: rename the folder")
    if not os.path.isdir(path):
        raise ValueError(f"root '{path}' does not exist or is not a folder")

    def found(kind, where, reason):
        return Report({"kind": kind, "root": where, "reason": reason},
                      title="detect_corruption_benchmark")

    kind = _title_kind(os.path.basename(path))
    if kind is None:
        dirs = _listdir(path)[0]
        named = [(d, _title_kind(d.name)) for d in dirs if _title_kind(d.name)]
        if len(named) > 1:
            raise ValueError(f"'{path}' holds several -C benchmarks "
                             f"({', '.join(d.name for d, _ in named)}): pass one of them as root")
        if len(named) == 1 and not ({d.name for d in dirs} & set(S.CORRUPTION_FAMILIES)):
            path, kind = named[0][0].path, named[0][1]
    if kind in cifar_c.TITLES or (kind is None and cifar_c.npy_root(path)):
        folder = cifar_c.npy_root(path) or path
        ckind, why = cifar_c.detect_kind(folder, os.path.basename(path) if kind else None)
        if ckind is None:
            raise ValueError(f"'{folder}' holds CIFAR-C arrays but which one cannot be told "
                             f"({why}): pass kind='cifar-10-c' or kind='cifar-100-c'")
        return found(ckind, folder, why)
    if kind is not None:
        return found(kind, path, f"folder name '{os.path.basename(path)}'")
    path = _resolve_root(path, "-C benchmark")
    size = _first_image_size(path)
    if size is None:
        raise ValueError(f"'{path}' holds no readable image to tell Tiny-ImageNet-C from "
                         "ImageNet-C: pass kind='tiny-imagenet-c' or kind='imagenet-c'")
    if size == (64, 64):
        return found(KIND_TINY, path, "64x64 images")
    if min(size) >= 128:
        return found(KIND_IMAGENET, path, f"{size[0]}x{size[1]} images")
    raise ValueError(f"'{path}' holds {size[0]}x{size[1]} images, neither Tiny-ImageNet-C's "
                     "64x64 nor ImageNet-C's 224x224: pass kind= (one of "
                     f"{', '.join(KINDS)})")


def load_corruption_benchmark(
    root,
    kind="auto",
    name=None,
    media_dir=None,
    corruptions=None,
    severities=None,
    clean_root=None,
    overwrite=False,
    words_txt=None,
    extra_classes="auto",
    persistent=True,
    batch_size=_BATCH,
    progress=None,
    max_file_bytes=MAX_FILE_BYTES,
    max_pixels=None,
):
    """Loads any benchmark of the -C family into a FiftyOne dataset: one
    entry point for Tiny-ImageNet-C, ImageNet-C, CIFAR-10-C and CIFAR-100-C.

    Every sample gets the schema of :func:`load_tiny_imagenet_c`:
    ``ground_truth`` (class name), ``corruption``, ``corruption_family``,
    ``severity`` (1..5), ``source_id``, ``wnid`` and ``hypernyms``, the tag
    ``kind`` and ``metadata``:

    -   Tiny-ImageNet-C (``<corruption>/<severity>/<wnid>/<name>.JPEG``, 64
        px): exactly :func:`load_tiny_imagenet_c`;
    -   ImageNet-C (the same tree, 224 px JPEGs, 1000 classes): class names
        and hypernyms from the WordNet table of the 1000 ImageNet-1k wnids
        (names unique across the 1000); ``source_id`` is the file name
        without extension (``ILSVRC2012_val_00000293``);
    -   CIFAR-10-C / CIFAR-100-C (``<corruption>.npy`` holding 5 x 10,000
        uint8 32x32 images stacked by severity, and ``labels.npy``): the
        images are written once as PNG files under ``media_dir``
        (``<corruption>/<severity>/<class>/<i>.png``; resumable, see
        :mod:`datadiver_fo.io.cifar_c`), then loaded; ``source_id`` is ``i``,
        the index of the image within the clean CIFAR test set (a string:
        ``"42"``). CIFAR classes are not WordNet synsets: ``wnid`` is not
        set and ``hypernyms`` is empty.

    The messy-data guarantees of :func:`load_tiny_imagenet_c` hold for every
    kind (regular files only, nothing silently skipped: what is not loaded
    is in :func:`import_report`); for CIFAR the report also lists arrays
    that could not be used (``skipped_files``, reason e.g. ``"truncated"``)
    and notes labels outside the class list.

    Args:
        root: the benchmark folder (or a folder containing it)
        kind ("auto"): ``"tiny-imagenet-c"``, ``"imagenet-c"``,
            ``"cifar-10-c"``, ``"cifar-100-c"``, or ``"auto"`` to detect it
            (see :func:`detect_corruption_benchmark`)
        name (None): the dataset name; default the kind. An existing dataset
            is added to (only new files) unless ``overwrite=True``
        media_dir (None): CIFAR-C only, required there: the folder the PNG
            files are written to (empty, or written by an earlier call for
            the same ``root``)
        corruptions (None): corruption names to load; default all found
        severities (None): severities (ints 1..5) to load; default all
        clean_root (None): Tiny-ImageNet-C only: the clean
            ``tiny-imagenet-200`` folder (see :func:`load_tiny_imagenet_c`)
        overwrite (False): replace an existing dataset of this name (built
            aside, swapped in only once complete)
        words_txt (None): Tiny-ImageNet-C and ImageNet-C: a ``words.txt``
            naming class folders outside the benchmark's classes
        extra_classes ("auto"): ``"keep"``, ``"skip"`` or ``"auto"`` (see
            :func:`load_tiny_imagenet_c`)
        persistent (True): whether the dataset persists across sessions
        batch_size (2000): documents per database write
        progress (None): ``None`` / ``True`` / ``False`` / a callback (the
            FiftyOne convention)
        max_file_bytes (64 MiB), max_pixels (None): per-file caps (see
            :func:`load_tiny_imagenet_c`)

    Returns:
        the :class:`fiftyone.core.dataset.Dataset`; its
        ``info["datadiver_benchmark"]`` is the kind and its
        ``info["datadiver_import"]`` the report

    Raises:
        ValueError: ``kind`` unknown or not detectable, ``root`` not a
            benchmark folder, ``media_dir`` missing for CIFAR-C or holding
            files DataDiver did not write, ``clean_root`` given for another
            kind than Tiny-ImageNet-C, none of the requested corruptions
            there; nothing in the database has changed then
    """
    if kind != "auto" and kind not in KINDS:
        raise ValueError(f"kind must be 'auto' or one of {', '.join(KINDS)}; got {kind!r}")
    name = name or (kind if kind != "auto" else None)
    _check_load_args(name or "x", extra_classes, max_file_bytes, max_pixels)
    if kind == "auto":
        found = detect_corruption_benchmark(root)
        kind, root = found["kind"], found["root"]
    name = name or kind
    if clean_root is not None and kind != KIND_TINY:
        raise ValueError(f"clean_root is for Tiny-ImageNet-C only (this is {kind})")
    if kind == KIND_TINY:
        return load_tiny_imagenet_c(root, name=name, corruptions=corruptions,
                                    severities=severities, clean_root=clean_root,
                                    overwrite=overwrite, words_txt=words_txt,
                                    extra_classes=extra_classes, persistent=persistent,
                                    batch_size=batch_size, progress=progress,
                                    max_file_bytes=max_file_bytes, max_pixels=max_pixels)
    max_pixels = _pixel_cap(max_pixels)
    if kind == KIND_IMAGENET:
        root = _resolve_root(root, _TREE_TITLES[KIND_IMAGENET])
        return _load_tree(root, _imagenet_classes(), name, corruptions, severities, None,
                          overwrite, words_txt, extra_classes, persistent, batch_size,
                          progress, max_file_bytes, max_pixels)
    # CIFAR-10-C / CIFAR-100-C: arrays -> PNG files, then the tree loader
    if media_dir is None or str(media_dir).strip() == "":
        raise ValueError(f"{cifar_c.TITLES[kind]} is stored as arrays: pass media_dir=, an "
                         "empty folder to write its images to (written once; re-runs reuse it)")
    if severities is not None:
        bad = [s for s in severities
               if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 5]
        if bad:
            raise ValueError(f"severities must be integers in 1..5; got {bad}")
    root = os.path.abspath(os.path.expanduser(str(root)))
    folder = cifar_c.npy_root(root) if os.path.isdir(root) else None
    if folder is None:
        raise ValueError(f"'{root}' holds no .npy arrays: is this a {cifar_c.TITLES[kind]} "
                         "folder (<corruption>.npy and labels.npy)?")
    with Progress(progress, 2, f"loading {cifar_c.TITLES[kind]}") as prog:
        written = cifar_c.write_images(folder, media_dir, kind, corruptions, severities,
                                       progress=prog.span(1))

        if not written["arrays"]:
            raise ValueError(f"no usable array in '{folder}': " + "; ".join(
                f"{os.path.basename(p)}: {why}" for p, why in written["problems"][:5]))

        def before(report):
            report.own_files.add(os.path.join(written["media_dir"], cifar_c.OWNER))
            for path, why in written["problems"]:
                report.skip(path, why)
            report.notes.extend(written["notes"])
            report.notes.append(f"images written from '{folder}' to '{written['media_dir']}': "
                                f"{written['written']} new, {written['already_present']} "
                                "already there")

        media = written["media_dir"]
        return _load_tree(media, _cifar_classes(kind), name, corruptions, severities, None, overwrite, None, extra_classes, persistent,
                          batch_size, prog.span(1), max_file_bytes, max_pixels, before=before)

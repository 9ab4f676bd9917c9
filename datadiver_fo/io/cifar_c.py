"""CIFAR-10-C and CIFAR-100-C: their ``.npy`` arrays, written once as PNG files.

Layout read (Hendrycks & Dietterich, ICLR 2019; the Zenodo records 2535967
(CIFAR-10-C) and 3555552 (CIFAR-100-C))::

    CIFAR-10-C/<corruption>.npy   uint8 (50000, 32, 32, 3): the 10,000 test
                                  images at severity 1, then 2, ... 5
    CIFAR-10-C/labels.npy         (50000,) class index of every row

Layout written under a media folder the user names, so that FiftyOne (which
shows files, not arrays) can show them and the tree loader can read them::

    <media_dir>/<corruption>/<severity>/<class name>/<i>.png

``i`` is the image's index within the clean CIFAR test set (row ``r`` of a
corruption's array is test image ``r % 10000`` at severity ``r // 10000 + 1``),
so the file stem, which the loader stores as ``source_id``, is that index and
is shared by every corruption and severity of one picture. PNG is lossless:
the pixels are exactly the array's.

Writing is idempotent and resumable: a file is written to a hidden temporary
name and renamed into place, so a file that exists is complete; a re-run
writes only the missing files, and skips a corruption whose array has not
changed since a run that finished it (recorded in the folder's owner manifest
``.datadiver-cifar-c.json``). The media folder must be empty or hold that
manifest for the same source folder and benchmark: files DataDiver did not
write are never written over, and nothing is ever deleted but this module's
own temporary files.

Arrays are opened with ``allow_pickle=False`` (an ``.npy`` file is data, never
code) and memory-mapped (a 150 MB array is not read at once). What cannot be
used is reported, not raised: an array that is not uint8 ``(N, 32, 32, 3)``
with ``N`` a multiple of 5, a truncated file, a label outside the class list
(that image is written without a class folder; the loader tags it
``missing_label``), a missing ``labels.npy`` (every image without a class).

Class names (index order) are those of the CIFAR python archives' ``meta``
files (``batches.meta`` ``label_names`` for CIFAR-10, ``meta``
``fine_label_names`` for CIFAR-100; https://www.cs.toronto.edu/~kriz/cifar.html).
CIFAR classes are not WordNet synsets: CIFAR samples have no ``wnid`` and an
empty ``hypernyms`` list.
"""
import json
import os
import re
import stat

import numpy as np

from datadiver_fo.internal.progress import Progress

KIND_CIFAR10 = "cifar-10-c"
KIND_CIFAR100 = "cifar-100-c"
TITLES = {KIND_CIFAR10: "CIFAR-10-C", KIND_CIFAR100: "CIFAR-100-C"}

#: CIFAR-10 class names in label order (``batches.meta`` ``label_names``)
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)

#: CIFAR-100 fine class names in label order (``meta`` ``fine_label_names``)
CIFAR100_CLASSES = (
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
    "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle",
    "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch",
    "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox",
    "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
    "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom",
    "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road",
    "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake",
    "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone",
    "television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale",
    "willow_tree", "wolf", "woman", "worm",
)
assert len(CIFAR10_CLASSES) == 10 and len(CIFAR100_CLASSES) == 100

OWNER = ".datadiver-cifar-c.json"
LABELS = "labels.npy"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")  # a corruption name usable as a folder
_TMP_RE = re.compile(r"^\.\d+\.png\.tmp$")  # this module's own temporary files
_SEVERITIES = (1, 2, 3, 4, 5)


def classes(kind):
    """The class names of ``kind`` (:data:`KIND_CIFAR10` or
    :data:`KIND_CIFAR100`), a tuple in label order."""
    return CIFAR10_CLASSES if kind == KIND_CIFAR10 else CIFAR100_CLASSES


def npy_root(root):
    """The folder holding the ``.npy`` files: ``root`` itself, or its single
    ``CIFAR-10-C`` / ``CIFAR-100-C`` sub-folder; None if neither holds any
    ``.npy`` file."""
    if _npy_names(root):
        return root
    subs = [os.path.join(root, t) for t in TITLES.values() if os.path.isdir(os.path.join(root, t))]
    subs = [s for s in subs if _npy_names(s)]
    return subs[0] if len(subs) == 1 else None


def _npy_names(folder):
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(".npy") and not n.startswith("."))
    except OSError:
        return []


def _regular(path):
    """None if ``path`` is a regular file (links followed), else why not."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "broken link"
    except OSError as e:
        return "unreadable: " + (e.strerror or type(e).__name__).lower()
    return None if stat.S_ISREG(st.st_mode) else "not a regular file"


def _open_npy(path):
    """``(array memory-mapped, None)`` or ``(None, reason)``."""
    why = _regular(path)
    if why is not None:
        return None, why
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False), None
    except ValueError as e:  # mmap past the end of a truncated file, a bad header, pickled data
        text = str(e)
        if "mmap length" in text or "larger than" in text or "cannot reshape" in text:
            return None, "truncated"
        if "pickle" in text or "Python objects" in text:
            return None, "holds pickled objects (allow_pickle=False)"
        return None, "not a .npy array"
    except OSError as e:
        return None, "unreadable: " + (e.strerror or type(e).__name__).lower()
    except Exception:
        return None, "not a .npy array"


def detect_kind(folder, title_hint=None):
    """``(kind, reason)`` for a folder of CIFAR-C arrays, or ``(None,
    reason)`` when it cannot be told.

    The folder name (``CIFAR-10-C`` / ``CIFAR-100-C``) decides; else the
    labels: any label >= 10 is CIFAR-100-C; all below 10 over at least 1,000
    labels is CIFAR-10-C (a CIFAR-100 test set has 100 of each class);
    fewer labels cannot be told apart."""
    for name in (title_hint, os.path.basename(os.path.normpath(folder))):
        for kind, title in TITLES.items():
            if name and name.lower() == title.lower():
                return kind, f"folder name '{name}'"
    labels, why = _open_npy(os.path.join(folder, LABELS))
    if labels is None:
        return None, f"{LABELS}: {why}"
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or not len(labels):
        return None, f"{LABELS} is not a list of class indices"
    top = int(labels.max())
    if top >= 10:
        return KIND_CIFAR100, f"labels up to {top}"
    if len(labels) >= 1000:
        return KIND_CIFAR10, f"{len(labels)} labels, all below 10"
    return None, f"only {len(labels)} labels, all below 10: CIFAR-10-C or CIFAR-100-C"


def _read_owner(media_dir):
    path = os.path.join(media_dir, OWNER)
    if _regular(path) is not None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("done"), dict) else None


def _write_owner(media_dir, doc):
    tmp = os.path.join(media_dir, OWNER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(media_dir, OWNER))  # never half-written


def _claim(media_dir, kind, source):
    """Checks the media folder is ours for this source (or new) and returns
    its owner manifest."""
    if os.path.lexists(media_dir) and not os.path.isdir(media_dir):
        raise ValueError(f"media_dir '{media_dir}' exists and is not a folder")
    os.makedirs(media_dir, exist_ok=True)
    entries = [e for e in os.listdir(media_dir) if e not in (OWNER, OWNER + ".tmp")]
    doc = _read_owner(media_dir)
    if doc is None:
        if entries:
            raise ValueError(
                f"media_dir '{media_dir}' is not empty and was not written by DataDiver's "
                f"CIFAR-C conversion (no {OWNER}; e.g. '{sorted(entries)[0]}'): choose an "
                "empty folder or the one an earlier conversion of this folder wrote")
        doc = {"kind": kind, "source": source, "done": {}}
        _write_owner(media_dir, doc)
        return doc
    if doc.get("kind") != kind or doc.get("source") != source:
        raise ValueError(
            f"media_dir '{media_dir}' holds images DataDiver wrote from {doc.get('kind')} "
            f"'{doc.get('source')}', not {kind} '{source}': choose another folder")
    return doc


def write_images(root, media_dir, kind, corruptions=None, severities=None, progress=None):
    """Writes the images of a CIFAR-10-C or CIFAR-100-C folder as PNG files
    (see the module doc for both layouts and the guarantees).

    Args:
        root: the folder holding ``<corruption>.npy`` and ``labels.npy``
        media_dir: the folder to write ``<corruption>/<severity>/<class>/<i>.png``
            into: empty, missing, or written by an earlier call for the same
            ``root`` and ``kind``
        kind: :data:`KIND_CIFAR10` or :data:`KIND_CIFAR100`
        corruptions (None): corruption names to write; default every array
        severities (None): severities (1..5) to write; default all
        progress (None): a progress bar or callback (FiftyOne convention)

    Returns:
        a dict: ``media_dir``, ``written`` and ``already_present`` (files),
        ``arrays`` (``{corruption: number of images}`` of the usable arrays),
        ``problems`` (``[path, reason]`` of arrays not used), ``notes``

    Raises:
        ValueError: ``media_dir`` is not ours (see above), ``kind`` unknown,
            or none of the requested corruptions has an array
    """
    from PIL import Image

    if kind not in TITLES:
        raise ValueError(f"kind must be {KIND_CIFAR10!r} or {KIND_CIFAR100!r}; got {kind!r}")
    root = os.path.abspath(root)
    media_dir = os.path.abspath(os.path.expanduser(str(media_dir)))
    if media_dir == root or media_dir.startswith(root.rstrip(os.sep) + os.sep):
        raise ValueError(f"media_dir '{media_dir}' lies inside the CIFAR-C folder '{root}': "
                         "choose a folder outside it")
    names = classes(kind)
    out = {"media_dir": media_dir, "written": 0, "already_present": 0, "arrays": {},
           "problems": [], "notes": []}
    sevs = tuple(severities) if severities else _SEVERITIES
    candidates = [n[:-4] for n in _npy_names(root) if n != LABELS]
    if corruptions is not None:
        missing = [c for c in corruptions if c not in candidates]
        if len(missing) == len(corruptions):
            raise ValueError(f"none of the requested corruptions {sorted(corruptions)} has an "
                             f"array in '{root}'; found: {', '.join(candidates) or 'none'}")
        for c in missing:
            out["notes"].append(f"requested corruption '{c}' has no {c}.npy")
        candidates = [c for c in candidates if c in corruptions]
    doc = _claim(media_dir, kind, root)

    labels, why = _open_npy(os.path.join(root, LABELS))
    if labels is None:
        out["problems"].append([os.path.join(root, LABELS), why])
        out["notes"].append(f"{LABELS} not read ({why}): images are written without a class")
    elif labels.ndim != 1 or labels.dtype.kind not in "iu":
        out["problems"].append([os.path.join(root, LABELS), "not a list of class indices"])
        out["notes"].append(f"{LABELS} is not a list of class indices: images are written "
                            "without a class")
        labels = None
    arrays = []
    for c in candidates:
        path = os.path.join(root, c + ".npy")
        if not _NAME_RE.match(c):
            out["problems"].append([path, "name is not usable as a folder name"])
            continue
        arr, why = _open_npy(path)
        if arr is None:
            out["problems"].append([path, why])
            continue
        if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[1:] != (32, 32, 3):
            out["problems"].append([path, f"not uint8 (N, 32, 32, 3): {arr.dtype} {arr.shape}"])
            continue
        if len(arr) == 0 or len(arr) % len(_SEVERITIES):
            out["problems"].append([path, f"{len(arr)} images: not 5 severities of equal size"])
            continue
        if labels is not None and len(labels) not in (len(arr), len(arr) // 5):
            out["problems"].append([path, f"{len(arr)} images but {LABELS} has {len(labels)}"])
            continue
        arrays.append((c, path, arr))
        out["arrays"][c] = int(len(arr))
    total = sum(len(a) // 5 * len(sevs) for _, _, a in arrays)
    with Progress(progress, total, "writing CIFAR-C images") as prog:
        for c, path, arr in arrays:
            st = os.stat(path)
            stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "severities": sorted(sevs)}
            per_sev = len(arr) // 5
            done = doc["done"].get(c)
            if done and done.get("size") == st.st_size and done.get("mtime_ns") == st.st_mtime_ns \
                    and set(sevs) <= set(done.get("severities", [])) and _tree_complete(
                        media_dir, c, sevs, done.get("files", {})):
                out["already_present"] += per_sev * len(sevs)
                prog.update(per_sev * len(sevs))
                continue
            files = {}
            bad_labels = 0
            for sev in sevs:
                sev_dir = os.path.join(media_dir, c, str(sev))
                listing = {}
                for r in range(per_sev):
                    row = (sev - 1) * per_sev + r
                    cls = None
                    if labels is not None:
                        lab = int(labels[row] if len(labels) == len(arr) else labels[r])
                        if 0 <= lab < len(names):
                            cls = names[lab]
                        else:
                            bad_labels += 1
                    folder = os.path.join(sev_dir, cls) if cls else sev_dir
                    there = listing.get(folder)
                    if there is None:
                        there = listing[folder] = _existing(folder)
                    fname = f"{r}.png"
                    if fname in there:
                        out["already_present"] += 1
                    else:
                        tmp = os.path.join(folder, f".{r}.png.tmp")
                        Image.fromarray(np.asarray(arr[row])).save(tmp, format="PNG")
                        os.replace(tmp, os.path.join(folder, fname))
                        out["written"] += 1
                    files[str(sev)] = files.get(str(sev), 0) + 1
                    if r % 1000 == 999:
                        prog.update(1000)
                prog.update(per_sev % 1000)
            if bad_labels:
                out["notes"].append(f"{c}: {bad_labels} labels outside 0..{len(names) - 1}: "
                                    "those images were written without a class folder")
            doc["done"][c] = dict(stamp, files=files)
            _write_owner(media_dir, doc)
    return out


def _existing(folder):
    """Names in ``folder`` (created if missing); this module's leftover
    temporary files from an interrupted run are removed."""
    os.makedirs(folder, exist_ok=True)
    names = set()
    for n in os.listdir(folder):
        if _TMP_RE.match(n):
            try:
                os.remove(os.path.join(folder, n))
            except OSError:
                pass
        else:
            names.add(n)
    return names


def _tree_complete(media_dir, corruption, sevs, files):
    """Whether each severity folder still holds as many PNG files as the
    finished run recorded (one listing per folder: a deleted file is
    rewritten)."""
    for s in sevs:
        want = files.get(str(s))
        if want is None or _count_png(os.path.join(media_dir, corruption, str(s))) != want:
            return False
    return True


def _count_png(folder):
    n = 0
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    n += _count_png(e.path)
                elif e.name.endswith(".png") and not e.name.startswith("."):
                    n += 1
    except OSError:
        return -1
    return n

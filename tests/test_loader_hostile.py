"""The loader against hostile trees: special files, huge files and headers,
names that are not UTF-8, odd severity folders, unreadable folders, and an
overwrite that must not lose the old dataset. Each case loads what is good,
reports the rest with a reason, and never hangs or raises."""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
import zlib

import fiftyone as fo
import pytest

import datadiver_fo as ddf
from datadiver_fo.io import loader as L
from datadiver_fo.internal import schema as S
def _tree(mini, tmp_path, corruptions=("fog",)):
    """A writable copy of some corruptions of the miniature; returns (root, a
    class folder of fog/1, the bytes of one real JPEG, number of C files)."""
    root = tmp_path / "Tiny-ImageNet-C"
    for c in corruptions:
        shutil.copytree(os.path.join(mini.root, c), root / c, symlinks=True)
    leaf = root / "fog" / "1" / sorted(os.listdir(root / "fog" / "1"))[0]
    jpg = sorted(leaf.iterdir())[0].read_bytes()
    n = sum(len(files) for _, _, files in os.walk(root))
    return root, leaf, jpg, n


def _reasons(rep):
    return {os.path.basename(p): r for p, r in rep["skipped_files"]}


def _no_surrogates(obj):
    # strict UTF-8 encoding fails on a lone surrogate anywhere in the report
    json.dumps(obj, ensure_ascii=False).encode("utf-8")


@pytest.mark.timeout(60)
def test_fifo_and_socket_are_reported_never_opened(mini, tmp_path, unique_name, monkeypatch):
    root, leaf, _, n = _tree(mini, tmp_path)
    os.mkfifo(leaf / "x.JPEG")  # no writer: a blocking open would hang forever
    monkeypatch.chdir(leaf)  # a socket path must be short: bind relative to the folder
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("s.JPEG")
    try:
        ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name)
    finally:
        sock.close()
    try:
        rep = ddf.import_report(ds)
        assert _reasons(rep)["x.JPEG"] == "not a regular file: FIFO"
        assert _reasons(rep)["s.JPEG"] == "not a regular file: socket"
        assert len(ds) == n
        # the public check and the post-listing read both refuse without blocking
        assert ddf.inspect_image(str(leaf / "x.JPEG")) == (None, "not a regular file: FIFO")
        assert L._read_regular(str(leaf / "x.JPEG"), 1 << 20) == (None, "not a regular file: FIFO")
    finally:
        fo.delete_dataset(unique_name)


@pytest.mark.timeout(120)
def test_dev_zero_link_and_huge_files_are_capped(mini, tmp_path, unique_name):
    root, leaf, _, n = _tree(mini, tmp_path)
    os.symlink("/dev/zero", leaf / "zero.JPEG")
    with open(leaf / "huge.JPEG", "wb") as f:  # sparse: 65 MiB on paper, no disk used
        f.truncate(L.MAX_FILE_BYTES + (1 << 20))
    ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name)
    try:
        rep = ddf.import_report(ds)
        reasons = _reasons(rep)
        assert reasons["zero.JPEG"] == "not a regular file: character device"
        assert reasons["huge.JPEG"] == "too large"
        assert rep["limits"]["max_file_bytes"] == L.MAX_FILE_BYTES
        assert len(ds) == n
    finally:
        fo.delete_dataset(unique_name)
    # A cap below the real files' size skips them all, unread.
    small = ddf.load_tiny_imagenet_c(str(root), name=unique_name, max_file_bytes=100)
    try:
        assert len(small) == 0
        assert ddf.import_report(small)["skipped"]["too large"] == n + 1
    finally:
        fo.delete_dataset(unique_name)
    # Reads stop at the cap even where the stat size says 0 (a /proc file).
    os.symlink("/proc/self/status", leaf / "status.JPEG")
    assert ddf.inspect_image(str(leaf / "status.JPEG"), max_bytes=64) == (None, "too large")
    with pytest.raises(ValueError, match="max_file_bytes must be a positive integer"):
        ddf.load_tiny_imagenet_c(str(root), name=unique_name, max_file_bytes=0)


def test_non_utf8_names_are_reported_and_overwrite_keeps_going(mini, tmp_path, unique_name):
    root, leaf, jpg, n = _tree(mini, tmp_path)
    old = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["spatter"], severities=[1])
    assert len(old) > 0
    fd = os.open(os.fsencode(leaf) + b"/\xff\xfe.JPEG", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, jpg)
    os.close(fd)
    bad_dir = os.fsencode(leaf.parent) + b"/n0\xe9"
    os.mkdir(bad_dir)
    fd = os.open(bad_dir + b"/img.JPEG", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, jpg)
    os.close(fd)

    ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name, overwrite=True)
    try:
        rep = ddf.import_report(ds)
        assert len(ds) == n  # every good file, and only the new tree
        assert ds.distinct(S.CORRUPTION) == ["fog"]
        bad = {p for p, r in rep["skipped_files"] if r == "name not valid UTF-8"}
        assert bad == {f"{leaf}/\\xff\\xfe.JPEG", f"{leaf.parent}/n0\\xe9"}
        assert rep["skipped"]["name not valid UTF-8"] == 2
        _no_surrogates(rep)
        _no_surrogates(ds.values("filepath"))
        assert fo.load_dataset(unique_name).count() == n
    finally:
        fo.delete_dataset(unique_name)


def test_severity_folders_must_be_ascii_1_to_5(mini, tmp_path, unique_name):
    root, leaf, jpg, n = _tree(mini, tmp_path)
    odd = ["0", "6", "²", "٣", "01", " 3", "3 "]
    for name in odd:
        d = root / "fog" / name / leaf.name
        d.mkdir(parents=True)
        (d / "odd.JPEG").write_bytes(jpg)
    ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name)
    try:
        rep = ddf.import_report(ds)
        assert ds.distinct(S.SEVERITY) == [1, 2, 3, 4, 5]
        assert len(ds) == n
        assert sorted(rep["unknown_folders"]) == sorted(f"fog/{x}" for x in odd)
        assert sorted(rep["found"]["fog"]) == ["1", "2", "3", "4", "5"]
    finally:
        fo.delete_dataset(unique_name)
    found = ddf.discover_tiny_imagenet_c(str(root))
    assert found["corruptions"] == {"fog": [1, 2, 3, 4, 5]}
    assert sorted(found["unknown"]) == sorted(f"fog/{x}" for x in odd)

    # A tree whose only "severity" folders are look-alikes is not a tree.
    fake = tmp_path / "fake" / "fog"
    for name in ("0", "²", "٣"):
        shutil.copytree(leaf, fake / name / leaf.name)
    with pytest.raises(ValueError, match=r"holds no <corruption>/<severity 1\.\.5>/ folders"):
        ddf.load_tiny_imagenet_c(str(fake.parent), name=unique_name)


def _png(w, h):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _jpeg_claiming(jpg, w, h):
    """A real JPEG whose frame header (SOF) claims w x h."""
    i = 2
    while True:
        marker, seglen = jpg[i + 1], struct.unpack(">H", jpg[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return jpg[:i + 5] + struct.pack(">HH", h, w) + jpg[i + 9:]
        i += 2 + seglen


def _bmp_header(w, h):
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 16, 0, 0, 54) + info + b"\x00" * 16


def test_headers_claiming_huge_images_are_suspicious(mini, tmp_path, unique_name):
    root, leaf, jpg, n = _tree(mini, tmp_path)
    (leaf / "bomb.png").write_bytes(_png(100000, 100000))
    (leaf / "bomb.JPEG").write_bytes(_jpeg_claiming(jpg, 65535, 65535))
    (leaf / "bomb.bmp").write_bytes(_bmp_header(10000, 10000))  # PIL only warns at 1e8
    (leaf / "huge-bomb.bmp").write_bytes(_bmp_header(100000, 100000))  # PIL refuses
    (leaf / "zero.png").write_bytes(_png(0, 64))
    ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name)
    try:
        rep = ddf.import_report(ds)
        reasons = _reasons(rep)
        for f in ("bomb.png", "bomb.JPEG", "bomb.bmp", "huge-bomb.bmp", "zero.png"):
            assert reasons[f] == "suspicious dimensions", f
        assert rep["skipped"]["suspicious dimensions"] == 5
        assert rep["limits"]["max_pixels"] == 89_478_485
        assert len(ds) == n
    finally:
        fo.delete_dataset(unique_name)
    with pytest.raises(ValueError, match="100000x100000 pixels"):
        L._png_info(_png(100000, 100000))
    with pytest.raises(ValueError, match="65535x65535 pixels"):
        L._jpeg_info(_jpeg_claiming(jpg, 65535, 65535))
    with pytest.raises(ValueError, match="10000x10000 pixels"):
        L._generic_info(_bmp_header(10000, 10000))
    # a small PNG header is fine; a cap below 64x64 rejects a real image
    assert L._png_info(_png(64, 64))[:2] == (64, 64)
    good = str(sorted(p for p in leaf.iterdir() if p.name.startswith("ILSVRC"))[0])
    assert ddf.inspect_image(good)[0]["width"] == 64
    assert ddf.inspect_image(good, max_pixels=64 * 64 - 1) == (None, "suspicious dimensions")


def test_overwrite_with_a_bad_tree_keeps_the_old_dataset(mini, tmp_path, unique_name):
    old = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fog"], severities=[1])
    n, ids = len(old), sorted(old.values("id"))

    def intact():
        ds = fo.load_dataset(unique_name)
        assert len(ds) == n and sorted(ds.values("id")) == ids
        assert ddf.import_report(ds)["found"] == {"fog": {"1": n}}
        assert not [d for d in fo.list_datasets() if "datadiver-tmp" in d]

    try:
        # 1. the tree fails validation: nothing is touched
        bad = tmp_path / "bad" / "fog" / "0" / "n01443537"
        bad.mkdir(parents=True)
        with pytest.raises(ValueError, match="holds no <corruption>/<severity"):
            ddf.load_tiny_imagenet_c(str(tmp_path / "bad"), name=unique_name, overwrite=True)
        intact()

        # 2. the import fails half-way (here the caller's progress callback)
        def boom(frac, label):
            if frac > 0.3:
                raise RuntimeError("interrupted by the caller")

        with pytest.raises(RuntimeError, match="interrupted by the caller"):
            ddf.load_tiny_imagenet_c(mini.root, name=unique_name, overwrite=True,
                                     batch_size=10, progress=boom)
        intact()

        # 3. a good overwrite replaces it, persistent, under the same name
        new = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, overwrite=True,
                                       corruptions=["spatter"], severities=[2])
        assert new.name == unique_name and new.persistent
        assert new.distinct(S.CORRUPTION) == ["spatter"]
        assert fo.load_dataset(unique_name).distinct(S.SEVERITY) == [2]
        assert not [d for d in fo.list_datasets() if "datadiver-tmp" in d]
    finally:
        fo.delete_dataset(unique_name)


# Run as root, chmod 000 stops nothing: the child drops CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH from its bounding set and re-executes itself, so it is
# still uid 0 (same files, same HOME, same database) but obeys permission bits.
_DROP_DAC = textwrap.dedent("""
    import ctypes, os, sys
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                sys.exit(77)
    os.execv(sys.executable, [sys.executable] + sys.argv[1:])
""")


@pytest.mark.timeout(300)
def test_unreadable_folders_are_reported(mini, tmp_path, unique_name):
    root, leaf, _, n = _tree(mini, tmp_path)
    locked_leaf, locked_sev = leaf, root / "fog" / "2"
    lost = len(os.listdir(locked_leaf)) + sum(len(f) for _, _, f in os.walk(locked_sev))
    script = textwrap.dedent(f"""
        import os, sys
        for d in ({str(locked_leaf)!r}, {str(locked_sev)!r}):
            try:
                os.listdir(d)
                sys.exit(78)  # still readable: the test could not lock it
            except PermissionError:
                pass
        import datadiver_fo as ddf
        ddf.load_tiny_imagenet_c({str(root)!r}, name={unique_name!r})
    """)
    os.chmod(locked_leaf, 0)
    os.chmod(locked_sev, 0)
    try:
        proc = subprocess.run([sys.executable, "-c", _DROP_DAC, "-c", script],
                              env=os.environ.copy(), capture_output=True, text=True, timeout=240)
    finally:
        os.chmod(locked_leaf, 0o755)
        os.chmod(locked_sev, 0o755)
    if proc.returncode in (77, 78):
        pytest.skip("cannot make a folder unreadable here (root without CAP_SETPCAP)")
    assert proc.returncode == 0, proc.stderr[-3000:]
    ds = fo.load_dataset(unique_name)
    try:
        rep = ddf.import_report(ds)
        assert sorted(rep["unreadable_dirs"]) == sorted(
            [[str(locked_leaf), "permission denied"], [str(locked_sev), "permission denied"]])
        assert len(ds) == n - lost
        assert "unreadable folders: 2" in ddf.summarize(ds)
    finally:
        fo.delete_dataset(unique_name)


def test_nothing_is_skipped_silently(mini, tmp_path, unique_name):
    root, leaf, jpg, n = _tree(mini, tmp_path)
    (root / "README.txt").write_text("stray file at the root")
    (root / "fog" / "notes.txt").write_text("stray file in a corruption folder")
    (root / ".cache").mkdir()
    (leaf / ".DS_Store").write_bytes(b"\x00")
    (leaf / "._ILSVRC2012_val_00000001.JPEG").write_bytes(b"\x00\x05\x16\x07")
    os.symlink("loop.JPEG", leaf / "loop.JPEG")  # a symlink loop
    os.symlink("nowhere.JPEG", leaf / "dangling.JPEG")
    (leaf / "sub").mkdir()
    (leaf / "sub" / "deep.JPEG").write_bytes(jpg)
    (root / "fog" / "3" / "loose.JPEG").write_bytes(jpg)  # loads, without a label
    ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name)
    try:
        rep = ddf.import_report(ds)
        reasons = _reasons(rep)
        assert reasons["README.txt"] == "file outside a corruption folder"
        assert reasons["notes.txt"] == "file outside a severity folder"
        assert reasons[".cache"] == reasons[".DS_Store"] == "hidden"
        assert reasons["._ILSVRC2012_val_00000001.JPEG"] == "hidden"
        assert reasons["loop.JPEG"] == "unreadable: too many levels of symbolic links"
        assert reasons["dangling.JPEG"] == "broken link"
        assert reasons["sub"] == "unexpected sub-folder"
        assert len(ds) == n + 1
        # every file on disk is a sample or has a reason (or sits in a reported folder)
        loaded = set(ds.values("filepath"))
        reported = {p for p, _ in rep["skipped_files"]}
        for dirpath, _, filenames in os.walk(root):
            for name in filenames:
                path = os.path.join(dirpath, name)
                assert (path in loaded or path in reported
                        or any(path.startswith(r + os.sep) for r in reported)), path
        text = ddf.summarize(ds)
        assert "hidden: 3" in text and "broken link: 1" in text
    finally:
        fo.delete_dataset(unique_name)


@pytest.mark.timeout(120)
def test_non_utf8_root_and_hostile_clean_files(mini, tmp_path, unique_name):
    # a root whose own path is not UTF-8 cannot be stored: a clear error, nothing created
    bad_root = os.fsencode(tmp_path) + b"/r\xff"
    os.mkdir(bad_root)
    os.symlink(os.path.join(mini.root, "fog"), bad_root + b"/fog")
    with pytest.raises(ValueError, match="is not valid UTF-8"):
        ddf.load_tiny_imagenet_c(os.fsdecode(bad_root), name=unique_name)
    assert unique_name not in fo.list_datasets()

    # clean set: a FIFO words.txt is never opened, non-UTF-8 annotation lines are
    # left out with a note, a stray file in train/ is reported
    clean = tmp_path / "tiny-imagenet-200"
    shutil.copytree(mini.clean_root, clean, symlinks=True)
    os.remove(clean / "words.txt")
    os.mkfifo(clean / "words.txt")
    with open(clean / "val" / "val_annotations.txt", "ab") as f:
        f.write(b"val_\xff.JPEG\tn0\xe9\t0\t0\t1\t1\n")
    (clean / "train" / "stray.txt").write_text("x")
    ds = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fog"],
                                  severities=[1], clean_root=str(clean))
    try:
        rep = ddf.import_report(ds)
        assert any("words.txt not read (not a regular file: FIFO)" in n for n in rep["notes"])
        assert any("1 lines are not valid UTF-8" in n for n in rep["notes"])
        assert _reasons(rep)["stray.txt"] == "file outside a class folder"
        assert len(ds.match_tags("val")) > 0 and len(ds.match_tags("train")) > 0
        _no_surrogates(rep)
    finally:
        fo.delete_dataset(unique_name)
    with pytest.raises(ValueError, match="not a regular file: FIFO"):
        ddf.load_tiny_imagenet_c(mini.root, name=unique_name, words_txt=str(clean / "words.txt"))

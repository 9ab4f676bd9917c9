"""The loader's header parser (datadiver_fo.io.loader.inspect_image: JPEG
and PNG headers read without decoding) agrees with PIL on size and channels
for the encodings real datasets contain: baseline and progressive JPEG,
CMYK and grayscale JPEG, grayscale / 16-bit / palette / RGBA / LA PNG."""
import numpy as np
import pytest
from PIL import Image

from datadiver_fo.io.loader import inspect_image

W, H = 53, 37  # not square, not a multiple of 8 or 16: width/height swaps and MCU padding show


def _rgb():
    rng = np.random.default_rng(51)
    return Image.fromarray(rng.integers(0, 256, (H, W, 3), dtype=np.uint8))


def _gray16():
    rng = np.random.default_rng(52)
    return Image.fromarray(rng.integers(0, 65536, (H, W), dtype=np.uint16))


# name -> (writes the file, expected mime type)
CASES = {
    "baseline.jpg": (lambda p: _rgb().save(p, quality=90), "image/jpeg"),
    "progressive.jpg": (lambda p: _rgb().save(p, progressive=True, quality=80), "image/jpeg"),
    "cmyk.jpg": (lambda p: _rgb().convert("CMYK").save(p), "image/jpeg"),
    "gray.jpg": (lambda p: _rgb().convert("L").save(p), "image/jpeg"),
    "exif.jpg": (lambda p: _rgb().save(p, exif=_exif()), "image/jpeg"),
    "rgb.png": (lambda p: _rgb().save(p), "image/png"),
    "gray.png": (lambda p: _rgb().convert("L").save(p), "image/png"),
    "gray16.png": (lambda p: _gray16().save(p), "image/png"),
    "palette.png": (lambda p: _rgb().convert("P", palette=Image.ADAPTIVE, colors=16).save(p), "image/png"),
    "rgba.png": (lambda p: _rgb().convert("RGBA").save(p), "image/png"),
    "la.png": (lambda p: _rgb().convert("LA").save(p), "image/png"),
}


def _exif():
    exif = Image.Exif()
    exif[0x010F] = "DataDiver test camera"  # Make
    exif[0x0112] = 1  # Orientation
    return exif


def _pil_channels(im):
    # a palette image decodes to its palette's colours (RGB), not to one index band
    if im.mode == "P":
        return len(im.palette.mode)
    return len(im.getbands())


@pytest.mark.parametrize("name", sorted(CASES))
def test_header_parser_agrees_with_pil(tmp_path, name):
    write, mime = CASES[name]
    path = str(tmp_path / name)
    write(path)
    meta, reason = inspect_image(path)
    assert reason is None, reason
    with Image.open(path) as im:
        assert (meta["width"], meta["height"]) == im.size == (W, H)
        assert meta["num_channels"] == _pil_channels(im), im.mode
        if name == "progressive.jpg":
            assert im.info.get("progressive")  # PIL really wrote a progressive JPEG
        if name == "cmyk.jpg":
            assert im.mode == "CMYK"
        if name == "gray16.png":
            assert im.mode.startswith("I")  # 16 bits per sample
    assert meta["mime_type"] == mime
    assert meta["size_bytes"] == (tmp_path / name).stat().st_size


def test_every_case_decodes_to_the_expected_mode(tmp_path):
    # the cases cover the modes the loader must agree on
    modes = set()
    for name, (write, _) in CASES.items():
        path = str(tmp_path / name)
        write(path)
        with Image.open(path) as im:
            modes.add(im.mode)
    assert {"RGB", "CMYK", "L", "P", "RGBA", "LA"} <= modes and any(m.startswith("I") for m in modes)

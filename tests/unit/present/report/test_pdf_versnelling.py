"""Speed-ups of the PDF step: same pixels, same parser patterns, collector state restored."""

from __future__ import annotations

import gc
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from pipeline.present.report import pdf_versnelling


def _png(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="png", **kw)
    return buf.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _pixels_of_idat(idat: bytes, size: tuple[int, int]) -> np.ndarray:
    """Decode IDAT data as an 8-bit RGB PNG: what a PDF reader does with /FlateDecode + PNG predictor."""
    ihdr = struct.pack(">IIBBBBB", size[0], size[1], 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture(scope="module")
def rgb() -> Image.Image:
    rng = np.random.default_rng(0)
    arr = np.zeros((37, 53, 3), dtype=np.uint8)
    arr[5:30, 10:40] = rng.integers(0, 256, (25, 30, 3), dtype=np.uint8)  # noise + flat areas
    return Image.fromarray(arr, "RGB")


def test_png_idat_gives_the_same_pixels(rgb):
    data = _png(rgb, compress_level=3)
    idat = pdf_versnelling.png_idat(data)
    assert idat is not None
    assert np.array_equal(_pixels_of_idat(idat, rgb.size), np.asarray(rgb))


@pytest.mark.parametrize(
    "variant",
    [
        lambda im: _png(im.convert("RGBA")),
        lambda im: _png(im.convert("P")),
        lambda im: _png(im.convert("L")),
        lambda im: _png(im, transparency=(0, 0, 0)),
        lambda im: b"not a png",
    ],
)
def test_png_idat_refuses_other_layouts(rgb, variant):
    assert pdf_versnelling.png_idat(variant(rgb)) is None


def test_weasyprint_gets_the_same_rows(rgb):
    """The patched WeasyPrint step embeds rows that decode to WeasyPrint's own result."""
    from weasyprint.images import RasterImage

    pdf_versnelling.install()
    patched = RasterImage._get_png_data
    assert getattr(patched, "wijkscan", False)
    data = _png(rgb, compress_level=3)
    ours = patched(Image.open(io.BytesIO(data)))
    assert ours == pdf_versnelling.png_idat(data)  # reused, not encoded again
    # An image that is not an RGB8 PNG file still goes through WeasyPrint's encoder.
    converted = patched(rgb.convert("RGB"))
    assert np.array_equal(_pixels_of_idat(converted, rgb.size), _pixels_of_idat(ours, rgb.size))


def test_parser_cache_builds_tinyhtml5_patterns():
    from tinyhtml5 import inputstream

    pdf_versnelling.install()
    cache = inputstream.characters_until_regex
    key = (frozenset("<&\u0000"), False)
    pattern = cache[key]
    assert key in cache and cache[key] is pattern  # the second lookup hits
    assert pattern.match("abc<d").group() == "abc"
    assert cache[(frozenset(" \t"), True)].match("  \tx").group() == "  \t"


def test_paused_gc_restores_the_collector():
    assert gc.isenabled()
    with pdf_versnelling.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with pdf_versnelling.paused_gc():
            pass
        assert not gc.isenabled()  # a caller's own choice stays
    finally:
        gc.enable()


def test_printed_pdf_has_the_same_pixels_as_weasyprints_own_path(rgb, tmp_path):
    """End to end: a report-like page printed with and without the reuse looks the same.

    WeasyPrint is not pinned: if a release changes how it declares the embedded rows, this
    test fails instead of the figures in the reports silently breaking.
    """
    import base64
    import shutil
    import subprocess

    import weasyprint
    from weasyprint.images import RasterImage

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is needed: make system-deps")
    pdf_versnelling.install()
    patched = RasterImage.__dict__["_get_png_data"]
    uri = "data:image/png;base64," + base64.b64encode(_png(rgb, compress_level=3)).decode()
    html = f'<html><body><p>Figuur</p><img src="{uri}" style="width:120mm"></body></html>'

    def pixels(name: str) -> np.ndarray:
        pdf = tmp_path / f"{name}.pdf"
        weasyprint.HTML(string=html).write_pdf(pdf)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / name)], check=True)
        return np.asarray(Image.open(next(tmp_path.glob(f"{name}*.png"))).convert("RGB"))

    try:
        ours = pixels("ours")
        RasterImage._get_png_data = staticmethod(patched.__func__.__wrapped__)
        own = pixels("own")
    finally:
        RasterImage._get_png_data = patched
    assert ours.shape == own.shape and np.array_equal(ours, own)

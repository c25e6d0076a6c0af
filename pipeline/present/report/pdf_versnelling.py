"""Three slow spots of the PDF print step, removed without changing a pixel of the PDF.

Measured on Deventer's report (45 pages, 14 figures; WeasyPrint 70, tinyhtml5 2.1), of
~6.6 s for the PDF:

1. **Garbage collection, ~1.0 s.** WeasyPrint builds millions of objects that live until the
   document is written (boxes, styles, Pango layouts), so CPython's collector runs ~11 full
   passes per report, each walking the whole heap (pandas, matplotlib, the figures), while
   nearly nothing is garbage yet. :func:`paused_gc` turns automatic collection off for one
   document; what becomes garbage is freed by reference counting at once, the few cycles at
   the next collection (in a render worker: before its next task). Cost: ~25 MB higher peak
   memory for Deventer while the PDF is built.
2. **PNG figures encoded twice, ~0.5 s.** WeasyPrint decodes every PNG and encodes it again
   with Pillow, only to copy the compressed pixel rows (the ``IDAT`` chunks) into the PDF.
   For an 8-bit RGB, non-interlaced PNG (what :func:`pipeline.present.figuur.to_data_uri`
   writes) the ``IDAT`` chunks of the embedded file are already exactly that: the same
   filter-plus-deflate rows that the PDF's ``/FlateDecode`` with PNG predictors reads. Any
   other image (alpha, palette, 16 bit, interlaced, not from a file) takes WeasyPrint's own
   path.
3. **HTML parser cache, ~0.1 s.** tinyhtml5 caches one regular expression per character set
   in ``characters_until_regex``, but stores it under the wrong key (``(regex, opposite)``
   instead of ``(characters, opposite)``), so every lookup misses and rebuilds the pattern
   (16,680 times for Deventer). A dict that builds a missing entry under the right key
   makes the lookup hit; the patterns are the ones tinyhtml5 would build.

Points 2 and 3 touch internals of pinned libraries. :func:`install` checks that the names
it needs still exist and otherwise leaves the library alone (slower, same PDF).
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import re
import struct
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger("wijkscan")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: IHDR bit depth, colour type, compression, filter method, interlace of an 8-bit RGB PNG
#: without interlacing: the only layout whose IDAT data the PDF reads as WeasyPrint declares it.
_RGB8 = (8, 2, 0, 0, 0)
_installed = False


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause automatic garbage collection for the duration of the block (see module doc).

    Collection is switched back on afterwards only if it was on before, so a caller that
    turned it off itself keeps it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def png_idat(data: bytes) -> bytes | None:
    """The concatenated ``IDAT`` data of an 8-bit RGB, non-interlaced PNG, else None.

    Parameters
    ----------
    data
        A PNG file's bytes.

    Returns
    -------
    bytes or None
        The zlib stream of filtered pixel rows, or None when the file is not a PNG of that
        layout (or has a palette or transparency chunk), so the caller must decode it.
    """
    if not data.startswith(_PNG_SIGNATURE):
        return None
    pos, parts, layout = len(_PNG_SIGNATURE), [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            return None  # truncated file
        if kind == b"IHDR":
            layout = struct.unpack(">IIBBBBB", body)[2:]
        elif kind in (b"PLTE", b"tRNS"):
            return None
        elif kind == b"IDAT":
            parts.append(body)
        elif kind == b"IEND":
            break
        pos += length + 12  # length, type, data, CRC
    return b"".join(parts) if layout == _RGB8 and parts else None


def _reuse_png_rows(reencode: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    """WeasyPrint's ``RasterImage._get_png_data``, without re-encoding an RGB8 PNG."""

    def get_png_data(pillow_image: Any) -> bytes:
        # WeasyPrint passes the image as just opened from the embedded file's bytes
        # (Image.open on a BytesIO, not yet decoded): those bytes are what the PDF needs.
        source = getattr(pillow_image, "fp", None)
        if pillow_image.format == "PNG" and pillow_image.mode == "RGB":
            if isinstance(source, io.BytesIO):
                idat = png_idat(source.getvalue())
                if idat is not None:
                    return idat
        return reencode(pillow_image)

    get_png_data.wijkscan = True  # type: ignore[attr-defined]
    # WeasyPrint's own function, for the test that compares both printed results.
    get_png_data.__wrapped__ = reencode  # type: ignore[attr-defined]
    return get_png_data


class _PatternCache(dict):
    """tinyhtml5's ``characters_until_regex``, building a missing pattern under its own key."""

    def __missing__(self, key: tuple[Any, bool]) -> re.Pattern[str]:
        characters, opposite = key
        # The same pattern tinyhtml5's chars_until builds on a miss.
        chars = "".join(f"\\x{ord(c):02x}" for c in characters)
        pattern = self[key] = re.compile(f"[{chars if opposite else '^' + chars}]+")
        return pattern


def install() -> None:
    """Apply points 2 and 3 of the module doc to the libraries (idempotent, process-wide)."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        from weasyprint.images import RasterImage

        current = RasterImage.__dict__["_get_png_data"].__func__
        if not getattr(current, "wijkscan", False):
            RasterImage._get_png_data = staticmethod(_reuse_png_rows(current))
    except (ImportError, KeyError, AttributeError):  # pragma: no cover - other WeasyPrint
        log.debug("WeasyPrint zonder _get_png_data: figuren worden opnieuw gecodeerd")
    try:
        from tinyhtml5 import inputstream

        if isinstance(inputstream.characters_until_regex, dict):
            inputstream.characters_until_regex = _PatternCache(inputstream.characters_until_regex)
    except (ImportError, AttributeError):  # pragma: no cover - other tinyhtml5
        log.debug("tinyhtml5 zonder characters_until_regex")

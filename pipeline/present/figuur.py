"""Figure basics of the report: printed size, house style, embedding as a ``data:`` URI.

Every figure is built on a bare :class:`matplotlib.figure.Figure` with an Agg canvas
(matplotlib OO API, never pyplot) and embedded in the HTML as a ``data:`` URI, which
keeps the report one self-contained file. Sizes are millimetres of the printed A4 page,
fonts points as printed; one colour family (dark blue of the map palette).

The chart types are in :mod:`pipeline.present.charts`, the map figures in
:mod:`pipeline.present.kaartfiguren` and :mod:`pipeline.present.overzichtskaart`.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipeline.present import lettertype

MM = 1 / 25.4
"""Inches per millimetre."""

INK = "#1a1a1a"
GRID = "#d0d0d0"
BAR = "#225ea8"  # dark blue of the YlGnBu map palette
BAR_LIGHT = "#a8c7e6"
REF = "#000000"

RC: dict[str, Any] = {
    # The pinned report font (Source Sans Pro), the same family as the PDF text.
    "font.family": lettertype.register_fonts(),
    "font.size": 7.5,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "svg.fonttype": "path",
    "svg.hashsalt": "wijkscan",  # stable ids: same input, same bytes
    "hatch.linewidth": 0.8,
}
"""Matplotlib settings of every report figure (used as ``rc_context(RC)``)."""


def new_figure(width_mm: float, height_mm: float) -> Figure:
    """A bare Figure of the given printed size with an Agg canvas attached.

    Parameters
    ----------
    width_mm, height_mm
        Printed size in millimetres.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    with mpl.rc_context(RC):
        fig = Figure(figsize=(width_mm * MM, height_mm * MM), dpi=150)
    FigureCanvasAgg(fig)
    return fig


PNG_DPI = 200
"""Pixels per inch of an embedded PNG figure: sharp in print at its drawn size."""


def print_css() -> str:
    """CSS that prints every embedded PNG at its drawn size (:data:`PNG_DPI`).

    WeasyPrint takes an image pixel for a CSS pixel (96 per inch): a figure drawn 70 mm
    wide printed 146 mm wide, its type twice the size of the other figures (real Duiven,
    a trend chart with one panel). Wider figures were only kept in bounds by
    ``max-width``. Screens ignore ``image-resolution``; the rule is for print only.
    """
    return f"@media print {{ figure img {{ image-resolution: {PNG_DPI}dpi; }} }}"


def to_data_uri(fig: Figure, fmt_: str = "png", dpi: int = PNG_DPI, max_svg_kb: int = 600) -> str:
    """Serialise a figure as a ``data:`` URI (PNG by default, SVG on request).

    PNG is the default because the report is printed by WeasyPrint, whose pure-Python SVG
    renderer spent more than half of the PDF time on the maps' vertices (benchmarks); at
    :data:`PNG_DPI` the figures print sharply at their drawn size (:func:`print_css`).

    Parameters
    ----------
    fig
        The figure (it is not closed; Figures without pyplot need no closing).
    fmt_
        ``'png'`` (RGB, no alpha channel: WeasyPrint would otherwise split off a mask),
        ``'svg'`` (vector), or ``'auto'``: SVG, but PNG when the SVG would exceed
        ``max_svg_kb``.
    dpi
        Resolution for PNG.
    max_svg_kb
        Size limit for ``'auto'``.

    Returns
    -------
    str
        ``data:image/png;base64,...`` or ``data:image/svg+xml;base64,...``.
    """
    import matplotlib as mpl

    def render(kind: str) -> bytes:
        buf = io.BytesIO()
        with mpl.rc_context(RC):
            if kind == "png":
                from PIL import Image

                canvas = FigureCanvasAgg(fig)
                own_dpi = fig.dpi
                fig.set_dpi(dpi)
                try:
                    canvas.draw()
                    size = canvas.get_width_height()
                    rgba = Image.frombuffer("RGBA", size, canvas.buffer_rgba())
                    if rgba.getchannel("A").getextrema() == (255, 255):
                        # Opaque (the usual white figure): dropping alpha gives the same
                        # pixels as compositing on white, in half the time.
                        rgb = rgba.convert("RGB")
                    else:
                        rgb = Image.new("RGB", rgba.size, "white")
                        rgb.paste(rgba, mask=rgba.getchannel("A"))
                finally:
                    fig.set_dpi(own_dpi)
                # 8-bit RGB, not interlaced: the PDF step embeds these rows as they are
                # (pipeline.present.report.pdf_versnelling).
                rgb.save(buf, format="png", dpi=(dpi, dpi), compress_level=3)
            else:
                fig.savefig(buf, format=kind, dpi=dpi, metadata=_metadata(kind))
        return buf.getvalue()

    kind = "svg" if fmt_ in ("svg", "auto") else "png"
    data = render(kind)
    if fmt_ == "auto" and len(data) > max_svg_kb * 1024:
        kind, data = "png", render("png")
    mime = "image/svg+xml" if kind == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _metadata(fmt_: str) -> dict[str, Any]:
    # No creation date in the file: a rebuild with the same data gives the same bytes.
    if fmt_ == "svg":
        return {"Date": None}
    return {"Software": None} if fmt_ == "png" else {}


def style_axes(ax: Axes) -> None:
    """House style of chart axes: no top and right spine, thin ticks and spines."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=2.5, width=0.6)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.6)

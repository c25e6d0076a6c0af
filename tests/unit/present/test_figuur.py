"""Tests of pipeline.present.figuur: printed size, and the same figure gives the same bytes."""

from __future__ import annotations

import base64
import io

from PIL import Image

from pipeline.present import figuur


def _figure():
    fig = figuur.new_figure(80, 40)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.bar([0, 1], [3, 4], color=figuur.BAR)
    figuur.style_axes(ax)
    return fig


def test_new_figure_has_the_printed_size():
    w, h = figuur.new_figure(170, 62).get_size_inches()
    assert abs(w * 25.4 - 170) < 1e-9 and abs(h * 25.4 - 62) < 1e-9


def test_data_uri_is_reproducible_and_png_has_no_alpha():
    for kind in ("png", "svg"):
        assert figuur.to_data_uri(_figure(), kind) == figuur.to_data_uri(_figure(), kind)
    uri = figuur.to_data_uri(_figure())
    assert uri.startswith("data:image/png;base64,")
    img = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert img.mode == "RGB"
    assert figuur.to_data_uri(_figure(), "auto", max_svg_kb=0).startswith("data:image/png")
    assert figuur.to_data_uri(_figure(), "auto").startswith("data:image/svg+xml")

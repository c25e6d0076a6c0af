"""Tests of pipeline.present.figuur: printed size, and the same figure gives the same bytes."""

from __future__ import annotations

import base64
import io

from PIL import Image

from pipeline.present import figuur
from pipeline.present.report.sjablonen import TEMPLATE_DIR as TEMPLATES


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


def test_figure_prints_at_its_drawn_size():
    """Real Duiven: a one-panel trend chart drawn 70 mm wide printed 146 mm wide (an image
    pixel taken for a CSS pixel), its text twice the size of the other figures'."""
    import weasyprint

    from pipeline.present.report.sjablonen import rapport_css

    def printed_width_mm(css: str) -> float:
        html = f"<style>{css}</style><figure><img src='{figuur.to_data_uri(_figure())}'></figure>"
        page = weasyprint.HTML(string=html).render().pages[0]
        boxes = [page._page_box]
        while boxes:
            box = boxes.pop()
            if type(box).__name__.endswith("ReplacedBox"):
                return box.width / 96 * 25.4
            boxes.extend(getattr(box, "children", []))
        raise AssertionError("no image in the page")

    assert abs(printed_width_mm(figuur.print_css()) - 80) < 0.5
    assert abs(printed_width_mm(str(rapport_css(TEMPLATES))) - 80) < 0.5
    # Without the rule the same figure prints at 200/96 of its size.
    assert printed_width_mm("") > 160

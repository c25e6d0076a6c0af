"""The paper of the vouwkaarten: trim sizes, bleed, millimetre coordinates, fold lines,
and the fold and crop marks.

Split off from :mod:`pipeline.present.vouwkaart` (which re-exports the public names).
Only the A1 is folded (4 x 2 panels); every text must stay at least
:data:`FOLD_SAFE_MM` from a fold line, which :func:`fold_conflicts` checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pipeline.present.kaartbasis import BLACK, _renderer

__all__ = [
    "BLEED_MM",
    "FOLD_SAFE_MM",
    "PAPER_MM",
    "Sheet",
    "fold_conflicts",
    "fold_lines_mm",
]

#: Trim sizes in mm (width, height) as printed: A1 and A3 landscape, A4 portrait.
PAPER_MM: dict[str, tuple[float, float]] = {
    "A1": (841.0, 594.0),
    "A3": (420.0, 297.0),
    "A4": (210.0, 297.0),
}
#: Bleed added on every side when ``afloopmarge`` is on.
BLEED_MM = 3.0
#: Minimum distance of important content from a fold line.
FOLD_SAFE_MM = 5.0


@dataclass(frozen=True)
class Sheet:
    """A page in millimetres with origin at the top-left of the trimmed sheet.

    Attributes
    ----------
    width, height
        Trim size in mm.
    bleed
        Bleed on every side in mm (0 without afloopmarge); the page grows by 2 x bleed.
    """

    width: float
    height: float
    bleed: float = 0.0

    @property
    def page_mm(self) -> tuple[float, float]:
        """Page (media) size including bleed."""
        return self.width + 2 * self.bleed, self.height + 2 * self.bleed

    def figure(self) -> Figure:
        """An empty figure of exactly the page size (72 dpi: 1 display pixel = 1 pt)."""
        w, h = self.page_mm
        return Figure(figsize=(w / 25.4, h / 25.4), dpi=72)

    def fx(self, x: float) -> float:
        """Trim x (mm) -> figure fraction."""
        return (x + self.bleed) / self.page_mm[0]

    def fy(self, y: float) -> float:
        """Trim y (mm, downwards) -> figure fraction (upwards)."""
        return 1.0 - (y + self.bleed) / self.page_mm[1]

    def rect(self, x: float, y: float, w: float, h: float) -> list[float]:
        """``[left, bottom, width, height]`` in figure fraction for a mm box (top-left x, y)."""
        pw, ph = self.page_mm
        return [self.fx(x), self.fy(y + h), w / pw, h / ph]

    def px(self, mm: float) -> float:
        """Millimetres -> display pixels (points at 72 dpi)."""
        return mm / 25.4 * 72

    def bbox(self, x0: float, y0: float, x1: float, y1: float) -> Bbox:
        """Display-coordinate box of a mm rectangle (trim coordinates)."""
        pw, ph = (self.px(v) for v in self.page_mm)
        return Bbox.from_extents(
            self.fx(x0) * pw, self.fy(y1) * ph, self.fx(x1) * pw, self.fy(y0) * ph
        )


def fold_lines_mm(formaat: str) -> tuple[list[float], list[float]]:
    """Fold positions (trim mm) of a format: ``(vertical xs, horizontal ys)``.

    Parameters
    ----------
    formaat
        ``'A1'``, ``'A3'`` or ``'A4'``; only the A1 is folded (4 x 2 panels).

    Returns
    -------
    tuple of lists
        x positions of vertical folds and y positions of horizontal folds.
    """
    if formaat != "A1":
        return [], []
    w, h = PAPER_MM["A1"]
    return [w * i / 4 for i in (1, 2, 3)], [h / 2]


def _sheet(formaat: str, cfg: dict[str, Any]) -> Sheet:
    if formaat not in PAPER_MM:
        raise ValueError(f"onbekend formaat {formaat!r}; kies uit {', '.join(PAPER_MM)}")
    w, h = PAPER_MM[formaat]
    return Sheet(w, h, BLEED_MM if cfg.get("afloopmarge") else 0.0)


def _fold_avoid(sheet: Sheet, formaat: str, margin: float = FOLD_SAFE_MM + 1.5) -> list[Bbox]:
    """Display boxes of the strips around fold lines where labels may not go."""
    xs, ys = fold_lines_mm(formaat)
    out = [sheet.bbox(x - margin, -sheet.bleed, x + margin, sheet.height + sheet.bleed) for x in xs]
    out += [sheet.bbox(-sheet.bleed, y - margin, sheet.width + sheet.bleed, y + margin) for y in ys]
    return out


def fold_conflicts(fig: Figure, formaat: str, afloopmarge: bool = False) -> list[str]:
    """Texts closer than :data:`FOLD_SAFE_MM` to a fold line (should be empty).

    Parameters
    ----------
    fig
        A built page.
    formaat
        Its format (only the A1 has folds).
    afloopmarge
        Whether the page was built with bleed.

    Returns
    -------
    list of str
        The offending texts.
    """
    w, h = PAPER_MM[formaat]
    sheet = Sheet(w, h, BLEED_MM if afloopmarge else 0.0)
    strips = _fold_avoid(sheet, formaat, margin=FOLD_SAFE_MM)
    r = _renderer(fig)
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(r)
        if any(bb.overlaps(s) for s in strips):
            out.append(t.get_text())
    return out


def _fold_and_crop_marks(fig: Figure, sheet: Sheet, formaat: str) -> None:
    """Dashed fold ticks on the sheet edges; crop marks in the bleed when there is one."""
    xs, ys = fold_lines_mm(formaat)
    tick = 8.0
    kw = {"color": BLACK, "lw": 0.6, "linestyle": (0, (2.0, 1.5)), "transform": fig.transFigure,
          "gid": "vouwteken"}  # fmt: skip
    for x in xs:
        for y0, y1 in ((0, tick), (sheet.height - tick, sheet.height)):
            fig.add_artist(Line2D([sheet.fx(x)] * 2, [sheet.fy(y0), sheet.fy(y1)], **kw))
    for y in ys:
        for x0, x1 in ((0, tick), (sheet.width - tick, sheet.width)):
            fig.add_artist(Line2D([sheet.fx(x0), sheet.fx(x1)], [sheet.fy(y)] * 2, **kw))
    if sheet.bleed <= 0:
        return
    # Crop marks: short lines in the bleed, in line with the trim edges, not touching the trim.
    b = sheet.bleed
    ckw = {"color": BLACK, "lw": 0.3, "transform": fig.transFigure, "gid": "snijteken"}
    for cx in (0.0, sheet.width):
        for cy in (0.0, sheet.height):
            sx = -1 if cx == 0 else 1
            sy = -1 if cy == 0 else 1
            # horizontal mark (along the trim y), in the bleed beyond the corner
            fig.add_artist(Line2D([sheet.fx(cx + sx * 0.5), sheet.fx(cx + sx * b)],
                                  [sheet.fy(cy)] * 2, **ckw))  # fmt: skip
            fig.add_artist(Line2D([sheet.fx(cx)] * 2,
                                  [sheet.fy(cy + sy * 0.5), sheet.fy(cy + sy * b)], **ckw))  # fmt: skip

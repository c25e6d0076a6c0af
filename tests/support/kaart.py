"""A map axes whose display pixels are easy to reason about, for the label placer's tests."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipeline.present import kaartbasis


def display_ctx() -> kaartbasis._Ctx:
    """A placer context on 400 x 400 display pixels; the axes fill the figure."""
    fig = Figure(figsize=(4, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    return kaartbasis._Ctx(ax=ax, renderer=fig.canvas.get_renderer(), pad=0.0, text_kw={})

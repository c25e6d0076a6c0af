"""Tests of pipeline.present.grafiektekst: texts are wrapped and shrunk, never cut."""

from __future__ import annotations

from pipeline.present import grafiektekst
from pipeline.present.figuur import new_figure


def _width(fig, text: str, size: float) -> float:
    t = fig.text(0, 0, text, fontsize=size, fontweight="bold")
    w = t.get_window_extent(fig.canvas.get_renderer()).width
    t.remove()
    return w


def test_wrap_keeps_every_word_and_is_never_empty():
    assert grafiektekst.wrap("Aandeel inwoners van 75 jaar en ouder", 12).split() == [
        "Aandeel", "inwoners", "van", "75", "jaar", "en", "ouder"
    ]  # fmt: skip
    assert max(len(line) for line in grafiektekst.wrap("een twee drie vier", 9).split("\n")) <= 9
    assert grafiektekst.wrap("", 10) == ""


def test_wrap_to_width_fits_the_room_by_wrapping_then_shrinking():
    fig = new_figure(100, 50)
    title = "Ernstig eenzame inwoners van 65 jaar en ouder"
    room = _width(fig, "Ernstig eenzame", 8) + 1
    text, size = grafiektekst.wrap_to_width(fig, title, room, 8, 6.0, fontweight="bold")
    assert size == 8 and text.split() == title.split() and "\n" in text
    assert all(_width(fig, line, size) <= room for line in text.split("\n"))
    # One word wider than the room: the font shrinks, down to the minimum, and the word stays whole.
    text, size = grafiektekst.wrap_to_width(fig, "Mantelzorgpotentieel", room / 3, 8, 6.0,
                                            fontweight="bold")  # fmt: skip
    assert text == "Mantelzorgpotentieel" and size == 6.0


def test_lines_break_between_words_not_after_a_hyphen():
    """The A1 printed "595 85-" / "plussers": a compound with a hyphen stays whole."""
    from pipeline.present.grafiektekst import regels

    tekst = "In 2040 wonen in Deventer naar schatting 595 85-plussers in deze buurt"
    for width in range(12, 60):
        lines = regels(tekst, width)
        assert not any(line.endswith("-") for line in lines), (width, lines)
        assert " ".join(lines) == tekst
    # A line narrower than the word: at the hyphen, not in the middle of "plussers".
    assert regels("595 85-plussers", 10) == ["595 85-", "plussers"]
    assert all(len(x) <= 4 for x in regels("Mantelzorg", 4))  # never wider than asked

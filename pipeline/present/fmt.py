"""Dutch number formatting for every number a reader sees.

All report text, tables, chart labels and alt texts format numbers through this
module, so that ``1.234``, ``12,5%`` and ``4,3`` look the same everywhere and a
missing value always reads ``n.b.``.

Rounding is half-up on the decimal representation (``2,45`` -> ``2,5``), which is
what readers expect, not Python's banker's rounding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pipeline import codes
from pipeline.model.registry import Indicator

NB = "n.b."
"""Text for a missing value ('niet beschikbaar')."""

TEKEN_GESCHAT = "≈"
"""Marker of numbers estimated by Wijkscan (IPF, projection)."""

TEKEN_GEMODELLEERD = "*"
"""Marker of numbers that are model estimates of a third party (RIVM)."""

MARKERS: dict[str, str] = {
    TEKEN_GESCHAT: "geschat door Wijkscan: berekend uit CBS-cijfers (zie Verantwoording)",
    TEKEN_GEMODELLEERD: "modelschatting van het RIVM (Gezondheidsmonitor), geen telling",
}
"""Legend of the markers, in print order."""

_MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, ``pd.NA`` and other non-numbers."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def tekst(value: Any) -> str:
    """A text cell as ``str``; missing (None, NaN, ``pd.NA``) -> ``''``."""
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return ""
    return str(value)


def status_van(row: Any, key: str) -> str:
    """Why ``key`` may be empty in ``row``: the cell's own reason, else the row's status.

    Parameters
    ----------
    row
        A row of the published indicator table (Series or mapping).
    key
        Indicator column.

    Returns
    -------
    str
        E.g. ``'minder dan 10 85-plussers (geschat, vóór afronding)'``, ``'te weinig inwoners'`` or ``''``.
    """
    return tekst(row.get(codes.reden_kolom(key))) or tekst(row.get("status", ""))


def statussen_van(rows: Any, key: str) -> Any:
    """:func:`status_van` for every row of a table (a Series aligned with ``rows``)."""
    status = rows["status"].map(tekst)
    kolom = codes.reden_kolom(key)
    if kolom not in rows:
        return status
    reden = rows[kolom].map(tekst)
    return reden.where(reden != "", status)


def _rounded(value: float, decimalen: int) -> Decimal:
    """Round half-up on the shortest decimal representation of ``value``."""
    try:
        d = Decimal(repr(float(value)))
    except InvalidOperation as exc:  # pragma: no cover - inf handled by caller
        raise ValueError(f"not a finite number: {value!r}") from exc
    quantum = Decimal(1).scaleb(-decimalen)
    out = d.quantize(quantum, rounding=ROUND_HALF_UP)
    return out + 0  # turns -0 into 0


def getal(value: Any, decimalen: int = 0) -> str:
    """Format a number the Dutch way: ``1234.5`` -> ``'1.234,5'`` (``decimalen=1``).

    Parameters
    ----------
    value
        Number (int, float, numpy scalar); missing -> ``'n.b.'``.
    decimalen
        Number of decimals printed (fixed, also trailing zeros).

    Returns
    -------
    str
        Point as thousands separator, comma as decimal separator, ``-`` sign.
    """
    if is_missing(value) or math.isinf(float(value)):
        return NB
    d = _rounded(float(value), decimalen)
    sign = "-" if d < 0 else ""
    text = f"{abs(d):,.{decimalen}f}"  # '1,234.5'
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return sign + text


def afgerond(value: Any, decimalen: int = 0) -> float:
    """The number a reader sees, as a number: rounded half-up like :func:`getal`.

    For numbers that are written as numbers (a workbook cell) or compared after
    rounding, so that they agree with the printed text: ``afgerond(4.25, 1) == 4.3``
    where ``round(4.25, 1) == 4.2``.

    Parameters
    ----------
    value
        Number (int, float, numpy scalar); missing -> NaN, infinite unchanged.
    decimalen
        Number of decimals kept.

    Returns
    -------
    float
    """
    if is_missing(value):
        return math.nan
    if math.isinf(float(value)):
        return float(value)
    return float(_rounded(float(value), decimalen))


def procent(value: Any, decimalen: int = 0) -> str:
    """Percentage: ``12.46`` -> ``'12,5%'`` (``decimalen=1``); missing -> ``'n.b.'``."""
    text = getal(value, decimalen)
    return text if text == NB else f"{text}%"


def ratio(value: Any, decimalen: int = 1) -> str:
    """Ratio: ``4.25`` -> ``'4,3'``; missing -> ``'n.b.'``."""
    return getal(value, decimalen)


def verandering(value: Any, decimalen: int = 0) -> str:
    """Signed percentage change: ``31.8`` -> ``'+32%'``, ``-4`` -> ``'-4%'``, ``0`` -> ``'0%'``."""
    text = procent(value, decimalen)
    if text == NB or text.startswith("-") or _rounded(float(value), decimalen) == 0:
        return text
    return f"+{text}"


def pct_verandering(oud: Any, nieuw: Any) -> float:
    """Percentage change from ``oud`` to ``nieuw`` (NaN when undefined)."""
    if is_missing(oud) or is_missing(nieuw) or float(oud) == 0:
        return math.nan
    return (float(nieuw) / float(oud) - 1.0) * 100.0


def teken(ind: Indicator, projectie: bool = False) -> str:
    """Marker of an indicator value: ``'≈'`` estimated, ``'*'`` modelled, ``''`` measured.

    Parameters
    ----------
    ind
        Registry entry (its ``soort`` decides).
    projectie
        True for horizon years: every projected number is an estimate.
    """
    if ind.soort == "gemodelleerd":
        return TEKEN_GEMODELLEERD
    if ind.soort == "geschat" or (projectie and ind.soort != "gemeten"):
        return TEKEN_GESCHAT
    return ""


def waarde(
    value: Any,
    ind: Indicator,
    *,
    status: str = "",
    eenheid: bool = True,
    marker: bool = False,
    projectie: bool = False,
) -> str:
    """Format one indicator value according to its registry entry.

    Parameters
    ----------
    value
        The published value (NaN when missing or suppressed).
    ind
        Registry entry: ``eenheid`` and ``decimalen`` decide the format.
    status
        Status of the region; a suppressed missing value prints the status
        (``'te weinig inwoners'``) instead of ``'n.b.'``.
    eenheid
        Append the unit for ``%`` (always) and ``km``; counts and ratios carry
        no unit.
    marker
        Prefix the estimate marker of :func:`teken`.
    projectie
        The value belongs to a horizon year (passed on to :func:`teken`).

    Returns
    -------
    str
        E.g. ``'12%'``, ``'≈ 1.650'``, ``'4,3'``, ``'1,2 km'``, ``'n.b.'``.
    """
    if is_missing(value):
        return status if status else NB
    if ind.eenheid == "%":
        text = procent(value, ind.decimalen)
    else:
        text = getal(value, ind.decimalen)
        if eenheid and ind.eenheid == "km":
            text = f"{text} km"
    if marker:
        sign = teken(ind, projectie)
        if sign:
            text = f"{sign}\u00a0{text}" if sign == TEKEN_GESCHAT else f"{text}{sign}"
    return text


def marge(laag: Any, hoog: Any, ind: Indicator) -> str:
    """A 90 % interval as printed: ``'10,1–14,5%'``; ``''`` when there is none.

    Parameters
    ----------
    laag, hoog
        Interval bounds (the ``K_laag``/``K_hoog`` cells); missing -> no interval.
    ind
        Registry entry (unit and decimals, as :func:`waarde`).

    Returns
    -------
    str
        Both bounds in the indicator's format joined by an en dash (``' tot '`` when
        the lower bound is negative; the unit once, at the end), or ``''`` when a bound
        is missing or the interval has no width.
    """
    if is_missing(laag) or is_missing(hoog) or float(laag) == float(hoog):
        return ""
    a = getal(laag, ind.decimalen)
    b = waarde(hoog, ind, eenheid=True)
    # '-3–27%' would read as a range from -3 to -27: spell it out when a bound is negative.
    return f"{a} tot {b}" if float(laag) < 0 else f"{a}–{b}"


#: A number as :func:`getal` prints it: thousands points, optionally a decimal comma.
_GETAL_NL = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+")


def met_decimaalpunt(tekst: str) -> str:
    """The numbers in a printed text the way a CSV writes them: ``'1.234,5–2.000%'`` ->
    ``'1234.5–2000%'``.

    For text cells beside number cells in a CSV (decimal point, no thousands separator),
    e.g. a margin: one file, one decimal separator.
    """
    return _GETAL_NL.sub(lambda m: m.group(0).replace(".", "").replace(",", "."), tekst)


def datum(value: str | date) -> str:
    """Dutch date: ``'2026-11-25'`` -> ``'25 november 2026'`` (other strings unchanged)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.day} {_MAANDEN[value.month - 1]} {value.year}"


def opsomming(items: Iterable[str], laatste: str = "en") -> str:
    """Dutch enumeration: ``['a', 'b', 'c']`` -> ``'a, b en c'``."""
    parts: Sequence[str] = [str(i) for i in items]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} {laatste} {parts[-1]}"


def eerste(items: Sequence[str], n: int = 10, sep: str = ", ") -> str:
    """The first ``n`` items joined by ``sep``, with ``' ...'`` when there are more (messages)."""
    return sep.join(items[:n]) + (" ..." if len(items) > n else "")


def gemeente_van(codes: Any) -> Any:
    """Gemeente code of wijk/buurt codes: ``'BU02260301'`` -> ``'GM0226'``.

    CBS codes carry the gemeente number in characters 3-6, whatever letters follow
    (``'WK0363MA'`` -> ``'GM0363'``).

    Parameters
    ----------
    codes
        One code (str) or a pandas Series of codes.

    Returns
    -------
    str or pandas.Series
        The same shape as ``codes``.
    """
    if isinstance(codes, str):
        return "GM" + codes[2:6]
    return "GM" + codes.str[2:6]


def lijkende_codes(code: str, bestaand: Iterable[str], n: int = 5) -> list[str]:
    """Existing codes that look like a mistyped ``code`` (``GM0227`` -> ``GM0226``, ``GM0228``).

    Codes of the same kind and length, at most two characters different, closest first:
    fewest differing characters, then nearest number. (difflib ranks ``GM0627`` as close to
    ``GM0227`` as ``GM0226`` and breaks ties alphabetically, so the neighbours got lost.)

    Parameters
    ----------
    code
        The code that was not found.
    bestaand
        The codes that do exist.
    n
        At most this many suggestions.

    Returns
    -------
    list of str
        Suggestions, best first; empty when nothing is close.
    """

    def number(c: str) -> int:
        digits = "".join(ch for ch in c[2:] if ch.isdigit())
        return int(digits) if digits else 0

    ranked = []
    for other in set(bestaand):
        if len(other) != len(code) or other[:2] != code[:2] or other == code:
            continue
        diff = sum(a != b for a, b in zip(code, other, strict=True))
        if diff <= 2:
            ranked.append((diff, abs(number(other) - number(code)), other))
    return [c for *_, c in sorted(ranked)[:n]]


def jaren(values: Iterable[int]) -> str:
    """Years as a Dutch enumeration: ``[2030, 2035, 2040]`` -> ``'2030, 2035 en 2040'``."""
    return opsomming(str(int(v)) for v in values)


def kleine_letter(label: str) -> str:
    """Lower-case the first letter of a label for use inside a sentence.

    Keeps acronyms (``'RIVM ...'``) and labels starting with a digit unchanged.
    """
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def editie_tekst(sessies: dict[str, Any] | None) -> str:
    """``'na de sessie van 12 maart 2025'`` / ``'na de sessies van 12 en 19 maart 2025'``; '' without."""
    if not sessies or not sessies.get("sessies"):
        return ""
    datums = sorted({s["datum"] for s in sessies["sessies"]})
    tekst = opsomming(datum(d) for d in datums)
    return f"na de sessie{'s' if len(sessies['sessies']) > 1 else ''} van {tekst}"

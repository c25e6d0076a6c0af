"""CBS region codes (gemeente, wijk, buurt) and the status words of an indicator row.

The one place for the shape of a code: every reader, schema and check takes its pattern
from here. Wijk and buurt codes can contain letters after the gemeente number
(``WK0363MA``, ``BU0363MA01``).
"""

from __future__ import annotations

import re

#: A gemeente code: GM and the four-digit CBS gemeente number (GM0226 = Duiven).
GEMEENTE = r"GM\d{4}"
#: A wijk code: WK, the gemeente number and two characters.
WIJK = r"WK\d{4}[0-9A-Z]{2}"
#: A buurt code: BU, the gemeente number and four characters.
BUURT = r"BU\d{4}[0-9A-Z]{4}"

#: Anchored patterns, for pandas ``str.match`` and pandera ``str_matches``.
GEMEENTE_PATTERN = rf"^{GEMEENTE}$"
WIJK_PATTERN = rf"^{WIJK}$"
BUURT_PATTERN = rf"^{BUURT}$"
#: Any region code of the three levels.
CODE_PATTERN = rf"^({GEMEENTE}|{WIJK}|{BUURT})$"

GEMEENTE_RE = re.compile(GEMEENTE_PATTERN)
CODE_RE = re.compile(CODE_PATTERN)


def gemeente_code_vorm(entry: str) -> str | None:
    """A gemeente code written another way: ``'GM226'``, ``'gm0226'``, ``'0226'`` ->
    ``'GM0226'``.

    Returns None when ``entry`` does not look like a code (a name, say).
    """
    m = re.fullmatch(r"\s*(?:[Gg][Mm])?\s*(\d{1,4})\s*", entry)
    return f"GM{int(m.group(1)):04d}" if m else None


#: The levels of a region, coarse to fine (the ``niveau`` column).
NIVEAUS = ("gemeente", "wijk", "buurt")

# ------------------------------------------------------------ status of an indicator row

#: Status of a row with published values (no remark).
STATUS_GEPUBLICEERD = ""
#: Status of a region below ``indicatoren.min_inwoners``: no percentages or ratios.
STATUS_TE_WEINIG = "te weinig inwoners"
#: Status of a region without any population figure.
STATUS_GEEN_GEGEVENS = "geen gegevens"
#: Every status an indicator row may have (the ``status`` column of the indicator table).
STATUSSEN = (STATUS_GEPUBLICEERD, STATUS_TE_WEINIG, STATUS_GEEN_GEGEVENS)

# ------------------------------------------- why one cell of a published row is empty

#: Reason of a buurt count (and its share) that CBS keeps secret ('.'): the estimate
#: behind it is not shown where readers expect what CBS counted.
REDEN_GEHEIM = "geheim bij CBS"
#: Reason of an estimate that rests on such a secret count in the same buurt (75+ and
#: 85+ inside a secret 65+, the 65+ of later years).
REDEN_OP_GEHEIM = "65-plussers geheim bij CBS"
#: Reason of an empty KWB share or distance: CBS's '.' there means secret, unknown or
#: unreliable, and wijkscan does not estimate it (unlike a count).
REDEN_NIET_GEPUBLICEERD = "niet gepubliceerd door CBS"


def reden_weinig_ouderen(minimum: int, vanaf: int) -> str:
    """Reason of a mantelzorgpotentieel withheld for a small group of the oldest.

    The test is on the unrounded estimate, which can lie under the minimum while the
    rounded count shows it (9 prints as 10); the wording says so, or the printed "10"
    next to "minder dan 10" reads as a contradiction.
    """
    return f"minder dan {minimum} {vanaf}-plussers (geschat, vóór afronding)"


def reden_afgerond_nul(afronding: int) -> str:
    """Reason of an estimated count above zero that rounds to 0 at ``afronding``.

    The bound is the rounding's own: at 5, an estimate of at most 2,5 rounds to 0 (half to
    even, as ``np.round``). "minder dan 3" was true, but next to an estimate of 2,6 that
    prints as 5 it read as a contradiction.
    """
    helft = afronding / 2
    return f"hooguit {helft:g} (geschat)".replace(".", ",")


#: The shape of each reason: its kind for who explains it (pipeline.present.texts).
_REDEN_VORMEN = (
    ("geheim", re.compile(re.escape(REDEN_GEHEIM) + "$")),
    ("op_geheim", re.compile(re.escape(REDEN_OP_GEHEIM) + "$")),
    ("niet_gepubliceerd", re.compile(re.escape(REDEN_NIET_GEPUBLICEERD) + "$")),
    ("weinig_ouderen", re.compile(r"minder dan \d+ \d+-plussers \(geschat, vóór afronding\)$")),
    ("afgerond", re.compile(r"hooguit \d+(,\d+)? \(geschat\)$")),
)


def soort_reden(reden: str) -> str:
    """The kind of a cell reason: ``'geheim'``, ``'op_geheim'``, ``'weinig_ouderen'``,
    ``'afgerond'``, or ``''`` for a text that is none of them."""
    return next((soort for soort, vorm in _REDEN_VORMEN if vorm.match(reden)), "")


def reden_kolom(key: str) -> str:
    """Column of the published table with the reason why ``key`` is empty in that row.

    ``''`` where the cell has a value or its row's ``status`` already says why not.
    """
    return f"reden_{key}"


def is_gemeentecode(code: str) -> bool:
    """Whether ``code`` is a gemeente code such as ``GM0226`` (exactly, no spaces).

    Parameters
    ----------
    code
        Text to test.

    Returns
    -------
    bool
        True for GM and four digits.
    """
    return re.fullmatch(GEMEENTE, code) is not None

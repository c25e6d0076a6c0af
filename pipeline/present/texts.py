"""Generated Dutch findings for the council report.

Every function here is pure: it reads the published indicator table and returns
structured :class:`Bevinding` objects. A finding never carries a number that is
not in the table (or, for a change in percent, computed from two numbers that
are): each number is a :class:`Cijfer` with the exact table value, the region
code, the year and the indicator key whose registry entry names the source.
The sentence itself is built from the already formatted numbers, so the text
can be checked against the table (``tests/unit/present/test_texts.py`` does).

Text is plain Dutch at B1 level: short sentences, the label of the registry,
"naar schatting" where a number is estimated.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import fmt, klassen

# Keys whose year of measurement is in the column ``eenzaamheid_jaar``.
_EENZAAMHEID_KEYS = frozenset(
    {
        "eenzaam_pct",
        "ernstig_eenzaam_pct",
        "emotioneel_eenzaam_pct",
        "sociaal_eenzaam_pct",
        "eenzaam_aantal",
    }
)

# A buurt with this many times the gemeente share of 75-plussers (and at least
# the minimum share) most likely houses a care institution.
_INSTELLING_FACTOR = 3.0
_INSTELLING_MIN_PCT = 25.0


@dataclass(frozen=True)
class Cijfer:
    """One number in a finding, traceable to the indicator table.

    Attributes
    ----------
    key
        Indicator key (column of the table; the registry gives label and source).
    code
        Region code (buurt, wijk or gemeente) of the table row.
    jaar
        Year of the table row (``jaar`` column).
    waarde
        The exact value: the table cell, or for ``afgeleid == 'verandering'`` the
        change in percent between the two ``basis`` values.
    tekst
        The number as printed (Dutch formatting).
    peiljaar
        Year the number describes for the reader (differs from ``jaar`` for the
        loneliness monitor, which has its own measurement year).
    afgeleid
        ``''`` for a table value, ``'verandering'`` for a percent change.
    basis
        The table numbers a derived number is computed from.
    """

    key: str
    code: str
    jaar: int
    waarde: float
    tekst: str
    peiljaar: int
    afgeleid: str = ""
    basis: tuple[Cijfer, ...] = ()


@dataclass(frozen=True)
class Bevinding:
    """One generated finding: a short heading, a sentence and its numbers.

    Attributes
    ----------
    kop
        Short heading (a few words).
    tekst
        The finding in plain Dutch; every number in it is one of ``cijfers``.
    cijfers
        The numbers, in order of appearance.
    thema
        Theme key of the registry (``THEMAS``).
    soort
        ``'bevinding'`` or ``'let_op'`` (a caveat about the numbers).
    sjabloon
        The sentence with ``{0}``, ``{1}``, ... where the numbers go
        (``tekst == sjabloon.format(*(c.tekst for c in cijfers))``); lets the
        report mark the numbers up without re-parsing the text.
    extra
        Free-form details (e.g. the buurt codes named).
    """

    kop: str
    tekst: str
    cijfers: tuple[Cijfer, ...]
    thema: str
    soort: str = "bevinding"
    sjabloon: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def jaren(self) -> tuple[int, ...]:
        """Years of the numbers (sorted, unique)."""
        return tuple(sorted({c.peiljaar for c in self.cijfers}))

    @property
    def bron_keys(self) -> tuple[str, ...]:
        """Indicator keys whose registry source covers the numbers (in order)."""
        seen: dict[str, None] = {}
        for c in self.cijfers:
            for k in [c.key, *(b.key for b in c.basis)]:
                seen.setdefault(k, None)
        return tuple(seen)


# --------------------------------------------------------------------- lookups


def gemeente_code(indicatoren: pd.DataFrame) -> str:
    """Code of the (single) gemeente in the table."""
    codes = indicatoren.loc[indicatoren["niveau"] == "gemeente", "code"].unique()
    if len(codes) != 1:
        raise ValueError(f"expected one gemeente in the indicator table, found {len(codes)}")
    return str(codes[0])


def basisjaar(indicatoren: pd.DataFrame) -> int:
    """Base year: the year of the rows that are not projections (else the first year)."""
    if "schatting" in indicatoren:
        base = indicatoren.loc[indicatoren["schatting"] != "projectie", "jaar"]
        if len(base):
            return int(base.min())
    return int(indicatoren["jaar"].min())


def horizonjaren(indicatoren: pd.DataFrame) -> list[int]:
    """Horizon (projection) years, ascending."""
    base = basisjaar(indicatoren)
    return sorted(int(j) for j in indicatoren["jaar"].unique() if int(j) > base)


def rij(indicatoren: pd.DataFrame, code: str, jaar: int) -> pd.Series:
    """The table row of one region and year (KeyError when absent)."""
    sel = indicatoren[(indicatoren["code"] == code) & (indicatoren["jaar"] == jaar)]
    if len(sel) != 1:
        raise KeyError(f"no unique row for {code} {jaar} ({len(sel)} rows)")
    return sel.iloc[0]


def opzoeken(indicatoren: pd.DataFrame, code: str, jaar: int, key: str) -> float:
    """The published value of one indicator for one region and year (NaN if missing)."""
    value = rij(indicatoren, code, jaar)[key]
    return float("nan") if fmt.is_missing(value) else float(value)


def cijfer(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    code: str,
    jaar: int,
    key: str,
) -> Cijfer:
    """Build a :class:`Cijfer` from the table (value and text exactly as published)."""
    r = rij(indicatoren, code, jaar)
    value = float("nan") if fmt.is_missing(r[key]) else float(r[key])
    peiljaar = jaar
    if (
        key in _EENZAAMHEID_KEYS
        and "eenzaamheid_jaar" in r
        and not fmt.is_missing(r["eenzaamheid_jaar"])
    ):
        peiljaar = int(r["eenzaamheid_jaar"])
    return Cijfer(key, code, int(jaar), value, fmt.waarde(value, registry[key]), peiljaar)


def verandering(a: Cijfer, b: Cijfer) -> Cijfer:
    """The change in percent from ``a`` to ``b`` as a derived :class:`Cijfer`."""
    value = fmt.pct_verandering(a.waarde, b.waarde)
    return Cijfer(
        b.key, b.code, b.jaar, value, fmt.procent(abs(value)), b.peiljaar, "verandering", (a, b)
    )


def _buurten(indicatoren: pd.DataFrame, jaar: int, key: str) -> pd.DataFrame:
    """Buurten of one year with a value for ``key`` and no suppression status."""
    b = indicatoren[(indicatoren["niveau"] == "buurt") & (indicatoren["jaar"] == jaar)]
    b = b[(b["status"].fillna("") == "") & b[key].notna()]
    return b


def _zeker_apart(b: pd.DataFrame, key: str, code: str) -> bool:
    """True when buurt ``code`` is distinguishable from every other buurt in ``b``.

    A sentence that names "the highest buurt" is a ranking: it may only single a buurt
    out when no other buurt's difference lies inside the intervals
    (:func:`pipeline.present.klassen.indistinguishable`).
    """
    lo, hi = klassen.intervallen(b, key)
    v = b[key].to_numpy(dtype=float)
    lo_ = lo.fillna(b[key]).to_numpy(dtype=float)
    hi_ = hi.fillna(b[key]).to_numpy(dtype=float)
    i = int((b["code"].astype(str) == code).to_numpy().nonzero()[0][0])
    bad = klassen.indistinguishable(v, lo_, hi_)[i]
    bad[i] = False
    return not bad.any()


def _meer_minder(change: Cijfer, meer: str = "meer", minder: str = "minder") -> str:
    if fmt.is_missing(change.waarde):
        return ""
    return meer if change.waarde > 0 else minder


# ------------------------------------------------------------ fixed texts

NIET_GELADEN: dict[str, str] = {
    "eenzaamheid": (
        "Voor deze wijkscan zijn geen cijfers over eenzaamheid ingelezen. Ze bestaan wel: het "
        "RIVM schat per buurt hoeveel volwassenen zich eenzaam voelen (Gezondheid per wijk en "
        "buurt, tabel 50150NED, op basis van de Gezondheidsmonitor). Met die tabel erbij "
        "(instelling bronnen.gezondheidsmonitor) staan hier een kaart en de cijfers per buurt."
    ),
}
"""What a theme chapter says when its source was not loaded (source 'geen')."""

NIET_GELADEN_KORT: dict[str, str] = {
    "eenzaamheid": (
        "Niet ingelezen voor deze kaart. Het RIVM heeft eenzaamheid per buurt (tabel "
        "50150NED); vraag de maker van de wijkscan om die toe te voegen."
    ),
}
"""The same, short, for a vouwkaart panel."""


THEMA_INLEIDING: dict[str, str] = {
    "vergrijzing": (
        "Het aantal ouderen groeit, en vooral het aantal mensen van boven de tachtig. Zij hebben "
        "vaker hulp en zorg nodig. In dit hoofdstuk ziet u in welke buurten veel ouderen wonen "
        "en hoe dat de komende jaren verandert."
    ),
    "mantelzorg": (
        "Dit cijfer laat zien hoeveel mensen van middelbare leeftijd er zijn voor "
        "elke zeer oude inwoner. Het is een ruwe maat: het zegt niet wie echt helpt. Maar als "
        "het getal daalt, wordt het lastiger om zorg door familie en buren te organiseren."
    ),
    "dementie": (
        "Van mensen met dementie bestaat geen telling per buurt. Wijkscan schat het aantal met "
        "landelijke percentages per leeftijd en geslacht. Hoe meer oude inwoners, hoe meer "
        "mensen met dementie. Gebruik de cijfers als ordegrootte, niet als exacte telling."
    ),
    "eenzaamheid": (
        "De cijfers over eenzaamheid komen uit de Gezondheidsmonitor van GGD'en, CBS en RIVM. "
        "Het RIVM schat met een rekenmodel hoeveel volwassenen in een buurt zich eenzaam voelen. "
        "Het is dus een modelschatting, geen meting in de buurt zelf."
    ),
    "wonen": (
        "Of ouderen thuis kunnen blijven wonen, hangt ook af van het huis en de buurt. Wie "
        "alleen woont, heeft minder hulp in huis. Is de huisarts of supermarkt ver weg, dan "
        "wordt zelfstandig wonen lastiger als iemand minder mobiel wordt."
    ),
}
"""Short B1 introduction per theme chapter (no numbers: those come from the data)."""

NIET_IN_DATA: list[str] = [
    "Of mensen echt mantelzorg geven of krijgen, en hoe zwaar dat is.",
    "Hoe sterk het netwerk van familie, vrienden en buren is. Familie woont vaak niet in "
    "dezelfde buurt.",
    "Wat er al is in de buurt: ontmoetingsplekken, vrijwilligers, wijkteams, verenigingen, "
    "kerken en moskeeën.",
    "Of woningen geschikt zijn om oud in te worden, bijvoorbeeld gelijkvloers of met een lift.",
    "Hoe bewoners hun buurt zelf ervaren, en waarom.",
    "Veel buurtcijfers zijn schattingen. Kleine verschillen tussen buurten zeggen weinig.",
    "Prognoses gaan uit van de trends van nu. Nieuwbouw, sloop of een nieuw zorgcomplex "
    "verandert het beeld.",
]
"""What the numbers cannot tell (chapter 'Data en lokale kennis')."""

KAART_ZONDER_SIGNAAL = "geen klassen: verschillen\ntussen buurten komen\nalleen uit het rekenmodel"
KAART_MARGES_EEN_KLASSE = (
    "geen klassen: de 90%-marges\nvan de buurten overlappen;\nzie de cijfers met marge"
)
"""Legend of a map whose interval-aware classes left one class: no break separates
buurten whose difference lies inside their intervals, so nothing is coloured apart."""
"""Legend text of the single neutral fill on the map of an indicator without buurt signal."""

UITLEG_STANDAARD = (
    "Cijfers per buurt uit een bron die de buurten zelf telt (bijvoorbeeld een uittreksel "
    "uit de BRP) zouden dat wel laten zien."
)
"""Fallback when ``bronnen.json`` gives no ``uitleg`` for an indicator without buurt signal."""

MARGES_UITLEG = (
    "Buurten waarvan de 90%-marges van de schatting overlappen, staan in dezelfde klasse: "
    "alleen waar de marges niet overlappen, is het verschil echt."
)
"""Caption note of a map whose classes were placed with the estimation intervals."""


def zonder_signaal_zin(
    ind: Indicator, gemeente: str, jaar: int, waarde: str, marge: str, uitleg: str
) -> str:
    """Why an indicator has no buurt classes or ranks, with the gemeente figure.

    Parameters
    ----------
    ind
        Registry entry of the indicator without buurt signal.
    gemeente
        Gemeente name.
    jaar
        Year of the gemeente figure.
    waarde
        The gemeente figure as printed (:func:`pipeline.present.fmt.waarde`), or ``'n.b.'``.
    marge
        Its 90 % interval as printed (:func:`pipeline.present.fmt.marge`), ``''`` when none.
    uitleg
        ``bronnen.json`` text: which data would give buurt detail (may be empty).

    Returns
    -------
    str
        Plain Dutch (B1): what is shown instead, and what would help.
    """
    cijfer = f"{waarde} (90%-marge {marge})" if marge else waarde
    # The uitleg of bronnen.json already says why (model-only differences) and what would
    # help; without one, say both here.
    waarom = uitleg.strip() or (
        "De verschillen tussen de buurten komen alleen uit het rekenmodel: geen cijfer over "
        f"de buurten zelf heeft ze bepaald. {UITLEG_STANDAARD}"
    )
    return (
        f"{ind.label}: de buurten staan voor dit cijfer niet in klassen op de kaart, krijgen "
        "geen plaats in een rangorde en het cijfer telt niet mee in de weging. Voor heel "
        f"{gemeente} is het in {jaar} {cijfer}. {waarom}"
    )


# -------------------------------------------------------------------- findings


def _bevinding(kop: str, template: str, cijfers: list[Cijfer], thema: str, **kw: Any) -> Bevinding:
    """Fill ``{0}``, ``{1}``, ... of ``template`` with the formatted numbers."""
    text = template.format(*(c.tekst for c in cijfers))
    return Bevinding(kop, text, tuple(cijfers), thema, sjabloon=template, **kw)


def groei_aantal(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    key: str,
    naam: str,
    kop: str,
    wie: str | None = None,
) -> Bevinding | None:
    """Growth of a count at gemeente level from the base year to the last horizon.

    Parameters
    ----------
    indicatoren
        Published indicator table.
    registry
        Indicator registry.
    key
        Count indicator (``aantal_85plus``, ``dementie_aantal``).
    naam
        Gemeente name.
    kop
        Heading of the finding.
    wie
        Noun phrase used in the sentence; default: the registry label without
        its leading "(Geschat) aantal" (``'85-plussers'``, ``'mensen met dementie'``).
    """
    ind = registry[key]
    wie = wie or wie_van(ind)
    gm, j0, horizon = gemeente_code(indicatoren), basisjaar(indicatoren), horizonjaren(indicatoren)
    if not horizon:
        return None
    a = cijfer(indicatoren, registry, gm, j0, key)
    b = cijfer(indicatoren, registry, gm, horizon[-1], key)
    if fmt.is_missing(a.waarde) or fmt.is_missing(b.waarde):
        return None
    ch = verandering(a, b)
    schatting = "naar schatting " if ind.soort != "gemeten" else ""
    if fmt.is_missing(ch.waarde) or round(ch.waarde) == 0:
        template = (
            f"In {j0} wonen in {naam} {schatting}{{0}} {wie}. In {horizon[-1]} zijn dat er naar "
            "verwachting ongeveer evenveel: {1}."
        )
        return _bevinding(kop, template, [a, b], ind.thema)
    template = (
        f"In {j0} wonen in {naam} {schatting}{{0}} {wie}. In {horizon[-1]} zijn dat er naar "
        f"verwachting {{1}}. Dat is {{2}} {_meer_minder(ch)}."
    )
    return _bevinding(kop, template, [a, b, ch], ind.thema)


def ontwikkeling(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    key: str,
    naam: str,
    kop: str | dict[str, str],
    refs: pd.DataFrame | None = None,
) -> Bevinding | None:
    """A rate at gemeente level now and in the last horizon year (and NL if known).

    ``kop`` is the heading, or a dict with a heading per direction
    (``'stijgt'``, ``'daalt'``, ``'blijft'``).
    """
    ind = registry[key]
    gm, j0, horizon = gemeente_code(indicatoren), basisjaar(indicatoren), horizonjaren(indicatoren)
    if not horizon:
        return None
    a = cijfer(indicatoren, registry, gm, j0, key)
    b = cijfer(indicatoren, registry, gm, horizon[-1], key)
    if fmt.is_missing(a.waarde) or fmt.is_missing(b.waarde):
        return None
    if a.tekst == b.tekst:
        richting = "blijft"
    else:
        richting = "stijgt" if b.waarde > a.waarde else "daalt"
    if richting == "blijft":
        template = (
            f"{_met_eenheid(ind)} in {naam}: {{0}} in {j0}. In {horizon[-1]} naar verwachting "
            "ongeveer gelijk: {1}."
        )
    else:
        woord = "stijging" if richting == "stijgt" else "daling"
        template = (
            f"{_met_eenheid(ind)} in {naam}: {{0}} in {j0}. In {horizon[-1]} naar verwachting {{1}}. "
            f"Dat is een {woord}."
        )
    cijfers = [a, b]
    extra = ""
    nl = referentie_cijfer(refs, registry, "nederland", key, j0)
    if nl is not None:
        cijfers.append(nl)
        extra = f" In Nederland is dat {{{len(cijfers) - 1}}} ({nl.peiljaar})."
    if key == "mantelzorgpotentieel" and richting == "daalt":
        extra += " Er zijn dan dus minder mensen die kunnen helpen."
    if isinstance(kop, dict):
        kop = kop.get(richting, ind.label)
    return _bevinding(kop, template + extra, cijfers, ind.thema)


def referentie_cijfer(
    refs: pd.DataFrame | None,
    registry: dict[str, Indicator],
    niveau: str,
    key: str,
    jaar: int,
) -> Cijfer | None:
    """A region or NL reference value as a :class:`Cijfer` (None when unknown).

    ``refs`` has a ``niveau`` column (``'regio'``/``'nederland'``), the indicator
    columns, and optionally ``code`` and ``jaar`` (without ``jaar`` the rows are
    taken to describe the base year).
    """
    if refs is None or key not in refs or "niveau" not in refs:
        return None
    sel = refs[refs["niveau"] == niveau]
    if "jaar" in sel:
        sel = sel[sel["jaar"] == jaar]
    if len(sel) != 1 or fmt.is_missing(sel.iloc[0][key]):
        return None
    r = sel.iloc[0]
    code = str(r["code"]) if "code" in r.index and isinstance(r["code"], str) else niveau
    value = float(r[key])
    return Cijfer(key, code, int(jaar), value, fmt.waarde(value, registry[key]), int(jaar))


def eenzaamheid(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    naam: str,
    zonder_signaal: Collection[str] = (),
) -> Bevinding | None:
    """Share and number of lonely adults in the gemeente, and the highest buurt.

    The highest buurt is not named when ``eenzaam_pct`` is in ``zonder_signaal`` (its
    buurt differences come only from the model).
    """
    gm, j0 = gemeente_code(indicatoren), basisjaar(indicatoren)
    pct = cijfer(indicatoren, registry, gm, j0, "eenzaam_pct")
    if fmt.is_missing(pct.waarde):
        return None
    cijfers = [pct]
    template = (
        f"In {naam} voelt {{0}} van de volwassenen zich eenzaam ({pct.peiljaar}, modelschatting)."
    )
    n = cijfer(indicatoren, registry, gm, j0, "eenzaam_aantal")
    if not fmt.is_missing(n.waarde):
        cijfers.append(n)
        template += f" Dat zijn ongeveer {{{len(cijfers) - 1}}} mensen."
    b = _buurten(indicatoren, j0, "eenzaam_pct")
    if len(b) > 1 and "eenzaam_pct" not in zonder_signaal:
        top = b.sort_values(["eenzaam_pct", "naam"], ascending=[False, True]).iloc[0]
        c = cijfer(indicatoren, registry, str(top["code"]), j0, "eenzaam_pct")
        cijfers.append(c)
        template += f" Het hoogst is het in {_veilig(top['naam'])}: {{{len(cijfers) - 1}}}."
    return _bevinding("Eenzaamheid", template, cijfers, "eenzaamheid")


def grootste_opgave(
    scores: pd.DataFrame,
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    n: int = 3,
) -> Bevinding | None:
    """The buurten with the highest weighted rank score, with what stands out there.

    Parameters
    ----------
    scores
        Output of :func:`pipeline.present.report.buurt_scores` (sorted, ``rs_<key>``
        rank-score columns, ``score``).
    indicatoren
        Published indicator table.
    registry
        Indicator registry.
    n
        Number of buurten named.
    """
    if scores is None or scores.empty or len(scores) < 2:
        return None
    j0 = basisjaar(indicatoren)
    keys = [c[3:] for c in scores.columns if c.startswith("rs_")]
    namen: list[str] = []
    delen: list[str] = []
    cijfers: list[Cijfer] = []
    for _, r in scores.head(n).iterrows():
        rs = {k: r[f"rs_{k}"] for k in keys if not fmt.is_missing(r[f"rs_{k}"])}
        if not rs:
            continue
        # the indicator where this buurt ranks highest (ties: registry order)
        best = max(rs, key=lambda k: (rs[k], -keys.index(k)))
        c = cijfer(indicatoren, registry, str(r["code"]), j0, best)
        cijfers.append(c)
        namen.append(_veilig(r["naam"]))
        delen.append(
            f"{_veilig(r['naam'])}: {fmt.kleine_letter(registry[best].label)} {{{len(cijfers) - 1}}}"
        )
    if not cijfers:
        return None
    template = (
        f"De hoogste totaalscore in 'Buurten in beeld' hebben {fmt.opsomming(namen)} ({j0}). "
        f"Daar komen meerdere opgaven samen. Wat per buurt het meest opvalt: {'; '.join(delen)}."
    )
    return _bevinding(
        "Waar beginnen?",
        template,
        cijfers,
        "vergrijzing",
        extra={"codes": list(scores.head(n)["code"])},
    )


def instellingen(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> list[Bevinding]:
    """Caveats for buurten that most likely house a care institution.

    A buurt whose share of 75-plussers is at least three times the gemeente share
    (and at least 25%) probably has a nursing home or care complex. Its numbers
    describe the institution more than the neighbourhood.
    """
    gm, j0 = gemeente_code(indicatoren), basisjaar(indicatoren)
    g = cijfer(indicatoren, registry, gm, j0, "aandeel_75plus")
    if fmt.is_missing(g.waarde):
        return []
    grens = max(_INSTELLING_FACTOR * g.waarde, _INSTELLING_MIN_PCT)
    b = _buurten(indicatoren, j0, "aandeel_75plus")
    b = b[b["aandeel_75plus"] >= grens].sort_values("aandeel_75plus", ascending=False)
    out = []
    for _, r in b.iterrows():
        c = cijfer(indicatoren, registry, str(r["code"]), j0, "aandeel_75plus")
        template = (
            f"{registry['aandeel_75plus'].label} in {_veilig(r['naam'])}: {{0}} ({j0}). In de hele "
            "gemeente is dat {1}. Waarschijnlijk staat hier een verpleeghuis of zorgcomplex. "
            "De cijfers van deze buurt gaan dan vooral over de bewoners van die instelling. "
            "Vergelijk deze buurt daarom niet zomaar met andere buurten."
        )
        out.append(
            _bevinding(f"Let op: {r['naam']}", template, [c, g], "vergrijzing", soort="let_op")
        )
    return out


def samenvatting(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    naam: str,
    scores: pd.DataFrame | None = None,
    refs: pd.DataFrame | None = None,
    zonder_signaal: Collection[str] = (),
) -> list[Bevinding]:
    """The key findings for the summary page (4 to 6, plus caveats).

    Parameters
    ----------
    indicatoren
        Published indicator table of one gemeente.
    registry
        Indicator registry.
    naam
        Gemeente name (used in the sentences).
    scores
        Buurt rank scores (:func:`pipeline.present.report.buurt_scores`), for the
        "where to start" finding.
    refs
        Optional region/NL reference rows.
    zonder_signaal
        Indicators without buurt signal: no finding names a buurt as highest or
        lowest for them.

    Returns
    -------
    list of Bevinding
        Findings (``soort == 'bevinding'``) followed by caveats (``'let_op'``).
    """
    kandidaten = [
        groei_aantal(indicatoren, registry, "aantal_85plus", naam, "Meer 85-plussers"),
        ontwikkeling(
            indicatoren,
            registry,
            "aandeel_65plus",
            naam,
            {"stijgt": "Meer ouderen", "daalt": "Minder ouderen"},
            refs,
        ),
        ontwikkeling(
            indicatoren,
            registry,
            "mantelzorgpotentieel",
            naam,
            {"daalt": "Minder mantelzorgers per oudere", "stijgt": "Meer mantelzorgers per oudere"},
            refs,
        ),
        groei_aantal(indicatoren, registry, "dementie_aantal", naam, "Meer mensen met dementie"),
        eenzaamheid(indicatoren, registry, naam, zonder_signaal),
        grootste_opgave(scores, indicatoren, registry) if scores is not None else None,
    ]
    found = [b for b in kandidaten if b is not None]
    # Without projections (base year only) the growth findings drop out: fill up
    # with where the buurten differ most, so the summary still has four findings.
    for key in ("aandeel_75plus", "mantelzorgpotentieel", "dementie_per_100_65plus"):
        if len(found) >= 4:
            break
        if key in registry and key in indicatoren and key not in zonder_signaal:
            extra = spreiding(indicatoren, registry, key, naam)
            if extra is not None:
                found.insert(len(found) - 1 if scores is not None else len(found), extra)
    return found[:6] + instellingen(indicatoren, registry)


# ------------------------------------------------------------- theme chapters


def spreiding(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], key: str, naam: str
) -> Bevinding | None:
    """Where a rate is largest and smallest among the buurten, against the gemeente.

    "Largest" follows the registry ``richting``: for mantelzorgpotentieel a low
    value is the largest task, so the sentence names the lowest buurt first.
    """
    ind = registry[key]
    gm, j0 = gemeente_code(indicatoren), basisjaar(indicatoren)
    b = _buurten(indicatoren, j0, key)
    if len(b) < 2:
        return None
    asc = ind.richting < 0
    b = b.sort_values([key, "naam"], ascending=[asc, True])
    top, bottom = b.iloc[0], b.iloc[-1]
    c_top = cijfer(indicatoren, registry, str(top["code"]), j0, key)
    c_bot = cijfer(indicatoren, registry, str(bottom["code"]), j0, key)
    g = cijfer(indicatoren, registry, gm, j0, key)
    jaar = c_top.peiljaar
    if c_top.tekst == c_bot.tekst:
        template = (
            f"{_met_eenheid(ind, jaar)}: in alle buurten met een cijfer ongeveer even hoog, {{0}}. "
            f"In heel {naam}: {{1}}."
        )
        return _bevinding(ind.label, template, [c_top, g], ind.thema)
    hoog, laag = ("laagst", "hoogst") if asc else ("hoogst", "laagst")
    if not (_zeker_apart(b, key, str(top["code"])) and _zeker_apart(b, key, str(bottom["code"]))):
        template = (
            f"{_met_eenheid(ind, jaar)}: geschat van {{1}} in {_veilig(bottom['naam'])} tot {{0}} "
            f"in {_veilig(top['naam'])}, maar die verschillen vallen binnen de marges van de "
            f"schatting: geen buurt is zeker de {hoog}e. In heel {naam}: {{2}}."
        )
        return _bevinding(ind.label, template, [c_top, c_bot, g], ind.thema)
    template = (
        f"{_met_eenheid(ind, jaar)}: het {hoog} in {_veilig(top['naam'])} ({{0}}), het {laag} in "
        f"{_veilig(bottom['naam'])} ({{1}}). In heel {naam}: {{2}}."
    )
    return _bevinding(ind.label, template, [c_top, c_bot, g], ind.thema)


def meeste(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], key: str, wie: str | None = None
) -> Bevinding | None:
    """The buurt with the largest count (e.g. most people with dementia)."""
    ind = registry[key]
    wie = wie or wie_van(ind)
    j0 = basisjaar(indicatoren)
    b = _buurten(indicatoren, j0, key)
    if len(b) < 2:
        return None
    top = b.sort_values([key, "naam"], ascending=[False, True]).iloc[0]
    c = cijfer(indicatoren, registry, str(top["code"]), j0, key)
    schatting = "naar schatting " if ind.soort != "gemeten" else ""
    template = f"De meeste {wie} wonen in {_veilig(top['naam'])}: {schatting}{{0}} ({j0})."
    if not _zeker_apart(b, key, str(top["code"])):
        template = (
            f"De meeste {wie} wonen naar schatting in {_veilig(top['naam'])} ({{0}}, {j0}), maar "
            "andere buurten liggen binnen de marge van de schatting."
        )
    return _bevinding(ind.label, template, [c], ind.thema)


THEMA_TEKSTEN: dict[str, tuple[tuple[str, ...], ...]] = {
    "vergrijzing": (
        ("groei", "aantal_75plus"),
        ("spreiding", "aandeel_75plus"),
        ("ontwikkeling", "dubbele_vergrijzing"),
    ),
    "mantelzorg": (("ontwikkeling", "mantelzorgpotentieel"), ("spreiding", "mantelzorgpotentieel")),
    "dementie": (
        ("groei", "dementie_aantal"),
        ("meeste", "dementie_aantal"),
        ("spreiding", "dementie_per_100_65plus"),
    ),
    "eenzaamheid": (("spreiding", "eenzaam_pct"), ("spreiding", "ernstig_eenzaam_pct")),
    "wonen": (
        ("spreiding", "aandeel_eenpersoonshuishoudens"),
        ("spreiding", "afstand_huisarts"),
    ),
}
"""Which generated sentences each theme chapter gets (kind, key, [noun])."""


def thema_bevindingen(
    thema: str,
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    naam: str,
    refs: pd.DataFrame | None = None,
    zonder_signaal: Collection[str] = (),
) -> list[Bevinding]:
    """The generated sentences of one theme chapter (see :data:`THEMA_TEKSTEN`).

    Sentences that compare buurten (``spreiding``, ``meeste``) are left out for the
    indicators in ``zonder_signaal``: their buurt differences come only from the model.
    """
    out: list[Bevinding | None] = []
    for spec in THEMA_TEKSTEN.get(thema, ()):
        kind, key = spec[0], spec[1]
        if key not in registry or key not in indicatoren:
            continue
        if kind in ("spreiding", "meeste") and key in zonder_signaal:
            continue
        if kind == "groei":
            out.append(groei_aantal(indicatoren, registry, key, naam, registry[key].label))
        elif kind == "ontwikkeling":
            out.append(ontwikkeling(indicatoren, registry, key, naam, registry[key].label, refs))
        elif kind == "spreiding":
            out.append(spreiding(indicatoren, registry, key, naam))
        elif kind == "meeste":
            out.append(meeste(indicatoren, registry, key))
    return [b for b in out if b is not None]


def alle_cijfers(bevindingen: list[Bevinding]) -> list[Cijfer]:
    """All numbers of a list of findings (derived numbers followed by their basis)."""
    out: list[Cijfer] = []
    for b in bevindingen:
        for c in b.cijfers:
            out.append(c)
            out.extend(c.basis)
    return out


def _met_eenheid(ind: Indicator, jaar: int | None = None) -> str:
    """Label plus, for a ratio, what it counts, and the year if given.

    ``'Mantelzorgpotentieel (50-64-jarigen per 85-plusser, 2024)'``,
    ``'Aandeel 75-plussers (2024)'``.
    """
    extra = [ind.kort] if ind.eenheid == "ratio" else []
    if jaar is not None:
        extra.append(str(jaar))
    return f"{ind.label} ({', '.join(extra)})" if extra else ind.label


def wie_van(ind: Indicator) -> str:
    """Noun phrase of a count indicator from its label: 'Aantal 85-plussers' -> '85-plussers'."""
    label = ind.label
    for prefix in ("Geschat aantal ", "Aantal "):
        if label.startswith(prefix):
            return label[len(prefix) :]
    return fmt.kleine_letter(label)


def _veilig(naam: Any) -> str:
    """A region name for use in a ``str.format`` template (braces doubled)."""
    return str(naam).replace("{", "{{").replace("}", "}}")

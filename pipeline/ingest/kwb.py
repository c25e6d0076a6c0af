"""Selecting and normalising CBS *Kerncijfers wijken en buurten* (KWB).

Raw KWB rows (StatLine "onbewerkte dataset" layout, as
:func:`pipeline.ingest.kwb_lezen.read_kwb` gives them) become the tidy ``regios`` table:
one row per gemeente, wijk and buurt with canonical column names (:data:`KWB_COLUMNS`),
checked on the way (:mod:`pipeline.ingest.kwb_controle`).
An adjacent KWB year can add burgerlijke staat to buurten (:func:`merge_aanvulling`).

The work is split over modules of one task each: :mod:`pipeline.ingest.kwb_kolommen`
(the measures and how CBS writes a cell), :mod:`pipeline.ingest.kwb_lezen` (reading the
StatLine CSV and the CBS workbook) and :mod:`pipeline.ingest.kwb_controle` (do the counts
add up).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.codes import CODE_RE, GEMEENTE_PATTERN
from pipeline.errors import WijkscanError
from pipeline.ingest.kwb_controle import check_burgerlijke_staat, check_totals
from pipeline.ingest.kwb_kolommen import KWB_COLUMNS, MARITAL_COLUMNS, find_column, to_number

# Still imported here only for pipeline/workflow/config_gemeenten.py and the monkeypatch in
# tests/unit/workflow/test_config.py; drop once they read from kwb_lezen (issue 13).
from pipeline.ingest.kwb_lezen import read_kwb  # noqa: F401
from pipeline.present import fmt

log = logging.getLogger(__name__)

_REGION_RE = CODE_RE
_LEVEL_ORDER = {"gemeente": 0, "wijk": 1, "buurt": 2}
_SOORT = {"gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}


def gemeente_codes(raw: pd.DataFrame) -> list[str]:
    """List the gemeente codes present in a raw KWB table."""
    return sorted(gemeente_namen(raw))


def gemeente_namen(raw: pd.DataFrame) -> dict[str, str]:
    """Gemeente code -> name of the gemeente rows of a raw KWB table.

    Parameters
    ----------
    raw
        Raw KWB rows (OData layout, as :func:`~pipeline.ingest.kwb_lezen.read_kwb` gives them).

    Returns
    -------
    dict
        ``{'GM0226': 'Duiven', ...}``; the name is empty when the table has no name column.
    """
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    column = find_column(raw.columns, "Naam") or find_column(raw.columns, "Gemeentenaam")
    names = (
        raw[column].astype(str).str.strip() if column else pd.Series("", index=raw.index, dtype=str)
    )
    rows = codes.str.match(GEMEENTE_PATTERN)
    return dict(zip(codes[rows], names[rows], strict=True))


def select_gemeente(raw: pd.DataFrame, gemeente: str, source: str) -> pd.DataFrame:
    """Keep the rows of one gemeente (GM, its WK and BU rows).

    Parameters
    ----------
    raw
        Raw KWB rows (codes may be space padded).
    gemeente
        Code such as ``GM0226``.
    source
        File or table name for error messages.

    Returns
    -------
    pandas.DataFrame
        The gemeente's rows, in input order.

    Raises
    ------
    WijkscanError
        When the gemeente does not occur (the message lists close existing codes), or
        when its rows are damaged: buurten that do not add up to the published wijk and
        gemeente figures, a wijk without buurten (:func:`check_totals`). Checking here,
        where the caller still knows the user's file, lets the message name that file
        rather than a cached copy.
    """
    rows = _gemeente_rows(raw, gemeente, source)
    normalize_all(rows, source, required=False, waarschuw=False)
    return rows


def _gemeente_rows(raw: pd.DataFrame, gemeente: str, source: str) -> pd.DataFrame:
    """The rows of :func:`select_gemeente`, without checking them."""
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    num = gemeente[2:]
    mask = (codes == gemeente) | codes.str.startswith(f"WK{num}") | codes.str.startswith(f"BU{num}")
    if not (codes == gemeente).any():
        existing = gemeente_codes(raw)
        close = fmt.lijkende_codes(gemeente, existing)
        hint = f"Bestaande codes die erop lijken: {', '.join(close)}. " if close else ""
        raise WijkscanError(
            f"Gemeente {gemeente} komt niet voor in {source}.",
            waar=f"config 'gemeenten' ({len(existing)} gemeenten in deze tabel, "
            f"bijvoorbeeld {', '.join(existing[:5])})",
            oplossing=f"{hint}Controleer de code (CBS-gemeentecode, GM + 4 cijfers) en het peiljaar: "
            "gemeenten fuseren en krijgen dan een nieuwe code.",
        )
    return raw.loc[mask].copy()


def check_required(columns: pd.Index | list[str], source: str) -> None:
    """Raise a WijkscanError naming ``source`` when a required KWB column is absent.

    Parameters
    ----------
    columns
        Column names of the raw table.
    source
        The user's file or the CBS table id, for the message.
    """
    missing = [
        c.prefix for c in KWB_COLUMNS if c.required and find_column(columns, c.prefix) is None
    ]
    if missing:
        raise WijkscanError(
            f"Verplichte kolom(men) ontbreken in {source}: {', '.join(missing)}.",
            waar=f"{source} (kolommen: {', '.join(map(str, columns))})",
            oplossing="Neem deze onderwerpen op in de StatLine-selectie, of controleer of een kolom "
            "hernoemd is (de naam vóór het _nummer moet gelijk blijven).",
        )


def normalize_kwb(
    raw: pd.DataFrame, gemeente: str, source: str, *, required: bool = True
) -> pd.DataFrame:
    """Turn raw KWB rows of one gemeente into the tidy ``regios`` table.

    Parameters
    ----------
    raw
        Raw rows (all KWB columns as strings), already or not yet filtered.
    gemeente
        Gemeente code.
    source
        Name of the file/table for error messages.
    required
        Demand the required columns of :data:`KWB_COLUMNS`; off for an auxiliary
        year that only has to supply burgerlijke staat.

    Returns
    -------
    pandas.DataFrame
        One row per region with ``code, naam, niveau, gemeentecode, wijkcode``
        and the canonical measures of :data:`KWB_COLUMNS` (float, NaN = missing).
        Optional measures absent from the source are absent from the result.

    Raises
    ------
    WijkscanError
        When a required column is missing or a region code is malformed.
    """
    return normalize_all(_gemeente_rows(raw, gemeente, source), source, required=required)


def normalize_all(
    raw: pd.DataFrame,
    source: str,
    *,
    required: bool = True,
    controleer: bool = True,
    waarschuw: bool = True,
) -> pd.DataFrame:
    """Turn a national raw KWB table into the tidy ``regios`` table of every gemeente.

    One vectorised pass over all rows; :func:`normalize_kwb` is this function on the rows
    of one gemeente, so a gemeente gets the same table and checks alone or in a batch. Per gemeente: the gemeente row, its wijken, its buurten, each sorted by code;
    gemeenten by code.

    Parameters
    ----------
    raw
        Raw KWB rows of all gemeenten (StatLine "onbewerkte dataset", strings).
    source
        File or table name for error messages.
    required
        Demand the required columns (see :func:`normalize_kwb`).
    controleer
        Check that the buurten add up to the published wijk and gemeente figures
        (:func:`check_totals`).
    waarschuw
        Log the warnings (rows left out, burgerlijke staat blanked); off when the
        table is only checked and normalised again later.

    Returns
    -------
    pandas.DataFrame
        ``code, niveau, naam, gemeentenaam, gemeentecode, wijkcode`` and the canonical
        measures of :data:`pipeline.KWB_COLUMNS` present in the source. Burgerlijke staat
        is checked with :func:`check_burgerlijke_staat`: rows whose four counts do not
        add up to ``inwoners`` get NaN there (with a warning naming them). Rows of
        a gemeente number without a GM row are left out (with a warning), as the
        per-gemeente path never builds such a gemeente. Rows such as ``NL01`` are ignored.

    Raises
    ------
    WijkscanError
        For a malformed region code, a SoortRegio that contradicts the code, a missing
        required column, a duplicate region code, or buurten that do not add up to their
        wijk and gemeente (:func:`check_totals`).
    """
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    # The national row (NL01) and other non-gemeente aggregates are not regios.
    keep = codes.str.match(r"^(GM|WK|BU)")
    rows = raw.loc[keep]
    codes = codes[keep]
    bad = codes[~codes.str.match(_REGION_RE)]
    if len(bad):
        raise WijkscanError(
            f"Onbekende regiocodes in {source}: {', '.join(bad.head(5))}",
            waar=f"{source}, kolom WijkenEnBuurten",
            oplossing="Verwacht GMxxxx, WKxxxxxx of BUxxxxxxxx (KWB-indeling).",
        )
    gm_codes = set(codes[codes.str.startswith("GM")])
    gemeentecode = fmt.gemeente_van(codes)
    orphan = ~gemeentecode.isin(gm_codes)
    if orphan.any():
        if waarschuw:
            log.warning(
                "%d wijk- en buurtrijen zonder gemeenterij in %s weggelaten (bijv. %s).",
                int(orphan.sum()),
                source,
                ", ".join(codes[orphan].head(3)),
            )
        rows, codes, gemeentecode = rows[~orphan], codes[~orphan], gemeentecode[~orphan]

    out = pd.DataFrame(index=rows.index)
    out["code"] = codes
    out["niveau"] = out["code"].str[:2].map({"GM": "gemeente", "WK": "wijk", "BU": "buurt"})
    soort_col = find_column(rows.columns, "SoortRegio")
    if soort_col is not None:
        soort = rows[soort_col].astype(str).str.strip().str.lower().map(_SOORT)
        conflict = soort.notna() & (soort != out["niveau"])
        if conflict.any():
            first = out.loc[conflict, "code"].iloc[0]
            raise WijkscanError(
                f"SoortRegio en regiocode spreken elkaar tegen in {source} (bijv. {first}).",
                waar=f"{source}, kolom {soort_col}",
                oplossing="Het bestand is waarschijnlijk bewerkt; exporteer het opnieuw uit StatLine.",
            )
    out["naam"] = rows["Naam"].astype(str).str.strip() if "Naam" in rows.columns else out["code"]
    gm_naam_col = find_column(rows.columns, "Gemeentenaam")
    if gm_naam_col:
        out["gemeentenaam"] = rows[gm_naam_col].astype(str).str.strip()
    else:
        # Per gemeente the fallback is the name on its first row (the GM row in CBS order).
        first_name = out.groupby(gemeentecode, sort=False)["naam"].first()
        out["gemeentenaam"] = gemeentecode.map(first_name)
    out["gemeentecode"] = gemeentecode
    out["wijkcode"] = np.where(
        out["niveau"] == "buurt",
        "WK" + out["code"].str[2:8],
        np.where(out["niveau"] == "wijk", out["code"], None),
    )
    if required:
        check_required(rows.columns, source)
    for col in KWB_COLUMNS:
        src = find_column(rows.columns, col.prefix)
        if src is not None:
            out[col.name] = to_number(rows[src])
    out, afwijkend, weggelaten = check_burgerlijke_staat(out)
    if weggelaten and waarschuw:
        log.warning(
            "Burgerlijke staat in %s is onvolledig (alleen %s); die kolommen worden niet "
            "gebruikt en de schatting valt terug op de gemeentecijfers.",
            source,
            ", ".join(weggelaten),
        )
    if afwijkend and waarschuw:
        log.warning(
            "Burgerlijke staat telt niet op tot het aantal inwoners in %d regio('s) van %s: "
            "%s. Daar is de burgerlijke staat leeggemaakt (de schatting valt er terug op de "
            "gemeentecijfers).",
            len(afwijkend),
            source,
            fmt.eerste(afwijkend, n=20),
        )
    if out["code"].duplicated().any():
        dup = out.loc[out["code"].duplicated(), "code"].iloc[0]
        raise WijkscanError(
            f"Regiocode {dup} komt meer dan eens voor in {source}.",
            oplossing="Verwijder dubbele rijen; elke regio hoort één keer in de tabel te staan.",
        )
    order = out["niveau"].map(_LEVEL_ORDER)
    out = out.assign(_o=order).sort_values(["gemeentecode", "_o", "code"], kind="stable")
    out = out.drop(columns="_o").reset_index(drop=True)
    if controleer:
        check_totals(out, source)
    return out


#: Columns the auxiliary KWB year adds to buurt rows (canonical names, see the contract).
AANVULLING_COLUMNS = {f"aanv_{c}": c for c in (*MARITAL_COLUMNS, "inwoners")}

#: Share of a gemeente's inhabitants (peiljaar) in buurten whose inhabitants changed by
#: more than :data:`AANVULLING_CHANGE` between the years, above which the log warns.
AANVULLING_WARN_SHARE = 0.5
AANVULLING_CHANGE = 0.25


@dataclass(frozen=True)
class Aanvulling:
    """Result of :func:`merge_aanvulling` (for the log and the provenance line)."""

    jaar: str
    buurten: int
    gekoppeld: int
    aandeel_veranderd: float
    waarschuwing: str | None


def merge_aanvulling(
    regios: pd.DataFrame, aanvulling: pd.DataFrame, jaar: int | str
) -> tuple[pd.DataFrame, Aanvulling]:
    """Add an adjacent KWB year's burgerlijke staat to the buurt rows whose code survived.

    Buurt codes are reused after a re-division, so a buurt only gets the auxiliary
    figures when its code occurs in both years *and* its gemeente exists in the
    auxiliary year. The counts are copied unscaled (the estimator scales them).

    Parameters
    ----------
    regios
        Normalised regions of the peiljaar.
    aanvulling
        Normalised regions of the auxiliary year (:func:`normalize_kwb` with
        ``required=False``); may be empty.
    jaar
        The auxiliary year.

    Returns
    -------
    tuple
        ``regios`` plus ``aanv_ongehuwd, aanv_gehuwd, aanv_gescheiden, aanv_verweduwd,
        aanv_inwoners`` (float, NaN where not linked or secret) and ``aanvulling_jaar``
        (the year as text on linked buurt rows, else missing), and an :class:`Aanvulling`
        summary with a Dutch warning when more than half of the inhabitants live in
        buurten whose size changed by over 25 %.
    """
    out = regios.copy()
    for col in AANVULLING_COLUMNS:
        out[col] = np.nan
    out["aanvulling_jaar"] = pd.Series(pd.NA, index=out.index, dtype="string")
    is_buurt = out["niveau"] == "buurt"
    n_buurten = int(is_buurt.sum())
    usable = "code" in aanvulling.columns and len(aanvulling) > 0
    if usable:
        aux_gm = set(aanvulling.loc[aanvulling["code"].str.startswith("GM"), "code"])
        aux = aanvulling[
            (aanvulling["niveau"] == "buurt") & aanvulling["gemeentecode"].isin(aux_gm)
        ].set_index("code")
        linked = is_buurt & out["code"].isin(aux.index) & out["gemeentecode"].isin(aux_gm)
    else:
        aux, linked = pd.DataFrame(), pd.Series(False, index=out.index)
    if linked.any():
        codes = out.loc[linked, "code"]
        for col, src in AANVULLING_COLUMNS.items():
            if src in aux.columns:
                out.loc[linked, col] = aux.loc[codes, src].to_numpy(dtype=float)
        out.loc[linked, "aanvulling_jaar"] = str(jaar)
    inw, prev = out.loc[linked, "inwoners"], out.loc[linked, "aanv_inwoners"]
    known = inw.notna() & prev.notna() & (inw > 0)
    changed = (prev[known] - inw[known]).abs() > AANVULLING_CHANGE * inw[known]
    total = float(inw[known].sum())
    share = float(inw[known][changed].sum()) / total if total > 0 else 0.0
    warning = None
    if share > AANVULLING_WARN_SHARE:
        warning = (
            f"In de buurten met cijfers uit KWB {jaar} woont {fmt.procent(100 * share)} van de inwoners in een "
            f"buurt waarvan het aantal inwoners meer dan {fmt.procent(100 * AANVULLING_CHANGE)} verschilt met "
            "het peiljaar: waarschijnlijk een herindeling of grote nieuwbouw; de burgerlijke "
            f"staat uit {jaar} past daar slecht."
        )
    info = Aanvulling(str(jaar), n_buurten, int(linked.sum()), share, warning)
    return out, info

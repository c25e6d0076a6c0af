"""Reading and normalising CBS *Kerncijfers wijken en buurten* (KWB).

The raw layout is the StatLine "onbewerkte dataset": OData keys as column headers
(``WijkenEnBuurten``, ``SoortRegio_2``, ``AantalInwoners_5``, ...). The numeric
suffix of a key differs between KWB years (``HuishoudensTotaal_28`` in 2022,
``_29`` in 2024), so columns are matched on their name *prefix*.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import fmt
from pipeline.errors import WijkscanError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KwbColumn:
    """A KWB measure: OData key prefix and our canonical column name."""

    prefix: str
    name: str
    required: bool = False


#: KWB measures we use. Age bands other than 0-14 and 65+ are optional because
#: some extracts (e.g. the shared national subset) only carry those two.
KWB_COLUMNS: tuple[KwbColumn, ...] = (
    KwbColumn("AantalInwoners", "inwoners", required=True),
    KwbColumn("Mannen", "mannen"),
    KwbColumn("Vrouwen", "vrouwen"),
    KwbColumn("k_0Tot15Jaar", "k_0_14", required=True),
    KwbColumn("k_15Tot25Jaar", "k_15_24"),
    KwbColumn("k_25Tot45Jaar", "k_25_44"),
    KwbColumn("k_45Tot65Jaar", "k_45_64"),
    KwbColumn("k_65JaarOfOuder", "k_65plus", required=True),
    KwbColumn("HuishoudensTotaal", "huishoudens"),
    KwbColumn("Eenpersoonshuishoudens", "eenpersoonshuishoudens"),
    KwbColumn("GemiddeldeHuishoudensgrootte", "huishoudensgrootte"),
    KwbColumn("Koopwoningen", "koopwoningen_pct"),
    KwbColumn("AfstandTotHuisartsenpraktijk", "afstand_huisarts"),
    KwbColumn("AfstandTotGroteSupermarkt", "afstand_supermarkt"),
    KwbColumn("OppervlakteLand", "oppervlakte_land_ha"),
)

COUNT_COLUMNS = (
    "inwoners",
    "mannen",
    "vrouwen",
    "k_0_14",
    "k_15_24",
    "k_25_44",
    "k_45_64",
    "k_65plus",
    "huishoudens",
    "eenpersoonshuishoudens",
)

#: CBS marks suppressed/unknown cells with '.', sometimes with whitespace; the
#: CBS GeoPackages use -99997 (and -99995..-99999) for the same purpose.
_MISSING_STRINGS = {"", ".", "x", "-", "?"}
_REGION_RE = re.compile(r"^(GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")
_LEVEL_ORDER = {"gemeente": 0, "wijk": 1, "buurt": 2}
_SOORT = {"gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}


def read_kwb_csv(path: Path) -> pd.DataFrame:
    """Read a KWB file in the StatLine "onbewerkte dataset" CSV layout.

    Parameters
    ----------
    path
        CSV file with OData keys as headers; ``,`` or ``;`` separated.

    Returns
    -------
    pandas.DataFrame
        All cells as strings (no type guessing: codes such as ``0226`` must keep
        their leading zeros).

    Raises
    ------
    WijkscanError
        When the file is missing, empty or not a CSV with a ``WijkenEnBuurten`` column.
    """
    path = Path(path)
    if not path.is_file():
        raise WijkscanError(
            f"Het KWB-bestand bestaat niet: {path}",
            waar="bronnen.kwb.pad",
            oplossing="Controleer het pad in de configuratie (relatief aan de map van de pipeline).",
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            head = fh.read(4096)
        if not head.strip():
            raise WijkscanError(
                f"Het KWB-bestand is leeg: {path}",
                oplossing="Download de tabel opnieuw (StatLine: 'onbewerkte dataset', CSV).",
            )
        sep = ";" if head.count(";") > head.count(",") else ","
        df = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            quoting=csv.QUOTE_MINIMAL,
        )
    except WijkscanError:
        raise
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise WijkscanError(
            f"Het KWB-bestand is geen leesbare CSV: {path} ({exc.__class__.__name__}: {exc})",
            oplossing="Gebruik de StatLine-export 'onbewerkte dataset' als CSV (UTF-8).",
        ) from exc
    if "WijkenEnBuurten" not in df.columns:
        raise WijkscanError(
            f"Kolom 'WijkenEnBuurten' ontbreekt in {path}.",
            waar=f"{path}: kolommen {', '.join(map(str, df.columns[:8]))} ...",
            oplossing="Gebruik de StatLine-export 'onbewerkte dataset' (OData-sleutels als kolomkoppen).",
        )
    return df


def find_column(columns: pd.Index | list[str], prefix: str) -> str | None:
    """Return the column whose name is ``prefix`` plus an optional ``_<number>`` suffix.

    Parameters
    ----------
    columns
        Available column names.
    prefix
        Name without the CBS position suffix, e.g. ``"AantalInwoners"``.

    Returns
    -------
    str or None
        The matching column, or None if absent.
    """
    pattern = re.compile(rf"^{re.escape(prefix)}(_\d+)?$")
    matches = [c for c in columns if pattern.match(str(c))]
    return matches[0] if matches else None


def to_number(values: pd.Series) -> pd.Series:
    """Convert CBS cell values to floats; suppressed cells become NaN, never 0.

    Parameters
    ----------
    values
        Strings as CBS delivers them (``'.'`` for secret, empty for unknown,
        decimal point or comma).

    Returns
    -------
    pandas.Series
        Float values with NaN for missing/suppressed cells.
    """
    s = values.astype("string").str.strip()
    s = s.mask(s.isin(_MISSING_STRINGS))
    s = s.str.replace(",", ".", regex=False)
    out = pd.to_numeric(s, errors="coerce").astype(float)
    # CBS GeoPackages encode "geheim"/"onbekend" as large negative sentinels.
    return out.mask(out <= -99990)


def gemeente_codes(raw: pd.DataFrame) -> list[str]:
    """List the gemeente codes present in a raw KWB table."""
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    return sorted(c for c in codes.unique() if c.startswith("GM"))


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
        When the gemeente does not occur; the message lists close existing codes.
    """
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


def normalize_kwb(raw: pd.DataFrame, gemeente: str, source: str) -> pd.DataFrame:
    """Turn raw KWB rows of one gemeente into the tidy ``regios`` table.

    Parameters
    ----------
    raw
        Raw rows (all KWB columns as strings), already or not yet filtered.
    gemeente
        Gemeente code.
    source
        Name of the file/table for error messages.

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
    return normalize_all(select_gemeente(raw, gemeente, source), source)


def normalize_all(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Turn a national raw KWB table into the tidy ``regios`` table of every gemeente.

    One vectorised pass over all rows; :func:`normalize_kwb` is this function on the rows
    of one gemeente, so the per-gemeente and the national one-pass rules share every
    check. Per gemeente: the gemeente row, its wijken, its buurten, each sorted by code;
    gemeenten by code.

    Parameters
    ----------
    raw
        Raw KWB rows of all gemeenten (StatLine "onbewerkte dataset", strings).
    source
        File or table name for error messages.

    Returns
    -------
    pandas.DataFrame
        ``code, niveau, naam, gemeentenaam, gemeentecode, wijkcode`` and the canonical
        measures of :data:`pipeline.KWB_COLUMNS` present in the source. Rows of
        a gemeente number without a GM row are left out (with a warning), as the
        per-gemeente path never builds such a gemeente. Rows such as ``NL01`` are ignored.

    Raises
    ------
    WijkscanError
        For a malformed region code, a SoortRegio that contradicts the code, a missing
        required column or a duplicate region code.
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
    check_required(rows.columns, source)
    for col in KWB_COLUMNS:
        src = find_column(rows.columns, col.prefix)
        if src is not None:
            out[col.name] = to_number(rows[src])
    if out["code"].duplicated().any():
        dup = out.loc[out["code"].duplicated(), "code"].iloc[0]
        raise WijkscanError(
            f"Regiocode {dup} komt meer dan eens voor in {source}.",
            oplossing="Verwijder dubbele rijen; elke regio hoort één keer in de tabel te staan.",
        )
    order = out["niveau"].map(_LEVEL_ORDER)
    out = out.assign(_o=order).sort_values(["gemeentecode", "_o", "code"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)

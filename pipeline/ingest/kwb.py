"""Reading and normalising CBS *Kerncijfers wijken en buurten* (KWB).

The raw layout is the StatLine "onbewerkte dataset": OData keys as column headers
(``WijkenEnBuurten``, ``SoortRegio_2``, ``AantalInwoners_5``, ...). The numeric
suffix of a key differs between KWB years (``HuishoudensTotaal_28`` in 2022,
``_29`` in 2024), so columns are matched on their name *prefix*.

CBS also publishes each year as a workbook ``kwb-YYYY.xlsx`` with short column
names (``gwb_code_10``, ``a_inw``, ``a_ongeh``, ...). :func:`read_kwb` reads that
layout (as ``.xlsx`` or as a CSV with the same header) and renames it to the raw
OData layout, so everything after reading sees one layout.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.present import fmt

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
    KwbColumn("Ongehuwd", "ongehuwd"),
    KwbColumn("Gehuwd", "gehuwd"),
    KwbColumn("Gescheiden", "gescheiden"),
    KwbColumn("Verweduwd", "verweduwd"),
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
    "ongehuwd",
    "gehuwd",
    "gescheiden",
    "verweduwd",
    "huishoudens",
    "eenpersoonshuishoudens",
)

#: The four burgerlijke-staat counts; together they must add up to ``inwoners``.
MARITAL_COLUMNS = ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")

#: Short names of the CBS workbook ``kwb-YYYY.xlsx`` -> OData key of the same measure.
#: Suffixes follow the 85984NED (KWB 2024) metadata; only the prefix is matched later
#: (:func:`find_column`), so they need not agree with the workbook's own year. Measures
#: whose OData prefix is not unique (herkomst: ``Nederland_17`` and ``_20``) are left
#: under their short name rather than risk a wrong match.
WORKBOOK_KEYS: dict[str, str] = {
    "gm_naam": "Gemeentenaam_1",
    "recs": "SoortRegio_2",
    "ind_wbi": "IndelingswijzigingGemeenteWijkBuurt_4",
    "a_inw": "AantalInwoners_5",
    "a_man": "Mannen_6",
    "a_vrouw": "Vrouwen_7",
    "a_00_14": "k_0Tot15Jaar_8",
    "a_15_24": "k_15Tot25Jaar_9",
    "a_25_44": "k_25Tot45Jaar_10",
    "a_45_64": "k_45Tot65Jaar_11",
    "a_65_oo": "k_65JaarOfOuder_12",
    "a_ongeh": "Ongehuwd_13",
    "a_gehuwd": "Gehuwd_14",
    "a_gesch": "Gescheiden_15",
    "a_verwed": "Verweduwd_16",
    "a_hh": "HuishoudensTotaal_29",
    "a_1p_hh": "Eenpersoonshuishoudens_30",
    "a_hh_z_k": "HuishoudensZonderKinderen_31",
    "a_hh_m_k": "HuishoudensMetKinderen_32",
    "g_hhgro": "GemiddeldeHuishoudensgrootte_33",
    "bev_dich": "Bevolkingsdichtheid_34",
    "a_woning": "Woningvoorraad_35",
    "g_wozbag": "GemiddeldeWOZWaardeVanWoningen_39",
    "p_1gezw": "PercentageEengezinswoning_40",
    "p_koopw": "Koopwoningen_47",
    "g_ink_pi": "GemiddeldInkomenPerInwoner_83",
    "a_soz_ow": "PersonenPerSoortUitkeringAOW_97",
    "a_wmo_t": "WmoClienten_100",
    "g_afs_hp": "AfstandTotHuisartsenpraktijk_117",
    "g_afs_gs": "AfstandTotGroteSupermarkt_118",
    "g_afs_kv": "AfstandTotKinderdagverblijf_119",
    "g_afs_sc": "AfstandTotSchool_120",
    "g_3km_sc": "ScholenBinnen3Km_121",
    "a_opp_ha": "OppervlakteTotaal_122",
    "a_lan_ha": "OppervlakteLand_123",
    "a_wat_ha": "OppervlakteWater_124",
    "pst_mvp": "MeestVoorkomendePostcode_125",
    "ste_mvs": "MateVanStedelijkheid_127",
    "ste_oad": "Omgevingsadressendichtheid_128",
}

#: Region code columns of the workbook, preferred first (older workbooks only have
#: ``gwb_code``, sometimes without the GM/WK/BU letters).
WORKBOOK_CODE_COLUMNS = ("gwb_code_10", "gwb_code")
_RECS_PREFIX = {"land": "NL", "nederland": "NL", "gemeente": "GM", "wijk": "WK", "buurt": "BU"}
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

#: CBS marks suppressed/unknown cells with '.', sometimes with whitespace; the
#: CBS GeoPackages use -99997 (and -99995..-99999) for the same purpose.
_MISSING_STRINGS = {"", ".", "x", "-", "?"}
_REGION_RE = re.compile(r"^(GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")
_LEVEL_ORDER = {"gemeente": 0, "wijk": 1, "buurt": 2}
_SOORT = {"gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}


def read_kwb(path: Path) -> pd.DataFrame:
    """Read a local KWB file in either CBS layout into the raw OData layout.

    Accepted: the StatLine "onbewerkte dataset" CSV (OData keys as headers) and CBS's
    yearly workbook ``kwb-YYYY.xlsx`` (short names such as ``gwb_code_10``, ``a_inw``),
    as ``.xlsx`` or as a CSV with that header. The layout is detected from the file
    extension (workbook) and the header (``WijkenEnBuurten`` or ``gwb_code_10``/``gwb_code``).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    pandas.DataFrame
        All cells as strings (codes such as ``0226`` keep their leading zeros), with
        OData keys as headers; a workbook's ``NL00`` row is renamed ``NL01``.

    Raises
    ------
    WijkscanError
        When the file is missing, empty, unreadable or in neither layout.
    """
    path = Path(path)
    if not path.is_file():
        raise WijkscanError(
            f"Het KWB-bestand bestaat niet: {path}",
            waar="bronnen.kwb.pad",
            oplossing="Controleer het pad in de configuratie (relatief aan de map van de pipeline).",
        )
    df = _read_excel(path) if path.suffix.lower() in EXCEL_SUFFIXES else _read_csv(path)
    if is_workbook_layout(df.columns):
        out = from_workbook(df, str(path))
        check_numbers(out, str(path))
        return out
    if "WijkenEnBuurten" not in df.columns:
        raise WijkscanError(
            f"Kolom 'WijkenEnBuurten' (of 'gwb_code_10') ontbreekt in {path}.",
            waar=f"{path}: kolommen {', '.join(map(str, df.columns[:8]))} ...",
            oplossing="Gebruik de StatLine-export 'onbewerkte dataset' (OData-sleutels als "
            "kolomkoppen) of het CBS-werkboek kwb-JJJJ.xlsx (korte namen zoals gwb_code_10, a_inw).",
        )
    # Header on line 1, so data row i is on line i + 2 (Excel row number, too).
    check_numbers(df, str(path), first_line=2)
    return df


def check_records(path: Path, sep: str) -> None:
    """Refuse a CSV whose records do not all have as many fields as the header.

    A download or copy that was cut off ends in a partial record; pandas would fill
    the missing fields with empty cells and keep a cut number such as ``30`` (from
    ``3045``) as if it were published. Ragged records elsewhere mean a broken edit.

    Parameters
    ----------
    path
        The CSV file.
    sep
        Field separator.

    Raises
    ------
    WijkscanError
        Naming the first short or long record (line number and region code).
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        header = next(reader, [])
        for record in reader:
            if not any(cell.strip() for cell in record) or len(record) == len(header):
                continue
            code = record[0].strip() if record else ""
            cut = len(record) < len(header)
            raise WijkscanError(
                f"Het KWB-bestand {path.name} is "
                + (
                    "afgebroken of beschadigd: een regel heeft minder velden"
                    if cut
                    else "beschadigd: een regel heeft meer velden"
                )
                + f" ({len(record)}) dan de kop ({len(header)}).",
                waar=f"{path}, regel {reader.line_num}" + (f" (regio {code})" if code else ""),
                oplossing="Download of exporteer het bestand opnieuw en controleer dat het "
                "volledig is (de laatste regel hoort bij de laatste buurt); pas geen "
                "scheidingstekens aan in een teksteditor.",
            )


def check_numbers(raw: pd.DataFrame, source: str, *, first_line: int | None = None) -> None:
    """Refuse a measure cell that is neither a number nor a CBS 'secret' mark.

    ``'.'``, an empty cell and the GeoPackage sentinels (``-99997`` ...) mean secret or
    unknown and become NaN in :func:`to_number`; anything else that is not a number
    (``abc``, ``12a``) is a damaged file, never silently a missing value.

    Parameters
    ----------
    raw
        Raw KWB table in the OData layout (strings).
    source
        File name for the message.
    first_line
        File line of the first data row, when the index still counts the file's rows.

    Raises
    ------
    WijkscanError
        Naming file, column, region code (and line) of the first bad cell, and how many
        cells are bad.
    """
    codes = raw["WijkenEnBuurten"].astype(str).str.strip() if "WijkenEnBuurten" in raw else None
    for col in KWB_COLUMNS:
        src = find_column(raw.columns, col.prefix)
        if src is None:
            continue
        s = raw[src].astype("string").str.strip()
        given = s.notna() & ~s.isin(_MISSING_STRINGS)
        parsed = pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")
        bad = given & parsed.isna()
        if not bad.any():
            continue
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        plek = f"{source}, kolom {src}"
        if codes is not None:
            plek += f", regio {codes.iloc[pos]}"
        if first_line is not None:
            plek += f", regel {pos + first_line}"
        raise WijkscanError(
            f"Geen getal in het KWB-bestand: {s.iloc[pos]!r} in kolom {src}"
            + (f" (en nog {int(bad.sum()) - 1} cel(len) in die kolom)." if bad.sum() > 1 else "."),
            waar=plek,
            oplossing="Herstel de cel of exporteer het bestand opnieuw uit StatLine. Een geheime "
            "of onbekende waarde schrijft CBS als '.' of een lege cel (of -99997); die worden "
            "als ontbrekend behandeld, nooit als 0.",
        )


def _read_csv(path: Path) -> pd.DataFrame:
    """All cells of a ``,`` or ``;`` separated CSV as strings."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            head = fh.read(4096)
        if not head.strip():
            raise WijkscanError(
                f"Het KWB-bestand is leeg: {path}",
                oplossing="Download de tabel opnieuw (StatLine: 'onbewerkte dataset', CSV).",
            )
        sep = ";" if head.count(";") > head.count(",") else ","
        check_records(path, sep)
        return pd.read_csv(
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
            oplossing="Gebruik de StatLine-export 'onbewerkte dataset' als CSV (UTF-8), of het "
            "CBS-werkboek kwb-JJJJ.xlsx.",
        ) from exc


_HEADER_NAMES = {"WijkenEnBuurten", *WORKBOOK_CODE_COLUMNS}


def _read_excel(path: Path) -> pd.DataFrame:
    """All cells of the first sheet with a KWB header (within its first 10 rows) as strings."""
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl/zipfile raise many types for a broken file
        raise WijkscanError(
            f"Het KWB-werkboek is niet te lezen: {path} ({exc.__class__.__name__}: {exc})",
            oplossing="Sla het bestand opnieuw op als .xlsx (Excel-werkmap) of gebruik de CSV-export.",
        ) from exc
    with book:
        for sheet in book.sheet_names:
            top = pd.read_excel(
                book, sheet_name=sheet, header=None, nrows=10, dtype=str, keep_default_na=False
            )
            hits = [i for i in range(len(top)) if _HEADER_NAMES & set(top.iloc[i].astype(str))]
            if hits:
                # CBS workbooks put the short names in the first row, but a title row
                # above them (a user's own copy) should not make the file unreadable.
                df = pd.read_excel(
                    book, sheet_name=sheet, header=hits[0], dtype=str, keep_default_na=False
                )
                df.columns = [str(c).strip() for c in df.columns]
                return df
    raise WijkscanError(
        f"Geen werkblad met KWB-kolommen in {path} (gezocht naar gwb_code_10, gwb_code of "
        f"WijkenEnBuurten in de eerste 10 rijen van: {', '.join(book.sheet_names)}).",
        waar=str(path),
        oplossing="Gebruik het CBS-werkboek kwb-JJJJ.xlsx zoals CBS het publiceert, of de "
        "StatLine-export 'onbewerkte dataset'.",
    )


def is_workbook_layout(columns: pd.Index | list[str]) -> bool:
    """True for the short-name header of CBS's ``kwb-YYYY.xlsx`` (and its CSV copies)."""
    names = {str(c).strip() for c in columns}
    return "WijkenEnBuurten" not in names and bool(names & set(WORKBOOK_CODE_COLUMNS))


def from_workbook(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Rename a table in the ``kwb-YYYY.xlsx`` layout to the raw OData layout.

    Parameters
    ----------
    df
        Cells as strings, short CBS names as headers (``gwb_code_10``, ``regio``,
        ``a_inw``, ...).
    source
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        ``WijkenEnBuurten`` (code), ``Naam`` (from ``regio``), the OData keys of
        :data:`WORKBOOK_KEYS` and every other column under its short name. The Netherlands
        row ``NL00`` becomes ``NL01`` as in StatLine; rows without a code (notes under the
        table) are dropped.

    Raises
    ------
    WijkscanError
        When no code column is present.
    """
    df = df.rename(columns=lambda c: str(c).strip())
    code_col = next((c for c in WORKBOOK_CODE_COLUMNS if c in df.columns), None)
    if code_col is None:
        raise WijkscanError(
            f"Geen regiocodekolom (gwb_code_10 of gwb_code) in {source}.",
            waar=source,
            oplossing="Gebruik het CBS-werkboek kwb-JJJJ.xlsx met de oorspronkelijke kolomnamen.",
        )
    codes = df[code_col].astype(str).str.strip()
    if "recs" in df.columns:
        # Old workbooks give bare digits ('0344'); the region kind says which letters go first.
        prefix = df["recs"].astype(str).str.strip().str.lower().map(_RECS_PREFIX)
        bare = codes.str.fullmatch(r"\d+") & prefix.notna()
        codes = codes.where(~bare, prefix + codes)
    codes = codes.mask(codes == "NL00", "NL01")
    out = df.drop(columns=[code_col])
    rename = {k: v for k, v in WORKBOOK_KEYS.items() if k in out.columns}
    if "regio" in out.columns:
        rename["regio"] = "Naam"
    if code_col == "gwb_code_10" and "gwb_code" in out.columns:
        rename["gwb_code"] = "Codering_3"
    out = out.rename(columns=rename)
    out.insert(0, "WijkenEnBuurten", codes)
    return out.loc[codes != ""].reset_index(drop=True)


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
    return sorted(gemeente_namen(raw))


def gemeente_namen(raw: pd.DataFrame) -> dict[str, str]:
    """Gemeente code -> name of the gemeente rows of a raw KWB table.

    Parameters
    ----------
    raw
        Raw KWB rows (OData layout, as :func:`read_kwb` gives them).

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
    rows = codes.str.match(r"^GM\d{4}$")
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
    of one gemeente, so the per-gemeente and the national one-pass rules share every
    check. Per gemeente: the gemeente row, its wijken, its buurten, each sorted by code;
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


#: Slack of the buurt-sum check. CBS rounds buurt and wijk counts to 5 independently,
#: so a wijk of one buurt can differ by 5 from it (seen in KWB 2023 and 2024); 5 per
#: buurt covers both roundings. 1 % of the published figure covers CBS's own small
#: corrections between the levels. With these values all 342 gemeenten of KWB 2023
#: (43 columns) and KWB 2024 (85984NED subset) pass; the largest gap relative to the
#: slack is Wassenaar 2023, eenpersoonshuishoudens 4.220 over 21 buurten vs 4.343.
TOTAL_SLACK_PER_BUURT = 5.0
TOTAL_SLACK_SHARE = 0.01


def check_totals(regios: pd.DataFrame, source: str) -> None:
    """Check that the buurten add up to their published wijk and gemeente figures.

    A file that lost rows (a cut-off download, a filtered export, a deleted line) still
    looks like a valid table; only the published totals show that buurten are missing.
    Per wijk and per gemeente, for every count of :data:`COUNT_COLUMNS`: the sum over
    its buurten may differ from the published figure by at most
    ``5 * n_buurten + 1 %`` (CBS rounding, see :data:`TOTAL_SLACK_PER_BUURT`). Secret buurt cells (NaN) are left out of
    the sum; then only a sum *above* the published figure is provably wrong.
    Every wijk and gemeente must have buurten and every buurt its wijk row.

    Parameters
    ----------
    regios
        Normalised regions (output of :func:`normalize_all` before this check).
    source
        File or table name for the message.

    Raises
    ------
    WijkscanError
        Naming the regions and counts that do not add up (at most 5 in the message).
    """
    niveau = regios["niveau"]
    buurt = regios[niveau == "buurt"]
    wijk_codes = set(regios.loc[niveau == "wijk", "code"])
    oplossing = (
        "Het bestand is waarschijnlijk onvolledig (afgebroken download, gefilterde export of "
        "verwijderde regels). Exporteer de KWB-tabel opnieuw met alle regio's van de gemeente: "
        "de gemeente, al haar wijken en al haar buurten."
    )
    zonder_wijk = sorted(set(buurt.loc[~buurt["wijkcode"].isin(wijk_codes), "code"]))
    if zonder_wijk:
        raise WijkscanError(
            f"{len(zonder_wijk)} buurt(en) zonder wijkrij in {source}: {fmt.eerste(zonder_wijk, 5)}.",
            waar=f"{source}, kolom WijkenEnBuurten",
            oplossing=oplossing,
        )
    met_buurten = set(buurt["wijkcode"]) | set(buurt["gemeentecode"])
    leeg = [
        c for c in regios.loc[niveau.isin(["wijk", "gemeente"]), "code"] if c not in met_buurten
    ]
    if leeg:
        raise WijkscanError(
            f"{len(leeg)} wijk(en) of gemeente(n) zonder buurten in {source}: "
            f"{fmt.eerste(sorted(leeg), 5)}.",
            waar=f"{source}, kolom WijkenEnBuurten",
            oplossing=oplossing,
        )
    cols = [c for c in COUNT_COLUMNS if c in regios.columns]
    fouten: list[str] = []
    for level, key in (("wijk", "wijkcode"), ("gemeente", "gemeentecode")):
        grouped = buurt.groupby(key)[cols]
        som = grouped.sum(min_count=1)
        n = grouped.count()
        complete = n.eq(grouped.size(), axis=0)
        pub = regios[niveau == level].set_index("code")[cols].reindex(som.index)
        diff = som - pub
        slack = TOTAL_SLACK_PER_BUURT * n + TOTAL_SLACK_SHARE * pub.abs()
        bad = pub.notna() & som.notna() & ((complete & (diff.abs() > slack)) | (diff > slack))
        for i in np.flatnonzero(bad.any(axis=1).to_numpy()):
            # One line per region: its first failing count (inwoners comes first).
            j = int(np.flatnonzero(bad.iloc[i].to_numpy())[0])
            meer = int(bad.iloc[i].sum()) - 1
            fouten.append(
                f"{som.index[i]} {cols[j]}: som van {int(n.iat[i, j])} buurten "
                f"{fmt.getal(som.iat[i, j])}, gepubliceerd {fmt.getal(pub.iat[i, j])}"
                + (f" (en {meer} andere aantallen)" if meer else "")
            )
    if fouten:
        raise WijkscanError(
            f"De buurten tellen niet op tot de gepubliceerde wijk- en gemeentecijfers in "
            f"{source} ({len(fouten)} regio('s), verschil groter dan de CBS-afronding): "
            f"{fmt.eerste(fouten, 5, sep='; ')}.",
            waar=f"{source}",
            oplossing=oplossing,
        )


#: Rounding slack of the burgerlijke-staat check: CBS rounds wijk and buurt counts to 5.
MARITAL_SLACK_PER_COUNT = 5.0
MARITAL_SLACK_SHARE = 0.01


def check_burgerlijke_staat(regios: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Blank burgerlijke staat where it cannot be right, instead of passing it on.

    A row's four counts (ongehuwd, gehuwd, gescheiden, verweduwd) must add up to
    ``inwoners`` within the CBS rounding: at most 5 per published (non-secret) count
    plus 1 % of ``inwoners``. With some counts secret, the published ones may not
    exceed ``inwoners`` by more than that. Rows that fail get NaN in all four.

    Parameters
    ----------
    regios
        Normalised regions (canonical column names).

    Returns
    -------
    tuple
        ``(table, afwijkend, weggelaten)``: the checked table (a copy when changed),
        the codes of the rows that were blanked, and the marital columns dropped because
        the source has only some of the four (an incomplete split is no margin).
    """
    present = [c for c in MARITAL_COLUMNS if c in regios.columns]
    if not present:
        return regios, [], []
    if len(present) < len(MARITAL_COLUMNS):
        return regios.drop(columns=present), [], present
    if "inwoners" not in regios.columns:
        return regios, [], []
    counts = regios[list(MARITAL_COLUMNS)]
    n_published = counts.notna().sum(axis=1)
    total = counts.sum(axis=1, min_count=1)
    inw = regios["inwoners"]
    slack = MARITAL_SLACK_PER_COUNT * n_published + MARITAL_SLACK_SHARE * inw
    complete = n_published == len(MARITAL_COLUMNS)
    # Complete rows must match; with secret counts only an excess is provably wrong.
    off = ((total - inw).abs() > slack) & complete
    excess = ((total - inw) > slack) & ~complete
    bad = inw.notna() & (n_published > 0) & (off | excess)
    if not bad.any():
        return regios, [], []
    out = regios.copy()
    out.loc[bad, list(MARITAL_COLUMNS)] = np.nan
    return out, list(out.loc[bad, "code"]), []


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
            f"In de buurten met cijfers uit KWB {jaar} woont {share:.0%} van de inwoners in een "
            f"buurt waarvan het aantal inwoners meer dan {AANVULLING_CHANGE:.0%} verschilt met "
            "het peiljaar: waarschijnlijk een herindeling of grote nieuwbouw; de burgerlijke "
            f"staat uit {jaar} past daar slecht."
        )
    info = Aanvulling(str(jaar), n_buurten, int(linked.sum()), share, warning)
    return out, info

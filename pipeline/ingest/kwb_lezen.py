"""Reading a local KWB file, in either CBS layout, into the raw OData layout.

The StatLine "onbewerkte dataset" CSV has OData keys as column headers
(``WijkenEnBuurten``, ``SoortRegio_2``, ``AantalInwoners_5``, ...). CBS also publishes
each year as a workbook ``kwb-YYYY.xlsx`` with short column names (``gwb_code_10``,
``a_inw``, ``a_ongeh``, ...). :func:`read_kwb` reads that layout (as ``.xlsx`` or as a CSV
with the same header) and renames it to the raw OData layout, so everything after reading
sees one layout. A damaged file (cut-off records, a cell that is no number) is refused
here, naming the file and line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.kwb_kolommen import KWB_COLUMNS, MISSING_STRINGS, find_column
from pipeline.ingest.statline import read_cells, separator
from pipeline.io import check_records

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
        given = s.notna() & ~s.isin(MISSING_STRINGS)
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
        sep = separator(head)
        check_records(path, sep, wat="KWB-bestand", laatste="de laatste buurt")
        return read_cells(path, sep)
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

"""Exports for analysts: CSV, XLSX (one sheet per level plus Toelichting) and GeoPackage."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.codes import STATUS_GEEN_GEGEVENS, STATUS_TE_WEINIG, reden_kolom
from pipeline.io import atomic_path, source_date_epoch
from pipeline.model.intervals import HOOG, LAAG
from pipeline.model.registry import THEMAS, Indicator
from pipeline.present import fmt, texts

#: Column that says why a cell of a published row is empty (from the ``reden_<key>`` columns).
OPMERKING = "opmerking"
ID_COLUMNS = ["code", "naam", "niveau", "gemeentecode", "wijkcode", "jaar", "status", OPMERKING,
              "schatting"]  # fmt: skip
_LEVEL_SHEETS = (("buurt", "Buurten"), ("wijk", "Wijken"), ("gemeente", "Gemeente"))
#: Which margins informed a buurt's estimate (pipeline.model.intervals.marges_column).
MARGES = "marges"
#: First characters that make a spreadsheet read a text as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: Any) -> Any:
    """Prefix a text that a spreadsheet would run as a formula with ``'``; other values as is.

    Real CBS names never start with these characters, so published data is unchanged;
    a hostile name such as ``=HYPERLINK("http://x","klik")`` shows as text instead of a link.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot run as a formula when the CSV is opened in Excel.

    Only text (object/string) columns change, and only cells starting with ``= + - @``, tab
    or carriage return; numeric columns (negative numbers) are left alone.
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_text)
    return out


def value_columns(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> list[str]:
    """Indicator columns in registry order, each followed by its interval columns if any."""
    cols: list[str] = []
    for key in registry:
        if key in indicatoren:
            cols.append(key)
            cols += [key + suf for suf in (LAAG, HOOG) if key + suf in indicatoren]
    return cols


#: Column that carries the FICTIEF warning in a CSV or GeoPackage built on demo parts.
LET_OP = "let_op"


def with_warning(table: pd.DataFrame, let_op: str) -> pd.DataFrame:
    """``table`` with a first column :data:`LET_OP` holding ``let_op`` (unchanged if empty).

    A CSV or GeoPackage has no cover page: without the column a shared file built on the
    demo age profile could not be told from a real one.
    """
    if not let_op:
        return table
    return pd.concat([pd.DataFrame({LET_OP: [let_op] * len(table)}, index=table.index), table],
                     axis=1)  # fmt: skip


def with_opmerking(
    table: pd.DataFrame, registry: dict[str, Indicator], labels: bool = False
) -> pd.DataFrame:
    """``table`` with its ``reden_<key>`` columns folded into one :data:`OPMERKING` text.

    One column beside ``status`` reads better than a reason column per indicator at the
    far end: ``'mantelzorgpotentieel: minder dan 10 85-plussers (geschat, vóór afronding)'``, several
    joined by ``'; '``, empty where every cell has a value or the status says why.

    Parameters
    ----------
    table
        Published indicator table (long or wide).
    registry
        Indicator registry.
    labels
        Name the indicator by its label (a workbook) instead of its column (a CSV).

    Returns
    -------
    pandas.DataFrame
        ``table`` without the ``reden_<key>`` columns and with :data:`OPMERKING` (or
        ``table`` itself when it has no reason columns).
    """
    kolommen = {key: reden_kolom(key) for key in registry if reden_kolom(key) in table}
    if not kolommen:
        return table
    text = np.full(len(table), "", dtype=object)
    for key, kolom in kolommen.items():
        reden = table[kolom].map(fmt.tekst).to_numpy(dtype=object)
        naam = registry[key].label if labels else key
        item = np.where(reden != "", naam + ": " + reden, "")
        text = np.where(text == "", item, np.where(item == "", text, text + "; " + item))
    out = table.drop(columns=list(kolommen.values()))
    at = out.columns.get_loc("status") + 1 if "status" in out else len(out.columns)
    out.insert(at, OPMERKING, text)
    return out


def whole_counts(table: pd.DataFrame, registry: dict[str, Indicator]) -> pd.DataFrame:
    """Counts and their interval bounds as whole numbers (``155``, not ``155.0``).

    Published counts are whole: CBS's own, or estimates rounded to the rounding step.
    A missing count stays empty (nullable integers), never 0.
    """
    out = table.copy()
    for key, ind in registry.items():
        if not ind.is_aantal:
            continue
        for col in (key, key + LAAG, key + HOOG):
            if col in out and out[col].dtype.kind == "f":
                v = out[col]
                if ((v.dropna() % 1) == 0).all():
                    out[col] = v.astype("Int64")
    return out


def write_csv(
    indicatoren: pd.DataFrame,
    path: Path,
    let_op: str = "",
    registry: dict[str, Indicator] | None = None,
) -> None:
    """Write the published indicator table as CSV (UTF-8, comma, decimal point).

    Text cells that a spreadsheet would run as a formula get a leading ``'``
    (:func:`csv_safe`): a CSV carries no cell types, so Excel would otherwise evaluate
    e.g. a buurt name ``=HYPERLINK(...)`` when the file is opened.

    Parameters
    ----------
    indicatoren
        Published indicator table (long by year).
    path
        Destination.
    let_op
        Warning for every row (``texts.fictief_tekst``), or empty for real data.
    registry
        Indicator registry: its counts are written as whole numbers (:func:`whole_counts`).
    """
    table = indicatoren
    if registry:
        table = with_opmerking(whole_counts(indicatoren, registry), registry)
    with atomic_path(path) as tmp:
        csv_safe(with_warning(table, let_op)).to_csv(tmp, index=False, encoding="utf-8")


def toelichting(
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    met_interval: frozenset[str] = frozenset(),
    leeg: frozenset[str] = frozenset(),
    kolommen: frozenset[str] | None = None,
) -> pd.DataFrame:
    """Definitions and sources of every indicator, for the 'Toelichting' sheet.

    ``met_interval``: the indicators whose interval columns are in the table; ``leeg``:
    those without a single value in this build (a source not read, such as loneliness
    with ``gezondheidsmonitor: geen``), so an empty column is not read as a fault.
    ``kolommen``: the workbook's columns; each of :data:`KOLOMMEN` among them gets a row
    after the indicators (None: all of them).
    """
    rows = [
        {
            "Indicator (kolom)": ind.key,
            "Naam": ind.label,
            "Thema": THEMAS.get(ind.thema, ind.thema),
            "Eenheid": ind.eenheid,
            "Definitie": ind.definitie,
            "Soort": ind.soort,
            # The workbook's headers are labels; the CSV's are these column names.
            "Interval": _interval_uitleg(ind) if ind.key in met_interval else "",
            "Bron": ind.bron,
            "Ook voor toekomstjaren": "ja" if ind.prognose else "nee",
            "In deze build": (
                "nee: de kolom is leeg (de bron is niet ingelezen of heeft dit cijfer niet)"
                if ind.key in leeg
                else "ja"
            ),
        }
        for ind in registry.values()
    ]
    rows += [
        {"Indicator (kolom)": kolom, "Naam": kop, "Thema": "(geen indicator)", "Definitie": uitleg}
        for kolom, kop, uitleg in KOLOMMEN
        if kolommen is None or kolom in kolommen
    ]
    return pd.DataFrame(rows)


#: The columns beside the indicators: CSV name, workbook header, meaning (Toelichting).
#: An analyst saw "Status", "Basisjaar of projectie" and "Randvoorwaarden van de
#: schatting" without a word on what they hold.
KOLOMMEN: tuple[tuple[str, str, str], ...] = (
    (
        LET_OP,
        "Let op",
        "Alleen bij een build die (deels) op fictieve demogegevens steunt: "
        "welke delen fictief zijn. Leeg of afwezig: alles is echt.",
    ),
    ("code", "Code", "CBS-code van de buurt (BU), wijk (WK) of gemeente (GM) in het peiljaar."),
    ("naam", "Naam", "Naam volgens het CBS."),
    ("niveau", "Niveau", "buurt, wijk of gemeente."),
    ("gemeentecode", "Gemeente", "Code van de gemeente."),
    ("wijkcode", "Wijk", "Code van de wijk (bij een buurt: de wijk waarin zij ligt)."),
    ("jaar", "Jaar", "Peiljaar (1 januari) of toekomstjaar."),
    (
        "status",
        "Status",
        f"Leeg: de rij heeft cijfers. '{STATUS_TE_WEINIG}': minder inwoners "
        "dan indicatoren.min_inwoners, dus geen percentages of verhoudingen. "
        f"'{STATUS_GEEN_GEGEVENS}': geen bevolkingscijfer.",
    ),
    (
        OPMERKING,
        "Opmerking",
        "Waarom een cel leeg is, als de status het niet al zegt, per "
        "indicator (bijvoorbeeld 'geheim bij CBS'). Een lege cel is nooit 0.",
    ),
    (
        "schatting",
        "Basisjaar of projectie",
        "'basisjaar': het peiljaar (CBS-cijfers en "
        "schattingen daaruit). 'projectie': een toekomstjaar, berekend met de prognose.",
    ),
    (
        MARGES,
        "Randvoorwaarden van de schatting",
        "Welke buurtcijfers de geschatte "
        "leeftijdsopbouw van de buurt vastleggen, bijvoorbeeld 'leeftijd (KWB), burgerlijke "
        "staat (KWB 2023)'. Hoe meer, hoe smaller de intervallen.",
    ),
)


def _interval_uitleg(ind: Indicator) -> str:
    """What the two interval columns of ``ind`` hold, for the 'Toelichting' sheet.

    A number CBS publishes for the base year (no estimate marker, :func:`fmt.teken`) is not
    an estimate: a count has no bounds there (:func:`pipeline.model.intervals.attach_intervals`
    leaves them empty), a share only what CBS's rounding to 5 leaves open; calling either a
    90% interval would misstate a published figure. Its projected years are estimates.
    """
    kolommen = (
        f"de twee kolommen ernaast (ondergrens, bovengrens); in de CSV {ind.key}{LAAG} en "
        f"{ind.key}{HOOG}"
    )
    wie = "Voor buurten en wijken"  # the gemeente's own figures have no draws
    if fmt.teken(ind):
        return f"{wie} het 90%-interval van de schatting: {kolommen}"
    if ind.is_aantal:
        # CBS's own count has no interval in the base year: it is shown as published.
        return (
            f"{wie} in latere jaren het 90%-interval van de schatting (het basisjaar is het "
            f"CBS-cijfer zoals gepubliceerd, zonder interval): {kolommen}"
        )
    later = ", in latere jaren het 90%-interval van de schatting" if ind.prognose else ""
    return (
        f"{wie} in het basisjaar de marge die de afronding door CBS (op 5) openlaat{later}: "
        f"{kolommen}"
    )


def sources_table(meta: dict[str, Any]) -> pd.DataFrame:
    """Source tables with ids, years and licences, for the 'Bronnen' sheet.

    The user's own input files (``invoerbestanden``, a list in ``bronnen.json``) become
    one text per source: ``pad (sha256 ...)``, separated by ``;``.
    """
    table = pd.DataFrame(meta.get("bronnen", []))
    if "invoerbestanden" in table:
        table["invoerbestanden"] = table["invoerbestanden"].map(
            lambda files: "; ".join(
                f"{f.get('pad')} (sha256 {f.get('sha256') or 'onbekend'})" for f in files or []
            )
        )
    # A reader of the workbook gets Dutch headers, in a useful order; the machine names
    # stay in bronnen.json. The short type word is the label's twin: left out.
    table = table.drop(columns="type", errors="ignore") if "type_label" in table else table
    kolommen = [k for k in _BRONKOPPEN if k in table] + [k for k in table if k not in _BRONKOPPEN]
    return table[kolommen].rename(columns=_BRONKOPPEN)


#: Headers of the 'Bronnen' sheet (keys of a ``bronnen.json`` entry -> Dutch header).
_BRONKOPPEN = {
    "onderwerp": "Onderwerp",
    "uitgever": "Uitgever",
    "tabel": "Tabel",
    "jaar": "Jaar",
    "type_label": "Soort bron",
    "type": "Soort bron",
    "licentie": "Licentie",
    "invoer": "Instelling (bronnen.…)",
    "bestand": "Bestand",
    "sha256": "Controlegetal (sha256)",
    "invoerbestanden": "Eigen invoerbestanden (met sha256)",
}


def write_xlsx(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], meta: dict[str, Any], path: Path
) -> None:
    """Write an Excel workbook: Buurten, Wijken, Gemeente, Toelichting, Bronnen.

    Column headers are the registry labels with their unit, so the workbook reads
    on its own; the Toelichting sheet maps them back to the CSV column names.

    Parameters
    ----------
    indicatoren
        Published indicator table.
    registry
        Indicator registry (labels and definitions).
    meta
        Provenance (``bronnen``, ``fictief``).
    path
        Destination ``.xlsx``.
    """
    headers = {key: _kolomkop(ind) for key, ind in registry.items()}
    headers.update({kolom: kop for kolom, kop, _ in KOLOMMEN})
    for key in registry:
        headers[key + LAAG] = f"{headers[key]} – ondergrens interval"
        headers[key + HOOG] = f"{headers[key]} – bovengrens interval"
    # No cover page here either: the demo mark travels on every row, as in the CSV.
    let_op = texts.fictief_tekst(meta) if meta.get("fictief") else ""
    indicatoren = with_warning(with_opmerking(indicatoren, registry, labels=True), let_op)
    cols = [c for c in [LET_OP, *ID_COLUMNS] if c in indicatoren]
    cols += value_columns(indicatoren, registry)
    cols += [MARGES] if MARGES in indicatoren else []
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for level, sheet in _LEVEL_SHEETS:
                part = indicatoren.loc[indicatoren["niveau"] == level, cols]
                part.rename(columns=headers).to_excel(xw, sheet_name=sheet, index=False)
                _format_sheet(xw.sheets[sheet], cols, registry, let_op)
            info = toelichting(
                registry,
                meta,
                frozenset(k for k in registry if k + LAAG in indicatoren),
                frozenset(
                    k for k in registry if k not in indicatoren or indicatoren[k].isna().all()
                ),
                kolommen=frozenset(cols),
            )
            if meta.get("fictief"):
                # Per indicator: real CBS columns are not stamped fictitious.
                info.insert(
                    0,
                    "Let op",
                    [
                        texts.fictief_bij(registry[k], meta) if k in registry else ""
                        for k in info["Indicator (kolom)"]
                    ],
                )
            info.to_excel(xw, sheet_name="Toelichting", index=False)
            sources_table(meta).to_excel(xw, sheet_name="Bronnen", index=False)
            for ws in xw.book.worksheets:
                text_cells_as_text(ws)
        when = source_date_epoch()
        if when is not None:
            reproducible_xlsx(tmp, when)


def _kolomkop(ind: Indicator) -> str:
    """Workbook header of an indicator: its label, with the unit where the label lacks it.

    "Mensen met dementie per 100 65-plussers (per 100)" said its unit twice, and
    "Mantelzorgpotentieel (ratio)" did not say of what: a ratio names its terms.
    """
    if ind.eenheid == "ratio":
        return f"{ind.label} ({ind.kort})"
    if not ind.eenheid or ind.eenheid in ind.label:
        return ind.label
    return f"{ind.label} ({ind.eenheid})"


def _getalnotatie(ind: Indicator) -> str:
    """Excel number format of an indicator: the decimals the products print.

    The cell keeps the full value for calculation; only the display is rounded.
    """
    if ind.is_aantal:
        return "#,##0"
    return "0" + ("." + "0" * ind.decimalen if ind.decimalen else "")


def _format_sheet(ws: Any, cols: list[str], registry: dict[str, Indicator], let_op: str) -> None:
    """Make a data sheet readable for an analyst: header, widths, filter, number formats."""
    from openpyxl.styles import Alignment, Font

    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 60
    # Code and name stay in view while scrolling (after the demo mark, when there is one).
    ws.freeze_panes = ws.cell(row=2, column=cols.index("naam") + 2 if "naam" in cols else 1)
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    if let_op:
        ws.oddHeader.center.text = let_op
    for i, col in enumerate(cols, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = 28 if col in ("naam", OPMERKING) else 14
        key = col.removesuffix(LAAG).removesuffix(HOOG)
        if key in registry:
            notatie = _getalnotatie(registry[key])
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = notatie


def text_cells_as_text(ws: Any) -> None:
    """Store every text cell of an openpyxl worksheet as text, never as a formula.

    openpyxl turns any string starting with ``=`` into a formula, so a buurt name such as
    ``=HYPERLINK("http://x","klik")`` became a live link. The text stays unchanged; the
    ``quotePrefix`` style also keeps Excel from reading it as a formula when the cell is
    edited.
    """
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.data_type = "s"
            if cell.data_type == "s" and str(cell.value or "").startswith(FORMULA_START):
                cell.quotePrefix = True


#: The earliest time a zip entry can hold.
_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def reproducible_xlsx(path: Path, when: dt.datetime) -> None:
    """Give an ``.xlsx`` fixed timestamps, so the same workbook gives the same bytes.

    openpyxl stamps the save time in ``docProps/core.xml`` and on every zip entry; both
    become ``when`` (from ``SOURCE_DATE_EPOCH``). The entries keep their order and content.

    Parameters
    ----------
    path
        Workbook written by openpyxl; rewritten in place.
    when
        Timezone-aware build time.
    """
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.xml.functions import fromstring, tostring

    when = max(when.astimezone(dt.UTC), _ZIP_EPOCH)
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info)) for info in zin.infolist()]
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for old, data in entries:
            if old.filename == "docProps/core.xml":
                props = DocumentProperties.from_tree(fromstring(data))
                # openpyxl keeps naive datetimes as UTC.
                props.created = props.modified = when.replace(tzinfo=None)
                data = tostring(props.to_tree())
            info = zipfile.ZipInfo(old.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = old.external_attr
            info.create_system = old.create_system
            zout.writestr(info, data)


def wide_by_year(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], basisjaar: int
) -> pd.DataFrame:
    """One row per region: base-year indicators plus ``<key>_<jaar>`` for horizon years.

    Every year has its own ``opmerking`` (``opmerking_<jaar>`` for a horizon year): an
    empty cell of 2040 says why as one of the base year does.
    """
    base = indicatoren[indicatoren["jaar"] == basisjaar].set_index("code")
    keys = value_columns(indicatoren, registry)
    base = with_opmerking(base, registry)
    extra_ids = [c for c in ("wijkcode", "jaar", OPMERKING, MARGES) if c in base]
    out = base[["naam", "niveau", "status", *extra_ids] + keys].copy()
    for jaar, part in indicatoren[indicatoren["jaar"] != basisjaar].groupby("jaar"):
        prog = [k for k in keys if registry[k.removesuffix(LAAG).removesuffix(HOOG)].prognose]
        part = with_opmerking(part.set_index("code"), registry)
        prog += [OPMERKING] if OPMERKING in part else []
        out = out.join(part[prog].add_suffix(f"_{jaar}"))
    return out.reset_index()


_GPKG_BESCHRIJVING = (
    "Wijkscan: indicatoren per buurt. Kolommen zonder jaartal gelden voor {jaar} (kolom jaar); "
    "<indicator>_<jaar> is de prognose voor dat jaar, _laag/_hoog het 90%-interval. Een lege "
    "cel is nooit 0: status en opmerking zeggen waarom."
)


def write_gpkg(
    indicatoren: pd.DataFrame,
    buurten: gpd.GeoDataFrame,
    registry: dict[str, Indicator],
    basisjaar: int,
    path: Path,
    let_op: str = "",
) -> None:
    """Write buurt geometry with all indicators (base year and horizons) as GeoPackage.

    ``let_op``: warning for every row (see :func:`write_csv`).
    """
    wide = wide_by_year(indicatoren[indicatoren["niveau"] == "buurt"], registry, basisjaar)
    gdf = buurten[["code", "geometry"]].merge(wide, on="code", how="left")
    # After the merge: a buurt with a shape but no row still gets the warning.
    gdf = with_warning(gdf, let_op)
    # atomic_path stamps SOURCE_DATE_EPOCH into the GeoPackage (gpkg_contents.last_change).
    with atomic_path(path) as tmp:
        gpd.GeoDataFrame(gdf, geometry="geometry", crs=buurten.crs).to_file(
            tmp,
            layer="indicatoren_buurt",
            driver="GPKG",
            # Read by QGIS and ogrinfo: what the layer holds, without the README.
            layer_options={"DESCRIPTION": _GPKG_BESCHRIJVING.format(jaar=basisjaar)},
        )

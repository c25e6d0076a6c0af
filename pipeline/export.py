"""Exports for analysts: CSV, XLSX (one sheet per level plus Toelichting) and GeoPackage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from pipeline.intervals import HOOG, LAAG
from pipeline.io import atomic_path
from pipeline.registry import THEMAS, Indicator

ID_COLUMNS = ["code", "naam", "niveau", "gemeentecode", "wijkcode", "jaar", "status", "schatting"]
_LEVEL_SHEETS = (("buurt", "Buurten"), ("wijk", "Wijken"), ("gemeente", "Gemeente"))
#: Which margins informed a buurt's estimate (pipeline.intervals.marges_column).
MARGES = "marges"


def value_columns(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> list[str]:
    """Indicator columns in registry order, each followed by its interval columns if any."""
    cols: list[str] = []
    for key in registry:
        if key in indicatoren:
            cols.append(key)
            cols += [key + suf for suf in (LAAG, HOOG) if key + suf in indicatoren]
    return cols


def write_csv(indicatoren: pd.DataFrame, path: Path) -> None:
    """Write the published indicator table as CSV (UTF-8, comma, decimal point).

    Parameters
    ----------
    indicatoren
        Published indicator table (long by year).
    path
        Destination.
    """
    with atomic_path(path) as tmp:
        indicatoren.to_csv(tmp, index=False, encoding="utf-8")


def toelichting(
    registry: dict[str, Indicator], meta: dict[str, Any], met_interval: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Definitions and sources of every indicator, for the 'Toelichting' sheet.

    ``met_interval``: the indicators whose interval columns are in the table.
    """
    rows = [
        {
            "Indicator (kolom)": ind.key,
            "Naam": ind.label,
            "Thema": THEMAS.get(ind.thema, ind.thema),
            "Eenheid": ind.eenheid,
            "Definitie": ind.definitie,
            "Soort": ind.soort,
            "Interval": (
                f"kolommen {ind.key}{LAAG} en {ind.key}{HOOG} (90%)"
                if ind.key in met_interval
                else ""
            ),
            "Bron": ind.bron,
            "Ook voor toekomstjaren": "ja" if ind.prognose else "nee",
        }
        for ind in registry.values()
    ]
    return pd.DataFrame(rows)


def sources_table(meta: dict[str, Any]) -> pd.DataFrame:
    """Source tables with ids, years and licences, for the 'Bronnen' sheet."""
    return pd.DataFrame(meta.get("bronnen", []))


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
    headers = {
        key: f"{ind.label} ({ind.eenheid})" if ind.eenheid else ind.label
        for key, ind in registry.items()
    }
    headers.update(
        {
            "code": "Code",
            "naam": "Naam",
            "niveau": "Niveau",
            "gemeentecode": "Gemeente",
            "wijkcode": "Wijk",
            "jaar": "Jaar",
            "status": "Opmerking",
            "schatting": "Basisjaar of projectie",
        }
    )
    for key in registry:
        headers[key + LAAG] = f"{headers[key]} – ondergrens interval"
        headers[key + HOOG] = f"{headers[key]} – bovengrens interval"
    headers[MARGES] = "Randvoorwaarden van de schatting"
    cols = [c for c in ID_COLUMNS if c in indicatoren] + value_columns(indicatoren, registry)
    cols += [MARGES] if MARGES in indicatoren else []
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for level, sheet in _LEVEL_SHEETS:
                part = indicatoren.loc[indicatoren["niveau"] == level, cols]
                part.rename(columns=headers).to_excel(xw, sheet_name=sheet, index=False)
                ws = xw.sheets[sheet]
                ws.freeze_panes = "C2"
                for col in ws.columns:
                    ws.column_dimensions[col[0].column_letter].width = 16
            info = toelichting(
                registry, meta, frozenset(k for k in registry if k + LAAG in indicatoren)
            )
            if meta.get("fictief"):
                info.insert(0, "Let op", "FICTIEF: demogegevens")
            info.to_excel(xw, sheet_name="Toelichting", index=False)
            sources_table(meta).to_excel(xw, sheet_name="Bronnen", index=False)


def wide_by_year(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], basisjaar: int
) -> pd.DataFrame:
    """One row per region: base-year indicators plus ``<key>_<jaar>`` for horizon years."""
    base = indicatoren[indicatoren["jaar"] == basisjaar].set_index("code")
    keys = value_columns(indicatoren, registry)
    extra_ids = [MARGES] if MARGES in base else []
    out = base[["naam", "niveau", "status", *extra_ids] + keys].copy()
    for jaar, part in indicatoren[indicatoren["jaar"] != basisjaar].groupby("jaar"):
        prog = [k for k in keys if registry[k.removesuffix(LAAG).removesuffix(HOOG)].prognose]
        extra = part.set_index("code")[prog].add_suffix(f"_{jaar}")
        out = out.join(extra)
    return out.reset_index()


def write_gpkg(
    indicatoren: pd.DataFrame,
    buurten: gpd.GeoDataFrame,
    registry: dict[str, Indicator],
    basisjaar: int,
    path: Path,
) -> None:
    """Write buurt geometry with all indicators (base year and horizons) as GeoPackage."""
    wide = wide_by_year(indicatoren[indicatoren["niveau"] == "buurt"], registry, basisjaar)
    gdf = buurten[["code", "geometry"]].merge(wide, on="code", how="left")
    with atomic_path(path) as tmp:
        gpd.GeoDataFrame(gdf, geometry="geometry", crs=buurten.crs).to_file(
            tmp, layer="indicatoren_buurt", driver="GPKG"
        )

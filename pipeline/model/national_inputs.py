"""The inputs of the one-pass computation, for every gemeente at once (pure functions).

Each function reads a national source (or the demo structure) into the same tidy layout
that the per-gemeente rules write for one gemeente: buurt polygons split per gemeente,
the gemeente population by age and sex (and burgerlijke staat), the forecasts and RIVM
loneliness. :mod:`pipeline.model.national` computes the indicators from them.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.present import fmt

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ demo population


def demo_template(jaar: int) -> pd.DataFrame:
    """The demo gemeente's population as the per-gemeente path parses it.

    ``fetch_population`` writes :func:`pipeline.ingest.demo.bevolking_raw` (relabelled to the
    real gemeente) and ``prepare_population`` parses it with
    :func:`pipeline.ingest.gemeentebevolking.parse_03759ned`; the result is the same for every
    gemeente apart from the code, so it is parsed once here.

    Parameters
    ----------
    jaar
        Base year.

    Returns
    -------
    pandas.DataFrame
        Tidy ``bevolking`` table (single years, man/vrouw/totaal) with
        ``gemeentecode='GM9999'``.
    """
    from pipeline.ingest import demo
    from pipeline.ingest.gemeentebevolking import parse_03759ned

    rows, dim = demo.bevolking_raw(jaar)
    return parse_03759ned(rows, dim, jaar, [demo.DEMO_GEMEENTE], bron="demo")


def demo_population(regios: pd.DataFrame, jaar: int) -> pd.DataFrame:
    """Gemeente population for the offline demo source ('demo' for a real gemeente).

    Parameters
    ----------
    regios
        Tidy KWB table of all gemeenten.
    jaar
        Base year.

    Returns
    -------
    pandas.DataFrame
        Tidy ``bevolking`` table of every gemeente: the demo's fictional structure within
        the real KWB bands (fictief).
    """
    from pipeline.ingest import demo_herschaling

    return demo_herschaling.rescale_to_kwb_all(demo_template(jaar), regios)


def demo_forecast_template(jaar: int, horizon: Sequence[int]) -> pd.DataFrame:
    """The demo forecast as ``prepare_forecast`` reads it (Primos layout, parsed once).

    The per-gemeente path stores :func:`pipeline.ingest.demo.prognose_primos` as CSV and reads it
    with :func:`pipeline.ingest.primos.read_primos`; the same round trip is done here
    through a temporary file so the parsed numbers are identical.

    Parameters
    ----------
    jaar
        Base year.
    horizon
        Forecast years.

    Returns
    -------
    pandas.DataFrame
        Tidy forecast of the demo gemeente (5-year classes by sex, base year included).
    """
    from pipeline.ingest import demo
    from pipeline.ingest.primos import read_primos

    rows = demo.prognose_primos(int(jaar), list(horizon))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prognose_primos.csv"
        rows.to_csv(path, index=False)
        return read_primos(path, [demo.DEMO_GEMEENTE])


def demo_forecast(
    template: pd.DataFrame, base: pd.DataFrame, jaar: int, horizon: Sequence[int]
) -> tuple[pd.DataFrame, str]:
    """Gemeente forecasts for all gemeenten from the demo growth (vectorised).

    :func:`pipeline.ingest.demo_herschaling.apply_demo_growth_all` (the per-gemeente rule's
    function, on all gemeenten) followed by :func:`pipeline.model.forecast.gemeente_forecast`: each
    gemeente's base year (in the forecast's classes) times the demo's growth per class, sex
    and year.

    Parameters
    ----------
    template
        Output of :func:`demo_forecast_template`.
    base
        Tidy base-year population of all gemeenten (:func:`demo_population`).
    jaar
        Base year.
    horizon
        Forecast years.

    Returns
    -------
    tuple
        ``(table, method)``: ``gemeentecode, jaar, geslacht, leeftijd_van, leeftijd_tot,
        aantal`` for the horizon years, and the method label of
        :func:`pipeline.model.forecast.gemeente_forecast`.
    """
    from pipeline.ingest import demo_herschaling
    from pipeline.model import forecast

    out = demo_herschaling.apply_demo_growth_all(template, base, int(jaar))
    return forecast.gemeente_forecast(out, base, int(jaar), list(horizon))


# ------------------------------------------------------------------------ geometry


def geometry_per_gemeente(
    geo: Any, regios: pd.DataFrame, jaar: int, mode: str, source: str
) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Split national buurt polygons per gemeente and check them against the data.

    The same checks as the per-gemeente rules ``fetch_geometry`` and ``prepare_geometry``
    (no polygons at all is an error; a code mismatch follows ``geometrie_controle``), on
    a file that is read once.

    Parameters
    ----------
    geo
        GeoDataFrame ``code, naam, geometry`` of all buurten
        (:func:`pipeline.ingest.geometry.read_buurten` with ``gemeente=None``).
    regios
        Tidy KWB table of the gemeenten to build.
    jaar
        Data year (for messages).
    mode
        ``geometrie_controle``: ``'fout'`` or ``'waarschuwing'``.
    source
        Geometry file name for messages.

    Returns
    -------
    dict
        Gemeente code -> ``(buurten, controle)``: the gemeente's polygons with the data's
        buurt names, and the record ``prepare_geometry`` writes to
        ``geometrie_controle.json``.

    Raises
    ------
    WijkscanError
        When a gemeente has no polygon at all, or codes differ under ``'fout'``.
    """
    from pipeline.ingest import geometry

    prefix = geo["code"].str[2:6].to_numpy()
    names = regios.set_index("code")["naam"]
    buurt_rows = regios[regios["niveau"] == "buurt"]
    data_codes = buurt_rows.groupby("gemeentecode")["code"]
    out: dict[str, tuple[Any, dict[str, Any]]] = {}
    # One job builds every gemeente: collect all problems, so one message names them all.
    empty, mismatched = [], []
    for gm in regios.loc[regios["niveau"] == "gemeente", "code"]:
        gdf = geo[prefix == gm[2:]].reset_index(drop=True)
        if gdf.empty:
            empty.append(gm)
            continue
        codes = data_codes.get_group(gm) if gm in data_codes.groups else pd.Series(dtype=str)
        match = geometry.match_codes(codes, gdf["code"])
        warnings = geometry.check_codes(match, jaar, "waarschuwing", source)
        if warnings and mode == "fout":
            mismatched.append(f"{gm}: {warnings[0]}")
        # Names come from the data table: the geometry's names can lag a renaming.
        gdf["naam"] = gdf["code"].map(names).fillna(gdf["naam"])
        out[gm] = (
            gdf,
            {
                "ontbreekt_in_geometrie": match.only_in_data,
                "ontbreekt_in_data": match.only_in_geometry,
                "waarschuwingen": warnings,
            },
        )
    if empty:
        raise WijkscanError(
            f"Geen enkele buurt van {len(empty)} gemeente(n) in {source}: {fmt.eerste(empty)}",
            waar="bronnen.geometrie",
            oplossing="Controleer of het bestand de juiste jaargang en het hele land bevat.",
        )
    if mismatched:
        raise WijkscanError(
            f"Buurtcodes in data en geometrie ({source}) komen niet overeen bij "
            f"{len(mismatched)} gemeente(n): " + fmt.eerste(mismatched, 5, sep="; "),
            waar="bronnen.geometrie / geometrie_controle",
            oplossing="Gebruik buurtgrenzen van hetzelfde jaar als de data (codes worden "
            "hergebruikt), of zet 'geometrie_controle: waarschuwing' om door te gaan; de "
            "ontbrekende buurten worden dan in het rapport genoemd.",
        )
    return out


def population_all(
    bron: str,
    regios: pd.DataFrame,
    jaar: int,
    rows: pd.DataFrame | None = None,
    source: str = "03759ned",
) -> pd.DataFrame:
    """Base-year population by age and sex of every gemeente in ``regios``.

    Parameters
    ----------
    bron
        ``'demo'`` (the demo's fictional structure within each gemeente's real KWB
        bands) or ``'lokaal'`` (a national 03759ned StatLine CSV in ``rows``).
    regios
        Tidy KWB table of the gemeenten (:func:`pipeline.ingest.kwb.normalize_all`).
    jaar
        Base year.
    rows
        Raw 03759ned rows (``lokaal``).
    source
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        Tidy ``bevolking`` table with ``gemeentecode``.

    Raises
    ------
    WijkscanError
        For another source type (BRP extracts and online tables are per gemeente).
    """
    if bron == "demo":
        return demo_population(regios, jaar)
    if bron == "lokaal" and rows is not None:
        from pipeline.ingest.gemeentebevolking import parse_03759ned

        gemeenten = regios.loc[regios["niveau"] == "gemeente", "code"].tolist()
        return parse_03759ned(rows, None, jaar, gemeenten, bron=source)
    raise WijkscanError(
        f"Bevolkingsbron '{bron}' kan niet in één landelijke berekening.",
        waar="bronnen.bevolking.type bij berekening: in_een_keer",
        oplossing="Gebruik 'lokaal' (landelijke 03759ned-CSV) of 'demo', of zet berekening "
        "op per_gemeente.",
    )


def population_bs_all(
    bron: str,
    gemeente_pop: pd.DataFrame,
    jaar: int,
    rows: pd.DataFrame | None = None,
    source: str = "03759ned",
) -> pd.DataFrame:
    """Joint age x sex x burgerlijke staat of every gemeente (empty when unknown).

    Parameters
    ----------
    bron
        ``'demo'`` (the demo's fictitious shares applied to :func:`population_all`) or
        ``'lokaal'`` (the national 03759ned in ``rows``, if it has the categories).
    gemeente_pop
        Output of :func:`population_all`.
    jaar
        Base year.
    rows
        Raw 03759ned rows (``lokaal``).
    source
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        The ``bevolking_gemeente_bs`` table of the per-gemeente path, for all gemeenten.
    """
    from pipeline.ingest import demo_herschaling
    from pipeline.ingest.gemeentebevolking import lege_bs_tabel, parse_03759ned_burgerlijke_staat

    if bron == "demo":
        return demo_herschaling.marital_split(gemeente_pop)
    if bron == "lokaal" and rows is not None:
        gemeenten = sorted(gemeente_pop["gemeentecode"].unique())
        return parse_03759ned_burgerlijke_staat(rows, None, jaar, gemeenten, bron=source)
    return lege_bs_tabel()


def forecast_all(
    bron: str,
    base: pd.DataFrame,
    jaar: int,
    horizon: Sequence[int],
    tidy: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Gemeente forecasts by age and sex for the horizon years, all gemeenten.

    Parameters
    ----------
    bron
        ``'demo'`` (the demo growth on each gemeente's base year), or a tidy forecast in
        ``tidy`` (Primos, or 85171NED parsed with
        :func:`pipeline.ingest.prognose.parse_85171ned`).
    base
        Tidy base-year population of all gemeenten (with ``gemeentecode``).
    jaar
        Base year.
    horizon
        Horizon years (without the base year).
    tidy
        Tidy forecast of all gemeenten for the non-demo sources.

    Returns
    -------
    tuple
        ``(table, methods)``: the forecast of all gemeenten and, per gemeente, the method
        of :func:`pipeline.model.forecast.gemeente_forecast`. A file forecast is expanded per
        gemeente, as the per-gemeente rule does: 85171NED has totals only, and the cohort
        model needs each gemeente's own age structure.
    """
    from pipeline.model import forecast

    years = [int(h) for h in horizon]
    if bron == "demo":
        table, method = demo_forecast(demo_forecast_template(jaar, years), base, jaar, years)
        return table, dict.fromkeys(base["gemeentecode"].unique(), method)
    if tidy is None:
        raise ValueError("forecast_all needs the tidy forecast for a non-demo source")
    bases = dict(tuple(base.groupby("gemeentecode", sort=False)))
    missing = sorted(set(bases) - set(tidy["gemeentecode"]))
    if missing:
        raise WijkscanError(
            f"{len(missing)} gemeente(n) ontbreken in de prognose: {fmt.eerste(missing)}",
            waar="bronnen.prognose.pad bij berekening: in_een_keer",
            oplossing="Gebruik een prognose met deze gemeenten (85171NED volgt de indeling van "
            "2021: later gefuseerde gemeenten ontbreken), of bouw ze per gemeente met een andere "
            "prognosebron.",
        )
    tables, methods = [], {}
    for gm, fc_gm in tidy.groupby("gemeentecode", sort=False):
        if gm not in bases:
            continue
        table, methods[gm] = forecast.gemeente_forecast(fc_gm, bases[gm], jaar, years)
        tables.append(table)
    return pd.concat(tables, ignore_index=True), methods


def loneliness_all(
    rows: pd.DataFrame | None, gemeenten: Sequence[str], source: str
) -> pd.DataFrame | None:
    """RIVM loneliness per region code for all gemeenten (None for source 'geen').

    Parameters
    ----------
    rows
        Raw 50120NED/50150NED rows of the whole country, or None.
    gemeenten
        Gemeente codes.
    source
        File name for messages.

    Returns
    -------
    pandas.DataFrame or None
        ``code, niveau, jaar, *_pct`` of every gemeente, or None.

    Raises
    ------
    WijkscanError
        When gemeenten are missing from the file (listed, with the fix).
    """
    if rows is None:
        return None
    from pipeline.ingest.gezondheidsmonitor import parse_gezondheidsmonitor

    if "WijkenEnBuurten" not in rows.columns:
        raise WijkscanError(
            f"Kolom 'WijkenEnBuurten' ontbreekt in {source}.",
            waar=f"bronnen.gezondheidsmonitor.pad: kolommen {', '.join(map(str, rows.columns))}",
            oplossing="Gebruik de StatLine-export 'onbewerkte dataset' van 50150NED of 50120NED.",
        )
    keys = rows["WijkenEnBuurten"].astype(str).str.strip()
    num = keys.str[2:6]
    parts, missing = [], []
    for gm in gemeenten:
        sub = rows[num == gm[2:]]
        if sub.empty:
            missing.append(gm)
            continue
        parts.append(parse_gezondheidsmonitor(sub, gm, bron=source))
    if missing:
        raise WijkscanError(
            f"{len(missing)} gemeente(n) ontbreken in {source}: {fmt.eerste(missing)}",
            waar="bronnen.gezondheidsmonitor.pad",
            oplossing="Gebruik de landelijke CSV van de tabel, of zet de bron op 'geen'.",
        )
    return pd.concat(parts, ignore_index=True) if parts else None

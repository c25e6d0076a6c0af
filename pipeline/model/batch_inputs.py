"""The inputs of one build batch, read from its source files (one gemeente, a region, the country).

A batch is built from the raw files of its gemeenten: one file per gemeente when the fetch
rules cut them from a source (``data/raw/<bron>/..._GM0226.csv``), or one national file the
user supplies (``bronnen.<kind>.pad``) read once for the whole batch. Each reader takes a
list of ``(file, gemeenten)`` pairs, so both are the same call; the demo source has no file
for a batch of many gemeenten and is generated here. The readers return the tidy layouts that
:func:`pipeline.model.batch.compute_batch` takes.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import WijkscanError, require_gemeenten
from pipeline.present import fmt

log = logging.getLogger(__name__)

#: What, where and how to fix when a source lacks selected gemeenten (:func:`require_gemeenten`).
_ONTBREKEND = {
    "bevolking": (
        "Geen bevolking voor {n} gemeente(n): {codes}",
        "bronnen.bevolking.pad",
        "Gebruik een bevolkingsbestand (03759ned, BRP-extract) met alle gekozen gemeenten van "
        "het peiljaar, of haal ze online op (type: cbs).",
    ),
    "prognose": (
        "{n} gemeente(n) ontbreken in de prognose: {codes}",
        "bronnen.prognose.pad",
        "Gebruik een prognose met deze gemeenten (85171NED volgt de indeling van 2021: later "
        "gefuseerde gemeenten ontbreken; 85173NED heeft alle gemeenten), of een lijst van "
        "bestanden.",
    ),
}

#: A source file and the gemeenten of the batch read from it.
Bestand = tuple[str, Sequence[str]]


# ------------------------------------------------------------------------- regions


def read_regions(files: Sequence[Bestand]) -> pd.DataFrame:
    """Tidy ``regios`` table of the batch from raw KWB files.

    Parameters
    ----------
    files
        KWB files (StatLine CSV) with the gemeenten to take from each.

    Returns
    -------
    pandas.DataFrame
        :func:`pipeline.ingest.kwb.normalize_all` of the gemeenten' rows (GM, WK, BU).

    Raises
    ------
    WijkscanError
        When a gemeente is not in its file (for one gemeente with the close codes).
    """
    from pipeline.ingest import kwb, kwb_lezen

    parts = []
    for path, gemeenten in files:
        source = Path(path)
        raw = kwb_lezen.read_kwb(source)
        present = set(kwb.gemeente_codes(raw))
        missing = sorted(set(gemeenten) - present)
        if len(gemeenten) == 1 and missing:
            kwb.select_gemeente(raw, missing[0], source.name)  # raises, naming close codes
        require_gemeenten(
            gemeenten,
            present,
            f"{{n}} gemeente(n) staan niet in {source.name}: {{codes}}",
            waar="gemeenten / bronnen.kwb.pad",
            oplossing="Controleer de gemeentecodes en het peiljaar van het KWB-bestand.",
        )
        parts.append(kwb.normalize_all(raw[member_rows(raw, gemeenten)], source.name))
    return pd.concat(parts, ignore_index=True)


def member_rows(raw: pd.DataFrame, gemeenten: Sequence[str]) -> pd.Series:
    """Rows of a raw KWB table that belong to one of ``gemeenten`` (GM, WK and BU rows)."""
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    return codes.str.match(r"^(GM|WK|BU)") & fmt.gemeente_van(codes).isin(set(gemeenten))


# ------------------------------------------------------------------------ geometry


def read_geometry(files: Sequence[Bestand], layer: str | None) -> tuple[Any, list[str]]:
    """Buurt polygons of the batch, repaired where invalid.

    Parameters
    ----------
    files
        GeoPackages with the gemeenten to take from each.
    layer
        Layer of a national file; None to detect it.

    Returns
    -------
    tuple
        GeoDataFrame ``code, naam, geometry`` of the gemeenten' buurten, and the codes of
        repaired polygons (:func:`pipeline.ingest.geometry.repair`).
    """
    import geopandas as gpd

    from pipeline.ingest import geometry

    parts = []
    for path, gemeenten in files:
        one = gemeenten[0] if len(gemeenten) == 1 else None
        geo = geometry.read_buurten(Path(path), one, layer)
        if one is None:
            geo = geo[geo["code"].str[2:6].isin({gm[2:] for gm in gemeenten})]
        parts.append(geo)
    geo = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
    return geometry.repair(geo)


def geometry_per_gemeente(
    geo: Any, regios: pd.DataFrame, jaar: int, mode: str, source: str
) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Split national buurt polygons per gemeente and check them against the data.

    No polygons at all is an error; a code mismatch follows ``geometrie_controle``. Every
    gemeente of the batch is checked first, so one message names all problems.

    Parameters
    ----------
    geo
        GeoDataFrame ``code, naam, geometry`` of all buurten
        (:func:`read_geometry`).
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
        buurt names, and the record of
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
    single = int((regios["niveau"] == "gemeente").sum()) == 1
    for gm in regios.loc[regios["niveau"] == "gemeente", "code"]:
        gdf = geo[prefix == gm[2:]].reset_index(drop=True)
        if gdf.empty:
            empty.append(gm)
            continue
        codes = data_codes.get_group(gm) if gm in data_codes.groups else pd.Series(dtype=str)
        match = geometry.match_codes(codes, gdf["code"])
        # A batch of one gets the per-gemeente message (raised here under 'fout').
        warnings = geometry.check_codes(match, jaar, mode if single else "waarschuwing", source)
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


# ---------------------------------------------------------------------- population


def demo_template(jaar: int) -> pd.DataFrame:
    """The demo gemeente's population, parsed as a fetched demo file is.

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


def read_population(
    bron: str,
    files: Sequence[tuple[str, str | None, Sequence[str]]],
    regios: pd.DataFrame,
    jaar: int,
    ontbrekende_buurten: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Base-year population of every gemeente of the batch.

    Parameters
    ----------
    bron
        ``bronnen.bevolking.type``: ``cbs``/``lokaal`` (03759ned), ``demo`` (the demo's
        structure within each real gemeente's KWB bands, fictief) or ``brp`` (an extract
        per buurt).
    files
        ``(file, age dimension file or None, gemeenten)``; empty for a generated demo.
    regios
        Tidy KWB table of the batch.
    jaar
        Base year.
    ontbrekende_buurten
        ``bronnen.bevolking.ontbrekende_buurten`` (BRP: refuse or estimate missing buurten).

    Returns
    -------
    tuple
        The gemeente population by age and sex (``bevolking``), the joint age x sex x
        burgerlijke staat (empty when the source has no categories) and the BRP extract per
        buurt (empty unless ``brp``).
    """
    from pipeline.ingest import demo, demo_herschaling
    from pipeline.ingest.gemeentebevolking import (
        lege_bs_tabel,
        parse_03759ned,
        parse_03759ned_burgerlijke_staat,
    )
    from pipeline.ingest.statline import lees_cbs_csv
    from pipeline.model import brp_aanvulling

    brp_parts, gem_parts, bs_parts = [], [], [lege_bs_tabel()]
    gemeenten = regios.loc[regios["niveau"] == "gemeente", "code"].tolist()
    if bron == "brp":
        for path, _, gms in files:
            brp = pd.read_csv(path, dtype={"buurtcode": str, "gemeentecode": str})
            brp["leeftijd_tot"] = brp["leeftijd_tot"].astype("Int64")
            for gm in gms:
                # The sum of the extract's buurten; with 'schatten' plus the estimated
                # buurten it misses.
                gem_parts.append(
                    brp_aanvulling.gemeente_from_brp(
                        brp,
                        regios[regios["gemeentecode"] == gm],
                        ontbrekende_buurten,
                        gemeente=gm,
                        jaar=jaar,
                    )
                )
            brp_parts.append(brp)
    elif not files and bron == "demo":
        gem_parts.append(demo_template_for(regios, jaar))
        bs_parts.append(demo_herschaling.marital_split(gem_parts[0]))
    for path, dim_path, gms in files if bron != "brp" else ():
        rows = lees_cbs_csv(Path(path))
        dim = pd.read_csv(dim_path, dtype=str, keep_default_na=False) if dim_path else None
        dim = dim if dim is not None and len(dim) else None
        name = Path(path).name
        gem = parse_03759ned(rows, dim, jaar, list(gms), bron=name)
        if bron == "demo" and not set(gms) & set(demo.DEMO_GEMEENTEN):
            # A real gemeente from the demo rows: real KWB bands, fictional structure.
            gem = demo_herschaling.rescale_to_kwb(gem, regios[regios["gemeentecode"].isin(gms)])
            bs_parts.append(demo_herschaling.marital_split(gem))
        else:
            bs_parts.append(parse_03759ned_burgerlijke_staat(rows, dim, jaar, list(gms), bron=name))
        gem_parts.append(gem)
    gem = pd.concat(gem_parts, ignore_index=True)
    require_gemeenten(gemeenten, gem["gemeentecode"], *_ONTBREKEND["bevolking"])
    brp = (
        pd.concat(brp_parts, ignore_index=True)
        if brp_parts
        else pd.DataFrame(
            columns=["buurtcode", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
        )
    )
    bs = pd.concat([p for p in bs_parts if len(p)] or bs_parts[:1], ignore_index=True)
    return gem, bs, brp


def demo_template_for(regios: pd.DataFrame, jaar: int) -> pd.DataFrame:
    """The demo population of every gemeente in ``regios`` without a file (fictief).

    The demo gemeente itself keeps the template; a real gemeente gets the template within
    its real KWB bands (:func:`pipeline.ingest.demo_herschaling.rescale_to_kwb_all`).
    """
    from pipeline.ingest import demo, demo_herschaling

    template = demo_template(jaar)
    gm = regios[regios["niveau"] == "gemeente"]
    eigen = gm["code"].isin(demo.DEMO_GEMEENTEN)
    parts = [template[template["gemeentecode"].isin(gm.loc[eigen, "code"])]]
    if (~eigen).any():
        echte = regios[regios["gemeentecode"].isin(gm.loc[~eigen, "code"])]
        parts.append(demo_herschaling.rescale_to_kwb_all(template, echte))
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------ forecast


def demo_forecast_template(jaar: int, horizon: Sequence[int]) -> pd.DataFrame:
    """The demo forecast as a fetched demo file is read (Primos layout, parsed once).

    The fetch stores :func:`pipeline.ingest.demo.prognose_primos` as CSV and the build
    reads it with :func:`pipeline.ingest.primos.read_primos`; the same round trip is done
    here through a temporary file so the parsed numbers are identical.

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


def read_forecast(
    bron: str,
    files: Sequence[Bestand],
    base: pd.DataFrame,
    jaar: int,
    horizon: Sequence[int],
) -> tuple[
    pd.DataFrame,
    dict[str, str],
    dict[str, tuple[str, str | None]],
    dict[str, tuple[float, float]],
]:
    """Gemeente forecasts by age and sex for the horizon years, every gemeente of the batch.

    Parameters
    ----------
    bron
        ``bronnen.prognose.type``: ``primos``, ``demo`` (the demo's growth on each
        gemeente's base year, fictief), ``cbs`` or ``lokaal`` (85171NED and its kin).
    files
        Forecast files with their gemeenten, in order of preference: a gemeente comes from
        the first file that has it (85171NED, 88 gemeenten, then 85173NED covers the
        country). Empty for a generated demo.
    base
        Tidy base-year population of the batch (:func:`read_population`).
    jaar
        Base year.
    horizon
        Horizon years.

    Returns
    -------
    tuple
        The forecast of all gemeenten (:func:`pipeline.model.forecast.gemeente_forecast`:
        totals are expanded with each gemeente's own age structure), the method per
        gemeente, per gemeente its file and table id (CBS/PBL tables only), and per
        gemeente whose totals were scaled to the counted base year the forecast's own
        base-year total and the counted one.
    """
    from pipeline.ingest import demo, demo_herschaling
    from pipeline.ingest.primos import read_primos
    from pipeline.ingest.prognose import parse_85171ned, prognose_tabel, verdeel_prognosebestanden
    from pipeline.ingest.statline import lees_cbs_csv
    from pipeline.model import forecast

    gemeenten = list(dict.fromkeys(base["gemeentecode"]))
    parts, herkomst = [], {}
    if bron in ("primos", "demo"):
        for path, gms in files:
            fc = read_primos(Path(path), list(gms))
            if bron == "demo" and not set(gms) & set(demo.DEMO_GEMEENTEN):
                # A real gemeente: the demo's growth per class on its own base year.
                own = base[base["gemeentecode"].isin(gms)]
                fc = demo_herschaling.apply_demo_growth(fc, own, jaar)
            parts.append(fc)
        if bron == "demo" and not files:
            template = demo_forecast_template(jaar, horizon)
            eigen = [gm for gm in gemeenten if gm in demo.DEMO_GEMEENTEN]
            echte = [gm for gm in gemeenten if gm not in demo.DEMO_GEMEENTEN]
            parts.append(template[template["gemeentecode"].isin(eigen)])
            if echte:
                own = base[base["gemeentecode"].isin(echte)]
                parts.append(demo_herschaling.apply_demo_growth_all(template, own, jaar))
    else:
        tabellen = {path: lees_cbs_csv(Path(path)) for path, _ in files}
        wanted = [gm for _, gms in files for gm in gms]
        for path, gms in verdeel_prognosebestanden(tabellen, list(dict.fromkeys(wanted))).items():
            parts.append(parse_85171ned(tabellen[path], gemeenten=gms, bron=Path(path).name))
            herkomst.update(dict.fromkeys(gms, (path, prognose_tabel(tabellen[path].columns))))
    tidy = pd.concat(parts, ignore_index=True)
    require_gemeenten(gemeenten, tidy["gemeentecode"], *_ONTBREKEND["prognose"])
    bases = dict(tuple(base.groupby("gemeentecode", sort=False)))
    tables, methods, aansluiting = [], {}, {}
    for gm, fc_gm in tidy.groupby("gemeentecode", sort=False):
        table, methods[gm] = forecast.gemeente_forecast(fc_gm, bases[gm], jaar, list(horizon))
        if table.attrs.get("aansluiting"):
            aansluiting[gm] = table.attrs["aansluiting"]
        table.attrs = {}
        tables.append(table)
    return pd.concat(tables, ignore_index=True), methods, herkomst, aansluiting


# ---------------------------------------------------------------------- loneliness


def read_loneliness(files: Sequence[Bestand]) -> pd.DataFrame:
    """RIVM loneliness per region code of the batch (no rows for source 'geen').

    Parameters
    ----------
    files
        Raw 50120NED/50150NED files with their gemeenten (empty, or empty files, for
        source 'geen').

    Returns
    -------
    pandas.DataFrame
        ``code, niveau, jaar, *_pct`` of every gemeente.

    Raises
    ------
    WijkscanError
        When gemeenten are missing from a file (listed, with the fix).
    """
    from pipeline.ingest.gezondheidsmonitor import parse_gezondheidsmonitor
    from pipeline.ingest.statline import lees_cbs_csv

    parts = [pd.DataFrame(columns=["code", "niveau", "jaar", "eenzaam_pct"])]
    for path, gemeenten in files:
        rows = lees_cbs_csv(Path(path))
        if rows.empty:
            # Source 'geen': no figures; the report says so instead of showing zeros.
            continue
        name = Path(path).name
        if len(gemeenten) == 1:
            parts.append(parse_gezondheidsmonitor(rows, gemeenten[0], bron=name))
            continue
        if "WijkenEnBuurten" not in rows.columns:
            raise WijkscanError(
                f"Kolom 'WijkenEnBuurten' ontbreekt in {name}.",
                waar=f"bronnen.gezondheidsmonitor.pad: kolommen {', '.join(map(str, rows.columns))}",
                oplossing="Gebruik de StatLine-export 'onbewerkte dataset' van 50150NED of 50120NED.",
            )
        num = rows["WijkenEnBuurten"].astype(str).str.strip().str[2:6]
        require_gemeenten(
            gemeenten,
            ("GM" + num).unique(),
            f"{{n}} gemeente(n) ontbreken in {name}: {{codes}}",
            waar="bronnen.gezondheidsmonitor.pad",
            oplossing="Gebruik de landelijke CSV van de tabel, of zet de bron op 'geen'.",
        )
        for gm in gemeenten:
            parts.append(parse_gezondheidsmonitor(rows[num == gm[2:]], gm, bron=name))
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts[1:], ignore_index=True)

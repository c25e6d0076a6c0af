"""Indicators for every buurt in the Netherlands in one pass (pure functions).

By default the workflow computes one gemeente at a time: about twelve small jobs per
gemeente, each (outside thread mode) a separate Python process, and each reading the
national source files again. With ``berekening: in_een_keer`` the rules in
``pipeline/workflow/rules/national.smk`` call this module instead: the same published tables for
all gemeenten at once, from the same sources and with the same domain functions:

1. :func:`pipeline.ingest.kwb.normalize_all` - the national KWB table into the tidy ``regios``
   layout (the same function the per-gemeente rule calls on one gemeente's rows);
2. :func:`geometry_per_gemeente` - one read of the national buurt polygons, split and
   checked per gemeente as ``prepare_geometry`` does;
3. :func:`population_all` - the gemeente population by age and sex: a national 03759ned
   file, or the offline demo structure (:func:`demo_population`, with
   :func:`pipeline.ingest.demo_herschaling.rescale_to_kwb_all`, which the per-gemeente rule
   calls too);
4. :func:`forecast_all` - the gemeente forecasts (Primos, 85171NED or the demo growth);
5. :func:`compute_all` - :func:`pipeline.model.estimate.estimate_buurt_ages` and
   :func:`pipeline.model.project.project_buurten` once for all buurten (both vectorised across
   gemeenten), then :func:`pipeline.model.indicators.assemble` (several gemeenten at once),
   :func:`~pipeline.model.indicators.derive` and :func:`~pipeline.model.indicators.publish`.

The unit and e2e tests check that the rows of a gemeente equal those of the per-gemeente
rules. Without Snakemake: ``python -m pipeline.model.national --kwb <file>`` (demo ages).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest import kwb_lezen
from pipeline.ingest.kwb import normalize_all
from pipeline.model import indicators
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


# ---------------------------------------------------------------------- indicators


@dataclass
class NationalResult:
    """Everything the one-pass computation produces, for all gemeenten at once."""

    #: Published indicators (:func:`pipeline.model.indicators.publish`), per gemeente in order.
    indicatoren: pd.DataFrame
    #: Unrounded quantities (:func:`pipeline.model.indicators.assemble`), for regional sums.
    grootheden: pd.DataFrame
    #: IPF diagnostics of the buurt estimate.
    diagnostiek: dict[str, Any] | None
    #: Forecast method per gemeente (``leeftijdsdetail`` / ``totaal_met_cohortmodel``);
    #: empty without horizon.
    prognose_methode: dict[str, str]
    #: Seconds per step.
    seconden: dict[str, float] = field(default_factory=dict)


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


def compute_all(
    regios: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    prevalentie: pd.DataFrame,
    registry: dict[str, Any],
    s: indicators.Settings,
    *,
    forecast: pd.DataFrame | None = None,
    prognose_methode: dict[str, str] | None = None,
    eenzaamheid: pd.DataFrame | None = None,
    schatting: dict[str, Any] | None = None,
    gemeente_bs: pd.DataFrame | None = None,
) -> NationalResult:
    """Published indicators for every region of every gemeente, in one pass.

    The same domain functions as the per-gemeente rules, called once on all buurten:
    :func:`pipeline.model.estimate.estimate_buurt_ages` (vectorised across gemeenten),
    :func:`pipeline.model.project.project_buurten`, :func:`pipeline.model.indicators.assemble`
    (several gemeenten), :func:`~pipeline.model.indicators.derive` and
    :func:`~pipeline.model.indicators.publish`.

    Parameters
    ----------
    regios
        Tidy KWB table of all gemeenten (:func:`pipeline.ingest.kwb.normalize_all`).
    gemeente_pop
        Tidy base-year population by age and sex with ``gemeentecode``
        (:func:`population_all`).
    prevalentie
        Dementia prevalence rates.
    registry
        Indicator registry.
    s
        Settings.
    forecast
        Gemeente forecast for the horizon years (:func:`forecast_all`), or None for the
        base year only.
    prognose_methode
        Method label of ``forecast`` per gemeente.
    eenzaamheid
        RIVM loneliness per region code (:func:`loneliness_all`), or None.
    schatting
        The config section ``schatting`` (draws for the intervals), or None for none.
        Draws are made per gemeente with :func:`pipeline.model.intervals.zaad_voor`, so a
        gemeente gets the same intervals as in its own per-gemeente build.
    gemeente_bs
        Joint age x sex x burgerlijke staat per gemeente (:func:`population_bs_all`), or
        None.

    Returns
    -------
    NationalResult
        Indicators, quantities, diagnostics and timings.
    """
    from pipeline.model import estimate, intervals, project

    t = time.perf_counter()
    steps: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps[name] = round(now - t, 3)
        t = now

    buurten = regios[regios["niveau"] == "buurt"]
    base = estimate.estimate_buurt_ages(buurten, gemeente_pop, gemeente_bs=gemeente_bs)
    diag = base.attrs.get("diagnostiek")
    base = base.copy()
    base.attrs = {}
    lap("schatting")
    bev_gem = gemeente_pop
    if forecast is not None and len(forecast):
        years = sorted(set(forecast["jaar"].astype(int)) - {s.basisjaar})
        bev_buurt = project.project_buurten(base, forecast, s.basisjaar, years)
        bev_buurt.attrs = {}
        bev_gem = pd.concat([gemeente_pop, forecast], ignore_index=True)
    else:
        bev_buurt = base.assign(jaar=s.basisjaar)
        prognose_methode = {}
    lap("projectie")
    q = indicators.assemble(regios, bev_buurt, bev_gem, eenzaamheid, prevalentie, s)
    lap("grootheden")
    derived = indicators.derive(q, s)
    table = indicators.publish(derived, registry, s)
    lap("publiceren")
    if schatting and int(schatting["trekkingen"]) > 0:
        per_draw = []
        for gm, b in buurten.groupby("gemeentecode", sort=True):
            _, draws = estimate.estimate_with_draws(
                b,
                gemeente_pop[gemeente_pop["gemeentecode"] == gm],
                gemeente_bs=None
                if gemeente_bs is None
                else gemeente_bs[gemeente_bs["gemeentecode"] == gm],
                trekkingen=int(schatting["trekkingen"]),
                spreiding=float(schatting["spreiding"]),
                rng_seed=intervals.zaad_voor(int(schatting["zaad"]), str(gm)),
            )
            if draws is not None:
                per_draw.append(
                    intervals.draw_indicators(draws, q[q["gemeentecode"] == gm], prevalentie, s)
                )
        if per_draw:
            table = intervals.attach_intervals(
                table,
                derived,
                pd.concat(per_draw, ignore_index=True),
                registry,
                s,
                intervals.NIVEAU,
            )
        lap("intervallen")
    marges = diag.marges if hasattr(diag, "marges") else {}
    table["marges"] = intervals.marges_column(table["code"], marges, "ipf")
    return NationalResult(
        indicatoren=table,
        grootheden=q,
        diagnostiek=diag.as_dict() if hasattr(diag, "as_dict") else diag,
        prognose_methode=dict(prognose_methode or {}),
        seconden=steps,
    )


def national_indicators(
    raw_kwb: pd.DataFrame,
    gemeente_pop: pd.DataFrame | None,
    prevalentie: pd.DataFrame,
    registry: dict[str, Any],
    s: indicators.Settings,
    *,
    forecast: pd.DataFrame | None = None,
    horizon: Sequence[int] = (),
    eenzaamheid: pd.DataFrame | None = None,
    source: str = "KWB",
) -> pd.DataFrame:
    """Published indicators of all gemeenten from a raw national KWB table (one pass).

    Parameters
    ----------
    raw_kwb
        National raw KWB table (StatLine "onbewerkte dataset").
    gemeente_pop
        Tidy base-year population of every gemeente; None for the offline demo structure
        (:func:`demo_population`, marked fictief elsewhere).
    prevalentie
        Dementia prevalence rates.
    registry
        Indicator registry.
    s
        Settings.
    forecast
        Tidy gemeente forecast for the horizon years; None with a horizon means the demo
        growth (:func:`demo_forecast`).
    horizon
        Horizon years; empty for the base year only.
    eenzaamheid
        RIVM loneliness per region code, or None.
    source
        Name of the KWB file for messages.

    Returns
    -------
    pandas.DataFrame
        The published table of all gemeenten; ``attrs`` holds ``diagnostiek`` (IPF) and
        ``seconden`` (time per step).
    """
    t0 = time.perf_counter()
    regios = normalize_all(raw_kwb, source)
    t1 = time.perf_counter()
    if gemeente_pop is None:
        gemeente_pop = demo_population(regios, s.basisjaar)
    years = sorted({int(h) for h in horizon} - {s.basisjaar})
    methode = None
    if years and forecast is None:
        forecast, methode = forecast_all("demo", gemeente_pop, s.basisjaar, years)
    t2 = time.perf_counter()
    res = compute_all(
        regios,
        gemeente_pop,
        prevalentie,
        registry,
        s,
        forecast=forecast if years else None,
        prognose_methode=methode,
        eenzaamheid=eenzaamheid,
    )
    table = res.indicatoren
    table.attrs["diagnostiek"] = res.diagnostiek
    table.attrs["seconden"] = {
        "kwb": round(t1 - t0, 3),
        "bevolking": round(t2 - t1, 3),
        **res.seconden,
    }
    return table


# -------------------------------------------------------------------- command line


def load_config(path: Path | None = None) -> dict[str, Any]:
    """Read and validate a wijkscan configuration with all defaults filled in.

    Parameters
    ----------
    path
        YAML file; default ``config/config.yaml`` of this checkout.

    Returns
    -------
    dict
        The configuration as the Snakefile sees it after ``validate``.

    Raises
    ------
    WijkscanError
        When the file is missing or no valid YAML, or the configuration is invalid (Dutch
        message with the key path).
    """
    from pipeline.workflow import config as wcfg

    return wcfg.load_config(path or Path(__file__).resolve().parents[2] / "config" / "config.yaml")


def main(argv: list[str] | None = None) -> int:
    """Command line: national indicators from a local KWB file (offline demo population).

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code.
    """
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.model.national",
        description="Indicatoren voor alle buurten van Nederland in één keer (KWB lokaal; "
        "leeftijdsopbouw en prognose 'demo' = FICTIEF).",
    )
    parser.add_argument("--kwb", type=Path, required=True, help="KWB-bestand (StatLine-CSV)")
    parser.add_argument("--uit", type=Path, help="schrijf de tabel als Parquet")
    parser.add_argument(
        "--configfile", type=Path, help="configuratie (standaard: config/config.yaml)"
    )
    parser.add_argument(
        "--horizon", action="store_true", help="ook de horizonjaren uit de configuratie"
    )
    args = parser.parse_args(argv)

    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.model import registry as reg

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        repo = Path(__file__).resolve().parents[2]
        cfg = load_config(args.configfile)
        t0 = time.perf_counter()
        raw = kwb_lezen.read_kwb(args.kwb)
        prev_path = Path(cfg["indicatoren"]["dementie_prevalentie"])
        prev = read_prevalentie(prev_path if prev_path.is_absolute() else repo / prev_path)
        prev_bron = cfg["indicatoren"]["dementie_bron"]
        table = national_indicators(
            raw,
            None,
            prev,
            reg.registry_from_config(cfg, prev_bron),
            indicators.settings_from_config(cfg),
            horizon=cfg["horizon"] if args.horizon else (),
            source=args.kwb.name,
        )
        if args.uit:
            args.uit.parent.mkdir(parents=True, exist_ok=True)
            table.to_parquet(args.uit, index=False)
    except WijkscanError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    n = table.groupby("niveau")["code"].nunique()
    print(
        f"{n.get('gemeente', 0)} gemeenten, {n.get('wijk', 0)} wijken, {n.get('buurt', 0)} "
        f"buurten, {table['jaar'].nunique()} jaar; {len(table)} rijen in "
        f"{time.perf_counter() - t0:.1f} s (stappen: {table.attrs['seconden']})."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

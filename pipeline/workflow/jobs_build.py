"""Build steps per gemeente (``rules/process.smk``): ``data/raw/`` into ``data/processed/``.

Tidy and check the raw tables, estimate and project the buurt population, compute the
indicators with their provenance and write the exports; and the reference rows of
Nederland and of a region.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from pipeline.workflow.steps import step

log = logging.getLogger("wijkscan")


@step
def prepare_regions(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy, validated region table (gemeente, wijken, buurten) from raw KWB rows."""
    from pipeline import schemas
    from pipeline.ingest import kwb, kwb_lezen
    from pipeline.io import write_parquet

    raw = kwb_lezen.read_kwb(Path(input.kwb))
    regios = kwb.normalize_kwb(raw, wildcards.gemeente, Path(input.kwb).name)
    regios = merge_aanvulling(regios, input, params)
    schemas.validate(regios, schemas.REGIOS, input.kwb)
    write_parquet(regios, output.regios)
    log.info("%d regio's (%d buurten)", len(regios), int((regios.niveau == "buurt").sum()))


def merge_aanvulling(regios: Any, input: Any, params: Any) -> Any:
    """Add the adjacent KWB year's burgerlijke staat (bronnen.kwb_aanvulling), if any."""
    import pandas as pd

    from pipeline.ingest import kwb, kwb_lezen

    aux_files = getattr(input, "aanvulling", [])
    aux_files = [aux_files] if isinstance(aux_files, str) else list(aux_files)
    if not aux_files:
        return regios
    source = Path(aux_files[0])
    aux_raw = kwb_lezen.read_kwb(source)
    present = set(kwb.gemeente_codes(aux_raw))
    # The fetch leaves an empty table when the gemeente did not exist that year.
    aux = (
        kwb.normalize_all(aux_raw[_gemeente_rows(aux_raw, present)], source.name, required=False)
        if present
        else pd.DataFrame()
    )
    regios, info = kwb.merge_aanvulling(regios, aux, params.aanvulling_jaar)
    log.info(
        "Herkomst aanvulling burgerlijke staat: KWB %s (%s); %d van %d buurten gekoppeld "
        "(zelfde buurtcode in beide jaren, gemeente bestond); aantallen niet geschaald.",
        info.jaar,
        params.aanvulling_herkomst,
        info.gekoppeld,
        info.buurten,
    )
    if info.waarschuwing:
        log.warning("%s", info.waarschuwing)
    return regios


def _gemeente_rows(raw: Any, gemeenten: set[str]) -> Any:
    """Rows of ``raw`` that belong to one of ``gemeenten`` (GM, WK and BU rows)."""
    from pipeline.present import fmt

    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    return codes.str.match(r"^(GM|WK|BU)") & fmt.gemeente_van(codes).isin(gemeenten)


@step
def prepare_geometry(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt geometry matched against the data's buurt codes (policy from config)."""
    import pandas as pd

    from pipeline.ingest import geometry
    from pipeline.io import atomic_path, write_json

    regios = pd.read_parquet(input.regios)
    gdf, hersteld = geometry.repair(geometry.read_buurten(Path(input.gpkg), wildcards.gemeente))
    data_codes = regios.loc[regios.niveau == "buurt", "code"]
    match = geometry.match_codes(data_codes, gdf["code"])
    warnings = geometry.check_codes(match, params.jaar, params.controle, Path(input.gpkg).name)
    warnings += geometry.repair_warning(hersteld)
    names = regios.set_index("code")["naam"]
    # Names come from the data table: the geometry's names can lag a renaming.
    gdf["naam"] = gdf["code"].map(names).fillna(gdf["naam"])
    with atomic_path(output.gpkg) as tmp:
        gdf.to_file(tmp, layer="buurten", driver="GPKG")
    write_json(
        {
            "ontbreekt_in_geometrie": match.only_in_data,
            "ontbreekt_in_data": match.only_in_geometry,
            "waarschuwingen": warnings,
        },
        output.controle,
    )


@step
def prepare_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy gemeente population by age and sex for the base year (and the BRP per buurt)."""
    import pandas as pd

    from pipeline import schemas
    from pipeline.ingest import demo, demo_herschaling
    from pipeline.ingest.gemeentebevolking import (
        lege_bs_tabel,
        parse_03759ned,
        parse_03759ned_burgerlijke_staat,
    )
    from pipeline.ingest.statline import lees_cbs_csv
    from pipeline.io import write_parquet
    from pipeline.model import brp_aanvulling

    gemeente, jaar = wildcards.gemeente, int(params.jaar)
    # Joint age x sex x burgerlijke staat; empty when the source has no categories.
    bs = lege_bs_tabel()
    if params.bron == "brp":
        brp = pd.read_csv(input.csv, dtype={"buurtcode": str, "gemeentecode": str})
        brp["leeftijd_tot"] = brp["leeftijd_tot"].astype("Int64")
        # The sum of the extract's buurten; with ontbrekende_buurten 'schatten' plus the
        # estimated buurten it misses.
        gem = brp_aanvulling.gemeente_from_brp(
            brp,
            pd.read_parquet(input.regios),
            params.ontbrekende_buurten,
            gemeente=gemeente,
            jaar=jaar,
        )
    else:
        rows = lees_cbs_csv(Path(input.csv))
        dim = pd.read_csv(input.dim, dtype=str, keep_default_na=False)
        leeftijd_dim = dim if len(dim) else None
        gem = parse_03759ned(rows, leeftijd_dim, jaar, [gemeente], bron=Path(input.csv).name)
        if params.bron == "demo" and gemeente not in demo.DEMO_GEMEENTEN:
            gem = demo_herschaling.rescale_to_kwb(gem, pd.read_parquet(input.regios))
            # FICTIEF like the rescaled ages: the demo shares per sex x age.
            bs = demo_herschaling.marital_split(gem)
        else:
            bs = parse_03759ned_burgerlijke_staat(
                rows, leeftijd_dim, jaar, [gemeente], bron=Path(input.csv).name
            )
        brp = pd.DataFrame(
            columns=["buurtcode", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
        )
    schemas.validate(gem, schemas.BEVOLKING, input.csv)
    write_parquet(gem, output.gemeente)
    write_parquet(brp, output.brp)
    write_parquet(bs, output.burgerlijke_staat)
    log.info("burgerlijke staat %s: %d regels", gemeente, len(bs))


@step
def prepare_forecast(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy gemeente forecast by age and sex for the horizon years."""
    import pandas as pd

    from pipeline.ingest import demo, demo_herschaling
    from pipeline.io import write_json, write_parquet
    from pipeline.model import forecast

    gemeente = wildcards.gemeente
    if params.bron in ("primos", "demo"):
        from pipeline.ingest.primos import read_primos

        fc = read_primos(Path(input.csv), [gemeente])
        if params.bron == "demo" and gemeente not in demo.DEMO_GEMEENTEN:
            fc = demo_herschaling.apply_demo_growth(
                fc, pd.read_parquet(input.bevolking), int(params.jaar)
            )
    else:
        from pipeline.ingest.prognose import parse_85171ned
        from pipeline.ingest.statline import lees_cbs_csv

        fc = parse_85171ned(
            lees_cbs_csv(Path(input.csv)), gemeenten=[gemeente], bron=Path(input.csv).name
        )
    base = pd.read_parquet(input.bevolking)
    table, method = forecast.gemeente_forecast(fc, base, int(params.jaar), list(params.horizon))
    write_parquet(table, output.prognose)
    meta = {"methode": method, "bron": params.bron}
    if params.bron in ("cbs", "lokaal"):
        from pipeline.ingest.prognose import prognose_tabel

        # The online fallback (85173NED) or a list of local files may have picked another
        # table than cbs.prognose_tabel: provenance names the one really used.
        tabel = prognose_tabel(lees_cbs_csv(Path(input.csv)).columns)
        if tabel:
            meta["tabel"] = tabel
    write_json(meta, output.methode)
    log.info("prognose %s: %s", gemeente, method)


@step
def prepare_loneliness(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy RIVM loneliness estimates per region code (newest survey year)."""
    import pandas as pd

    from pipeline.ingest.gezondheidsmonitor import parse_gezondheidsmonitor
    from pipeline.ingest.statline import lees_cbs_csv
    from pipeline.io import write_parquet

    rows = lees_cbs_csv(Path(input.csv))
    if rows.empty:
        # Source 'geen': no loneliness figures; the report says so instead of showing zeros.
        table = pd.DataFrame(columns=["code", "niveau", "jaar", "eenzaam_pct"])
    else:
        table = parse_gezondheidsmonitor(rows, wildcards.gemeente, bron=Path(input.csv).name)
    write_parquet(table, output.eenzaamheid)


@step
def estimate_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt population by 5-year band and sex: IPF estimate from KWB + gemeente, or the BRP."""
    import pandas as pd

    from pipeline.io import write_json, write_parquet
    from pipeline.model import brp_aanvulling, estimate, intervals

    regios = pd.read_parquet(input.regios)
    buurten = regios[regios["niveau"] == "buurt"]
    brp = pd.read_parquet(input.brp)
    sch = params.schatting
    draws = None
    if len(brp):
        # Buurten the extract misses: an error, or estimated (with draws) on request.
        result, draws = brp_aanvulling.brp_with_estimates(
            brp,
            buurten,
            params.ontbrekende_buurten,
            trekkingen=int(sch["trekkingen"]),
            spreiding=float(sch["spreiding"]),
            rng_seed=intervals.zaad_voor(int(sch["zaad"]), wildcards.gemeente),
        )
        method = "brp"
    else:
        result, draws = estimate.estimate_with_draws(
            buurten,
            pd.read_parquet(input.gemeente),
            gemeente_bs=pd.read_parquet(input.gemeente_bs),
            trekkingen=int(sch["trekkingen"]),
            spreiding=float(sch["spreiding"]),
            rng_seed=intervals.zaad_voor(int(sch["zaad"]), wildcards.gemeente),
        )
        method = "ipf"
    diag = result.attrs.get("diagnostiek")
    if hasattr(diag, "as_dict"):
        diag = diag.as_dict()
    result = result.copy()
    result.attrs = {}
    result["jaar"] = int(params.jaar)
    if draws is None:
        # A complete BRP extract is a count, not an estimate: no draws, no interval.
        draws = result.iloc[0:0].drop(columns=["geschat", "jaar"]).assign(trekking=0)
    write_parquet(result, output.bevolking)
    write_parquet(draws, output.trekkingen)
    write_json({"methode": method, "diagnostiek": diag}, output.diagnostiek)
    log.info("schatting %s: %s %s", wildcards.gemeente, method, diag)


@step
def project_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt population in the horizon years, summing to the gemeente forecast."""
    import pandas as pd

    from pipeline.io import write_parquet
    from pipeline.model import project

    base = pd.read_parquet(input.bevolking).drop(columns=["jaar"])
    fc = pd.read_parquet(input.prognose)
    out = project.project_buurten(base, fc, int(params.jaar), list(params.horizon))
    diag = out.attrs.get("diagnostiek")
    out = out.copy()
    out.attrs = {}
    write_parquet(out, output.bevolking)
    log.info("projectie %s: %s", wildcards.gemeente, diag)


@step
def compute_indicators(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published indicator table, unrounded quantities and provenance of one gemeente."""
    import json

    import pandas as pd

    from pipeline import schemas
    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.io import write_json, write_parquet
    from pipeline.model import brp_aanvulling, indicators, intervals, provenance, registry

    cfg = params.config
    s = indicators.settings_from_config(cfg)
    regios = pd.read_parquet(input.regios)
    bev_buurt = pd.read_parquet(input.bevolking)
    bev_gem = pd.concat(
        [pd.read_parquet(input.gemeente), pd.read_parquet(input.prognose)], ignore_index=True
    )
    eenzaam = pd.read_parquet(input.eenzaamheid)
    prev = read_prevalentie(Path(input.prevalentie))
    prev_bron = params.prevalentie_bron
    reg = registry.registry_from_config(cfg, prev_bron)
    q = indicators.assemble(regios, bev_buurt, bev_gem, eenzaam, prev, s)
    derived = indicators.derive(q, s)
    table = indicators.publish(derived, reg, s)
    schatting = json.loads(Path(input.schatting).read_text(encoding="utf-8"))
    draws = pd.read_parquet(input.trekkingen)
    if len(draws):
        per_draw = intervals.draw_indicators(draws, q, prev, s)
        table = intervals.attach_intervals(table, derived, per_draw, reg, s, intervals.NIVEAU)
    marges = (schatting.get("diagnostiek") or {}).get("marges", {}) or {}
    table["marges"] = intervals.marges_column(table["code"], marges, schatting["methode"])
    table["marges"] = brp_aanvulling.mark_estimated(
        table["marges"], table["code"], schatting.get("diagnostiek")
    )
    schemas.validate(table, schemas.indicator_schema(reg), "compute_indicators")
    controle = json.loads(Path(input.controle).read_text(encoding="utf-8"))
    methode = json.loads(Path(input.methode).read_text(encoding="utf-8"))
    warnings = provenance.report_warnings(
        controle.get("waarschuwingen", []), methode.get("methode")
    ) + intervals.marges_waarschuwingen(marges if schatting["methode"] == "ipf" else {})
    naam = str(regios.loc[regios["niveau"] == "gemeente", "naam"].iloc[0])
    meta = provenance.build_meta(
        wildcards.gemeente,
        naam,
        cfg,
        dict(params.raw_files),
        dict(params.table_ids),
        warnings,
        prev_bron,
    )
    meta["prognose_methode"] = methode.get("methode")
    provenance.set_table(meta, "prognose", methode.get("tabel"))
    meta["dementie_landelijk"] = national_dementia(input.landelijk)
    meta["buurtsignaal"] = intervals.bepaal_buurtsignaal(reg, schatting["methode"], marges)
    provenance.add_brp_estimates(meta, schatting.get("diagnostiek"))
    write_parquet(q, output.grootheden)
    write_parquet(table, output.indicatoren)
    write_json(meta, output.meta)
    write_json(published_registry(cfg, meta), output.register)
    print_progress(wildcards.gemeente, naam, table, s.basisjaar, bool(meta["fictief"]))


def published_registry(config: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The registry written beside a gemeente's table (``register.json``), as JSON.

    Built with the tables the gemeente's data really came from (its ``bronnen.json``), so
    every product of that gemeente names the same source for a number.
    """
    from pipeline.model import provenance, registry

    reg = registry.registry_from_config(
        config, meta.get("prevalentie_bron", ""), provenance.tables(meta)
    )
    return registry.registry_to_json(reg)


def national_dementia(path: str) -> list[dict[str, str]]:
    """Published national dementia totals (config CSV) for bronnen.json, as strings."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def print_progress(gemeente: str, naam: str, table: Any, basisjaar: int, fictief: bool) -> None:
    """One line per gemeente in the Snakemake output, so long runs show what is done."""
    from pipeline.present import fmt

    base = table[(table["jaar"] == basisjaar) & (table["niveau"] == "gemeente")].iloc[0]
    n_buurten = int(((table["jaar"] == basisjaar) & (table["niveau"] == "buurt")).sum())
    print(
        f"wijkscan {gemeente} {naam}: {n_buurten} buurten, "
        f"{fmt.getal(base['inwoners'])} inwoners, indicatoren klaar"
        + (" (FICTIEF)" if fictief else ""),
        file=sys.stderr,
    )


@step
def export_indicators(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """CSV, XLSX and GeoPackage exports of the published indicators."""
    _export(
        input.indicatoren,
        input.meta,
        input.register,
        input.buurten,
        int(params.jaar),
        output.csv,
        output.xlsx,
        output.gpkg,
    )


def _export(
    indicatoren: str,
    meta: str,
    register: str,
    buurten: str,
    jaar: int,
    csv: str,
    xlsx: str,
    gpkg: str,
) -> None:
    import json

    import geopandas as gpd
    import pandas as pd

    from pipeline.model import registry

    table = pd.read_parquet(indicatoren)
    meta_d = json.loads(Path(meta).read_text(encoding="utf-8"))
    reg = registry.read_registry(register)
    geo = gpd.read_file(buurten, layer="buurten")
    write_exports(table, meta_d, geo, reg, jaar, csv, xlsx, gpkg)


def write_exports(
    table: Any, meta: dict, geo: Any, reg: dict, jaar: int, csv: str, xlsx: str, gpkg: str
) -> None:
    from pipeline.present import export

    export.write_csv(table, Path(csv))
    export.write_xlsx(table, reg, meta, Path(xlsx))
    export.write_gpkg(table, geo, reg, jaar, Path(gpkg))


@step
def prepare_reference_nl(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published national reference row (KWB-based) for the report."""
    from pipeline.ingest import kwb_lezen
    from pipeline.io import write_parquet
    from pipeline.model import indicators, reference, registry

    cfg = params.config
    raw = kwb_lezen.read_kwb(Path(input.kwb))
    q = reference.national_quantities(raw, int(cfg["jaar"]), Path(input.kwb).name)
    if q["reden"].iloc[0]:
        # No national figure beats a wrong one (a file with only Duiven is not Nederland).
        log.warning(
            "Geen landelijke vergelijkingscijfers: %s. Het rapport toont bij 'Nederland' "
            "een streepje. Oplossing: gebruik een landelijk KWB-bestand (met de rij NL01 "
            "of alle gemeenten) als bronnen.kwb.pad.",
            q["reden"].iloc[0],
        )
    s = indicators.settings_from_config(cfg)
    reg = registry.registry_from_config(cfg)
    write_parquet(reference.publish_reference(q, reg, s), output.referentie)


@step
def compute_region(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published region reference rows (sum of the member gemeenten) per year."""
    import pandas as pd

    from pipeline.io import write_parquet
    from pipeline.model import indicators, reference, registry

    cfg = params.config
    s = indicators.settings_from_config(cfg)
    q = reference.region_quantities([pd.read_parquet(p) for p in input.grootheden], params.naam)
    reg = registry.registry_from_config(cfg)
    write_parquet(reference.publish_reference(q, reg, s), output.referentie)

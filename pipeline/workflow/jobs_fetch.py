"""Fetch steps (``rules/fetch.smk``): raw source tables into the cache ``data/raw/``.

The only steps that use the network (CBS, PDOK); a local file of the user or the built-in
demo gemeente comes in through the same steps. Every raw table is written atomically and
kept once more where no rerun deletes it (:func:`store_raw`).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.workflow.steps import step

log = logging.getLogger("wijkscan")


#: Every raw file is also kept here. Snakemake deletes a job's old output before
#: re-running it, so without this copy a forced re-download during a CBS outage
#: would lose the last good file.
KEEP_DIR = ".bewaard"


def store_raw(df: Any, dest: Path, *, allow_empty: bool = False) -> None:
    """Write a raw table into the cache and keep a copy that no rerun deletes.

    Parameters
    ----------
    df
        Raw rows (already completely downloaded and parsed).
    dest
        Cache file, e.g. ``data/raw/cbs/kwb_85984NED_2024_GM0226.csv``.
    allow_empty
        Accept a table without rows (an optional dimension file, source 'geen').

    Raises
    ------
    WijkscanError
        For an empty table: a filter that matched nothing (unknown gemeente or year)
        must not end up in the cache as if it were data.
    """
    import shutil

    from pipeline.io import atomic_path

    if len(df) == 0 and not allow_empty:
        raise WijkscanError(
            f"De bron leverde geen enkele rij voor {dest.name}.",
            waar=str(dest),
            oplossing="Controleer gemeentecode en peiljaar in de configuratie; bestaat de gemeente "
            "in dat jaar (herindelingen) en bevat de tabel dat jaar?",
        )

    kept = dest.parent / KEEP_DIR / dest.name
    with atomic_path(kept) as tmp:
        df.to_csv(tmp, index=False)
    with atomic_path(dest) as tmp:
        shutil.copy2(kept, tmp)


def kept_copy(dest: Path) -> Path | None:
    """The last good version of a raw file, if there is one."""
    kept = dest.parent / KEEP_DIR / dest.name
    return kept if kept.is_file() else None


def _cbs_kwargs(cbs: dict[str, Any], third_party: bool = False) -> dict[str, Any]:
    return {
        "api_url": cbs["api_url"],
        "catalog_url": cbs["derden_url"] if third_party else None,
        "use_https": cbs["https"],
        "timeout": cbs["timeout"],
        "retries": cbs["pogingen"],
    }


@step
def fetch_kwb(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Raw KWB rows of one gemeente into the cache (CBS online, local file or demo)."""
    from pipeline.ingest import demo, kwb, kwb_lezen

    bron, gemeente = wildcards.bron, wildcards.gemeente
    if bron == "demo":
        raw = kwb.select_gemeente(demo.kwb_table(int(wildcards.jaar)), gemeente, "de demobron")
    elif bron == "lokaal":
        # StatLine CSV or CBS workbook (.xlsx or its CSV): read_kwb gives the OData layout.
        raw = kwb.select_gemeente(
            kwb_lezen.read_kwb(Path(input.lokaal[0])), gemeente, input.lokaal[0]
        )
    else:
        from pipeline.ingest import cbs

        raw = cbs.fetch_kwb(wildcards.tabel, gemeente, **_cbs_kwargs(params.cbs))
    kwb.check_required(
        raw.columns, input.lokaal[0] if bron == "lokaal" else f"CBS-tabel {wildcards.tabel}"
    )
    log.info("%d rijen voor %s uit %s", len(raw), gemeente, bron)
    store_raw(raw, Path(output.csv))


@step
def fetch_kwb_aanvulling(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Raw KWB rows of one gemeente from the auxiliary (adjacent) year, for burgerlijke staat.

    A gemeente that did not exist in that year is not an error: the cache gets an empty
    table and the buurten simply get no auxiliary figures.
    """
    import pandas as pd

    from pipeline.ingest import kwb, kwb_lezen

    bron, gemeente, jaar = wildcards.bron, wildcards.gemeente, wildcards.jaar
    if bron == "lokaal":
        herkomst = f"bestand {input.lokaal[0]}"
        raw = kwb_lezen.read_kwb(Path(input.lokaal[0]))
    else:
        from pipeline.ingest import cbs

        herkomst = f"CBS-tabel {wildcards.tabel}"
        raw = cbs.fetch_table(
            wildcards.tabel, filters=cbs.kwb_filter([gemeente]), **_cbs_kwargs(params.cbs)
        )
    prefixes = ("Ongehuwd", "Gehuwd", "Gescheiden", "Verweduwd")
    missing = [p for p in prefixes if kwb.find_column(raw.columns, p) is None]
    # An empty online answer (gemeente unknown that year) has no columns to check.
    if missing and len(raw):
        raise WijkscanError(
            f"Het aanvullende KWB-jaar {jaar} ({herkomst}) heeft geen burgerlijke staat "
            f"(ontbreekt: {', '.join(missing)}).",
            waar="bronnen.kwb_aanvulling",
            oplossing="Kies een KWB-bestand of -tabel met Ongehuwd/Gehuwd/Gescheiden/Verweduwd "
            "(a_ongeh, a_gehuwd, a_gesch, a_verwed), of zet type: geen.",
        )
    if len(raw) and gemeente in kwb.gemeente_codes(raw):
        raw = kwb.select_gemeente(raw, gemeente, herkomst)
    else:
        log.warning(
            "Gemeente %s bestaat niet in KWB %s (%s): geen aanvullende burgerlijke staat.",
            gemeente,
            jaar,
            herkomst,
        )
        raw = pd.DataFrame(columns=["WijkenEnBuurten"])
    log.info(
        "Herkomst aanvulling: KWB %s, %s; %d rijen voor %s", jaar, herkomst, len(raw), gemeente
    )
    store_raw(raw, Path(output.csv), allow_empty=True)


@step
def fetch_geometry(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt polygons of one gemeente into the cache, in the PDOK layout."""
    from pipeline.ingest import demo, geometry
    from pipeline.io import atomic_path
    from pipeline.present import fmt

    bron, gemeente = wildcards.bron, wildcards.gemeente
    if bron == "demo":
        gdf = demo.buurt_geometry().rename(columns={"statcode": "code", "statnaam": "naam"})
        gdf = gdf[gdf["code"].str.startswith("BU" + gemeente[2:])]
        if gdf.empty:
            raise WijkscanError(
                f"De demobron heeft geen buurtgrenzen voor {gemeente}.",
                oplossing=f"De demo kent alleen {', '.join(demo.DEMO_GEMEENTEN)}.",
            )
    else:
        gdf = geometry.read_buurten(Path(input.gpkg[0]), gemeente, params.laag)
        if gdf.empty:
            # Usually a mistyped code (this step runs before the KWB one says so): name the
            # gemeenten of the file that look like it.
            codes = geometry.read_buurten(Path(input.gpkg[0]), None, params.laag)["code"]
            close = fmt.lijkende_codes(gemeente, set(fmt.gemeente_van(codes)))
            hint = (
                f"Bestaat {gemeente} wel? Gemeenten in dit bestand die erop lijken: "
                f"{', '.join(close)}. "
                if close
                else ""
            )
            raise WijkscanError(
                f"Geen enkele buurt van {gemeente} in {input.gpkg[0]}.",
                waar="gemeenten / bronnen.geometrie",
                oplossing=f"{hint}Controleer de gemeentecode, en of het bestand de juiste "
                "jaargang en het hele land (of deze gemeente) bevat.",
            )
    out = gdf.rename(columns={"code": "statcode", "naam": "statnaam"})
    with atomic_path(output.gpkg) as tmp:
        out.to_file(tmp, layer="buurt_gegeneraliseerd", driver="GPKG")
    log.info("%d buurten voor %s", len(out), gemeente)


@step
def fetch_pdok(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Download the national PDOK GeoPackage of a year (validated before it lands)."""
    from pipeline.ingest import download

    url = params.url.format(jaar=wildcards.jaar)
    download.download_file(
        url,
        Path(output.gpkg),
        timeout=params.cbs["timeout"],
        retries=params.cbs["pogingen"],
        validate=functools.partial(download.validate_gpkg, layer=params.laag),
    )


def _local_rows(path: str, column: str, prefixes: tuple[str, ...], what: str) -> Any:
    """Rows of a local CBS CSV whose (stripped) ``column`` starts with one of ``prefixes``."""
    from pipeline.ingest.statline import lees_cbs_csv

    df = lees_cbs_csv(Path(path))
    if column not in df.columns:
        cols = [c for c in df.columns if c.startswith(column.rstrip("0123456789"))]
        if not cols:
            raise WijkscanError(
                f"Kolom '{column}' ontbreekt in {path}.",
                waar=f"{what}: kolommen {', '.join(map(str, df.columns))}",
                oplossing="Gebruik de StatLine-export 'onbewerkte dataset' van deze tabel.",
            )
        column = cols[0]
    keys = df[column].astype(str).str.strip()
    rows = df[keys.str.startswith(prefixes)]
    if rows.empty:
        raise WijkscanError(
            f"Geen rijen voor {', '.join(prefixes)} in {path}.",
            waar=what,
            oplossing="Controleer of het bestand deze gemeente bevat.",
        )
    return rows


@step
def fetch_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Gemeente population by age and sex (03759ned layout) or a BRP extract, into the cache."""
    import pandas as pd

    from pipeline.ingest import demo
    from pipeline.io import atomic_path

    bron, gemeente, jaar = wildcards.bron, wildcards.gemeente, int(wildcards.jaar)
    dim = pd.DataFrame(columns=["Key", "Title"])
    if bron == "demo":
        # For a real gemeente the demo structure is relabelled here and rescaled to the
        # gemeente's real KWB bands in prepare_population (and marked fictief).
        rows, dim = demo.bevolking_raw(jaar)
        rows["RegioS"] = gemeente
    elif bron == "cbs":
        from pipeline.ingest.bulkdownload import fetch_bulk_03759ned

        # Since August 2023 CBS serves 03759ned only as a bulk download (no OData query);
        # the zip is cached once next to the raw files and shared by all gemeenten.
        c = params.cbs
        rows, dim = fetch_bulk_03759ned(
            wildcards.tabel,
            gemeente,
            jaar,
            cache=Path(output.csv).parent / ".bulk",
            url=c["bulk_url"],
            use_https=c["https"],
            timeout=c["timeout"],
            retries=c["pogingen"],
        )
    elif bron == "brp":
        from pipeline.ingest.brp import read_brp

        rows = read_brp(Path(input.lokaal[0]), gemeente, jaar=jaar)
    else:
        rows = _local_rows(input.lokaal[0], "RegioS", (gemeente,), "bronnen.bevolking.pad")
    store_raw(rows, Path(output.csv))
    with atomic_path(output.dim) as tmp:
        dim.to_csv(tmp, index=False)


@step
def fetch_forecast(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Gemeente forecast: Primos file, CBS/PBL 85171NED (online or local) or the demo."""
    from pipeline.ingest import demo

    bron, gemeente = wildcards.bron, wildcards.gemeente
    if bron == "demo":
        # For a real gemeente: the demo's growth per class, applied in prepare_forecast.
        rows = demo.prognose_primos(int(wildcards.jaar), list(params.horizon))
        rows["Gemeente"] = gemeente
    elif bron == "primos":
        from pipeline.ingest.primos import read_primos
        from pipeline.model.ages import labels

        # Validated against the user's file (errors name it), cached in the documented
        # Primos layout so that prepare_forecast reads demo and Primos alike.
        tidy = read_primos(Path(input.lokaal[0]), [gemeente])
        rows = tidy[["gemeentecode", "jaar", "geslacht", "aantal"]].copy()
        rows.insert(2, "leeftijd", labels(tidy["leeftijd_van"], tidy["leeftijd_tot"]))
    elif bron == "cbs":
        from pipeline.ingest import cbs

        flt = cbs.region_filter("RegioIndeling2021", [gemeente], width=6)
        rows = cbs.fetch_table(wildcards.tabel, filters=flt, **_cbs_kwargs(params.cbs))
        if rows.empty:
            # 85171NED has only the 88 largest gemeenten; 85173NED (intervals) has all.
            alle = params.cbs["prognose_tabel_gemeenten"]
            log.info("%s niet in %s; prognose uit %s (MW00000)", gemeente, wildcards.tabel, alle)
            rows = cbs.fetch_table(
                alle,
                filters=f"{flt} and PrognoseInterval eq 'MW00000'",
                **_cbs_kwargs(params.cbs),
            )
    else:
        from pipeline.ingest.prognose import kies_prognosebestand
        from pipeline.ingest.statline import lees_cbs_csv

        # bronnen.prognose.pad may be a list, in order of preference.
        naam, rows = kies_prognosebestand(
            {str(p): lees_cbs_csv(Path(p)) for p in input.lokaal}, gemeente
        )
        log.info("prognose %s uit %s", gemeente, naam)
    store_raw(rows, Path(output.csv))


@step
def fetch_health(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """RIVM Gezondheid per wijk en buurt (loneliness) rows of one gemeente into the cache."""
    import pandas as pd

    from pipeline.ingest import demo

    bron, gemeente = wildcards.bron, wildcards.gemeente
    num = gemeente[2:]
    if bron == "geen":
        rows = pd.DataFrame(columns=["WijkenEnBuurten", "Perioden", "Eenzaam_1"])
    elif bron == "demo":
        if gemeente not in demo.DEMO_GEMEENTEN:
            raise WijkscanError(
                f"De demobron heeft geen eenzaamheidscijfers voor {gemeente}.",
                waar="bronnen.gezondheidsmonitor",
                oplossing="Gebruik type 'cbs' (online), 'lokaal' (CSV van 50150NED) of 'geen'.",
            )
        rows = demo.gezondheid_raw()
    elif bron == "cbs":
        from pipeline.ingest import cbs

        rows = cbs.fetch_table(
            wildcards.tabel,
            filters=cbs.kwb_filter([gemeente]),
            **_cbs_kwargs(params.cbs, third_party=True),
        )
    else:
        rows = _local_rows(
            input.lokaal[0],
            "WijkenEnBuurten",
            (gemeente, f"WK{num}", f"BU{num}"),
            "bronnen.gezondheidsmonitor.pad",
        )
    store_raw(rows, Path(output.csv), allow_empty=bron == "geen")


@step
def fetch_kwb_national(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """National KWB rows (NL01 and the gemeenten) for the national reference."""
    from pipeline.ingest import kwb_lezen

    if wildcards.bron == "lokaal":
        raw = kwb_lezen.read_kwb(Path(input.lokaal[0]))
        codes = raw["WijkenEnBuurten"].astype(str).str.strip()
        rows = raw[codes.str.startswith(("NL", "GM"))]
    elif wildcards.bron == "cbs":
        from pipeline.ingest import cbs

        rows = cbs.fetch_table(
            wildcards.tabel,
            filters="startswith(WijkenEnBuurten,'NL') or startswith(WijkenEnBuurten,'GM')",
            **_cbs_kwargs(params.cbs),
        )
    else:
        raise WijkscanError("De demobron heeft geen landelijke cijfers.", waar="bronnen.kwb")
    store_raw(rows, Path(output.csv))

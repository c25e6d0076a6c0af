# Fetch rules: the only rules that touch the network. They fill data/raw/ (an
# immutable cache; names carry table id and period) from CBS/PDOK, a local file
# or the built-in demo gemeente, always through an atomic write.
from pipeline.workflow import jobs_fetch


rule fetch_kwb:
    input:
        lokaal=local_file("kwb"),
    output:
        csv="data/raw/{bron}/kwb_{tabel}_{jaar}_{gemeente}.csv",
    log:
        "logs/fetch_kwb/{bron}_{tabel}_{jaar}_{gemeente}.log",
    params:
        cbs=config["cbs"],
    run:
        jobs_fetch.fetch_kwb(input, output, params, wildcards, log)


rule fetch_kwb_aanvulling:
    input:
        lokaal=aanvulling_file,
    output:
        csv="data/raw/{bron}/kwb_aanvulling_{tabel}_{jaar}_{gemeente}.csv",
    log:
        "logs/fetch_kwb_aanvulling/{bron}_{tabel}_{jaar}_{gemeente}.log",
    params:
        cbs=config["cbs"],
    run:
        jobs_fetch.fetch_kwb_aanvulling(input, output, params, wildcards, log)


rule fetch_pdok:
    output:
        gpkg="data/raw/cbs/pdok_gebiedsindelingen_{jaar}.gpkg",
    log:
        "logs/fetch_pdok/{jaar}.log",
    params:
        url=config["pdok"]["url"],
        laag=config["pdok"]["laag"],
        cbs=config["cbs"],
    run:
        jobs_fetch.fetch_pdok(input, output, params, wildcards, log)


rule fetch_geometry:
    input:
        gpkg=geometry_source,
    output:
        gpkg="data/raw/{bron}/geometrie_{jaar}_{gemeente}.gpkg",
    log:
        "logs/fetch_geometry/{bron}_{jaar}_{gemeente}.log",
    params:
        laag=geometry_layer,
    run:
        jobs_fetch.fetch_geometry(input, output, params, wildcards, log)


rule fetch_population:
    input:
        lokaal=local_file("bevolking"),
        # The KWB fetch is the authority on whether the gemeente exists; it runs first.
        kwb=ancient(raw_kwb),
    output:
        csv="data/raw/{bron}/bevolking_{tabel}_{jaar}_{gemeente}.csv",
        dim="data/raw/{bron}/bevolking_{tabel}_{jaar}_{gemeente}_leeftijd.csv",
    log:
        "logs/fetch_population/{bron}_{tabel}_{jaar}_{gemeente}.log",
    params:
        cbs=config["cbs"],
    run:
        jobs_fetch.fetch_population(input, output, params, wildcards, log)


rule fetch_forecast:
    input:
        lokaal=local_file("prognose"),
        # The KWB fetch is the authority on whether the gemeente exists; it runs first.
        kwb=ancient(raw_kwb),
    output:
        csv="data/raw/{bron}/prognose_{tabel}_{jaar}_{gemeente}.csv",
    log:
        "logs/fetch_forecast/{bron}_{tabel}_{jaar}_{gemeente}.log",
    params:
        cbs=config["cbs"],
        horizon=config["horizon"],
    run:
        jobs_fetch.fetch_forecast(input, output, params, wildcards, log)


rule fetch_health:
    input:
        lokaal=local_file("gezondheidsmonitor"),
        # The KWB fetch is the authority on whether the gemeente exists; it runs first.
        kwb=ancient(raw_kwb),
    output:
        csv="data/raw/{bron}/gezondheid_{tabel}_{jaar}_{gemeente}.csv",
    log:
        "logs/fetch_health/{bron}_{tabel}_{jaar}_{gemeente}.log",
    params:
        cbs=config["cbs"],
    run:
        jobs_fetch.fetch_health(input, output, params, wildcards, log)


rule fetch_kwb_national:
    input:
        lokaal=local_file("kwb"),
    output:
        csv="data/raw/{bron}/kwb_{tabel}_{jaar}_NL01.csv",
    log:
        "logs/fetch_kwb_national/{bron}_{tabel}_{jaar}.log",
    params:
        cbs=config["cbs"],
    run:
        jobs_fetch.fetch_kwb_national(input, output, params, wildcards, log)

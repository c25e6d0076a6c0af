# National one-pass mode ("berekening: in_een_keer"): the national files are read once
# and the indicators of all gemeenten are computed in one job, instead of about twelve
# small jobs per gemeente. The outputs are the same per-gemeente files the render rules
# read, so reports and vouwkaarten still run per gemeente, in parallel. The exports
# are one job too: a few tenths of a second per gemeente, less than starting a job.
# Each national job also writes one national file that the next one reads: Snakemake
# stores the list and checksums of all inputs with every output, so a job with 342 x 3
# inputs and 1026 outputs wrote 160 MB of metadata and took 15 s longer.


ruleorder: prepare_geometry_all > prepare_geometry
ruleorder: compute_indicators_all > compute_indicators
ruleorder: export_indicators_all > export_indicators


rule prepare_regions_all:
    input:
        kwb=wcfg.local_input(config, "kwb"),
        aanvulling=wcfg.local_input(config, "kwb_aanvulling"),
    output:
        regios=national_file("regios", "parquet"),
    log:
        "logs/prepare_regions_all/regios.log",
    params:
        gemeenten=GEMEENTEN,
        aanvulling_jaar=config["bronnen"]["kwb_aanvulling"]["jaar"],
        aanvulling_herkomst=wcfg.aanvulling_herkomst(config),
    run:
        jobs_national.prepare_regions_all(input, output, params, wildcards, log)


rule prepare_geometry_all:
    input:
        gpkg=national_geometry_file(),
        regios=national_file("regios", "parquet"),
    output:
        gpkg=per_gemeente_files("data/processed/{gemeente}/buurten.gpkg"),
        buurten=national_file("buurten", "gpkg"),
        controle=national_file("geometrie_controle", "json"),
    log:
        "logs/prepare_geometry_all/geometrie.log",
    params:
        gemeenten=GEMEENTEN,
        jaar=config["jaar"],
        laag=national_layer(),
        controle=config["geometrie_controle"],
    run:
        jobs_national.prepare_geometry_all(input, output, params, wildcards, log)


rule compute_indicators_all:
    input:
        regios=national_file("regios", "parquet"),
        bevolking=wcfg.local_input(config, "bevolking"),
        prognose=wcfg.local_input(config, "prognose"),
        gezondheid=wcfg.local_input(config, "gezondheidsmonitor"),
        controle=national_file("geometrie_controle", "json"),
        prevalentie=config["indicatoren"]["dementie_prevalentie"],
        landelijk=config["indicatoren"]["dementie_landelijk"],
    output:
        indicatoren=per_gemeente_files("data/processed/{gemeente}/indicatoren.parquet"),
        grootheden=per_gemeente_files("data/processed/{gemeente}/grootheden.parquet"),
        meta=per_gemeente_files("data/processed/{gemeente}/bronnen.json"),
        register=per_gemeente_files("data/processed/{gemeente}/register.json"),
        landelijk_indicatoren=national_file("indicatoren", "parquet"),
        landelijk_bronnen=national_file("bronnen", "json"),
        landelijk_register=national_file("register", "json"),
    log:
        "logs/compute_indicators_all/indicatoren.log",
    params:
        config=indicator_config(),
        gemeenten=GEMEENTEN,
        raw_files=national_raw_files(),
        table_ids=table_ids(None),
        prevalentie_bron=config["indicatoren"]["dementie_bron"],
        # A new provenance layout rebuilds bronnen.json of existing builds.
        meta_versie=provenance.META_VERSIE,
    run:
        jobs_national.compute_indicators_all(input, output, params, wildcards, log)


rule export_indicators_all:
    input:
        indicatoren=national_file("indicatoren", "parquet"),
        meta=national_file("bronnen", "json"),
        register=national_file("register", "json"),
        buurten=national_file("buurten", "gpkg"),
    output:
        csv=per_gemeente_files("reports/{gemeente}/indicatoren_{gemeente}.csv"),
        xlsx=per_gemeente_files("reports/{gemeente}/indicatoren_{gemeente}.xlsx"),
        gpkg=per_gemeente_files("reports/{gemeente}/indicatoren_{gemeente}.gpkg"),
    log:
        "logs/export_indicators_all/export.log",
    params:
        jaar=config["jaar"],
        gemeenten=GEMEENTEN,
    run:
        jobs_national.export_indicators_all(input, output, params, wildcards, log)

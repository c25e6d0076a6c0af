# Processing rules: tidy, validated tables per gemeente in data/processed/<GMcode>/.


rule prepare_regions:
    input:
        kwb=raw_kwb,
        aanvulling=raw_kwb_aanvulling,
    output:
        regios="data/processed/{gemeente}/regios.parquet",
    log:
        "logs/prepare_regions/{gemeente}.log",
    params:
        aanvulling_jaar=config["bronnen"]["kwb_aanvulling"]["jaar"],
        aanvulling_herkomst=wcfg.aanvulling_herkomst(config),
    run:
        jobs_build.prepare_regions(input, output, params, wildcards, log)


rule prepare_geometry:
    input:
        gpkg=raw_geometry,
        regios="data/processed/{gemeente}/regios.parquet",
    output:
        gpkg="data/processed/{gemeente}/buurten.gpkg",
        controle="data/processed/{gemeente}/geometrie_controle.json",
    log:
        "logs/prepare_geometry/{gemeente}.log",
    params:
        jaar=config["jaar"],
        controle=config["geometrie_controle"],
    run:
        jobs_build.prepare_geometry(input, output, params, wildcards, log)


rule prepare_population:
    input:
        csv=raw_population,
        dim=raw_population_dim,
        regios="data/processed/{gemeente}/regios.parquet",
    output:
        gemeente="data/processed/{gemeente}/bevolking_gemeente.parquet",
        brp="data/processed/{gemeente}/bevolking_brp.parquet",
        # Joint age x sex x burgerlijke staat (empty when the source has no categories).
        burgerlijke_staat="data/processed/{gemeente}/bevolking_gemeente_bs.parquet",
    log:
        "logs/prepare_population/{gemeente}.log",
    params:
        jaar=config["jaar"],
        bron=config["bronnen"]["bevolking"]["type"],
        ontbrekende_buurten=config["bronnen"]["bevolking"]["ontbrekende_buurten"],
    run:
        jobs_build.prepare_population(input, output, params, wildcards, log)


rule prepare_forecast:
    input:
        csv=raw_forecast,
        bevolking="data/processed/{gemeente}/bevolking_gemeente.parquet",
    output:
        prognose="data/processed/{gemeente}/prognose_gemeente.parquet",
        methode="data/processed/{gemeente}/prognose_methode.json",
    log:
        "logs/prepare_forecast/{gemeente}.log",
    params:
        jaar=config["jaar"],
        horizon=config["horizon"],
        bron=config["bronnen"]["prognose"]["type"],
    run:
        jobs_build.prepare_forecast(input, output, params, wildcards, log)


rule prepare_loneliness:
    input:
        csv=raw_health,
    output:
        eenzaamheid="data/processed/{gemeente}/eenzaamheid.parquet",
    log:
        "logs/prepare_loneliness/{gemeente}.log",
    run:
        jobs_build.prepare_loneliness(input, output, params, wildcards, log)


rule estimate_population:
    input:
        regios="data/processed/{gemeente}/regios.parquet",
        gemeente="data/processed/{gemeente}/bevolking_gemeente.parquet",
        gemeente_bs="data/processed/{gemeente}/bevolking_gemeente_bs.parquet",
        brp="data/processed/{gemeente}/bevolking_brp.parquet",
    output:
        bevolking="data/processed/{gemeente}/bevolking_buurt_basis.parquet",
        trekkingen="data/processed/{gemeente}/bevolking_buurt_trekkingen.parquet",
        diagnostiek="data/processed/{gemeente}/schatting_diagnostiek.json",
    log:
        "logs/estimate_population/{gemeente}.log",
    params:
        jaar=config["jaar"],
        schatting=config["schatting"],
        ontbrekende_buurten=config["bronnen"]["bevolking"]["ontbrekende_buurten"],
    run:
        jobs_build.estimate_population(input, output, params, wildcards, log)


rule project_population:
    input:
        bevolking="data/processed/{gemeente}/bevolking_buurt_basis.parquet",
        prognose="data/processed/{gemeente}/prognose_gemeente.parquet",
    output:
        bevolking="data/processed/{gemeente}/bevolking_buurt.parquet",
    log:
        "logs/project_population/{gemeente}.log",
    params:
        jaar=config["jaar"],
        horizon=config["horizon"],
    run:
        jobs_build.project_population(input, output, params, wildcards, log)


rule compute_indicators:
    input:
        regios="data/processed/{gemeente}/regios.parquet",
        bevolking="data/processed/{gemeente}/bevolking_buurt.parquet",
        gemeente="data/processed/{gemeente}/bevolking_gemeente.parquet",
        prognose="data/processed/{gemeente}/prognose_gemeente.parquet",
        methode="data/processed/{gemeente}/prognose_methode.json",
        eenzaamheid="data/processed/{gemeente}/eenzaamheid.parquet",
        controle="data/processed/{gemeente}/geometrie_controle.json",
        trekkingen="data/processed/{gemeente}/bevolking_buurt_trekkingen.parquet",
        schatting="data/processed/{gemeente}/schatting_diagnostiek.json",
        prevalentie=config["indicatoren"]["dementie_prevalentie"],
        landelijk=config["indicatoren"]["dementie_landelijk"],
    output:
        indicatoren="data/processed/{gemeente}/indicatoren.parquet",
        grootheden="data/processed/{gemeente}/grootheden.parquet",
        meta="data/processed/{gemeente}/bronnen.json",
        # Number and label travel together: renderers and exports read this, not config.
        register="data/processed/{gemeente}/register.json",
    log:
        "logs/compute_indicators/{gemeente}.log",
    params:
        config=indicator_config(),
        raw_files=raw_files,
        table_ids=table_ids,
        prevalentie_bron=config["indicatoren"]["dementie_bron"],
        # A new provenance layout rebuilds bronnen.json of existing builds.
        meta_versie=provenance.META_VERSIE,
    run:
        jobs_build.compute_indicators(input, output, params, wildcards, log)


rule export_indicators:
    input:
        indicatoren="data/processed/{gemeente}/indicatoren.parquet",
        meta="data/processed/{gemeente}/bronnen.json",
        register="data/processed/{gemeente}/register.json",
        buurten="data/processed/{gemeente}/buurten.gpkg",
    output:
        csv="reports/{gemeente}/indicatoren_{gemeente}.csv",
        xlsx="reports/{gemeente}/indicatoren_{gemeente}.xlsx",
        gpkg="reports/{gemeente}/indicatoren_{gemeente}.gpkg",
    log:
        "logs/export_indicators/{gemeente}.log",
    params:
        jaar=config["jaar"],
    run:
        jobs_build.export_indicators(input, output, params, wildcards, log)


rule prepare_reference_nl:
    input:
        kwb=raw_kwb_national,
    output:
        referentie="data/processed/referentie/NL01_{jaar}.parquet",
    log:
        "logs/prepare_reference_nl/{jaar}.log",
    params:
        config=indicator_config(),
    run:
        jobs_build.prepare_reference_nl(input, output, params, wildcards, log)


rule compute_region:
    input:
        grootheden=region_quantities,
    output:
        referentie="data/processed/regio/referentie.parquet",
    log:
        "logs/compute_region/regio.log",
    params:
        config=indicator_config(),
        naam=region_name(),
        leden=region_members(),
    run:
        jobs_build.compute_region(input, output, params, wildcards, log)

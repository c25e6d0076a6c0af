# Build rules: the raw files of a batch into tidy, validated tables in data/processed/<batch>/.
# A batch is one gemeente (berekening: per_gemeente) or all of them (in_een_keer, 'samen');
# one job computes every buurt of it (pipeline/model/batch.py). Its indicator table, buurt
# shapes, bronnen.json and register.json (keyed by gemeente) are what every product reads.


rule build:
    input:
        kwb=build_files("kwb"),
        aanvulling=build_files("kwb_aanvulling"),
        geometrie=build_files("geometrie"),
        bevolking=build_files("bevolking"),
        bevolking_dim=population_dims,
        prognose=build_files("prognose"),
        gezondheid=build_files("gezondheidsmonitor"),
        prevalentie=config["indicatoren"]["dementie_prevalentie"],
        landelijk=config["indicatoren"]["dementie_landelijk"],
    output:
        regios="data/processed/{batch}/regios.parquet",
        buurten="data/processed/{batch}/buurten.gpkg",
        controle="data/processed/{batch}/geometrie_controle.json",
        bevolking_gemeente="data/processed/{batch}/bevolking_gemeente.parquet",
        # Joint age x sex x burgerlijke staat (empty when the source has no categories).
        bevolking_gemeente_bs="data/processed/{batch}/bevolking_gemeente_bs.parquet",
        bevolking_buurt="data/processed/{batch}/bevolking_buurt.parquet",
        prognose_gemeente="data/processed/{batch}/prognose_gemeente.parquet",
        eenzaamheid="data/processed/{batch}/eenzaamheid.parquet",
        schatting="data/processed/{batch}/schatting_diagnostiek.json",
        indicatoren="data/processed/{batch}/indicatoren.parquet",
        grootheden="data/processed/{batch}/grootheden.parquet",
        meta="data/processed/{batch}/bronnen.json",
        # Number and label travel together: renderers and exports read this, not config.
        register="data/processed/{batch}/register.json",
    log:
        "logs/build/{batch}.log",
    params:
        gemeenten=batch_members,
        per_gemeente=per_gemeente_kinds,
        laag=batch_layer,
        config=indicator_config(),
        jaar=config["jaar"],
        horizon=config["horizon"],
        controle=config["geometrie_controle"],
        ontbrekende_buurten=config["bronnen"]["bevolking"]["ontbrekende_buurten"],
        aanvulling_jaar=config["bronnen"]["kwb_aanvulling"]["jaar"],
        aanvulling_herkomst=wcfg.aanvulling_herkomst(config),
        table_ids=table_ids,
        prevalentie_bron=config["indicatoren"]["dementie_bron"],
        # A new provenance layout rebuilds bronnen.json of existing builds.
        meta_versie=provenance.META_VERSIE,
        # New code (an upgrade of wijkscan) rebuilds; see pipeline/workflow/codeversie.py.
        code=codeversie.code_versie(),
    run:
        jobs_build.build(input, output, params, wildcards, log)


rule export_indicators:
    input:
        unpack(published_files),
    output:
        csv="reports/{gemeente}/indicatoren_{gemeente}.csv",
        xlsx="reports/{gemeente}/indicatoren_{gemeente}.xlsx",
        gpkg="reports/{gemeente}/indicatoren_{gemeente}.gpkg",
    log:
        "logs/export_indicators/{gemeente}.log",
    params:
        jaar=config["jaar"],
        code=codeversie.code_versie(),
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
        code=codeversie.code_versie(),
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
        code=codeversie.code_versie(),
    run:
        jobs_build.compute_region(input, output, params, wildcards, log)

# Render rules: the council report (HTML, PDF) and vouwkaarten per gemeente.
# Templates are inputs, so a template change reruns only these rules. HTML and PDF
# come from one job: the PDF is printed from the HTML just written, so the figures
# are drawn once and the report costs one process instead of two.
# With filled session workbooks (bronnen.sessies) the products get a second edition.
from pipeline.ingest import sessie_lezen


# In thread mode renders go to worker processes that start (and import matplotlib and
# WeasyPrint) while the data steps run; see renderpool.start_render_workers.
onstart:
    steps.start_run()
    renderpool.start_render_workers(*render_worker_count(workflow))


# Filled session workbooks (bronnen.sessies): files exist, open, and belong to a selected
# gemeente, before anything is planned (pipeline/ingest/sessie_lezen.py).
sessie_lezen.check_config(config, GEMEENTEN)


# The workbook the tables fill in at a session; the place per buurt is the report's.
# Facilitators fill this very file: update() stops Snakemake from deleting it before the
# job (it does so with every other output), and the job moves a filled one aside
# (sessie_<GM>_ingevuld_<tijd>.xlsx) before writing a new one. Params hold only what the
# workbook uses (the weights give the places), so e.g. new report questions do not rerun it.
# (New code reruns the build, and with it this workbook: a filled one is moved aside.)
rule session_workbook:
    input:
        unpack(published_files),
    output:
        xlsx=update("reports/{gemeente}/sessie_{gemeente}.xlsx"),
        csv=update("reports/{gemeente}/sessie_{gemeente}.csv"),
    log:
        "logs/session_workbook/{gemeente}.log",
    params:
        weging=config["rapport"]["weging"],
    run:
        jobs_render.session_workbook(input, output, params, wildcards, log)


# Filled workbooks of one gemeente, checked once; a bad cell stops here, before any render
# (so no report or vouwkaart is deleted or half written).
rule prepare_sessions:
    input:
        unpack(published_files),
        sessies=session_files,
    output:
        json="data/processed/{gemeente}/sessies.json",
    log:
        "logs/prepare_sessions/{gemeente}.log",
    params:
        code=codeversie.code_versie(),
    run:
        jobs_render.prepare_sessions(input, output, params, wildcards, log)


rule render_report:
    input:
        unpack(published_files),
        templates=report_templates,
        referenties=report_references,
        sessies=session_json,
    output:
        html="reports/{gemeente}/wijkscan_{gemeente}.html",
        pdf="reports/{gemeente}/wijkscan_{gemeente}.pdf",
    log:
        "logs/render_report/{gemeente}.log",
    # The longest job of a gemeente starts first; vouwkaarten and exports fill the other
    # cores while it runs.
    priority: 10
    params:
        config=indicator_config(),
        rapport=config["rapport"],
        template_dir="templates",
        volgende_ronde=config["vouwkaart"]["vragen_volgende_ronde"],
        code=codeversie.code_versie(),
    run:
        jobs_render.render_report(input, output, params, wildcards, log)


rule render_vouwkaart:
    input:
        unpack(published_files),
        sessies=session_json,
    output:
        pdf="reports/{gemeente}/vouwkaart_{gemeente}_{formaat}.pdf",
    log:
        "logs/render_vouwkaart/{gemeente}_{formaat}.log",
    params:
        vouwkaart=config["vouwkaart"],
        code=codeversie.code_versie(),
    run:
        jobs_render.render_vouwkaart(input, output, params, wildcards, log)


rule render_region_report:
    input:
        tabellen=region_tables,
        metas=region_metas,
        registers=region_registers,
        referenties=report_references,
        templates=report_templates,
        sessies=region_session_jsons,
    output:
        html="reports/regio/{regio}/wijkscan_regio_{regio}.html",
        pdf="reports/regio/{regio}/wijkscan_regio_{regio}.pdf",
    log:
        "logs/render_region_report/{regio}.log",
    params:
        naam=region_name(),
        leden=region_members(),
        weging=config["rapport"]["weging"],
        template_dir="templates",
        code=codeversie.code_versie(),
    run:
        jobs_render.render_region_report(input, output, params, wildcards, log)

"""Render steps (``rules/render.smk``): reports, vouwkaarten, region report, session workbooks.

These steps only read ``data/processed/``. A render step hands a *render job* (``*_job``:
a module-level function with plain values in and out) to
:func:`pipeline.workflow.renderpool.render`, which runs it in a render worker or here.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from pipeline.workflow.renderpool import render
from pipeline.workflow.steps import step

log = logging.getLogger("wijkscan")


def _files(input: Any) -> dict[str, Any]:
    """A rule's named input as plain strings (lists stay lists), so it can go to a worker."""
    return {
        key: [str(p) for p in value] if isinstance(value, list) else str(value)
        for key, value in input.items()
    }


def _load_published(files: dict[str, Any], gemeente: str) -> tuple[Any, Any, dict, dict]:
    """Table, buurt shapes, registry and provenance of one gemeente, as the build wrote them."""
    from pipeline.workflow.published import read_published

    return read_published(
        gemeente, files["indicatoren"], files["meta"], files["register"], files["buurten"]
    )


def _references(paths: list[str]) -> Any:
    import pandas as pd

    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True) if paths else None


def _sessies(files: dict[str, Any]) -> Any:
    """The validated session input (``sessies.json``) of a render job, or None (first edition)."""
    import json

    paths = files.get("sessies") or []
    paths = [paths] if isinstance(paths, str) else paths
    return json.loads(Path(paths[0]).read_text(encoding="utf-8")) if paths else None


def report_job(
    gemeente: str,
    files: dict[str, Any],
    config: dict[str, Any],
    rapport: dict[str, Any],
    template_dir: str,
    html: str,
    pdf: str,
    volgende_ronde: list[str] | None = None,
) -> tuple[int, str]:
    """Render one gemeente's report (HTML, then the PDF printed from it).

    With session input (``files["sessies"]``) it is the second edition; ``volgende_ronde``
    are then the questions for the next round.

    A render job takes and returns plain values only, so :func:`~pipeline.workflow.renderpool.render` can run it in this
    process or in a worker process.

    Returns
    -------
    tuple of (int, str)
        Number of PDF pages and the gemeente's name.
    """
    from pipeline.present import report

    table, buurten, reg, meta = _load_published(files, gemeente)
    rapport_cfg = dict(rapport) | {
        "min_inwoners": config["indicatoren"]["min_inwoners"],
        "afronding": config["indicatoren"]["afronding"],
    }
    report.write_html(
        table,
        buurten,
        reg,
        meta,
        rapport_cfg,
        _references(files.get("referenties", [])),
        path=Path(html),
        template_dir=Path(template_dir),
        sessies=_sessies(files),
        volgende_ronde=volgende_ronde or (),
    )
    return report.html_to_pdf(Path(html), Path(pdf)), str(meta["gemeentenaam"])


def vouwkaart_job(
    gemeente: str, files: dict[str, Any], settings: dict[str, Any], formaat: str, pdf: str
) -> None:
    """Render one vouwkaart format (a render job, see :func:`report_job`)."""
    from pipeline.present import vouwkaart

    table, buurten, reg, meta = _load_published(files, gemeente)
    vouwkaart.render_vouwkaart(
        table, buurten, reg, meta, settings, formaat, Path(pdf), sessies=_sessies(files)
    )


def region_report_job(
    leden: list[str],
    files: dict[str, Any],
    naam: str,
    weging: dict[str, Any],
    template_dir: str,
    html: str,
    pdf: str,
) -> None:
    """Render the regional report, HTML and PDF (a render job, see :func:`report_job`)."""
    import json

    from pipeline.io import write_text
    from pipeline.model import registry
    from pipeline.present import region, report
    from pipeline.workflow.published import read_meta, read_table

    # One batch file per member, in member order (the same file when built in one go).
    tables = [read_table(p, gm) for p, gm in zip(files["tabellen"], leden, strict=True)]
    metas = [read_meta(p, gm) for p, gm in zip(files["metas"], leden, strict=True)]
    reg = registry.merge_registries(
        [registry.read_registry(p, gm) for p, gm in zip(files["registers"], leden, strict=True)]
    )
    ctx = region.build_context(
        tables,
        _references(files["referenties"]),
        reg,
        metas,
        naam,
        weging,
        template_dir=Path(template_dir),
        sessies=[json.loads(Path(p).read_text(encoding="utf-8")) for p in files.get("sessies", [])],
    )
    write_text(region.render_html(ctx, Path(template_dir)), html)
    report.html_to_pdf(Path(html), Path(pdf))


@step
def render_report(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The council report as self-contained HTML, printed to an A4 PDF."""
    pages, naam = render(
        report_job,
        str(wildcards.gemeente),
        _files(input),
        dict(params.config),
        dict(params.rapport),
        str(params.template_dir),
        str(output.html),
        str(output.pdf),
        list(params.volgende_ronde),
    )
    # The gemeente is built when its report is: one line for long (national) runs, naming
    # the folder (a new user did not know where the products went).
    map_ = Path(str(output.pdf)).parent
    print(
        f"wijkscan {wildcards.gemeente} {naam}: rapport klaar ({pages} pagina's), zie {map_}/",
        file=sys.stderr,
    )


@step
def render_vouwkaart(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """One vouwkaart format (A1, A3 or A4 set) as vector PDF."""
    render(
        vouwkaart_job,
        str(wildcards.gemeente),
        _files(input),
        dict(params.vouwkaart),
        str(wildcards.formaat),
        str(output.pdf),
    )


@step
def render_region_report(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The regional comparison report as self-contained HTML, printed to an A4 PDF."""
    render(
        region_report_job,
        list(params.leden),
        _files(input),
        str(params.naam),
        dict(params.weging),
        str(params.template_dir),
        str(output.html),
        str(output.pdf),
    )


@step
def session_workbook(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The session workbook of one gemeente (XLSX and its CSV twin), for the tables.

    The outputs are ``update()`` in the rule, so Snakemake leaves a workbook the facilitator
    filled in place; :func:`pipeline.present.sessie_bestanden.write_session_files` moves it aside first and
    the warning says where it went.
    """
    from pipeline.model import registry
    from pipeline.present import report, sessie_bestanden
    from pipeline.workflow.published import read_meta, read_table

    gm = wildcards.gemeente
    table, meta = read_table(input.indicatoren, gm), read_meta(input.meta, gm)
    reg = registry.read_registry(input.register, gm)
    weging = report.rapport_config({"weging": dict(params.weging)}, reg)["weging"]
    n, bewaard = sessie_bestanden.write_session_files(
        table, reg, meta, weging, Path(output.xlsx), Path(output.csv)
    )
    if bewaard:
        melding = sessie_bestanden.bewaard_melding(bewaard)
        log.warning("%s", melding)
        print(f"\nLET OP ({wildcards.gemeente}): {melding}\n", file=sys.stderr)
    log.info("sessiewerkboek met %d buurten", n)


@step
def prepare_sessions(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Read and check the filled session workbooks of one gemeente into ``sessies.json``."""
    from pipeline.ingest import sessie_cellen, sessie_lezen
    from pipeline.io import write_json
    from pipeline.workflow.published import read_meta, read_table

    table = read_table(input.indicatoren, wildcards.gemeente)
    meta = read_meta(input.meta, wildcards.gemeente)
    res = sessie_lezen.lees_sessies(
        list(input.sessies), table, wildcards.gemeente, str(meta.get("gemeentenaam", ""))
    )
    write_json(res, output.json)
    # Names of people cannot be refused reliably: a warning per suspect cell, to check.
    for melding in sessie_cellen.mogelijke_namen_meldingen(res):
        log.warning("%s", melding)
        print(f"LET OP ({wildcards.gemeente}): {melding}", file=sys.stderr)
    log.info("%d sessies, %d buurtregels", len(res["sessies"]), len(res["inbreng"]))

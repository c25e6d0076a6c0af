"""Time the council report of one gemeente: HTML (context, figures, template) and PDF.

Usage (from the repository root)::

    .venv/bin/python benchmarks/render_rapport.py WERKMAP GM0226 [-n 3] [--uit /tmp/r]
        [--config config/config.yaml --config config/voorbeeld_lokaal.yaml] [--profiel]

``WERKMAP`` is a build directory whose ``data/processed/<gemeente>/`` holds the published
tables (``indicatoren.parquet``, ``buurten.gpkg``, ``bronnen.json`` and, in recent builds,
``register.json``). The report is rendered ``N`` times in one warm process, as a render
worker does; the first run also pays for lazy imports and font loading, so the table shows
every run and the best one.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _config(paths: list[Path]) -> dict:
    """The validated configuration from one or more YAML files (later files win)."""
    from pipeline.workflow.config_schema import with_defaults

    merged: dict = {}
    for path in paths:
        merged |= yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return with_defaults(merged)


def _inputs(werkmap: Path, gemeente: str, config: dict) -> dict:
    """Everything :func:`pipeline.present.report.write_html` needs, read from a build."""
    import pandas as pd

    from pipeline.workflow.config import batch_file
    from pipeline.workflow.published import read_published

    def path(name: str) -> str:
        return str(werkmap / batch_file(config, gemeente, name))

    table, buurten, reg, meta = read_published(
        gemeente,
        path("indicatoren.parquet"),
        path("bronnen.json"),
        path("register.json"),
        path("buurten.gpkg"),
    )
    refs = sorted((werkmap / "data" / "processed" / "referentie").glob("*.parquet"))
    return {
        "indicatoren": table,
        "buurten": buurten,
        "registry": reg,
        "meta": meta,
        "rapport_cfg": dict(config["rapport"])
        | {
            "min_inwoners": config["indicatoren"]["min_inwoners"],
            "afronding": config["indicatoren"]["afronding"],
        },
        "refs": pd.concat([pd.read_parquet(p) for p in refs], ignore_index=True) if refs else None,
    }


def render_once(inputs: dict, uit: Path, template_dir: Path) -> tuple[float, float, int]:
    """Render HTML and PDF once; seconds for each and the number of pages."""
    from pipeline.present import report

    html, pdf = uit / "rapport.html", uit / "rapport.pdf"
    t0 = time.perf_counter()
    report.write_html(**inputs, path=html, template_dir=template_dir)
    t1 = time.perf_counter()
    pages = report.html_to_pdf(html, pdf)
    return t1 - t0, time.perf_counter() - t1, pages


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Meet hoe lang het raadsrapport van één gemeente duurt."
    )
    ap.add_argument("werkmap", type=Path, help="builddirectory met data/processed/<gemeente>/")
    ap.add_argument("gemeente", help="gemeentecode, bijvoorbeeld GM0226")
    ap.add_argument("-n", type=int, default=3, help="aantal keer renderen (standaard 3)")
    ap.add_argument("--uit", type=Path, default=Path("/tmp/render_rapport"), help="uitvoermap")
    ap.add_argument(
        "--config",
        type=Path,
        action="append",
        help="configuratie (herhaalbaar; standaard WERKMAP/config/config.yaml "
        "en voorbeeld_lokaal.yaml)",
    )
    ap.add_argument("--templates", type=Path, default=REPO / "templates", help="sjablonenmap")
    ap.add_argument("--profiel", action="store_true", help="laatste run met cProfile tonen")
    args = ap.parse_args(argv)

    configs = args.config or [
        args.werkmap / "config" / "config.yaml",
        args.werkmap / "config" / "voorbeeld_lokaal.yaml",
    ]
    inputs = _inputs(args.werkmap, args.gemeente, _config(configs))
    args.uit.mkdir(parents=True, exist_ok=True)

    print(f"{'run':>4} {'html (s)':>9} {'pdf (s)':>9} {'samen (s)':>10} {'pagina':>7}")
    runs = []
    for i in range(1, args.n + 1):
        prof = cProfile.Profile() if args.profiel and i == args.n else None
        if prof:
            prof.enable()
        html_s, pdf_s, pages = render_once(inputs, args.uit, args.templates)
        if prof:
            prof.disable()
        runs.append((html_s, pdf_s))
        print(f"{i:>4} {html_s:>9.2f} {pdf_s:>9.2f} {html_s + pdf_s:>10.2f} {pages:>7}")
    best_html, best_pdf = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"{'best':>4} {best_html:>9.2f} {best_pdf:>9.2f} {best_html + best_pdf:>10.2f}")
    print(f"PDF: {args.uit / 'rapport.pdf'}")
    if prof:
        pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure what another PDF machine would give: the report appendix in WeasyPrint and Typst.

Why this script exists: issue 13 asks for a national build of at most 12 minutes on 2
cores. The report's PDF step (WeasyPrint) is the largest share of that build, and the
appendix "alle cijfers per buurt" the largest share of a large gemeente's PDF. Profiling
found no single hot spot inside WeasyPrint (text, layout, CSS, boxes and PDF writing
each take 7-20 %), so the question for the team is whether a different machine would
change the order of magnitude. This script answers it on the same data:

- **WeasyPrint**: the report as the pipeline prints it (``report.html_to_pdf``), once
  whole and once with the appendix section cut out; the difference is the appendix.
- **Typst** (``pip install typst``; not a project dependency): the same appendix tables
  (:func:`pipeline.present.report.tabellen.bijlage`, the rows the template prints) set
  in Typst with the pinned report font, same font sizes and cell padding, PDF/UA-1.

The Typst document is a sketch of the tables only, not a port of the report: no notes,
no column marks, no figures. Its time is a lower bound for what a port would cost.

Usage (from the repository root, on a build directory as for ``render_rapport.py``)::

    .venv/bin/pip install typst
    .venv/bin/python benchmarks/pdf_machines.py WERKMAP GM0150 [-n 3] [--uit /tmp/pdf]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from render_rapport import REPO, _config, _inputs

#: The appendix section of the rendered report (``templates/_bijlage.html.j2``).
_BIJLAGE = re.compile(r'<section id="bijlage".*?</section>', re.DOTALL)


def _best(fn, n: int) -> tuple[float, object]:
    """Best wall time of ``n`` calls and the last result."""
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _typst_tekst(s: str) -> str:
    """A Typst string literal (content is set from strings, so markup stays inert)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst_cel(cel: dict) -> str:
    tekst = f"#{_typst_tekst(cel['tekst'])}"
    if cel.get("marge"):
        tekst += rf" \ #text(6.3pt, fill: luma(110))[#{_typst_tekst('(' + cel['marge'] + ')')}]"
    return f"[{tekst}]"


def typst_bron(bijlage: list[dict], titel: str) -> str:
    """Typst source of the appendix tables, styled after ``rapport.css`` (sketch)."""
    regels = [
        f"#set document(title: {_typst_tekst(titel)})",
        '#set page(paper: "a4", margin: (x: 20mm, y: 22mm), footer: context [#h(1fr) '
        "Pagina #counter(page).display() van #counter(page).final().first()])",
        '#set text(font: "Source Sans Pro", size: 7.6pt, lang: "nl")',
        "#set table(inset: (x: 1.6mm, y: 1.1mm), stroke: (x, y) => if y == 0 "
        "{(bottom: 1pt)} else {(bottom: 0.5pt + luma(200))})",
        f"= {_typst_tekst(titel).join(['#', ''])}",
    ]
    for t in bijlage:
        n = len(t["kolommen"]) + 1
        regels.append(f"== #{_typst_tekst(t['titel'])}")
        regels.append(
            f"#table(columns: (2.4fr, {', '.join(['1fr'] * (n - 1))}), "
            f"align: (left, {', '.join(['right'] * (n - 1))}),"
        )
        kop = ["[*Buurt*]"] + [f"[*#{_typst_tekst(k['label'])}*]" for k in t["kolommen"]]
        regels.append(f"table.header({', '.join(kop)}),")
        gm = t["gemeente"]
        rijen = [(f"{gm['naam']} (gemeente)", gm["cellen"], True)]
        for g in t["groepen"]:
            rijen.append((f"{g['naam']} {g['code']}", g["cellen"] or [], True))
            rijen += [(f"{b['naam']} {b['code']}", b["cellen"], False) for b in g["buurten"]]
        for naam, cellen, vet in rijen:
            cel = [f"[#{_typst_tekst(naam)}]"] + [_typst_cel(c) for c in cellen]
            cel += ["[]"] * (n - len(cel))
            if vet:
                cel = [f'table.cell(fill: rgb("#f4f6f9"))[#strong{c}]' for c in cel]
            regels.append(", ".join(cel) + ",")
        regels.append(")")
    return "\n".join(regels)


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="WeasyPrint naast Typst op de bijlage.")
    ap.add_argument("werkmap", type=Path, help="builddirectory met data/processed/<gemeente>/")
    ap.add_argument("gemeente", help="gemeentecode, bijvoorbeeld GM0150")
    ap.add_argument("-n", type=int, default=3, help="aantal keer per machine (standaard 3)")
    ap.add_argument("--uit", type=Path, default=Path("/tmp/pdf_machines"), help="uitvoermap")
    ap.add_argument("--config", type=Path, action="append", help="als in render_rapport.py")
    args = ap.parse_args(argv)
    try:
        import typst
    except ModuleNotFoundError:
        print("Typst ontbreekt: installeer het voor deze meting met .venv/bin/pip install typst")
        return 2

    from pipeline.present import lettertype, report
    from pipeline.present.report.context import build_context

    configs = args.config or [REPO / "config" / "config.yaml"]
    inputs = _inputs(args.werkmap, args.gemeente, _config(configs))
    args.uit.mkdir(parents=True, exist_ok=True)

    html = report.render_html(**inputs)
    if len(_BIJLAGE.findall(html)) != 1:
        raise SystemExit("Geen (of meer dan één) bijlage-sectie in het rapport gevonden.")
    heel, zonder = args.uit / "rapport.html", args.uit / "zonder_bijlage.html"
    heel.write_text(html, encoding="utf-8")
    zonder.write_text(_BIJLAGE.sub("", html), encoding="utf-8")
    t_heel, p_heel = _best(lambda: report.html_to_pdf(heel, args.uit / "rapport.pdf"), args.n)
    t_zonder, p_zonder = _best(
        lambda: report.html_to_pdf(zonder, args.uit / "zonder_bijlage.pdf"), args.n
    )

    ctx = build_context(**inputs)
    bron = typst_bron(ctx["bijlage"], f"Bijlage wijkscan {args.gemeente}")
    (args.uit / "bijlage.typ").write_text(bron, encoding="utf-8")
    fonts = sorted({str(p.parent) for p in lettertype.font_files().values()})
    uit_typst = args.uit / "bijlage_typst.pdf"

    def met_typst() -> None:
        uit_typst.write_bytes(
            typst.compile(bron.encode(), font_paths=fonts, pdf_standards=["ua-1"])
        )

    t_typst, _ = _best(met_typst, args.n)

    print(f"{'machine':<34} {'beste (s)':>9} {'pagina':>7}")
    print(f"{'WeasyPrint, rapport heel':<34} {t_heel:>9.2f} {p_heel:>7}")
    print(f"{'WeasyPrint, rapport zonder bijlage':<34} {t_zonder:>9.2f} {p_zonder:>7}")
    print(f"{'WeasyPrint, bijlage (verschil)':<34} {t_heel - t_zonder:>9.2f} "
          f"{p_heel - p_zonder:>7}")  # fmt: skip
    print(f"{'Typst, bijlage (PDF/UA-1)':<34} {t_typst:>9.2f} {_pages(uit_typst):>7}")
    print(f"Uitvoer: {args.uit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

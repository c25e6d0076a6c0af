"""Two benchmark reports of ``benchmarks/run.py`` side by side: old and new code, one machine.

Usage (from the repository root)::

    .venv/bin/python benchmarks/naast_elkaar.py OUD.md NIEUW.md > benchmarks/results.md

Run ``run.py`` twice in a row on the same machine, once from a checkout of the old commit and
once from the new one (each with ``--uitvoer``). The output is the new report with, at the
top, a table of every measurement both reports have: wall time old and new, their ratio and
the peak memory of both. Nothing is computed here that the reports do not hold.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

#: A measurement row of run.py: | meting | wandtijd | piek proces | piek samen | PSS | doel | oordeel |
_ROW = re.compile(
    r"^\| (?P<naam>[^|]+?) \| (?P<tijd>[0-9.]+) s \| [^|]* \| (?P<samen>[0-9]+) (?:MB|MiB) \|"
)


def metingen(text: str) -> dict[str, tuple[float, int]]:
    """Measurement name -> (seconds, summed peak MiB; older reports wrote MB) from the table under '## Metingen'.

    Parameters
    ----------
    text
        A report written by ``benchmarks/run.py``.

    Returns
    -------
    dict
        In the order of the report.
    """
    part = text.split("## Metingen", 1)[-1].split("\n## ", 1)[0]
    out: dict[str, tuple[float, int]] = {}
    for line in part.splitlines():
        m = _ROW.match(line)
        if m:
            # A name measured twice (the floor per gemeente) keeps both, numbered.
            naam, n = m["naam"], 2
            while naam in out:
                naam, n = f"{m['naam']} ({n})", n + 1
            out[naam] = (float(m["tijd"]), int(m["samen"]))
    return out


def kop(text: str, veld: str) -> str:
    """The value of a header line ``- <veld> ...`` of a report (commit, datum)."""
    m = re.search(rf"^- {veld}:? (.+)$", text, flags=re.MULTILINE)
    return m[1] if m else "?"


def naast_elkaar(oud: str, nieuw: str) -> str:
    """The new report, preceded by a side-by-side table of both.

    Parameters
    ----------
    oud, nieuw
        Reports of ``run.py`` for the old and the new commit.

    Returns
    -------
    str
        Markdown.
    """
    a, b = metingen(oud), metingen(nieuw)
    rows = [
        "## Oud tegen nieuw (zelfde machine, na elkaar gemeten)",
        "",
        f"- oud: commit {kop(oud, 'commit')}, gemeten {kop(oud, 'datum')}",
        f"- nieuw: commit {kop(nieuw, 'commit')}, gemeten {kop(nieuw, 'datum')}",
        "",
        "| meting | oud | nieuw | nieuw/oud | piek samen oud | piek samen nieuw |",
        "|---|---|---|---|---|---|",
    ]
    for naam, (t_b, mb_b) in b.items():
        if naam not in a:
            continue
        t_a, mb_a = a[naam]
        ratio = f"{t_b / t_a:.2f}" if t_a > 0 else "n.b."
        rows.append(f"| {naam} | {t_a:.2f} s | {t_b:.2f} s | {ratio} | {mb_a} MiB | {mb_b} MiB |")
    alleen = [n for n in b if n not in a] + [n for n in a if n not in b]
    if alleen:
        rows += ["", "In één van de twee rapporten: " + "; ".join(alleen) + "."]
    title, _, rest = nieuw.partition("\n")
    return "\n".join([title, "", *rows, "", rest.lstrip("\n")])


def main(argv: list[str] | None = None) -> int:
    """Print the combined report."""
    ap = argparse.ArgumentParser(description="Twee benchmarkrapporten naast elkaar.")
    ap.add_argument("oud", type=Path, help="rapport van run.py op de oude commit")
    ap.add_argument("nieuw", type=Path, help="rapport van run.py op de nieuwe commit")
    args = ap.parse_args(argv)
    for path in (args.oud, args.nieuw):
        if not path.is_file():
            print(f"Rapport niet gevonden: {path}", file=sys.stderr)
            return 2
    oud = args.oud.read_text(encoding="utf-8")
    nieuw = args.nieuw.read_text(encoding="utf-8")
    if not metingen(oud) or not metingen(nieuw):
        print(
            "Geen tabel '## Metingen' in een van de rapporten (is het van run.py?)", file=sys.stderr
        )
        return 2
    sys.stdout.write(naast_elkaar(oud, nieuw))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Compare the products of two builds: same numbers, same text (apart from the build date).

Usage (from the repository root)::

    .venv/bin/python benchmarks/vergelijk_producten.py OUD NIEUW

``OUD`` and ``NIEUW`` are two working directories in which the same configuration was built
(for example a clean clone of main before a refactoring and the working tree after it). The
script compares, for every gemeente and region found in ``OUD``:

* ``data/processed/<GM>/indicatoren.parquet``: same rows, columns and values (exact; NaN
  equals NaN, because a missing figure must stay missing);
* ``reports/**/*.csv`` and ``*.xlsx``: the same tables cell by cell;
* ``reports/**/*.pdf``: the same page count and the same text (``pdftotext``);
* ``reports/**/*.html``: the same visible text (tags, embedded images and scripts removed).

Dates and times of the build ("Gemaakt op 4 december 2026", ISO timestamps) are replaced by
a placeholder before text is compared, so a build on another day still counts as equal.
A file present in one build only is a difference. Exit code 0 means equal, 1 means at least
one difference (each printed with the file and the first differing line), 2 means a usage
error. This is the check issue 13 asks for ("all products number-identical to main"), and it
works for any change that should leave the numbers alone.
"""

from __future__ import annotations

import argparse
import difflib
import html
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

MAANDEN = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
#: Build-time stamps; everything else in the text must be equal.
TIJD_PATRONEN = (
    re.compile(rf"\b\d{{1,2}} ({MAANDEN}) \d{{4}}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"),
)
TIJD = "<datum>"


@dataclass
class Verschillen:
    """Differences found, per file (relative path) with a short description."""

    regels: list[str] = field(default_factory=list)
    bestanden: int = 0

    def add(self, pad: str, wat: str) -> None:
        self.regels.append(f"{pad}: {wat}")


def normalize_text(text: str) -> list[str]:
    """Lines of ``text`` with build dates replaced and blank lines and spacing removed.

    Parameters
    ----------
    text : str
        Text of a product (PDF or HTML).

    Returns
    -------
    list of str
        Non-empty, whitespace-normalised lines.
    """
    for patroon in TIJD_PATRONEN:
        text = patroon.sub(TIJD, text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def pdf_text(path: Path) -> tuple[int, list[str]]:
    """Page count and normalised text of a PDF (poppler's ``pdfinfo``/``pdftotext``)."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, normalize_text(text)


_VERBORGEN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_DATA_URI = re.compile(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+")


def html_text(path: Path) -> list[str]:
    """Visible text of an HTML report, normalised (images and styles removed)."""
    raw = path.read_text(encoding="utf-8")
    raw = _DATA_URI.sub("", _VERBORGEN.sub("", raw))
    # Block-level tags end a line, so a changed paragraph shows as one changed line.
    raw = re.sub(r"</(p|li|tr|h[1-6]|div|caption|figcaption)>|<br\s*/?>", "\n", raw, flags=re.I)
    return normalize_text(html.unescape(_TAG.sub(" ", raw)))


def first_difference(a: list[str], b: list[str]) -> str:
    """The first differing lines of two texts, as ``'old' oud, 'new' nieuw``."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            oud = a[i1] if i1 < i2 else ""
            nieuw = b[j1] if j1 < j2 else ""
            return f"{oud[:120]!r} oud, {nieuw[:120]!r} nieuw"
    return "(geen verschil)"


def compare_frames(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """Describe the first difference between two tables, or ``None`` when equal.

    Values are compared exactly (floats too: a refactoring must give the same numbers);
    a NaN matches only a NaN.
    """
    if list(a.columns) != list(b.columns):
        extra = sorted(set(b.columns) - set(a.columns))
        weg = sorted(set(a.columns) - set(b.columns))
        return f"kolommen verschillen (nieuw: {extra[:5]}, weg: {weg[:5]}, of andere volgorde)"
    if a.shape != b.shape:
        return f"{a.shape[0]} rijen oud, {b.shape[0]} nieuw"
    for col in a.columns:
        x, y = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
            same = (xv == yv) | (np.isnan(xv) & np.isnan(yv))
        else:
            same = ((x.astype(object) == y.astype(object)) | (x.isna() & y.isna())).to_numpy()
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            return f"kolom {col!r}, rij {i + 1}: {x.iloc[i]!r} oud, {y.iloc[i]!r} nieuw"
    return None


def _undate(value: object) -> object:
    if isinstance(value, str):
        for patroon in TIJD_PATRONEN:
            value = patroon.sub(TIJD, value)
    return value


def _read_table(path: Path) -> dict[str, pd.DataFrame]:
    if path.suffix == ".parquet":
        tables = {"": pd.read_parquet(path)}
    elif path.suffix == ".csv":
        tables = {"": pd.read_csv(path, sep=None, engine="python", dtype=str)}
    else:
        tables = pd.read_excel(path, sheet_name=None, dtype=str)
    # Text cells may carry the build date (the XLSX 'Toelichting' sheet); numbers do not.
    return {
        blad: df.apply(lambda s: s.map(_undate) if not pd.api.types.is_numeric_dtype(s) else s)
        for blad, df in tables.items()
    }


def compare_file(oud: Path, nieuw: Path) -> str | None:
    """Describe the first difference between two products of the same kind, or ``None``."""
    suffix = oud.suffix
    if suffix in (".parquet", ".csv", ".xlsx"):
        a, b = _read_table(oud), _read_table(nieuw)
        if list(a) != list(b):
            return f"bladen verschillen: {list(a)} oud, {list(b)} nieuw"
        for blad in a:
            diff = compare_frames(a[blad], b[blad])
            if diff:
                return f"{'blad ' + repr(blad) + ', ' if blad else ''}{diff}"
        return None
    if suffix == ".pdf":
        (pa, ta), (pb, tb) = pdf_text(oud), pdf_text(nieuw)
        if pa != pb:
            return f"{pa} pagina's oud, {pb} nieuw"
        return None if ta == tb else f"tekst: {first_difference(ta, tb)}"
    if suffix == ".html":
        ta, tb = html_text(oud), html_text(nieuw)
        return None if ta == tb else f"tekst: {first_difference(ta, tb)}"
    raise ValueError(f"onbekend producttype: {oud}")


PRODUCTEN = (
    "data/processed/*/indicatoren.parquet",
    "reports/**/*.csv",
    "reports/**/*.xlsx",
    "reports/**/*.pdf",
    "reports/**/*.html",
)


def compare_builds(oud: Path, nieuw: Path) -> Verschillen:
    """Compare every product of two build directories.

    Parameters
    ----------
    oud, nieuw : Path
        Working directories of the two builds (each with ``reports/`` and ``data/processed/``).

    Returns
    -------
    Verschillen
        One line per differing or missing file; ``bestanden`` counts the files compared.
    """
    res = Verschillen()
    namen = sorted(
        {
            p.relative_to(d).as_posix()
            for d in (oud, nieuw)
            for pat in PRODUCTEN
            for p in d.glob(pat)
        }
    )
    for naam in namen:
        a, b = oud / naam, nieuw / naam
        if not a.exists() or not b.exists():
            res.add(naam, "alleen in " + ("nieuw" if b.exists() else "oud"))
            continue
        res.bestanden += 1
        diff = compare_file(a, b)
        if diff:
            res.add(naam, diff)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("oud", type=Path, help="werkmap van de eerste build")
    parser.add_argument("nieuw", type=Path, help="werkmap van de tweede build")
    args = parser.parse_args(argv)
    for d in (args.oud, args.nieuw):
        if not (d / "reports").is_dir():
            print(f"FOUT: {d} heeft geen map reports/; bouw daar eerst de producten.")
            return 2
    res = compare_builds(args.oud, args.nieuw)
    if res.bestanden == 0:
        print("FOUT: geen producten gevonden om te vergelijken.")
        return 2
    for regel in res.regels:
        print(regel)
    oordeel = "gelijk" if not res.regels else f"{len(res.regels)} verschillen"
    print(f"{res.bestanden} producten vergeleken: {oordeel}.")
    return 0 if not res.regels else 1


if __name__ == "__main__":
    sys.exit(main())

"""The session files on disk: keep a filled-in one, then write workbook and CSV twin.

Split from :mod:`pipeline.present.sessie` (what the workbook holds and how it looks):
this module decides whether a file at the destination holds somebody's notes, moves such
a file aside under a new name (never overwriting), and writes the new pair.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import klassen, texts
from pipeline.present.sessie import (
    BLAD_BUURTEN,
    BLAD_LIJSTEN,
    BLAD_SESSIE,
    BLAD_TOELICHTING,
    CSV_SESSIE,
    INVULKOLOMMEN,
    SESSIE_LABELS,
    werkboek_rijen,
    write_csv,
    write_workbook,
)


def is_ingevuld(path: Path) -> bool:
    """Has anybody written in this session workbook or CSV (beyond what wijkscan put in)?

    Filled: any cell from the first fill-in column on (also extra columns to the right) in
    'Buurten' or the CSV, any value on the 'Sessie' sheet other than the labels and the
    pre-filled gemeente, or any extra sheet with content. A file that cannot be read, or
    whose fill-in headers are gone, counts as filled: keeping a copy too many is harmless,
    losing an evening's notes is not.

    Parameters
    ----------
    path
        ``sessie_<GM>.xlsx`` or ``.csv``; a missing file is not filled.
    """
    from pipeline.errors import WijkscanError
    from pipeline.ingest.sessie_cellen import csv_rijen, open_xlsx

    path = Path(path)
    if not path.exists():
        return False
    invul = set(INVULKOLOMMEN.values()) | set(CSV_SESSIE.values())
    try:
        if path.suffix.lower() == ".csv":
            kop, rows = csv_rijen(path)
            if not set(kop) & invul:
                return path.stat().st_size > 0
            eerste = min(i for i, k in enumerate(kop) if k in invul)
            later = set(kop[eerste:])
            return any(str(v or "").strip() for _, r in rows for k, v in r.items() if k in later)
        wb = open_xlsx(path, read_only=True)
    except (WijkscanError, OSError, UnicodeError, ValueError):
        return True
    try:
        return _xlsx_ingevuld(wb, invul)
    finally:
        wb.close()


def _gevuld(v: Any) -> bool:
    return v is not None and str(v).strip() != ""


def _xlsx_ingevuld(wb: Any, invul: set[str]) -> bool:
    if BLAD_BUURTEN not in wb.sheetnames:
        return True
    rows = wb[BLAD_BUURTEN].iter_rows(values_only=True)
    kop = [str(c or "").strip() for c in next(rows, ())]
    if not set(kop) & invul:
        return True
    eerste = min(i for i, k in enumerate(kop) if k in invul)
    if any(_gevuld(v) for row in rows for v in row[eerste:]):
        return True
    labels = set(SESSIE_LABELS.values())
    vooraf = {SESSIE_LABELS["gemeentecode"], SESSIE_LABELS["gemeente"]}
    if BLAD_SESSIE in wb.sheetnames:
        for row in wb[BLAD_SESSIE].iter_rows(values_only=True):
            label = str(row[0] or "").strip() if row else ""
            for c, v in enumerate(row):
                eigen = (c == 0 and label in labels) or (c == 1 and label in vooraf)
                if _gevuld(v) and not eigen:
                    return True
    andere = set(wb.sheetnames) - {BLAD_BUURTEN, BLAD_SESSIE, BLAD_TOELICHTING, BLAD_LIJSTEN}
    return any(_gevuld(v) for b in andere for row in wb[b].iter_rows(values_only=True) for v in row)


def bewaar_ingevuld(paths: list[Path], nu: dt.datetime | None = None) -> list[tuple[Path, Path]]:
    """Move filled session files aside before new ones are written; never overwrite a file.

    ``sessie_GM0226.xlsx`` becomes ``sessie_GM0226_ingevuld_20250312-213000.xlsx`` (``-2``,
    ``-3`` ... when that name is taken). The move is a hard link plus unlink (a rename that
    cannot replace an existing file), so at every moment the notes exist under a name.

    Parameters
    ----------
    paths
        The workbook and its CSV twin (files that are missing or not filled are left alone).
    nu
        Time for the name (default: now, local time).

    Returns
    -------
    list of (Path, Path)
        ``(original path, where it went)`` per moved file.
    """
    stempel = f"{nu or dt.datetime.now():%Y%m%d-%H%M%S}"
    bewaard = []
    for p in map(Path, paths):
        if is_ingevuld(p):
            bewaard.append(
                (p, _verplaats(p, p.with_name(f"{p.stem}_ingevuld_{stempel}{p.suffix}")))
            )
    return bewaard


def _verplaats(src: Path, doel: Path) -> Path:
    n = 1
    while True:
        dst = doel if n == 1 else doel.with_name(f"{doel.stem}-{n}{doel.suffix}")
        n += 1
        try:
            os.link(src, dst)
        except FileExistsError:
            continue
        except OSError:
            # No hard links on this file system: claim the name first, then rename onto it.
            try:
                os.close(os.open(dst, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                continue
            os.replace(src, dst)
            return dst
        src.unlink()
        return dst


def bewaard_melding(bewaard: list[tuple[Path, Path]]) -> str:
    """Dutch warning for the build log: which filled file went where, and how to use it."""
    if not bewaard:
        return ""
    regels = [f"  {oud}  ->  {nieuw}" for oud, nieuw in bewaard]
    xlsx = next((nieuw for _, nieuw in bewaard if nieuw.suffix == ".xlsx"), bewaard[0][1])
    doel = f"sessies/{xlsx.name}"
    return (
        "Het sessiewerkboek was ingevuld en wordt nu opnieuw gemaakt. Uw ingevulde versie is "
        "niet overschreven maar opzijgezet:\n"
        + "\n".join(regels)
        + "\nGebruik het zo in rapport en vouwkaart: zet het in een eigen map "
        f"(mkdir -p sessies && mv {xlsx} {doel}) en noem het in de instellingen onder "
        f"bronnen.sessies (type: lokaal, pad: [{doel}]); draai dan wijkscan opnieuw. Vul "
        "voortaan een kopie buiten de map reports in."
    )


def write_session_files(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    weging: dict[str, float],
    xlsx: Path,
    csv: Path,
) -> tuple[int, list[tuple[Path, Path]]]:
    """Build the rows (with the report's ranking) and write workbook and CSV twin.

    A workbook or CSV at ``xlsx``/``csv`` that was filled in is first moved aside
    (:func:`bewaar_ingevuld`).

    Parameters
    ----------
    indicatoren, registry, meta
        Published table, registry and ``bronnen.json`` of one gemeente.
    weging
        Validated report weights (:func:`pipeline.present.report.rapport_config`); the place printed
        next to each buurt is the one of the report's 'Buurten in beeld'.
    xlsx, csv
        Destinations.

    Returns
    -------
    tuple of (int, list of (Path, Path))
        Number of buurt rows, and the filled files that were moved aside (old, new path).
    """
    from pipeline.present.report import buurt_scores

    zonder = [k for k in registry if k in indicatoren and not klassen.buurtsignaal(meta, k).signaal]
    scores, _ = buurt_scores(indicatoren, registry, weging, zonder_signaal=zonder)
    rijen = werkboek_rijen(indicatoren, registry, meta, scores)
    gm = texts.gemeente_code(indicatoren)
    naam = str(meta.get("gemeentenaam") or gm)
    bewaard = bewaar_ingevuld([Path(xlsx), Path(csv)])
    kop = texts.fictief_kop(meta) if meta.get("fictief") else ""
    write_workbook(rijen, gm, naam, Path(xlsx), fictief=kop)
    write_csv(rijen, Path(csv), texts.fictief_tekst(meta) if meta.get("fictief") else "")
    return len(rijen), bewaard

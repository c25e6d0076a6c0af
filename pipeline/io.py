"""Atomic file output: a failing step never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import WijkscanError


def source_date_epoch() -> dt.datetime | None:
    """Build time from ``SOURCE_DATE_EPOCH`` (reproducible builds), in UTC.

    With the variable set, every timestamp written into an output (build date, PDF and
    XLSX metadata, zip entries, GeoPackage) comes from it, so two builds of the same
    inputs give the same bytes (https://reproducible-builds.org/specs/source-date-epoch/).

    Returns
    -------
    datetime.datetime or None
        Timezone-aware UTC time, or None when the variable is unset or empty.

    Raises
    ------
    WijkscanError
        When the variable is not a whole number of seconds.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        seconds = int(raw)
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise WijkscanError(
            f"SOURCE_DATE_EPOCH is '{raw}', geen geldig tijdstip.",
            waar="omgevingsvariabele SOURCE_DATE_EPOCH",
            oplossing="Geef een geheel aantal seconden sinds 1970 (bijv. "
            "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)), of laat de variabele weg.",
        ) from None


def file_mode(path: Path) -> int:
    """Mode for a file replacing ``path``: the existing file's mode, else 0644 minus umask.

    ``mkstemp`` creates files with mode 0600, which would make reports unreadable for
    colleagues on a shared server.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o644 & ~umask


def fsync_dir(directory: Path) -> None:
    """Persist a rename in ``directory`` (not possible on every platform, e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only on success.

    Parameters
    ----------
    path
        Final destination. Its directory is created if needed.

    Yields
    ------
    pathlib.Path
        Temporary file path with the same suffix (so writers pick the right format).
        For a ``.gpkg`` GDAL's write date follows ``SOURCE_DATE_EPOCH`` (:func:`gdal_build_date`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The prefix marks it as ours: crash clean-up (pipeline.workflow.lifecycle) removes only these.
    fd, tmp = tempfile.mkstemp(
        prefix=f".wijkscan-tmp.{path.stem}.", suffix=path.suffix, dir=path.parent
    )
    os.close(fd)
    os.unlink(tmp)  # some writers (GDAL) refuse to overwrite an existing empty file
    tmp_path = Path(tmp)
    if path.suffix.lower() == ".gpkg":
        gdal_build_date()
    try:
        yield tmp_path
        if not tmp_path.exists():
            raise RuntimeError(f"writer produced no file for {path}")
        os.chmod(tmp_path, file_mode(path))
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


#: Whether :func:`gdal_build_date` set GDAL's date (so it can unset it again).
_GDAL_DATE_SET = False


def gdal_build_date() -> None:
    """Let GDAL stamp ``SOURCE_DATE_EPOCH`` instead of now into the GeoPackages it writes.

    GDAL writes the time into ``gpkg_contents.last_change``; ``OGR_CURRENT_DATE`` is its
    documented switch for reproducible files. GDAL's option is process wide, so it is set
    for the whole process (render threads write at the same time; restoring it after
    one write would race), and unset again when the variable is gone.
    """
    global _GDAL_DATE_SET
    when = source_date_epoch()
    if when is None and not _GDAL_DATE_SET:
        return
    import pyogrio

    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") if when else None
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    _GDAL_DATE_SET = when is not None


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write a DataFrame as Parquet, atomically."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def write_json(obj: Any, path: str | Path) -> None:
    """Write JSON (UTF-8, indented), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def write_text(text: str, path: str | Path) -> None:
    """Write a text file (UTF-8), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_records(
    path: Path, sep: str, *, wat: str, laatste: str, encoding: str = "utf-8-sig"
) -> None:
    """Refuse a CSV whose records do not all have as many fields as the header.

    A download or copy that was cut off ends in a partial record; pandas would fill
    the missing fields with empty cells and keep a cut number such as ``30`` (from
    ``3045``) as if it were delivered. Ragged records elsewhere mean a broken edit. Used
    for every CSV a user supplies (KWB, Primos, BRP): a cut Primos file said "Onbekend
    geslacht ... ''" and a cut number "De hoogste leeftijdsklasse is niet open".

    Parameters
    ----------
    path
        The CSV file.
    sep
        Field separator.
    wat
        What the file is, for the message ('KWB-bestand', 'Primos-bestand').
    laatste
        What its last record should be, for the fix ('de laatste buurt').
    encoding
        The file's encoding.

    Raises
    ------
    WijkscanError
        Naming the first short or long record (line number and its first field).
    """
    with Path(path).open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        header = next(reader, [])
        for record in reader:
            if not any(cell.strip() for cell in record) or len(record) == len(header):
                continue
            first = record[0].strip() if record else ""
            cut = len(record) < len(header)
            raise WijkscanError(
                f"Het {wat} {Path(path).name} is "
                + (
                    "afgebroken of beschadigd: een regel heeft minder velden"
                    if cut
                    else "beschadigd: een regel heeft meer velden"
                )
                + f" ({len(record)}) dan de kop ({len(header)}).",
                waar=f"{path}, regel {reader.line_num}" + (f" ({first})" if first else ""),
                oplossing="Download of exporteer het bestand opnieuw en controleer dat het "
                f"volledig is (de laatste regel hoort bij {laatste}); pas geen "
                "scheidingstekens aan in een teksteditor.",
            )

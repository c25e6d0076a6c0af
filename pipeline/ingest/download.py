"""Robust file downloads (PDOK GeoPackages) with time-out, retries and atomic replace.

A download is streamed to a temporary file next to the destination, checked
(size against ``Content-Length``, optional content validation) and only then
moved into place with :func:`os.replace`. The destination therefore never holds
a partial file, and a failed download leaves an existing file byte-identical.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import requests

from pipeline.errors import WijkscanError
from pipeline.ingest.pogingen import POGINGEN, TIMEOUT, MisluktePoging, Permanent, retry
from pipeline.io import file_mode, fsync_dir

__all__ = ["download_file", "validate_gpkg", "validate_zip"]

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_SQLITE_MAGIC = b"SQLite format 3\x00"
_USER_AGENT = "wijkscan/0.1 (pipeline download)"


def download_file(
    url: str,
    dest: Path,
    *,
    timeout: float = TIMEOUT,
    retries: int = POGINGEN,
    backoff: float = 2.0,
    validate: Callable[[Path], None] | None = None,
    oplossing: str | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically, retrying transient failures.

    Parameters
    ----------
    url
        HTTP(S) address.
    dest
        Destination file; its directory is created if needed.
    timeout
        Seconds per connect and per read of the stream (requests semantics, not
        a limit on the whole download).
    retries
        Total number of attempts, at least 1.
    backoff
        Seconds before the second attempt; doubled for every further attempt.
    validate
        Called with the complete temporary file before it replaces ``dest``;
        must raise (preferably :class:`WijkscanError`) if the content is unusable,
        e.g. ``lambda p: validate_gpkg(p, "buurt_gegeneraliseerd")``.
    oplossing
        How to fix a refused URL (HTTP 4xx); default: the PDOK advice.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    WijkscanError
        HTTP 404/4xx (not retried); content that fails validation although the
        server's ``Content-Length`` was received in full (not retried: the server
        serves that content); or still failing after ``retries`` attempts
        (connection errors, time-outs, HTTP 5xx, truncated bodies). ``dest`` is
        unchanged in all cases and no temporary file is left behind.

    Notes
    -----
    Validation failures are retried only when completeness could not be checked
    (no ``Content-Length``), because then truncation is the likely cause.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)

    def attempt() -> None:
        # Same directory (os.replace is atomic only within a file system) and the
        # same extension (GDAL warns about a GeoPackage not named *.gpkg).
        fd, tmp_name = tempfile.mkstemp(
            dir=dest.parent, prefix=f".{dest.name}.", suffix=f".part{dest.suffix}"
        )
        tmp = Path(tmp_name)
        try:
            _fetch_to(
                url, fd, tmp, timeout=timeout, validate=validate, dest=dest, oplossing=oplossing
            )
            os.chmod(tmp, file_mode(dest))
            os.replace(tmp, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def give_up(attempts: int, last: str) -> WijkscanError:
        return WijkscanError(
            f"Downloaden van {dest.name} is mislukt na {attempts} poging(en). Laatste fout: {last}",
            waar=url,
            oplossing="Controleer de internetverbinding en probeer het later opnieuw, "
            "of download het bestand zelf en gebruik bron: lokaal.",
        )

    def warn(p: MisluktePoging) -> None:
        log.warning(
            "Download %s, poging %d/%d mislukt (%s); nieuwe poging over %.1f s",
            url,
            p.nummer,
            p.pogingen,
            p.fout,
            p.wachttijd,
        )

    retry(
        attempt, pogingen=retries, backoff=backoff, describe=_retryable, give_up=give_up, warn=warn
    )
    fsync_dir(dest.parent)
    log.info("Gedownload: %s -> %s (%d bytes)", url, dest, dest.stat().st_size)
    return dest


class _Incomplete(Exception):
    """Fewer bytes than announced, or an empty body."""


class _Invalid(Exception):
    """Validation failed on a body whose completeness could not be checked."""


def _fetch_to(
    url: str,
    fd: int,
    tmp: Path,
    *,
    timeout: float,
    validate: Callable[[Path], None] | None,
    dest: Path,
    oplossing: str | None = None,
) -> None:
    headers = {"User-Agent": _USER_AGENT}
    with os.fdopen(fd, "wb") as fh:
        with requests.get(url, stream=True, timeout=timeout, headers=headers) as r:
            if r.status_code >= 400:
                reason = f"HTTP {r.status_code} {r.reason or ''}".strip()
                if r.status_code in _RETRY_STATUS or r.status_code >= 500:
                    raise requests.HTTPError(reason, response=r)
                raise Permanent(
                    WijkscanError(
                        f"Downloaden van {dest.name} kan niet: de server antwoordt {reason}.",
                        waar=url,
                        oplossing=oplossing
                        or "Controleer de URL in de configuratie (pdok.url, peiljaar). "
                        "PDOK publiceert een GeoPackage per jaar; mogelijk bestaat dit jaar niet.",
                    )
                )
            expected = _expected_length(r)
            written = 0
            # decode_content: requests undoes gzip transfer encoding; Content-Length
            # then refers to the compressed size, so _expected_length ignores it.
            for chunk in r.iter_content(chunk_size=_CHUNK):
                if chunk:
                    fh.write(chunk)
                    written += len(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    if written == 0:
        raise _Incomplete("lege respons (0 bytes)")
    if expected is not None and written != expected:
        raise _Incomplete(f"{written} van {expected} bytes ontvangen")
    if validate is None:
        return
    try:
        validate(tmp)
    except Exception as exc:  # any validator failure means: do not install this file
        error = exc if isinstance(exc, WijkscanError) else None
        if expected is None:
            raise _Invalid(str(exc)) from exc
        if error is None:
            error = WijkscanError(
                f"Het gedownloade bestand {dest.name} is onbruikbaar: {exc}",
                waar=url,
                oplossing="Probeer het later opnieuw of gebruik bron: lokaal.",
            )
        raise Permanent(
            WijkscanError(
                f"Download van {url} is volledig binnengekomen maar onbruikbaar: {error.wat}",
                waar=url,
                oplossing=(error.oplossing or "") + " Het bestaande bestand is niet overschreven.",
            )
        ) from exc


def _expected_length(r: requests.Response) -> int | None:
    if r.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    value = r.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout):
        return f"time-out ({exc.__class__.__name__})"
    text = str(exc).replace("\n", " ")
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{exc.__class__.__name__.lstrip('_')}: {text}"


def _retryable(exc: Exception) -> str:
    """Describe a failure another attempt may fix; re-raise any other error."""
    if isinstance(exc, (requests.RequestException, _Incomplete, _Invalid)):
        return _describe(exc)
    raise exc


def validate_gpkg(path: Path, layer: str | None = None) -> None:
    """Check that ``path`` is a readable GeoPackage with features.

    Parameters
    ----------
    path
        File to check.
    layer
        Layer that must exist and contain at least one feature; without it every
        layer must be readable and together they must contain a feature.

    Raises
    ------
    WijkscanError
        When the file is missing, empty, not a GeoPackage (e.g. an HTML error
        page), unreadable, lacks ``layer`` (the message lists the layers) or has
        no features.
    """
    import pyogrio  # local import: GDAL is only needed when geometry is used

    path = Path(path)
    name = path.name
    fix = (
        "Verwijder het bestand en laat de pipeline het opnieuw downloaden, of gebruik "
        "bron: lokaal met een geldige GeoPackage (bijvoorbeeld van PDOK, CBS-gebiedsindelingen)."
    )
    if not path.is_file() or path.stat().st_size == 0:
        raise WijkscanError(
            f"GeoPackage {name} ontbreekt of is leeg.", waar=str(path), oplossing=fix
        )
    with path.open("rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head != _SQLITE_MAGIC:
        preview = head.decode("latin-1").strip()
        raise WijkscanError(
            f"{name} is geen GeoPackage (begint met {preview[:16]!r}; "
            "mogelijk een foutpagina van de server).",
            waar=str(path),
            oplossing=fix,
        )
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises several DataSource errors
        raise WijkscanError(
            f"GeoPackage {name} is beschadigd of onleesbaar ({exc.__class__.__name__}: {exc}).",
            waar=str(path),
            oplossing=fix,
        ) from exc
    if layer is not None and layer not in layers:
        raise WijkscanError(
            f"Laag {layer!r} ontbreekt in GeoPackage {name}. "
            f"Aanwezige lagen: {', '.join(layers) or '(geen)'}.",
            waar=str(path),
            oplossing="Kies een bestaande laag in de configuratie (pdok.laag) of gebruik een "
            "GeoPackage van het juiste jaar.",
        )
    total = 0
    for lyr in [layer] if layer is not None else layers:
        try:
            info = pyogrio.read_info(path, layer=lyr)
            count = int(info.get("features", -1))
            if count != 0:
                # Read one feature: a corrupt page often only shows up on reading.
                pyogrio.read_dataframe(path, layer=lyr, max_features=1)
        except Exception as exc:  # pyogrio/GDAL errors
            raise WijkscanError(
                f"Laag {lyr!r} in GeoPackage {name} is onleesbaar "
                f"({exc.__class__.__name__}: {exc}).",
                waar=str(path),
                oplossing=fix,
            ) from exc
        total += max(count, 0)
    if total == 0:
        what = f"Laag {layer!r} in GeoPackage {name}" if layer else f"GeoPackage {name}"
        raise WijkscanError(f"{what} bevat geen objecten.", waar=str(path), oplossing=fix)


def validate_zip(path: Path, members: tuple[str, ...] = ()) -> None:
    """Check that ``path`` is a readable zip archive holding ``members``.

    Parameters
    ----------
    path
        File to check (e.g. a CBS bulk download, ``datasets.cbs.nl/csv/CBS/nl/<tabel>``).
    members
        File names that must be in the archive, e.g. ``("Observations.csv",)``.

    Raises
    ------
    WijkscanError
        When the file is not a zip (e.g. an HTML error page), is damaged (its central
        directory is at the end, so a truncated download fails here) or lacks a member.
    """
    import zipfile

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise WijkscanError(
            f"{path.name} is geen leesbaar zip-bestand ({exc.__class__.__name__}: {exc}).",
            waar=str(path),
            oplossing="Probeer de download later opnieuw; mogelijk gaf de server een foutpagina.",
        ) from exc
    missing = [m for m in members if m not in names]
    if missing:
        raise WijkscanError(
            f"{path.name} mist {', '.join(missing)} (aanwezig: {', '.join(sorted(names)[:8])}).",
            waar=str(path),
            oplossing="Controleer het tabelnummer; de CBS-download hoort Observations.csv en de "
            "codebestanden te bevatten.",
        )

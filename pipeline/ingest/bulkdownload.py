"""03759ned from the CBS bulk download (OData v4, ``datasets.cbs.nl/csv``).

The bulk download is a zip with ``Observations.csv`` and one ``<Dimensie>Codes.csv`` per
dimension. :func:`fetch_bulk_03759ned` downloads it once (retried, shared by all
gemeenten), :func:`read_bulk_rows` streams the rows of some regions and one year out of
``Observations.csv``, and :func:`bulk_naar_untyped` converts them to the UntypedDataSet
layout :func:`pipeline.ingest.gemeentebevolking.parse_03759ned` reads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.gemeentebevolking import BURGERLIJKE_STAAT_TITELS, BURGERLIJKE_STAAT_TOTAAL
from pipeline.ingest.pogingen import POGINGEN, TIMEOUT
from pipeline.ingest.statline import require_columns, strip_keys, voorbeelden

log = logging.getLogger(__name__)

#: Measure code of "Bevolking op 1 januari" in the OData v4 layout of 03759ned (seen in two
#: public projects: an R script reading the bulk ``Observations.csv`` and a sync service
#: filtering ``Measure eq 'M000352'``). Looked up by title first; this is the fallback.
MAAT_BEVOLKING_1_JANUARI = "M000352"
#: Fixed (non-dimension) columns of ``Observations.csv`` in the bulk download.
BULK_VASTE_KOLOMMEN: frozenset[str] = frozenset(
    {"Id", "Measure", "ValueAttribute", "Value", "StringValue"}
)


def read_codes(zf: Any, name: str) -> pd.DataFrame:
    """Read a ``;``-separated codes file (e.g. ``LeeftijdCodes.csv``) from the open bulk zip."""
    import io

    with zf.open(name) as raw:
        return pd.read_csv(
            io.TextIOWrapper(raw, encoding="utf-8-sig"),
            sep=";",
            dtype=str,
            keep_default_na=False,
        )


def _codes_titels(codes: pd.DataFrame, dimensie: str, bron: str) -> dict[str, str]:
    cols = {str(c).strip().lower(): c for c in codes.columns}
    if "identifier" not in cols or "title" not in cols:
        raise WijkscanError(
            f"Het codebestand van {dimensie} mist de kolommen 'Identifier' en/of 'Title'.",
            waar=f"{bron}, {dimensie}Codes.csv",
            oplossing="Gebruik de volledige download van CBS (datasets.cbs.nl/csv/CBS/nl/"
            "<tabel>), niet een bewerkte versie.",
        )
    return dict(
        zip(
            strip_keys(codes[cols["identifier"]]),
            codes[cols["title"]].astype(str).str.strip(),
            strict=True,
        )
    )


def maat_bevolking(measure_codes: pd.DataFrame, bron: str = "03759ned") -> str:
    """The measure code of "Bevolking op 1 januari" from ``MeasureCodes.csv``.

    Raises
    ------
    WijkscanError
        When no measure has that title and the documented code is absent too.
    """
    titels = _codes_titels(measure_codes, "Measure", bron)
    for code, titel in titels.items():
        if titel.lower().startswith("bevolking op 1 januari"):
            return code
    if MAAT_BEVOLKING_1_JANUARI in titels:
        return MAAT_BEVOLKING_1_JANUARI
    raise WijkscanError(
        "Geen maat 'Bevolking op 1 januari' in de download.",
        waar=f"{bron}, MeasureCodes.csv (maten: {voorbeelden(titels.values())})",
        oplossing="Controleer het tabelnummer (cbs.bevolking_tabel): verwacht 03759ned.",
    )


def bulk_naar_untyped(
    observaties: pd.DataFrame,
    codes: Mapping[str, pd.DataFrame],
    maat: str,
    *,
    bron: str = "03759ned",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Convert 03759ned rows of the bulk download to the UntypedDataSet layout.

    The bulk download (a zip with ``Observations.csv`` and one ``<Dimensie>Codes.csv``
    per dimension, ``;``-separated) is long: one row per measure with ``Measure``,
    ``Value`` and ``ValueAttribute``. The rows of one gemeente and year are turned into
    the layout :func:`pipeline.ingest.gemeentebevolking.parse_03759ned` reads, so both
    routes share every check.

    Parameters
    ----------
    observaties
        Rows of ``Observations.csv`` (as text), already limited to one gemeente/year.
    codes
        Dimension name -> its codes file (``Identifier``, ``Title``); needs ``Leeftijd``
        and, when the rows have that dimension, ``BurgerlijkeStaat``.
    maat
        Measure code of "Bevolking op 1 januari" (:func:`maat_bevolking`).
    bron
        Name for messages.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)``: rows with ``ID, Geslacht, Leeftijd, BurgerlijkeStaat,
        RegioS, Perioden, BevolkingOp1Januari_1`` (empty value -> ``'.'``), and the
        Leeftijd dimension (``Key``, ``Title``) from ``LeeftijdCodes.csv``.
        BurgerlijkeStaat codes are translated to the keys of
        :data:`pipeline.ingest.gemeentebevolking.BURGERLIJKE_STAAT_TITELS`
        by their title, so a different code list cannot mislabel a category.

    Raises
    ------
    WijkscanError
        Missing columns or codes files, unknown BurgerlijkeStaat titles.
    """
    oplossing = "Gebruik de volledige download van CBS (datasets.cbs.nl/csv/CBS/nl/03759ned)."
    dims = ["Geslacht", "Leeftijd", "RegioS", "Perioden"]
    require_columns(observaties, ["Measure", "Value", *dims], bron, oplossing)
    if "Leeftijd" not in codes:
        raise WijkscanError(
            "LeeftijdCodes.csv ontbreekt in de download.", waar=bron, oplossing=oplossing
        )
    df = observaties[strip_keys(observaties["Measure"]) == maat]
    waarde = df["Value"].fillna("").astype(str).str.strip().str.replace(",", ".", regex=False)
    rows = pd.DataFrame(
        {
            "ID": [str(i) for i in range(len(df))],
            "Geslacht": strip_keys(df["Geslacht"]).to_numpy(),
            "Leeftijd": strip_keys(df["Leeftijd"]).to_numpy(),
            "BurgerlijkeStaat": BURGERLIJKE_STAAT_TOTAAL,
            "RegioS": strip_keys(df["RegioS"]).to_numpy(),
            "Perioden": strip_keys(df["Perioden"]).to_numpy(),
            "BevolkingOp1Januari_1": waarde.where(waarde != "", ".").to_numpy(),
        }
    )
    if "BurgerlijkeStaat" in df.columns:
        if "BurgerlijkeStaat" not in codes:
            raise WijkscanError(
                "BurgerlijkeStaatCodes.csv ontbreekt in de download.",
                waar=bron,
                oplossing=oplossing,
            )
        titels = _codes_titels(codes["BurgerlijkeStaat"], "BurgerlijkeStaat", bron)
        by_title = {t.lower(): k for k, t in BURGERLIJKE_STAAT_TITELS.items()}
        vertaling = {}
        for code, titel in titels.items():
            if titel.lower() not in by_title:
                raise WijkscanError(
                    f"Onbekende burgerlijke staat {titel!r} (code {code}) in de download.",
                    waar=f"{bron}, BurgerlijkeStaatCodes.csv",
                    oplossing="Verwacht: Totaal burgerlijke staat, Ongehuwd, Gehuwd, "
                    "Verweduwd, Gescheiden. Meld dit: CBS heeft de indeling veranderd.",
                )
            vertaling[code] = by_title[titel.lower()]
        staat = strip_keys(df["BurgerlijkeStaat"])
        onbekend = sorted(set(staat) - set(vertaling))
        if onbekend:
            raise WijkscanError(
                f"BurgerlijkeStaat-code(s) {voorbeelden(onbekend)} staan niet in "
                "BurgerlijkeStaatCodes.csv.",
                waar=bron,
                oplossing=oplossing,
            )
        rows["BurgerlijkeStaat"] = staat.map(vertaling).to_numpy()
    leeftijd = _codes_titels(codes["Leeftijd"], "Leeftijd", bron)
    dim = pd.DataFrame({"Key": list(leeftijd), "Title": list(leeftijd.values())})
    return rows, dim


# --------------------------------------------------------------------------- download

#: Where CBS serves the complete table as a zip of ``;``-separated CSV files (OData v4
#: distribution): ``Observations.csv`` plus ``<Dimensie>Codes.csv``, ``MeasureCodes.csv``,
#: ``Dimensions.csv``. Since August 2023 03759ned can no longer be queried through the
#: OData v3 API; this download is the only online route (docs/invoerformaten.md, section 1).
BULK_CSV_URL = "https://datasets.cbs.nl/csv/CBS/nl/{tabel}"

_BULK_LOCK = threading.Lock()


def bulk_url(template: str, tabel: str, *, use_https: bool = True) -> str:
    """Fill in the table id of the bulk-download URL (config ``cbs.bulk_url``).

    A URL without scheme gets ``https://`` (``http://`` when ``use_https`` is False,
    only for the tests' loopback server).
    """
    url = template.format(tabel=tabel)
    if "://" not in url:
        url = ("https://" if use_https else "http://") + url
    return url


def bulk_zip_path(cache: Path, tabel: str) -> Path:
    """Where the bulk download of ``tabel`` is kept in ``cache``."""
    return Path(cache) / f"{tabel}_csv.zip"


def read_bulk_rows(
    zip_path: Path, *, regio: str | Iterable[str], periode: str, maat: str | None = None
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], str]:
    """Stream ``Observations.csv`` of a CBS bulk zip and keep some regions and one period.

    The full 03759ned is large (all regions and years since 1988), so the member is read
    row by row; only the matching rows and the small codes files are held in memory.

    Parameters
    ----------
    zip_path
        The downloaded zip.
    regio
        ``RegioS`` code, e.g. ``'GM0226'``, or several (compared after stripping); all
        are read in one pass over the file.
    periode
        ``Perioden`` code, e.g. ``'2024JJ00'``.
    maat
        Measure code to keep; default: "Bevolking op 1 januari" from ``MeasureCodes.csv``.

    Returns
    -------
    tuple
        ``(rows, codes, maat)``: the matching rows (text), dimension name -> codes file,
        and the measure code used.

    Raises
    ------
    WijkscanError
        When the zip lacks ``Observations.csv`` or its header lacks ``RegioS``/``Perioden``.
    """
    import csv
    import io
    import zipfile

    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        codes = {
            n[: -len("Codes.csv")]: read_codes(zf, n)
            for n in names
            if n.endswith("Codes.csv") and n != "MeasureCodes.csv"
        }
        if maat is None:
            if "MeasureCodes.csv" not in names:
                raise WijkscanError(
                    f"MeasureCodes.csv ontbreekt in {zip_path.name}.",
                    waar=str(zip_path),
                    oplossing="Verwijder het bestand zodat het opnieuw wordt gedownload.",
                )
            maat = maat_bevolking(read_codes(zf, "MeasureCodes.csv"), zip_path.name)
        with zf.open("Observations.csv") as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig"), delimiter=";")
            header = next(reader)
            missing = [c for c in ("RegioS", "Perioden", "Measure") if c not in header]
            if missing:
                raise WijkscanError(
                    f"Kolom(men) {', '.join(missing)} ontbreken in Observations.csv.",
                    waar=f"{zip_path.name}; kolommen: {', '.join(header[:12])}",
                    oplossing="Controleer het tabelnummer (cbs.bevolking_tabel).",
                )
            i_regio, i_per, i_maat = (header.index(c) for c in ("RegioS", "Perioden", "Measure"))
            wanted = {regio.strip()} if isinstance(regio, str) else {str(r).strip() for r in regio}
            kept = [
                row
                for row in reader
                if len(row) == len(header)
                and row[i_per].strip() == periode
                and row[i_regio].strip() in wanted
                and row[i_maat].strip() == maat
            ]
    return pd.DataFrame(kept, columns=header, dtype=str), codes, maat


def fetch_bulk_03759ned(
    tabel: str,
    gemeente: str,
    jaar: int,
    *,
    cache: Path,
    url: str = BULK_CSV_URL,
    use_https: bool = True,
    timeout: float = TIMEOUT,
    retries: int = POGINGEN,
    backoff: float = 2.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """03759ned rows of one gemeente and year from the CBS bulk download.

    The zip is downloaded once (streamed to disk, retried with back-off, atomically put
    in place by :func:`pipeline.ingest.download.download_file`) into ``cache`` and shared by all
    gemeenten. When the cached zip lacks the requested year (CBS added it after the
    download), it is downloaded again once.

    Parameters
    ----------
    tabel
        Table id, ``'03759ned'``.
    gemeente, jaar
        Gemeente code and year of 1 January.
    cache
        Folder for the zip (e.g. ``data/raw/cbs/.bulk``).
    url
        URL template with ``{tabel}`` (config ``cbs.bulk_url``).
    use_https, timeout, retries, backoff
        Connection settings, as for :func:`pipeline.ingest.cbs.fetch_table`.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)`` in the UntypedDataSet layout of
        :func:`pipeline.ingest.gemeentebevolking.parse_03759ned`.

    Raises
    ------
    WijkscanError
        Download failures (after the retries), an unusable zip, or no rows for this
        gemeente and year in a fresh download.
    """
    from pipeline.ingest.download import download_file, validate_zip

    full = bulk_url(url, tabel, use_https=use_https)
    dest = bulk_zip_path(cache, tabel)

    def download() -> None:
        download_file(
            full,
            dest,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            validate=lambda p: validate_zip(p, ("Observations.csv",)),
            oplossing="Controleer cbs.bulk_url en cbs.bevolking_tabel in de configuratie, "
            "of download 03759ned zelf en gebruik bron: lokaal.",
        )

    periode = f"{int(jaar)}JJ00"
    with _BULK_LOCK:  # gemeenten built in parallel threads share one download
        fresh = not dest.is_file()
        if fresh:
            download()
        obs, codes, maat = read_bulk_rows(dest, regio=gemeente, periode=periode)
        if obs.empty and not fresh:
            log.info(
                "%s: geen rijen voor %s %s in de bewaarde download; opnieuw",
                tabel,
                gemeente,
                periode,
            )
            download()
            obs, codes, maat = read_bulk_rows(dest, regio=gemeente, periode=periode)
    if obs.empty:
        raise WijkscanError(
            f"Geen bevolkingscijfers voor {gemeente} op 1 januari {jaar} in de CBS-download "
            f"van {tabel}.",
            waar=full,
            oplossing="Controleer gemeentecode en peiljaar: bestaat de gemeente in dat jaar "
            "(herindelingen) en heeft CBS dat jaar al gepubliceerd?",
        )
    return bulk_naar_untyped(obs, codes, maat, bron=f"{tabel} (download {dest.name})")

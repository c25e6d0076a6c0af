"""Regional forecast tables of PBL/CBS: 85171NED, 85173NED and the older 84525NED/84527NED.

* 85171NED (*Regionale prognose 2023-2050; bevolking, regio-indeling 2021*) publishes
  values in thousands (``TotaleBevolking_1 = 31.2`` means 31,200). Since July 2023
  PBL/CBS only keep totals per gemeente in this table: the age and sex detail was
  withdrawn as unreliable.
* 85173NED has the same layout plus the dimension ``PrognoseInterval``; the central
  variant is used.
* 85171NED has only the 88 largest gemeenten: :func:`kies_prognosebestand` takes each
  gemeente from the first of several files that has it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.bevolking import partition_records, validate_bevolking
from pipeline.ingest.statline import (
    GESLACHT_KEYS,
    KEY_VAN_KLASSE,
    LEEFTIJD_03759NED,
    LEEFTIJD_TOTAAL,
    Leeftijdsklasse,
    find_measure,
    gemeenten_arg,
    jaar_van_periode,
    leeftijd_map,
    map_keys,
    require_columns,
    strip_keys,
    to_float,
    voorbeelden,
)

#: Region column of 85171NED/85173NED; older forecasts (84525NED) are matched via prefix.
REGIO_KOLOM_85171NED = "RegioIndeling2021"
#: Forecast variant keys of the interval table 85173NED (median, 67% bounds).
PROGNOSE_INTERVALLEN: dict[str, str] = {
    "MW00000": "prognose",
    "MOG0067": "ondergrens 67%",
    "MBG0067": "bovengrens 67%",
}
#: How an interval table's central variant (MW00000) is named beside its id in sources:
#: a reader of the report should not meet the CBS key.
MIDDENVARIANT = ", middenvariant"


def prognose_tabel(columns: Iterable[Any]) -> str | None:
    """Which CBS/PBL forecast table a raw file comes from, told by its dimensions.

    The tables differ in their region classification and in the interval dimension:
    85171NED (indeling 2021, no intervals), 85173NED (2021, with ``PrognoseInterval``;
    the central variant MW00000 is used), 84525NED / 84527NED (indeling 2018, without /
    with intervals). Provenance then names the table a gemeente's numbers really came
    from, also when a list of files or the online fallback picked it.

    Parameters
    ----------
    columns
        Column names of the raw rows.

    Returns
    -------
    str or None
        Table id (with the variant for interval tables), or None if unknown.
    """
    cols = {str(c) for c in columns}
    interval = "PrognoseInterval" in cols
    if "RegioIndeling2021" in cols:
        return f"85173NED{MIDDENVARIANT}" if interval else "85171NED"
    if "RegioIndeling2018" in cols:
        return f"84527NED{MIDDENVARIANT}" if interval else "84525NED"
    return None


def _regio_kolom(naam: str, data: pd.DataFrame) -> str:
    """The region column of a forecast table (``RegioIndeling<jaar>`` or ``RegioS``)."""
    regio_col = next(
        (c for c in data.columns if str(c).startswith("RegioIndeling")),
        "RegioS" if "RegioS" in data.columns else None,
    )
    if regio_col is None:
        raise WijkscanError(
            f"Geen regiokolom (RegioIndeling<jaar> of RegioS) in {naam}.",
            waar=f"{naam}; kolommen: {voorbeelden(data.columns, 10)}",
            oplossing="Gebruik de onbewerkte dataset van een CBS/PBL-prognosetabel.",
        )
    return str(regio_col)


def verdeel_prognosebestanden(
    tabellen: Mapping[str, pd.DataFrame], gemeenten: Sequence[str]
) -> dict[str, list[str]]:
    """Which forecast file each gemeente comes from, for files given in order of preference.

    ``bronnen.prognose.pad`` may list several files (e.g. 85171NED, which has only the
    88 largest gemeenten, then an older or interval table with all gemeenten). A gemeente
    is taken from the FIRST file that contains it, so the list order states which
    forecast wins where they overlap.

    Parameters
    ----------
    tabellen
        File name -> its rows (as read by :func:`pipeline.ingest.statline.lees_cbs_csv`),
        in order of preference.
    gemeenten
        Gemeente codes.

    Returns
    -------
    dict
        File name -> the gemeenten taken from it (files without any are left out).

    Raises
    ------
    WijkscanError
        When a table has no region column or no file contains a gemeente.
    """
    todo = gemeenten_arg(list(gemeenten), "prognose: gemeenten")
    out: dict[str, list[str]] = {}
    for naam, data in tabellen.items():
        aanwezig = set(strip_keys(data[_regio_kolom(naam, data)]))
        hier = [gm for gm in todo if gm in aanwezig]
        if hier:
            out[naam] = hier
            todo = [gm for gm in todo if gm not in aanwezig]
    if todo:
        wie = f"Gemeente {todo[0]} komt" if len(todo) == 1 else f"{len(todo)} gemeenten komen"
        raise WijkscanError(
            f"{wie} in geen van de prognosebestanden voor"
            + ("." if len(todo) == 1 else f": {voorbeelden(todo)}."),
            waar=f"bronnen.prognose.pad: {voorbeelden(list(tabellen))}",
            oplossing="85171NED heeft alleen de 88 grootste gemeenten; voeg een bestand met "
            "alle gemeenten toe (85173NED, of de hele 84527NED; een uittreksel kan gemeenten "
            "missen), of kies bronnen.prognose.type: cbs om de tabel op te halen. Zonder echte "
            "prognose rekent type: demo met een fictieve; dan staat FICTIEF op elk product.",
        )
    return out


def kies_prognosebestand(
    tabellen: Mapping[str, pd.DataFrame], gemeente: str
) -> tuple[str, pd.DataFrame]:
    """The rows of one gemeente from forecast tables given in order of preference.

    Parameters
    ----------
    tabellen
        File name -> its rows, in order of preference (see :func:`verdeel_prognosebestanden`).
    gemeente
        Gemeente code.

    Returns
    -------
    tuple
        ``(file name, rows of that gemeente)``.

    Raises
    ------
    WijkscanError
        When a table has no region column or no file contains the gemeente.
    """
    ((naam, (gm,)),) = verdeel_prognosebestanden(tabellen, [gemeente]).items()
    data = tabellen[naam]
    return naam, data[strip_keys(data[_regio_kolom(naam, data)]) == gm]


def parse_85171ned(
    data: pd.DataFrame,
    leeftijd_dim: pd.DataFrame | None = None,
    *,
    gemeenten: Sequence[str],
    jaren: Sequence[int] | None = None,
    variant: str = "MW00000",
    eenheid: float = 1000.0,
    bron: str = "85171NED",
) -> pd.DataFrame:
    """Parse the PBL/CBS regional forecast (85171NED, or 85173NED with intervals).

    Parameters
    ----------
    data
        UntypedDataSet rows with ``RegioIndeling2021`` (any ``RegioIndeling*`` or
        ``RegioS`` column), ``Perioden`` (``'2030JJ00'``) and ``TotaleBevolking_1``;
        optional dimensions ``Geslacht``, ``Leeftijd`` and ``PrognoseInterval``.
    leeftijd_dim
        Leeftijd dimension (``Key``, ``Title``) when the rows carry age classes; the
        built-in 03759ned keys are used otherwise (``10000`` = total).
    gemeenten
        Gemeente codes to return.
    jaren
        Forecast years to return (default: all years in the table).
    variant
        ``PrognoseInterval`` key to keep when that dimension is present (85173NED).
    eenheid
        Multiplier of the published values: 1000 (the table is in thousands).
    bron
        File or table name for messages.

    Returns
    -------
    pandas.DataFrame
        Tidy table. With totals only (the current state of 85171NED) each gemeente/year
        has one row: geslacht 'totaal', ``leeftijd_van`` 0, ``leeftijd_tot`` <NA>.

    Raises
    ------
    WijkscanError
        Missing columns, unknown keys, absent years/gemeenten/variant, negative values.
    """
    codes = gemeenten_arg(gemeenten, f"{bron}: gemeenten")
    oplossing = (
        "Download 85171NED als 'onbewerkte dataset' met RegioIndeling2021, Perioden en "
        "TotaleBevolking_1."
    )
    regio_col = next(
        (c for c in data.columns if str(c).startswith("RegioIndeling")),
        "RegioS" if "RegioS" in data.columns else None,
    )
    maat = find_measure(data.columns, "TotaleBevolking", bron)
    missing = [
        n for n, c in (("RegioIndeling2021", regio_col), ("TotaleBevolking_1", maat)) if c is None
    ]
    if missing:
        raise WijkscanError(
            f"Kolom(men) {', '.join(missing)} ontbreken.",
            waar=f"{bron}; kolommen: {voorbeelden(data.columns, 10)}",
            oplossing=oplossing,
        )
    require_columns(data, ["Perioden"], bron, oplossing)
    assert regio_col is not None and maat is not None
    df = pd.DataFrame(
        {"regio": strip_keys(data[regio_col]), "periode": strip_keys(data["Perioden"])}
    )
    if "PrognoseInterval" in data.columns:
        interval = strip_keys(data["PrognoseInterval"])
        if variant not in set(interval):
            raise WijkscanError(
                f"Prognosevariant {variant!r} ontbreekt "
                f"(aanwezig: {voorbeelden(sorted(set(interval)))}).",
                waar=f"{bron}, kolom PrognoseInterval",
                oplossing="Kies MW00000 (prognose), MOG0067 of MBG0067.",
            )
        df = df[interval == variant]
    df["geslacht_key"] = (
        strip_keys(data.loc[df.index, "Geslacht"]) if "Geslacht" in data.columns else "T001038"
    )
    df["leeftijd_key"] = (
        strip_keys(data.loc[df.index, "Leeftijd"])
        if "Leeftijd" in data.columns
        else LEEFTIJD_TOTAAL
    )
    values, bad = to_float(data.loc[df.index, maat])
    if bad.any():
        raise WijkscanError(
            f"Geen getal in kolom {maat}: {voorbeelden(data.loc[df.index[bad.to_numpy()], maat])}.",
            waar=f"{bron}, kolom {maat}",
            oplossing="Gebruik de onbewerkte dataset (decimale punt, '.' voor onbekend).",
        )
    df["aantal"] = values.to_numpy() * eenheid
    df["jaar"] = jaar_van_periode(df["periode"])
    df = df[df["jaar"].notna()]
    beschikbaar = sorted(int(j) for j in df["jaar"].unique())
    wanted = list(beschikbaar) if jaren is None else [int(j) for j in jaren]
    absent_years = [j for j in wanted if j not in beschikbaar]
    if absent_years or not wanted:
        raise WijkscanError(
            f"Prognosejaar/jaren {voorbeelden(absent_years) or '(geen)'} ontbreken in {bron} "
            f"(aanwezig: {voorbeelden(beschikbaar, 8) or 'geen'}).",
            waar=f"{bron}, kolom Perioden",
            oplossing="Kies horizonjaren die in de prognose zitten (85171NED: 2023-2050).",
        )
    df = df[df["jaar"].isin(wanted)]
    absent = [g for g in codes if g not in set(df["regio"])]
    if absent:
        raise WijkscanError(
            f"Gemeente(n) {voorbeelden(absent)} ontbreken in {bron}.",
            waar=f"{bron}, kolom {regio_col}",
            oplossing="85171NED volgt de gemeentelijke indeling van 2021; bij een latere "
            "herindeling moet de prognose van de oude gemeenten worden opgeteld.",
        )
    df = df[df["regio"].isin(codes)]
    if (df["aantal"] < 0).any():
        raise WijkscanError("Negatieve aantallen.", waar=f"{bron}, kolom {maat}")
    df["geslacht"] = map_keys(
        df["geslacht_key"], GESLACHT_KEYS, "Geslacht", bron, "Verwacht: T001038, 3000, 4000."
    )
    df["klasse"] = map_keys(
        df["leeftijd_key"],
        leeftijd_map(leeftijd_dim, bron),
        "Leeftijd",
        bron,
        "Geef de Leeftijd-dimensietabel (Key, Title) van deze download mee.",
    )
    # Rounded to 0.1 thousand: classes may differ from the total by 50 persons each.
    return partition_records(df, bron, tolerantie=0.5 * eenheid / 10)


def raw_85171ned(
    prognose: pd.DataFrame, *, eenheid: float = 1000.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write a tidy forecast in the 85171NED UntypedDataSet layout.

    Parameters
    ----------
    prognose
        Tidy table; classes must exist in the built-in Leeftijd keys (total ``0+``,
        single years, 95+ or 105+). Values are written in thousands with one decimal,
        as CBS publishes them (so round-trips are exact for multiples of 100).
    eenheid
        Divisor for the written values.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)``. Columns ``ID, Geslacht, Leeftijd, RegioIndeling2021,
        Perioden, TotaleBevolking_1``: names confirmed, column order assumed.

    Raises
    ------
    ValueError
        For age classes without a built-in key.
    """
    tidy = validate_bevolking(prognose, "raw_85171ned")
    sex_key = {v: k for k, v in GESLACHT_KEYS.items()}
    rows: list[dict[str, str]] = []
    used: set[str] = set()
    for i, r in enumerate(tidy.itertuples(index=False)):
        tot = None if pd.isna(r.leeftijd_tot) else int(r.leeftijd_tot)
        klasse = Leeftijdsklasse(int(r.leeftijd_van), tot)
        key = LEEFTIJD_TOTAAL if klasse == Leeftijdsklasse(0, None) else KEY_VAN_KLASSE.get(klasse)
        if key is None:
            raise ValueError(f"85171NED-schrijver kent geen leeftijdsklasse {klasse.label()}")
        used.add(key)
        v = float(r.aantal) / eenheid
        rows.append(
            {
                "ID": str(i),
                "Geslacht": sex_key[r.geslacht].ljust(7),
                "Leeftijd": key,
                REGIO_KOLOM_85171NED: r.gemeentecode.ljust(6),
                "Perioden": f"{int(r.jaar)}JJ00",
                "TotaleBevolking_1": "." if np.isnan(v) else f"{v:.1f}",
            }
        )
    dim = pd.DataFrame(
        [
            {"Key": k, "Title": t, "Description": "", "CategoryGroupID": ""}
            for k, (_, t) in LEEFTIJD_03759NED.items()
            if k in used
        ],
        columns=["Key", "Title", "Description", "CategoryGroupID"],
    )
    return pd.DataFrame(
        rows,
        columns=[
            "ID",
            "Geslacht",
            "Leeftijd",
            REGIO_KOLOM_85171NED,
            "Perioden",
            "TotaleBevolking_1",
        ],
    ), dim

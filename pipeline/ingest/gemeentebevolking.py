"""03759ned: population per gemeente by age, sex and burgerlijke staat on 1 January.

CBS table *Bevolking op 1 januari en gemiddelde; geslacht, leeftijd en regio*, read in the
UntypedDataSet layout (:mod:`pipeline.ingest.statline`). :func:`raw_03759ned` writes that
layout, with CBS's totals and overlapping subtotals, for the demo and the tests. The rows
of the CBS bulk download are converted to the same layout
(:mod:`pipeline.ingest.bulkdownload`), so both routes share every check.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.bevolking import (
    TIDY_COLUMNS,
    partition_records,
    tidy_frame,
    validate_bevolking,
)
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
from pipeline.present import fmt

# --------------------------------------------------------------------------------------
# BurgerlijkeStaat keys
# --------------------------------------------------------------------------------------

#: BurgerlijkeStaat total in 03759ned.
BURGERLIJKE_STAAT_TOTAAL = "T001019"
#: BurgerlijkeStaat categories of 03759ned (key -> our label). Verified (issue 16) with the
#: search tool: a public data dictionary of a CBS StatLine extract (a repository's README,
#: "MetaMarital table", found with find_string "Totaal burgerlijke staat") lists the codes
#: "T001019, 1010, 1020, 1050 or 1080" with the titles "Totaal burgerlijke staat, Ongehuwd,
#: Gehuwd, Verweduwd or Gescheiden" in that order; CBS uses one code list for this dimension
#: across its population tables. T001019 as the 03759ned total is confirmed by several
#: projects that query 03759ned ("BurgerlijkeStaat eq 'T001019'"). The order-based pairing
#: of 1050/1080 with verweduwd/gescheiden is NOT seen in a 03759ned download itself: the
#: parser therefore also accepts the dimension table (Key, Title) and then trusts the titles.
BURGERLIJKE_STAAT_KEYS: dict[str, str] = {
    "1010": "ongehuwd",
    "1020": "gehuwd",
    "1050": "verweduwd",
    "1080": "gescheiden",
}
BURGERLIJKE_STAAT_TITELS: dict[str, str] = {
    BURGERLIJKE_STAAT_TOTAAL: "Totaal burgerlijke staat",
    "1010": "Ongehuwd",
    "1020": "Gehuwd",
    "1050": "Verweduwd",
    "1080": "Gescheiden",
}
#: Our categories, in the order of the contract (``bevolking_gemeente_bs.parquet``).
BURGERLIJKE_STATEN: tuple[str, ...] = ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")
#: Columns of the joint gemeente table age x sex x burgerlijke staat.
BS_COLUMNS: tuple[str, ...] = (*TIDY_COLUMNS, "burgerlijke_staat")

# --------------------------------------------------------------------------------------
# Reading 03759ned
# --------------------------------------------------------------------------------------


def parse_03759ned(
    data: pd.DataFrame,
    leeftijd_dim: pd.DataFrame | None,
    jaar: int,
    gemeenten: Sequence[str],
    *,
    bron: str = "03759ned",
) -> pd.DataFrame:
    """Parse 03759ned rows into the tidy ``bevolking`` table.

    Parameters
    ----------
    data
        UntypedDataSet rows: ``Geslacht, Leeftijd, BurgerlijkeStaat, RegioS, Perioden,
        BevolkingOp1Januari_1`` (extra columns such as ``ID`` and
        ``GemiddeldeBevolking_2`` are ignored). Keys may be padded; values may be strings.
    leeftijd_dim
        The table's Leeftijd dimension (``Key``, ``Title``). Ages are then parsed from the
        titles; without it the documented built-in key map is used.
    jaar
        Year of 1 January, selects ``Perioden == f'{jaar}JJ00'``.
    gemeenten
        Gemeente codes (``GM0226``) to return.
    bron
        File or table name for messages.

    Returns
    -------
    pandas.DataFrame
        Tidy table (:data:`pipeline.ingest.bevolking.TIDY_COLUMNS`) with the finest non-overlapping age partition
        per gemeente and sex; the table's total and subtotal rows are dropped.

    Raises
    ------
    WijkscanError
        Missing columns, unknown keys, year or gemeente absent, negative counts, age
        classes that do not partition the range or do not add up to the total.
    """
    codes = gemeenten_arg(gemeenten, f"{bron}: gemeenten")
    oplossing = (
        "Download 03759ned als 'onbewerkte dataset' met de kolommen Geslacht, Leeftijd, "
        "RegioS, Perioden en BevolkingOp1Januari_1."
    )
    maat = find_measure(data.columns, "BevolkingOp1Januari", bron)
    if maat is None:
        raise WijkscanError(
            "Kolom 'BevolkingOp1Januari_1' ontbreekt.",
            waar=f"{bron}; kolommen: {voorbeelden(data.columns, 10)}",
            oplossing=oplossing,
        )
    require_columns(data, ["Geslacht", "Leeftijd", "RegioS", "Perioden"], bron, oplossing)
    df = pd.DataFrame(
        {
            "geslacht_key": strip_keys(data["Geslacht"]),
            "leeftijd_key": strip_keys(data["Leeftijd"]),
            "regio": strip_keys(data["RegioS"]),
            "periode": strip_keys(data["Perioden"]),
        }
    )
    if "BurgerlijkeStaat" in data.columns:
        staat = strip_keys(data["BurgerlijkeStaat"])
        if BURGERLIJKE_STAAT_TOTAAL not in set(staat) and staat.nunique() > 1:
            raise WijkscanError(
                "De totaalcategorie 'T001019' (Totaal burgerlijke staat) ontbreekt.",
                waar=f"{bron}, kolom BurgerlijkeStaat",
                oplossing="Selecteer bij de download 'Totaal burgerlijke staat'.",
            )
        if BURGERLIJKE_STAAT_TOTAAL in set(staat):
            df = df[staat == BURGERLIJKE_STAAT_TOTAAL]
    df["jaar"] = jaar_van_periode(df["periode"])
    beschikbaar = sorted(int(j) for j in df["jaar"].dropna().unique())
    if jaar not in beschikbaar:
        raise WijkscanError(
            f"Jaar {jaar} ontbreekt in {bron} (aanwezig: {voorbeelden(beschikbaar, 8) or 'geen'}).",
            waar=f"{bron}, kolom Perioden",
            oplossing=f"Download de tabel met periode {jaar}JJ00, of kies een beschikbaar jaar.",
        )
    values, bad = to_float(data.loc[df.index, maat])
    df["aantal"] = values.to_numpy()
    if bad.any():
        raise WijkscanError(
            f"Geen getal in kolom {maat}: {voorbeelden(data.loc[df.index[bad.to_numpy()], maat])}.",
            waar=f"{bron}, kolom {maat}",
            oplossing="Gebruik de onbewerkte dataset; onderdrukte cellen zijn '.'.",
        )
    df = df[df["jaar"] == jaar]
    absent = [g for g in codes if g not in set(df["regio"])]
    if absent:
        raise WijkscanError(
            f"Gemeente(n) {voorbeelden(absent)} ontbreken in {bron} voor {jaar}.",
            waar=f"{bron}, kolom RegioS",
            oplossing="Controleer de gemeentecode (herindelingen!) en download de tabel voor "
            "deze gemeenten.",
        )
    df = df[df["regio"].isin(codes)]
    if (df["aantal"] < 0).any():
        raise WijkscanError(
            "Negatieve aantallen.",
            waar=f"{bron}, kolom {maat}",
            oplossing="Controleer de download.",
        )
    df["geslacht"] = map_keys(
        df["geslacht_key"],
        GESLACHT_KEYS,
        "Geslacht",
        bron,
        "Verwacht: T001038 (totaal), 3000 (mannen), 4000 (vrouwen).",
    )
    leeftijd = leeftijd_map(leeftijd_dim, bron)
    df["klasse"] = map_keys(
        df["leeftijd_key"],
        leeftijd,
        "Leeftijd",
        bron,
        "Geef de Leeftijd-dimensietabel (Key, Title) van deze download mee.",
    )
    return partition_records(df, bron, tolerantie=0.5)


def lege_bs_tabel() -> pd.DataFrame:
    """An empty joint table age x sex x burgerlijke staat (columns :data:`BS_COLUMNS`)."""
    df = tidy_frame([])
    df["burgerlijke_staat"] = pd.Series([], dtype=object)
    return df[list(BS_COLUMNS)]


def _staat_map(staat_dim: pd.DataFrame | None, bron: str) -> dict[str, str | None]:
    """BurgerlijkeStaat key -> category (None = total), from titles when a dimension is given."""
    if staat_dim is None:
        return {BURGERLIJKE_STAAT_TOTAAL: None, **BURGERLIJKE_STAAT_KEYS}
    cols = {str(c).strip().lower(): c for c in staat_dim.columns}
    if "key" not in cols or "title" not in cols:
        raise WijkscanError(
            "De BurgerlijkeStaat-dimensietabel mist de kolommen 'Key' en/of 'Title'.",
            waar=f"{bron} (BurgerlijkeStaat-dimensie)",
            oplossing="Download de dimensie via 03759ned/BurgerlijkeStaat (Key, Title).",
        )
    by_title = {t.lower(): k for k, t in BURGERLIJKE_STAAT_TITELS.items()}
    out: dict[str, str | None] = {}
    for key, title in zip(
        strip_keys(staat_dim[cols["key"]]), staat_dim[cols["title"]], strict=True
    ):
        known = by_title.get(str(title).strip().lower())
        if known is None:
            raise WijkscanError(
                f"Onbekende burgerlijke staat {title!r} (sleutel {key}).",
                waar=f"{bron} (BurgerlijkeStaat-dimensie), kolom Title",
                oplossing="Verwacht: Totaal burgerlijke staat, Ongehuwd, Gehuwd, Verweduwd, "
                "Gescheiden.",
            )
        out[key] = None if known == BURGERLIJKE_STAAT_TOTAAL else BURGERLIJKE_STAAT_KEYS[known]
    return out


def parse_03759ned_burgerlijke_staat(
    data: pd.DataFrame,
    leeftijd_dim: pd.DataFrame | None,
    jaar: int,
    gemeenten: Sequence[str],
    *,
    staat_dim: pd.DataFrame | None = None,
    bron: str = "03759ned",
    tolerantie: float = 0.5,
) -> pd.DataFrame:
    """Parse the joint age x sex x burgerlijke staat table of 03759ned.

    Parameters
    ----------
    data
        UntypedDataSet rows as for :func:`parse_03759ned`, with a ``BurgerlijkeStaat``
        column holding the total ``T001019`` and the four categories.
    leeftijd_dim
        Leeftijd dimension (``Key``, ``Title``) or None for the built-in keys.
    jaar
        Year of 1 January.
    gemeenten
        Gemeente codes to return.
    staat_dim
        Optional BurgerlijkeStaat dimension (``Key``, ``Title``); categories are then
        recognised by title instead of the built-in keys :data:`BURGERLIJKE_STAAT_KEYS`.
    bron
        File or table name for messages.
    tolerantie
        Largest accepted difference between the sum of the four categories and the
        total of a class (persons).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BS_COLUMNS`; ``geslacht`` is ``man``/``vrouw`` only, every class of
        the total's age partition has one row per category. An EMPTY table (same columns)
        when the source has no marital-status categories (only the total).

    Raises
    ------
    WijkscanError
        When only some categories are present, a key is unknown, a category has other age
        classes than the total, or the categories do not add up to the total.
    """
    if "BurgerlijkeStaat" not in data.columns:
        return lege_bs_tabel()
    mapping = _staat_map(staat_dim, bron)
    staat = strip_keys(data["BurgerlijkeStaat"])
    present = set(staat)
    categorie = {k: v for k, v in mapping.items() if v is not None}
    if not present & set(categorie):
        return lege_bs_tabel()
    ontbreekt = [f"{v} ({k})" for k, v in categorie.items() if k not in present]
    if ontbreekt:
        raise WijkscanError(
            f"Niet alle categorieën van burgerlijke staat zijn aanwezig; ontbreken: "
            f"{voorbeelden(ontbreekt)}.",
            waar=f"{bron}, kolom BurgerlijkeStaat",
            oplossing="Download 03759ned met alle vier categorieën (ongehuwd, gehuwd, "
            "verweduwd, gescheiden) plus het totaal, of alleen met het totaal.",
        )
    onbekend = sorted(present - set(mapping))
    if onbekend:
        raise WijkscanError(
            f"Onbekende sleutel(s) in dimensie BurgerlijkeStaat: {voorbeelden(onbekend)}.",
            waar=f"{bron}, kolom BurgerlijkeStaat",
            oplossing="Verwacht: T001019 (totaal), 1010, 1020, 1050, 1080; of geef de "
            "BurgerlijkeStaat-dimensietabel (Key, Title) mee.",
        )
    totaal = parse_03759ned(data, leeftijd_dim, jaar, gemeenten, bron=bron)
    key = ["gemeentecode", "jaar", "geslacht", "leeftijd_van"]
    klassen = totaal[[*key, "leeftijd_tot"]]
    parts = []
    for code, naam in categorie.items():
        sub = data[(staat == code).to_numpy()].copy()
        # The category rows have the same layout as the total rows: parse them as one.
        sub["BurgerlijkeStaat"] = BURGERLIJKE_STAAT_TOTAAL
        part = parse_03759ned(sub, leeftijd_dim, jaar, gemeenten, bron=f"{bron} ({naam})")
        merged = klassen.merge(part, on=[*key, "leeftijd_tot"], how="outer", indicator=True)
        if (merged["_merge"] != "both").any():
            afwijkend = merged.loc[merged["_merge"] != "both"]
            labels = sorted(
                {
                    Leeftijdsklasse(int(v), None if pd.isna(t) else int(t)).label()
                    for v, t in zip(
                        afwijkend["leeftijd_van"], afwijkend["leeftijd_tot"], strict=True
                    )
                }
            )
            raise WijkscanError(
                f"De leeftijdsklassen van '{naam}' wijken af van die van het totaal: "
                f"{voorbeelden(labels)}.",
                waar=f"{bron}, BurgerlijkeStaat {code}",
                oplossing="Download alle categorieën voor dezelfde leeftijden als het totaal.",
            )
        parts.append(part.assign(burgerlijke_staat=naam))
    joint = pd.concat(parts, ignore_index=True)
    som = joint.groupby(key, sort=False)["aantal"].sum(min_count=len(categorie))
    vergelijk = totaal.set_index(key)["aantal"].to_frame("totaal").join(som.rename("som"))
    verschil = (vergelijk["som"] - vergelijk["totaal"]).abs()
    fout = verschil > tolerantie
    if fout.any():
        voorbeeld = vergelijk[fout].reset_index().iloc[0]
        raise WijkscanError(
            f"De categorieën van burgerlijke staat tellen niet op tot het totaal: "
            f"{voorbeeld['gemeentecode']} {voorbeeld['jaar']} {voorbeeld['geslacht']}, "
            f"leeftijd vanaf {voorbeeld['leeftijd_van']}: som {fmt.getal(voorbeeld['som'])}, "
            f"totaal {fmt.getal(voorbeeld['totaal'])} ({int(fout.sum())} klasse(n) wijken af).",
            waar=f"{bron}, kolom BurgerlijkeStaat",
            oplossing="Controleer of alle categorieën uit dezelfde download komen; het "
            "totaal T001019 moet de som van 1010, 1020, 1050 en 1080 zijn.",
        )
    joint = joint[joint["geslacht"].isin(["man", "vrouw"])]
    order = {n: i for i, n in enumerate(BURGERLIJKE_STATEN)}
    joint = joint.assign(_o=joint["burgerlijke_staat"].map(order)).sort_values(
        ["gemeentecode", "jaar", "geslacht", "leeftijd_van", "_o"], kind="stable"
    )
    return joint.drop(columns="_o")[list(BS_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Writing 03759ned (demo, tests)
# --------------------------------------------------------------------------------------


def _format_waarde(v: float, decimals: int = 0, width: int = 8) -> str:
    if v is None or np.isnan(v):
        return ".".rjust(width)
    return f"{v:.{decimals}f}".rjust(width)


def _raw_values(
    bevolking: pd.DataFrame, met_totaal_geslacht: bool
) -> dict[tuple[str, int, str, str], float]:
    """(gemeente, jaar, geslacht, Leeftijd key) -> value, with CBS's totals and subtotals."""
    tidy = validate_bevolking(bevolking, "raw_03759ned")
    if met_totaal_geslacht and "totaal" not in set(tidy["geslacht"]):
        mv = tidy[tidy["geslacht"].isin(["man", "vrouw"])]
        if set(mv["geslacht"]) == {"man", "vrouw"}:
            tot = (
                mv.groupby(["gemeentecode", "jaar", "leeftijd_van"], sort=False)
                .agg(
                    leeftijd_tot=("leeftijd_tot", "first"),
                    aantal=("aantal", lambda s: s.sum(min_count=len(s))),
                )
                .reset_index()
                .assign(geslacht="totaal")
            )
            tidy = validate_bevolking(pd.concat([tidy, tot], ignore_index=True), "raw_03759ned")
    values: dict[tuple[str, int, str, str], float] = {}
    for row in tidy.itertuples(index=False):
        tot = None if pd.isna(row.leeftijd_tot) else int(row.leeftijd_tot)
        klasse = Leeftijdsklasse(int(row.leeftijd_van), tot)
        key = KEY_VAN_KLASSE.get(klasse)
        if key is None or (klasse.tot is None and klasse.van not in (95, 105)):
            raise ValueError(f"03759ned kent geen leeftijdsklasse {klasse.label()}")
        values[(row.gemeentecode, int(row.jaar), row.geslacht, key)] = float(row.aantal)

    def som(parts: list[float]) -> float:
        return float(np.sum(parts)) if not any(np.isnan(p) for p in parts) else np.nan

    groups = tidy[["gemeentecode", "jaar", "geslacht"]].drop_duplicates()
    for g in groups.itertuples(index=False):
        base = (g.gemeentecode, int(g.jaar), g.geslacht)
        single = [KEY_VAN_KLASSE[Leeftijdsklasse(n, n)] for n in range(105)]
        if (*base, "22300") in values:
            # Detail up to 104 plus 105+: CBS adds the overlapping subtotal 95+ (22000).
            values[(*base, "22000")] = som(
                [values[(*base, k)] for k in single[95:]] + [values[(*base, "22300")]]
            )
            values[(*base, LEEFTIJD_TOTAAL)] = som(
                [values[(*base, k)] for k in single] + [values[(*base, "22300")]]
            )
        else:
            # 95+ is the top class: CBS leaves 95..104 and 105+ empty for such periods.
            for k in [*single[95:], "22300"]:
                values[(*base, k)] = np.nan
            values[(*base, LEEFTIJD_TOTAAL)] = som(
                [values[(*base, k)] for k in single[:95]] + [values[(*base, "22000")]]
            )
    return values


def raw_03759ned(
    bevolking: pd.DataFrame, *, met_totaal_geslacht: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write a tidy table in the real 03759ned UntypedDataSet layout.

    Used by the demo generator and the tests. Reproduces the CBS quirks: padded keys,
    right-aligned values, ``'.'`` for missing, the total ``10000`` and the overlapping
    subtotal ``22000`` (95+) next to the single years.

    Parameters
    ----------
    bevolking
        Tidy table with single years ``0..n`` and an open top class of 95+ or 105+.
        With 95+ the single years 95-104 and 105+ are written as ``'.'`` (as CBS does for
        gemeenten on older periods). With an extra column ``burgerlijke_staat``
        (:data:`BURGERLIJKE_STATEN`) the four categories are written as well, each with
        its own totals, plus their sum as ``T001019`` (as in the full 03759ned cube).
    met_totaal_geslacht
        Add ``T001038`` rows (men + women) when the tidy table has no 'totaal' rows.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)``: rows with columns ``ID, Geslacht, Leeftijd,
        BurgerlijkeStaat, RegioS, Perioden, BevolkingOp1Januari_1, GemiddeldeBevolking_2``
        (the average is not reproduced: ``'.'``), and the Leeftijd dimension (``Key,
        Title, Description, CategoryGroupID``). Rows follow the dimension order Geslacht,
        Leeftijd, BurgerlijkeStaat (total first), RegioS, Perioden.

    Raises
    ------
    ValueError
        For age classes 03759ned does not have (e.g. 5-year bands) or an unknown
        burgerlijke staat.
    """
    staat_key = {v: k for k, v in BURGERLIJKE_STAAT_KEYS.items()}
    per_staat: dict[str, dict[tuple[str, int, str, str], float]] = {}
    if "burgerlijke_staat" in bevolking.columns:
        onbekend = set(bevolking["burgerlijke_staat"]) - set(BURGERLIJKE_STATEN)
        if onbekend:
            raise ValueError(f"onbekende burgerlijke staat: {sorted(onbekend)}")
        keys = ["gemeentecode", "jaar", "geslacht", "leeftijd_van"]
        totaal = (
            bevolking.groupby(keys, sort=False)
            .agg(
                leeftijd_tot=("leeftijd_tot", "first"),
                aantal=("aantal", lambda s: s.sum(min_count=len(s))),
            )
            .reset_index()
        )
        per_staat[BURGERLIJKE_STAAT_TOTAAL] = _raw_values(totaal, met_totaal_geslacht)
        for naam in BURGERLIJKE_STATEN:
            part = bevolking[bevolking["burgerlijke_staat"] == naam].drop(
                columns="burgerlijke_staat"
            )
            per_staat[staat_key[naam]] = _raw_values(part, met_totaal_geslacht)
    else:
        per_staat[BURGERLIJKE_STAAT_TOTAAL] = _raw_values(bevolking, met_totaal_geslacht)
    sex_order = {"totaal": 0, "man": 1, "vrouw": 2}
    sex_key = {v: k for k, v in GESLACHT_KEYS.items()}
    key_order = {k: i for i, k in enumerate(LEEFTIJD_03759NED)}
    staat_order = {k: i for i, k in enumerate(BURGERLIJKE_STAAT_TITELS)}
    ordered = sorted(
        ((k, st, v) for st, values in per_staat.items() for k, v in values.items()),
        key=lambda e: (
            sex_order[e[0][2]],
            key_order[e[0][3]],
            staat_order[e[1]],
            e[0][0],
            e[0][1],
        ),
    )
    rows = pd.DataFrame(
        {
            "ID": [str(i) for i in range(len(ordered))],
            # Geslacht keys are padded to 7 characters, the length of 'T001038'.
            "Geslacht": [sex_key[k[2]].ljust(7) for k, _, _ in ordered],
            "Leeftijd": [k[3] for k, _, _ in ordered],
            # Padded like Geslacht, to the 7 characters of 'T001019' (assumed for 1010...).
            "BurgerlijkeStaat": [st.ljust(7) for _, st, _ in ordered],
            # RegioS keys are padded to 6 characters ('NL01  '); GM codes fill them.
            "RegioS": [k[0].ljust(6) for k, _, _ in ordered],
            "Perioden": [f"{k[1]}JJ00" for k, _, _ in ordered],
            "BevolkingOp1Januari_1": [_format_waarde(v) for _, _, v in ordered],
            "GemiddeldeBevolking_2": ".".rjust(8),
        }
    )
    dim = pd.DataFrame(
        {
            "Key": list(LEEFTIJD_03759NED),
            "Title": [t for _, t in LEEFTIJD_03759NED.values()],
            "Description": "",
            "CategoryGroupID": "",
        }
    )
    return rows, dim

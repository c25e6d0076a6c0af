"""RIVM *Gezondheid per wijk en buurt* (50120NED, 50150NED on dataderden.cbs.nl).

The Gezondheidsmonitor gives loneliness and mantelzorg percentages (18 jaar of ouder)
per gemeente, wijk and buurt for the survey years 2012, 2016, 2020, 2022 and 2024.

The measure suffix differs per edition (``Eenzaam_27`` in 50120NED, ``Eenzaam_25`` in
50150NED) and 50150NED renamed "ernstig eenzaam" to ``SterkEenzaam``; measures are
matched on their name prefix, never on the suffix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.statline import (
    find_measure,
    gemeenten_arg,
    jaar_van_periode,
    require_columns,
    strip_keys,
    to_float,
    voorbeelden,
)

#: Leeftijd key "18 jaar of ouder" and Marges key "waarde" (the point estimate).
GEZONDHEID_LEEFTIJD_18PLUS = "20300"
GEZONDHEID_MARGES_WAARDE = "MW00000"


@dataclass(frozen=True)
class GezondheidMaat:
    """A RIVM measure: our column, the accepted OData name prefixes, required or not."""

    kolom: str
    prefixen: tuple[str, ...]
    verplicht: bool = False


#: Measures read from the Gezondheidsmonitor tables (prefix match, any suffix).
GEZONDHEID_MATEN: tuple[GezondheidMaat, ...] = (
    GezondheidMaat("eenzaam_pct", ("Eenzaam",), verplicht=True),
    # 50120NED: ErnstigZeerErnstigEenzaam_28; 50150NED: SterkEenzaam_26.
    GezondheidMaat("ernstig_eenzaam_pct", ("ErnstigZeerErnstigEenzaam", "SterkEenzaam")),
    GezondheidMaat("emotioneel_eenzaam_pct", ("EmotioneelEenzaam",)),
    GezondheidMaat("sociaal_eenzaam_pct", ("SociaalEenzaam",)),
    GezondheidMaat("mantelzorger_pct", ("Mantelzorger",)),
)
GEZONDHEID_KOLOMMEN: tuple[str, ...] = (
    "code",
    "niveau",
    "jaar",
    *(m.kolom for m in GEZONDHEID_MATEN),
)

#: Measure keys per table edition (name -> position suffix). 50120NED and the 2020
#: edition are confirmed by several public projects; 50150NED by one (see docs).
GEZONDHEID_SUFFIXEN: dict[str, dict[str, int]] = {
    "50120NED": {
        "Eenzaam": 27,
        "ErnstigZeerErnstigEenzaam": 28,
        "EmotioneelEenzaam": 29,
        "SociaalEenzaam": 30,
        "Mantelzorger": 31,
    },
    "50150NED": {
        "Eenzaam": 25,
        "SterkEenzaam": 26,
        "EmotioneelEenzaam": 27,
        "SociaalEenzaam": 28,
        "Mantelzorger": 30,
    },
    "2020": {
        "Eenzaam": 28,
        "ErnstigZeerErnstigEenzaam": 29,
        "EmotioneelEenzaam": 30,
        "SociaalEenzaam": 31,
        "Mantelzorger": 32,
    },
}
_NIVEAU = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}


def parse_gezondheidsmonitor(
    data: pd.DataFrame,
    gemeente: str,
    jaar: int | None = None,
    *,
    leeftijd: str = GEZONDHEID_LEEFTIJD_18PLUS,
    marges: str = GEZONDHEID_MARGES_WAARDE,
    bron: str = "50150NED",
) -> pd.DataFrame:
    """Parse RIVM *Gezondheid per wijk en buurt* for one gemeente and survey year.

    Parameters
    ----------
    data
        UntypedDataSet rows: ``WijkenEnBuurten``, ``Perioden`` and measures such as
        ``Eenzaam_27``/``Eenzaam_25`` (matched by name prefix); optional dimensions
        ``Leeftijd`` and ``Marges``.
    gemeente
        Gemeente code; its GM, WK and BU rows are returned.
    jaar
        Survey year (2012, 2016, 2020, 2022, 2024); default: the newest year with a
        loneliness figure for this gemeente.
    leeftijd
        Leeftijd key to keep when that dimension is present; ``'20300'`` = 18 jaar of ouder.
    marges
        Marges key to keep when present; ``'MW00000'`` = the estimate itself.
    bron
        File or table name for messages.

    Returns
    -------
    pandas.DataFrame
        :data:`GEZONDHEID_KOLOMMEN`: ``code`` (stripped), ``niveau``, ``jaar`` and the
        percentages (0-100, NaN when suppressed or not in this edition).

    Raises
    ------
    WijkscanError
        Missing columns, gemeente/year/age key absent, ambiguous measures, values
        outside 0-100.
    """
    gm = gemeenten_arg([gemeente], f"{bron}: gemeente")[0]
    oplossing = (
        "Download de RIVM-tabel (dataderden.cbs.nl) als onbewerkte dataset met "
        "WijkenEnBuurten, Perioden en de eenzaamheidsmaten."
    )
    require_columns(data, ["WijkenEnBuurten", "Perioden"], bron, oplossing)
    kolommen: dict[str, str | None] = {}
    for maat in GEZONDHEID_MATEN:
        found = [c for p in maat.prefixen if (c := find_measure(data.columns, p, bron))]
        if len(found) > 1:
            raise WijkscanError(
                f"Zowel {found[0]} als {found[1]} aanwezig voor {maat.kolom}.",
                waar=bron,
                oplossing="Lever één editie van de tabel per bestand aan.",
            )
        if not found and maat.verplicht:
            raise WijkscanError(
                f"Geen kolom voor {'/'.join(maat.prefixen)}_<nr> gevonden.",
                waar=f"{bron}; kolommen: {voorbeelden(data.columns, 12)}",
                oplossing=oplossing,
            )
        kolommen[maat.kolom] = found[0] if found else None
    codes = strip_keys(data["WijkenEnBuurten"])
    nummer = gm[2:]
    mask = (codes == gm) | codes.str.match(rf"^(WK{nummer}[0-9A-Z]{{2}}|BU{nummer}[0-9A-Z]{{4}})$")
    if not mask.any():
        raise WijkscanError(
            f"Gemeente {gm} komt niet voor in {bron}.",
            waar=f"{bron}, kolom WijkenEnBuurten",
            oplossing="Controleer de gemeentecode; 50150NED volgt de indeling van 2024.",
        )
    df = data[mask].copy()
    df["code"] = codes[mask]
    for dim, key in (("Leeftijd", leeftijd), ("Marges", marges)):
        if dim in df.columns:
            keys = strip_keys(df[dim])
            if key not in set(keys):
                raise WijkscanError(
                    f"{dim}-sleutel {key!r} ontbreekt "
                    f"(aanwezig: {voorbeelden(sorted(set(keys)))}).",
                    waar=f"{bron}, kolom {dim}",
                    oplossing="Leeftijd 20300 = 18 jaar of ouder; Marges MW00000 = de schatting.",
                )
            df = df[keys == key]
    df["jaar"] = jaar_van_periode(strip_keys(df["Perioden"]))
    df = df[df["jaar"].notna()]
    for maat_kolom, col in kolommen.items():
        if col is None:
            df[maat_kolom] = np.nan
            continue
        values, bad = to_float(df[col])
        if bad.any():
            raise WijkscanError(
                f"Geen getal in kolom {col}: {voorbeelden(df.loc[bad.to_numpy(), col])}.",
                waar=f"{bron}, kolom {col}",
                oplossing="Onderdrukte cellen horen '.' of leeg te zijn.",
            )
        buiten = (values < 0) | (values > 100)
        if buiten.any():
            raise WijkscanError(
                f"Percentage buiten 0-100 in kolom {col}: {voorbeelden(values[buiten])}.",
                waar=f"{bron}, kolom {col}",
                oplossing="Controleer of dit de tabel met percentages is.",
            )
        df[maat_kolom] = values.to_numpy()
    met_waarde = df.loc[df["eenzaam_pct"].notna(), "jaar"]
    beschikbaar = sorted(int(j) for j in met_waarde.unique())
    if jaar is None:
        if not beschikbaar:
            raise WijkscanError(
                f"Geen eenzaamheidscijfers voor {gm} in {bron}.",
                waar=f"{bron}, kolom {kolommen['eenzaam_pct']}",
                oplossing="Kies een andere editie van de tabel of een ander jaar.",
            )
        jaar = beschikbaar[-1]
    elif jaar not in set(int(j) for j in df["jaar"].unique()):
        raise WijkscanError(
            f"Meetjaar {jaar} ontbreekt in {bron} "
            f"(met cijfers: {voorbeelden(beschikbaar) or 'geen'}).",
            waar=f"{bron}, kolom Perioden",
            oplossing="De Gezondheidsmonitor is er voor 2012, 2016, 2020, 2022 en 2024.",
        )
    df = df[df["jaar"] == jaar]
    dup = df["code"].duplicated(keep=False)
    if dup.any():
        raise WijkscanError(
            f"Gebied(en) {voorbeelden(df.loc[dup, 'code'].unique())} komen dubbel voor in {jaar}.",
            waar=f"{bron}, kolom WijkenEnBuurten",
            oplossing="Filter op één Leeftijd- en Marges-sleutel.",
        )
    df["niveau"] = df["code"].str[:2].map(_NIVEAU)
    df["jaar"] = df["jaar"].astype("int64")
    out = df[list(GEZONDHEID_KOLOMMEN)].copy()
    order = out["niveau"].map({"gemeente": 0, "wijk": 1, "buurt": 2})
    return (
        out.assign(_o=order).sort_values(["_o", "code"]).drop(columns="_o").reset_index(drop=True)
    )


def raw_gezondheidsmonitor(
    gezondheid: pd.DataFrame,
    *,
    suffixen: str | Mapping[str, int] = "50150NED",
    leeftijd: str = GEZONDHEID_LEEFTIJD_18PLUS,
    marges: str = GEZONDHEID_MARGES_WAARDE,
) -> pd.DataFrame:
    """Write tidy Gezondheidsmonitor figures in the UntypedDataSet layout.

    Parameters
    ----------
    gezondheid
        Columns ``code``, ``jaar`` and any of the percentage columns of
        :data:`GEZONDHEID_MATEN`.
    suffixen
        Edition preset (``'50120NED'``, ``'50150NED'``, ``'2020'``) or a mapping from
        OData measure name to suffix; its names also decide ``SterkEenzaam`` versus
        ``ErnstigZeerErnstigEenzaam``.
    leeftijd, marges
        Keys written in the ``Leeftijd`` and ``Marges`` columns.

    Returns
    -------
    pandas.DataFrame
        ``ID, Leeftijd, Marges, WijkenEnBuurten, Perioden, SoortRegio_2, Codering_3`` and
        the measures; codes padded to 10 characters, missing values ``'.'``. Column order
        and the SoortRegio_2 wording are assumed (the parser does not depend on them).
    """
    mapping = dict(GEZONDHEID_SUFFIXEN[suffixen] if isinstance(suffixen, str) else suffixen)
    measure_cols: list[tuple[str, str]] = []
    for maat in GEZONDHEID_MATEN:
        if maat.kolom not in gezondheid.columns:
            continue
        naam = next((p for p in maat.prefixen if p in mapping), None)
        if naam is None:
            raise ValueError(f"geen suffix voor {maat.kolom} in {mapping}")
        measure_cols.append((maat.kolom, f"{naam}_{mapping[naam]}"))
    measure_cols.sort(key=lambda kc: int(kc[1].rsplit("_", 1)[1]))
    codes = gezondheid["code"].astype(str).str.strip()
    out = pd.DataFrame(
        {
            "ID": [str(i) for i in range(len(gezondheid))],
            "Leeftijd": leeftijd,
            "Marges": marges,
            "WijkenEnBuurten": codes.str.ljust(10).to_numpy(),
            "Perioden": [f"{int(j)}JJ00" for j in gezondheid["jaar"]],
            "SoortRegio_2": codes.str[:2]
            .map({"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"})
            .str.ljust(10)
            .to_numpy(),
            "Codering_3": codes.str.ljust(10).to_numpy(),
        }
    )
    for kolom, odata in measure_cols:
        out[odata] = [
            "." if pd.isna(v) else f"{float(v):.1f}" for v in gezondheid[kolom].to_numpy()
        ]
    return out

"""A BRP extract per buurt in the layout of the buurt estimate, and its coverage.

A gemeente's own register counts (read by :func:`pipeline.ingest.brp.read_brp`) replace the
IPF estimate of :mod:`pipeline.model.estimate`: they are counts, not estimates. A buurt
that the extract does not cover would have no population at all, so coverage is checked
against the KWB buurten (:func:`check_brp_coverage`); estimating the missing buurten
instead (``bronnen.bevolking.ontbrekende_buurten: schatten``) is in
:mod:`pipeline.model.brp_aanvulling`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.model import ages
from pipeline.model.estimate_inputs import SEXES, as_float, prepare_kwb
from pipeline.present import fmt

log = logging.getLogger(__name__)


def from_brp(
    brp: pd.DataFrame, kwb: pd.DataFrame | None = None, *, allow_missing: bool = False
) -> pd.DataFrame:
    """Turn a BRP extract per buurt into the output layout of the buurt estimate.

    The layout is that of :func:`pipeline.model.estimate.estimate_buurt_ages`.

    Parameters
    ----------
    brp
        ``buurtcode, geslacht, leeftijd_van, leeftijd_tot, aantal``; classes must nest in
        the standard 5-year bands (single years or 5-year bands with an open top class at
        90 or above). If ``man`` and ``vrouw`` are present, ``totaal`` rows are ignored.
    kwb
        Optional KWB buurt table. When given, the output has exactly the KWB buurten:
        every KWB buurt with inhabitants must be in the BRP (:func:`check_brp_coverage`);
        buurten without inhabitants that are missing from the BRP get NaN (not zero),
        BRP buurten unknown to the KWB are dropped with a warning, and large differences
        with ``inwoners`` are reported.
    allow_missing
        Skip the coverage check: KWB buurten with inhabitants that the extract misses get
        NaN rows too, for the caller to estimate
        (:func:`pipeline.model.brp_aanvulling.brp_with_estimates`).

    Returns
    -------
    pandas.DataFrame
        ``code, geslacht, leeftijd_van, leeftijd_tot, klasse, aantal, geschat`` with
        ``geschat=False``. ``attrs["diagnostiek"]`` is a dict with ``niet_in_kwb``,
        ``niet_in_brp`` (every KWB buurt without BRP rows) and ``afwijking_inwoners``
        (buurtcode -> BRP minus KWB).

    Raises
    ------
    WijkscanError
        On missing columns, classes that do not nest in the standard bands, or KWB
        buurten with inhabitants that the BRP extract does not cover (unless
        ``allow_missing``).
    """
    need = ["buurtcode", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    miss = [c for c in need if c not in brp.columns]
    if miss:
        raise WijkscanError(
            f"Kolommen ontbreken in het BRP-bestand: {', '.join(miss)}.",
            waar="bronnen.bevolking (brp)",
            oplossing="Zie docs/invoerformaten.md: buurtcode, geslacht, leeftijd_van, "
            "leeftijd_tot, aantal.",
        )
    if "jaar" in brp.columns and brp["jaar"].nunique() > 1:
        raise WijkscanError(
            f"Het BRP-bestand bevat meerdere jaren ({sorted(brp['jaar'].unique())}).",
            waar="bronnen.bevolking (brp)",
            oplossing="Geef alleen de rijen van het peiljaar door.",
        )
    b = brp[need].rename(columns={"buurtcode": "code"}).copy()
    b["code"] = b["code"].astype(str).str.strip()
    b["aantal"] = as_float(b["aantal"])
    if (b["aantal"] < 0).any():
        raise WijkscanError("Negatieve aantallen in het BRP-bestand.", waar="bronnen.bevolking")
    present_sex = set(b["geslacht"].unique())
    unknown_sex = present_sex - {"man", "vrouw", "totaal"}
    if unknown_sex:
        raise WijkscanError(
            f"Onbekende waarden in kolom geslacht: {', '.join(map(str, unknown_sex))}.",
            waar="bronnen.bevolking (brp)",
            oplossing="Gebruik 'man', 'vrouw' of 'totaal'.",
        )
    mv = {"man", "vrouw"} <= present_sex
    b = b[b["geslacht"].isin(SEXES)] if mv else b[b["geslacht"] == "totaal"]
    sexes = SEXES if mv else ("totaal",)
    std = ages.standard_bands()
    out = ages.to_bands(b, std, by=["code", "geslacht"], waar="BRP-bestand")
    diag: dict[str, object] = {"niet_in_kwb": (), "niet_in_brp": (), "afwijking_inwoners": {}}
    codes = np.array(sorted(out["code"].unique()), dtype=object)
    if kwb is not None:
        kb, _ = prepare_kwb(kwb)
        extra = sorted(set(codes) - set(kb["code"]))
        absent = sorted(set(kb["code"]) - set(codes))
        if extra:
            log.warning(
                "BRP-buurten die niet in de KWB voorkomen (weggelaten): %s", fmt.eerste(extra)
            )
        if not allow_missing:
            check_brp_coverage(codes, kb)
        if absent and not allow_missing:
            log.warning("KWB-buurten zonder BRP-gegevens (NaN): %s", fmt.eerste(absent))
        diag["niet_in_kwb"] = tuple(extra)
        diag["niet_in_brp"] = tuple(absent)
        codes = kb["code"].to_numpy(dtype=object)
        brp_tot = out.groupby("code")["aantal"].sum(min_count=1)
        verschil = brp_tot.reindex(codes) - kb.set_index("code")["inwoners"].reindex(codes)
        groot = verschil[(verschil.abs() > 25) & (verschil.abs() > 0.1 * brp_tot.reindex(codes))]
        diag["afwijking_inwoners"] = groot.to_dict()
        if len(groot):
            log.warning(
                "%d buurt(en) waar BRP en KWB-inwoners meer dan 10%% verschillen.", len(groot)
            )
    grid = pd.MultiIndex.from_product(
        [codes, list(sexes), std["leeftijd_van"].to_numpy()],
        names=["code", "geslacht", "leeftijd_van"],
    )
    vals = out.set_index(["code", "geslacht", "leeftijd_van"])["aantal"].reindex(grid)
    n = len(grid)
    res = pd.DataFrame(
        {
            "code": grid.get_level_values(0).astype(str),
            "geslacht": grid.get_level_values(1).astype(str),
            "leeftijd_van": grid.get_level_values(2).astype("int64"),
            "leeftijd_tot": pd.array(
                np.tile(std["leeftijd_tot"].to_numpy(), n // len(std)), dtype="Int64"
            ),
            "klasse": np.tile(std["klasse"].to_numpy(dtype=object), n // len(std)),
            "aantal": vals.to_numpy(dtype=float, na_value=np.nan),
            "geschat": np.zeros(n, dtype=bool),
        }
    )
    res.attrs["diagnostiek"] = diag
    return res


def missing_buurten(brp_codes: np.ndarray | list[str], kwb: pd.DataFrame) -> list[str]:
    """KWB buurten where people live (or may live) that a BRP extract does not cover.

    Parameters
    ----------
    brp_codes
        Buurt codes present in the BRP extract.
    kwb
        KWB buurt rows (``code``; ``inwoners`` when known).

    Returns
    -------
    list of str
        The missing buurt codes in KWB order. Buurten with 0 inhabitants in the KWB need
        no rows; secret (NaN) inhabitants are not known to be zero, so they count.
    """
    present = set(map(str, brp_codes))
    absent = [c for c in kwb["code"] if c not in present]
    if "inwoners" in kwb:
        inwoners = kwb.set_index("code")["inwoners"]
        # Secret (NaN) inhabitants are not known to be zero, so they count as missing.
        absent = [c for c in absent if not inwoners.get(c, np.nan) == 0]
    return absent


def check_brp_coverage(brp_codes: np.ndarray | list[str], kwb: pd.DataFrame) -> None:
    """Refuse a BRP extract that misses KWB buurten where people live.

    A BRP count is used as is, without a model: a buurt that is not in the extract would
    have no population at all, so gemeente figures summed over buurten (75-plussers,
    mantelzorg) silently shrink while the KWB gemeente total (65-plussers) stays whole:
    "65+ 5.460" next to "75+ ≈ 235". Buurten with 0 inhabitants in the KWB need no rows.

    Parameters
    ----------
    brp_codes
        Buurt codes present in the BRP extract.
    kwb
        KWB buurt rows (``code``, ``inwoners``; ``gemeentecode`` when present).

    Raises
    ------
    WijkscanError
        Naming the missing buurten, how many of the KWB buurten are covered and how many
        inhabitants live in the missing ones, with the ways to fix it (among them the
        setting ``bronnen.bevolking.ontbrekende_buurten: schatten``).
    """
    absent = missing_buurten(brp_codes, kwb)
    inwoners = kwb.set_index("code")["inwoners"] if "inwoners" in kwb else None
    if not absent:
        return
    n_kwb = int(kwb["code"].nunique())
    gm = ""
    if "gemeentecode" in kwb and kwb["gemeentecode"].notna().any():
        gm = f" van {kwb['gemeentecode'].dropna().iloc[0]}"
    inw = ""
    if inwoners is not None and inwoners.reindex(absent).notna().any():
        inw = f" (samen {fmt.getal(inwoners.reindex(absent).sum())} inwoners volgens de KWB)"
    raise WijkscanError(
        f"Het BRP-extract dekt {n_kwb - len(absent)} van de {n_kwb} KWB-buurten{gm}; "
        f"{len(absent)} buurt(en) met inwoners ontbreken{inw}: {fmt.eerste(absent, 8)}. "
        "Zonder die buurten zouden gemeentecijfers die uit buurten worden opgeteld "
        "(75-plussers, mantelzorgpotentieel) te laag uitvallen.",
        waar="bronnen.bevolking.pad (BRP-extract, kolom buurtcode)",
        oplossing="Lever een BRP-extract aan met alle buurten van de gemeente (ook kleine "
        "buurten), of kies bronnen.bevolking type 'cbs' of 'lokaal' (CBS 03759ned): dan "
        "worden alle buurten geschat uit de KWB en de gemeentecijfers. Of zet "
        "bronnen.bevolking.ontbrekende_buurten op 'schatten': dan worden alleen de "
        "ontbrekende buurten geschat uit hun KWB-leeftijdsgroepen en de leeftijdsopbouw van "
        "de buurten in het extract (het rapport noemt ze).",
    )

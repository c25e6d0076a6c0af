"""Buurten missing from a BRP extract, estimated on request (issue 14).

A BRP extract that misses KWB buurten where people live is refused by default
(:func:`pipeline.model.brp_buurten.check_brp_coverage`). With
``bronnen.bevolking.ontbrekende_buurten: schatten`` the missing buurten are estimated
instead, the way buurten without a BRP are estimated everywhere else
(:func:`pipeline.model.estimate.estimate_with_draws`): IPF from each buurt's KWB age bands,
with the age x sex structure of the buurten that *are* in the extract as the gemeente's
profile (in BRP mode there is no CBS 03759ned). The covered buurten stay exact counts,
constant over the interval draws; only the estimated ones vary. The gemeente totals, which
the BRP branch sums from the buurten, include the estimated buurten
(:func:`gemeente_from_brp`), and the report names them (:func:`brp_waarschuwing`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from pipeline.model import ages, estimate
from pipeline.model.brp_buurten import from_brp, missing_buurten
from pipeline.model.estimate_inputs import prepare_kwb
from pipeline.present import fmt

log = logging.getLogger(__name__)

#: Values of ``bronnen.bevolking.ontbrekende_buurten`` (the enum and the default live in
#: ``config/schema.yaml``): refuse the extract, or estimate the missing buurten.
FOUT, SCHATTEN = "fout", "schatten"
#: Marker of an estimated buurt in the margins (diagnostics and the ``marges`` column).
MARGE_NIET_IN_BRP = "geschat (niet in BRP-extract)"
_KEYS = ["code", "geslacht", "leeftijd_van"]
_DRAW_COLS = ["code", "geslacht", "leeftijd_van", "leeftijd_tot", "klasse", "aantal"]


def _check_setting(ontbrekende_buurten: str) -> None:
    # The schema validates the configuration; this guards calls from code.
    if ontbrekende_buurten not in (FOUT, SCHATTEN):
        raise ValueError(f"ontbrekende_buurten must be {FOUT!r} or {SCHATTEN!r}")


def estimate_missing_buurten(
    counts: pd.DataFrame,
    kwb: pd.DataFrame,
    missing: list[str],
    *,
    trekkingen: int = 0,
    spreiding: float = 0.0,
    rng_seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame | None, estimate.Diagnostiek]:
    """Estimate the buurten a BRP extract misses from their KWB bands.

    Parameters
    ----------
    counts
        The extract per buurt in standard bands (:func:`~pipeline.model.brp_buurten.from_brp`
        with ``allow_missing=True``). Its buurten outside ``missing`` give the profile:
        their sum per sex and 5-year band (suppressed cells left out).
    kwb
        KWB buurt table (``code``, ``inwoners``, band columns, optional sex margins).
    missing
        Buurt codes to estimate (:func:`~pipeline.model.brp_buurten.missing_buurten`).
    trekkingen, spreiding, rng_seed
        Interval draws, as :func:`pipeline.model.estimate.estimate_with_draws`.

    Returns
    -------
    tuple
        The estimate of the ``missing`` buurten (layout of
        :func:`~pipeline.model.estimate.estimate_buurt_ages`), its draws (or None) and its
        :class:`~pipeline.model.estimate.Diagnostiek`.
    """
    covered = counts[~counts["code"].isin(missing)]
    covered = covered.assign(gemeentecode=fmt.gemeente_van(covered["code"]))
    profile = covered.groupby(
        ["gemeentecode", "geslacht", "leeftijd_van", "leeftijd_tot"], dropna=False, as_index=False
    )["aantal"].sum()
    kb = kwb[kwb["code"].astype(str).str.strip().isin(missing)]
    est, draws = estimate.estimate_with_draws(
        kb, profile, trekkingen=trekkingen, spreiding=spreiding, rng_seed=rng_seed
    )
    return est, draws, est.attrs["diagnostiek"]


def brp_with_estimates(
    brp: pd.DataFrame,
    kwb: pd.DataFrame,
    ontbrekende_buurten: str,
    *,
    trekkingen: int = 0,
    spreiding: float = 0.0,
    rng_seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The BRP extract per KWB buurt, with missing buurten refused or estimated.

    Parameters
    ----------
    brp
        BRP extract per buurt (:func:`pipeline.ingest.brp.read_brp` layout).
    kwb
        KWB buurt table.
    ontbrekende_buurten
        ``"fout"``: a buurt with inhabitants missing from the extract is an error (exactly
        :func:`~pipeline.model.brp_buurten.from_brp`). ``"schatten"``: such buurten are
        estimated (:func:`estimate_missing_buurten`).
    trekkingen, spreiding, rng_seed
        Interval draws of the estimated buurten.

    Returns
    -------
    tuple
        The buurt table (``code, geslacht, leeftijd_van, leeftijd_tot, klasse, aantal,
        geschat``; ``geschat`` True only for estimated buurten) and the draws (None when
        nothing is estimated or ``trekkingen`` is 0). In the draws the BRP buurten are
        constant; the estimated ones vary. ``attrs["diagnostiek"]`` is the dict of
        :func:`~pipeline.model.brp_buurten.from_brp`; when buurten were estimated it also
        has ``brp_geschatte_buurten`` (list), ``brp_waarschuwing`` (str), ``marges`` (per
        estimated buurt :data:`MARGE_NIET_IN_BRP` and the KWB margins used) and
        ``schatting_ontbrekend`` (the IPF diagnostics).

    Raises
    ------
    WijkscanError
        With ``"fout"``, when KWB buurten with inhabitants are missing; further as
        :func:`~pipeline.model.brp_buurten.from_brp` and the estimate.
    """
    _check_setting(ontbrekende_buurten)
    if ontbrekende_buurten == FOUT:
        return from_brp(brp, kwb), None
    out = from_brp(brp, kwb, allow_missing=True)
    missing = missing_buurten(
        brp["buurtcode"].astype(str).str.strip().unique(), prepare_kwb(kwb)[0]
    )
    if not missing:
        return out, None
    est, est_draws, est_diag = estimate_missing_buurten(
        out, kwb, missing, trekkingen=trekkingen, spreiding=spreiding, rng_seed=rng_seed
    )
    diag = dict(out.attrs["diagnostiek"])
    out = out.copy()
    out.attrs = {}
    rows = out["code"].isin(missing).to_numpy()
    cells = est.set_index(_KEYS)["aantal"]
    out.loc[rows, "aantal"] = cells.reindex(
        pd.MultiIndex.from_frame(out.loc[rows, _KEYS])
    ).to_numpy()
    out.loc[rows, "geschat"] = True
    draws = None
    if est_draws is not None:
        # The extract's counts are exact: the same in every draw.
        draws = pd.concat(
            [out[_DRAW_COLS].assign(trekking=t) for t in range(trekkingen)], ignore_index=True
        )[["trekking", *_DRAW_COLS]]
        drows = draws["code"].isin(missing).to_numpy()
        dcells = est_draws.set_index(["trekking", *_KEYS])["aantal"]
        idx = pd.MultiIndex.from_frame(draws.loc[drows, ["trekking", *_KEYS]])
        draws.loc[drows, "aantal"] = dcells.reindex(idx).to_numpy()
    text = brp_waarschuwing(missing, kwb)
    log.warning("%s", text)
    diag["brp_geschatte_buurten"] = list(missing)
    diag["brp_waarschuwing"] = text
    diag["marges"] = {c: [MARGE_NIET_IN_BRP, *est_diag.marges.get(c, [])] for c in missing}
    diag["schatting_ontbrekend"] = est_diag.as_dict()
    out.attrs["diagnostiek"] = diag
    return out, draws


def gemeente_from_brp(
    brp: pd.DataFrame,
    kwb: pd.DataFrame,
    ontbrekende_buurten: str,
    *,
    gemeente: str,
    jaar: int,
) -> pd.DataFrame:
    """Gemeente population by sex and age from a BRP extract (the sum of its buurten).

    Parameters
    ----------
    brp
        BRP extract per buurt (:func:`pipeline.ingest.brp.read_brp` layout).
    kwb
        KWB buurt table (only used with ``"schatten"``).
    ontbrekende_buurten
        ``"fout"``: the sum of the extract's buurten (missing buurten are refused later,
        by the buurt step). ``"schatten"``: plus the estimate of the missing buurten
        (:func:`estimate_missing_buurten`, the same point estimate as
        :func:`brp_with_estimates`), spread over the extract's age classes in proportion
        to the extract's own counts within each 5-year band (equally when those are 0).
    gemeente, jaar
        Gemeente code and year of the output.

    Returns
    -------
    pandas.DataFrame
        ``gemeentecode, jaar, geslacht, leeftijd_van, leeftijd_tot, aantal`` in the
        extract's age classes; a class suppressed in every buurt stays NaN. An estimated
        buurt without known inhabitants (NaN) adds nothing.
    """
    _check_setting(ontbrekende_buurten)
    gem = brp.groupby(["geslacht", "leeftijd_van", "leeftijd_tot"], dropna=False, as_index=False)[
        "aantal"
    ].sum(min_count=1)
    gem.insert(0, "jaar", jaar)
    gem.insert(0, "gemeentecode", gemeente)
    if ontbrekende_buurten == FOUT:
        return gem
    codes = brp["buurtcode"].astype(str).str.strip().unique()
    missing = missing_buurten(codes, prepare_kwb(kwb)[0])
    if not missing:
        return gem
    counts = from_brp(brp, kwb, allow_missing=True)
    est, _, _ = estimate_missing_buurten(counts, kwb, missing)
    return _add_to_classes(gem, est)


def _add_to_classes(gem: pd.DataFrame, est: pd.DataFrame) -> pd.DataFrame:
    """Add buurt estimates in standard bands to a gemeente table in finer classes."""
    std = ages.standard_bands()
    band, _ = ages.nested_in(gem, std)
    per_band = est.groupby(["geslacht", "leeftijd_van"])["aantal"].sum()
    if "totaal" not in set(est["geslacht"]):
        # A 'totaal' row next to man/vrouw in the extract gets both sexes.
        per_band = pd.concat([per_band, pd.concat({"totaal": per_band.groupby(level=1).sum()})])
    van = np.where(band >= 0, std["leeftijd_van"].to_numpy()[np.clip(band, 0, None)], -1)
    add = per_band.reindex(pd.MultiIndex.from_arrays([gem["geslacht"], van])).to_numpy()
    add = np.nan_to_num(add)
    # Weights within (sex, band): the extract's own counts, equal when those are all 0.
    w = gem["aantal"].fillna(0.0).to_numpy(dtype=float)
    grp = pd.Series(w).groupby([gem["geslacht"].to_numpy(), van])
    total = grp.transform("sum").to_numpy()
    size = grp.transform("size").to_numpy()
    share = np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / size)
    out = gem.copy()
    out["aantal"] = out["aantal"] + np.where(band >= 0, add * share, 0.0)
    return out


def brp_waarschuwing(missing: list[str], kwb: pd.DataFrame) -> str:
    """Report warning naming the buurten estimated because the BRP extract missed them.

    Parameters
    ----------
    missing
        The estimated buurt codes.
    kwb
        KWB buurt table (for the number of buurten and their inhabitants).

    Returns
    -------
    str
        E.g. "3 van de 14 buurten staan niet in het BRP-extract: BU..., ... (samen 1.234
        inwoners volgens de KWB). Hun leeftijdsopbouw is geschat ...".
    """
    kb = prepare_kwb(kwb)[0]
    n, n_kwb = len(missing), len(kb)
    staan, hun = ("staat", "Haar") if n == 1 else ("staan", "Hun")
    inwoners = kb.set_index("code")["inwoners"].reindex(missing)
    inw = ""
    if inwoners.notna().any():
        inw = f" (samen {fmt.getal(inwoners.sum())} inwoners volgens de KWB)"
    return (
        f"{n} van de {n_kwb} buurten {staan} niet in het BRP-extract: "
        f"{fmt.eerste(missing, 8)}{inw}. {hun} leeftijdsopbouw is geschat uit de "
        "leeftijdsgroepen van de KWB en de opbouw van de buurten in het extract "
        "(bronnen.bevolking.ontbrekende_buurten: schatten)."
    )


def mark_estimated(marges: pd.Series, codes: pd.Series, diagnostiek: dict | None) -> pd.Series:
    """The ``marges`` column with the buurten estimated for a BRP extract marked.

    Parameters
    ----------
    marges
        The column of :func:`pipeline.model.intervals.marges_column` (``"BRP-extract"`` for
        every buurt in BRP mode).
    codes
        Region codes of the same rows.
    diagnostiek
        The estimation step's diagnostics (:func:`brp_with_estimates`), or None.

    Returns
    -------
    pandas.Series
        ``marges`` with, for every estimated buurt, its margin labels starting with
        :data:`MARGE_NIET_IN_BRP`.
    """
    d = diagnostiek or {}
    geschat = set(d.get("brp_geschatte_buurten") or [])
    if not geschat:
        return marges
    labels = d.get("marges") or {}
    text = codes.map(lambda c: ", ".join(labels.get(c) or [MARGE_NIET_IN_BRP]))
    return marges.where(~codes.isin(geschat), text).astype(object)

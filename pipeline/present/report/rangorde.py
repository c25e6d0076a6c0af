"""The "Buurten in beeld" ranking: rank scores per buurt and the printed place.

The ranking (:func:`buurt_scores`) is deliberately simple and printed in full: per
indicator a rank score from 0 (smallest task) to 1 (largest task), respecting the
registry ``richting``, and the weighted mean of those scores with the configured
weights. Estimated indicators carry a 90 % interval: buurten whose scores cannot be
told apart share a place, and an indicator without buurt signal
(``bronnen.json["buurtsignaal"]``) gets no classes, no rank and no weight
(:mod:`pipeline.present.klassen`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline import codes
from pipeline.model.registry import Indicator
from pipeline.present import fmt, klassen, texts


def buurt_scores(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    weging: dict[str, float],
    jaar: int | None = None,
    *,
    zonder_signaal: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transparent rank scores per buurt for choosing pilot buurten.

    For each weighted indicator the buurten with a value get a rank score
    ``(rank - 1) / (n - 1)``: 0 for the smallest task, 1 for the largest (ties share
    the average rank). For ``richting == -1`` (lower is a larger task, e.g.
    mantelzorgpotentieel) the score is mirrored. The total is the weighted mean of
    the available rank scores: ``sum(w * score) / sum(w)`` over the indicators the
    buurt has a value for. Buurten with a status (``'te weinig inwoners'``,
    ``'geen gegevens'``) are left out.

    An estimated indicator with a 90 % interval (``K_laag``/``K_hoog``) also gives each
    buurt the lowest and highest rank score its interval allows
    (:func:`pipeline.present.klassen.rangscores`); their weighted means bound the total, and
    buurten whose totals cannot be told apart share a place
    (:func:`pipeline.present.klassen.rang_groepen`). Indicators in ``zonder_signaal`` get no
    rank score and no weight.

    Parameters
    ----------
    indicatoren
        Published indicator table.
    registry
        Indicator registry.
    weging
        Indicator key -> weight (> 0).
    jaar
        Year; default the base year.
    zonder_signaal
        Weighted indicators without buurt signal: left out of the ranking (their
        weight is not used; the report says so).

    Returns
    -------
    (scores, uitgesloten)
        ``scores``: one row per buurt, sorted by place (buurten that share a place by
        name, buurten without a score last), with ``code,
        naam, wijkcode``, the indicator values and their ``<key>_laag``/``<key>_hoog``
        (NaN without interval), ``rs_<key>`` rank scores with their range
        ``rsmin_<key>``/``rsmax_<key>``, ``score`` with ``score_min``/``score_max``,
        ``n_indicatoren``, ``rang`` (strict place, ties share the best) and
        ``plaats_van``/``plaats_tot`` (the shared place); ``uitgesloten``: ``code,
        naam, status`` of the buurten left out.
    """
    j = texts.basisjaar(indicatoren) if jaar is None else jaar
    b = indicatoren[(indicatoren["niveau"] == "buurt") & (indicatoren["jaar"] == j)]
    status = b["status"].fillna("").astype(str)
    uitgesloten = b.loc[status != "", ["code", "naam", "status"]].reset_index(drop=True)
    keys = [k for k, w in weging.items() if w > 0 and k not in set(zonder_signaal)]
    rows = b.loc[status == ""].reset_index(drop=True)
    # The reasons of empty cells travel along: the table prints them, not "n.b.".
    redenen = [codes.reden_kolom(k) for k in keys if codes.reden_kolom(k) in rows]
    out = rows[["code", "naam", "wijkcode", "status", *keys, *redenen]].copy()
    num = pd.Series(0.0, index=out.index)
    num_min = pd.Series(0.0, index=out.index)
    num_max = pd.Series(0.0, index=out.index)
    den = pd.Series(0.0, index=out.index)
    for k in keys:
        lo, hi = klassen.intervallen(rows, k)
        out[k + klassen.LAAG], out[k + klassen.HOOG] = lo, hi
        rs = klassen.rangscores(out[k].astype(float), lo, hi)
        if registry[k].richting < 0:
            # Mirrored: the lowest possible rank score becomes the highest.
            rs = pd.DataFrame(
                {"rs": 1 - rs["rs"], "rs_min": 1 - rs["rs_max"], "rs_max": 1 - rs["rs_min"]}
            )
        out[f"rs_{k}"], out[f"rsmin_{k}"], out[f"rsmax_{k}"] = rs["rs"], rs["rs_min"], rs["rs_max"]
        has = rs["rs"].notna()
        num[has] += weging[k] * rs.loc[has, "rs"]
        num_min[has] += weging[k] * rs.loc[has, "rs_min"]
        num_max[has] += weging[k] * rs.loc[has, "rs_max"]
        den[has] += weging[k]
    den = den.where(den > 0)
    out["score"] = (num / den).astype(float)
    out["score_min"] = (num_min / den).astype(float)
    out["score_max"] = (num_max / den).astype(float)
    out["n_indicatoren"] = [
        int(sum(not fmt.is_missing(out.at[i, f"rs_{k}"]) for k in keys)) for i in out.index
    ]
    out["rang"] = out["score"].rank(ascending=False, method="min")
    plaats = klassen.rang_groepen(out["score"], out["score_min"], out["score_max"])
    out["plaats_van"], out["plaats_tot"] = plaats["van"], plaats["tot"]
    # Within a shared place the order of the scores is not sure: listing those buurten by
    # score would rank them after all, so they go by name (exact scores: one buurt per place,
    # the order of the scores).
    out = out.sort_values(["plaats_van", "plaats_tot", "naam", "code"], na_position="last")
    return out.reset_index(drop=True), uitgesloten


def plaats_tekst(r: pd.Series) -> tuple[str, bool]:
    """Printed place of a ranked buurt (``'3'`` or ``'3–5'``) and whether it is shared."""
    van, tot = r.get("plaats_van"), r.get("plaats_tot")
    if fmt.is_missing(van) or fmt.is_missing(tot):
        return ("" if fmt.is_missing(r["rang"]) else str(int(r["rang"]))), False
    if int(tot) > int(van):
        return f"{int(van)}–{int(tot)}", True
    return str(int(van)), False


def score_marge(r: pd.Series) -> str:
    """Printed range of a ranked buurt's total score (``'0,40–0,95'``).

    ``''`` when the score is exact or its range vanishes at two decimals.
    """
    lo, hi = r.get("score_min"), r.get("score_max")
    if fmt.is_missing(lo) or fmt.is_missing(hi):
        return ""
    a, b = fmt.getal(lo, 2), fmt.getal(hi, 2)
    return "" if a == b else f"{a}–{b}"

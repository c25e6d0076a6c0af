"""Indicator computation per buurt, wijk and gemeente, for the base and horizon years.

Counts are first collected per region and year (:func:`base_quantities`), ratios
are derived from those unrounded counts (:func:`derive`), and only then the
disclosure rules are applied (:func:`publish`): estimated counts rounded,
rates suppressed for small buurten. Report, maps and exports all read the
published table, so every number shown is the same number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import codes
from pipeline.model.banden import (  # noqa: F401 - band_sum, dementia_count: public here too
    band_sum,
    band_totals,
    dementia_count,
    one_sex_partition,
)
from pipeline.model.ingehouden import (
    cell_reasons,
    secret_buurt_cells,
    secret_kwb_cells,
    withheld_cells,
)
from pipeline.model.registry import Indicator
from pipeline.present import fmt


@dataclass(frozen=True)
class Settings:
    """Indicator settings taken from the validated config (:func:`settings_from_config`).

    No defaults here: they live only in ``config/schema.yaml``.
    """

    basisjaar: int
    min_inwoners: int
    afronding: int
    mz_van: tuple[int, int]
    mz_ouderen: int
    mz_min_ouderen: int
    klein_inwoners: int


def settings_from_config(config: dict) -> Settings:
    """Settings from the validated configuration (keys ``jaar`` and ``indicatoren``)."""
    ind = config["indicatoren"]
    return Settings(
        basisjaar=int(config["jaar"]),
        min_inwoners=int(ind["min_inwoners"]),
        afronding=int(ind["afronding"]),
        mz_van=(int(ind["mantelzorg_van"][0]), int(ind["mantelzorg_van"][1])),
        mz_ouderen=int(ind["mantelzorg_ouderen_vanaf"]),
        mz_min_ouderen=int(ind["mantelzorg_min_ouderen"]),
        klein_inwoners=int(ind["hele_procenten_onder"]),
    )


def marker(df: pd.DataFrame, col: str) -> pd.Series:
    """A boolean marker column of ``df`` (``_telling``, ``_<key>_gemeten`` ...): False where
    the column is absent or a cell is missing."""
    if col not in df:
        return pd.Series(False, index=df.index)
    return df[col].fillna(False).astype(bool)


def age_quantities(
    bev: pd.DataFrame,
    s: Settings,
    prevalentie: pd.DataFrame,
    extra: dict[str, tuple[int, int | None]] | None = None,
) -> pd.DataFrame:
    """Age-based counts per ``(code, jaar)`` from a long population table (the bands of
    the settings, :func:`pipeline.model.banden.band_totals`, plus the ``extra`` bands)."""
    banden = {
        "inwoners": (0, None),
        "aantal_65plus": (65, None),
        "aantal_75plus": (75, None),
        "aantal_85plus": (85, None),
        "aantal_18plus": (18, None),
        "aantal_mz_van": (s.mz_van[0], s.mz_van[1]),
        "aantal_mz_ouderen": (s.mz_ouderen, None),
    } | (extra or {})
    return band_totals(bev, banden, prevalentie)


def derive(q: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """Ratios and shares from unrounded counts.

    Parameters
    ----------
    q
        Per region and year: counts (``inwoners``, ``aantal_65plus``, ...), KWB
        context columns and loneliness percentages.
    s
        Settings (mantelzorg minimum).

    Returns
    -------
    pandas.DataFrame
        ``q`` with derived indicator columns added.
    """
    out = q.copy()

    def ratio(num: str, den: str, mult: float = 100.0) -> pd.Series:
        d = out[den].where(out[den] > 0)
        return out[num] / d * mult

    out["aandeel_0_14"] = ratio("k_0_14", "inwoners")
    for share, (num, den) in _GEPUBLICEERDE_AANDELEN.items():
        out[share] = ratio(num, den)
    out["aandeel_75plus"] = ratio("aantal_75plus", "inwoners")
    out["aandeel_85plus"] = ratio("aantal_85plus", "inwoners")
    out["dubbele_vergrijzing"] = ratio("aantal_85plus", "aantal_65plus")
    mz = ratio("aantal_mz_van", "aantal_mz_ouderen", 1.0)
    # A ratio over a handful of very old people says nothing; RIVM also withholds those.
    # The marker lets publish() say so (on the unrounded estimate: 9 prints as 10).
    out["_mantelzorg_weinig"] = out["aantal_mz_ouderen"] < s.mz_min_ouderen
    out["mantelzorgpotentieel"] = mz.where(~out["_mantelzorg_weinig"])
    out["dementie_per_100_65plus"] = ratio("dementie_aantal", "aantal_65plus")
    out["eenzaam_aantal"] = out["eenzaam_pct"] / 100 * out["aantal_18plus"]
    out["aandeel_eenpersoonshuishoudens"] = ratio("eenpersoonshuishoudens", "huishoudens")
    return out


def publish(df: pd.DataFrame, registry: dict[str, Indicator], s: Settings) -> pd.DataFrame:
    """Apply the disclosure rules to a derived indicator table.

    Buurten and wijken under ``min_inwoners`` lose all rates and get status
    ``'te weinig inwoners'``; estimated counts are rounded to ``afronding``;
    KWB-measured counts of the base year are kept as CBS published them, and a buurt's
    base-year count (and share) whose CBS cell is secret is left empty.

    Parameters
    ----------
    df
        Output of :func:`derive`.
    registry
        Indicator registry.
    s
        Settings.

    Returns
    -------
    pandas.DataFrame
        Published table: identification columns, ``status``, one column per indicator and
        the ``reden_<key>`` columns (:mod:`pipeline.model.ingehouden`).
    """
    out = df.copy()
    small = (out["niveau"].isin(["buurt", "wijk"])) & ~(out["inwoners"] >= s.min_inwoners)
    no_data = out["inwoners"].isna()
    out["status"] = np.where(
        no_data,
        codes.STATUS_GEEN_GEGEVENS,
        np.where(small, codes.STATUS_TE_WEINIG, codes.STATUS_GEPUBLICEERD),
    )
    ingehouden = withheld_cells(
        out, secret_buurt_cells(out, _PUBLISHED, _GEPUBLICEERDE_AANDELEN), registry
    )
    # Joined per key, not replaced: a key with reasons from both keeps them all.
    for key, redenen in secret_kwb_cells(out, s.basisjaar, registry).items():
        ingehouden.setdefault(key, []).extend(redenen)
    if "mantelzorgpotentieel" in registry:
        ingehouden.setdefault("mantelzorgpotentieel", []).append(
            (
                marker(out, "_mantelzorg_weinig"),
                codes.reden_weinig_ouderen(s.mz_min_ouderen, s.mz_ouderen),
            )
        )
    # Per key, the rows whose empty cell the row's status already explains.
    door_status: dict[str, pd.Series] = {}
    geteld = marker(out, "_telling")
    for key, ind in registry.items():
        if key not in out:
            out[key] = np.nan
        door_status[key] = no_data
        if ind.is_rate:
            door_status[key] = no_data | small
            out.loc[small, key] = np.nan
            if ind.eenheid == "%":
                # A decimal on a share of a few hundred people suggests precision it lacks.
                few = out["niveau"].isin(["buurt", "wijk"]) & (out["inwoners"] < s.klein_inwoners)
                out.loc[few, key] = np.round(out.loc[few, key])
        for rows, _ in ingehouden.get(key, ()):
            out.loc[rows, key] = np.nan
        if ind.is_aantal:
            measured = (out["jaar"] == s.basisjaar) & marker(out, f"_{key}_gemeten")
            rounded = s.afronding * np.round(out[key] / s.afronding)
            # An estimate of one or two people printed as "0" beside a rate above zero
            # (Deventer: dementia "0" next to 7,3 per 100) reads as "nobody": empty, with
            # its reason. An estimate of exactly 0 (no 65-plussers at all) stays 0, and a
            # counted number (CBS, BRP) is rounded as CBS rounds, 1 or 2 to 0.
            geschat = ~measured & ~(geteld & (key not in _MODEL_COUNTS))
            klein = geschat & (out[key] > 0) & (rounded == 0)
            out[key] = np.where(measured, out[key], rounded)
            if klein.any():
                out.loc[klein, key] = np.nan
                reden = codes.reden_afgerond_nul(s.afronding)
                ingehouden.setdefault(key, []).append((klein, reden))
            if key in _MODEL_COUNTS:
                door_status[key] = no_data | small
                out.loc[small, key] = np.nan
    redenen = cell_reasons(len(df), door_status, ingehouden, registry)
    for key, reden in redenen.items():
        out[codes.reden_kolom(key)] = reden
    id_cols = ["code", "naam", "niveau", "gemeentecode", "gemeentenaam", "wijkcode", "jaar"]
    extra = ["status", "eenzaamheid_jaar", "schatting"]
    cols = [c for c in id_cols + extra if c in out] + list(registry)
    cols += [codes.reden_kolom(key) for key in redenen]
    return out[cols].reset_index(drop=True)


_KWB_CONTEXT = (
    "k_0_14",
    "huishoudens",
    "eenpersoonshuishoudens",
    "koopwoningen_pct",
    "afstand_huisarts",
    "afstand_supermarkt",
)
_LONELINESS = (
    "eenzaam_pct",
    "ernstig_eenzaam_pct",
    "emotioneel_eenzaam_pct",
    "sociaal_eenzaam_pct",
)
_ADDITIVE = (
    "inwoners",
    "aantal_65plus",
    "aantal_75plus",
    "aantal_85plus",
    "aantal_18plus",
    "aantal_mz_van",
    "aantal_mz_ouderen",
    "dementie_aantal",
)


def _sum_up(q: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Sum additive quantities of buurten to a higher level (NaN only if all NaN).

    The rows get ``_opgeteld = True`` so :func:`attach_base_year` knows which
    counts are buurt sums (to be replaced by the published count) and not, e.g., a
    gemeente's own 03759ned population.
    """
    tmp = q.assign(code=key.to_numpy())
    out = tmp.groupby(["code", "jaar"])[list(_ADDITIVE)].sum(min_count=1).reset_index()
    out["_opgeteld"] = True
    return out


#: Counts that are always the model's (prevalence or survey share x population), also
#: where the population is counted.
_MODEL_COUNTS = ("dementie_aantal", "eenzaam_aantal")
#: Published KWB count per quantity: (our key, KWB column).
_PUBLISHED = (("inwoners", "inwoners"), ("aantal_65plus", "k_65plus"))
#: Shares of two published counts: share -> (numerator, denominator).
_GEPUBLICEERDE_AANDELEN = {"aandeel_65plus": ("aantal_65plus", "inwoners")}


def nested_bands(s: Settings) -> dict[str, str]:
    """Estimated quantity -> the published count whose band contains it.

    Bands starting at 65 or later lie inside the published 65+; the others inside
    the published inwoners. Dementia counts are prevalence x population with nearly
    all cases 65+ (the rates under 65 are a few per thousand) and are reported per
    100 65-plussers, so they follow 65+ too: scaling them keeps that model rate.
    """
    out = {
        "aantal_75plus": "aantal_65plus",
        "aantal_85plus": "aantal_65plus",
        "dementie_aantal": "aantal_65plus",
        "aantal_18plus": "inwoners",
    }
    out["aantal_mz_ouderen"] = "aantal_65plus" if s.mz_ouderen >= 65 else "inwoners"
    out["aantal_mz_van"] = "aantal_65plus" if s.mz_van[0] >= 65 else "inwoners"
    return out


def attach_base_year(
    q: pd.DataFrame, regios: pd.DataFrame, eenzaamheid: pd.DataFrame | None, s: Settings
) -> pd.DataFrame:
    """Put CBS-published counts, KWB context and loneliness on the base-year rows.

    Parameters
    ----------
    q
        Quantities per region and year with ``code``, ``niveau`` and ``jaar``.
    regios
        Tidy KWB table(s) of the gemeente(n), all levels.
    eenzaamheid
        RIVM loneliness per region code (``code, jaar, *_pct``), or None.
    s
        Settings (base year).

    Returns
    -------
    pandas.DataFrame
        ``q`` with measured counts and ``_<key>_gemeten`` flags, context and
        loneliness columns, ``eenzaamheid_jaar`` and ``schatting``. Base-year rows
        of every level carry the KWB-published ``inwoners`` and 65+ (NaN on a wijk
        where CBS keeps the cell secret); the estimated sub-bands of summed rows are
        scaled to fit them (see the comments in the body).
    """
    q = q.copy()
    kwb = regios.set_index("code")
    base = q["jaar"] == s.basisjaar
    # Rows whose counts are sums of buurt estimates (wijken; the gemeente without its
    # own population table). Without the marker (direct callers): the wijken.
    summed = q["_opgeteld"].eq(True) if "_opgeteld" in q else q["niveau"].eq("wijk")
    buurt_sum = {key: q[key].copy() for key, _ in _PUBLISHED}
    # CBS-published counts replace estimates and buurt sums in the base year on every
    # level: a reader compares a wijk with CBS's own wijk figure (Duiven WK022603:
    # 14.045, not the buurt sum 14.040), and CBS rounds every level separately.
    for key, col in _PUBLISHED:
        q[f"_{key}_gemeten"] = False
        if col not in kwb:
            continue
        measured = q.loc[base, "code"].map(kwb[col])
        has = measured.notna()
        q.loc[measured.index[has], key] = measured[has]
        q.loc[measured.index[has], f"_{key}_gemeten"] = True
        # A secret wijk cell stays secret: the buurt sum would show a number CBS
        # withholds, unmarked. (A buurt keeps its own estimate, a gemeente its
        # 03759ned count; both are flagged as not measured and rounded by publish.)
        secret = measured.index[~has.to_numpy()]
        secret = secret[summed.loc[secret].to_numpy()]
        q.loc[secret, key] = np.nan
        q[f"_{key}_geheim"] = q.index.isin(secret)
    # The estimated sub-bands of a summed row (75+, 85+, ...) stay the sum of the buurt
    # estimates, scaled by published / buurt sum of the published band that holds them.
    # CBS rounds and suppresses the wijk count separately from its buurten, so a
    # published wijk 65+ of 5 can sit next to buurt estimates of 15 85-plussers (seen in
    # WK028902, WK030725, WK0363TA in KWB 2024); the scaling keeps 85+ <= 75+ <= 65+
    # and the model's shares within the band. Usually it moves a count only by CBS's
    # rounding (KWB 2024 wijken: published / buurt sum of 65+ is 0.86-1.2 for 98 %).
    for col, parent in nested_bands(s).items():
        factor = q[parent] / buurt_sum[parent].where(buurt_sum[parent] > 0)
        rows = base & summed & q[f"_{parent}_gemeten"] & factor.notna()
        q.loc[rows, col] = q.loc[rows, col] * factor[rows]
    q = q.drop(columns="_opgeteld", errors="ignore")
    for col in _KWB_CONTEXT:
        q[col] = np.where(base, q["code"].map(kwb[col]) if col in kwb else np.nan, np.nan)
    for col in _LONELINESS:
        q[col] = np.nan
    q["eenzaamheid_jaar"] = pd.array([pd.NA] * len(q), dtype="Int64")
    if eenzaamheid is not None and len(eenzaamheid):
        e = eenzaamheid.drop_duplicates("code", keep="last").set_index("code")
        for col in _LONELINESS:
            if col in e:
                q.loc[base, col] = q.loc[base, "code"].map(e[col])
        q.loc[base, "eenzaamheid_jaar"] = q.loc[base, "code"].map(e["jaar"]).astype("Int64")
    q["schatting"] = np.where(base, "basisjaar", "projectie")
    return q


def assemble(
    regios: pd.DataFrame,
    bev_buurt: pd.DataFrame,
    bev_gemeente: pd.DataFrame | None,
    eenzaamheid: pd.DataFrame | None,
    prevalentie: pd.DataFrame,
    s: Settings,
) -> pd.DataFrame:
    """Collect all quantities per region (buurt, wijk, gemeente) and year.

    Works for one gemeente or many at once (a batch, :mod:`pipeline.model.batch`): buurten are
    summed to their own wijk and gemeente by code.

    Parameters
    ----------
    regios
        Tidy KWB table of one or more gemeenten (all levels, base year).
    bev_buurt
        Estimated/projected population per buurt: ``code, jaar, geslacht,
        leeftijd_van, leeftijd_tot, aantal`` for the base and horizon years.
    bev_gemeente
        Population of the gemeente(n) by age (and sex) per year (``jaar`` and
        age columns; 03759ned for the base year, the forecast for horizons), with
        ``gemeentecode`` when ``regios`` holds several gemeenten; None to sum the buurten.
    eenzaamheid
        RIVM loneliness per region code: ``code, jaar`` and the ``*_pct`` columns,
        or None.
    prevalentie
        Dementia prevalence rates.
    s
        Settings.

    Returns
    -------
    pandas.DataFrame
        One row per region and year with counts, KWB context (base year only),
        loneliness (base year rows; ``eenzaamheid_jaar`` = survey year) and
        ``_<key>_gemeten`` flags for counts published by CBS and ``_<key>_geheim`` for
        estimated buurt counts whose CBS cell is secret; sorted by gemeente, year, level
        and code.
    """
    ids = regios[["code", "naam", "niveau", "gemeentecode", "gemeentenaam", "wijkcode"]]
    gemeenten = ids.loc[ids["niveau"] == "gemeente", "code"]
    buurt_ids = ids[ids["niveau"] == "buurt"]
    qb = age_quantities(bev_buurt, s, prevalentie)
    qb = qb[qb["code"].isin(buurt_ids["code"])]
    qw = _sum_up(qb, "WK" + qb["code"].str[2:8])
    if bev_gemeente is not None and len(bev_gemeente):
        if len(gemeenten) == 1:
            g = bev_gemeente.assign(code=gemeenten.iloc[0])
        elif "gemeentecode" in bev_gemeente:
            g = bev_gemeente.assign(code=bev_gemeente["gemeentecode"])
        else:
            raise ValueError("bev_gemeente needs 'gemeentecode' when regios holds several")
        qg = age_quantities(g, s, prevalentie)
    else:
        qg = _sum_up(qb, fmt.gemeente_van(qb["code"]))
    q = pd.concat([qb, qw, qg], ignore_index=True)
    q = q.merge(ids, on="code", how="inner")
    q = attach_base_year(q, regios, eenzaamheid, s)
    # Buurten whose base-year count is the model's estimate of a cell CBS keeps secret
    # (not a BRP count): :func:`publish` leaves those cells empty.
    # Base-year rows only: every projected row is marked geschat, BRP buurten too.
    b0 = bev_buurt[bev_buurt["jaar"] == s.basisjaar] if "jaar" in bev_buurt else bev_buurt
    own = b0["code"]
    estimated = q["code"].isin(own[b0["geschat"].astype(bool)] if "geschat" in b0 else own)
    base_buurt = (q["jaar"] == s.basisjaar) & (q["niveau"] == "buurt") & estimated
    # Base-year rows whose age counts are counted (a BRP extract), not estimated: every
    # buurt of the region counted. Rounding hides a count of one or two, as CBS does; only
    # an estimate is emptied where it rounds to 0 (publish).
    q["_telling"] = (q["jaar"] == s.basisjaar) & q["code"].map(_counted_regions(b0)).eq(True)
    for key, col in _PUBLISHED:
        if col in regios:
            # Or a secret wijk cell (attach_base_year): both are published empty.
            wijk = marker(q, f"_{key}_geheim")
            q[f"_{key}_geheim"] = (base_buurt & ~q[f"_{key}_gemeten"]) | wijk
    q = q.sort_values(["gemeentecode", "jaar", "niveau", "code"], kind="stable")
    return q.reset_index(drop=True)


def _counted_regions(b0: pd.DataFrame) -> pd.Series:
    """Per buurt, wijk and gemeente code: are its base-year age counts all counted (BRP)?"""
    if "geschat" not in b0 or b0["geschat"].astype(bool).all():
        return pd.Series(dtype=object)
    geschat = pd.Series(b0["geschat"].astype(bool).to_numpy(), index=b0["code"].astype(str))
    telt = ~geschat.groupby(level=0).any()
    wijk = telt.groupby("WK" + telt.index.str[2:8]).all()
    gemeente = telt.groupby("GM" + telt.index.str[2:6]).all()
    return pd.concat([telt, wijk, gemeente])


def compute(
    regios: pd.DataFrame,
    bev_buurt: pd.DataFrame,
    bev_gemeente: pd.DataFrame | None,
    eenzaamheid: pd.DataFrame | None,
    prevalentie: pd.DataFrame,
    registry: dict[str, Indicator],
    s: Settings,
) -> pd.DataFrame:
    """Full indicator table of one gemeente: assemble, derive, publish.

    Parameters
    ----------
    regios, bev_buurt, bev_gemeente, eenzaamheid, prevalentie, s
        See :func:`assemble`.
    registry
        Indicator registry.

    Returns
    -------
    pandas.DataFrame
        Published indicators per region and year.
    """
    q = assemble(regios, bev_buurt, bev_gemeente, eenzaamheid, prevalentie, s)
    return publish(derive(q, s), registry, s)

"""Buurt margins beyond the KWB age bands: burgerlijke staat, sex, and the gemeente's joint.

Marital status carries age signal only through the gemeente's joint age x sex x
burgerlijke staat (03759ned); these helpers turn the KWB counts (same year, or an adjacent
year where the buurt code is unchanged) into IPF targets for :mod:`pipeline.model.estimate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.model import ages

_SEXES = ("man", "vrouw")
#: Marital-status categories (canonical KWB column names, 03759ned BurgerlijkeStaat).
BURGERLIJKE_STAAT: tuple[str, ...] = ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")
#: Prefix of the auxiliary (adjacent KWB year) marital-status columns on buurt rows.
AANVULLING = "aanv_"
#: Margin labels recorded per buurt (shown in exports as ``marges``).
MARGE_LEEFTIJD = "leeftijd (KWB)"
MARGE_GESLACHT = "geslacht (KWB)"
MARGE_BS = "burgerlijke staat (KWB)"
EXTRA_COUNTS = (
    "mannen",
    "vrouwen",
    *BURGERLIJKE_STAAT,
    *(AANVULLING + c for c in BURGERLIJKE_STAAT),
)


def joint_shares(gemeente_bs: pd.DataFrame | None, gemeenten: list[str]) -> pd.DataFrame | None:
    """Share of each burgerlijke staat within gemeente x sex x standard band, or None.

    Returns
    -------
    pandas.DataFrame or None
        Index gemeentecode; columns (geslacht, leeftijd_van, burgerlijke_staat); rows of
        every gemeente with a joint table. Cells of a (sex, band) with nobody are NaN.
    """
    if gemeente_bs is None or not len(gemeente_bs):
        return None
    need = [
        "gemeentecode",
        "geslacht",
        "leeftijd_van",
        "leeftijd_tot",
        "burgerlijke_staat",
        "aantal",
    ]
    miss = [c for c in need if c not in gemeente_bs.columns]
    if miss:
        raise WijkscanError(
            f"Kolommen ontbreken in de bevolking naar burgerlijke staat: {', '.join(miss)}.",
            waar="bevolking (gemeente, burgerlijke staat)",
            oplossing="Verwacht: " + ", ".join(need) + ".",
        )
    bs = gemeente_bs[gemeente_bs["gemeentecode"].isin(gemeenten)]
    bs = bs[bs["geslacht"].isin(_SEXES) & bs["burgerlijke_staat"].isin(BURGERLIJKE_STAAT)]
    if not len(bs):
        return None
    if bs["aantal"].isna().any() or (bs["aantal"] < 0).any():
        raise WijkscanError(
            "De bevolking naar burgerlijke staat heeft lege of negatieve aantallen.",
            waar="bevolking (gemeente, burgerlijke staat)",
            oplossing="Gebruik de volledige 03759ned-download (die heeft geen geheime cellen).",
        )
    std = ages.to_bands(
        bs[need],
        ages.standard_bands(),
        by=["gemeentecode", "geslacht", "burgerlijke_staat"],
        split=True,
        waar="bevolking (gemeente, burgerlijke staat)",
    )
    wide = std.pivot_table(
        index="gemeentecode",
        columns=["geslacht", "leeftijd_van", "burgerlijke_staat"],
        values="aantal",
        aggfunc="sum",
    )
    full = pd.MultiIndex.from_product(
        [list(_SEXES), ages.standard_bands()["leeftijd_van"].tolist(), list(BURGERLIJKE_STAAT)]
    )
    wide = wide.reindex(columns=full).fillna(0.0)
    tot = wide.T.groupby(level=[0, 1]).transform("sum").T
    return wide / tot.where(tot > 0)


def marital_targets(
    kb: pd.DataFrame, tot: np.ndarray, has_joint: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Buurt marital-status targets scaled to the buurt total, the rows they bind, labels.

    The same KWB year is used where all four counts are published; otherwise the adjacent
    year (``aanv_*``) where the buurt code was unchanged. Shares, not counts, are taken
    from the KWB: rounding to 5 and a year's difference would otherwise clash with the
    age bands' total.
    """
    B, n = len(kb), len(BURGERLIJKE_STAAT)
    shares = np.full((B, n), np.nan)
    labels = [""] * B

    def take(cols: list[str], label: object) -> None:
        if not all(c in kb.columns for c in cols):
            return
        v = kb[cols].to_numpy(dtype=float)
        s = v.sum(axis=1)
        ok = ~np.isnan(v).any(axis=1) & (s > 0) & np.isnan(shares).any(axis=1)
        shares[ok] = v[ok] / s[ok, None]
        lab = np.broadcast_to(np.asarray(label, dtype=object), (B,))
        for i in np.flatnonzero(ok):
            labels[i] = str(lab[i])

    take(list(BURGERLIJKE_STAAT), MARGE_BS)
    if "aanvulling_jaar" in kb.columns:
        jaar = kb["aanvulling_jaar"].astype(object).where(kb["aanvulling_jaar"].notna(), "")
        aux = ["burgerlijke staat (KWB " + str(j).strip() + ")" for j in jaar]
    else:
        aux = "burgerlijke staat (KWB, ander jaar)"
    take([AANVULLING + c for c in BURGERLIJKE_STAAT], aux)
    rows = ~np.isnan(shares).any(axis=1) & has_joint
    R = np.where(rows[:, None], np.nan_to_num(shares) * tot[:, None], 0.0)
    return R, rows, [lab if rows[i] else "" for i, lab in enumerate(labels)]


def sex_targets(kb: pd.DataFrame, tot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Buurt men/women targets (shares of the KWB, scaled to the buurt total)."""
    B = len(kb)
    if not {"mannen", "vrouwen"} <= set(kb.columns):
        return np.zeros((B, 2)), np.zeros(B, dtype=bool)
    v = kb[["mannen", "vrouwen"]].to_numpy(dtype=float)
    s = v.sum(axis=1)
    rows = ~np.isnan(v).any(axis=1) & (s > 0)
    X = np.where(rows[:, None], np.nan_to_num(v) / np.where(rows, s, 1.0)[:, None], 0.0)
    return X * tot[:, None], rows


def perturb(kb: pd.DataFrame, rng: np.random.Generator, columns: tuple[str, ...]) -> pd.DataFrame:
    """KWB counts with their rounding error drawn: within 2.5 of the published value, >= 0."""
    out = kb.copy()
    for col in columns:
        if col in out.columns:
            v = out[col].to_numpy(dtype=float)
            noise = rng.uniform(-2.5, 2.5, size=len(v))
            out[col] = np.where(np.isnan(v), np.nan, np.clip(v + noise, 0.0, None))
    return out

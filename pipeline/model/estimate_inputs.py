"""Inputs of the buurt age estimate: KWB bands, the gemeente distribution, a seed.

:mod:`pipeline.model.estimate` fits every buurt's age x sex cube by IPF; this module turns
its inputs into checked arrays first: the KWB buurt rows (numeric, one per buurt), the
gemeente's population in standard 5-year bands, the effective KWB bands (absent bands
pooled in a *rest* band) and an optional prior structure per buurt. Errors name the
table in Dutch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError, require_gemeenten
from pipeline.model import ages, marges
from pipeline.present import fmt

#: KWB band columns (canonical names from :mod:`pipeline.ingest.kwb`) and their ages.
KWB_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("k_0_14", 0, 14),
    ("k_15_24", 15, 24),
    ("k_25_44", 25, 44),
    ("k_45_64", 45, 64),
    ("k_65plus", 65, None),
)
#: Name of the pooled band of all ages whose KWB column is absent.
REST = "rest"
#: The two sexes of a split output (a gemeente with only totals gives ``"totaal"``).
SEXES = ("man", "vrouw")


def as_float(s: pd.Series) -> np.ndarray:
    """Numbers as a float array; text that is no number (a secret cell) becomes NaN."""
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def prepare_kwb(kwb: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Buurt rows of the KWB table, numeric, sorted by code; plus the band columns present."""
    for col in ("code", "inwoners"):
        if col not in kwb.columns:
            raise WijkscanError(
                f"Kolom '{col}' ontbreekt in de KWB-tabel.",
                waar="KWB (buurten)",
                oplossing="Lees de KWB in met pipeline.ingest.kwb (kolommen code, inwoners, k_0_14, ...).",
            )
    present = [name for name, _, _ in KWB_BANDS if name in kwb.columns]
    b = kwb[kwb["code"].astype(str).str.strip().str.startswith("BU")].copy()
    b["code"] = b["code"].astype(str).str.strip()
    dup = b["code"][b["code"].duplicated()]
    if len(dup):
        raise WijkscanError(
            f"Buurtcodes komen dubbel voor in de KWB-tabel: {fmt.eerste(list(dup.unique()), 5)}.",
            waar="KWB (buurten)",
            oplossing="Lever één rij per buurt (één KWB-jaar, één gemeente-indeling).",
        )
    out = pd.DataFrame({"code": b["code"].to_numpy()})
    out["gemeentecode"] = fmt.gemeente_van(out["code"])
    # Optional buurt margins travel along; absent columns stay absent.
    optional = [c for c in marges.EXTRA_COUNTS if c in b.columns]
    for col in ["inwoners", *present, *optional]:
        v = as_float(b[col])
        if (v < 0).any():
            raise WijkscanError(
                f"Negatieve aantallen in KWB-kolom '{col}'.",
                waar="KWB (buurten)",
                oplossing="Geheimgehouden cellen horen leeg (NaN) te zijn, niet negatief.",
            )
        out[col] = v
    if "aanvulling_jaar" in b.columns:
        out["aanvulling_jaar"] = b["aanvulling_jaar"].to_numpy(dtype=object)
    return out.sort_values("code", kind="stable").reset_index(drop=True), present


def gemeente_bands(
    gemeente_pop: pd.DataFrame, gemeenten: list[str]
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Gemeente population in standard bands, the sex mode per gemeente and split gemeenten."""
    need = ["gemeentecode", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    miss = [c for c in need if c not in gemeente_pop.columns]
    if miss:
        raise WijkscanError(
            f"Kolommen ontbreken in de bevolking per gemeente: {', '.join(miss)}.",
            waar="bevolking (gemeente)",
            oplossing="Verwacht: gemeentecode, jaar, geslacht, leeftijd_van, leeftijd_tot, aantal.",
        )
    pop = gemeente_pop[gemeente_pop["gemeentecode"].isin(gemeenten)]
    if "jaar" in pop.columns and pop["jaar"].nunique() > 1:
        raise WijkscanError(
            f"De bevolking per gemeente bevat meerdere jaren ({sorted(pop['jaar'].unique())}).",
            waar="bevolking (gemeente)",
            oplossing="Geef alleen het peiljaar van de KWB door.",
        )
    require_gemeenten(
        gemeenten,
        pop["gemeentecode"],
        "Geen leeftijdsverdeling voor gemeente(n) {codes}.",
        waar="bevolking (gemeente)",
        oplossing="Haal de bevolking naar leeftijd en geslacht (03759ned) op voor alle "
        "gemeenten in de KWB-tabel.",
    )
    sexes = pop.groupby("gemeentecode")["geslacht"].agg(set)
    mode = {
        g: ("mv" if {"man", "vrouw"} <= s else "totaal" if "totaal" in s else "?")
        for g, s in sexes.items()
    }
    bad = [g for g, m in mode.items() if m == "?"]
    if bad:
        raise WijkscanError(
            f"Gemeente(n) {fmt.eerste(bad)} hebben geen 'man'+'vrouw' of 'totaal'.",
            waar="bevolking (gemeente), kolom geslacht",
            oplossing="geslacht is 'man', 'vrouw' of 'totaal'.",
        )
    keep = np.where(
        pop["gemeentecode"].map(mode).eq("mv"),
        pop["geslacht"].isin(SEXES),
        pop["geslacht"].eq("totaal"),
    )
    pop = pop[keep][need]
    bands = ages.standard_bands()
    _, straddle = ages.nested_in(pop, bands)
    split = sorted(pop.loc[straddle, "gemeentecode"].unique())
    std = ages.to_bands(
        pop, bands, by=["gemeentecode", "geslacht"], split=True, waar="bevolking (gemeente)"
    )
    if std["aantal"].isna().any():
        g = std.loc[std["aantal"].isna(), "gemeentecode"].iloc[0]
        raise WijkscanError(
            f"De leeftijdsverdeling van {g} heeft ontbrekende aantallen.",
            waar="bevolking (gemeente)",
            oplossing="Gebruik een volledige tabel (03759ned heeft geen geheime cellen).",
        )
    if (std["aantal"] < 0).any():
        raise WijkscanError("Negatieve aantallen in de bevolking per gemeente.")
    return std, mode, split


def effective_bands(present: list[str]) -> tuple[list[str], np.ndarray]:
    """Names of the effective bands and the effective band of every standard band."""
    std = ages.standard_bands()
    lo = std["leeftijd_van"].to_numpy()
    e_of_j = np.full(len(lo), -1)
    names: list[str] = []
    for name, van, tot in KWB_BANDS:
        if name in present:
            inside = (lo >= van) & ((lo <= tot) if tot is not None else True)
            e_of_j[inside] = len(names)
            names.append(name)
    if (e_of_j < 0).any():
        e_of_j[e_of_j < 0] = len(names)
        names.append(REST)
    return names, e_of_j


def seed_matrix(
    seed: pd.DataFrame, codes: np.ndarray, sexes: tuple[str, ...], n_bands: int
) -> np.ndarray:
    """Seed counts as ``(B, S * n_bands)``; NaN for buurten without seed."""
    if "code" not in seed.columns and "buurtcode" in seed.columns:
        seed = seed.rename(columns={"buurtcode": "code"})
    need = ["code", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    miss = [c for c in need if c not in seed.columns]
    if miss:
        raise WijkscanError(
            f"Kolommen ontbreken in de startverdeling (seed): {', '.join(miss)}.",
            oplossing="Verwacht: code, geslacht, leeftijd_van, leeftijd_tot, aantal.",
        )
    sd = seed[seed["code"].isin(codes)][need]
    out = np.full((len(codes), len(sexes) * n_bands), np.nan)
    if not len(sd):
        return out
    has_mv = {"man", "vrouw"} <= set(sd["geslacht"].unique())
    sd = sd[sd["geslacht"].isin(SEXES)] if has_mv else sd[sd["geslacht"] == "totaal"]
    std = ages.to_bands(sd, ages.standard_bands(), by=["code", "geslacht"], waar="seed")
    wide = std.pivot_table(
        index="code", columns=["geslacht", "leeftijd_van"], values="aantal", dropna=False
    )
    row = pd.Index(codes).get_indexer(wide.index)
    for s_i, sex in enumerate(sexes):
        if has_mv and sex in SEXES:
            block = wide[sex].to_numpy()
        elif has_mv:  # output 'totaal', seed by sex
            block = wide["man"].to_numpy() + wide["vrouw"].to_numpy()
        else:  # seed 'totaal': the same shape for both sexes
            block = wide["totaal"].to_numpy()
        out[row, s_i * n_bands : (s_i + 1) * n_bands] = block
    return out

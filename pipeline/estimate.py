"""Estimated age x sex structure per buurt (iterative proportional fitting).

KWB publishes per buurt only a few broad age bands (0-14, 15-24, 25-44, 45-64, 65+; the
shared national extract only 0-14 and 65+). The gemeente's population by sex and age
(CBS 03759ned) is exact but has no buurt detail. :func:`estimate_buurt_ages` combines
both with IPF so that

(a) every buurt's cells add up to its KWB band counts (bands absent or suppressed are
    pooled in a *rest* band: inwoners minus the known bands), and
(b) the buurten together follow the gemeente's age x sex distribution *within each
    band*, rescaled to the buurten's band total (KWB counts are rounded to 5, 03759ned is
    exact, so the gemeente itself is only used for its shape).

Both margins are consistent by construction, so IPF converges to them exactly. The method
is described for analysts in ``docs/methode_schatting.md``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from pipeline import ages, fmt
from pipeline.errors import WijkscanError

log = logging.getLogger(__name__)

#: KWB band columns (canonical names from :mod:`pipeline.kwb`) and their ages.
KWB_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("k_0_14", 0, 14),
    ("k_15_24", 15, 24),
    ("k_25_44", 25, 44),
    ("k_45_64", 45, 64),
    ("k_65plus", 65, None),
)
#: Name of the pooled band of all ages whose KWB column is absent.
REST = "rest"
#: Weight of the uniform distribution mixed into a seed, so that zero cells in last
#: year's structure cannot make the fit infeasible.
SEED_MIX = 1e-3
_SEXES = ("man", "vrouw")
_OUT_COLS = ["code", "geslacht", "leeftijd_van", "leeftijd_tot", "klasse", "aantal", "geschat"]


@dataclass(frozen=True)
class Diagnostiek:
    """Convergence and data-quality diagnostics of :func:`estimate_buurt_ages`.

    Attributes
    ----------
    iteraties
        IPF iterations used (maximum over the sex blocks).
    geconvergeerd
        True when both margins are met within ``tol``.
    max_fout_buurt
        Largest absolute deviation (persons) of a buurt band sum from its target
        (the KWB count, or the filled-in value of an unknown band).
    max_fout_gemeente
        Largest absolute deviation (persons) of the buurten's sum per gemeente, sex and
        5-year band from the rescaled gemeente distribution.
    rest_banden
        KWB band columns absent from the table, pooled in the rest band.
    rest_geclipt
        Buurten whose known bands exceed ``inwoners`` (rest set to 0): check these.
    buurten_onbekend
        Buurten without ``inwoners`` (and an unknown band): all cells NaN.
    gemeenten_gesplitst
        Gemeenten whose age classes were too coarse and had to be split uniformly.
    aangevuld
        Buurten with a suppressed (NaN) KWB band that was filled in from the gemeente's
        band distribution (the always-unknown rest band not counted).
    """

    iteraties: int
    geconvergeerd: bool
    max_fout_buurt: float
    max_fout_gemeente: float
    rest_banden: tuple[str, ...] = ()
    rest_geclipt: tuple[str, ...] = ()
    buurten_onbekend: tuple[str, ...] = ()
    gemeenten_gesplitst: tuple[str, ...] = ()
    aangevuld: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Plain dict (tuples as lists) for JSON/logging."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


# --------------------------------------------------------------------------- inputs


def _as_float(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _prepare_kwb(kwb: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Buurt rows of the KWB table, numeric, sorted by code; plus the band columns present."""
    for col in ("code", "inwoners"):
        if col not in kwb.columns:
            raise WijkscanError(
                f"Kolom '{col}' ontbreekt in de KWB-tabel.",
                waar="KWB (buurten)",
                oplossing="Lees de KWB in met pipeline.kwb (kolommen code, inwoners, k_0_14, ...).",
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
    for col in ["inwoners", *present]:
        v = _as_float(b[col])
        if (v < 0).any():
            raise WijkscanError(
                f"Negatieve aantallen in KWB-kolom '{col}'.",
                waar="KWB (buurten)",
                oplossing="Geheimgehouden cellen horen leeg (NaN) te zijn, niet negatief.",
            )
        out[col] = v
    return out.sort_values("code", kind="stable").reset_index(drop=True), present


def _gemeente_bands(
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
    missing = sorted(set(gemeenten) - set(pop["gemeentecode"]))
    if missing:
        raise WijkscanError(
            f"Geen leeftijdsverdeling voor gemeente(n) {fmt.eerste(missing)}.",
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
        pop["geslacht"].isin(_SEXES),
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


def _effective_bands(present: list[str]) -> tuple[list[str], np.ndarray]:
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


def _seed_matrix(
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
    sd = sd[sd["geslacht"].isin(_SEXES)] if has_mv else sd[sd["geslacht"] == "totaal"]
    std = ages.to_bands(sd, ages.standard_bands(), by=["code", "geslacht"], waar="seed")
    wide = std.pivot_table(
        index="code", columns=["geslacht", "leeftijd_van"], values="aantal", dropna=False
    )
    row = pd.Index(codes).get_indexer(wide.index)
    for s_i, sex in enumerate(sexes):
        if has_mv and sex in _SEXES:
            block = wide[sex].to_numpy()
        elif has_mv:  # output 'totaal', seed by sex
            block = wide["man"].to_numpy() + wide["vrouw"].to_numpy()
        else:  # seed 'totaal': the same shape for both sexes
            block = wide["totaal"].to_numpy()
        out[row, s_i * n_bands : (s_i + 1) * n_bands] = block
    return out


# --------------------------------------------------------------------------- the fit


def _reduce(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum rows per gemeente (rows are sorted by gemeente; ``starts`` = first row of each)."""
    return np.add.reduceat(x, starts, axis=0)


def _fill_unknown(
    K: np.ndarray, U: np.ndarray, unk: np.ndarray, gidx: np.ndarray, Gs: np.ndarray
) -> np.ndarray:
    """Stage 1: split each buurt's rest total ``U`` over its unknown bands.

    The split follows the gemeente's own band distribution restricted to the buurt's
    unknown bands (uniform over them if the gemeente has nobody there). Deliberately not
    fitted to "gemeente minus known buurten": with KWB rounding to 5 and suppression of
    mostly tiny buurten that residual is noise and often infeasible.

    Parameters
    ----------
    K
        Buurt x band counts, NaN where unknown.
    U
        Per buurt: inwoners minus known bands (>= 0).
    unk
        True where a band must be filled in.
    gidx
        Gemeente index of every buurt.
    Gs
        Gemeente x band distribution.

    Returns
    -------
    numpy.ndarray
        ``K`` with the unknown cells filled; those cells add up to ``U`` per buurt.
    """
    w = np.where(unk, Gs[gidx], 0.0)
    flat = w.sum(axis=1) <= 0
    w[flat] = unk[flat].astype(float)
    ws = w.sum(axis=1)
    y = w * np.divide(U, ws, out=np.zeros_like(U), where=ws > 0)[:, None]
    return np.where(unk, y, K)


def _ipf(
    T: np.ndarray,
    Gc: np.ndarray,
    cell_e: np.ndarray,
    n_e: int,
    x0: np.ndarray,
    gidx: np.ndarray,
    starts: np.ndarray,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, bool, float, float]:
    """Stage 2: fit buurt x cell counts to row targets ``T`` (buurt x band) and columns.

    Column targets: the gemeente's cells ``Gc`` rescaled within each band to the buurten's
    band total, which makes both margins consistent.
    """
    onehot = np.zeros((len(cell_e), n_e))
    onehot[np.arange(len(cell_e)), cell_e] = 1.0
    Tg = _reduce(T, starts)
    Ge = Gc @ onehot
    ncell = onehot.sum(axis=0)
    share = np.where(
        Ge[:, cell_e] > 0,
        Gc / np.where(Ge > 0, Ge, 1.0)[:, cell_e],
        1.0 / ncell[cell_e][None, :],
    )
    M = share * Tg[:, cell_e]
    x = x0.copy()
    it = 0
    converged = False
    # Column step first, row step last: the buurt (KWB) margins are then met to machine
    # precision and convergence is judged on the gemeente margins.
    while it < max_iter:
        it += 1
        cs = _reduce(x, starts)
        x *= np.divide(M, cs, out=np.zeros_like(M), where=cs > 0)[gidx]
        rs = x @ onehot
        x *= np.divide(T, rs, out=np.zeros_like(T), where=rs > 0)[:, cell_e]
        dev = np.abs(_reduce(x, starts) - M) / np.maximum(1.0, M)
        if not dev.size or dev.max() <= tol:
            converged = True
            break
    row_err = float(np.abs(x @ onehot - T).max()) if T.size else 0.0
    col_err = float(np.abs(_reduce(x, starts) - M).max()) if M.size else 0.0
    return x, it, converged, row_err, col_err


def estimate_buurt_ages(
    kwb: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    *,
    seed: pd.DataFrame | None = None,
    tol: float = 1e-9,
    max_iter: int = 1000,
) -> pd.DataFrame:
    """Estimate every buurt's population by sex and standard 5-year band.

    Parameters
    ----------
    kwb
        KWB buurt table: ``code`` (BU...), ``inwoners`` and any of the band columns
        ``k_0_14, k_15_24, k_25_44, k_45_64, k_65plus`` (NaN = suppressed). Rows that are
        not buurten (GM/WK codes) are ignored; the gemeente is taken from the buurtcode.
    gemeente_pop
        Population per gemeente: ``gemeentecode, [jaar,] geslacht, leeftijd_van,
        leeftijd_tot, aantal`` (one year). Classes may be single years, 5-year bands or
        coarser (coarse classes are split uniformly, with a warning). Gemeenten with only
        ``'totaal'`` give output with ``geslacht='totaal'``.
    seed
        Optional prior structure per buurt (e.g. last year's BRP): ``code, geslacht,
        leeftijd_van, leeftijd_tot, aantal``; used as IPF start matrix. Buurten without a
        seed start uniform. Default: uniform for all.
    tol
        Convergence tolerance, relative: a margin is met when ``|fit - target| <= tol *
        max(1, target)``.
    max_iter
        Maximum number of IPF iterations.

    Returns
    -------
    pandas.DataFrame
        ``code, geslacht, leeftijd_van, leeftijd_tot, klasse, aantal, geschat`` with one row
        per buurt x sex x standard band (``0-4`` ... ``90+``), ``geschat=True``. Buurten
        whose ``inwoners`` is missing (while a band is unknown) are NaN. Diagnostics are in
        ``result.attrs["diagnostiek"]`` (:class:`Diagnostiek`).

    Raises
    ------
    WijkscanError
        On missing columns, duplicate buurten, negative counts, or a gemeente without (or
        with an incomplete) age distribution.
    """
    if max_iter < 1 or not tol > 0:
        raise ValueError("max_iter must be >= 1 and tol > 0")
    kb, present = _prepare_kwb(kwb)
    names, e_of_j = _effective_bands(present)
    rest_cols = tuple(n for n, _, _ in KWB_BANDS if n not in present)
    if not len(kb):
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in _OUT_COLS})
        out.attrs["diagnostiek"] = Diagnostiek(0, True, 0.0, 0.0, rest_banden=rest_cols)
        return out
    gemeenten = sorted(kb["gemeentecode"].unique())
    gstd, mode, split = _gemeente_bands(gemeente_pop, gemeenten)
    if split:
        log.warning(
            "Leeftijdsklassen van %s zijn grover dan 5 jaar; gelijkmatig verdeeld.",
            fmt.eerste(split),
        )

    frames: list[pd.DataFrame] = []
    diags: list[Diagnostiek] = []
    for m in ("mv", "totaal"):
        gm = [g for g in gemeenten if mode[g] == m]
        if not gm:
            continue
        sexes = _SEXES if m == "mv" else ("totaal",)
        sub = kb[kb["gemeentecode"].isin(gm)].reset_index(drop=True)
        frame, diag = _estimate_block(sub, gstd, sexes, names, e_of_j, seed, tol, max_iter)
        frames.append(frame)
        diags.append(diag)

    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        out = out.sort_values(["code", "geslacht", "leeftijd_van"], kind="stable")
        out = out.reset_index(drop=True)
    d = Diagnostiek(
        iteraties=max(x.iteraties for x in diags),
        geconvergeerd=all(x.geconvergeerd for x in diags),
        max_fout_buurt=max(x.max_fout_buurt for x in diags),
        max_fout_gemeente=max(x.max_fout_gemeente for x in diags),
        rest_banden=rest_cols,
        rest_geclipt=tuple(sorted(c for x in diags for c in x.rest_geclipt)),
        buurten_onbekend=tuple(sorted(c for x in diags for c in x.buurten_onbekend)),
        gemeenten_gesplitst=tuple(split),
        aangevuld=tuple(sorted(c for x in diags for c in x.aangevuld)),
    )
    if d.rest_geclipt:
        log.warning(
            "%d buurt(en) met bekende leeftijdsbanden groter dan het aantal inwoners "
            "(restband op 0 gezet): %s",
            len(d.rest_geclipt),
            fmt.eerste(list(d.rest_geclipt)),
        )
    if not d.geconvergeerd:
        log.warning(
            "IPF niet geconvergeerd na %d iteraties (max. fout buurt %.3g, gemeente %.3g).",
            d.iteraties,
            d.max_fout_buurt,
            d.max_fout_gemeente,
        )
    out.attrs["diagnostiek"] = d
    return out


def _estimate_block(
    kb: pd.DataFrame,
    gstd: pd.DataFrame,
    sexes: tuple[str, ...],
    names: list[str],
    e_of_j: np.ndarray,
    seed: pd.DataFrame | None,
    tol: float,
    max_iter: int,
) -> tuple[pd.DataFrame, Diagnostiek]:
    """Run both stages for gemeenten that share the same sex breakdown."""
    std = ages.standard_bands()
    J, S, E = len(std), len(sexes), len(names)
    codes = kb["code"].to_numpy()
    gcodes = kb["gemeentecode"].to_numpy()
    gem, starts, gidx = np.unique(gcodes, return_index=True, return_inverse=True)
    B = len(kb)

    # Gemeente cells (gemeente x [sex, band]).
    wide = gstd[gstd["gemeentecode"].isin(gem)].pivot_table(
        index="gemeentecode", columns=["geslacht", "leeftijd_van"], values="aantal"
    )
    Gc = np.concatenate([wide[s].reindex(index=gem).to_numpy() for s in sexes], axis=1)
    cell_e = np.tile(e_of_j, S)

    # Buurt band counts (NaN = unknown); the rest band is always unknown.
    K = np.full((B, E), np.nan)
    for e, name in enumerate(names):
        if name != REST:
            K[:, e] = kb[name].to_numpy()
    N = kb["inwoners"].to_numpy()
    unk = np.isnan(K)
    unk_any = unk.any(axis=1)
    valid = ~(np.isnan(N) & unk_any)
    known_sum = np.nansum(K, axis=1)
    U = np.where(unk_any & valid, N - known_sum, 0.0)
    clipped = valid & unk_any & (U < 0)
    U = np.clip(np.nan_to_num(U), 0.0, None)
    unk_v = unk & valid[:, None]

    onehot = np.zeros((S * J, E))
    onehot[np.arange(S * J), cell_e] = 1.0
    Ge = Gc @ onehot
    tot_b = np.where(valid, known_sum + U, 0.0)
    Nb = _reduce(tot_b, starts)
    Gsum = Ge.sum(axis=1)
    if ((Gsum <= 0) & (Nb > 0)).any():
        g = gem[(Gsum <= 0) & (Nb > 0)][0]
        raise WijkscanError(
            f"De leeftijdsverdeling van {g} telt 0 inwoners, de buurten niet.",
            waar="bevolking (gemeente)",
        )
    Gs = Ge * np.divide(Nb, Gsum, out=np.zeros_like(Nb), where=Gsum > 0)[:, None]

    T = np.where(valid[:, None], np.nan_to_num(K), 0.0)
    if unk_v.any():
        T = np.where(valid[:, None], _fill_unknown(T, U, unk_v, gidx, Gs), 0.0)
    rest = np.array([n == REST for n in names])
    aangevuld = valid & (unk & ~rest[None, :]).any(axis=1)

    # Start matrix: seed shares within each buurt x band, mixed with uniform.
    ncell = onehot.sum(axis=0)
    x0 = np.ones((B, S * J))
    if seed is not None:
        raw = _seed_matrix(seed, codes, sexes, J)
        blk = np.where(np.isnan(raw), 0.0, raw) @ onehot
        ok = (blk > 0) & ~np.isnan(raw @ onehot)
        shares = raw / np.where(ok, blk, 1.0)[:, cell_e]
        shares = np.where(ok[:, cell_e], shares, 1.0 / ncell[cell_e])
        x0 = (1 - SEED_MIX) * shares + SEED_MIX / ncell[cell_e]
    x0 = x0 * valid[:, None]

    x, it, conv, row_err, col_err = _ipf(T, Gc, cell_e, E, x0, gidx, starts, tol, max_iter)
    x[~valid] = np.nan

    n_rows = B * S * J
    van = np.tile(std["leeftijd_van"].to_numpy(), B * S)
    tot = pd.array(np.tile(std["leeftijd_tot"].to_numpy(), B * S), dtype="Int64")
    frame = pd.DataFrame(
        {
            "code": np.repeat(codes, S * J),
            "geslacht": np.tile(np.repeat(np.array(sexes, dtype=object), J), B),
            "leeftijd_van": van.astype("int64"),
            "leeftijd_tot": tot,
            "klasse": np.tile(std["klasse"].to_numpy(dtype=object), B * S),
            "aantal": x.reshape(n_rows),
            "geschat": np.ones(n_rows, dtype=bool),
        }
    )
    diag = Diagnostiek(
        iteraties=it,
        geconvergeerd=conv,
        max_fout_buurt=row_err,
        max_fout_gemeente=col_err,
        rest_geclipt=tuple(codes[clipped]),
        buurten_onbekend=tuple(codes[~valid]),
        aangevuld=tuple(codes[aangevuld]),
    )
    return frame, diag


# --------------------------------------------------------------------------- BRP


def from_brp(brp: pd.DataFrame, kwb: pd.DataFrame | None = None) -> pd.DataFrame:
    """Turn a BRP extract per buurt into the output layout of :func:`estimate_buurt_ages`.

    Parameters
    ----------
    brp
        ``buurtcode, geslacht, leeftijd_van, leeftijd_tot, aantal``; classes must nest in
        the standard 5-year bands (single years or 5-year bands with an open top class at
        90 or above). If ``man`` and ``vrouw`` are present, ``totaal`` rows are ignored.
    kwb
        Optional KWB buurt table. When given, the output has exactly the KWB buurten:
        buurten missing from the BRP get NaN (not zero), BRP buurten unknown to the KWB are
        dropped with a warning, and large differences with ``inwoners`` are reported.

    Returns
    -------
    pandas.DataFrame
        ``code, geslacht, leeftijd_van, leeftijd_tot, klasse, aantal, geschat`` with
        ``geschat=False``. ``attrs["diagnostiek"]`` is a dict with ``niet_in_kwb``,
        ``niet_in_brp`` and ``afwijking_inwoners`` (buurtcode -> BRP minus KWB).

    Raises
    ------
    WijkscanError
        On missing columns or classes that do not nest in the standard bands.
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
    b["aantal"] = _as_float(b["aantal"])
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
    b = b[b["geslacht"].isin(_SEXES)] if mv else b[b["geslacht"] == "totaal"]
    sexes = _SEXES if mv else ("totaal",)
    std = ages.standard_bands()
    out = ages.to_bands(b, std, by=["code", "geslacht"], waar="BRP-bestand")
    diag: dict[str, object] = {"niet_in_kwb": (), "niet_in_brp": (), "afwijking_inwoners": {}}
    codes = np.array(sorted(out["code"].unique()), dtype=object)
    if kwb is not None:
        kb, _ = _prepare_kwb(kwb)
        extra = sorted(set(codes) - set(kb["code"]))
        absent = sorted(set(kb["code"]) - set(codes))
        if extra:
            log.warning(
                "BRP-buurten die niet in de KWB voorkomen (weggelaten): %s", fmt.eerste(extra)
            )
        if absent:
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

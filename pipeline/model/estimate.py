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

Both margins are consistent by construction, so IPF converges to them exactly.

Where the data give more buurt signal, the cube per buurt is sex x age x burgerlijke staat and
IPF also meets (c) every buurt's marital-status counts (KWB, or an adjacent KWB year where the
buurt code is unchanged) and (d) its men/women counts, with the gemeente's joint age x sex x
burgerlijke staat (03759ned) as the column margin. Widowhood is concentrated in the oldest ages,
so a buurt with many widowed residents gets more 85-plussers within its 65+ band. The method
is described for analysts in ``docs/methode_schatting.md``.

The inputs are checked and shaped in :mod:`pipeline.model.estimate_inputs`; a BRP extract per
buurt replaces the estimate (:mod:`pipeline.model.brp_buurten`, and
:mod:`pipeline.model.brp_aanvulling` for buurten the extract misses).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.model import ages, ipf, marges
from pipeline.model.estimate_inputs import (
    KWB_BANDS,
    REST,
    SEXES,
    effective_bands,
    gemeente_bands,
    prepare_kwb,
    seed_matrix,
)
from pipeline.present import fmt

log = logging.getLogger(__name__)

#: Weight of the uniform distribution mixed into a seed, so that zero cells in last
#: year's structure cannot make the fit infeasible.
SEED_MIX = 1e-3
#: Iteration cap when extra buurt margins (burgerlijke staat, geslacht) are fitted. Rounded
#: KWB counts make these margins slightly inconsistent in small buurten, so IPF may approach
#: a compromise instead of an exact fit; beyond this it no longer changes anything visible.
MAX_ITER_MARGES = 300
#: With extra margins: a fit within this many persons on every margin counts as converged.
PERSOON_TOL = 0.05
#: KWB count columns that carry CBS's rounding to 5 (perturbed in interval draws).
_ROUNDED = ("inwoners", *(n for n, _, _ in KWB_BANDS), *marges.EXTRA_COUNTS)
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
    marges
        Per buurt code: the buurt margins that informed its estimate (labels such as
        ``"leeftijd (KWB)"``, ``"burgerlijke staat (KWB 2023)"``).
    max_fout_marges
        Largest absolute deviation (persons) of a buurt's marital-status or sex counts from
        their targets (these margins are met approximately when rounding makes them clash).
    gemeente_burgerlijke_staat
        Gemeenten whose joint age x sex x burgerlijke staat was used.
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
    marges: dict[str, list[str]] = field(default_factory=dict)
    max_fout_marges: float = 0.0
    gemeente_burgerlijke_staat: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Plain dict (tuples as lists) for JSON/logging."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def estimate_buurt_ages(
    kwb: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    *,
    gemeente_bs: pd.DataFrame | None = None,
    seed: pd.DataFrame | None = None,
    tol: float = 1e-9,
    max_iter: int = 1000,
) -> pd.DataFrame:
    """Estimate every buurt's population by sex and standard 5-year band.

    Parameters
    ----------
    kwb
        KWB buurt table: ``code`` (BU...), ``inwoners`` and any of the band columns
        ``k_0_14, k_15_24, k_25_44, k_45_64, k_65plus`` (NaN = suppressed). Optional buurt
        margins: ``mannen, vrouwen``; ``ongehuwd, gehuwd, gescheiden, verweduwd`` (same KWB
        year) or ``aanv_ongehuwd`` ... with ``aanvulling_jaar`` (an adjacent KWB year, only
        for buurten whose code is unchanged). Rows that are not buurten are ignored; the
        gemeente is taken from the buurtcode.
    gemeente_pop
        Population per gemeente: ``gemeentecode, [jaar,] geslacht, leeftijd_van,
        leeftijd_tot, aantal`` (one year). Classes may be single years, 5-year bands or
        coarser (coarse classes are split uniformly, with a warning). Gemeenten with only
        ``'totaal'`` give output with ``geslacht='totaal'``.
    gemeente_bs
        Optional joint age x sex x burgerlijke staat per gemeente (03759ned):
        ``gemeentecode, geslacht, leeftijd_van, leeftijd_tot, burgerlijke_staat, aantal``.
        It supplies only how marital status depends on age and sex; the age structure
        itself stays that of ``gemeente_pop``. Without it (or without buurt marital counts)
        marital status is not used.
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
    out, _ = estimate_with_draws(
        kwb, gemeente_pop, gemeente_bs=gemeente_bs, seed=seed, tol=tol, max_iter=max_iter
    )
    return out


def estimate_with_draws(
    kwb: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    *,
    gemeente_bs: pd.DataFrame | None = None,
    seed: pd.DataFrame | None = None,
    tol: float = 1e-9,
    max_iter: int = 1000,
    trekkingen: int = 0,
    spreiding: float = 0.0,
    rng_seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """:func:`estimate_buurt_ages` plus random draws for uncertainty intervals.

    Every draw re-estimates all buurten from (1) the KWB counts with their rounding
    error (a published count ``v`` is any value within 2.5 of it, at least 0) and (2) a
    start matrix with random buurt-specific age structure: a log-normal factor with
    standard deviation ``spreiding`` per buurt and 5-year class. IPF keeps such
    structure where no margin contradicts it, so the spread of the draws shows what the
    margins do not pin down. See ``docs/methode_schatting.md``.

    Parameters
    ----------
    kwb, gemeente_pop, gemeente_bs, seed, tol, max_iter
        See :func:`estimate_buurt_ages`.
    trekkingen
        Number of draws (0: none).
    spreiding
        Standard deviation of the log buurt-specific age factor.
    rng_seed
        Seed of the random generator (draws are reproducible).

    Returns
    -------
    tuple
        The point estimate (as :func:`estimate_buurt_ages`) and, with ``trekkingen > 0``,
        the draws as a long table ``trekking, code, geslacht, leeftijd_van,
        leeftijd_tot, klasse, aantal`` (else None).
    """
    if max_iter < 1 or not tol > 0:
        raise ValueError("max_iter must be >= 1 and tol > 0")
    kb, present = prepare_kwb(kwb)
    names, e_of_j = effective_bands(present)
    rest_cols = tuple(n for n, _, _ in KWB_BANDS if n not in present)
    if not len(kb):
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in _OUT_COLS})
        out.attrs["diagnostiek"] = Diagnostiek(0, True, 0.0, 0.0, rest_banden=rest_cols)
        return out, None
    gemeenten = sorted(kb["gemeentecode"].unique())
    gstd, mode, split = gemeente_bands(gemeente_pop, gemeenten)
    if split:
        log.warning(
            "Leeftijdsklassen van %s zijn grover dan 5 jaar; gelijkmatig verdeeld.",
            fmt.eerste(split),
        )
    joint = marges.joint_shares(gemeente_bs, gemeenten)
    rng = np.random.default_rng(rng_seed)

    frames: list[pd.DataFrame] = []
    draw_frames: list[pd.DataFrame] = []
    diags: list[Diagnostiek] = []
    for m in ("mv", "totaal"):
        gm = [g for g in gemeenten if mode[g] == m]
        if not gm:
            continue
        sexes = SEXES if m == "mv" else ("totaal",)
        sub = kb[kb["gemeentecode"].isin(gm)].reset_index(drop=True)
        frame, diag, draws = _estimate_block(
            sub, gstd, sexes, names, e_of_j, seed, tol, max_iter,
            joint if m == "mv" else None, trekkingen, spreiding, rng,
        )  # fmt: skip
        frames.append(frame)
        diags.append(diag)
        if draws is not None:
            draw_frames.append(draws)

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
        marges={k: v for x in diags for k, v in x.marges.items()},
        max_fout_marges=max(x.max_fout_marges for x in diags),
        gemeente_burgerlijke_staat=tuple(
            sorted(g for g in gemeenten if joint is not None and g in joint.index)
        ),
    )
    if d.rest_geclipt:
        log.warning(
            "%d buurt(en) met bekende leeftijdsbanden groter dan het aantal inwoners "
            "(restband op 0 gezet): %s",
            len(d.rest_geclipt),
            fmt.eerste(list(d.rest_geclipt)),
        )
    if not d.geconvergeerd:
        log.info(
            "IPF na %d iteraties gestopt (max. fout buurt %.3g, gemeente %.3g, "
            "burgerlijke staat/geslacht %.3g personen).",
            d.iteraties,
            d.max_fout_buurt,
            d.max_fout_gemeente,
            d.max_fout_marges,
        )
    out.attrs["diagnostiek"] = d
    draws = None
    if draw_frames:
        draws = (
            pd.concat(draw_frames, ignore_index=True) if len(draw_frames) > 1 else draw_frames[0]
        )
    return out, draws


def _estimate_block(
    kb: pd.DataFrame,
    gstd: pd.DataFrame,
    sexes: tuple[str, ...],
    names: list[str],
    e_of_j: np.ndarray,
    seed: pd.DataFrame | None,
    tol: float,
    max_iter: int,
    joint: pd.DataFrame | None = None,
    trekkingen: int = 0,
    spreiding: float = 0.0,
    rng: np.random.Generator | None = None,
) -> tuple[pd.DataFrame, Diagnostiek, pd.DataFrame | None]:
    """Run both stages for gemeenten that share the same sex breakdown (plus draws)."""
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

    # Marital status is a dimension of the cube only where the gemeente's joint says how it
    # depends on age; otherwise it would carry no information about age.
    has_joint_g = np.array([joint is not None and g in joint.index for g in gem])
    n_m = len(marges.BURGERLIJKE_STAAT) if has_joint_g.any() else 1
    if n_m > 1:
        p = joint.reindex(index=gem)
        p_arr = np.stack(
            [p[s].to_numpy(dtype=float).reshape(len(gem), J, n_m) for s in sexes], axis=1
        )  # gemeente x sex x band x staat
        p_arr = np.where(np.isnan(p_arr), 1.0 / n_m, p_arr)
        Gc_sj = Gc
        Gc = (Gc_sj.reshape(len(gem), S, J, 1) * p_arr).reshape(len(gem), S * J * n_m)
    C = S * J * n_m
    cell_j = np.tile(np.repeat(np.arange(J), n_m), S)
    cell_s = np.repeat(np.arange(S), J * n_m)
    cell_m = np.tile(np.arange(n_m), S * J)
    cell_e = e_of_j[cell_j]

    onehot = ipf.one_hot(cell_e, E)
    ncell = onehot.sum(axis=0)
    x0_base = np.ones((B, C))
    if seed is not None:
        raw = seed_matrix(seed, codes, sexes, J)[:, cell_s * J + cell_j]
        blk = np.where(np.isnan(raw), 0.0, raw) @ onehot
        ok = (blk > 0) & ~np.isnan(raw @ onehot)
        shares = raw / np.where(ok, blk, 1.0)[:, cell_e]
        shares = np.where(ok[:, cell_e], shares, 1.0 / ncell[cell_e])
        x0_base = (1 - SEED_MIX) * shares + SEED_MIX / ncell[cell_e]

    def solve(
        kbd: pd.DataFrame, noise: np.ndarray | None, Gc: np.ndarray = Gc, extra_marges: bool = True
    ) -> tuple:
        # Buurt band counts (NaN = unknown); the rest band is always unknown.
        K = np.full((B, E), np.nan)
        for e, name in enumerate(names):
            if name != REST:
                K[:, e] = kbd[name].to_numpy()
        N = kbd["inwoners"].to_numpy()
        unk = np.isnan(K)
        unk_any = unk.any(axis=1)
        valid = ~(np.isnan(N) & unk_any)
        known_sum = np.nansum(K, axis=1)
        U = np.where(unk_any & valid, N - known_sum, 0.0)
        clipped = valid & unk_any & (U < 0)
        U = np.clip(np.nan_to_num(U), 0.0, None)
        unk_v = unk & valid[:, None]

        Ge = Gc @ onehot
        tot_b = np.where(valid, known_sum + U, 0.0)
        Nb = ipf.reduce_rows(tot_b, starts)
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
            T = np.where(valid[:, None], ipf.fill_unknown(T, U, unk_v, gidx, Gs), 0.0)
        rest = np.array([n == REST for n in names])
        aangevuld = valid & (unk & ~rest[None, :]).any(axis=1)

        M = ipf.column_targets(Gc, cell_e, E, T, starts)
        extra: list[ipf.Marge] = []
        labels: list[str] = [""] * B
        tot = T.sum(axis=1)
        if n_m > 1 and extra_marges:
            R, rows, labels = marges.marital_targets(kbd, tot, has_joint_g[gidx] & valid)
            if rows.any():
                extra.append(ipf.Marge(cell_m, R, rows))
        X, xrows = marges.sex_targets(kbd, tot) if S == 2 else (np.zeros((B, 1)), np.zeros(B, bool))
        xrows = xrows & valid
        if xrows.any():
            extra.append(ipf.Marge(cell_s, X, xrows))
        if extra:
            # Make the gemeente cells agree with what the buurten say together: buurten
            # with a margin contribute their targets, the others the gemeente's pattern.
            # The gemeente's own age profile (03759ned, exact, both sexes together) is the
            # last margin, so it is met: marital counts that do not fit the gemeente's joint
            # (an adjacent KWB year, rounding, a demo joint) move ages between buurten, not
            # the gemeente's ages within a band. Raking to the buurt band totals instead let
            # real Duiven's buurten add up to 15% more 50-64-jarigen than the gemeente. Sex
            # stays with what the buurten say (their men/women): pinning age x sex made the
            # rounded KWB sex counts clash with it and doubled the iterations.
            col_margins = []
            for m in extra:
                pg = M @ ipf.one_hot(m.cell_k, m.T.shape[1])
                pg = pg / np.where(pg.sum(axis=1) > 0, pg.sum(axis=1), 1.0)[:, None]
                own = np.where(m.rows[:, None], m.T, tot[:, None] * pg[gidx])
                col_margins.append((m.cell_k, ipf.reduce_rows(own, starts)))
            profiel = M @ ipf.one_hot(cell_j, J)  # rescaled to the band totals T
            M = ipf.rake_columns(M, [*col_margins, (cell_j, profiel)])

        x0 = x0_base if noise is None else x0_base * noise
        x0 = x0 * valid[:, None]
        # With extra margins, rounded KWB counts make the margins clash slightly and IPF
        # creeps towards its compromise: stop once every margin is met within
        # PERSOON_TOL persons; exactness beyond that only costs iterations.
        iters = max_iter if not extra else min(max_iter, MAX_ITER_MARGES)
        x, it, conv, row_err, col_err, extra_err = ipf.fit(
            T, M, cell_e, E, x0, gidx, starts, tol, iters, tuple(extra),
            abs_tol=PERSOON_TOL if extra else None,
        )  # fmt: skip
        x[~valid] = np.nan
        x = x.reshape(B, S, J, n_m).sum(axis=3).reshape(B, S * J)
        info = (it, conv, row_err, col_err, extra_err, clipped, valid, aangevuld, labels, xrows)
        return x, info

    x, info = solve(kb, None)
    it, conv, row_err, col_err, extra_err, clipped, valid, aangevuld, labels, xrows = info

    n_rows = B * S * J
    van = np.tile(std["leeftijd_van"].to_numpy(), B * S)
    tot = pd.array(np.tile(std["leeftijd_tot"].to_numpy(), B * S), dtype="Int64")
    base = {
        "code": np.repeat(codes, S * J),
        "geslacht": np.tile(np.repeat(np.array(sexes, dtype=object), J), B),
        "leeftijd_van": van.astype("int64"),
        "leeftijd_tot": tot,
        "klasse": np.tile(std["klasse"].to_numpy(dtype=object), B * S),
    }
    frame = pd.DataFrame(
        {**base, "aantal": x.reshape(n_rows), "geschat": np.ones(n_rows, dtype=bool)}
    )
    per_buurt = {}
    for i, c in enumerate(codes):
        if valid[i]:
            per_buurt[str(c)] = (
                [marges.MARGE_LEEFTIJD]
                + ([labels[i]] if labels[i] else [])
                + ([marges.MARGE_GESLACHT] if xrows[i] else [])
            )
    diag = Diagnostiek(
        iteraties=it,
        geconvergeerd=conv,
        max_fout_buurt=row_err,
        max_fout_gemeente=col_err,
        rest_geclipt=tuple(codes[clipped]),
        buurten_onbekend=tuple(codes[~valid]),
        aangevuld=tuple(codes[aangevuld]),
        marges=per_buurt,
        max_fout_marges=extra_err,
    )
    draws = None
    if trekkingen > 0:
        assert rng is not None
        vals = []
        for _ in range(trekkingen):
            noise = None
            if spreiding > 0:
                # Buurt-specific age structure (per 5-year class) and, with burgerlijke
                # staat, buurt-specific links between age and staat: the gemeente's joint
                # holds on average, not in every buurt. Without the second term the
                # marital margin would wipe out the age noise and the intervals would be
                # far too narrow (docs/methode_schatting.md, validatie).
                z = rng.standard_normal((B, J))[:, cell_j]
                if n_m > 1:
                    z = z + rng.standard_normal((B, J * n_m))[:, cell_j * n_m + cell_m]
                noise = np.exp(spreiding * z)
            gc_d = Gc
            if n_m > 1 and spreiding > 0:
                # The gemeente's joint is itself uncertain (and for demo sources made up).
                q = p_arr * np.exp(spreiding * rng.standard_normal(p_arr.shape))
                q = q / q.sum(axis=3, keepdims=True)
                gc_d = (Gc_sj.reshape(len(gem), S, J, 1) * q).reshape(len(gem), S * J * n_m)
            # Model uncertainty: whether the age-staat link carries over to a buurt at all.
            # Every second draw leaves the marital margin out, so the interval spans both
            # models; measured on Utrecht this is what brings the coverage to 90 %.
            xd, _ = solve(
                marges.perturb(kb, rng, _ROUNDED), noise, gc_d, extra_marges=len(vals) % 2 == 0
            )
            vals.append(xd.reshape(n_rows))
        draws = pd.DataFrame(
            {
                "trekking": np.repeat(np.arange(trekkingen), n_rows),
                **{k: np.tile(v, trekkingen) for k, v in base.items()},
                "aantal": np.concatenate(vals),
            }
        )
    return frame, diag, draws

"""The numeric core of the buurt estimate: iterative proportional fitting (raking).

Pure array functions shared by :mod:`pipeline.model.estimate`: rows are buurten sorted by
gemeente (``starts`` holds the first row of each gemeente, ``gidx`` every row's gemeente),
columns are cells of the buurt cube (sex x age, optionally x burgerlijke staat). Every
loop judges convergence per gemeente and leaves a converged gemeente alone, so a
gemeente's numbers do not depend on the batch it is computed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def reduce_rows(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum rows per gemeente (rows are sorted by gemeente; ``starts`` = first row of each)."""
    return np.add.reduceat(x, starts, axis=0)


def fill_unknown(
    K: np.ndarray, U: np.ndarray, unk: np.ndarray, gidx: np.ndarray, Gs: np.ndarray
) -> np.ndarray:
    """Split each buurt's rest total ``U`` over its unknown bands.

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


def one_hot(cell_k: np.ndarray, n_k: int) -> np.ndarray:
    """Cell x class indicator matrix (every cell belongs to exactly one class)."""
    h = np.zeros((len(cell_k), n_k))
    h[np.arange(len(cell_k)), cell_k] = 1.0
    return h


@dataclass(frozen=True)
class Marge:
    """An extra buurt margin: the class of every cell, targets (B x K) and the rows it binds."""

    cell_k: np.ndarray
    T: np.ndarray
    rows: np.ndarray


def column_targets(
    Gc: np.ndarray, cell_e: np.ndarray, n_e: int, T: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """Gemeente cells rescaled within each band to the buurten's band total.

    This makes the gemeente (column) margin consistent with the buurt (KWB band) margin:
    KWB counts are rounded to 5, 03759ned is exact, so only the gemeente's shape is used.
    """
    onehot = one_hot(cell_e, n_e)
    Tg = reduce_rows(T, starts)
    Ge = Gc @ onehot
    ncell = onehot.sum(axis=0)
    share = np.where(
        Ge[:, cell_e] > 0,
        Gc / np.where(Ge > 0, Ge, 1.0)[:, cell_e],
        1.0 / ncell[cell_e][None, :],
    )
    return share * Tg[:, cell_e]


def rake_columns(M: np.ndarray, margins: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Rake the gemeente cells to gemeente totals per class (the last margin is met exactly).

    Parameters
    ----------
    M
        Gemeente x cell targets.
    margins
        ``(cell_k, targets)`` pairs; ``targets`` is gemeente x class and every margin sums
        to the same gemeente total, so the raking converges.
    """
    M = M.copy()
    hots = [one_hot(k, t.shape[1]) for k, t in margins]
    # Per gemeente (row), and a converged gemeente is left alone: its targets must not
    # depend on the other gemeenten of the batch.
    active = np.ones(len(M), dtype=bool)
    limit = 1e-9 * np.maximum(1.0, M.sum(axis=1))
    for _ in range(200):
        for (cell_k, tg), h in zip(margins, hots, strict=True):
            f = np.divide(tg, M @ h, out=np.zeros_like(tg), where=M @ h > 0)[:, cell_k]
            M *= np.where(active[:, None], f, 1.0)
        worst = np.max(
            [
                np.abs(M @ h - t).max(axis=1, initial=0.0)
                for (_, t), h in zip(margins, hots, strict=True)
            ],
            axis=0,
        )
        active &= ~(worst <= limit)
        if not active.any():
            break
    return M


def fit(
    T: np.ndarray,
    M: np.ndarray,
    cell_e: np.ndarray,
    n_e: int,
    x0: np.ndarray,
    gidx: np.ndarray,
    starts: np.ndarray,
    tol: float,
    max_iter: int,
    extra: tuple[Marge, ...] = (),
    abs_tol: float | None = None,
) -> tuple[np.ndarray, int, bool, float, float, float]:
    """Fit buurt x cell counts to band targets ``T``, extra margins and columns ``M``.

    Convergence is relative (``tol``) or, with ``abs_tol``, absolute in persons. Returns
    the fit, iterations, convergence and the largest deviations (persons) of the band,
    gemeente and extra margins.
    """
    onehot = one_hot(cell_e, n_e)
    hots = [one_hot(m.cell_k, m.T.shape[1]) for m in extra]
    x = x0.copy()
    it = 0
    converged = False
    scale = (lambda t: 1.0) if abs_tol is not None else (lambda t: np.maximum(1.0, t))
    limit = abs_tol if abs_tol is not None else tol
    # Convergence is judged per gemeente and a converged gemeente is left alone: its fit
    # then does not depend on which other gemeenten share the batch (one gemeente, a
    # region or the country give the same numbers).
    active = np.ones(len(starts), dtype=bool)
    # Column step first, row (KWB band) step last: the buurt's KWB counts are then met to
    # machine precision and convergence is judged on the other margins.
    while it < max_iter:
        it += 1
        rows_on = active[gidx][:, None]
        cs = reduce_rows(x, starts)
        f = np.divide(M, cs, out=np.zeros_like(M), where=cs > 0)[gidx]
        x *= np.where(rows_on, f, 1.0)
        for m, h in zip(extra, hots, strict=True):
            rs = x @ h
            f = np.divide(m.T, rs, out=np.ones_like(rs), where=rs > 0)
            f[~m.rows] = 1.0
            x *= np.where(rows_on, f[:, m.cell_k], 1.0)
        rs = x @ onehot
        f = np.divide(T, rs, out=np.zeros_like(T), where=rs > 0)[:, cell_e]
        x *= np.where(rows_on, f, 1.0)
        worst_g = (np.abs(reduce_rows(x, starts) - M) / scale(M)).max(axis=1, initial=0.0)
        for m, h in zip(extra, hots, strict=True):
            d = np.where(m.rows, (np.abs(x @ h - m.T) / scale(m.T)).max(axis=1), 0.0)
            worst_g = np.maximum(worst_g, np.maximum.reduceat(d, starts))
        active &= ~(worst_g <= limit)
        if not active.any():
            converged = True
            break
    row_err = float(np.abs(x @ onehot - T).max()) if T.size else 0.0
    col_err = float(np.abs(reduce_rows(x, starts) - M).max()) if M.size else 0.0
    extra_err = max(
        [
            float(np.abs(x @ h - m.T)[m.rows].max()) if m.rows.any() else 0.0
            for m, h in zip(extra, hots, strict=True)
        ],
        default=0.0,
    )
    return x, it, converged, row_err, col_err, extra_err

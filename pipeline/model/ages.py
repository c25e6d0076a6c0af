"""Age classes: labels, the standard 5-year bands, aggregation and splitting.

Conventions shared with the rest of the pipeline:

* an age class is the interval ``leeftijd_van`` .. ``leeftijd_tot`` (both inclusive);
  ``leeftijd_tot`` is a pandas ``Int64`` and ``<NA>`` marks the open top class (``90+``);
* counts are floats and NaN means *missing or suppressed*; a missing count is never
  treated as zero, so every sum that touches a NaN is NaN.

Splitting a class into single years is uniform within a closed class. An open class
(``90+``, or a coarse ``80+``) is uniform up to age 89 and decays geometrically from 90
on with :data:`OPEN_DECAY` per year; single-year arrays stop at :data:`MAX_AGE`, which
holds everybody of that age and older.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError

log = logging.getLogger(__name__)

#: Last index of single-year arrays; that index means "MAX_AGE and older".
MAX_AGE = 105
#: Ages from which an open class is no longer assumed uniform.
DECAY_FROM = 90
#: Yearly ratio of the number of people aged a+1 to a in an open top class. Roughly the
#: Dutch 90+ structure (90-94 : 95-99 : 100+ is about 100 : 25 : 2.5, i.e. 0.75 a year).
OPEN_DECAY = 0.75
#: Stand-in upper bound for open classes in interval arithmetic.
_OPEN = 10_000

_VAN, _TOT = "leeftijd_van", "leeftijd_tot"


def label(van: int, tot: int | None) -> str:
    """Label of an age class: ``'0-4'``, ``'85-89'``, ``'90+'`` or ``'7'`` for one year.

    Parameters
    ----------
    van
        Lower age, inclusive.
    tot
        Upper age, inclusive; None or ``<NA>`` for an open class.

    Returns
    -------
    str
        The label.
    """
    if tot is None or pd.isna(tot):
        return f"{int(van)}+"
    if int(tot) == int(van):
        return f"{int(van)}"
    return f"{int(van)}-{int(tot)}"


def labels(van: Sequence[int] | np.ndarray, tot: Sequence | np.ndarray | pd.Series) -> np.ndarray:
    """Vectorised :func:`label` over paired sequences.

    Parameters
    ----------
    van, tot
        Lower and upper ages (``tot`` may hold None/NA for open classes).

    Returns
    -------
    numpy.ndarray
        Object array of labels.
    """
    lo = np.asarray(van).astype("int64")
    hi = _int64_or_na(tot)
    hi_i = hi.to_numpy(dtype="int64", na_value=-1)
    k = 1_000_000
    keys, inv = np.unique(lo * k + (hi_i + 1), return_inverse=True)
    names = np.array(
        [label(key // k, None if key % k == 0 else key % k - 1) for key in keys.tolist()],
        dtype=object,
    )
    return names[np.asarray(inv).reshape(-1)]


def _int64_or_na(values: Sequence | np.ndarray | pd.Series) -> pd.arrays.IntegerArray:
    """Upper ages as ``Int64``; None, NaN, NA and ``inf`` become ``<NA>``."""
    f = (
        pd.Series(values, dtype=object if isinstance(values, list | tuple) else None)
        .pipe(pd.to_numeric, errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )
    mask = ~np.isfinite(f)
    return pd.arrays.IntegerArray(np.where(mask, 0, f).astype("int64"), mask)


def standard_bands(width: int = 5, top: int = 90) -> pd.DataFrame:
    """The standard age bands ``0-4, 5-9, ..., 85-89, 90+``.

    Parameters
    ----------
    width
        Band width in years.
    top
        Lower age of the open top class; must be a multiple of ``width``.

    Returns
    -------
    pandas.DataFrame
        Columns ``leeftijd_van`` (int64), ``leeftijd_tot`` (Int64, NA for the top class)
        and ``klasse`` (label), in age order.
    """
    if width < 1 or top % width:
        raise ValueError("top must be a positive multiple of width")
    van = np.arange(0, top + 1, width, dtype="int64")
    tot = pd.array(list(van[:-1] + width - 1) + [pd.NA], dtype="Int64")
    return pd.DataFrame({_VAN: van, _TOT: tot, "klasse": labels(van, tot)})


def bounds(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ages of the classes in ``df`` as arrays.

    Parameters
    ----------
    df
        Table with ``leeftijd_van`` and ``leeftijd_tot``.

    Returns
    -------
    tuple of numpy.ndarray
        ``lo`` (int64) and ``hi`` (float64, ``inf`` for open classes).

    Raises
    ------
    WijkscanError
        When a column is missing, an age is negative or missing, or ``tot < van``.
    """
    for col in (_VAN, _TOT):
        if col not in df.columns:
            raise WijkscanError(
                f"Kolom '{col}' ontbreekt in een tabel met leeftijdsklassen.",
                oplossing="Leeftijdsklassen hebben de kolommen leeftijd_van en leeftijd_tot.",
            )
    lo_f = pd.to_numeric(df[_VAN], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    hi = (
        pd.to_numeric(df[_TOT], errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.inf)
    )
    bad = np.isnan(lo_f) | (lo_f < 0) | (hi < lo_f) | (lo_f != np.round(lo_f))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise WijkscanError(
            f"Ongeldige leeftijdsklasse: van={df[_VAN].iloc[i]}, tot={df[_TOT].iloc[i]}.",
            oplossing="leeftijd_van is een geheel getal >= 0 en leeftijd_tot >= leeftijd_van "
            "(leeg voor de open bovenste klasse).",
        )
    return lo_f.astype("int64"), hi


def _group_ids(df: pd.DataFrame, by: list[str]) -> np.ndarray:
    if not by:
        return np.zeros(len(df), dtype="int64")
    return df.groupby(by, sort=False, dropna=False).ngroup().to_numpy(dtype="int64")


def check_partition(df: pd.DataFrame, by: list[str] | None = None, waar: str | None = None) -> None:
    """Check that the age classes within every group do not overlap.

    Parameters
    ----------
    df
        Table with age classes.
    by
        Group columns; classes are compared only within a group.
    waar
        Name of the table for the message.

    Raises
    ------
    WijkscanError
        When two classes of one group overlap (or a class occurs twice).
    """
    by = list(by or [])
    lo, hi = bounds(df)
    gid = _group_ids(df, by)
    order = np.lexsort((lo, gid))
    g, a, b = gid[order], lo[order], hi[order]
    clash = (g[1:] == g[:-1]) & (a[1:] <= b[:-1])
    if clash.any():
        i = int(order[1:][clash][0])
        j = int(order[:-1][clash][0])
        raise WijkscanError(
            "Leeftijdsklassen overlappen: "
            f"{label(lo[j], None if np.isinf(hi[j]) else hi[j])} en "
            f"{label(lo[i], None if np.isinf(hi[i]) else hi[i])}.",
            waar=waar,
            oplossing="Lever per groep elkaar niet overlappende klassen (bijv. alleen 5-jaars"
            "klassen, niet ook totalen of 65+).",
        )


def nested_in(df: pd.DataFrame, bands: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Locate each class of ``df`` in ``bands``.

    Parameters
    ----------
    df
        Table with the (finer) source classes.
    bands
        Non-overlapping target bands.

    Returns
    -------
    tuple of numpy.ndarray
        ``idx``: index of the band that fully contains the class, or -1;
        ``straddles``: True where the class overlaps a band without lying inside one.
    """
    lo, hi = bounds(df)
    blo, bhi = bounds(bands)
    order = np.argsort(blo, kind="stable")
    blo, bhi = blo[order], bhi[order]
    j = np.searchsorted(blo, lo, side="right") - 1
    jc = np.clip(j, 0, None)
    inside = (j >= 0) & (hi <= bhi[jc])
    k = np.searchsorted(blo, hi, side="right") - 1
    kc = np.clip(k, 0, None)
    overlaps = (k >= 0) & (bhi[kc] >= lo)
    idx = np.where(inside, order[jc], -1)
    return idx, overlaps & ~inside


def split_matrix(
    van: np.ndarray,
    tot: np.ndarray,
    *,
    max_age: int = MAX_AGE,
    decay: float = OPEN_DECAY,
) -> np.ndarray:
    """Weights that spread each class over single years of age.

    Parameters
    ----------
    van
        Lower ages (int).
    tot
        Upper ages, ``inf`` or NaN for open classes.
    max_age
        Last single-year index; it collects everyone of that age and older.
    decay
        Yearly ratio for open classes from :data:`DECAY_FROM` on.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_classes, max_age + 1)``; each row sums to 1. Closed classes are uniform
        (years above ``max_age`` fold into the last index); an open class is uniform below
        :data:`DECAY_FROM` and falls by ``decay`` per year from there, with the geometric
        tail beyond ``max_age`` folded into the last index.
    """
    lo = np.asarray(van, dtype=float)
    hi = np.asarray(tot, dtype=float)
    hi = np.where(np.isnan(hi), np.inf, hi)
    if np.any(lo > max_age):
        raise WijkscanError(
            f"Een leeftijdsklasse begint boven {max_age} jaar; dat wordt niet ondersteund.",
            oplossing=f"Voeg klassen vanaf {max_age} jaar samen tot één open klasse.",
        )
    ages = np.arange(max_age + 1, dtype=float)[None, :]
    lo_, hi_ = lo[:, None], hi[:, None]
    is_open = np.isinf(hi_)
    inside = (ages >= lo_) & (ages <= np.minimum(hi_, max_age))
    # Closed classes: one per year; the last index collects the years above max_age.
    closed_w = np.where(inside, 1.0, 0.0)
    closed_w[:, -1] += np.where(
        (~is_open[:, 0]) & (hi > max_age), np.clip(hi - max_age, 0, None), 0.0
    ) * (lo <= max_age)
    # Open classes: uniform below DECAY_FROM, geometric from there.
    d0 = np.maximum(lo_, DECAY_FROM - 1)
    open_w = np.where(inside, decay ** np.clip(ages - d0, 0, None), 0.0)
    tail = decay ** np.clip(max_age - d0[:, 0], 0, None) * decay / (1.0 - decay)
    open_w[:, -1] += tail * (max_age >= lo)
    w = np.where(is_open, open_w, closed_w)
    return w / w.sum(axis=1, keepdims=True)


def membership(
    van: np.ndarray, tot: np.ndarray, *, max_age: int = MAX_AGE, waar: str | None = None
) -> np.ndarray:
    """One-hot map from single years ``0..max_age`` to a partition of all ages.

    Parameters
    ----------
    van, tot
        Class bounds (``tot`` ``inf``/NaN for open); must cover every age exactly once.
    max_age
        Last single-year index (means ``max_age`` and older).
    waar
        Name of the table for the message.

    Returns
    -------
    numpy.ndarray
        Shape ``(max_age + 1, n_classes)`` of 0/1.

    Raises
    ------
    WijkscanError
        When some age is in no class or in two classes.
    """
    lo = np.asarray(van, dtype=float)
    hi = np.asarray(tot, dtype=float)
    hi = np.where(np.isnan(hi), np.inf, hi)
    ages = np.arange(max_age + 1, dtype=float)[:, None]
    m = ((ages >= lo[None, :]) & (ages <= hi[None, :])).astype(float)
    # Everyone of max_age and older must end in one class: an open class or one reaching up.
    cover = m.sum(axis=1)
    top_open = np.isinf(hi) | (hi > max_age)
    if (cover != 1).any() or not top_open.any():
        bad = np.flatnonzero(cover != 1)
        wat = (
            f"de leeftijd {int(bad[0])} valt in {int(cover[bad[0]])} klassen"
            if len(bad)
            else "er is geen open bovenste klasse"
        )
        raise WijkscanError(
            f"De leeftijdsklassen dekken niet alle leeftijden precies één keer: {wat}.",
            waar=waar,
            oplossing="Lever klassen die samen 0 jaar en ouder precies dekken, met een open "
            "bovenste klasse (leeftijd_tot leeg).",
        )
    return m


def to_bands(
    df: pd.DataFrame,
    bands: pd.DataFrame,
    *,
    value: str = "aantal",
    by: list[str] | None = None,
    split: bool = False,
    waar: str | None = None,
) -> pd.DataFrame:
    """Aggregate a finer partition of ages into coarser bands.

    Parameters
    ----------
    df
        Long table with ``leeftijd_van``, ``leeftijd_tot``, the count column and group
        columns. Classes must not overlap within a group.
    bands
        Target bands (``leeftijd_van``, ``leeftijd_tot``), non-overlapping. Source classes
        outside every band are ignored (so a subset of ages can be summed).
    value
        Count column.
    by
        Output group columns; default: every column except the age columns, ``klasse`` and
        ``value``. A column left out of ``by`` is summed over (e.g. ``by=["code"]`` adds
        the sexes). Partition and coverage are always checked per combination of *all*
        non-age columns.
    split
        If False a class that straddles a band edge is an error. If True such classes are
        first split into single years (:func:`split_matrix`) and the result is an estimate.
    waar
        Name of the table for messages.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``leeftijd_van``, ``leeftijd_tot``, ``klasse`` and ``value``; one row
        per group and band. A band is NaN when any contributing count is NaN.

    Raises
    ------
    WijkscanError
        When a class straddles a band (and ``split`` is False), or when the classes of a
        group do not cover a band completely (a gap or a missing class).
    """
    keys = [c for c in df.columns if c not in (_VAN, _TOT, "klasse", value)]
    by = keys if by is None else list(by)
    missing = [c for c in [value, *by] if c not in df.columns]
    if missing:
        raise WijkscanError(f"Kolom(men) ontbreken: {', '.join(missing)}.", waar=waar)
    check_partition(bands, waar="doelklassen")
    check_partition(df, keys, waar=waar)
    idx, straddles = nested_in(df, bands)
    if straddles.any():
        lo, hi = bounds(df)
        bad = list(
            dict.fromkeys(
                label(a, None if np.isinf(b) else int(b))
                for a, b in zip(lo[straddles], hi[straddles], strict=True)
            )
        )[:3]
        if not split:
            doel = list(labels(bands[_VAN].to_numpy(), bands[_TOT]))
            doel_txt = ", ".join(doel[:4]) + (", ..." if len(doel) > 4 else "")
            raise WijkscanError(
                f"Leeftijdsklassen passen niet in de gevraagde klassen ({doel_txt}): "
                f"bijvoorbeeld {', '.join(bad)}.",
                waar=waar,
                oplossing="Lever fijnere leeftijdsklassen (per jaar of per 5 jaar), of kies "
                "grenzen die samenvallen met de beschikbare klassen.",
            )
        log.warning(
            "Leeftijdsklassen %s%s vallen over klassegrenzen; gelijkmatig verdeeld over "
            "losse jaren (schatting).",
            ", ".join(bad),
            f" in {waar}" if waar else "",
        )
        fine = split_uniform(df[straddles], value=value, by=keys)
        df = pd.concat([df[~straddles][keys + [_VAN, _TOT, value]], fine], ignore_index=True)
        idx, _ = nested_in(df, bands)

    lo, hi = bounds(df)
    blo, bhi = bounds(bands)
    width = np.where(np.isinf(hi), _OPEN - lo, hi - lo + 1)
    keep = idx >= 0
    gid_all = _group_ids(df, keys)
    ngroups = int(gid_all.max()) + 1 if len(gid_all) else 0
    nb = len(bands)
    cov = np.zeros((ngroups, nb))
    np.add.at(cov, (gid_all[keep], idx[keep]), width[keep])
    # An open band is complete if its classes run without gaps from its start to an open
    # class, or (with no open class) to the oldest age present.
    top = np.full((ngroups, nb), -np.inf)
    np.maximum.at(top, (gid_all[keep], idx[keep]), hi[keep])
    need = np.where(
        np.isinf(bhi)[None, :],
        np.where(np.isinf(top), _OPEN - blo[None, :], top - blo[None, :] + 1),
        (bhi - blo + 1)[None, :],
    )
    incomplete = cov != need
    if incomplete.any():
        g, b = np.argwhere(incomplete)[0]
        first = np.flatnonzero(gid_all == g)[0]
        groep = ", ".join(f"{c}={df[c].iloc[first]}" for c in keys) or "alle rijen"
        raise WijkscanError(
            "De leeftijdsklassen dekken de klasse "
            f"{label(blo[b], None if np.isinf(bhi[b]) else int(bhi[b]))} niet volledig "
            f"({groep}).",
            waar=waar,
            oplossing="Controleer of alle leeftijden aanwezig zijn (geen ontbrekende klassen).",
        )

    vals = pd.to_numeric(df[value], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    tmp = df.loc[keep, by].copy() if by else pd.DataFrame(index=df.index[keep])
    tmp["_band"] = idx[keep]
    v = vals[keep]
    tmp["_v"] = np.nan_to_num(v, nan=0.0)
    tmp["_nan"] = np.isnan(v)
    keys = by + ["_band"]
    agg = tmp.groupby(keys, sort=True, dropna=False).agg(_v=("_v", "sum"), _nan=("_nan", "any"))
    agg = agg.reset_index()
    b = agg["_band"].to_numpy()
    out = agg[by].copy() if by else pd.DataFrame(index=agg.index)
    out[_VAN] = blo[b].astype("int64")
    out[_TOT] = _int64_or_na(bhi[b])
    out["klasse"] = labels(out[_VAN].to_numpy(), out[_TOT])
    out[value] = np.where(agg["_nan"].to_numpy(dtype=bool), np.nan, agg["_v"].to_numpy())
    return out.reset_index(drop=True)


def split_uniform(
    df: pd.DataFrame,
    *,
    value: str = "aantal",
    by: list[str] | None = None,
    max_age: int = MAX_AGE,
    decay: float = OPEN_DECAY,
) -> pd.DataFrame:
    """Split classes into single years of age (see :func:`split_matrix`).

    Parameters
    ----------
    df
        Long table with age classes and a count column.
    value
        Count column.
    by
        Group columns kept in the output; default as in :func:`to_bands`.
    max_age
        Last single year; the output's last class is ``max_age+`` (open).
    decay
        Yearly ratio used inside open classes from age :data:`DECAY_FROM`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``leeftijd_van``, ``leeftijd_tot`` (equal, or NA for the open
        ``max_age+`` class) and ``value``. NaN counts stay NaN in every year.
    """
    if by is None:
        by = [c for c in df.columns if c not in (_VAN, _TOT, "klasse", value)]
    by = list(by)
    lo, hi = bounds(df)
    vals = pd.to_numeric(df[value], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    pairs = pd.DataFrame({"lo": lo, "hi": hi})
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(pairs))
    u_lo = np.array([p[0] for p in uniq], dtype=float)
    u_hi = np.array([p[1] for p in uniq], dtype=float)
    w = split_matrix(u_lo, u_hi, max_age=max_age, decay=decay)
    rows, ages, out_v = [], [], []
    for u in range(len(uniq)):
        r = np.flatnonzero(codes == u)
        a = np.flatnonzero(w[u] > 0)
        rows.append(np.repeat(r, len(a)))
        ages.append(np.tile(a, len(r)))
        out_v.append(np.outer(vals[r], w[u, a]).ravel())
    rows_a = np.concatenate(rows) if rows else np.array([], dtype=int)
    ages_a = np.concatenate(ages) if ages else np.array([], dtype=int)
    out = df.iloc[rows_a][by].reset_index(drop=True)
    out[_VAN] = ages_a.astype("int64")
    out[value] = np.concatenate(out_v) if out_v else np.array([], dtype=float)
    if not len(out):
        return out
    # Several classes can reach the open max_age+ index (e.g. 100-109 and 110+).
    keys = by + [_VAN]
    nan = out[value].isna().groupby([out[k] for k in keys], sort=True, dropna=False).any()
    tot = out.groupby(keys, sort=True, dropna=False)[[value]].sum().reset_index()
    a = tot[_VAN].to_numpy(dtype=float)
    tot[_TOT] = _int64_or_na(np.where(a == max_age, np.inf, a))
    tot[value] = np.where(nan.to_numpy(), np.nan, tot[value].to_numpy())
    return tot[by + [_VAN, _TOT, value]]


def custom_band_total(
    df: pd.DataFrame,
    van: int,
    tot: int | None,
    *,
    value: str = "aantal",
    by: list[str] | None = None,
) -> pd.Series:
    """Total of one band (e.g. 50-64, 85+, 75+, 50-74) from finer classes.

    Parameters
    ----------
    df
        Long table with age classes (e.g. the standard 5-year bands).
    van, tot
        Band limits, inclusive; ``tot=None`` for an open band.
    value
        Count column.
    by
        Group columns; default as in :func:`to_bands`.

    Returns
    -------
    pandas.Series
        Band total per group, indexed by ``by`` (a single element if ``by`` is empty).
        NaN when any contributing class is NaN.

    Raises
    ------
    WijkscanError
        When the band edges do not coincide with class edges, or a class is missing.
    """
    band = pd.DataFrame({_VAN: [int(van)], _TOT: pd.array([tot], dtype="Int64")})
    band["klasse"] = labels(band[_VAN].to_numpy(), band[_TOT])
    if by is None:
        by = [c for c in df.columns if c not in (_VAN, _TOT, "klasse", value)]
    out = to_bands(df, band, value=value, by=by, waar=f"band {band['klasse'].iloc[0]}")
    s = out.set_index(by)[value] if by else out[value]
    return s.rename(value)

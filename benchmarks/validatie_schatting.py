"""Gemeten validatie van de buurtschatting op echte gegevens (issue 16, punt 5).

Usage (from the repository root)::

    .venv/bin/python benchmarks/validatie_schatting.py                  # deel a (offline)
    .venv/bin/python benchmarks/validatie_schatting.py --online https://opendata.cbs.nl
    make validate                                                        # = deel a

Two parts, each comparing the old estimate ("oud": every buurt gets the gemeente's age
structure within its KWB bands, :func:`pipeline.model.estimate.estimate_buurt_ages` without
extra margins) with the new one ("nieuw": plus the buurt's burgerlijke staat and men/women
and the gemeente's joint age x sex x burgerlijke staat ``gemeente_bs``):

(a) offline, on the real KWB 2024 workbook of Utrecht (``--shared``, see PROVENANCE.md
    section 5b). The bands 25-44 and 45-64 are hidden (the estimator sees 0-14, 15-24,
    65+ and a rest band 25-64) and estimated per buurt. There is no real 03759ned for
    Utrecht, so the gemeente inputs are built only from data that do not contain the
    held-out buurten' hidden bands: the gemeente row's published bands with a fixed
    within-band split, and per fold (K-fold over the wijken) p(burgerlijke staat | KWB
    band) learned by non-negative least squares on the buurten of the other wijken. A third
    variant uses the adjacent year KWB 2023 as seed (last year's bands of the same buurt,
    spread uniformly within the bands).
(b) one level up, online: the gemeenten of a provincie play the buurten, the provincie's
    03759ned (age x sex x burgerlijke staat) plays the gemeente, and the gemeenten's KWB
    rows (85984NED) give the margins. Estimated 75+ and 85+ are compared with the
    gemeenten's own 03759ned figures. Since August 2023 CBS serves 03759ned only as a bulk
    download (``--bulk-url``, default ``cbs.bulk_url`` of config/schema.yaml); 85984NED and
    the provincie's gemeenten (85755NED) still come through OData (``--online``).

Results are written as Markdown between ``<!-- validatie:begin -->`` and
``<!-- validatie:end -->`` in ``docs/methode_schatting.md`` (replaced on every run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from scipy.optimize import nnls
from scipy.stats import spearmanr

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make ``pipeline`` importable
    sys.path.insert(0, str(REPO))

from pipeline.errors import WijkscanError  # noqa: E402
from pipeline.ingest import kwb, kwb_lezen  # noqa: E402
from pipeline.model import ages  # noqa: E402
from pipeline.model.estimate import KWB_BANDS, estimate_with_draws  # noqa: E402
from pipeline.model.marges import BURGERLIJKE_STAAT  # noqa: E402

log = logging.getLogger("validatie")

SHARED = REPO.parent / "shared" / "data" / "real"
KWB_2024 = Path("kwb_volledig") / "kwb_2024_GM0344_Utrecht_alle_kolommen.xlsx"
KWB_2023 = Path("kwb_volledig") / "kwb_2023_GM0344_Utrecht_alle_kolommen.xlsx"
DOC = REPO / "docs" / "methode_schatting.md"
BEGIN = "<!-- validatie:begin -->"
END = "<!-- validatie:end -->"
BEGIN_B = "<!-- validatie-b:begin -->"
END_B = "<!-- validatie-b:end -->"

#: Bands hidden from the estimator in part (a), with their ages (inclusive).
VERBORGEN: dict[str, tuple[int, int | None]] = {"k_25_44": (25, 44), "k_45_64": (45, 64)}
#: Bands the estimator sees in part (a); 25-64 becomes its rest band.
ZICHTBAAR = ("k_0_14", "k_15_24", "k_65plus")
#: Bands compared in part (b).
OUDEREN: dict[str, tuple[int, int | None]] = {"75+": (75, None), "85+": (85, None)}
BANDEN = tuple(n for n, _, _ in KWB_BANDS)
#: Buurten smaller than this are not evaluated (rounding to 5 dominates their shares).
MIN_INWONERS = 50
SPREIDINGEN = (0.15, 0.3, 0.5, 1.0)
TREKKINGEN = 50
#: Folds over the wijken in part (a) (wijken dealt round-robin).
FOLDS = 5
BETROUWBAARHEID = 0.9
#: Pseudo gemeente that plays the provincie in part (b) (the parsers want GM + 4 digits).
PSEUDO_GEMEENTE = "GM9999"

OUD = "oud (gelijke verdeling)"
OUD_SEED = "oud + seed KWB vorig jaar"
NIEUW = "nieuw (marges)"
NIEUW_SEED = "nieuw + seed KWB vorig jaar"


# --------------------------------------------------------------------------- helpers


def band_mask(van_col: pd.Series, van: int, tot: int | None) -> pd.Series:
    """Standard 5-year classes (by ``leeftijd_van``) that lie in the band ``van``..``tot``."""
    return (van_col >= van) & ((van_col <= tot) if tot is not None else True)


def band_totalen(
    frame: pd.DataFrame, banden: dict[str, tuple[int, int | None]], by: Sequence[str]
) -> pd.DataFrame:
    """Sum of ``aantal`` per group and band (columns = band names)."""
    out = {}
    for naam, (van, tot) in banden.items():
        sel = frame[band_mask(frame["leeftijd_van"], van, tot)]
        out[naam] = sel.groupby(list(by))["aantal"].sum(min_count=1)
    return pd.DataFrame(out)


def aandelen_uit_trekkingen(
    draws: pd.DataFrame, banden: dict[str, tuple[int, int | None]], noemer: pd.Series
) -> dict[str, pd.DataFrame]:
    """Per band: lower/upper bound (``laag``, ``hoog``) of the band's share, per code."""
    tot = band_totalen(draws, banden, ["trekking", "code"])
    a = (1 - BETROUWBAARHEID) / 2
    out = {}
    for naam in banden:
        wide = tot[naam].unstack("code")
        share = wide.div(noemer.reindex(wide.columns), axis=1)
        out[naam] = pd.DataFrame(
            {"laag": share.quantile(a), "hoog": share.quantile(1 - a)}
        ).rename_axis("code")
    return out


def spearman(x: pd.Series, y: pd.Series) -> float:
    """Spearman rank correlation (NaN for fewer than 3 pairs or no variation)."""
    ok = x.notna() & y.notna()
    if ok.sum() < 3 or x[ok].nunique() < 2 or y[ok].nunique() < 2:
        return float("nan")
    return float(spearmanr(x[ok], y[ok]).statistic)


@dataclass
class Uitkomst:
    """Point estimates and intervals of one method: shares per code and band."""

    schatting: pd.DataFrame
    intervallen: dict[float, dict[str, pd.DataFrame]] = field(default_factory=dict)

    def voeg_toe(self, other: Uitkomst) -> None:
        """Append another fold's buurten."""
        self.schatting = pd.concat([self.schatting, other.schatting])
        for s, per_band in other.intervallen.items():
            mine = self.intervallen.setdefault(s, {})
            for band, df in per_band.items():
                mine[band] = pd.concat([mine[band], df]) if band in mine else df


def schat(
    invoer: pd.DataFrame,
    pop: pd.DataFrame,
    banden: dict[str, tuple[int, int | None]],
    noemer: pd.Series,
    codes: Sequence[str],
    *,
    gemeente_bs: pd.DataFrame | None,
    seed: pd.DataFrame | None,
    spreidingen: Sequence[float],
    trekkingen: int,
    rng_seed: int,
) -> Uitkomst:
    """Estimate all buurten of ``invoer``; keep the shares (and intervals) of ``codes``."""
    point = None
    intervallen: dict[float, dict[str, pd.DataFrame]] = {}
    for i, s in enumerate(spreidingen if trekkingen > 0 else [0.0]):
        est, draws = estimate_with_draws(
            invoer,
            pop,
            gemeente_bs=gemeente_bs,
            seed=seed,
            trekkingen=trekkingen,
            spreiding=s,
            rng_seed=rng_seed + i,
        )
        if point is None:
            point = band_totalen(est, banden, ["code"]).div(noemer, axis=0)
        if draws is not None:
            draws = draws[draws["code"].isin(codes)]
            intervallen[s] = aandelen_uit_trekkingen(draws, banden, noemer)
    assert point is not None
    return Uitkomst(point.reindex(list(codes)), intervallen)


def maten(
    uitkomst: Uitkomst, waar: pd.DataFrame, banden: dict[str, tuple[int, int | None]]
) -> tuple[dict[str, dict[str, float]], dict[float, dict[str, dict[str, float]]]]:
    """MAE (pp) and Spearman per band; coverage and mean width (pp) per spreiding and band."""
    codes = waar.index
    punt = {}
    for band in banden:
        est = uitkomst.schatting[band].reindex(codes)
        echt = waar[band]
        punt[band] = {
            "mae": float((est - echt).abs().mean() * 100),
            "spearman": spearman(est, echt),
        }
    dekking: dict[float, dict[str, dict[str, float]]] = {}
    for s, per_band in uitkomst.intervallen.items():
        dekking[s] = {}
        for band in banden:
            iv = per_band[band].reindex(codes)
            echt = waar[band]
            binnen = (echt >= iv["laag"] - 1e-12) & (echt <= iv["hoog"] + 1e-12)
            dekking[s][band] = {
                "dekking": float(binnen.mean() * 100),
                "breedte": float((iv["hoog"] - iv["laag"]).mean() * 100),
            }
    return punt, dekking


# --------------------------------------------------------------------------- part (a)


def lees_kwb_gemeente(pad: Path, gemeente: str | None = None) -> pd.DataFrame:
    """Normalised KWB regions (gemeente, wijken, buurten) of one gemeente in a workbook/CSV."""
    raw = kwb_lezen.read_kwb(pad)
    if gemeente is None:
        codes = kwb.gemeente_codes(raw)
        if len(codes) != 1:
            raise WijkscanError(
                f"{pad} bevat {len(codes)} gemeenten; geef er één op.",
                waar=str(pad),
                oplossing="Gebruik --gemeente GMxxxx.",
            )
        gemeente = codes[0]
    return kwb.normalize_kwb(raw, gemeente, pad.name)


def gemeente_bevolking(gem: pd.Series, jaar: int) -> pd.DataFrame:
    """Gemeente population by sex and 5-year class from its KWB row alone.

    The five published KWB bands of the gemeente row are split uniformly over their 5-year
    classes (65+ over 65-69 ... 90+), and over the sexes by the gemeente's share of men.
    This within-band split is a fixed assumption; it does not move any figure that part (a)
    reports, because those are KWB bands (sums over whole bands).
    """
    std = ages.standard_bands()
    man = float(gem["mannen"]) / float(gem["mannen"] + gem["vrouwen"])
    rows = []
    for naam, van, tot in KWB_BANDS:
        inside = std[band_mask(std["leeftijd_van"], van, tot)]
        per = float(gem[naam]) / len(inside)
        for c in inside.itertuples(index=False):
            for sexe, f in (("man", man), ("vrouw", 1 - man)):
                rows.append((gem["code"], jaar, sexe, c.leeftijd_van, c.leeftijd_tot, per * f))
    pop = pd.DataFrame(
        rows,
        columns=["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"],
    )
    pop["leeftijd_tot"] = pop["leeftijd_tot"].astype("Int64")
    return pop


def leer_staat_per_band(train: pd.DataFrame) -> np.ndarray:
    """p(burgerlijke staat | KWB band) (5 x 4) by non-negative least squares over buurten.

    Children (0-14) are fixed as ongehuwd: nobody under 18 can marry in the Netherlands,
    and left free the regression gives them the married state of their parents (buurten
    with many children have many married adults). For the other bands and every staat s:
    ``count_s[b] - [s is ongehuwd] * band_0_14[b] ~ sum_e band_e[b] * p[e, s]`` with
    ``p >= 0``; the rows are then normalised to add up to 1 (a band without any fit gets a
    uniform row).
    """
    A = train[list(BANDEN[1:])].to_numpy(dtype=float)
    kind = train[BANDEN[0]].to_numpy(dtype=float)
    P = np.zeros((len(BANDEN), len(BURGERLIJKE_STAAT)))
    P[0, BURGERLIJKE_STAAT.index("ongehuwd")] = 1.0
    for s, staat in enumerate(BURGERLIJKE_STAAT):
        y = train[staat].to_numpy(dtype=float) - (kind if staat == "ongehuwd" else 0.0)
        P[1:, s], _ = nnls(A, y)
    tot = P.sum(axis=1, keepdims=True)
    return np.where(tot > 0, P / np.where(tot > 0, tot, 1.0), 1.0 / P.shape[1])


def gemeente_joint(pop: pd.DataFrame, P: np.ndarray) -> pd.DataFrame:
    """Joint age x sex x burgerlijke staat: the population times p(staat | band of its age)."""
    starts = np.array([van for _, van, _ in KWB_BANDS])
    e = np.searchsorted(starts, pop["leeftijd_van"].to_numpy(), side="right") - 1
    parts = []
    for s, staat in enumerate(BURGERLIJKE_STAAT):
        part = pop.copy()
        part["burgerlijke_staat"] = staat
        part["aantal"] = pop["aantal"].to_numpy() * P[e, s]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def seed_uit_vorig_jaar(vorig: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Seed from an adjacent KWB year: each buurt's bands spread uniformly within the bands.

    Only buurten whose code exists in that year with all five bands published; the others
    start uniform (as without a seed). ``geslacht='totaal'``: the same shape for both sexes.
    """
    b = vorig[(vorig["niveau"] == "buurt") & vorig["code"].isin(list(codes))]
    b = b.dropna(subset=list(BANDEN))
    std = ages.standard_bands()
    rows = []
    for r in b.itertuples(index=False):
        for naam, van, tot in KWB_BANDS:
            inside = std[band_mask(std["leeftijd_van"], van, tot)]
            per = float(getattr(r, naam)) / len(inside)
            for c in inside.itertuples(index=False):
                rows.append((r.code, "totaal", c.leeftijd_van, c.leeftijd_tot, per))
    seed = pd.DataFrame(
        rows, columns=["code", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    )
    seed["leeftijd_tot"] = seed["leeftijd_tot"].astype("Int64")
    return seed


def _fold(
    taak: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str], pd.DataFrame | None, dict],
) -> tuple[np.ndarray, dict[str, Uitkomst]]:
    """One fold of part (a): learn the joint without the fold's wijken, score their buurten."""
    nieuw_in, pop, geschikt, test_wijken, seed, kw = taak
    test = list(geschikt.index[geschikt["wijkcode"].isin(test_wijken)])
    P = leer_staat_per_band(geschikt[~geschikt["wijkcode"].isin(test_wijken)])
    joint = gemeente_joint(pop, P)
    noemer = nieuw_in.set_index("code")["inwoners"]
    out = {NIEUW: schat(nieuw_in, pop, VERBORGEN, noemer, test, gemeente_bs=joint, seed=None, **kw)}
    if seed is not None:
        out[NIEUW_SEED] = schat(
            nieuw_in, pop, VERBORGEN, noemer, test, gemeente_bs=joint, seed=seed, **kw
        )
    return P, out


@dataclass
class ResultaatA:
    """Part (a): measures per method and the counts behind them."""

    bestand: str
    gemeente: str
    buurten: int
    geevalueerd: int
    geheim: int
    klein: int
    wijken: int
    folds: int
    seed_buurten: int
    trekkingen: int
    punt: dict[str, dict[str, dict[str, float]]]
    dekking: dict[str, dict[float, dict[str, dict[str, float]]]]
    staat_per_band: np.ndarray
    seconden: float


def valideer_offline(
    pad: Path,
    vorig_pad: Path | None = None,
    *,
    gemeente: str | None = None,
    trekkingen: int = TREKKINGEN,
    spreidingen: Sequence[float] = SPREIDINGEN,
    rng_seed: int = 16,
    folds: int = FOLDS,
    processen: int = 2,
) -> ResultaatA:
    """Part (a): hide 25-44 and 45-64 per buurt and estimate them back.

    Parameters
    ----------
    pad
        KWB workbook (or CSV) of one gemeente with all bands and burgerlijke staat.
    vorig_pad
        The adjacent year's KWB (same layout) for the seed variants; None skips them.
    gemeente
        Gemeente code; default: the only gemeente in the file.
    trekkingen
        Draws per estimate for the intervals (0: no coverage).
    spreidingen
        ``spreiding`` values whose 90 % interval coverage is measured.
    rng_seed
        Seed of the draws.
    folds
        Number of folds over the wijken (at most the number of wijken).
    processen
        Folds estimated in parallel (processes).

    Returns
    -------
    ResultaatA
        MAE (percentage points of inhabitants) and Spearman per method and hidden band,
        coverage and mean width of the intervals per method, spreiding and band.
    """
    t0 = time.perf_counter()
    regios = lees_kwb_gemeente(pad, gemeente)
    gem = regios[regios["niveau"] == "gemeente"].iloc[0]
    m = re.search(r"20\d\d", pad.name)
    jaar = int(m.group()) if m else 0
    buurten = regios[regios["niveau"] == "buurt"].set_index("code", drop=False)
    nodig = ["inwoners", "mannen", "vrouwen", *BANDEN, *BURGERLIJKE_STAAT]
    missing_cols = [c for c in nodig if c not in buurten.columns]
    if missing_cols:
        raise WijkscanError(
            f"Kolommen ontbreken in {pad.name}: {', '.join(missing_cols)}.",
            waar=str(pad),
            oplossing="Gebruik het volledige KWB-werkboek (alle leeftijdsbanden, burgerlijke staat).",
        )
    geheim = buurten[nodig].isna().any(axis=1)
    klein = ~geheim & (buurten["inwoners"] < MIN_INWONERS)
    geschikt = buurten[~geheim & ~klein]
    codes = list(geschikt.index)
    noemer = buurten["inwoners"]
    waar = geschikt[list(VERBORGEN)].div(geschikt["inwoners"], axis=0)

    pop = gemeente_bevolking(gem, jaar)
    oud_in = buurten[["code", "inwoners", *ZICHTBAAR]].reset_index(drop=True)
    nieuw_in = buurten[
        ["code", "inwoners", *ZICHTBAAR, "mannen", "vrouwen", *BURGERLIJKE_STAAT]
    ].reset_index(drop=True)
    seed = None
    seed_buurten = 0
    if vorig_pad is not None:
        vorig = lees_kwb_gemeente(vorig_pad, gem["code"])
        seed = seed_uit_vorig_jaar(vorig, list(buurten.index))
        seed_buurten = int(seed["code"].isin(codes).groupby(seed["code"]).first().sum())

    kw = {"spreidingen": spreidingen, "trekkingen": trekkingen, "rng_seed": rng_seed}
    uit: dict[str, Uitkomst] = {}
    uit[OUD] = schat(oud_in, pop, VERBORGEN, noemer, codes, gemeente_bs=None, seed=None, **kw)
    if seed is not None:
        uit[OUD_SEED] = schat(
            oud_in, pop, VERBORGEN, noemer, codes, gemeente_bs=None, seed=seed, **kw
        )
    wijken = sorted(geschikt["wijkcode"].unique())
    k = max(1, min(folds, len(wijken)))
    # Wijken dealt round-robin over k folds; each fold is estimated with a joint learned
    # without its buurten (they are all estimated, only the fold's buurten are scored).
    taken = [
        (nieuw_in, pop, geschikt, [w for i, w in enumerate(wijken) if i % k == f], seed, kw)
        for f in range(k)
    ]
    if processen > 1 and k > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=processen) as pool:
            resultaten = list(pool.map(_fold, taken))
    else:
        resultaten = [_fold(t) for t in taken]
    P_folds = []
    for P, per_methode in resultaten:
        P_folds.append(P)
        for naam, res in per_methode.items():
            if naam in uit:
                uit[naam].voeg_toe(res)
            else:
                uit[naam] = res
    punt, dekking = {}, {}
    for naam, u in uit.items():
        punt[naam], dekking[naam] = maten(u, waar, VERBORGEN)
    return ResultaatA(
        bestand=pad.name,
        gemeente=str(gem["code"]),
        buurten=len(buurten),
        geevalueerd=len(codes),
        geheim=int(geheim.sum()),
        klein=int(klein.sum()),
        wijken=len(wijken),
        folds=k,
        seed_buurten=seed_buurten,
        trekkingen=trekkingen,
        punt=punt,
        dekking=dekking,
        staat_per_band=np.mean(P_folds, axis=0) if P_folds else np.full((5, 4), np.nan),
        seconden=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- part (b)


def _host(url: str) -> tuple[str, bool]:
    """``https://opendata.cbs.nl`` -> (``opendata.cbs.nl``, True); no scheme means https."""
    parts = urlsplit(url if "://" in url else "https://" + url)
    return parts.netloc + parts.path.rstrip("/"), parts.scheme != "http"


def gemeenten_van_provincie(gebieden: pd.DataFrame, provincie: str) -> list[str]:
    """Gemeente codes of a provincie from a "Gebieden in Nederland" table (e.g. 85755NED).

    The provincie column is found by its values (``PV26``) instead of its key, because the
    key's number differs between years (``Code_26`` in 2022, ``Code_28`` in 2024).
    """
    regio = "RegioS" if "RegioS" in gebieden.columns else None
    strip = {c: gebieden[c].astype(str).str.strip() for c in gebieden.columns}
    if regio is None:
        regio = next((c for c, v in strip.items() if v.str.match(r"^GM\d{4}$").any()), None)
    kolom = next(
        (c for c, v in strip.items() if c != regio and (v == provincie).any()),
        None,
    )
    if regio is None or kolom is None:
        raise WijkscanError(
            f"Provincie {provincie} niet gevonden in de tabel 'Gebieden in Nederland'.",
            waar=f"kolommen: {', '.join(map(str, gebieden.columns[:12]))}",
            oplossing="Controleer de provinciecode (PV20..PV31) of geef --gemeenten op.",
        )
    sel = strip[regio][(strip[kolom] == provincie) & strip[regio].str.startswith("GM")]
    return sorted(sel.unique())


@dataclass
class ResultaatB:
    """Part (b): measures per method for 75+ and 85+ of the gemeenten of a provincie."""

    provincie: str
    jaar: int
    gemeenten: int
    geevalueerd: int
    trekkingen: int
    punt: dict[str, dict[str, dict[str, float]]]
    dekking: dict[str, dict[float, dict[str, dict[str, float]]]]
    bron: str
    seconden: float


def _fetch(table: str, host: str, https: bool, timeout: float, **kw) -> pd.DataFrame:
    from pipeline.ingest import cbs

    return cbs.fetch_table(
        table, api_url=host, use_https=https, timeout=timeout, retries=3, backoff=1.0, **kw
    )


def bulk_sjabloon(online: str, bulk_url: str | None = None) -> str:
    """URL template (``{tabel}``) of the CBS bulk download that goes with ``online``.

    Real CBS serves the bulk zips from another host (``datasets.cbs.nl``) than OData
    (``opendata.cbs.nl``), so for the real OData host the pipeline's config default
    ``cbs.bulk_url`` (config/schema.yaml) is used as is. Any other ``online`` (the tests'
    loopback server, a mirror) is taken to serve both: the default's scheme and host are
    replaced by those of ``online``. An explicit ``bulk_url`` (``--bulk-url``) wins.
    """
    if bulk_url:
        return bulk_url
    from pipeline.workflow.config import load_schema

    cbs_schema = load_schema()["properties"]["cbs"]["properties"]
    default = str(cbs_schema["bulk_url"]["default"])
    host, https = _host(online)
    if host == str(cbs_schema["api_url"]["default"]):
        return default
    netloc = urlsplit(online if "://" in online else "https://" + online).netloc
    return f"{'https' if https else 'http'}://{netloc}{urlsplit(default).path}"


def haal_03759ned(
    tabel: str,
    provincie: str,
    gemeenten: Sequence[str],
    jaar: int,
    *,
    bulk_url: str,
    cache: Path,
    use_https: bool,
    timeout: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """03759ned rows of a provincie and its gemeenten for one year, from one bulk download.

    Since August 2023 CBS serves 03759ned only as a bulk download (no OData query). The
    pipeline's route :func:`pipeline.ingest.bulkdownload.fetch_bulk_03759ned` downloads the
    zip into ``cache`` (once; again when a kept zip lacks the year) and fails with a clear
    message when the provincie has no rows; all regions are then read from that same zip in
    one pass (:func:`pipeline.ingest.bulkdownload.read_bulk_rows` with several regions).

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)`` in the UntypedDataSet layout of
        :func:`pipeline.ingest.gemeentebevolking.parse_03759ned`; BurgerlijkeStaat carries the
        documented keys (translated by title), so no BurgerlijkeStaat dimension is needed.
    """
    from pipeline.ingest.bulkdownload import (
        bulk_naar_untyped,
        bulk_zip_path,
        fetch_bulk_03759ned,
        read_bulk_rows,
    )

    cache = Path(cache)
    fetch_bulk_03759ned(
        tabel, provincie, jaar, cache=cache, url=bulk_url, use_https=use_https, timeout=timeout
    )
    # The name fetch_bulk_03759ned gives the zip (pipeline/ingest/bulkdownload.py).
    zip_path = bulk_zip_path(cache, tabel)
    if not zip_path.is_file():
        raise WijkscanError(
            f"De download van {tabel} staat niet op de verwachte plek.",
            waar=str(zip_path),
            oplossing="pipeline.ingest.bulkdownload.fetch_bulk_03759ned bewaart de zip onder "
            "een andere naam; pas haal_03759ned in benchmarks/validatie_schatting.py aan.",
        )
    obs, codes, maat = read_bulk_rows(
        zip_path, regio=[provincie, *gemeenten], periode=f"{int(jaar)}JJ00"
    )
    return bulk_naar_untyped(obs, codes, maat, bron=f"{tabel} (download {zip_path.name})")


def bulk_cache(bulk_url: str) -> Path:
    """Folder for the bulk zip, one per host (never the pipeline's ``data/raw``: a test
    server's invented 03759ned must not end up where the pipeline reads the real one)."""
    host = urlsplit(bulk_url if "://" in bulk_url else "https://" + bulk_url).netloc
    return REPO / "benchmarks" / "_work" / "bulk" / re.sub(r"[^\w.-]", "_", host)


def valideer_online(
    url: str,
    *,
    provincie: str = "PV26",
    jaar: int = 2024,
    gemeenten: Sequence[str] | None = None,
    kwb_tabel: str = "85984NED",
    bevolking_tabel: str = "03759ned",
    gebieden_tabel: str = "85755NED",
    bulk_url: str | None = None,
    cache: Path | None = None,
    trekkingen: int = TREKKINGEN,
    spreidingen: Sequence[float] = SPREIDINGEN,
    timeout: float = 60,
    rng_seed: int = 16,
) -> ResultaatB:
    """Part (b): the gemeenten of a provincie as buurten; estimate 75+/85+ and compare.

    Parameters
    ----------
    url
        CBS OData host, e.g. ``https://opendata.cbs.nl`` (``http://`` only for tests), for
        the tables that still have OData (``kwb_tabel``, ``gebieden_tabel``).
    provincie
        Provincie code in 03759ned/85755NED, e.g. ``PV26`` (Utrecht).
    jaar
        Peiljaar (1 January) of the KWB table and 03759ned.
    gemeenten
        The provincie's gemeenten; default: looked up in ``gebieden_tabel``.
    kwb_tabel, bevolking_tabel, gebieden_tabel
        CBS table ids. ``bevolking_tabel`` (03759ned) is fetched as a bulk download.
    bulk_url
        URL template (``{tabel}``) of the bulk download; default: :func:`bulk_sjabloon`.
    cache
        Folder for the downloaded zip; default: :func:`bulk_cache` (per host).
    trekkingen, spreidingen, rng_seed
        As in :func:`valideer_offline`.
    timeout
        Seconds per HTTP request.

    Returns
    -------
    ResultaatB
        MAE (pp of inhabitants) and Spearman per method and band (75+, 85+), interval
        coverage per spreiding.
    """
    from pipeline.ingest import bulkdownload, cbs
    from pipeline.ingest.gemeentebevolking import parse_03759ned, parse_03759ned_burgerlijke_staat

    t0 = time.perf_counter()
    host, https = _host(url)
    if gemeenten is None:
        gebieden = _fetch(gebieden_tabel, host, https, timeout)
        gemeenten = gemeenten_van_provincie(gebieden, provincie)
    gemeenten = sorted({str(g).strip().upper() for g in gemeenten})
    raw = _fetch(
        kwb_tabel, host, https, timeout, filters=cbs.region_filter("WijkenEnBuurten", gemeenten)
    )
    # Only the gemeente rows are fetched (they play the buurten here), so the buurt-sum
    # check of a full KWB table does not apply.
    regios = kwb.normalize_all(raw, kwb_tabel, controleer=False)
    gm = regios[regios["niveau"] == "gemeente"].set_index("code")

    sjabloon = bulk_sjabloon(url, bulk_url)
    rows, leeftijd_dim = haal_03759ned(
        bevolking_tabel,
        provincie,
        gemeenten,
        jaar,
        bulk_url=sjabloon,
        cache=Path(cache) if cache is not None else bulk_cache(sjabloon),
        use_https=https,
        timeout=timeout,
    )
    regio = rows["RegioS"].astype(str).str.strip()
    prov = rows[regio == provincie].copy()
    if prov.empty:
        raise WijkscanError(
            f"Geen rijen voor provincie {provincie} in {bevolking_tabel} ({jaar}).",
            waar=bevolking_tabel,
            oplossing="Controleer de provinciecode en het jaar.",
        )
    prov["RegioS"] = PSEUDO_GEMEENTE
    prov_pop = parse_03759ned(prov, leeftijd_dim, jaar, [PSEUDO_GEMEENTE], bron=bevolking_tabel)
    prov_bs = parse_03759ned_burgerlijke_staat(
        prov, leeftijd_dim, jaar, [PSEUDO_GEMEENTE], bron=bevolking_tabel
    )
    if prov_bs.empty:
        log.warning("%s heeft geen burgerlijke staat: 'nieuw' gebruikt alleen geslacht.", provincie)
    aanwezig = sorted(set(regio) & set(gemeenten) & set(gm.index))
    gem_pop = parse_03759ned(rows, leeftijd_dim, jaar, aanwezig, bron=bevolking_tabel)
    # Per gemeente men + women where 03759ned has them, else its total (never both).
    mv = gem_pop.groupby("gemeentecode")["geslacht"].agg(lambda s: {"man", "vrouw"} <= set(s))
    use_mv = gem_pop["gemeentecode"].map(mv).to_numpy(dtype=bool)
    sexe = gem_pop["geslacht"]
    gem_pop = gem_pop[np.where(use_mv, sexe.isin(["man", "vrouw"]), sexe.eq("totaal"))]
    echt_tot = band_totalen(gem_pop, OUDEREN, ["gemeentecode"])
    totaal = gem_pop.groupby("gemeentecode")["aantal"].sum()
    pseudo = {g: "BU" + PSEUDO_GEMEENTE[2:] + g[2:] for g in aanwezig}
    waar = echt_tot.div(totaal, axis=0).rename(index=pseudo)

    b = gm.loc[aanwezig].reset_index().rename(columns={"index": "code"})
    b["code"] = b["code"].map(pseudo)
    codes = list(b["code"])
    noemer = b.set_index("code")["inwoners"]
    oud_in = b[["code", "inwoners", *BANDEN]]
    extra = [c for c in ("mannen", "vrouwen", *BURGERLIJKE_STAAT) if c in b.columns]
    nieuw_in = b[["code", "inwoners", *BANDEN, *extra]]
    kw = {"spreidingen": spreidingen, "trekkingen": trekkingen, "rng_seed": rng_seed}
    uit = {
        OUD: schat(oud_in, prov_pop, OUDEREN, noemer, codes, gemeente_bs=None, seed=None, **kw),
        NIEUW: schat(
            nieuw_in, prov_pop, OUDEREN, noemer, codes, gemeente_bs=prov_bs, seed=None, **kw
        ),
    }
    punt, dekking = {}, {}
    for naam, u in uit.items():
        punt[naam], dekking[naam] = maten(u, waar, OUDEREN)
    return ResultaatB(
        provincie=provincie,
        jaar=jaar,
        gemeenten=len(gemeenten),
        geevalueerd=len(codes),
        trekkingen=trekkingen,
        punt=punt,
        dekking=dekking,
        bron=f"{host} (OData), {bulkdownload.bulk_url(sjabloon, bevolking_tabel, use_https=https)}",
        seconden=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- Markdown


def _f(v: float, nd: int = 2) -> str:
    return "n.v.t." if v is None or not np.isfinite(v) else f"{v:.{nd}f}".replace(".", ",")


def _tabellen(
    punt: dict[str, dict[str, dict[str, float]]],
    dekking: dict[str, dict[float, dict[str, dict[str, float]]]],
    banden: Sequence[str],
    label: dict[str, str],
) -> list[str]:
    kop = " | ".join(f"MAE {label[b]} (pp) | Spearman {label[b]}" for b in banden)
    out = [f"| methode | {kop} |", "|---" * (1 + 2 * len(banden)) + "|"]
    for naam, p in punt.items():
        cel = " | ".join(f"{_f(p[b]['mae'])} | {_f(p[b]['spearman'])}" for b in banden)
        out.append(f"| {naam} | {cel} |")
    spreidingen = sorted({s for d in dekking.values() for s in d})
    if spreidingen:
        kop = " | ".join(f"dekking {label[b]} | breedte {label[b]} (pp)" for b in banden)
        out += ["", f"| methode | spreiding | {kop} |", "|---" * (2 + 2 * len(banden)) + "|"]
        for naam, d in dekking.items():
            for s in spreidingen:
                if s not in d:
                    continue
                cel = " | ".join(
                    f"{_f(d[s][b]['dekking'], 0)} % | {_f(d[s][b]['breedte'])}" for b in banden
                )
                out.append(f"| {naam} | {_f(s)} | {cel} |")
    return out


def markdown_a(r: ResultaatA) -> list[str]:
    """Part (a) as Markdown lines."""
    label = {"k_25_44": "25-44", "k_45_64": "45-64"}
    P = r.staat_per_band
    lines = [
        f"### a. Verborgen KWB-banden in de buurten van {r.gemeente} ({r.bestand}, offline)",
        "",
        f"Van de {r.buurten} buurten zijn er {r.geevalueerd} geëvalueerd; overgeslagen: "
        f"{r.geheim} met een geheime cel (inwoners, geslacht, een leeftijdsband of burgerlijke "
        f"staat) en {r.klein} met minder dan {MIN_INWONERS} inwoners. De schatter ziet per "
        "buurt 0-14, 15-24, 65+ en inwoners (dus een restband 25-64) en schat 25-44 en 45-64; "
        "de tabel vergelijkt het geschatte aandeel in de inwoners met het gepubliceerde "
        "(afgerond op 5). Omdat 25-44 + 45-64 samen de bekende restband is, zijn de fouten "
        "van beide banden bijna gelijk (tegengesteld).",
        "",
        "- *oud*: `estimate_buurt_ages` met alleen de banden (elke buurt krijgt binnen 25-64 de "
        "gemeentelijke verdeling).",
        "- *nieuw*: plus mannen/vrouwen en burgerlijke staat per buurt (zelfde KWB) en een "
        "gemeentelijke tabel leeftijd x geslacht x burgerlijke staat (`gemeente_bs`).",
        f"- *seed KWB vorig jaar*: de banden van dezelfde buurt in het aangrenzende jaar, "
        f"gelijkmatig binnen de banden, als startverdeling ({r.seed_buurten} van de "
        f"{r.geevalueerd} buurten hebben zo'n seed; de rest start gelijkmatig).",
        "",
        "Er is geen echte 03759ned voor deze gemeente. De gemeentelijke invoer is daarom "
        "gemaakt uit gegevens zonder de verborgen banden van de geteste buurten: de "
        "leeftijdsopbouw uit de **gepubliceerde banden van de gemeenterij** (gelijkmatig "
        "verdeeld binnen elke band, geslacht naar het gemeentelijke aandeel mannen; die vaste "
        "verdeling binnen banden verandert geen van de getallen hieronder, want die gaan over "
        "hele banden), en de samenhang met burgerlijke staat **per fold** ("
        f"{r.folds} folds over {r.wijken} wijken): p(burgerlijke staat | KWB-band) geschat met niet-negatieve "
        "kleinste kwadraten op de geschikte buurten van de **andere** wijken (die publiceren "
        "banden en burgerlijke staat), gelijk binnen een band en voor beide geslachten. "
        "Gemiddeld over de folds (aandeel ongehuwd / gehuwd / gescheiden / verweduwd):",
        "",
        "| KWB-band | ongehuwd | gehuwd | gescheiden | verweduwd |",
        "|---|---|---|---|---|",
    ]
    for e, (_naam, van, tot) in enumerate(KWB_BANDS):
        band = f"{van}-{tot}" if tot is not None else f"{van}+"
        lines.append(f"| {band} | " + " | ".join(_f(v, 2) for v in P[e]) + " |")
    lines += [
        "",
        "Puntschatting: gemiddelde absolute fout (MAE, procentpunten van de inwoners) en "
        "Spearman-rangcorrelatie met de gepubliceerde aandelen:",
        "",
    ]
    tab = _tabellen(r.punt, r.dekking, list(VERBORGEN), label)
    split = tab.index("") if "" in tab else len(tab)
    lines += tab[:split]
    if r.dekking and any(r.dekking.values()):
        lines += [
            "",
            f"Dekking van de 90%-intervallen (`estimate_with_draws`, {r.trekkingen} "
            "trekkingen; 5e-95e percentiel van het aandeel): het deel van de buurten waarvan "
            "het gepubliceerde aandeel binnen het interval valt (doel 90 %), en de gemiddelde "
            "breedte:",
        ]
        lines += tab[split:]
        lines += ["", "Kleinste geteste `spreiding` met minstens 90 % dekking in beide banden:", ""]
        for naam, d in r.dekking.items():
            ok = [s for s in sorted(d) if all(v["dekking"] >= 90 for v in d[s].values())]
            lines.append(f"- {naam}: " + (_f(ok[0]) if ok else "geen van de geteste waarden"))
    lines += ["", f"Rekentijd deel a: {r.seconden:.0f} s."]
    return lines


def markdown_b(r: ResultaatB | None) -> list[str]:
    """Part (b) as Markdown lines (or the note that it did not run)."""
    kop = "### b. Eén niveau hoger: gemeenten van een provincie (online)"
    if r is None:
        return [
            kop,
            "",
            "Niet gedraaid: deze machine heeft geen verbinding met CBS. Deel b is alleen getest "
            "tegen de lokale testserver (`tests/unit/test_validatie.py`, verzonnen cijfers); "
            "er zijn dus **nog geen gemeten uitkomsten** op echte CBS-gegevens. Draai waar CBS "
            "bereikbaar is: `.venv/bin/python benchmarks/validatie_schatting.py --online "
            "https://opendata.cbs.nl --provincie PV26`. 85984NED en 85755NED komen via OData, "
            "03759ned als bulkdownload (sinds augustus 2023 de enige route; standaard "
            "`cbs.bulk_url` uit config/schema.yaml, anders `--bulk-url`).",
        ]
    label = {"75+": "75+", "85+": "85+"}
    lines = [
        kop,
        "",
        f"Provincie {r.provincie}, {r.jaar}, bron {r.bron}: {r.geevalueerd} van de "
        f"{r.gemeenten} gemeenten (03759ned als bulkdownload). De gemeenten spelen de "
        "buurten, de provincie (03759ned: "
        "leeftijd x geslacht x burgerlijke staat) de gemeente; de KWB-gemeenterijen geven de "
        "banden (oud) en daarnaast geslacht en burgerlijke staat (nieuw). Vergeleken wordt het "
        "aandeel 75+ en 85+ met de eigen 03759ned-cijfers van elke gemeente.",
        "",
    ]
    lines += _tabellen(r.punt, r.dekking, list(OUDEREN), label)
    lines += ["", f"Rekentijd deel b: {r.seconden:.0f} s."]
    return lines


def sectie(a: ResultaatA | None, b_lines: list[str], argv: Sequence[str]) -> str:
    """The whole generated section, markers included."""
    cmd = "make validate" if not argv else "benchmarks/validatie_schatting.py " + " ".join(argv)
    lines = [
        BEGIN,
        "## Validatie op echte gegevens (gemeten)",
        "",
        f"*Gegenereerd door `benchmarks/validatie_schatting.py` op "
        f"{dt.date.today().isoformat()} (`{cmd}`); niet met de hand bewerken. Opnieuw: "
        "`make validate` (deel a, offline, met de gedeelde Utrecht-werkboeken in "
        "`../shared/data/real/kwb_volledig/`, ook `--shared PAD`) of met "
        "`--online https://opendata.cbs.nl` erbij (deel b). Dit blok wordt bij elke run "
        "vervangen.*",
        "",
    ]
    lines += markdown_a(a) if a is not None else ["### a. Niet gedraaid (zie --shared)."]
    lines += ["", BEGIN_B, *b_lines, END_B, END]
    return "\n".join(lines) + "\n"


def vorige_b(doc: str) -> list[str] | None:
    """Part (b) lines of an earlier run that did reach CBS (kept when this run has no b)."""
    m = re.search(re.escape(BEGIN_B) + r"\n(.*?)\n" + re.escape(END_B), doc, flags=re.S)
    if m is None or "Niet gedraaid" in m.group(1):
        return None
    return m.group(1).split("\n")


def schrijf_sectie(doc: Path, tekst: str) -> None:
    """Replace the marked section of ``doc`` (or append it when the markers are absent)."""
    old = doc.read_text(encoding="utf-8") if doc.exists() else ""
    pat = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", flags=re.S)
    if pat.search(old):
        new = pat.sub(lambda _m: tekst, old, count=1)
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + tekst
    doc.write_text(new, encoding="utf-8")


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shared", type=Path, default=SHARED, help="map met de echte data")
    p.add_argument("--online", help="CBS-adres voor deel b, bijv. https://opendata.cbs.nl")
    p.add_argument(
        "--bulk-url",
        help="downloadadres van 03759ned met {tabel} (standaard cbs.bulk_url uit "
        "config/schema.yaml; bij een ander --online-adres dan opendata.cbs.nl met die host)",
    )
    p.add_argument(
        "--cache", type=Path, help="map voor de 03759ned-download (standaard benchmarks/_work/bulk)"
    )
    p.add_argument("--provincie", default="PV26")
    p.add_argument("--gemeenten", help="kommagescheiden GM-codes (anders uit 85755NED)")
    p.add_argument("--jaar", type=int, default=2024)
    p.add_argument("--trekkingen", type=int, default=TREKKINGEN)
    p.add_argument("--spreiding", default=",".join(str(s) for s in SPREIDINGEN))
    p.add_argument("--folds", type=int, default=FOLDS, help="folds over de wijken (deel a)")
    p.add_argument("--processen", type=int, default=2, help="folds parallel (deel a)")
    p.add_argument("--doc", type=Path, default=DOC)
    p.add_argument("--geen-doc", action="store_true", help="alleen naar stdout")
    p.add_argument("--zonder-offline", action="store_true", help="deel a overslaan")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    spreidingen = [float(s) for s in args.spreiding.split(",") if s.strip()]

    a = None
    if not args.zonder_offline:
        pad = args.shared / KWB_2024
        if not pad.is_file():
            print(f"Deel a: {pad} ontbreekt; geef --shared PAD op.", file=sys.stderr)
            return 2
        vorig = args.shared / KWB_2023
        a = valideer_offline(
            pad,
            vorig if vorig.is_file() else None,
            trekkingen=args.trekkingen,
            spreidingen=spreidingen,
            folds=args.folds,
            processen=args.processen,
        )
    b = None
    if args.online:
        b = valideer_online(
            args.online,
            provincie=args.provincie,
            jaar=args.jaar,
            gemeenten=args.gemeenten.split(",") if args.gemeenten else None,
            bulk_url=args.bulk_url,
            cache=args.cache,
            trekkingen=args.trekkingen,
            spreidingen=spreidingen,
        )
    b_lines = markdown_b(b)
    if b is None and args.doc.exists():
        b_lines = vorige_b(args.doc.read_text(encoding="utf-8")) or b_lines
    tekst = sectie(a, b_lines, list(argv if argv is not None else sys.argv[1:]))
    print(tekst)
    if not args.geen_doc:
        schrijf_sectie(args.doc, tekst)
        print(f"Geschreven: {args.doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

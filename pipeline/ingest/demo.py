"""A fictional gemeente, generated deterministically, in the raw CBS/PDOK formats.

*Voorbeeldwaard* (GM9999) does not exist. It lets the whole pipeline run offline
on the same code paths as real data: the generator writes a KWB table in the
OData "onbewerkte dataset" layout (padded keys and all), a GeoPackage in the PDOK
*gebiedsindelingen* layout and the inputs for age detail, forecast and
loneliness. Every output built from it is labelled *fictief*.

The "true" population is drawn once per buurt by single year of age and sex;
all published-style tables are derived from it (KWB rounded to 5 and suppressed
like CBS does), so estimation methods can be checked against a known truth.
The same cube is split by burgerlijke staat with made-up, Dutch-like shares
(:func:`marital_shares`; FICTIEF): it gives the KWB columns ``Ongehuwd_13`` ...
``Verweduwd_16`` per buurt and the four BurgerlijkeStaat categories of the demo
03759ned table, without changing any of the other demo numbers.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import MultiPoint, Polygon, voronoi_polygons
from shapely.affinity import scale

DEMO_GEMEENTE = "GM9999"
DEMO_NAAM = "Voorbeeldwaard"
DEMO_SEED = 20241

#: Codes of fictional gemeenten the demo source accepts.
DEMO_GEMEENTEN = {DEMO_GEMEENTE: DEMO_NAAM}


@dataclass(frozen=True)
class DemoBuurt:
    """Definition of one fictional buurt."""

    code: str
    naam: str
    inwoners: int
    profiel: str  # age profile: 'oud', 'gezin', 'gemengd', 'dorp', 'jong'
    koop: float  # owner-occupied share (%)
    afstand_huisarts: float


# Wijk and buurt codes may contain letters (as WK0363MA in Amsterdam): BG is such a wijk.
BUURTEN: tuple[DemoBuurt, ...] = (
    DemoBuurt("BU99990101", "Oude Kern", 2150, "oud", 38, 0.3),
    DemoBuurt("BU99990102", "Havenkwartier", 1680, "jong", 30, 0.5),
    DemoBuurt("BU99990103", "'t Hofje & Co", 640, "oud", 45, 0.4),
    DemoBuurt("BU99990104", "Stationsbuurt", 1320, "gemengd", 42, 0.6),
    DemoBuurt("BU99990201", "Bloemenwijk", 2860, "gezin", 72, 0.9),
    DemoBuurt("BU99990202", "Vogelbuurt", 2410, "gezin", 68, 1.1),
    DemoBuurt("BU99990203", "De Akkers", 3120, "gezin", 81, 1.4),
    DemoBuurt("BU99990204", "Parkzicht", 1540, "oud", 55, 0.8),
    DemoBuurt("BU99990205", "Zorgpark Lindehof", 430, "zeeroud", 10, 0.2),
    DemoBuurt("BU99990301", "Achterveld-Dorp", 1890, "dorp", 74, 1.6),
    DemoBuurt("BU99990302", "Achterveld-Oost", 760, "dorp", 79, 2.1),
    DemoBuurt("BU9999BG01", "Polder Noord", 310, "dorp", 88, 3.4),
    DemoBuurt("BU9999BG02", "Bedrijvenpark De Vaart", 35, "gemengd", 20, 2.8),
)

WIJKEN: dict[str, str] = {
    "WK999901": "Centrum",
    "WK999902": "Oost",
    "WK999903": "Achterveld",
    "WK9999BG": "Buitengebied",
}

_AGES = np.arange(0, 101)


def _profile_weights(profiel: str) -> np.ndarray:
    """Relative weight per single year 0..100 for an age profile (both sexes)."""
    a = _AGES.astype(float)
    # Base: a stylised Dutch age pyramid with survival falling after 70.
    # A baby-boom bulge around 60 makes the demo age like the Netherlands does.
    base = np.where(a < 72, 1.0, np.exp(-(((a - 72) / 13.0) ** 2))) * (
        1.0 + 0.4 * np.exp(-(((a - 61) / 7.0) ** 2))
    )
    bumps = {
        "oud": 1.0
        + 1.2 * np.exp(-(((a - 74) / 9.0) ** 2))
        - 0.35 * np.exp(-(((a - 8) / 8.0) ** 2)),
        "zeeroud": 0.05 + 9.0 * np.exp(-(((a - 86) / 6.0) ** 2)),
        "gezin": 1.0
        + 0.8 * np.exp(-(((a - 9) / 6.0) ** 2))
        + 0.7 * np.exp(-(((a - 40) / 7.0) ** 2)),
        "jong": 1.0
        + 1.5 * np.exp(-(((a - 27) / 6.0) ** 2))
        - 0.5 * np.exp(-(((a - 75) / 12.0) ** 2)),
        "gemengd": np.ones_like(a),
        "dorp": 1.0
        + 0.6 * np.exp(-(((a - 60) / 10.0) ** 2))
        - 0.3 * np.exp(-(((a - 24) / 5.0) ** 2)),
    }
    w = base * bumps[profiel]
    return np.clip(w, 1e-4, None) / np.clip(w, 1e-4, None).sum()


def true_population(jaar: int = 2024) -> pd.DataFrame:
    """The fictional 'register' population: buurt x sex x single year of age.

    Parameters
    ----------
    jaar
        Reference year; the population is the same for every year (it is a demo),
        but the year is kept in the table.

    Returns
    -------
    pandas.DataFrame
        Columns ``buurtcode, geslacht, leeftijd, aantal`` (integers); age 100 means 100+.
    """
    rng = np.random.default_rng(DEMO_SEED)
    frames = []
    for b in BUURTEN:
        w = _profile_weights(b.profiel)
        # Women live longer: shift the sex ratio with age.
        female_share = 0.49 + 0.25 * np.clip((_AGES - 65) / 35, 0, 1)
        p = np.concatenate([w * (1 - female_share), w * female_share])
        counts = rng.multinomial(b.inwoners, p / p.sum())
        n = len(_AGES)
        for sex, part in (("man", counts[:n]), ("vrouw", counts[n:])):
            frames.append(
                pd.DataFrame(
                    {"buurtcode": b.code, "geslacht": sex, "leeftijd": _AGES, "aantal": part}
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out["jaar"] = jaar
    return out


#: Order of the demo's marital-status categories (as in the contract).
BS_CATEGORIEEN: tuple[str, ...] = ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")
#: KWB OData keys of the marital-status counts (85984NED and earlier editions).
KWB_BS_KOLOMMEN: dict[str, str] = {
    "ongehuwd": "Ongehuwd_13",
    "gehuwd": "Gehuwd_14",
    "gescheiden": "Gescheiden_15",
    "verweduwd": "Verweduwd_16",
}


def marital_shares(ages: np.ndarray, geslacht: str) -> np.ndarray:
    """FICTIEF: shares ongehuwd, gehuwd, gescheiden, verweduwd per age for the demo.

    Stylised, Dutch-like curves, made up for the demo only (not fitted to CBS data):
    nobody under 18 is married, the ever-married share rises around 30 and is higher in
    older cohorts, divorce peaks around 60, and widowhood rises steeply after 75, much
    more for women (who outlive their husbands) than for men.

    Parameters
    ----------
    ages
        Ages in years (the open top class as a representative age, e.g. 97 for 95+).
    geslacht
        ``'man'`` or ``'vrouw'``.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(ages), 4)`` in the order of :data:`BS_CATEGORIEEN`; rows sum to 1.
    """
    a = np.asarray(ages, dtype=float)
    vrouw = geslacht == "vrouw"
    cohort = 0.55 + 0.37 / (1 + np.exp(-(a - 55) / 8))
    ooit = np.where(a < 18, 0.0, cohort / (1 + np.exp(-(a - (31.0 if vrouw else 33.0)) / 4.0)))
    if vrouw:
        weduw = 0.92 / (1 + np.exp(-(a - 79) / 5.5))
    else:
        weduw = 0.60 / (1 + np.exp(-(a - 87) / 6.0))
    scheiding = np.where(a < 20, 0.0, (0.19 if vrouw else 0.17) * np.exp(-(((a - 60) / 24) ** 2)))
    out = np.column_stack(
        [
            1 - ooit,
            ooit * (1 - weduw) * (1 - scheiding),
            ooit * (1 - weduw) * scheiding,
            ooit * weduw,
        ]
    )
    return out / out.sum(axis=1, keepdims=True)


def true_population_bs(jaar: int = 2024) -> pd.DataFrame:
    """FICTIEF: the demo 'register' split by burgerlijke staat (buurt x sex x age x staat).

    Every cell of :func:`true_population` is split over the four categories with a
    multinomial draw from :func:`marital_shares` (own seed), so the counts add up exactly
    to the existing demo population, which is unchanged.

    Returns
    -------
    pandas.DataFrame
        ``buurtcode, geslacht, leeftijd, burgerlijke_staat, aantal, jaar`` (integers).
    """
    pop = true_population(jaar)
    rng = np.random.default_rng(DEMO_SEED + 4)
    shares = np.empty((len(pop), len(BS_CATEGORIEEN)))
    for sex in ("man", "vrouw"):
        mask = (pop["geslacht"] == sex).to_numpy()
        shares[mask] = marital_shares(pop.loc[mask, "leeftijd"].to_numpy(), sex)
    counts = rng.multinomial(pop["aantal"].to_numpy(), shares)
    frames = [
        pop.assign(burgerlijke_staat=naam, aantal=counts[:, i])
        for i, naam in enumerate(BS_CATEGORIEEN)
    ]
    out = pd.concat(frames, ignore_index=True)
    return out[["buurtcode", "geslacht", "leeftijd", "burgerlijke_staat", "aantal", "jaar"]]


def _round5(x: float) -> float:
    # KWB publishes small-area counts rounded to 5.
    return float(5 * np.round(x / 5.0))


def kwb_table(jaar: int = 2024) -> pd.DataFrame:
    """The demo KWB table in the OData "onbewerkte dataset" layout.

    Keys are padded like CBS pads them (``'BU99990101'``, ``'GM9999    '``),
    counts are rounded to 5 for wijken and buurten and suppressed (``'.'``) for
    buurten under 50 inhabitants, as CBS does.

    Parameters
    ----------
    jaar
        Data year; only written into the ``Perioden``-free KWB layout as-is.

    Returns
    -------
    pandas.DataFrame
        All values as strings.
    """
    pop = true_population(jaar)
    bs = true_population_bs(jaar)
    meta = {b.code: b for b in BUURTEN}
    rng = np.random.default_rng(DEMO_SEED + 1)

    def bands(df: pd.DataFrame) -> dict[str, float]:
        a = df.groupby("leeftijd")["aantal"].sum()
        total = float(a.sum())
        staat = (
            bs[bs["buurtcode"].isin(df["buurtcode"].unique())]
            .groupby("burgerlijke_staat")["aantal"]
            .sum()
        )
        return {
            "AantalInwoners_5": total,
            "Mannen_6": float(df.loc[df.geslacht == "man", "aantal"].sum()),
            "Vrouwen_7": float(df.loc[df.geslacht == "vrouw", "aantal"].sum()),
            "k_0Tot15Jaar_8": float(a.loc[0:14].sum()),
            "k_15Tot25Jaar_9": float(a.loc[15:24].sum()),
            "k_25Tot45Jaar_10": float(a.loc[25:44].sum()),
            "k_45Tot65Jaar_11": float(a.loc[45:64].sum()),
            "k_65JaarOfOuder_12": float(a.loc[65:].sum()),
            # FICTIEF, like every demo number: from the demo marital-status cube.
            **{kol: float(staat.get(naam, 0)) for naam, kol in KWB_BS_KOLOMMEN.items()},
        }

    rows: list[dict[str, object]] = []
    hh_info: dict[str, tuple[float, float]] = {}
    for b in BUURTEN:
        size = {"oud": 1.7, "zeeroud": 1.1, "jong": 1.6, "gezin": 2.7, "gemengd": 2.1, "dorp": 2.5}[
            b.profiel
        ]
        hh = b.inwoners / size
        single = hh * {"zeeroud": 0.9, "oud": 0.5, "jong": 0.55}.get(b.profiel, 0.28)
        hh_info[b.code] = (hh, single)

    def region_row(code: str, naam: str, soort: str, df: pd.DataFrame, codes: list[str]) -> dict:
        vals = bands(df)
        hh = sum(hh_info[c][0] for c in codes)
        single = sum(hh_info[c][1] for c in codes)
        inw = vals["AantalInwoners_5"]
        koop = sum(meta[c].koop * meta[c].inwoners for c in codes) / max(
            sum(meta[c].inwoners for c in codes), 1
        )
        huisarts = sum(meta[c].afstand_huisarts * meta[c].inwoners for c in codes) / max(
            sum(meta[c].inwoners for c in codes), 1
        )
        row: dict[str, object] = {
            "WijkenEnBuurten": code.ljust(10),
            "Gemeentenaam_1": DEMO_NAAM.ljust(40),
            "SoortRegio_2": soort.ljust(10),
            "Codering_3": code.ljust(10),
            "Naam": naam,
            "HuishoudensTotaal_29": hh,
            "Eenpersoonshuishoudens_30": single,
            "GemiddeldeHuishoudensgrootte_33": round(inw / hh, 1) if hh else None,
            "Koopwoningen_47": round(koop),
            "AfstandTotHuisartsenpraktijk_110": round(huisarts, 1),
            "AfstandTotGroteSupermarkt_111": round(huisarts * 0.8 + rng.uniform(0, 0.3), 1),
            "OppervlakteLand_116": None,
        }
        row.update(vals)
        if soort != "Gemeente":
            for key in list(vals) + ["HuishoudensTotaal_29", "Eenpersoonshuishoudens_30"]:
                row[key] = _round5(float(row[key]))  # type: ignore[arg-type]
        else:
            row["HuishoudensTotaal_29"] = round(hh)
            row["Eenpersoonshuishoudens_30"] = round(single)
        if soort == "Buurt" and inw < 50:
            # CBS suppresses detail for very small areas; the total stays published.
            for key in row:
                if key.startswith(
                    (
                        "k_",
                        "Mannen",
                        "Vrouwen",
                        "Eenpersoons",
                        "Koopwoningen",
                        *KWB_BS_KOLOMMEN.values(),
                    )
                ):
                    row[key] = "."
        return row

    rows.append(region_row(DEMO_GEMEENTE, DEMO_NAAM, "Gemeente", pop, [b.code for b in BUURTEN]))
    for wk, naam in WIJKEN.items():
        codes = [b.code for b in BUURTEN if "WK" + b.code[2:8] == wk]
        rows.append(region_row(wk, naam, "Wijk", pop[pop.buurtcode.isin(codes)], codes))
    for b in BUURTEN:
        rows.append(region_row(b.code, b.naam, "Buurt", pop[pop.buurtcode == b.code], [b.code]))
    df = pd.DataFrame(rows)
    df.insert(0, "ID", range(len(df)))

    def fmt(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return df.map(fmt)


def buurt_geometry() -> gpd.GeoDataFrame:
    """Fictional buurt polygons in the PDOK *gebiedsindelingen* layout (RD New).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``statcode, statnaam, geometry`` (EPSG:28992).
    """
    rng = np.random.default_rng(DEMO_SEED + 2)
    # An irregular gemeente outline of about 7 x 5 km, somewhere in the polder.
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    r = 1 + 0.12 * np.sin(3 * t) + 0.07 * np.cos(5 * t + 1)
    outline = Polygon(np.c_[r * np.cos(t), r * np.sin(t)])
    outline = scale(outline, 3500, 2500, origin=(0, 0))
    centres = {
        "WK999901": (-600, 300, 500),
        "WK999902": (1300, 100, 1100),
        "WK999903": (-2300, -900, 700),
        "WK9999BG": (300, -1600, 1400),
    }
    pts, codes = [], []
    for b in BUURTEN:
        cx, cy, spread = centres["WK" + b.code[2:8]]
        pts.append(
            (cx + rng.uniform(-spread, spread), cy + rng.uniform(-spread / 1.4, spread / 1.4))
        )
        codes.append(b.code)
    cells = voronoi_polygons(MultiPoint(pts), extend_to=outline.buffer(2000))
    geoms = []
    for x, y in pts:
        cell = next(c for c in cells.geoms if c.contains(gpd.points_from_xy([x], [y])[0]))
        geoms.append(cell.intersection(outline))
    gdf = gpd.GeoDataFrame(
        {"statcode": codes, "statnaam": [b.naam for b in BUURTEN]},
        geometry=geoms,
        crs="EPSG:28992",
    )
    gdf["geometry"] = gdf.geometry.translate(150000, 450000)
    return gdf


def write_geometry(path: Path) -> None:
    """Write the demo buurten as a GeoPackage (layer ``buurt_gegeneraliseerd``)."""
    buurt_geometry().to_file(path, layer="buurt_gegeneraliseerd", driver="GPKG")


def main(argv: list[str] | None = None) -> None:
    """Command line: write the demo raw files into a folder (for inspection)."""
    parser = argparse.ArgumentParser(
        description="Schrijf de fictieve demogemeente als ruwe bestanden."
    )
    parser.add_argument("map", type=Path)
    args = parser.parse_args(argv)
    args.map.mkdir(parents=True, exist_ok=True)
    kwb_table().to_csv(args.map / "kwb_85984NED_2024_GM9999.csv", index=False)
    write_geometry(args.map / "geometrie_2024_GM9999.gpkg")


# ------------------------------------------------------------ other raw inputs


def gemeente_population(jaar: int = 2024) -> pd.DataFrame:
    """The demo gemeente's population in the tidy ``bevolking`` layout (single years, 95+)."""
    pop = true_population(jaar)
    g = pop.groupby(["geslacht", "leeftijd"], as_index=False)["aantal"].sum()
    g["leeftijd_van"] = g["leeftijd"].clip(upper=95)
    g = g.groupby(["geslacht", "leeftijd_van"], as_index=False)["aantal"].sum()
    g["leeftijd_tot"] = pd.array(
        [pd.NA if v == 95 else v for v in g["leeftijd_van"]], dtype="Int64"
    )
    g["gemeentecode"] = DEMO_GEMEENTE
    g["jaar"] = jaar
    g["aantal"] = g["aantal"].astype(float)
    return g[["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]]


def gemeente_population_bs(jaar: int = 2024) -> pd.DataFrame:
    """FICTIEF: the demo gemeente by sex x age (single years, 95+) x burgerlijke staat.

    Summed over ``burgerlijke_staat`` it equals :func:`gemeente_population` exactly.
    """
    bs = true_population_bs(jaar)
    g = bs.groupby(["geslacht", "leeftijd", "burgerlijke_staat"], as_index=False)["aantal"].sum()
    g["leeftijd_van"] = g["leeftijd"].clip(upper=95)
    g = g.groupby(["geslacht", "leeftijd_van", "burgerlijke_staat"], as_index=False)["aantal"].sum()
    g["leeftijd_tot"] = pd.array(
        [pd.NA if v == 95 else v for v in g["leeftijd_van"]], dtype="Int64"
    )
    g["gemeentecode"] = DEMO_GEMEENTE
    g["jaar"] = jaar
    g["aantal"] = g["aantal"].astype(float)
    cols = ["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    return g[[*cols, "burgerlijke_staat"]]


def bevolking_raw(jaar: int = 2024) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo gemeente in the real 03759ned layout: ``(rows, Leeftijd dimension)``.

    The rows hold the total ``T001019`` and the four (fictional) BurgerlijkeStaat
    categories, as the full 03759ned cube does.
    """
    from pipeline.ingest.gemeentebevolking import raw_03759ned

    return raw_03759ned(gemeente_population_bs(jaar))


def _survival(ages: np.ndarray) -> np.ndarray:
    # Fictional demo only: a Gompertz hazard that gives a plausible old-age decline.
    hazard = 1.8e-5 * np.exp(0.1 * ages)
    return np.exp(-hazard)


def prognose_primos(jaar: int, horizon: list[int]) -> pd.DataFrame:
    """A fictional Primos-style forecast for the demo gemeente (5-year classes by sex).

    The demo forecast ages the population year by year with a stylised survival
    curve, constant births and a small net inflow of young adults. It only exists
    so that the demo exercises the Primos reader; it forecasts nothing real.

    Parameters
    ----------
    jaar
        Base year (included in the output).
    horizon
        Forecast years.

    Returns
    -------
    pandas.DataFrame
        Columns ``Gemeente, Jaar, Leeftijdsklasse, Geslacht, Aantal personen`` as
        documented in docs/invoerformaten.md.
    """
    pop = true_population(jaar)
    ages = np.arange(0, 101)
    cur = {
        sex: pop[pop.geslacht == sex]
        .groupby("leeftijd")["aantal"]
        .sum()
        .reindex(ages)
        .fillna(0)
        .to_numpy(float)
        for sex in ("man", "vrouw")
    }
    births = {sex: float(cur[sex][:5].mean()) for sex in cur}
    inflow = np.exp(-(((ages - 28) / 6.0) ** 2)) * 6.0
    rows = []
    last = max([jaar, *horizon])
    for year in range(jaar, last + 1):
        if year > jaar:
            for sex in cur:
                nxt = np.zeros_like(cur[sex])
                surv = cur[sex] * _survival(ages)
                nxt[1:] = surv[:-1]
                nxt[-1] += surv[-1]
                nxt[0] = births[sex]
                cur[sex] = nxt + inflow
        if year == jaar or year in horizon:
            for sex, code in (("man", "M"), ("vrouw", "V")):
                for van in range(0, 95, 5):
                    rows.append(
                        (
                            DEMO_GEMEENTE,
                            year,
                            f"{van}-{van + 4}",
                            code,
                            cur[sex][van : van + 5].sum(),
                        )
                    )
                rows.append((DEMO_GEMEENTE, year, "95+", code, cur[sex][95:].sum()))
    df = pd.DataFrame(
        rows, columns=["Gemeente", "Jaar", "Leeftijdsklasse", "Geslacht", "Aantal personen"]
    )
    df["Aantal personen"] = df["Aantal personen"].round(1)
    return df


def gezondheid_raw(survey_year: int = 2022) -> pd.DataFrame:
    """Fictional RIVM loneliness estimates in the 50150NED layout (GM, WK and BU rows)."""
    from pipeline.ingest.gezondheidsmonitor import raw_gezondheidsmonitor

    base = {
        "oud": 52.0,
        "zeeroud": 61.0,
        "jong": 50.0,
        "gezin": 41.0,
        "gemengd": 46.0,
        "dorp": 39.0,
    }
    rng = np.random.default_rng(DEMO_SEED + 3)
    rows = []
    weights = {}
    for b in BUURTEN:
        e = base[b.profiel] + rng.normal(0, 1.5)
        vals = {
            "eenzaam_pct": e,
            "ernstig_eenzaam_pct": e * 0.24,
            "emotioneel_eenzaam_pct": e * 0.68,
            "sociaal_eenzaam_pct": e * 0.78,
        }
        if b.inwoners < 50:
            vals = {k: np.nan for k in vals}  # RIVM publishes no estimate for tiny buurten
        rows.append({"code": b.code, **vals})
        weights[b.code] = b.inwoners
    df = pd.DataFrame(rows)
    cols = [c for c in df.columns if c != "code"]
    agg_rows = []
    groups = {DEMO_GEMEENTE: list(df.code)} | {
        wk: [c for c in df.code if "WK" + c[2:8] == wk] for wk in WIJKEN
    }
    for code, members in groups.items():
        part = df[df.code.isin(members)].dropna()
        w = np.array([weights[c] for c in part.code], dtype=float)
        agg_rows.append({"code": code, **{c: float(np.average(part[c], weights=w)) for c in cols}})
    out = pd.concat([pd.DataFrame(agg_rows), df], ignore_index=True)
    out[cols] = out[cols].round(1)
    out["jaar"] = survey_year
    return raw_gezondheidsmonitor(out, suffixen="50150NED")

"""benchmarks/validatie_schatting.py: part (a) on a tiny synthetic workbook, part (b) against
the loopback CBS server (exact CBS layouts, invented numbers), and the doc section."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import validatie_schatting as vs
from pipeline.errors import WijkscanError
from pipeline.ingest.gemeentebevolking import raw_03759ned
from tests.support.odata_server import ODataServer, Table, bulk_03759ned, dimension_of

STATEN = ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")
# p(staat | KWB band): the synthetic buurten follow it exactly, so it is learnable.
P_WAAR = np.array(
    [
        [1.0, 0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.8, 0.15, 0.05, 0.0],
        [0.1, 0.75, 0.15, 0.0],
        [0.05, 0.5, 0.1, 0.35],
    ]
)
WB_KOLOMMEN = ["a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo"]


def _buurt_rij(code: str, banden: list[float]) -> dict:
    b = np.asarray(banden, dtype=float)
    staat = b @ P_WAAR
    inw = b.sum()
    row = {"gwb_code_10": code, "regio": code, "gm_naam": "Testgem", "a_inw": inw}
    row.update({"a_man": np.floor(inw / 2), "a_vrouw": inw - np.floor(inw / 2)})
    row.update(dict(zip(WB_KOLOMMEN, b, strict=True)))
    row.update(dict(zip(["a_ongeh", "a_gehuwd", "a_gesch", "a_verwed"], staat, strict=True)))
    return row


def _werkboek(pad: Path, geheim: bool = True) -> None:
    """GM0001: 3 wijken x 4 buurten whose 25-44 : 45-64 split differs a lot, plus a
    buurt with a secret cell and one with fewer than 50 inhabitants."""
    rng = np.random.default_rng(3)
    rows = []
    for w in range(1, 4):
        for k in range(1, 5):
            young = rng.uniform(0.15, 0.85)
            rest = 600.0
            # Every band varies, so that p(staat | band) is identifiable from the buurten.
            k0, k15, k65 = rng.integers(50, 300, size=3)
            banden = [k0, k15, round(rest * young), round(rest * (1 - young)), k65]
            rows.append(_buurt_rij(f"BU0001{w:02d}{k:02d}", banden))
    rows.append(_buurt_rij("BU00010199", [5, 5, 10, 10, 5]))  # < 50 inwoners
    if geheim:
        r = _buurt_rij("BU00010299", [50, 50, 100, 100, 50])
        r["a_verwed"] = "."
        rows.append(r)
    df = pd.DataFrame(rows)
    num = ["a_inw", "a_man", "a_vrouw", *WB_KOLOMMEN, "a_ongeh", "a_gehuwd", "a_gesch", "a_verwed"]
    vals = df[num].apply(pd.to_numeric, errors="coerce")
    gem = {"gwb_code_10": "GM0001", "regio": "Testgem", "gm_naam": "Testgem"}
    gem.update(vals.sum().to_dict())
    wijken = []
    for w in range(1, 4):
        sel = df["gwb_code_10"].str.startswith(f"BU0001{w:02d}")
        wk = {"gwb_code_10": f"WK0001{w:02d}", "regio": f"Wijk {w}", "gm_naam": "Testgem"}
        wk.update(vals[sel].sum().to_dict())
        wijken.append(wk)
    out = pd.concat([pd.DataFrame([gem, *wijken]), df], ignore_index=True)
    out.insert(
        3, "recs", out["gwb_code_10"].str[:2].map({"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"})
    )
    out.to_excel(pad, index=False, sheet_name="kwb")


def test_offline_synthetisch(tmp_path):
    pad = tmp_path / "kwb_2024_GM0001.xlsx"
    vorig = tmp_path / "kwb_2023_GM0001.xlsx"
    _werkboek(pad)
    _werkboek(vorig, geheim=False)  # the same buurten a year earlier: a perfect seed
    r = vs.valideer_offline(pad, vorig, trekkingen=8, spreidingen=(0.3,), folds=3, processen=1)
    assert (r.buurten, r.geevalueerd, r.geheim, r.klein) == (14, 12, 1, 1)
    assert r.wijken == 3 and r.folds == 3 and r.seed_buurten == 12
    oud, nieuw = r.punt[vs.OUD], r.punt[vs.NIEUW]
    # The bands-only estimate gives every buurt the gemeente's split of 25-64. The marital
    # margin follows the split exactly here, but IPF keeps the joint only as odds ratios
    # (a buurt may also shift its p(staat | age)), so it recovers part of the split, not all.
    assert oud["k_45_64"]["mae"] > 3
    assert nieuw["k_45_64"]["mae"] < 0.7 * oud["k_45_64"]["mae"]
    assert nieuw["k_45_64"]["spearman"] > oud["k_45_64"]["spearman"] + 0.2
    assert r.punt[vs.OUD_SEED]["k_25_44"]["mae"] < 0.5  # last year's bands, unchanged
    np.testing.assert_allclose(r.staat_per_band, P_WAAR, atol=0.05)
    for per_s in r.dekking.values():
        for band in per_s[0.3].values():
            assert 0 <= band["dekking"] <= 100 and band["breedte"] >= 0
    lines = vs.markdown_a(r)
    assert any("| nieuw (marges) |" in x for x in lines)


def test_sectie_wordt_vervangen(tmp_path):
    doc = tmp_path / "methode.md"
    doc.write_text("# Titel\n\nvoor\n", encoding="utf-8")
    vs.schrijf_sectie(doc, vs.sectie(None, ["### b", "eerste"], []))
    doc.write_text(doc.read_text(encoding="utf-8") + "\nna\n", encoding="utf-8")
    vs.schrijf_sectie(doc, vs.sectie(None, ["### b", "tweede"], []))
    text = doc.read_text(encoding="utf-8")
    assert text.count(vs.BEGIN) == 1 and text.count(vs.END) == 1
    assert "tweede" in text and "eerste" not in text
    assert text.startswith("# Titel\n\nvoor\n") and text.rstrip().endswith("na")
    assert vs.vorige_b(text) == ["### b", "tweede"]


# --------------------------------------------------------------------------- part (b)


def _bevolking(gm: str, oud: float, n: float) -> pd.DataFrame:
    """Single years 0..94 and 95+ by sex and burgerlijke staat; ``oud`` tilts the 65+."""
    ages = np.arange(96)
    w = np.where(ages < 65, 1.0, np.exp(-0.09 * (ages - 65) * (1 - oud)))
    w[95] *= 2
    # Widowhood rises steeply with age: the margin that tells 85+ apart.
    p_wed = np.clip((ages - 60) / 40, 0, 0.9)
    p_geh = np.where(ages < 25, 0.0, 0.6 * (1 - p_wed))
    p_ong = 1 - p_wed - p_geh
    rows = []
    for sexe, f in (("man", 0.49), ("vrouw", 0.51)):
        tot = n * f * w / w.sum()
        for staat, p in (("ongehuwd", p_ong), ("gehuwd", p_geh), ("verweduwd", p_wed)):
            for a in ages:
                rows.append((gm, 2024, sexe, a, a if a < 95 else None, staat, round(tot[a] * p[a])))
        for a in ages:
            rows.append((gm, 2024, sexe, a, a if a < 95 else None, "gescheiden", 0.0))
    df = pd.DataFrame(
        rows,
        columns=["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot",
                 "burgerlijke_staat", "aantal"],
    )  # fmt: skip
    df["leeftijd_tot"] = df["leeftijd_tot"].astype("Int64")
    df["aantal"] = df["aantal"].astype(float)
    return df


def _kwb_rij(bev: pd.DataFrame) -> dict:
    a = bev.groupby("leeftijd_van")["aantal"].sum()
    band = lambda v, t: float(a[(a.index >= v) & (a.index <= t)].sum())  # noqa: E731
    staat = bev.groupby("burgerlijke_staat")["aantal"].sum()
    sexe = bev.groupby("geslacht")["aantal"].sum()
    return {
        "SoortRegio_2": "Gemeente  ",
        "AantalInwoners_5": float(a.sum()),
        "Mannen_6": float(sexe["man"]),
        "Vrouwen_7": float(sexe["vrouw"]),
        "k_0Tot15Jaar_8": band(0, 14),
        "k_15Tot25Jaar_9": band(15, 24),
        "k_25Tot45Jaar_10": band(25, 44),
        "k_45Tot65Jaar_11": band(45, 64),
        "k_65JaarOfOuder_12": band(65, 200),
        "Ongehuwd_13": float(staat["ongehuwd"]),
        "Gehuwd_14": float(staat["gehuwd"]),
        "Gescheiden_15": float(staat["gescheiden"]),
        "Verweduwd_16": float(staat["verweduwd"]),
    }


GEMEENTEN = {"GM0001": (0.9, 20000), "GM0002": (0.0, 30000), "GM0003": (0.5, 15000)}
BUITEN = {"GM0004": (0.7, 10000)}  # another provincie: must be left out


def _bulk(bev: dict[str, pd.DataFrame]) -> bytes:
    """03759ned as CBS serves it since August 2023: only a bulk zip (no OData), with
    everything the reader must leave out: another provincie's gemeente, a second measure
    and another year (both with different numbers)."""
    prov = pd.concat([bev[g] for g in GEMEENTEN]).assign(gemeentecode="GM9998")
    prov = prov.groupby(
        ["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "burgerlijke_staat"],
        as_index=False,
        dropna=False,
    )["aantal"].sum()
    rows, leeftijd = raw_03759ned(pd.concat([*bev.values(), prov], ignore_index=True))
    rows["RegioS"] = rows["RegioS"].str.replace("GM9998", "PV26  ", regex=False)
    getal = pd.to_numeric(rows["BevolkingOp1Januari_1"], errors="coerce")
    rows["GemiddeldeBevolking_2"] = (getal * 1.5).map(lambda v: "." if np.isnan(v) else f"{v:g}")
    vorig = rows.assign(
        Perioden="2023JJ00",
        BevolkingOp1Januari_1=(getal * 3).map(lambda v: "." if np.isnan(v) else f"{v:g}"),
    )
    rows = pd.concat([vorig, rows], ignore_index=True)
    return bulk_03759ned(rows, leeftijd)


@pytest.fixture(scope="module")
def server():
    """85984NED and 85755NED over OData; 03759ned ONLY as a bulk zip (as on real CBS)."""
    bev = {g: _bevolking(g, o, n) for g, (o, n) in {**GEMEENTEN, **BUITEN}.items()}
    kwb = pd.DataFrame([{"WijkenEnBuurten": g.ljust(10), **_kwb_rij(b)} for g, b in bev.items()])
    t_kwb = Table(
        "85984NED", kwb, [dimension_of("WijkenEnBuurten", kwb["WijkenEnBuurten"], "GeoDetail")]
    )
    geb = pd.DataFrame(
        {
            "RegioS": list(bev),
            "Code_28": ["PV26      "] * 3 + ["PV27      "],
            "Naam_29": ["Utrecht"] * 3 + ["Noord-Holland"],
        }
    )
    t_geb = Table("85755NED", geb, [dimension_of("RegioS", geb["RegioS"], "GeoDimension")])
    with ODataServer([t_kwb, t_geb]) as s:
        s.add_bulk("03759ned", _bulk(bev))
        yield s, bev


def _verwacht_oud(bev: dict[str, pd.DataFrame]) -> dict[str, float]:
    """MAE (pp) of the bands-only estimate, computed without the script: every gemeente
    gets the provincie's share of 75+ (85+) within 65+, times its own 65+ share."""
    prov = pd.concat([bev[g] for g in GEMEENTEN]).groupby("leeftijd_van")["aantal"].sum()
    out = {}
    for band, van in (("75+", 75), ("85+", 85)):
        binnen_65 = prov[prov.index >= van].sum() / prov[prov.index >= 65].sum()
        fouten = []
        for g in GEMEENTEN:
            a = bev[g].groupby("leeftijd_van")["aantal"].sum()
            echt = a[a.index >= van].sum() / a.sum()
            schatting = a[a.index >= 65].sum() / a.sum() * binnen_65
            fouten.append(abs(schatting - echt))
        out[band] = float(np.mean(fouten) * 100)
    return out


def test_online_tegen_testserver(server, tmp_path):
    s, bev = server
    s.reset_log()
    r = vs.valideer_online(
        s.url,
        provincie="PV26",
        jaar=2024,
        cache=tmp_path / "bulk",
        trekkingen=8,
        spreidingen=(0.3,),
        timeout=10,
    )
    assert (r.gemeenten, r.geevalueerd) == (3, 3)
    # 03759ned came from ONE bulk download (the loopback host in the config default's
    # path), never from OData; the provincie lookup left GM0004 out of the KWB query.
    assert s.count("/csv/CBS/nl/03759ned") == 1
    assert not [q.path for q in s.requests if "03759" in q.path and "/csv/" not in q.path]
    assert not any("GM0004" in str(q.query) for q in s.requests if "85984NED" in q.path)
    assert f"{s.host}/csv/CBS/nl/03759ned" in r.bron
    oud, nieuw = r.punt[vs.OUD], r.punt[vs.NIEUW]
    # Bands only: every gemeente gets the provincie's 85+ share of its 65+. Exact numbers:
    # a wrong year, measure or a gemeente of another provincie in the provincie would
    # move them.
    verwacht = _verwacht_oud(bev)
    assert oud["85+"]["mae"] == pytest.approx(verwacht["85+"], rel=1e-6)
    assert oud["75+"]["mae"] == pytest.approx(verwacht["75+"], rel=1e-6)
    assert oud["85+"]["mae"] > 0.3
    # Widowhood tells the old-heavy gemeente apart (partly: IPF keeps the joint as odds
    # ratios).
    assert nieuw["85+"]["mae"] < 0.9 * oud["85+"]["mae"]
    assert nieuw["75+"]["mae"] < 0.9 * oud["75+"]["mae"]
    assert set(r.dekking[vs.NIEUW]) == {0.3}
    lines = "\n".join(vs.markdown_b(r))
    assert "Provincie PV26" in lines and "bulkdownload" in lines


def test_bulk_alle_regios_in_een_keer(server, tmp_path):
    """One pass for several regions gives, per region, what a pass for one region gives."""
    from pipeline.ingest.bulkdownload import bulk_zip_path, fetch_bulk_03759ned, read_bulk_rows

    s, _ = server
    cache = tmp_path / "bulk"
    fetch_bulk_03759ned(
        "03759ned", "PV26", 2024, cache=cache, url=s.url + "/csv/CBS/nl/{tabel}", timeout=10
    )
    zip_path = bulk_zip_path(cache, "03759ned")
    regios = ["PV26", *GEMEENTEN]
    alle, codes, maat = read_bulk_rows(zip_path, regio=regios, periode="2024JJ00")
    assert maat == "M000352" and {"Leeftijd", "BurgerlijkeStaat"} <= set(codes)
    assert set(alle["RegioS"]) == set(regios)  # not GM0004, not 2023, not the average
    for regio in regios:
        een, _, _ = read_bulk_rows(zip_path, regio=regio, periode="2024JJ00")
        pd.testing.assert_frame_equal(
            alle[alle["RegioS"] == regio].reset_index(drop=True), een.reset_index(drop=True)
        )


def test_onbekende_provincie(server, tmp_path):
    s, _ = server
    with pytest.raises(WijkscanError, match="PV99"):
        vs.valideer_online(
            s.url, provincie="PV99", gemeenten=list(GEMEENTEN), jaar=2024,
            cache=tmp_path / "bulk", trekkingen=0, timeout=10,
        )  # fmt: skip


def test_bulk_sjabloon():
    echt = "https://datasets.cbs.nl/csv/CBS/nl/{tabel}"
    assert vs.bulk_sjabloon("https://opendata.cbs.nl") == echt  # other host than OData
    assert vs.bulk_sjabloon("http://127.0.0.1:8123") == "http://127.0.0.1:8123/csv/CBS/nl/{tabel}"
    assert vs.bulk_sjabloon("https://opendata.cbs.nl", "x/{tabel}") == "x/{tabel}"

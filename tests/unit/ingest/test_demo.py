"""The demo structure within a real gemeente's numbers: rescaling and growth, known values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.ingest import demo, demo_herschaling, kwb, kwb_lezen
from pipeline.ingest.gemeentebevolking import parse_03759ned
from pipeline.ingest.primos import read_primos

JAAR = 2024


def _template() -> pd.DataFrame:
    # Two sexes and their totaal at ages 10 (band 0-14), 40 (15-64) and 70 (65+).
    rows = [
        ("man", 10, 10.0),
        ("vrouw", 10, 10.0),
        ("totaal", 10, 20.0),
        ("man", 40, 30.0),
        ("vrouw", 40, 30.0),
        ("totaal", 40, 60.0),
        ("man", 70, 5.0),
        ("vrouw", 70, 15.0),
        ("totaal", 70, 20.0),
    ]
    df = pd.DataFrame(rows, columns=["geslacht", "leeftijd_van", "aantal"])
    df.insert(0, "gemeentecode", "GM9999")
    df.insert(1, "jaar", JAAR)
    df.insert(4, "leeftijd_tot", pd.array(df["leeftijd_van"], dtype="Int64"))
    return df


def _regios() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["GM0001", "BU00010001", "GM0002"],
            "niveau": ["gemeente", "buurt", "gemeente"],
            "gemeentecode": ["GM0001", "GM0001", "GM0002"],
            "inwoners": [100.0, 100.0, 50.0],
            "k_0_14": [40.0, 40.0, 10.0],
            "k_65plus": [np.nan, np.nan, 50.0],
        }
    )


def test_rescale_to_kwb_all_known_numbers():
    out = demo_herschaling.rescale_to_kwb_all(_template(), _regios())
    assert out["gemeentecode"].tolist() == ["GM0001"] * 9 + ["GM0002"] * 9
    assert out.index.equals(pd.RangeIndex(18))
    # GM0001: 0-14 to 40 (x2); 65+ unknown, so 15-64 and 65+ share the other 60 (x0.75).
    # GM0002: 0-14 to 10 (x0.5), 65+ to 50 (x2.5); nothing is left for 15-64 (clipped at 0).
    expected = [20, 20, 40, 22.5, 22.5, 45, 3.75, 11.25, 15]
    expected += [5, 5, 10, 0, 0, 0, 12.5, 37.5, 50]
    assert out["aantal"].tolist() == expected


def test_rescale_to_kwb_is_a_batch_of_one_that_keeps_the_frame():
    bev = _template().assign(gemeentecode="GM0002")
    bev["gemeentecode"] = bev["gemeentecode"].astype(object)
    bev.index = range(10, 19)
    one = demo_herschaling.rescale_to_kwb(bev, _regios()[lambda d: d["gemeentecode"] == "GM0002"])
    assert one.index.equals(bev.index)
    assert list(one.dtypes) == list(bev.dtypes)
    batch = demo_herschaling.rescale_to_kwb_all(_template(), _regios())
    np.testing.assert_array_equal(one["aantal"], batch["aantal"].to_numpy()[9:])


def _forecast_template() -> pd.DataFrame:
    # Growth 2024 -> 2030: man 0-49 x1.1, 50+ x1.5; vrouw 0-49 x0.9, 50+ x1.25.
    rows = [
        (JAAR, "man", 0, 49, 100.0),
        (JAAR, "man", 50, None, 50.0),
        (JAAR, "vrouw", 0, 49, 100.0),
        (JAAR, "vrouw", 50, None, 80.0),
        (2030, "man", 0, 49, 110.0),
        (2030, "man", 50, None, 75.0),
        (2030, "vrouw", 0, 49, 90.0),
        (2030, "vrouw", 50, None, 100.0),
    ]
    df = pd.DataFrame(rows, columns=["jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"])
    df["leeftijd_tot"] = df["leeftijd_tot"].astype("Int64")
    df.insert(0, "gemeentecode", "GM9999")
    return df


def _base() -> pd.DataFrame:
    rows = []
    for gm, man, vrouw in (
        ("GM0001", (20, 20, 10), (30, 10, 40)),
        ("GM0002", (1, 2, 3), (4, 5, 6)),
    ):
        for sex, counts in (("man", man), ("vrouw", vrouw)):
            for (van, tot), n in zip(((0, 24), (25, 49), (50, None)), counts, strict=True):
                rows.append((gm, JAAR, sex, van, tot, float(n)))
        # totaal rows are not used: the growth is per sex.
        rows.append((gm, JAAR, "totaal", 0, None, 1e6))
    df = pd.DataFrame(
        rows, columns=["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    )
    df["leeftijd_tot"] = df["leeftijd_tot"].astype("Int64")
    return df


def test_apply_demo_growth_all_known_numbers():
    out = demo_herschaling.apply_demo_growth_all(_forecast_template(), _base(), JAAR)
    assert out["gemeentecode"].tolist() == ["GM0001"] * 8 + ["GM0002"] * 8
    got = out.set_index(["gemeentecode", "jaar", "geslacht", "leeftijd_van"])["aantal"]
    # The base year is the real base in the forecast's classes ...
    assert got.loc[("GM0001", JAAR)].tolist() == [40, 10, 40, 40]
    assert got.loc[("GM0002", JAAR)].tolist() == [3, 3, 9, 6]
    # ... and later years that base times the demo's growth.
    assert got.loc[("GM0001", 2030)].tolist() == pytest.approx([44, 15, 36, 50], rel=1e-15)
    assert got.loc[("GM0002", 2030)].tolist() == pytest.approx([3.3, 4.5, 8.1, 7.5], rel=1e-15)


def test_apply_demo_growth_is_a_batch_of_one_that_keeps_the_frame():
    fc = _forecast_template().assign(gemeentecode="GM0002")
    fc["gemeentecode"] = fc["gemeentecode"].astype(object)
    base = _base()[lambda d: d["gemeentecode"] == "GM0002"]
    one = demo_herschaling.apply_demo_growth(fc, base, JAAR)
    assert list(one.dtypes) == list(fc.dtypes) and one.index.equals(fc.index)
    batch = demo_herschaling.apply_demo_growth_all(_forecast_template(), _base(), JAAR)
    np.testing.assert_array_equal(one["aantal"], batch["aantal"].to_numpy()[8:])


# Values computed by the per-gemeente rules before the national and per-gemeente
# implementations were merged (issue 13); they must not change.
KNOWN = {
    "GM0226": {
        "leeftijd_80": (58.4799176107106, 172.06591143151388, 113.58599382080328),
        "leeftijd_40": (197.5689436492118, 382.15890559884036, 184.58996194962856),
        "groei_2040_85": (293.9740473738413, 317.47847579814623),
    },
    "GM0150": {
        "leeftijd_80": (213.24819773429454, 627.4418125643666, 414.1936148300721),
        "leeftijd_40": (841.535966660627, 1627.7885486501177, 786.2525819894909),
        "groei_2040_85": (1071.9822863027805, 1157.691658084449),
    },
}


@pytest.fixture(scope="module")
def real_demo(real_kwb_path: Path, tmp_path_factory: pytest.TempPathFactory):
    raw = kwb_lezen.read_kwb(real_kwb_path)
    regios = kwb.normalize_all(
        pd.concat([kwb.select_gemeente(raw, g, "kwb") for g in KNOWN], ignore_index=True), "kwb"
    )
    rows, dim = demo.bevolking_raw(JAAR)
    template = parse_03759ned(rows, dim, JAAR, [demo.DEMO_GEMEENTE], bron="demo")
    pop = demo_herschaling.rescale_to_kwb_all(template, regios)
    path = tmp_path_factory.mktemp("demo") / "prognose_primos.csv"
    demo.prognose_primos(JAAR, [2030, 2040]).to_csv(path, index=False)
    fc = demo_herschaling.apply_demo_growth_all(read_primos(path, [demo.DEMO_GEMEENTE]), pop, JAAR)
    return regios, pop, fc


@pytest.mark.parametrize("gemeente", list(KNOWN))
def test_real_gemeente_keeps_kwb_bands_and_known_numbers(real_demo, gemeente):
    regios, pop, fc = real_demo
    gm = regios[regios["code"] == gemeente].iloc[0]
    p = pop[pop["gemeentecode"] == gemeente]
    mv = p[p["geslacht"].isin(["man", "vrouw"])]
    # The real totals: CBS's inwoners, 0-14 and 65+; the structure within them is fictief.
    assert mv["aantal"].sum() == pytest.approx(gm["inwoners"], rel=1e-14)
    assert mv.loc[mv["leeftijd_van"] <= 14, "aantal"].sum() == pytest.approx(
        gm["k_0_14"], rel=1e-14
    )
    assert mv.loc[mv["leeftijd_van"] >= 65, "aantal"].sum() == pytest.approx(
        gm["k_65plus"], rel=1e-14
    )
    for leeftijd in (80, 40):
        got = p.loc[p["leeftijd_van"] == leeftijd, "aantal"].tolist()  # man, totaal, vrouw
        assert got == pytest.approx(KNOWN[gemeente][f"leeftijd_{leeftijd}"], rel=1e-13)
    f = fc[(fc["gemeentecode"] == gemeente) & (fc["jaar"] == 2040) & (fc["leeftijd_van"] == 85)]
    assert f["aantal"].tolist() == pytest.approx(KNOWN[gemeente]["groei_2040_85"], rel=1e-13)

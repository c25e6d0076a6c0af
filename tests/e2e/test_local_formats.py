"""All-local sources in their documented layouts: BRP per buurt, Primos XLSX, RIVM 50120NED."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import demo
from pipeline.sources.cbs_tables import raw_gezondheidsmonitor
from tests.e2e.conftest import make_workdir, snakemake, write_config

pytestmark = pytest.mark.e2e
GM = demo.DEMO_GEMEENTE


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    wd = make_workdir(tmp_path_factory.mktemp("lokaal"))
    files = wd / "invoer"
    files.mkdir()
    # StatLine export with ';' separator.
    demo.kwb_table().to_csv(files / "kwb.csv", index=False, sep=";")
    demo.write_geometry(files / "buurten.gpkg")
    truth = demo.true_population()
    brp = truth.rename(columns={"leeftijd": "leeftijd_raw"})
    brp["leeftijd"] = np.where(brp.leeftijd_raw >= 100, "100+", brp.leeftijd_raw.astype(str))
    brp[["buurtcode", "leeftijd", "geslacht", "aantal"]].to_csv(
        files / "brp.csv", index=False, sep=";"
    )
    demo.prognose_primos(2024, [2030, 2035, 2040]).to_excel(files / "primos.xlsx", index=False)
    # The 50120NED edition names its columns differently (suffixes, ErnstigZeerErnstig...).
    health = demo.gezondheid_raw()
    tidy = pd.DataFrame(
        {
            "code": health["WijkenEnBuurten"].str.strip(),
            "jaar": 2022,
            "eenzaam_pct": pd.to_numeric(health["Eenzaam_25"], errors="coerce"),
        }
    )
    raw_gezondheidsmonitor(tidy, suffixen="50120NED").to_csv(files / "rivm.csv", index=False)
    cfg = {
        "bronnen": {
            "kwb": {"type": "lokaal", "pad": str(files / "kwb.csv")},
            "geometrie": {"type": "lokaal", "pad": str(files / "buurten.gpkg")},
            "bevolking": {"type": "brp", "pad": str(files / "brp.csv")},
            "prognose": {"type": "primos", "pad": str(files / "primos.xlsx")},
            "gezondheidsmonitor": {"type": "lokaal", "pad": str(files / "rivm.csv")},
        },
        "vouwkaart": {"formaten": ["A3"]},
    }
    target = f"reports/{GM}/indicatoren_{GM}.csv"
    res = snakemake(wd, target, configfile=write_config(wd, "lokaal.yaml", cfg))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    return wd, truth, tidy


def test_brp_is_used_directly_not_estimated(local_build):
    wd, truth, _ = local_build
    t = pd.read_csv(wd / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    b = t[(t.jaar == 2024) & (t.niveau == "buurt")].set_index("code")
    true85 = truth[truth.leeftijd >= 85].groupby("buurtcode")["aantal"].sum()
    for code, n in true85.items():
        if b.loc[code, "status"] == "te weinig inwoners":
            continue
        assert b.loc[code, "aantal_85plus"] == 5 * round(n / 5), code
    # A care-home buurt: the BRP shows what the KWB-based estimate cannot.
    assert b.loc["BU99990205", "aandeel_85plus"] > 20


def test_primos_xlsx_drives_the_horizon(local_build):
    wd, _, _ = local_build
    t = pd.read_csv(wd / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    g = t[t.niveau == "gemeente"].set_index("jaar")
    primos = demo.prognose_primos(2024, [2040])
    expected = primos[primos.Jaar == 2040]["Aantal personen"].sum()
    assert abs(g.loc[2040, "inwoners"] - expected) <= 5


def test_loneliness_from_50120_layout(local_build):
    wd, _, tidy = local_build
    t = pd.read_csv(wd / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    base = t[t.jaar == 2024].set_index("code")
    want = tidy.set_index("code")["eenzaam_pct"].dropna()
    for code, pct in want.items():
        assert base.loc[code, "eenzaam_pct"] == pytest.approx(pct), code
    assert (base["eenzaamheid_jaar"].dropna() == 2022).all()

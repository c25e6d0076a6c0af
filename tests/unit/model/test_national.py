"""National indicators in one pass, checked against the per-gemeente path on the real KWB subset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.ingest import demo, demo_herschaling, kwb, kwb_lezen
from pipeline.ingest.gemeentebevolking import parse_03759ned
from pipeline.ingest.prevalentie import read_prevalentie
from pipeline.ingest.primos import read_primos
from pipeline.model import estimate, forecast, indicators, intervals, national, project, registry

REPO = Path(__file__).resolve().parents[3]
#: Duiven (the brief's example), Amsterdam (largest, letters in its codes), Groningen (first
#: by code) and Almere (a buurt whose known bands exceed its inwoners: rest band clipped).
COMPARED = ["GM0226", "GM0363", "GM0014", "GM0034"]


@pytest.fixture(scope="module")
def setup(real_kwb_path):
    cfg = national.load_config(REPO / "config" / "config.yaml")
    cfg["bronnen"]["bevolking"] = {"type": "demo"}
    cfg["bronnen"]["prognose"] = {"type": "demo"}
    cfg["bronnen"]["gezondheidsmonitor"] = {"type": "geen"}
    prev = read_prevalentie(REPO / cfg["indicatoren"]["dementie_prevalentie"])
    reg = registry.registry_from_config(cfg, cfg["indicatoren"]["dementie_bron"])
    s = indicators.settings_from_config(cfg)
    raw = kwb_lezen.read_kwb(real_kwb_path)
    return cfg, raw, prev, reg, s


@pytest.fixture(scope="module")
def table(setup):
    cfg, raw, prev, reg, s = setup
    return national.national_indicators(
        raw, None, prev, reg, s, horizon=cfg["horizon"], source="kwb"
    )


def per_gemeente(setup, gemeente: str, tmp: Path) -> pd.DataFrame:
    """The per-gemeente path: the functions the job steps call, in the same order."""
    cfg, raw, prev, reg, s = setup
    jaar, horizon = int(cfg["jaar"]), list(cfg["horizon"])
    # fetch_kwb + prepare_regions
    regios = kwb.normalize_kwb(kwb.select_gemeente(raw, gemeente, "kwb"), gemeente, "kwb")
    # fetch_population (demo) + prepare_population
    rows, dim = demo.bevolking_raw(jaar)
    rows["RegioS"] = gemeente
    gem = parse_03759ned(rows, dim, jaar, [gemeente], bron="demo")
    gem = demo_herschaling.rescale_to_kwb(gem, regios)
    # fetch_forecast (demo, stored as CSV) + prepare_forecast
    fc_rows = demo.prognose_primos(jaar, horizon)
    fc_rows["Gemeente"] = gemeente
    fc_path = tmp / f"prognose_{gemeente}.csv"
    fc_rows.to_csv(fc_path, index=False)
    fc = demo_herschaling.apply_demo_growth(read_primos(fc_path, [gemeente]), gem, jaar)
    prognose, _ = forecast.gemeente_forecast(fc, gem, jaar, horizon)
    # estimate_population + project_population
    buurten = regios[regios["niveau"] == "buurt"]
    base = estimate.estimate_buurt_ages(buurten, gem).copy()
    marges = base.attrs["diagnostiek"].marges
    base.attrs = {}
    bev = project.project_buurten(base, prognose, jaar, horizon)
    bev.attrs = {}
    # compute_indicators (source 'geen': an empty loneliness table)
    bev_gem = pd.concat([gem, prognose], ignore_index=True)
    q = indicators.assemble(regios, bev, bev_gem, None, prev, s)
    table = indicators.publish(indicators.derive(q, s), reg, s)
    return table.assign(marges=intervals.marges_column(table["code"], marges, "ipf"))


def test_normalize_all_equals_per_gemeente(setup):
    _, raw, *_ = setup
    regios = kwb.normalize_all(raw, "kwb")
    parts = [kwb.normalize_kwb(raw, g, "kwb") for g in kwb.gemeente_codes(raw)]
    pd.testing.assert_frame_equal(regios, pd.concat(parts, ignore_index=True))


def test_one_sex_partition_keeps_sexes_else_totaal():
    bev = pd.DataFrame(
        {
            "code": ["A", "A", "A", "B", "B", "C", "C", "D"],
            "jaar": [2024, 2024, 2024, 2024, 2030, 2024, 2024, 2030],
            "geslacht": ["man", "vrouw", "totaal", "totaal", "totaal", "man", "totaal", "totaal"],
            "aantal": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    kept = indicators.one_sex_partition(bev)
    # A: both sexes -> no totaal; B: only totaal (both years); C: a sex -> no totaal.
    assert kept["aantal"].tolist() == [1.0, 2.0, 4.0, 5.0, 6.0, 8.0]


def test_every_buurt_once_and_kwb_65plus_kept(setup, table):
    cfg, raw, *_ = setup
    regios = kwb.normalize_all(raw, "kwb")
    kwb_buurten = regios[regios["niveau"] == "buurt"].set_index("code")
    assert len(kwb_buurten) == 14_574
    assert table["gemeentecode"].nunique() == 342
    for jaar, part in table.groupby("jaar"):
        buurten = part[part["niveau"] == "buurt"]
        assert not buurten["code"].duplicated().any(), jaar
        assert set(buurten["code"]) == set(kwb_buurten.index), jaar
    base = table[(table["jaar"] == int(cfg["jaar"])) & (table["niveau"] == "buurt")]
    base = base.set_index("code")
    measured = kwb_buurten["k_65plus"].dropna()
    # Every published buurt 65+ of the base year is CBS's own number, in every gemeente.
    np.testing.assert_array_equal(
        base.loc[measured.index, "aantal_65plus"].to_numpy(), measured.to_numpy()
    )
    assert (
        base.loc[measured.index, "gemeentecode"] == kwb_buurten.loc[measured.index, "gemeentecode"]
    ).all()


@pytest.mark.parametrize("gemeente", COMPARED)
def test_gemeente_equals_per_gemeente_path(setup, table, gemeente, tmp_path):
    expected = per_gemeente(setup, gemeente, tmp_path)
    got = table[table["gemeentecode"] == gemeente].reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    # Same functions, bigger arrays: sums over groups may round differently in the last
    # bit (measured: at most 7e-16 relative). Anything beyond that is a real difference.
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=0)


def test_base_year_only_is_the_base_rows_of_the_full_table(setup, table):
    cfg, raw, prev, reg, s = setup
    base_only = national.national_indicators(raw, None, prev, reg, s, source="kwb")
    full_base = table[table["jaar"] == int(cfg["jaar"])].reset_index(drop=True)
    assert base_only["jaar"].unique().tolist() == [int(cfg["jaar"])]
    pd.testing.assert_frame_equal(
        base_only.reset_index(drop=True), full_base, check_exact=False, rtol=1e-12
    )


def test_command_line_writes_parquet(real_kwb_path, tmp_path, capsys):
    out = tmp_path / "nl.parquet"
    assert national.main(["--kwb", str(real_kwb_path), "--uit", str(out)]) == 0
    t = pd.read_parquet(out)
    assert t["gemeentecode"].nunique() == 342
    assert "342 gemeenten" in capsys.readouterr().out

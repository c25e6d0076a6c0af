"""One build path over a batch of gemeenten, on the real KWB subset (all 342 gemeenten)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.ingest import demo, kwb, kwb_lezen
from pipeline.ingest.prevalentie import read_prevalentie
from pipeline.model import batch, batch_inputs, indicators, registry
from pipeline.workflow import config as wcfg

REPO = Path(__file__).resolve().parents[3]
#: Duiven (the brief's example), Amsterdam (largest, letters in its codes), Groningen (first
#: by code) and Almere (a buurt whose known bands exceed its inwoners: rest band clipped).
COMPARED = ["GM0226", "GM0363", "GM0014", "GM0034"]
GEEN_SCHATTING = {"trekkingen": 0, "trekkingen_toekomst": 0, "spreiding": 0.0, "zaad": 1}


@pytest.fixture(scope="module")
def setup(real_kwb_path):
    cfg = wcfg.load_config(REPO / "config" / "config.yaml")
    prev = read_prevalentie(REPO / cfg["indicatoren"]["dementie_prevalentie"])
    reg = registry.registry_from_config(cfg, cfg["indicatoren"]["dementie_bron"])
    s = indicators.settings_from_config(cfg)
    return cfg, prev, reg, s


def build(setup, kwb_file: Path, gemeenten: list[str], schatting: dict, **files) -> pd.DataFrame:
    """The build step's calls (jobs_build.build) on one batch with the demo sources."""
    cfg, prev, reg, s = setup
    horizon = list(cfg["horizon"])
    regios = batch_inputs.read_regions([(str(kwb_file), gemeenten)])
    _, res = batch.compute_from_sources(
        regios,
        {"bevolking": "demo", "prognose": "demo"},
        files.get("bevolking", []),
        files.get("prognose", []),
        [],
        prev,
        reg,
        s,
        horizon=horizon,
        schatting=schatting,
        ontbrekende_buurten="fout",
    )
    return res.indicatoren


@pytest.fixture(scope="module")
def table(setup, real_kwb_path):
    gemeenten = kwb.gemeente_codes(kwb_lezen.read_kwb(real_kwb_path))
    return build(setup, real_kwb_path, gemeenten, GEEN_SCHATTING)


def test_normalize_all_equals_per_gemeente(real_kwb_path):
    raw = kwb_lezen.read_kwb(real_kwb_path)
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


def test_every_buurt_once_and_kwb_65plus_kept(setup, table, real_kwb_path):
    cfg = setup[0]
    regios = kwb.normalize_all(kwb_lezen.read_kwb(real_kwb_path), "kwb")
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


def test_a_gemeente_gets_the_same_numbers_in_any_batch(setup, real_kwb_path):
    # berekening per_gemeente (a batch of one) or in_een_keer (many): the same numbers,
    # intervals included (draws are seeded per gemeente).
    schatting = {"trekkingen": 5, "trekkingen_toekomst": 5, "spreiding": 0.3, "zaad": 7}
    together = build(setup, real_kwb_path, COMPARED, schatting)
    for gm in COMPARED:
        alone = build(setup, real_kwb_path, [gm], schatting)
        got = together[together["gemeentecode"] == gm].reset_index(drop=True)
        assert list(got.columns) == list(alone.columns)
        assert got["marges"].tolist() == alone["marges"].tolist()
        # Same functions, bigger arrays: sums over groups may round differently in the
        # last bit (pandas adds a group in another order when other groups share the
        # frame). Anything beyond that is a real difference.
        pd.testing.assert_frame_equal(got, alone, check_exact=False, rtol=1e-12, atol=0)


def test_fetched_demo_files_equal_the_generated_demo(setup, real_kwb_path, tmp_path):
    # A batch of one reads the demo files the fetch rules wrote (relabelled to the real
    # gemeente); a batch of many generates them. Both must give the same numbers.
    cfg = setup[0]
    jaar, horizon = int(cfg["jaar"]), list(cfg["horizon"])
    gm = "GM0226"
    rows, dim = demo.bevolking_raw(jaar)
    rows["RegioS"] = gm
    pop_csv, dim_csv = tmp_path / "bevolking.csv", tmp_path / "bevolking_leeftijd.csv"
    rows.to_csv(pop_csv, sep=";", index=False)
    dim.to_csv(dim_csv, index=False)
    fc_rows = demo.prognose_primos(jaar, horizon)
    fc_rows["Gemeente"] = gm
    fc_csv = tmp_path / "prognose.csv"
    fc_rows.to_csv(fc_csv, index=False)
    fetched = build(
        setup,
        real_kwb_path,
        [gm],
        GEEN_SCHATTING,
        bevolking=[(str(pop_csv), str(dim_csv), [gm])],
        prognose=[(str(fc_csv), [gm])],
    )
    generated = build(setup, real_kwb_path, [gm], GEEN_SCHATTING)
    pd.testing.assert_frame_equal(fetched, generated, check_exact=False, rtol=1e-12, atol=0)


def test_an_estimate_warning_is_reported_once_with_draws(setup, real_kwb_path, caplog):
    # The draws re-run each gemeente's estimate after the point estimates; what the inputs
    # give to warn about (Almere: a buurt whose known bands exceed its inhabitants) must
    # reach the log once, not once per pass.
    with caplog.at_level(logging.WARNING, logger="pipeline.model"):
        build(
            setup,
            real_kwb_path,
            ["GM0034"],
            {"trekkingen": 3, "trekkingen_toekomst": 3, "spreiding": 1.0, "zaad": 1},
        )
    hits = [r for r in caplog.records if "restband op 0" in r.getMessage()]
    assert len(hits) == 1, [r.getMessage() for r in hits]


def test_interval_tasks_are_self_contained_and_give_the_same_numbers(setup, real_kwb_path):
    # A batch of several gemeenten hands its per-gemeente interval tasks to ``run_all``
    # (render workers in a national build). A task must carry everything it needs (here:
    # sent through pickle, as to a worker) and the table must not depend on where it ran.
    import pickle

    cfg, prev, reg, s = setup
    schatting = {"trekkingen": 5, "trekkingen_toekomst": 3, "spreiding": 0.3, "zaad": 7}
    sent: list[int] = []

    def elsewhere(task, argsets):
        sent.append(len(argsets))
        return [pickle.loads(pickle.dumps(task(*pickle.loads(pickle.dumps(a))))) for a in argsets]

    def compute(gemeenten, run_all):
        regios = batch_inputs.read_regions([(str(real_kwb_path), gemeenten)])
        _, res = batch.compute_from_sources(
            regios, {"bevolking": "demo", "prognose": "demo"}, [], [], [], prev, reg, s,
            horizon=list(cfg["horizon"]), schatting=schatting, ontbrekende_buurten="fout",
            run_all=run_all,
        )  # fmt: skip
        return res.indicatoren

    here = compute(COMPARED[:2], None)
    there = compute(COMPARED[:2], elsewhere)
    assert sent == [2]
    pd.testing.assert_frame_equal(here, there)
    assert here.filter(like="_laag").notna().any().any()
    # One gemeente has nothing to spread: it runs here, without the round trip.
    compute(COMPARED[:1], elsewhere)
    assert sent == [2]

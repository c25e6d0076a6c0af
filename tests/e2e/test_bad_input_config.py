"""Bad configuration stops before anything runs, in Dutch, and leaves a finished build alone.

Every case runs against a copy of a finished demo build: before issue 14 several of these
published stale or wrong numbers with exit code 0 ("Nothing to be done"), or deleted the old
report before failing at render time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    assert_dutch_failure,
    make_workdir,
    snakemake,
    snapshot,
    write_config,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gebouwd(demo_build, tmp_path_factory) -> Path:
    """A private copy of the finished demo build (the shared one stays untouched)."""
    wd = tmp_path_factory.mktemp("config_fout") / "wd"
    shutil.copytree(demo_build, wd, symlinks=True)
    assert list((wd / "reports").rglob("*.html")), "the demo build made no report"
    return wd


def _assert_clear_failure(res, *fragments: str) -> None:
    assert_dutch_failure(res.returncode, res.stdout + res.stderr, *fragments)


CASES = {
    "band_achteruit": (
        {"indicatoren": {"mantelzorg_van": [64, 50]}},
        ("indicatoren.mantelzorg_van", "loopt achteruit", "[50, 64]"),
    ),
    "band_buiten_bereik": (
        {"indicatoren": {"mantelzorg_van": [200, 300]}},
        ("indicatoren.mantelzorg_van", "buiten 0-105"),
    ),
    "oudste_groep_negatief": (
        {"indicatoren": {"mantelzorg_ouderen_vanaf": -1}},
        ("indicatoren.mantelzorg_ouderen_vanaf", "veelvoud van 5"),
    ),
    "horizon_leeg": ({"horizon": []}, ("'horizon'", "leeg", "horizon: [2030]")),
    "hoofdindicator_onbekend": (
        {"vouwkaart": {"hoofdindicator": "aandeel65plus"}},
        ("vouwkaart.hoofdindicator", "Bedoelt u 'aandeel_65plus'"),
    ),
    "weging_onbekend": (
        {"rapport": {"weging": {"eenzaamheid": 2}}},
        ("rapport.weging.eenzaamheid", "eenzaam_pct"),
    ),
    "weging_tekst": (
        {"rapport": {"weging": {"eenzaam_pct": "veel"}}},
        ("rapport.weging.eenzaam_pct", "'veel' is geen getal"),
    ),
    "weging_nul": (
        {"rapport": {"weging": {"eenzaam_pct": 0}}},
        ("rapport.weging", "Alle gewichten"),
    ),
    "prevalentie_weg": (
        {"indicatoren": {"dementie_prevalentie": "config/prevalentie_weg.csv"}},
        ("indicatoren.dementie_prevalentie = config/prevalentie_weg.csv", "Bestand niet gevonden"),
    ),
    "landelijk_weg": (
        {"indicatoren": {"dementie_landelijk": "elders/landelijk.csv"}},
        ("indicatoren.dementie_landelijk = elders/landelijk.csv",),
    ),
    "kwb_bestand_weg": (
        {"bronnen": {"kwb": {"type": "lokaal", "pad": "kwb_weg.csv"}}},
        ("bronnen.kwb.pad = kwb_weg.csv",),
    ),
    "brp_zonder_pad": (
        {"bronnen": {"bevolking": {"type": "brp"}}},
        ("bronnen.bevolking.pad", "geen bestand opgegeven"),
    ),
    "schema_engels": (
        {"vouwkaart": {"klassen": "vijf", "classificatie": "quantiles"}},
        ("vouwkaart.klassen", "'vijf' is geen geheel getal"),
    ),
    "schema_enum": (
        {"vouwkaart": {"classificatie": "quantile"}},
        ("vouwkaart.classificatie", "Bedoelt u 'quantiles'?"),
    ),
}


@pytest.mark.parametrize("naam", sorted(CASES))
def test_bad_config_after_a_build(gebouwd, naam):
    cfg, fragments = CASES[naam]
    before = snapshot(gebouwd)
    res = snakemake(gebouwd, configfile=write_config(gebouwd, f"fout_{naam}.yaml", cfg))
    _assert_clear_failure(res, *fragments)
    err = res.stdout + res.stderr
    assert "is not of type" not in err and "is not one of" not in err
    assert snapshot(gebouwd) == before, "a failed configuration changed the build"


def test_yaml_error_in_the_default_config_names_the_line(tmp_path):
    wd = make_workdir(tmp_path)
    cfg = wd / "config" / "config.yaml"
    lines = cfg.read_text(encoding="utf-8").splitlines()
    nr = next(i for i, line in enumerate(lines) if line.startswith("gemeenten:"))
    lines[nr] = "gemeenten: [GM9999"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = snakemake(wd)
    _assert_clear_failure(res, "config/config.yaml", "geen geldige YAML", f"regel {nr + 1}")
    assert not (wd / "reports").exists() or not list((wd / "reports").rglob("*"))


def _precheck(wd: Path, *args: str) -> subprocess.CompletedProcess:
    """The Dutch pre-check of a snakemake command line (``python -m pipeline.workflow.config``)."""
    cmd = [sys.executable, "-m", "pipeline.workflow.config", *args]
    return subprocess.run(cmd, cwd=wd, capture_output=True, text=True, timeout=120)


def test_broken_configfile_is_reported_in_dutch_with_line(tmp_path):
    # Snakemake reads --configfile in its command line, before the Snakefile runs, so the
    # Dutch message comes from the pre-check a wrapper runs first (see pipeline.workflow.config.main).
    wd = make_workdir(tmp_path)
    (wd / "config" / "kapot.yaml").write_text("jaar: 2024\nhorizon: [2030\n", encoding="utf-8")
    res = _precheck(wd, "--cores", "2", "--configfile", "config/kapot.yaml")
    _assert_clear_failure(res, "config/kapot.yaml", "regel 3", "begonnen op regel 2")
    assert "FOUT:" in res.stderr


def test_missing_configfile_is_reported_in_dutch(tmp_path):
    wd = make_workdir(tmp_path)
    res = _precheck(wd, "--configfile", "config/bestaat_niet.yaml")
    _assert_clear_failure(res, "Configuratiebestand niet gevonden: config/bestaat_niet.yaml")
    ok = _precheck(wd, "--configfile", "config/config.yaml")
    assert ok.returncode == 0, ok.stderr

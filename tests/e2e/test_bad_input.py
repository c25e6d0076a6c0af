"""Bad input stops the pipeline with an actionable message and no partial outputs."""

from __future__ import annotations

import json

import pytest

from pipeline.ingest import demo
from tests.e2e.conftest import make_workdir, snakemake, write_config

pytestmark = pytest.mark.e2e


def _outputs(wd):
    return (
        [p for p in (wd / "reports").rglob("*") if p.is_file()] if (wd / "reports").exists() else []
    )


def test_misspelled_config_key(tmp_path):
    wd = make_workdir(tmp_path)
    cfg = write_config(wd, "fout.yaml", {"vouwkaart": {"klasen": 4}})
    res = snakemake(wd, "-n", configfile=cfg)
    assert res.returncode != 0
    err = res.stdout + res.stderr
    assert "vouwkaart.klasen" in err and "klassen" in err
    assert "Traceback (most recent call last)" not in err


def test_unknown_gemeente_in_demo_source(tmp_path):
    wd = make_workdir(tmp_path)
    cfg = write_config(wd, "fout.yaml", {"gemeenten": ["GM9990"]})
    res = snakemake(wd, configfile=cfg)
    assert res.returncode != 0
    assert "GM9990 komt niet voor" in res.stderr and "GM9999" in res.stderr
    assert not _outputs(wd)
    assert not list((wd / "data").rglob("*GM9990*.csv"))


def _geometry_with_wrong_year(path):
    """Demo buurten with one buurt missing and one code from another year."""
    gdf = demo.buurt_geometry()
    gdf = gdf[gdf.statcode != "BU99990104"].copy()
    gdf.loc[gdf.statcode == "BU99990103", "statcode"] = "BU99990199"
    gdf.to_file(path, layer="buurt_gegeneraliseerd", driver="GPKG")


def test_geometry_year_mismatch_fails_then_warns(tmp_path):
    wd = make_workdir(tmp_path)
    gpkg = wd / "buurten_ander_jaar.gpkg"
    _geometry_with_wrong_year(gpkg)
    base = {
        "bronnen": {"geometrie": {"type": "lokaal", "pad": str(gpkg)}},
        "vouwkaart": {"formaten": ["A3"]},
    }
    res = snakemake(wd, configfile=write_config(wd, "fout.yaml", base))
    assert res.returncode != 0
    for code in ("BU99990103", "BU99990104", "BU99990199"):
        assert code in res.stderr
    assert "geometrie_controle: waarschuwing" in res.stderr
    assert not _outputs(wd)
    assert not (wd / "data/processed/GM9999/buurten.gpkg").exists()

    ok = dict(base, geometrie_controle="waarschuwing")
    res = snakemake(wd, configfile=write_config(wd, "ok.yaml", ok))
    assert res.returncode == 0, res.stderr[-3000:]
    meta = json.loads((wd / "data/processed/GM9999/bronnen.json").read_text())["GM9999"]
    assert any("BU99990104" in w for w in meta["waarschuwingen"])
    page = (wd / "reports/GM9999/wijkscan_GM9999.html").read_text(encoding="utf-8")
    assert "BU99990104" in page  # the report names what is missing from the map


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00 kapot"])
def test_corrupt_geopackage(tmp_path, content):
    wd = make_workdir(tmp_path)
    gpkg = wd / "kapot.gpkg"
    gpkg.write_bytes(content)
    cfg = write_config(
        wd, "fout.yaml", {"bronnen": {"geometrie": {"type": "lokaal", "pad": str(gpkg)}}}
    )
    res = snakemake(wd, configfile=cfg)
    assert res.returncode != 0
    assert "kapot.gpkg" in res.stderr and "Oplossing" in res.stderr
    assert (
        not list((wd / "data/raw/lokaal").glob("geometrie_*.gpkg"))
        if (wd / "data/raw/lokaal").exists()
        else True
    )
    assert not _outputs(wd)


def test_renamed_column_in_local_kwb(tmp_path):
    wd = make_workdir(tmp_path)
    csv = wd / "kwb_eigen.csv"
    demo.kwb_table().rename(columns={"AantalInwoners_5": "Inwoners_5"}).to_csv(csv, index=False)
    cfg = write_config(wd, "fout.yaml", {"bronnen": {"kwb": {"type": "lokaal", "pad": str(csv)}}})
    res = snakemake(wd, configfile=cfg)
    assert res.returncode != 0
    assert "AantalInwoners" in res.stderr and "kwb_eigen.csv" in res.stderr
    assert not (wd / "data/processed/GM9999/regios.parquet").exists()

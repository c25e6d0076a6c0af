from __future__ import annotations

import copy

import pytest
import yaml

from pipeline import config as wcfg
from pipeline.errors import WijkscanError

REPO_CONFIG = wcfg.SCHEMA_PATH.parent / "config.yaml"


def _base() -> dict:
    return yaml.safe_load(REPO_CONFIG.read_text())


def test_shipped_configs_are_valid():
    for name in (
        "config.yaml",
        "voorbeeld_lokaal.yaml",
        "voorbeeld_online.yaml",
        "voorbeeld_regio.yaml",
        "landelijk.yaml",
    ):
        wcfg.check(yaml.safe_load((wcfg.SCHEMA_PATH.parent / name).read_text()))


def test_every_schema_key_has_description_and_default():
    schema = wcfg.load_schema()

    def walk(node, path):
        for key, sub in node.get("properties", {}).items():
            assert "description" in sub, f"{path}{key} lacks a description"
            assert "default" in sub or key == "type", f"{path}{key} lacks a default"
            if "$ref" in sub:
                sub = schema["$defs"][sub["$ref"].split("/")[-1]]
            walk(sub, f"{path}{key}.")

    walk(schema, "")


def test_misspelled_key_names_path_and_suggestion():
    cfg = _base()
    cfg["bronnen"]["kwb"] = {"typ": "demo"}
    with pytest.raises(WijkscanError) as exc:
        wcfg.check(cfg)
    msg = str(exc.value)
    assert "bronnen.kwb.typ" in msg and "type" in msg


def test_misspelled_top_level_key():
    cfg = _base()
    cfg["horizonn"] = [2030]
    with pytest.raises(WijkscanError, match="horizon"):
        wcfg.check(cfg)


def test_bad_gemeente_code_is_reported_with_path():
    cfg = _base()
    cfg["gemeenten"] = ["GM226"]
    with pytest.raises(WijkscanError, match="gemeenten.0"):
        wcfg.check(cfg)


def test_a_name_instead_of_a_code_gets_a_dutch_fix():
    cfg = _base()
    cfg["gemeenten"] = ["GM0226", "Rozendaal"]
    with pytest.raises(WijkscanError) as exc:
        wcfg.check(cfg)
    text = str(exc.value)
    assert "'Rozendaal' is geen gemeentecode" in text and "niet de naam" in text
    assert "does not match" not in text


def test_false_from_the_command_line_explains_the_spelling():
    # snakemake --config alle_gemeenten=false passes the string 'false'.
    cfg = _base()
    cfg["alle_gemeenten"] = "false"
    with pytest.raises(WijkscanError) as exc:
        wcfg.check(cfg)
    text = str(exc.value)
    assert "'false' is tekst" in text
    assert "--config alle_gemeenten=False" in text


@pytest.mark.parametrize(
    "kind,src",
    [("bevolking", "brp"), ("kwb", "cbs"), ("gezondheidsmonitor", "cbs"), ("prognose", "cbs")],
)
def test_one_pass_refuses_per_gemeente_sources(kind, src):
    cfg = _base()
    cfg["berekening"] = "in_een_keer"
    cfg["bronnen"]["kwb"] = {"type": "lokaal", "pad": "kwb.csv"}
    cfg["bronnen"]["geometrie"] = {"type": "lokaal", "pad": "buurten.gpkg"}
    cfg["bronnen"]["gezondheidsmonitor"] = {"type": "geen"}
    cfg["bronnen"][kind] = {"type": src, "pad": "bestand.csv"}
    with pytest.raises(WijkscanError) as exc:
        wcfg.check(cfg)
    msg = str(exc.value)
    assert f"bronnen.{kind}.type" in msg and "per_gemeente" in msg, msg


def test_one_pass_accepts_national_files():
    cfg = _base()
    cfg["berekening"] = "in_een_keer"
    cfg["bronnen"] = {
        "kwb": {"type": "lokaal", "pad": "kwb.csv"},
        "geometrie": {"type": "cbs"},
        "bevolking": {"type": "lokaal", "pad": "03759ned.csv"},
        "prognose": {"type": "primos", "pad": "primos.xlsx"},
        "gezondheidsmonitor": {"type": "lokaal", "pad": "50150NED.csv"},
    }
    wcfg.check(cfg)


def test_local_source_without_path_is_an_error():
    cfg = _base()
    full = copy.deepcopy(cfg)
    full["bronnen"]["kwb"] = {"type": "lokaal"}
    with pytest.raises(WijkscanError, match="bronnen.kwb.pad"):
        wcfg.local_input(full, "kwb")


def test_raw_paths_carry_table_and_period():
    cfg = _base()
    cfg.setdefault("cbs", {})["kwb_tabellen"] = {"2024": "85984NED"}
    cfg["cbs"].update(
        bevolking_tabel="03759ned", prognose_tabel="85171NED", gezondheid_tabel="50150NED"
    )
    p = wcfg.raw_path(cfg, "kwb", "GM0226")
    assert p == "data/raw/demo/kwb_85984NED_2024_GM0226.csv"


def test_a_missing_local_file_is_named_before_anything_runs(tmp_path):
    cfg = _base()
    (tmp_path / "kwb.csv").write_text("x", encoding="utf-8")
    cfg["bronnen"]["kwb"] = {"type": "lokaal", "pad": "kwb.csv"}
    cfg["bronnen"]["geometrie"] = {"type": "lokaal", "pad": "nl2023/buurten.gpkg"}
    cfg["bronnen"]["bevolking"] = {"type": "demo"}
    with pytest.raises(WijkscanError) as exc:
        wcfg.check_local_files(cfg, base=tmp_path)
    text = str(exc.value)
    assert "bronnen.geometrie.pad = nl2023/buurten.gpkg" in text
    assert "bronnen.kwb" not in text.split("Waar")[0]
    assert str(tmp_path) in text
    (tmp_path / "nl2023").mkdir()
    (tmp_path / "nl2023" / "buurten.gpkg").write_text("x", encoding="utf-8")
    wcfg.check_local_files(cfg, base=tmp_path)

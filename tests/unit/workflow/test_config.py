from __future__ import annotations

import copy
import re

import pytest
import yaml

from pipeline.errors import WijkscanError
from pipeline.workflow import config as wcfg

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
    with pytest.raises(WijkscanError, match="gemeenten, item 1"):
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
def test_one_pass_reads_per_gemeente_sources_from_their_fetched_files(kind, src):
    # Online tables and BRP extracts are fetched per gemeente; the one batch reads them all.
    cfg = _base()
    cfg["berekening"] = "in_een_keer"
    cfg["bronnen"]["kwb"] = {"type": "lokaal", "pad": "kwb.csv"}
    cfg["bronnen"]["geometrie"] = {"type": "lokaal", "pad": "buurten.gpkg"}
    cfg["bronnen"]["gezondheidsmonitor"] = {"type": "geen"}
    cfg["bronnen"][kind] = {"type": src, "pad": "bestand.csv"}
    wcfg.check(cfg)
    full = wcfg.with_defaults(cfg)
    gms = ["GM0226", "GM0150"]
    assert wcfg.batches(full, gms) == {wcfg.SAMEN: gms}
    files = wcfg.build_files(full, kind, wcfg.SAMEN, gms)
    assert files == [wcfg.raw_path(full, kind, gm) for gm in gms]
    assert wcfg.per_gemeente_files(full, kind, wcfg.SAMEN)
    # The national KWB file is read once, not per gemeente.
    if kind != "kwb":
        assert wcfg.build_files(full, "kwb", wcfg.SAMEN, gms) == ["kwb.csv"]


def test_a_batch_of_one_gemeente_reads_its_fetched_extracts():
    cfg = wcfg.with_defaults(_base())
    assert wcfg.batches(cfg, ["GM0226", "GM0150"]) == {"GM0226": ["GM0226"], "GM0150": ["GM0150"]}
    assert wcfg.batch_file(cfg, "GM0226", "indicatoren.parquet") == (
        "data/processed/GM0226/indicatoren.parquet"
    )
    for kind in ("kwb", "geometrie", "bevolking", "prognose"):
        assert wcfg.build_files(cfg, kind, "GM0226", ["GM0226"]) == [
            wcfg.raw_path(cfg, kind, "GM0226")
        ]


def test_a_large_batch_generates_the_demo_population_and_forecast():
    cfg = wcfg.with_defaults({**_base(), "berekening": "in_een_keer"})
    cfg["bronnen"]["bevolking"] = {"type": "demo"}
    cfg["bronnen"]["prognose"] = {"type": "demo"}
    assert wcfg.build_files(cfg, "bevolking", wcfg.SAMEN, ["GM0226", "GM0150"]) == []
    assert wcfg.build_files(cfg, "prognose", wcfg.SAMEN, ["GM0226", "GM0150"]) == []
    assert wcfg.batch_file(cfg, "GM0226", "bronnen.json") == "data/processed/samen/bronnen.json"


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


def _indicator_files(cfg: dict, where) -> None:
    """Point the indicator files at copies in ``where`` (they are checked like sources)."""
    for key in wcfg.INDICATOR_FILES:
        (where / f"{key}.csv").write_text("x", encoding="utf-8")
        cfg["indicatoren"][key] = f"{key}.csv"


def test_a_missing_local_file_is_named_before_anything_runs(tmp_path):
    cfg = _base()
    (tmp_path / "kwb.csv").write_text("x", encoding="utf-8")
    cfg["bronnen"]["kwb"] = {"type": "lokaal", "pad": "kwb.csv"}
    cfg["bronnen"]["geometrie"] = {"type": "lokaal", "pad": "nl2023/buurten.gpkg"}
    cfg["bronnen"]["bevolking"] = {"type": "demo"}
    _indicator_files(cfg, tmp_path)
    with pytest.raises(WijkscanError) as exc:
        wcfg.check_local_files(cfg, base=tmp_path)
    text = str(exc.value)
    assert "bronnen.geometrie.pad = nl2023/buurten.gpkg" in text
    assert "bronnen.kwb" not in text.split("Waar")[0]
    assert str(tmp_path) in text
    (tmp_path / "nl2023").mkdir()
    (tmp_path / "nl2023" / "buurten.gpkg").write_text("x", encoding="utf-8")
    wcfg.check_local_files(cfg, base=tmp_path)


# ---------------------------------------------------------------- issue 14: config checks


def _raises(cfg: dict) -> str:
    with pytest.raises(WijkscanError) as exc:
        wcfg.check(cfg)
    return str(exc.value)


def _assert_dutch(text: str) -> None:
    """What / where / how to fix, and none of jsonschema's English."""
    assert "Waar:" in text and "Oplossing:" in text, text
    for english in (
        "is not of type",
        "is not one of",
        "is less than",
        "is greater than",
        "does not match",
        "is too short",
        "is too long",
        "Additional properties",
        "is a required property",
        "non-unique",
    ):
        assert english not in text, text


@pytest.mark.parametrize(
    "band,vanaf,fragment",
    [
        ([64, 50], 85, "loopt achteruit"),
        ([200, 300], 85, "buiten 0-105"),
        ([-5, 4], 85, "buiten 0-105"),
        ([50, 60], 85, "grenzen van de 5-jaarsklassen"),
        ([52, 64], 85, "[50, 64]"),
        ([50, 64], -1, "oudste groep (-1)"),
        ([50, 64], 87, "oudste groep (87)"),
        ([50, 89], 85, "overlappen"),
    ],
)
def test_mantelzorg_bands_are_checked(band, vanaf, fragment):
    cfg = _base()
    cfg["indicatoren"]["mantelzorg_van"] = band
    cfg["indicatoren"]["mantelzorg_ouderen_vanaf"] = vanaf
    text = _raises(cfg)
    assert fragment in text, text
    assert "indicatoren.mantelzorg" in text
    _assert_dutch(text)


@pytest.mark.parametrize("band,vanaf", [([50, 64], 85), ([50, 74], 85), ([0, 104], 105)])
def test_valid_mantelzorg_bands_pass(band, vanaf):
    cfg = _base()
    cfg["indicatoren"]["mantelzorg_van"] = band
    cfg["indicatoren"]["mantelzorg_ouderen_vanaf"] = vanaf
    wcfg.check(cfg)


def test_empty_horizon_is_refused_in_dutch():
    cfg = _base()
    cfg["horizon"] = []
    text = _raises(cfg)
    assert "'horizon'" in text and "leeg" in text and "horizon: [2030]" in text
    _assert_dutch(text)


def test_a_single_year_or_a_bad_item_is_explained_as_a_user_reads_it():
    """A new user wrote horizon: 2030 and got "2030\\n... is geen lijst" (YAML's
    end-of-document marker), and "horizon.1" for the second item."""
    with pytest.raises(WijkscanError) as exc:
        wcfg.check({"jaar": 2024, "gemeenten": ["GM9999"], "horizon": 2030})
    text = str(exc.value)
    assert "'horizon': 2030 is geen lijst." in text and "..." not in text
    assert "bijvoorbeeld horizon: [2030]" in text
    with pytest.raises(WijkscanError, match="'horizon, item 2': '2035 2040' is geen geheel"):
        wcfg.check({"jaar": 2024, "gemeenten": ["GM9999"], "horizon": [2030, "2035 2040"]})
    # The example is the list the user meant, never the bad value in brackets.
    for value, voorbeeld in (
        (None, "horizon: [2030, 2035, 2040]"),
        ("2030, 2035", "horizon: [2030, 2035]"),
    ):
        with pytest.raises(WijkscanError, match=re.escape(voorbeeld)):
            wcfg.check({"jaar": 2024, "gemeenten": ["GM9999"], "horizon": value})
    with pytest.raises(WijkscanError, match=re.escape("gemeenten: [GM0226]")):
        wcfg.check({"jaar": 2024, "gemeenten": "gm226"})


def test_horizon_before_the_peiljaar_is_refused():
    cfg = _base()
    cfg["horizon"] = [2024, 2030]
    text = _raises(cfg)
    assert "2024" in text and "na het peiljaar" in text
    _assert_dutch(text)


def test_unknown_hoofdindicator_suggests_registry_keys():
    cfg = _base()
    cfg["vouwkaart"]["hoofdindicator"] = "aandeel_65_plus"
    text = _raises(cfg)
    assert "vouwkaart.hoofdindicator" in text and "'aandeel_65plus'" in text
    _assert_dutch(text)


@pytest.mark.parametrize(
    "weging,fragment",
    [
        ({"aandeel_75_plus": 1}, "'aandeel_75plus'"),
        ({"aandeel_75plus": 0}, "Alle gewichten"),
        ({}, "Alle gewichten"),
    ],
)
def test_weging_is_checked_against_the_registry(weging, fragment):
    cfg = _base()
    cfg["rapport"] = {"weging": weging}
    text = _raises(cfg)
    assert fragment in text and "rapport.weging" in text, text
    _assert_dutch(text)


def test_weging_of_an_indicator_without_direction_is_refused():
    from pipeline.model.registry import registry_from_config

    full = copy.deepcopy(_base())
    full = wcfg.with_defaults(full)
    neutraal = [k for k, i in registry_from_config(full).items() if not i.richting]
    assert neutraal, "the registry has no neutral indicator to test with"
    cfg = _base()
    cfg["rapport"] = {"weging": {neutraal[0]: 1}}
    text = _raises(cfg)
    assert "geen richting" in text and f"rapport.weging.{neutraal[0]}" in text


def test_negative_weight_is_a_dutch_schema_error():
    cfg = _base()
    cfg["rapport"] = {"weging": {"aandeel_75plus": -1}}
    text = _raises(cfg)
    assert "rapport.weging.aandeel_75plus" in text and "minstens 0" in text
    _assert_dutch(text)


def test_missing_indicator_files_are_checked(tmp_path):
    cfg = _base()
    _indicator_files(cfg, tmp_path)
    wcfg.check_local_files(cfg, base=tmp_path)
    (tmp_path / "dementie_prevalentie.csv").unlink()
    with pytest.raises(WijkscanError) as exc:
        wcfg.check_local_files(cfg, base=tmp_path)
    text = str(exc.value)
    assert "indicatoren.dementie_prevalentie = dementie_prevalentie.csv" in text
    assert "dementie_landelijk" not in text


def test_a_directory_is_not_a_file(tmp_path):
    cfg = _base()
    _indicator_files(cfg, tmp_path)
    (tmp_path / "map").mkdir()
    cfg["bronnen"]["kwb"] = {"type": "lokaal", "pad": "map"}
    with pytest.raises(WijkscanError, match="dat is een map"):
        wcfg.check_local_files(cfg, base=tmp_path)


def test_local_source_without_file_is_caught_up_front(tmp_path):
    cfg = _base()
    _indicator_files(cfg, tmp_path)
    cfg["bronnen"]["bevolking"] = {"type": "brp", "pad": None}
    with pytest.raises(WijkscanError, match="bronnen.bevolking.pad"):
        wcfg.check_local_files(cfg, base=tmp_path)


@pytest.mark.parametrize(
    "tekst,regel",
    [
        ("gemeenten: [GM9999\njaar: 2024\n", "regel 2"),
        ("jaar: 2024\nvouwkaart:\n\tklassen: 4\n", "regel 3"),
        ("jaar: 2024\nhorizon: 2030: 2040\n", "regel 2"),
    ],
)
def test_yaml_error_names_file_and_line(tmp_path, tekst, regel):
    path = tmp_path / "kapot.yaml"
    path.write_text(tekst, encoding="utf-8")
    with pytest.raises(WijkscanError) as exc:
        wcfg.read_configfile(path)
    text = str(exc.value)
    assert "kapot.yaml" in text and regel in text and "geen geldige YAML" in text, text
    _assert_dutch(text)


def test_unclosed_bracket_names_where_it_began(tmp_path):
    path = tmp_path / "kapot.yaml"
    path.write_text("jaar: 2024\ngemeenten: [GM9999\nhorizon: [2030]\n", encoding="utf-8")
    with pytest.raises(WijkscanError, match="begonnen op regel 2"):
        wcfg.read_configfile(path)


def test_missing_configfile_and_non_mapping(tmp_path):
    with pytest.raises(WijkscanError, match="Configuratiebestand niet gevonden"):
        wcfg.read_configfile(tmp_path / "bestaat_niet.yaml")
    lijst = tmp_path / "lijst.yaml"
    lijst.write_text("- GM0226\n", encoding="utf-8")
    with pytest.raises(WijkscanError, match="geen sleutels met waarden"):
        wcfg.read_configfile(lijst)
    leeg = tmp_path / "leeg.yaml"
    leeg.write_text("", encoding="utf-8")
    assert wcfg.read_configfile(leeg) == {}


def test_configfiles_are_found_on_the_command_line():
    argv = [
        "snakemake",
        "--cores",
        "2",
        "--configfile",
        "a.yaml",
        "b.yaml",
        "-n",
        "--configfile=c.yaml",
        "--configfiles",
        "d.yaml",
    ]
    assert wcfg.configfile_args(argv) == ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]


def test_precheck_command_prints_dutch_and_fails(tmp_path, capsys):
    assert wcfg.main(["--configfile", str(tmp_path / "weg.yaml")]) == 1
    err = capsys.readouterr().err
    assert "FOUT: Configuratiebestand niet gevonden" in err and "Oplossing:" in err
    ok = tmp_path / "ok.yaml"
    ok.write_text("jaar: 2024\n", encoding="utf-8")
    assert wcfg.main(["-n", "--configfile", str(ok)]) == 0


@pytest.mark.parametrize(
    "path,value,fragment",
    [
        (("vouwkaart", "klassen"), "vijf", "'vijf' is geen geheel getal"),
        (("vouwkaart", "klassen"), 12, "hoogstens 9"),
        (("vouwkaart", "klassen"), 1, "minstens 2"),
        (("vouwkaart", "classificatie"), "quantile", "Bedoelt u 'quantiles'?"),
        (("geometrie_controle",), "warning", "Kies een van: fout, waarschuwing"),
        (("cbs", "kwb_tabellen"), {"2024": "85984"}, "patroon"),
        (("vouwkaart", "formaten"), ["A5"], "Kies een van: A1, A3, A4"),
        (("indicatoren", "mantelzorg_van"), [50], "minstens 2 elementen"),
        (("gemeenten",), [], "minstens 1 element"),
        (("gemeenten",), ["GM9999", "GM9999"], "dubbele waarden"),
        (("bronnen", "kwb"), {"pad": "x.csv"}, "verplichte sleutel 'type' ontbreekt"),
    ],
)
def test_schema_reasons_are_dutch(path, value, fragment):
    cfg = _base()
    node = cfg
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    text = _raises(cfg)
    assert fragment in text, text
    _assert_dutch(text)


def _kwb_csv(tmp_path):
    """A small local KWB file: two gemeenten (and the national row)."""
    path = tmp_path / "kwb.csv"
    path.write_text(
        "WijkenEnBuurten,Naam,AantalInwoners_5\n"
        "NL01,Nederland,17942942\n"
        "GM0226,Duiven,24872\n"
        "GM0228,Ede,122000\n"
        "GM0373,Bergen (NH.),30000\n"
        "GM0893,Bergen (L.),13000\n",
        encoding="utf-8",
    )
    return {"jaar": 2024, "bronnen": {"kwb": {"type": "lokaal", "pad": str(path)}}}


def test_an_unknown_gemeente_code_is_refused_with_names(tmp_path):
    cfg = _kwb_csv(tmp_path) | {"gemeenten": ["GM0227"]}
    with pytest.raises(WijkscanError) as exc:
        wcfg.check_gemeenten(cfg, tmp_path)
    text = str(exc.value)
    assert "GM0227 komt niet voor" in text and "kwb.csv" in text
    assert "GM0226 is Duiven" in text and "GM0228 is Ede" in text
    assert "gemeenten:" in text  # a name may be written instead
    wcfg.check_gemeenten(_kwb_csv(tmp_path) | {"gemeenten": ["GM0226"]}, tmp_path)


def test_the_demo_source_knows_only_its_own_gemeente(tmp_path):
    cfg = {"jaar": 2024, "gemeenten": ["GM0000"], "bronnen": {"kwb": {"type": "demo"}}}
    with pytest.raises(WijkscanError, match="alleen GM9999 \\(Voorbeeldwaard\\)"):
        wcfg.check_gemeenten(cfg, tmp_path)


def test_an_online_source_is_checked_once_its_national_rows_are_cached(tmp_path):
    cfg = {"jaar": 2024, "gemeenten": ["GM0000"], "bronnen": {"kwb": {"type": "cbs"}}}
    wcfg.check_gemeenten(cfg, tmp_path)  # nothing local yet: the fetch step decides
    raw = tmp_path / "data/raw/cbs/kwb_85984NED_2024_NL01.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("WijkenEnBuurten,Naam\nNL01,Nederland\nGM0226,Duiven\n", encoding="utf-8")
    with pytest.raises(WijkscanError, match="GM0000 komt niet voor in CBS-tabel 85984NED"):
        wcfg.check_gemeenten(cfg, tmp_path)


def test_names_become_codes(tmp_path):
    cfg = _kwb_csv(tmp_path) | {"gemeenten": ["Duiven", " ede ", "GM0228"]}
    lines = wcfg.resolve_gemeente_names(cfg, tmp_path)
    assert cfg["gemeenten"] == ["GM0226", "GM0228", "GM0228"]
    assert lines[0].startswith("wijkscan: gemeente 'Duiven' is GM0226")
    wcfg.check(cfg | {"gemeenten": ["GM0226", "GM0228"]})


@pytest.mark.parametrize(
    ("naam", "fragment"),
    [("Duivn", "Bedoelt u: Duiven is GM0226?"), ("Bergen", "Bergen (NH.) is GM0373")],
)
def test_unknown_or_shared_names_are_refused_with_codes(tmp_path, naam, fragment):
    cfg = _kwb_csv(tmp_path) | {"gemeenten": [naam]}
    with pytest.raises(WijkscanError) as exc:
        wcfg.resolve_gemeente_names(cfg, tmp_path)
    assert fragment in str(exc.value) and "Oplossing" in str(exc.value)


@pytest.mark.parametrize("entry", ["GM226", "gm0226", "GM 226"])
def test_a_code_written_another_way_gets_the_right_code(tmp_path, entry):
    """A new user typed GM226 and got "geen gemeentecode en geen gemeente" with no hint."""
    cfg = _kwb_csv(tmp_path) | {"gemeenten": [entry]}
    with pytest.raises(WijkscanError, match=r"Bedoelt u GM0226 \(Duiven\)\?"):
        wcfg.resolve_gemeente_names(cfg, tmp_path)
    # Without a local source the schema check says it.
    online = {"jaar": 2024, "gemeenten": [entry], "bronnen": {"kwb": {"type": "cbs"}}}
    with pytest.raises(WijkscanError, match="Bedoelt u GM0226\\?"):
        wcfg.check(online)


def test_the_demo_code_with_a_real_source_says_how_to_get_the_demo(tmp_path):
    cfg = _kwb_csv(tmp_path) | {"gemeenten": ["GM9999"]}
    with pytest.raises(WijkscanError, match="fictieve demogemeente Voorbeeldwaard"):
        wcfg.check_gemeenten(cfg, tmp_path)


def test_without_a_local_source_names_are_left_to_the_schema(tmp_path):
    cfg = {"jaar": 2024, "gemeenten": ["Duiven"], "bronnen": {"kwb": {"type": "cbs"}}}
    assert wcfg.resolve_gemeente_names(cfg, tmp_path) == []
    with pytest.raises(WijkscanError, match="geen gemeentecode"):
        wcfg.check(cfg)


def test_the_gemeente_list_is_read_once_per_file_version(tmp_path, monkeypatch):
    cfg = _kwb_csv(tmp_path) | {"gemeenten": ["GM0226"]}
    wcfg.check_gemeenten(cfg, tmp_path)
    from pipeline.ingest import kwb

    monkeypatch.setattr(kwb, "read_kwb", lambda p: pytest.fail("read again"))
    wcfg.check_gemeenten(cfg, tmp_path)
    assert list((tmp_path / wcfg.GEMEENTEN_CACHE).glob("gemeenten_*.json"))


# ------------------------------------------------------- defaults: only in config/schema.yaml


@pytest.mark.parametrize(
    "name",
    ["config.yaml", "voorbeeld_lokaal.yaml", "voorbeeld_regio.yaml", "landelijk.yaml"],
)
def test_with_defaults_is_what_snakemake_validate_makes(name):
    from snakemake.utils import validate

    cfg = yaml.safe_load((wcfg.SCHEMA_PATH.parent / name).read_text())
    full = wcfg.with_defaults(cfg)
    validate(cfg, str(wcfg.SCHEMA_PATH))  # fills in place
    assert full == cfg


def test_with_defaults_never_shares_the_schema_defaults():
    first = wcfg.with_defaults({"gemeenten": ["GM0226"], "jaar": 2024})
    first["rapport"]["weging"]["aandeel_75plus"] = 99
    first["horizon"].append(2099)
    again = wcfg.with_defaults({"gemeenten": ["GM0226"], "jaar": 2024})
    assert again["rapport"]["weging"]["aandeel_75plus"] != 99 and 2099 not in again["horizon"]


def test_schema_default_reads_the_schema():
    schema = wcfg.load_schema()
    assert wcfg.schema_default("jaar") == schema["properties"]["jaar"]["default"]
    bron = schema["$defs"]["bron"]["properties"]["type"]["default"]
    assert wcfg.schema_default("bronnen", "kwb", "type") == bron
    assert wcfg.schema_default("bestaat", "niet") is None


def test_load_config_fills_defaults_and_speaks_dutch(tmp_path):
    full = wcfg.load_config(REPO_CONFIG)
    assert full == wcfg.with_defaults(_base())
    assert full["indicatoren"]["mantelzorg_van"] == wcfg.schema_default(
        "indicatoren", "mantelzorg_van"
    )
    with pytest.raises(WijkscanError, match="Configuratiebestand niet gevonden"):
        wcfg.load_config(tmp_path / "weg.yaml")
    fout = tmp_path / "fout.yaml"
    fout.write_text("gemeenten: [GM0226]\njaar: 2024\nhorizonn: [2030]\n")
    with pytest.raises(WijkscanError, match="horizon"):
        wcfg.load_config(fout)


def test_the_band_limits_are_those_of_the_age_classes():
    from pipeline.model import ages

    assert wcfg.MAX_LEEFTIJD == ages.MAX_AGE


def test_a_peiljaar_without_kwb_table_is_refused_before_anything_runs():
    """A new user set jaar: 2025 (the schema allows it): the build failed halfway in
    English, after Snakemake had removed the previous report. Now the check refuses it."""
    cfg = _base()
    cfg["jaar"] = 2025
    text = _raises(cfg)
    _assert_dutch(text)
    assert "Geen KWB-tabel bekend voor peiljaar 2025" in text
    assert "sleutel jaar" in text and "2024" in text


@pytest.mark.parametrize(
    "kind,pad,jaar,ok",
    [
        ("kwb", "../shared/data/real/nl2024/kwb_2024_85984NED_subset.csv", 2023, False),
        ("geometrie", "data/buurt_2024_gegeneraliseerd.gpkg", 2023, False),
        ("kwb", "../shared/data/real/nl2024/kwb_2024_85984NED_subset.csv", 2024, True),
        ("kwb", "nl2023/kwb.csv", 2024, True),  # only the file's own name counts
        ("geometrie", "buurten_v20240101.gpkg", 2023, True),  # a date stamp is no year
        ("kwb", "kwb_2023_2024.csv", 2024, True),
    ],
)
def test_a_local_file_that_names_another_year_is_refused(kind, pad, jaar, ok):
    """A 2024 KWB file and 2024 buurt boundaries read with jaar: 2023 built without
    complaint and were labelled as the 2023 table; data and geometry year must match."""
    cfg = _base()
    cfg["jaar"] = jaar
    cfg["cbs"] = {"kwb_tabellen": {"2023": "85618NED", "2024": "85984NED"}}
    cfg["bronnen"][kind] = {"type": "lokaal", "pad": pad}
    cfg["bronnen"]["kwb_aanvulling"] = {"type": "geen"}
    if ok:
        wcfg.check(cfg)
        return
    text = _raises(cfg)
    _assert_dutch(text)
    assert f"maar het peiljaar is {jaar}" in text and f"bronnen.{kind}.pad" in text


def test_a_code_written_as_a_number_is_explained_as_the_user_typed_it():
    """gemeenten: [0226] said "150 is geen tekst": YAML reads 0226 as the octal 150."""
    cfg = _base()
    cfg["gemeenten"] = yaml.safe_load("[0226]")
    assert cfg["gemeenten"] == [150]
    text = _raises(cfg)
    _assert_dutch(text)
    assert "150 is een getal, geen gemeentecode" in text
    assert "Staat er 0226, dan bedoelt u GM0226" in text and "(0226 wordt 150)" in text
    assert "Bedoelt u GM0150?" in text
    cfg["gemeenten"] = [226]
    assert "Bedoelt u GM0226?" in _raises(cfg)


def test_a_code_without_gm_gets_the_code_suggested():
    cfg = _base()
    cfg["gemeenten"] = ["0226"]
    text = _raises(cfg)
    assert "Bedoelt u GM0226" in text


def test_a_misindented_block_is_named_in_dutch(tmp_path):
    """PyYAML's "expected <block end>, but found '<block mapping start>'" reached a user."""
    path = tmp_path / "kapot.yaml"
    path.write_text("bronnen:\n  kwb: {type: demo}\n   geometrie: {type: demo}\n", "utf-8")
    with pytest.raises(WijkscanError) as exc:
        wcfg.read_configfile(path)
    assert "inspringing klopt niet" in str(exc.value) and "<block" not in str(exc.value)


def test_a_source_type_offers_only_the_types_of_that_input():
    """'prognose: {type: lokal}' listed brp and geen, which the prognose then refuses."""
    cfg = _base()
    cfg["bronnen"]["prognose"] = {"type": "lokal"}
    text = _raises(cfg)
    assert "Kies een van: cbs, lokaal, demo, primos." in text and "brp" not in text

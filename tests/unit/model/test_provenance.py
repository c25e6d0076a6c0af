"""Provenance records: real sources name their publisher and table, demo sources do not."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipeline.model import provenance, registry
from pipeline.present import vouwgegevens
from pipeline.present.report.verantwoording import verantwoording
from pipeline.workflow import config as wcfg

REPO = Path(__file__).resolve().parents[3]


def _config(**types: str) -> dict:
    cfg = wcfg.load_config(REPO / "config" / "config.yaml")
    for kind, typ in types.items():
        cfg["bronnen"][kind] = {"type": typ}
    return cfg


def _meta(tmp_path: Path, cfg: dict) -> dict:
    raw = {}
    for kind in ("kwb", "bevolking", "prognose", "gezondheidsmonitor"):
        raw[kind] = tmp_path / f"{kind}.csv"
        raw[kind].write_text("x\n", encoding="utf-8")
    ids = {"kwb": "85984NED", "bevolking": "03759ned", "prognose": "primos",
           "gezondheidsmonitor": "50150NED"}  # fmt: skip
    return provenance.build_meta(
        "GM0226", "Duiven", cfg, {k: str(v) for k, v in raw.items()}, ids, [], "bron",
        today=dt.date(2026, 11, 26),
    )  # fmt: skip


def test_demo_sources_name_no_publisher_table_or_licence(tmp_path: Path) -> None:
    cfg = _config(kwb="lokaal", bevolking="demo", prognose="demo", gezondheidsmonitor="geen")
    meta = _meta(tmp_path, cfg)
    by_kind = {b["onderwerp"]: b for b in meta["bronnen"]}
    kwb = by_kind["Kerncijfers wijken en buurten"]
    assert (kwb["uitgever"], kwb["tabel"], kwb["licentie"]) == ("CBS", "85984NED", "CC BY 4.0")
    prog = by_kind["Regionale bevolkingsprognose"]
    # Was 'CBS/PBL', table 'primos', CC BY 4.0: generated numbers passed off as published.
    assert (prog["uitgever"], prog["tabel"], prog["licentie"]) == (provenance.DEMO_UITGEVER, "", "")
    assert prog["type_label"] == "fictief (demo)"
    assert meta["fictief"] and meta["fictief_onderdelen"] == ["bevolking", "prognose"]
    # 'geen' is not a source at all.
    assert "Gezondheid per wijk en buurt (eenzaamheid)" not in by_kind
    json.dumps(meta)  # bronnen.json stays serialisable


def test_licensed_sources_keep_their_publisher(tmp_path: Path) -> None:
    cfg = _config(kwb="cbs", bevolking="cbs", prognose="primos", gezondheidsmonitor="cbs")
    meta = _meta(tmp_path, cfg)
    by_kind = {b["onderwerp"]: b for b in meta["bronnen"]}
    prog = by_kind["Regionale bevolkingsprognose"]
    assert (prog["uitgever"], prog["tabel"], prog["licentie"]) == (
        "ABF Research (Primos)", "primos", "zie leverancier",
    )  # fmt: skip
    assert by_kind["Bevolking naar leeftijd en geslacht"]["tabel"] == "03759ned"
    assert not meta["fictief"]


def test_report_and_vouwkaart_do_not_credit_demo_numbers(tmp_path: Path) -> None:
    cfg = _config(kwb="lokaal", bevolking="demo", prognose="demo", gezondheidsmonitor="geen")
    meta = _meta(tmp_path, cfg)
    line = vouwgegevens.source_line(meta)
    assert "CBS/PBL" not in line and "PBL" not in line and "primos" not in line
    assert provenance.DEMO_UITGEVER in line
    # Only the licensed source is a rights holder.
    assert line.endswith("Licentie: CC BY 4.0 CBS.")
    rows = verantwoording(
        registry.registry_from_config(cfg), meta, {"min_inwoners": 50, "afronding": 5}
    )["bronnen"]
    prog = next(r for r in rows if r["onderwerp"] == "Regionale bevolkingsprognose")
    assert (prog["uitgever"], prog["tabel"], prog["type"]) == (
        provenance.DEMO_UITGEVER, "", "fictief (demo)",
    )  # fmt: skip


def test_indicator_sources_name_no_cbs_table_for_demo_ages() -> None:
    demo = registry.registry_from_config(_config(bevolking="demo", prognose="demo"))
    cbs = registry.registry_from_config(_config(bevolking="cbs", prognose="cbs"))
    bron_demo = " ".join(i.bron for i in demo.values())
    bron_cbs = " ".join(i.bron for i in cbs.values())
    assert "03759ned" not in bron_demo and "85171NED" not in bron_demo
    assert "fictief (demo)" in bron_demo
    assert "03759ned (CBS)" in bron_cbs and "85171NED (CBS)" in bron_cbs


def test_an_all_demo_source_line_claims_no_licence(tmp_path: Path) -> None:
    cfg = _config(kwb="demo", bevolking="demo", prognose="demo", gezondheidsmonitor="demo")
    line = vouwgegevens.source_line(_meta(tmp_path, cfg))
    assert line.startswith("Bronnen: wijkscan-demo (fictief) Kerncijfers wijken en buurten (2024);")
    assert line.endswith("Fictieve gegevens, zonder bronlicentie.")
    assert "CC BY" not in line and "CBS" not in line
    # Without any provenance the default open sources are named, as before.
    assert vouwgegevens.source_line({}).endswith("Licentie: CC BY 4.0 CBS/Kadaster/RIVM.")


def test_set_table_names_the_forecast_table_really_used():
    from pipeline.model.provenance import set_table

    meta = {
        "bronnen": [
            {"onderwerp": "Regionale bevolkingsprognose", "type": "lokaal", "tabel": "85171NED"},
            {"onderwerp": "Kerncijfers wijken en buurten", "type": "lokaal", "tabel": "85984NED"},
        ]
    }
    set_table(meta, "prognose", "84527NED, middenvariant")
    assert [b["tabel"] for b in meta["bronnen"]] == ["84527NED, middenvariant", "85984NED"]
    set_table(meta, "prognose", None)  # unknown: left as it was
    assert meta["bronnen"][0]["tabel"] == "84527NED, middenvariant"


def test_prognose_tabel_from_the_dimensions():
    from pipeline.ingest.prognose import prognose_tabel

    base = ["ID", "Leeftijd", "Perioden", "TotaleBevolking_1"]
    assert prognose_tabel([*base, "Geslacht", "RegioIndeling2021"]) == "85171NED"
    assert (
        prognose_tabel([*base, "PrognoseInterval", "RegioIndeling2021"])
        == "85173NED, middenvariant"
    )
    assert (
        prognose_tabel([*base, "PrognoseInterval", "RegioIndeling2018"])
        == "84527NED, middenvariant"
    )
    assert prognose_tabel([*base, "Gemeente"]) is None


def test_registry_names_the_forecast_table_of_the_gemeente():
    """Duiven's forecast came from 84527NED (a list of files): the sources say so."""
    import yaml
    from snakemake.utils import validate

    from pipeline.model.provenance import tables
    from pipeline.model.registry import registry_from_config

    repo = Path(__file__).resolve().parents[3]
    cfg = yaml.safe_load((repo / "config/voorbeeld_lokaal.yaml").read_text(encoding="utf-8"))
    validate(cfg, str(repo / "config/schema.yaml"))
    meta = {"bronnen": [{"invoer": "prognose", "tabel": "84527NED, middenvariant"}]}
    assert tables(meta) == {"prognose": "84527NED, middenvariant"}
    reg = registry_from_config(cfg, "x", tables(meta))
    assert "84527NED, middenvariant (lokaal bestand)" in reg["aantal_75plus"].bron
    assert "85171NED" not in reg["aantal_75plus"].bron
    assert "85171NED" in registry_from_config(cfg, "x")["aantal_75plus"].bron


def test_local_sources_record_the_users_own_file_and_its_hash(tmp_path: Path) -> None:
    eigen = tmp_path / "mijn_kwb.csv"
    eigen.write_text("eigen bestand\n", encoding="utf-8")
    cfg = _config(bevolking="demo", prognose="demo", gezondheidsmonitor="geen")
    cfg["bronnen"]["kwb"] = {"type": "lokaal", "pad": str(eigen)}
    meta = _meta(tmp_path, cfg)
    kwb = next(b for b in meta["bronnen"] if b["invoer"] == "kwb")
    assert kwb["invoerbestanden"] == [{"pad": str(eigen), "sha256": provenance.sha256(eigen)}]
    # The raw cache copy keeps its own hash; here it differs from the user's file.
    assert kwb["sha256"] != provenance.sha256(eigen)
    demo = next(b for b in meta["bronnen"] if b["invoer"] == "bevolking")
    assert demo["invoerbestanden"] == []


def test_local_source_with_several_files_hashes_each(tmp_path: Path) -> None:
    files = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for i, f in enumerate(files):
        f.write_text(f"{i}\n", encoding="utf-8")
    got = provenance.local_files({"type": "brp", "pad": [str(f) for f in files]})
    assert [g["sha256"] for g in got] == [provenance.sha256(f) for f in files]
    assert provenance.local_files({"type": "cbs"}) == []


def test_build_date_follows_source_date_epoch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # 2000-01-01 00:00 UTC
    raw = tmp_path / "kwb.csv"
    raw.write_text("x\n", encoding="utf-8")
    cfg = _config(bevolking="geen", prognose="geen", gezondheidsmonitor="geen", kwb="demo")
    meta = provenance.build_meta("GM9999", "Demo", cfg, {"kwb": str(raw)}, {}, [], "bron")
    assert meta["gebouwd"] == "2000-01-01"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert provenance.build_date() == dt.date.today()

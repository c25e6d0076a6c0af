"""README command 1: the demo build produces real, consistent outputs."""

from __future__ import annotations

import hashlib
import html
import json

import geopandas as gpd
import pandas as pd
import pypdf
import pytest
import yaml

from pipeline.ingest import demo
from pipeline.model import provenance

pytestmark = pytest.mark.e2e

GM = "GM9999"
MM = 72 / 25.4


def _pdf(path):
    reader = pypdf.PdfReader(str(path))
    box = reader.pages[0].mediabox
    return reader, float(box.width) / MM, float(box.height) / MM


def test_indicator_csv_is_consistent(demo_build):
    t = pd.read_csv(demo_build / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    assert t["let_op"].eq("FICTIEF — demogegevens").all()  # a shared CSV says so itself
    base = t[t.jaar == 2024]
    buurten = base[base.niveau == "buurt"]
    assert set(buurten.code) == {b.code for b in demo.BUURTEN}
    gm = base[base.niveau == "gemeente"].iloc[0]
    # KWB rounds buurt counts to 5: sums agree within 2.5 per buurt.
    assert abs(buurten.inwoners.sum() - gm.inwoners) <= 2.5 * len(buurten)
    small = buurten.set_index("code").loc["BU9999BG02"]
    assert small.status == "te weinig inwoners" and pd.isna(small.aandeel_65plus)
    for year in (2030, 2035, 2040):
        part = t[(t.jaar == year)]
        b = part[part.niveau == "buurt"]
        g = part[part.niveau == "gemeente"].iloc[0]
        # Every buurt has a number, or says why not (an estimate under 2.5 is not "0",
        # one resting on a secret 65+ is not shown).
        leeg = b.aantal_85plus.isna()
        assert b.loc[leeg, "opmerking"].str.contains("aantal_85plus: ").all()
        assert (b.aantal_85plus.dropna() % 5 == 0).all()  # estimates are rounded to 5
        assert abs(b.aantal_85plus.sum() - g.aantal_85plus) <= 2.5 * len(b) + 2.5
    # The demo is an ageing gemeente: 85+ grows towards the horizon.
    g = t[t.niveau == "gemeente"].set_index("jaar")
    assert g.loc[2040, "aantal_85plus"] > g.loc[2024, "aantal_85plus"]


def test_xlsx_and_gpkg_exports(demo_build):
    xl = pd.ExcelFile(demo_build / f"reports/{GM}/indicatoren_{GM}.xlsx")
    assert xl.sheet_names == ["Buurten", "Wijken", "Gemeente", "Toelichting", "Bronnen"]
    toel = pd.read_excel(xl, sheet_name="Toelichting")
    assert "mantelzorgpotentieel" in set(toel["Indicator (kolom)"])
    indicatoren = toel["Thema"] != "(geen indicator)"  # the other columns are explained after
    assert (toel.loc[indicatoren, "Let op"] == "FICTIEF: demogegevens").all()
    assert {"Status", "Opmerking"} <= set(toel.loc[~indicatoren, "Naam"])
    gdf = gpd.read_file(demo_build / f"reports/{GM}/indicatoren_{GM}.gpkg")
    assert len(gdf) == len(demo.BUURTEN)
    assert {"aandeel_65plus", "aandeel_65plus_2040", "mantelzorgpotentieel_2030"} <= set(
        gdf.columns
    )


def test_provenance_pins_raw_files(demo_build):
    meta = json.loads((demo_build / f"data/processed/{GM}/bronnen.json").read_text())[GM]
    assert meta["fictief"] is True
    assert {b["type"] for b in meta["bronnen"]} == {"demo"}
    assert len(meta["bronnen"]) == 5  # KWB, geometry, population, forecast, health
    # Generated numbers are not credited to CBS/PBL/RIVM or a table of theirs.
    for b in meta["bronnen"]:
        assert (b["uitgever"], b["tabel"], b["licentie"]) == (provenance.DEMO_UITGEVER, "", "")
    for b in meta["bronnen"]:
        raw = demo_build / b["bestand"]
        assert hashlib.sha256(raw.read_bytes()).hexdigest() == b["sha256"]


def test_report_html_and_pdf(demo_build):
    text = (demo_build / f"reports/{GM}/wijkscan_{GM}.html").read_text(encoding="utf-8")
    for b in demo.BUURTEN:
        assert b.naam in html.unescape(text), b.naam
    assert "Hofje & Co" not in text  # ... but only in escaped form
    assert "FICTIEF" in text and "85984NED" in text
    assert "Ter vergelijking: landelijke cijfers" in text and "290.000" in text
    assert "<script" not in text.lower()
    reader, w, h = _pdf(demo_build / f"reports/{GM}/wijkscan_{GM}.pdf")
    assert (round(w), round(h)) == (210, 297)
    assert len(reader.pages) > 5
    alltext = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "Samenvatting" in alltext and "Oude Kern" in alltext


@pytest.mark.parametrize(
    "formaat,size", [("A1", (841, 594)), ("A3", (420, 297)), ("A4", (210, 297))]
)
def test_vouwkaarten(demo_build, formaat, size):
    reader, w, h = _pdf(demo_build / f"reports/{GM}/vouwkaart_{GM}_{formaat}.pdf")
    assert (round(w), round(h)) == size
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "Voorbeeldwaard" in text
    if formaat == "A1":
        assert len(reader.pages) == 1
        # The report's questions (one list in the schema), including where to begin.
        for q in ("Waar ligt de grootste opgave?", "Met welke buurt beginnen we"):
            assert q in " ".join(text.split())
        assert "Bronnen: wijkscan-demo (fictief) Kerncijfers wijken en buurten (2024)" in text
        assert "zonder bronlicentie" in text


def test_report_of_the_demo_tables_names_every_buurt_and_quotes_the_table(demo_build):
    """The report rendered from the demo build's own tables (was a unit test that needed
    sample files at a fixed path outside the repository, so nobody else could run it)."""
    from pipeline.model import registry
    from pipeline.present import report, texts

    d = demo_build / "data/processed/GM9999"
    ind = pd.read_parquet(d / "indicatoren.parquet")
    geo = gpd.read_file(d / "buurten.gpkg", layer="buurten")
    m = json.loads((d / "bronnen.json").read_text(encoding="utf-8"))["GM9999"]
    # The registry the build stored beside the table (what every product reads)...
    reg = registry.read_registry(d / "register.json", "GM9999")
    # ...is the one the configuration and the sources of this build give.
    from snakemake.utils import validate

    from pipeline.model import provenance

    cfg = yaml.safe_load((demo_build / "config/config.yaml").read_text(encoding="utf-8"))
    validate(cfg, str(demo_build / "config/schema.yaml"))  # fills in the defaults
    assert reg == registry.registry_from_config(cfg, m["prevalentie_bron"], provenance.tables(m))
    xlsx = pd.read_excel(demo_build / "reports/GM9999/indicatoren_GM9999.xlsx", sheet_name=None)
    labels = " ".join(str(v) for df in xlsx.values() for v in df.to_numpy().ravel())
    assert all(i.label in labels for i in reg.values())
    page = html.unescape(report.render_html(ind, geo, reg, m, None, None))
    for naam in ind.loc[ind.niveau == "buurt", "naam"].unique():
        assert naam in page
    assert "FICTIEF" in page
    for b in texts.samenvatting(ind, reg, m["gemeentenaam"]):
        for c in b.cijfers:
            if not c.afgeleid:
                assert c.waarde == texts.opzoeken(ind, c.code, c.jaar, c.key)

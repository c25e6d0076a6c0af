from __future__ import annotations

import pandas as pd

from pipeline.model.registry import build_registry
from pipeline.present import region

REG = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


def _table(gm, naam, buurten):
    rows = [
        dict(code=gm, naam=naam, niveau="gemeente", jaar=j, status="", inwoners=1000.0 * j / 2024)
        for j in (2024, 2040)
    ]
    for code, bnaam, share in buurten:
        rows.append(
            dict(
                code=code,
                naam=bnaam,
                niveau="buurt",
                jaar=2024,
                status="",
                wijkcode="WK" + code[2:8],
                inwoners=500.0,
                aandeel_75plus=share,
                mantelzorgpotentieel=10 - share / 5,
                dementie_per_100_65plus=5.0,
                eenzaam_pct=40.0,
            )
        )
    return pd.DataFrame(rows)


def test_slug():
    assert region.slug("De Liemers & Arnhem") == "de_liemers_arnhem"
    assert region.slug("!!!") == "regio"
    assert region.slug("Regio Arnhem-Oost") == "arnhem_oost"  # not wijkscan_regio_regio_...
    assert region.slug("Regio") == "regio"
    assert region.slug("Regionaal Oost") == "regionaal_oost"


def test_context_ranks_buurten_across_gemeenten_and_escapes():
    t1 = _table(
        "GM0001",
        "Eerstedorp",
        [("BU00010001", "<script>x</script>", 30.0), ("BU00010002", "Laag", 5.0)],
    )
    t2 = _table("GM0002", "Tweestad", [("BU00020001", "Midden", 15.0)])
    metas = [
        {"gemeentenaam": "Eerstedorp", "bronnen": []},
        {"gemeentenaam": "Tweestad", "bronnen": []},
    ]
    weging = {"aandeel_75plus": 1.0, "mantelzorgpotentieel": 1.0}
    ctx = region.build_context([t1, t2], None, REG, metas, "Regio & Co", weging)
    assert [b["code"] for b in ctx["buurten"]] == ["BU00010001", "BU00020001", "BU00010002"]
    assert ctx["buurten"][1]["gemeente"] == "Tweestad"
    out = region.render_html(ctx, region.report.TEMPLATE_DIR)
    assert "<script>x" not in out and "&lt;script&gt;x" in out
    assert "Regio &amp; Co" in out


def test_a_weight_without_numbers_is_marked_and_a_regio_name_is_not_doubled():
    t1 = _table("GM0001", "Eerstedorp", [("BU00010001", "Hoog", 30.0), ("BU00010002", "Laag", 5.0)])
    t1["eenzaam_pct"] = float("nan")  # source 'geen'
    metas = [{"gemeentenaam": "Eerstedorp", "bronnen": []}]
    weging = {"aandeel_75plus": 1.0, "eenzaam_pct": 1.0}
    ctx = region.build_context([t1], None, REG, metas, "Regio Oost", weging)
    gewicht = {w["label"]: w["gewicht"] for w in ctx["weging"]}
    assert gewicht[REG["aandeel_75plus"].label] == "1,0"
    assert gewicht[REG["eenzaam_pct"].label] == "1,0 (telt niet mee: geen cijfers)"
    out = region.render_html(ctx, region.report.TEMPLATE_DIR)
    assert "Kerncijfers per gemeente, Regio Oost en Nederland" in out
    assert "regio Regio" not in out
    ctx = region.build_context([t1], None, REG, metas, "Liemers", weging)
    assert "Kerncijfers per gemeente, regio Liemers en Nederland" in region.render_html(
        ctx, region.report.TEMPLATE_DIR
    )


def _refs(j0_85: float, j1_85: float) -> pd.DataFrame:
    rows = [
        dict(niveau="regio", naam="Regio", jaar=2024, inwoners=2000.0, aandeel_65plus=21.0,
             aantal_85plus=j0_85, mantelzorgpotentieel=10.0, dementie_aantal=50.0),
        dict(niveau="regio", naam="Regio", jaar=2040, inwoners=2100.0, aandeel_65plus=25.0,
             aantal_85plus=j1_85, mantelzorgpotentieel=5.0, dementie_aantal=80.0),
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_title_page_summarises_the_region_in_plain_sentences():
    t1 = _table("GM0001", "Eerstedorp", [("BU00010001", "Hoog", 30.0), ("BU00010002", "Laag", 5.0)])
    t2 = _table("GM0002", "Tweestad", [("BU00020001", "Midden", 15.0)])
    t1.loc[t1["niveau"] == "gemeente", "aandeel_65plus"] = 24.0
    t2.loc[t2["niveau"] == "gemeente", "aandeel_65plus"] = 18.0
    metas = [
        {"gemeentenaam": "Eerstedorp", "bronnen": []},
        {"gemeentenaam": "Tweestad", "bronnen": []},
    ]
    weging = {"aandeel_75plus": 1.0}
    ctx = region.build_context([t1, t2], _refs(100.0, 150.0), REG, metas, "Liemers", weging)
    kort = ctx["in_het_kort"]
    assert (
        kort[0]
        == "In 2024 wonen in de regio Liemers 2.000 mensen; 21% van hen is 65 jaar of ouder."
    )
    assert "van 100 in 2024 naar 150 in 2040 (+50%)." in kort[1]
    assert kort[2] == (
        "Mantelzorgpotentieel (50-64-jarigen per 85-plusser): 10,0 in 2024, 5,0 in 2040. "
        "Er zijn dan minder potentiële mantelzorgers per zeer oude inwoner."
    )
    assert "dementie: 50 in 2024, 80 in 2040" in kort[3]
    assert "Eerstedorp het grootste aandeel 65-plussers (24%)" in kort[4]
    assert kort[5].startswith("Van alle buurten in de regio heeft Hoog (Eerstedorp) de grootste")
    out = region.render_html(ctx, region.report.TEMPLATE_DIR)
    assert "In het kort" in out and "2.000 mensen" in out


def test_title_page_leaves_out_sentences_without_numbers():
    t1 = _table("GM0001", "Eerstedorp", [("BU00010001", "Hoog", 30.0)])
    metas = [{"gemeentenaam": "Eerstedorp", "bronnen": []}]
    # No region row (no references): no sentence on the region as a whole; one gemeente: no
    # comparison; a missing 85+ count for 2040: no growth sentence with "n.b." in it.
    ctx = region.build_context([t1], None, REG, metas, "Liemers", {"aandeel_75plus": 1.0})
    assert [z for z in ctx["in_het_kort"] if "opgave" not in z] == []
    ctx = region.build_context(
        [t1], _refs(100.0, float("nan")), REG, metas, "Liemers", {"aandeel_75plus": 1.0}
    )
    assert not any("85-plussers" in z or "n.b." in z for z in ctx["in_het_kort"])
    assert any("2.000 mensen" in z for z in ctx["in_het_kort"])
    # No 85-plussers in the base year: no growth percentage, and still no "n.b.".
    ctx = region.build_context(
        [t1], _refs(0.0, 5.0), REG, metas, "Regio Oost", {"aandeel_75plus": 1.0}
    )
    kort = ctx["in_het_kort"]
    assert "van 0 in 2024 naar 5 in 2040." in kort[1] and not any("n.b." in z for z in kort)
    assert kort[0].startswith("In 2024 wonen in Regio Oost 2.000 mensen")


def test_weight_without_buurt_signal_is_left_out_and_explained():
    t1 = _table("GM0001", "Eerstedorp", [("BU00010001", "Hoog", 30.0), ("BU00010002", "Laag", 5.0)])
    t2 = _table("GM0002", "Tweestad", [("BU00020001", "Midden", 15.0)])
    t1["eenzaam_pct"] = [float("nan")] * 2 + [10.0, 50.0]  # would reverse the order
    uitleg = "Een BRP-extract geeft detail per buurt."
    zonder = {"eenzaam_pct": {"signaal": False, "marges": [], "uitleg": uitleg}}
    metas = [
        {"gemeentenaam": "Eerstedorp", "bronnen": [], "buurtsignaal": zonder},
        {"gemeentenaam": "Tweestad", "bronnen": []},  # old table: signal assumed
    ]
    weging = {"aandeel_75plus": 1.0, "eenzaam_pct": 5.0}
    ctx = region.build_context([t1, t2], None, REG, metas, "Oost", weging)
    gewicht = {w["label"]: w["gewicht"] for w in ctx["weging"]}
    assert "telt niet mee: geen verschillen per buurt bekend" in gewicht[REG["eenzaam_pct"].label]
    assert ctx["weging_koppen"] == [REG["aandeel_75plus"].kort]
    assert [b["naam"] for b in ctx["buurten"]] == ["Hoog", "Midden", "Laag"]
    assert all(len(b["waarden"]) == 1 for b in ctx["buurten"])
    out = " ".join(region.render_html(ctx, region.report.TEMPLATE_DIR).split())
    assert uitleg in out and "alleen uit het rekenmodel" in out
    # With the signal the heavy loneliness weight does reorder (the test can fail).
    met = region.build_context([t1, t2], None, REG, [{**m, "buurtsignaal": {}} for m in metas],
                               "Oost", weging)  # fmt: skip
    assert [b["naam"] for b in met["buurten"]][0] == "Laag"


def test_region_ranking_shares_places_within_intervals():
    t1 = _table("GM0001", "Eerstedorp", [("BU00010001", "A", 30.0), ("BU00010002", "B", 29.0)])
    t2 = _table("GM0002", "Tweestad", [("BU00020001", "C", 5.0)])
    for t in (t1, t2):
        t["aandeel_75plus_laag"] = t["aandeel_75plus"] - 3
        t["aandeel_75plus_hoog"] = t["aandeel_75plus"] + 3
    metas = [{"gemeentenaam": "Eerstedorp", "bronnen": []}, {"gemeentenaam": "Tweestad",
                                                              "bronnen": []}]  # fmt: skip
    ctx = region.build_context([t1, t2], None, REG, metas, "Oost", {"aandeel_75plus": 1.0})
    assert [(b["naam"], b["rang"], b["gedeeld"]) for b in ctx["buurten"]] == [
        ("A", "1–2", True), ("B", "1–2", True), ("C", "3", False)
    ]  # fmt: skip
    out = region.render_html(ctx, region.report.TEMPLATE_DIR)
    assert "Gedeelde plaats" in out and "gedeeld" in out


def _gedeeld_bovenaan():
    """Five buurten: A alone on top, then B, C, D sharing places 2-4, E exact below."""
    t = _table(
        "GM0001",
        "Eerstedorp",
        [("BU00010001", "A", 60.0), ("BU00010002", "Dal", 40.0), ("BU00010003", "Berg", 38.0),
         ("BU00010004", "Cel", 36.0), ("BU00010005", "E", 5.0)],
    )  # fmt: skip
    t["aandeel_75plus_laag"] = t["aandeel_75plus"] - 3
    t["aandeel_75plus_hoog"] = t["aandeel_75plus"] + 3
    return t


def test_region_list_stops_before_a_shared_place_it_would_cut():
    metas = [{"gemeentenaam": "Eerstedorp", "bronnen": []}]
    w = {"aandeel_75plus": 1.0}
    ctx = region.build_context([_gedeeld_bovenaan()], None, REG, metas, "Oost", w, top=3)
    # Places 2-4 are shared: listing two of them would rank inside the margins.
    assert [(b["naam"], b["rang"]) for b in ctx["buurten"]] == [("A", "1")]
    assert ctx["volgende"] == {"n": 3, "van": 2, "tot": 4}
    assert ctx["buurten"][0]["waarden"][0]["marge"] == "57–63%"
    assert ctx["buurten"][0]["score_marge"] == ""  # A is surely first: no range in its score
    out = " ".join(region.render_html(ctx, region.report.TEMPLATE_DIR).split())
    assert "Daarna delen 3 buurten de plaatsen 2–4" in out and "hoogste 3 horen" in out
    assert "Van alle buurten in de regio heeft A (Eerstedorp) de grootste" in out
    # Room for the whole shared place: all of it is listed, by name.
    ctx = region.build_context([_gedeeld_bovenaan()], None, REG, metas, "Oost", w, top=4)
    assert [b["naam"] for b in ctx["buurten"]] == ["A", "Berg", "Cel", "Dal"]
    assert ctx["volgende"] is None
    assert ctx["buurten"][1]["score_marge"]  # a shared place has a range


def test_region_names_no_top_buurt_when_the_first_place_is_shared():
    t = _gedeeld_bovenaan()
    t.loc[t["naam"] == "A", "aandeel_75plus"] = 41.0  # now A, Dal, Berg, Cel share 1-4
    metas = [{"gemeentenaam": "Eerstedorp", "bronnen": []}]
    ctx = region.build_context([t], None, REG, metas, "Oost", {"aandeel_75plus": 1.0}, top=3)
    assert ctx["buurten"] == [] and ctx["volgende"] == {"n": 4, "van": 1, "tot": 4}
    assert not any("heeft A" in z for z in ctx["in_het_kort"])
    assert any("delen 4 buurten de eerste plaats" in z for z in ctx["in_het_kort"])
    out = " ".join(region.render_html(ctx, region.report.TEMPLATE_DIR).split())
    assert "Geen buurt hoort zeker bij de hoogste 3" in out
    assert "buurten met de hoogste gewogen score (2024)" not in out  # no empty table

from __future__ import annotations

import pandas as pd

from pipeline import region
from pipeline.registry import build_registry

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

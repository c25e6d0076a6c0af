"""Generated findings: every number must be a cell of the indicator table."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from pipeline.model.registry import THEMAS, build_registry
from pipeline.present import fmt, texts

JAAR = 2024
HORIZON = (2030, 2040)


def registry():
    return build_registry(
        kwb_tabel="85984NED",
        jaar=JAAR,
        mz_van=(50, 64),
        mz_ouderen=85,
        prevalentie_bron="Alzheimer Nederland (test)",
        gezondheid_tabel="50150NED",
        bevolking_bron="03759ned (test)",
        prognose_bron="85171NED (test)",
    )


# name, wijk, inwoners, share 65+, profile; the names test escaping and str.format
BUURTEN = [
    ("BU00010001", "Centrum", "WK000101", 2400, 0.18, "gewoon"),
    ("BU00010002", "'t Hofje & Co", "WK000101", 900, 0.30, "oud"),
    ("BU00010003", "<script>alert(1)</script>", "WK000101", 1500, 0.12, "gewoon"),
    ("BU00010004", "Zorghof {0}", "WK000102", 420, 0.85, "instelling"),
    ("BU00010005", "Nieuwbouw-Zuid", "WK000102", 3100, 0.08, "jong"),
    ("BU00010006", "Bedrijventerrein", "WK000102", 30, 0.10, "klein"),
]
WIJKEN = {"WK000101": "Noord", "WK000102": "Zuid"}
GEMEENTE = ("GM0001", "Testdorp")


def _r5(x: float) -> float:
    return float(5 * round(x / 5)) if not math.isnan(x) else math.nan


def _div(a: float, b: float) -> float:
    return a / b if b else math.nan


def _derive(row: dict, base: bool) -> dict:
    inw = row["inwoners"]
    out = dict(row)
    out["aandeel_65plus"] = _div(row["aantal_65plus"], inw) * 100
    out["aandeel_75plus"] = _div(row["aantal_75plus"], inw) * 100
    out["aandeel_85plus"] = _div(row["aantal_85plus"], inw) * 100
    out["dubbele_vergrijzing"] = _div(row["aantal_85plus"], row["aantal_65plus"]) * 100
    out["mantelzorgpotentieel"] = (
        row["_mz"] / row["aantal_85plus"] if row["aantal_85plus"] >= 10 else math.nan
    )
    out["dementie_per_100_65plus"] = _div(row["dementie_aantal"], row["aantal_65plus"]) * 100
    if not base:
        for k in (
            "aandeel_0_14",
            "eenzaam_pct",
            "ernstig_eenzaam_pct",
            "emotioneel_eenzaam_pct",
            "sociaal_eenzaam_pct",
            "eenzaam_aantal",
            "aandeel_eenpersoonshuishoudens",
            "koopwoningen_pct",
            "afstand_huisarts",
            "afstand_supermarkt",
        ):
            out[k] = math.nan
    return out


def voorbeeld_tabel(krimp: bool = False) -> pd.DataFrame:
    """A small published indicator table: 6 buurten, 2 wijken, base year + 2 horizons.

    ``krimp=True`` makes the oldest groups shrink over time (wording test).
    """
    rng = np.random.default_rng(7)
    rows = []
    for jaar in (JAAR, *HORIZON):
        base = jaar == JAAR
        t = (jaar - JAAR) / 16
        groei = 1 - 0.25 * t if krimp else 1 + 0.35 * t
        buurt_rows = []
        for i, (code, naam, wk, inw, s65, profiel) in enumerate(BUURTEN):
            n65 = inw * s65 * groei
            f75 = 0.95 if profiel == "instelling" else 0.4
            f85 = 0.3 if profiel == "instelling" else 0.09
            r = {
                "code": code,
                "naam": naam,
                "niveau": "buurt",
                "wijkcode": wk,
                "jaar": jaar,
                "inwoners": float(inw if base else _r5(inw * (1 + 0.05 * t))),
                "aantal_65plus": float(round(n65)) if base else _r5(n65),
                "aantal_75plus": _r5(n65 * f75),
                "aantal_85plus": _r5(n65 * f85),
                "dementie_aantal": _r5(n65 * 0.05 + n65 * f85 * 0.2),
                "_mz": inw * 0.2 * (1 - 0.2 * t),
                "aandeel_0_14": 5.0 if profiel == "instelling" else 12 + 2 * i,
                "eenzaam_pct": 40.0 + 2.5 * i,
                "ernstig_eenzaam_pct": 10.0,
                "emotioneel_eenzaam_pct": 28.0 + i,
                "sociaal_eenzaam_pct": 33.0 + 0.5 * i,
                "eenzaam_aantal": _r5((40.0 + 2.5 * i) / 100 * inw * 0.8),
                "aandeel_eenpersoonshuishoudens": 90.0 if profiel == "instelling" else 30 + 3 * i,
                "koopwoningen_pct": 40.0 + 5 * i,
                "afstand_huisarts": round(0.4 + 0.3 * i + rng.uniform(0, 0.1), 1),
                "afstand_supermarkt": round(0.5 + 0.2 * i, 1),
                "status": "",
            }
            r = _derive(r, base)
            if profiel == "klein":
                r["status"] = "te weinig inwoners"
                for k in (
                    "aandeel_0_14",
                    "aandeel_65plus",
                    "aandeel_75plus",
                    "aandeel_85plus",
                    "dubbele_vergrijzing",
                    "mantelzorgpotentieel",
                    "dementie_per_100_65plus",
                    "eenzaam_pct",
                    "ernstig_eenzaam_pct",
                    "emotioneel_eenzaam_pct",
                    "sociaal_eenzaam_pct",
                    "aandeel_eenpersoonshuishoudens",
                    "koopwoningen_pct",
                    "dementie_aantal",
                    "eenzaam_aantal",
                ):
                    r[k] = math.nan
            buurt_rows.append(r)
        rows += buurt_rows
        for code, naam, niveau, members in [
            *(
                (wk, wn, "wijk", [r for r in buurt_rows if r["wijkcode"] == wk])
                for wk, wn in WIJKEN.items()
            ),
            (GEMEENTE[0], GEMEENTE[1], "gemeente", buurt_rows),
        ]:
            agg = {
                k: float(np.nansum([m[k] for m in members]))
                for k in (
                    "inwoners",
                    "aantal_65plus",
                    "aantal_75plus",
                    "aantal_85plus",
                    "dementie_aantal",
                    "_mz",
                    "eenzaam_aantal",
                )
            }
            for k in ("aantal_75plus", "aantal_85plus", "dementie_aantal", "eenzaam_aantal"):
                agg[k] = _r5(agg[k])
            r = {
                "code": code,
                "naam": naam,
                "niveau": niveau,
                "wijkcode": code if niveau == "wijk" else None,
                "jaar": jaar,
                **agg,
                "aandeel_0_14": 15.0,
                "eenzaam_pct": 44.0 if niveau == "gemeente" else 43.0,
                "ernstig_eenzaam_pct": 10.0,
                "emotioneel_eenzaam_pct": 30.0,
                "sociaal_eenzaam_pct": 34.0,
                "aandeel_eenpersoonshuishoudens": 38.0,
                "koopwoningen_pct": 55.0,
                "afstand_huisarts": 1.1,
                "afstand_supermarkt": 0.9,
                "status": "",
            }
            rows.append(_derive(r, base))
    df = pd.DataFrame(rows).drop(columns="_mz")
    df["gemeentecode"] = GEMEENTE[0]
    df["gemeentenaam"] = GEMEENTE[1]
    df["schatting"] = np.where(df["jaar"] == JAAR, "basisjaar", "projectie")
    df["eenzaamheid_jaar"] = pd.array([2022 if j == JAAR else pd.NA for j in df["jaar"]], "Int64")
    ids = ["code", "naam", "niveau", "gemeentecode", "gemeentenaam", "wijkcode", "jaar"]
    rest = ["status", "eenzaamheid_jaar", "schatting"]
    return df[ids + rest + list(registry())].reset_index(drop=True)


def refs_tabel() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "niveau": "regio",
                "naam": "Regio Testland",
                "aandeel_65plus": 21.4,
                "mantelzorgpotentieel": 12.34,
                "eenzaam_pct": 45.0,
            },
            {
                "niveau": "nederland",
                "naam": "Nederland",
                "aandeel_65plus": 20.1,
                "mantelzorgpotentieel": 13.66,
                "eenzaam_pct": 47.0,
            },
        ]
    )


# ------------------------------------------------------------------ checker


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def controleer(b: texts.Bevinding, tabel: pd.DataFrame, reg, refs=None) -> None:
    """Assert that every number of a finding is a table value (or derived from two)."""
    assert b.cijfers, f"finding without a number: {b.tekst}"
    assert b.jaren and all(isinstance(j, int) for j in b.jaren)
    assert b.bron_keys and all(k in reg for k in b.bron_keys)
    assert b.tekst == b.sjabloon.format(*(c.tekst for c in b.cijfers))
    for c in b.cijfers:
        if c.afgeleid == "verandering":
            a, z = c.basis
            for basis in (a, z):
                assert _same(basis.waarde, texts.opzoeken(tabel, basis.code, basis.jaar, basis.key))
            expect = (z.waarde / a.waarde - 1) * 100
            assert math.isclose(c.waarde, expect)
            assert c.tekst == fmt.procent(abs(expect))
            continue
        assert c.afgeleid == "", c
        if c.code in ("regio", "nederland") or (
            refs is not None and c.code in set(refs.get("code", []))
        ):
            sel = refs[refs["niveau"] == c.code]
            value = float(sel.iloc[0][c.key])
        else:
            value = texts.opzoeken(tabel, c.code, c.jaar, c.key)
        assert _same(c.waarde, value), (c, value)
        assert c.tekst == fmt.waarde(value, reg[c.key]), (c, value)
    # No other number in the text: strip the numbers, years and labels, then no digit may remain.
    rest = b.tekst
    for c in sorted(b.cijfers, key=lambda c: -len(c.tekst)):
        rest = rest.replace(c.tekst, " ", 1)
    labels = {s for i in reg.values() for s in (i.label, i.kort, texts.wie_van(i))}
    labels |= set(tabel["naam"].astype(str))  # region names may contain digits
    for label in sorted(labels, key=len, reverse=True):
        rest = rest.replace(label, " ").replace(fmt.kleine_letter(label), " ")
    rest = re.sub(r"\b(19|20)\d\d\b", " ", rest)
    assert not re.search(r"\d", rest), f"unlisted number in: {b.tekst!r} -> {rest!r}"


def alle_bevindingen(tabel, reg, refs=None):
    naam = GEMEENTE[1]
    out = texts.samenvatting(tabel, reg, naam, refs=refs)
    for thema in THEMAS:
        out += texts.thema_bevindingen(thema, tabel, reg, naam, refs)
    return out


# ------------------------------------------------------------------ tests


def test_every_number_in_the_findings_is_in_the_table():
    reg, tabel = registry(), voorbeeld_tabel()
    found = alle_bevindingen(tabel, reg)
    assert len(found) >= 10
    for b in found:
        controleer(b, tabel, reg)


def test_summary_has_four_to_six_findings_with_year_and_source():
    reg, tabel = registry(), voorbeeld_tabel()
    found = [b for b in texts.samenvatting(tabel, reg, GEMEENTE[1]) if b.soort == "bevinding"]
    assert 4 <= len(found) <= 6
    for b in found:
        assert b.kop and b.tekst
        assert all(2000 <= j <= HORIZON[-1] for j in b.jaren)
        assert all(reg[k].bron for k in b.bron_keys)


def test_base_year_only_still_gives_four_checked_findings():
    reg, tabel = registry(), voorbeeld_tabel()
    basis = tabel[tabel["jaar"] == JAAR]
    found = [b for b in texts.samenvatting(basis, reg, GEMEENTE[1]) if b.soort == "bevinding"]
    assert len(found) >= 4
    for b in found:
        controleer(b, basis, reg)


def test_checker_catches_a_wrong_number():
    reg, tabel = registry(), voorbeeld_tabel()
    b = texts.samenvatting(tabel, reg, GEMEENTE[1])[0]
    c = b.cijfers[0]
    fout = texts.Cijfer(c.key, c.code, c.jaar, c.waarde + 5, fmt.getal(c.waarde + 5), c.peiljaar)
    tampered = texts.Bevinding(
        b.kop,
        b.sjabloon.format(fout.tekst, *(x.tekst for x in b.cijfers[1:])),
        (fout, *b.cijfers[1:]),
        b.thema,
        sjabloon=b.sjabloon,
    )
    with pytest.raises(AssertionError):
        controleer(tampered, tabel, reg)
    sneaky = texts.Bevinding(
        b.kop,
        b.tekst + " Dat zijn 17 buurten.",
        b.cijfers,
        b.thema,
        sjabloon=b.sjabloon + " Dat zijn 17 buurten.",
    )
    with pytest.raises(AssertionError, match="unlisted number"):
        controleer(sneaky, tabel, reg)


def test_growth_finding_numbers_and_wording():
    reg, tabel = registry(), voorbeeld_tabel()
    b = texts.groei_aantal(tabel, reg, "aantal_85plus", "Testdorp", "Meer 85-plussers")
    a, z, ch = b.cijfers
    assert (a.jaar, z.jaar) == (JAAR, HORIZON[-1])
    assert a.waarde == texts.opzoeken(tabel, "GM0001", JAAR, "aantal_85plus")
    assert "meer" in b.tekst and "naar schatting" in b.tekst
    krimp = voorbeeld_tabel(krimp=True)
    b2 = texts.groei_aantal(krimp, reg, "aantal_85plus", "Testdorp", "x")
    assert "minder" in b2.tekst
    controleer(b2, krimp, reg)


def test_reference_values_from_refs_are_quoted_exactly():
    reg, tabel, refs = registry(), voorbeeld_tabel(), refs_tabel()
    b = texts.ontwikkeling(tabel, reg, "mantelzorgpotentieel", "Testdorp", "x", refs)
    assert b.cijfers[-1].code == "nederland"
    assert b.cijfers[-1].tekst == "13,7"
    assert "In Nederland is dat 13,7" in b.tekst
    for f in alle_bevindingen(tabel, reg, refs):
        controleer(f, tabel, reg, refs)


def test_loneliness_uses_its_own_measurement_year():
    reg, tabel = registry(), voorbeeld_tabel()
    b = texts.eenzaamheid(tabel, reg, "Testdorp")
    assert b.jaren == (2022,)
    assert "(2022, modelschatting)" in b.tekst


def test_care_institution_is_flagged_and_braces_in_names_survive():
    reg, tabel = registry(), voorbeeld_tabel()
    let_op = texts.instellingen(tabel, reg)
    assert [b.kop for b in let_op] == ["Let op: Zorghof {0}"]
    assert "Zorghof {0}" in let_op[0].tekst
    controleer(let_op[0], tabel, reg)
    # The 75+ share is an estimate and says so; the counted 65+ share it rests on is beside it.
    assert "naar schatting" in let_op[0].tekst
    assert [c.key for c in let_op[0].cijfers] == ["aandeel_75plus"] * 2 + ["aandeel_65plus"] * 2
    assert "door CBS geteld" in let_op[0].tekst


def test_suppressed_buurt_is_never_named_as_extreme():
    reg, tabel = registry(), voorbeeld_tabel()
    for b in alle_bevindingen(tabel, reg):
        assert "Bedrijventerrein" not in b.tekst


def test_spread_follows_direction_of_the_indicator():
    reg, tabel = registry(), voorbeeld_tabel()
    b = texts.spreiding(tabel, reg, "mantelzorgpotentieel", "Testdorp")
    low = b.cijfers[0]
    values = tabel[(tabel.niveau == "buurt") & (tabel.jaar == JAAR)]["mantelzorgpotentieel"]
    assert low.waarde == values.min()
    assert b.tekst.index("het laagst") < b.tekst.index("het hoogst")


def test_no_buurt_comparison_for_an_indicator_without_signal():
    reg = registry()
    tabel = voorbeeld_tabel()
    met = texts.thema_bevindingen("mantelzorg", tabel, reg, GEMEENTE[1])
    zonder = texts.thema_bevindingen(
        "mantelzorg", tabel, reg, GEMEENTE[1], zonder_signaal=["mantelzorgpotentieel"]
    )
    buurtcodes = set(tabel.loc[tabel["niveau"] == "buurt", "code"])
    assert any(c.code in buurtcodes for b in met for c in b.cijfers)  # the check can fail
    assert zonder and not any(c.code in buurtcodes for b in zonder for c in b.cijfers)
    for b in zonder:
        controleer(b, tabel, reg)
    # the summary does not name the loneliest buurt either
    e_met = texts.eenzaamheid(tabel, reg, GEMEENTE[1])
    e_zonder = texts.eenzaamheid(tabel, reg, GEMEENTE[1], zonder_signaal={"eenzaam_pct"})
    assert "Het hoogst is het in" in e_met.tekst and "Het hoogst" not in e_zonder.tekst


def test_sentence_for_an_indicator_without_signal_names_figure_and_remedy():
    ind = registry()["mantelzorgpotentieel"]
    zin = texts.zonder_signaal_zin(ind, "Test{dorp}", 2024, "≈ 8,1", "7,1–9,3", "Vraag de BRP.")
    assert "Voor heel Test{dorp} is het in 2024 ≈ 8,1 (90%-marge 7,1–9,3)." in zin
    assert zin.endswith("Vraag de BRP.") and "niet in klassen" in zin
    assert texts.UITLEG_STANDAARD in texts.zonder_signaal_zin(ind, "X", 2024, "n.b.", "", "")


def test_no_highest_buurt_when_the_difference_lies_inside_the_intervals():
    """Naming 'the highest buurt' is a ranking: not when the intervals overlap it."""
    reg, tabel = registry(), voorbeeld_tabel()
    b = texts.spreiding(tabel, reg, "aandeel_75plus", "Testdorp")
    assert "het hoogst in" in b.tekst  # exact values: as before
    wide = tabel.copy()
    wide["aandeel_75plus_laag"] = wide["aandeel_75plus"] - 50
    wide["aandeel_75plus_hoog"] = wide["aandeel_75plus"] + 50
    b = texts.spreiding(wide, reg, "aandeel_75plus", "Testdorp")
    assert "het hoogst in" not in b.tekst and "binnen de marges" in b.tekst
    # Zorghof (81%) stays apart even at +-50 (klassen.indistinguishable); the low end does not.
    assert "geen buurt zeker de laagste." in b.tekst and "hoogste" not in b.tekst
    controleer(b, wide, reg)  # every number still comes from the table
    # Only the top two overlap: the lowest is still surely the lowest, and the sentence
    # does not claim the whole range lies inside the margins.
    close = tabel.copy()
    rows = (close["niveau"] == "buurt") & (close["jaar"] == JAAR)
    order = close[rows].sort_values("aandeel_75plus", ascending=False).index
    close.loc[order[1], "aandeel_75plus"] = close.loc[order[0], "aandeel_75plus"] - 0.01
    close["aandeel_75plus_laag"] = close["aandeel_75plus"] - 0.05
    close["aandeel_75plus_hoog"] = close["aandeel_75plus"] + 0.05
    b = texts.spreiding(close, reg, "aandeel_75plus", "Testdorp")
    assert "geen buurt zeker de hoogste." in b.tekst and "laagste" not in b.tekst
    controleer(b, close, reg)


def test_most_names_every_buurt_sharing_first_place_or_none():
    """'De meeste ... wonen in X' is a ranking: buurten inside X's margins are named too.

    Seen in real Duiven: "De meeste mensen met dementie wonen naar schatting in West (85)"
    while Zuidoost also had 85 and overlapping margins.
    """
    reg, tabel = registry(), voorbeeld_tabel()
    key = "dementie_aantal"
    rows = (tabel["niveau"] == "buurt") & (tabel["jaar"] == JAAR)
    order = tabel[rows].sort_values(key, ascending=False).index
    namen = tabel.loc[order, "naam"].tolist()
    exact = texts.meeste(tabel, reg, key)
    assert exact.tekst.startswith(f"De meeste mensen met dementie wonen in {namen[0]}:")
    # The second buurt lies inside the first's margin: both named, neither as "the" one.
    two = tabel.copy()
    two[key + "_laag"], two[key + "_hoog"] = two[key] - 0.1, two[key] + 0.1
    two.loc[order[1], key] = two.loc[order[0], key] - 0.1
    two.loc[order[1], key + "_hoog"] = two.loc[order[0], key]
    m = texts.meeste(two, reg, key)
    assert f"in {namen[0]} (" in m.tekst and f" of {namen[1]} (" in m.tekst
    assert "niet te zeggen in welke van deze buurten" in m.tekst
    assert all(n not in m.tekst for n in namen[2:])
    controleer(m, two, reg)
    # Everything overlaps: no buurt is named and no number is pinned on one.
    wide = tabel.assign(**{key + "_laag": 0.0, key + "_hoog": 1e6})
    m = texts.meeste(wide, reg, key)
    assert all(n not in m.tekst for n in namen) and not m.cijfers
    assert "niet te zeggen in welke buurt" in m.tekst and m.jaren == (JAAR,)
    assert m.bron_keys == (key,)


def test_where_to_begin_names_only_buurten_surely_at_the_top():
    """'Waar beginnen?' names the highest total scores only where the margins allow it."""
    from pipeline.present import klassen

    reg, tabel = registry(), voorbeeld_tabel()
    buurten = tabel[(tabel["niveau"] == "buurt") & (tabel["jaar"] == JAAR)]
    codes, namen = buurten["code"].tolist()[:4], buurten["naam"].tolist()[:4]
    scores = pd.DataFrame(
        {
            "code": codes,
            "naam": namen,
            "rs_aandeel_75plus": [1.0, 0.7, 0.3, 0.0],
            "score": [1.0, 0.7, 0.3, 0.0],
            "rang": [1, 2, 3, 4],
            "plaats_van": [1, 1, 3, 4],
            "plaats_tot": [2, 2, 3, 4],
        }
    )
    assert klassen.zeker_bovenaan(scores, 3)["code"].tolist() == codes[:3]
    assert klassen.zeker_bovenaan(scores, 1).empty  # places 1-2 are shared
    b = texts.grootste_opgave(scores, tabel, reg)
    assert all(n in b.tekst for n in namen[:3]) and namen[3] not in b.tekst
    controleer(b, tabel, reg)
    # All four share places 1-4: no buurt is named, and the text says why.
    tied = scores.assign(plaats_van=1, plaats_tot=4, rs_eenzaam_pct=float("nan"))
    b = texts.grootste_opgave(tied, tabel, reg)
    assert not any(n in b.tekst for n in namen)
    assert "geen buurt zeker de hoogste" in b.tekst and "delen 4 buurten" in b.tekst
    # It prints no indicator value, yet its card still shows the year and source the
    # ranking rests on (an empty "Jaar: · Bron:" line was printed before).
    assert b.cijfers == () and b.jaren == (JAAR,) and b.bron_keys == ("aandeel_75plus",)


def test_margins_of_a_published_number_are_called_rounding_not_estimate():
    """A map of the CBS 65+ share is classed with the rounding margins; its caption must not
    call a published figure an estimate."""
    reg = registry()
    assert texts.marges_uitleg(reg["aandeel_65plus"]) == texts.MARGES_UITLEG_AFRONDING
    assert "afronding van CBS" in texts.MARGES_UITLEG_AFRONDING
    assert texts.marges_uitleg(reg["aandeel_75plus"]) == texts.MARGES_UITLEG
    assert "schatting" in texts.MARGES_UITLEG

"""Second edition (issue 15): report, vouwkaart and region report with session input."""

from __future__ import annotations

import html
import re

import pytest

from pipeline.present import (
    region,
    report,
    sessie_kaart,
    sessie_rapport,
    vouwblad,
    vouwgegevens,
    vouwkaart,
)
from tests.unit.present.test_report import geometrie, meta
from tests.unit.present.test_texts import BUURTEN, GEMEENTE, refs_tabel, registry, voorbeeld_tabel

CODES = [b[0] for b in BUURTEN]
NAMEN = {b[0]: b[1] for b in BUURTEN}
SIGNAAL = 'Zij zei "kom" <b>vet</b> 👵🏼 café {0} $x$'


def sessies(inbreng: list[dict] | None = None) -> dict:
    rijen = inbreng or [
        {"code": CODES[0], "signalen": SIGNAAL, "initiatieven": "Koffie ($2, $3)",
         "soort": "ontmoetingsplek", "proefbuurt": True, "waarom": "Omdat <i>het kan</i>"},
        {"code": CODES[3], "zorgen": "Zorg & nog eens zorg", "proefbuurt": True, "waarom": ""},
        {"code": CODES[5], "zorgen": "Klein maar zorgelijk"},
    ]  # fmt: skip
    leeg = {"signalen": "", "initiatieven": "", "soort": "", "zorgen": "", "proefbuurt": None,
            "waarom": "", "aan_tafel": ["wijkteam"], "bron": "x", "sessie": 0}  # fmt: skip
    return {
        "gemeente": GEMEENTE[0],
        "gemeentenaam": GEMEENTE[1],
        "sessies": [
            {
                "bestand": "s.xlsx",
                "datum": "2025-03-12",
                "plaats": "Buurthuis",
                "deelnemers": 9,
                "organisaties": ["wijkteam", "bewoners"],
            },
        ],  # fmt: skip
        "inbreng": [leeg | {"naam": NAMEN[r["code"]]} | r for r in rijen],
    }


def _scores():
    reg = registry()
    w = report.rapport_config(None, reg)["weging"]
    return report.buurt_scores(voorbeeld_tabel(), reg, w)


def test_first_edition_is_unchanged_without_sessions():
    args = (voorbeeld_tabel(), geometrie(), registry(), meta(), None, refs_tabel())
    zonder = report.render_html(*args)
    assert zonder == report.render_html(*args, sessies=None, volgende_ronde=["X?"])
    assert "Tweede editie" not in zonder and "Werkblad: waar beginnen we?" in zonder


def test_second_edition_report_shows_input_escaped_next_to_the_numbers():
    page = report.render_html(
        voorbeeld_tabel(), geometrie(), registry(), meta(), None, refs_tabel(),
        sessies=sessies(), volgende_ronde=["Wie ontbrak er?"],
    )  # fmt: skip
    text = html.unescape(page)
    assert "Tweede editie, na de sessie van 12 maart 2025" in text
    assert "&lt;b&gt;vet&lt;/b&gt;" in page and "<b>vet</b>" not in page
    assert SIGNAAL in text and "Omdat <i>het kan</i>" in text and "Zorg & nog eens zorg" in text
    assert "Werkblad: waar beginnen we?" not in text
    assert "Wie ontbrak er?" in text and 'id="cijfers-en-tafels"' in page
    # Honest about privacy: contact details are refused, names cannot be recognised.
    assert "weigert teksten met e-mailadressen en telefoonnummers" in text
    assert "niet betrouwbaar herkennen: controleer de teksten" in text
    assert "horen daar niet in" not in text
    # Every buurt with input gets its numbers: the measured share of 65-plussers as printed.
    blok = text[text.index("Per buurt: de cijfers") :]
    assert blok.count('class="sessie-buurt"') == 3
    t = voorbeeld_tabel()
    v = t[(t.code == CODES[0]) & (t.jaar == 2024)]["aandeel_65plus"].iloc[0]
    assert f"{round(v):d}%" in blok
    # The proposal table lists both proposals with their place in the ranking.
    voorstel = text[text.index("Voorgestelde proefbuurten") : text.index("Per buurt: de cijfers")]
    assert NAMEN[CODES[0]] in voorstel and NAMEN[CODES[3]] in voorstel
    assert "(geen reden opgegeven)" in voorstel
    # Table of contents has the new chapter; the figure numbering stays consecutive.
    nummers = [int(n) for n in re.findall(r'<figure id="figuur-(\d+)"', page)]
    assert nummers == list(range(1, len(nummers) + 1))


def test_disagreement_uses_shared_places_and_skips_model_only():
    scores, uitgesloten = _scores()
    s = sessies()
    oordelen = sessie_rapport.oordeel(scores)
    n = len(oordelen)
    hoog = [c for c in scores["code"] if oordelen.get(c) == "hoog"]
    laag = [c for c in scores["code"] if oordelen.get(c) == "laag"]
    assert hoog and laag  # no intervals in this table: strict places
    # The top third of places, by the report's own ranking.
    assert all(int(scores.set_index("code").loc[c, "plaats_tot"]) <= -(-n // 3) for c in hoog)
    s = sessies(
        [
            {"code": laag[0], "zorgen": "zorg"},
            {"code": CODES[5], "zorgen": "klein"},
        ]
    )
    reg = registry()
    v = sessie_rapport.verschillen(s, scores, uitgesloten, NAMEN, reg, {"aandeel_75plus": 1}, set())
    assert [x["naam"] for x in v["hoog_niet_genoemd"]] == [NAMEN[c] for c in hoog]
    assert [x["naam"] for x in v["zorgen_laag"]] == [NAMEN[laag[0]]]
    assert v["zorgen_zonder_score"] == [NAMEN[CODES[5]]]  # too few inhabitants: no score
    assert any(NAMEN[hoog[0]] in q for q in v["vragen"])
    assert not v["onzeker"]
    v2 = sessie_rapport.verschillen(
        s, scores, uitgesloten, NAMEN, reg, {"aandeel_75plus": 1, "eenzaam_pct": 1},
        {"eenzaam_pct"},
    )  # fmt: skip
    assert v2["weggelaten"] == [reg["eenzaam_pct"].label]


def test_wide_intervals_leave_no_buurt_clearly_high_or_low():
    scores, uitgesloten = _scores()
    scores = scores.assign(plaats_van=1, plaats_tot=len(scores))
    v = sessie_rapport.verschillen(sessies(), scores, uitgesloten, NAMEN, registry(), {}, set())
    assert v["onzeker"] and not v["hoog_niet_genoemd"] and not v["zorgen_laag"]
    assert v["niet_besproken"] == sorted(NAMEN[c] for c in CODES[1:5] if c != CODES[3])


def test_map_helpers_count_proposals_and_kinds():
    s = sessies()
    assert sessie_kaart.proefbuurten(s) == {CODES[0]: 1, CODES[3]: 1}
    assert sessie_kaart.initiatieven(s) == {CODES[0]: ["ontmoetingsplek"]}
    fig, key = sessie_kaart.figuur(geometrie(), None, s)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["voorgesteld als proefbuurt", "ontmoetingsplek"]
    # Several kinds in one row: each gets its symbol; input without 'soorten' still works.
    meer = sessies(
        [{"code": CODES[1], "initiatieven": "Koffie", "soort": "ontmoetingsplek, anders",
          "soorten": ["ontmoetingsplek", "anders"]},
         {"code": CODES[2], "initiatieven": "Iets"}]
    )  # fmt: skip
    assert sessie_kaart.initiatieven(meer) == {
        CODES[1]: ["ontmoetingsplek", "anders"],
        CODES[2]: [sessie_kaart.ZONDER_SOORT],
    }


@pytest.mark.parametrize("formaat", ["A1", "A3", "A4"])
def test_vouwkaart_second_edition_prints_text_literally(formaat):
    from matplotlib.text import Text

    fig = vouwkaart.build_figure(
        voorbeeld_tabel(), geometrie(), registry(), meta(), {"vragen": ["Oud?"]}, formaat,
        sessies=sessies(),
    )  # fmt: skip
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    alles = "\n".join(t.get_text() for t in texts)
    assert "Tweede editie, na de sessie van 12 maart 2025" in alles
    assert "voorgesteld als proefbuurt" in alles  # legend entry
    if formaat == "A1":
        assert "Koffie ($2, $3)" in alles and "Oud?" not in alles
        assert vouwgegevens.DEFAULT_CFG["vragen_volgende_ronde"][0] in alles
        for t in texts:
            if "$" in t.get_text():
                assert not t.get_parse_math(), t.get_text()  # '$...$' is text, not mathtext
        assert not vouwblad.fold_conflicts(fig, "A1")


def test_region_puts_proposals_side_by_side():
    t1 = voorbeeld_tabel()
    reg = registry()
    m1 = meta() | {"gemeente": GEMEENTE[0], "bronnen": []}
    m2 = {"gemeente": "GM0002", "gemeentenaam": "Anderdorp", "bronnen": []}
    t2 = t1.copy()
    for col in ("code", "wijkcode", "gemeentecode"):
        if col in t2:
            t2[col] = t2[col].astype(str).str.replace("0001", "0002", regex=False)
    t2["naam"] = t2["naam"].astype(str) + " (2)"
    ctx = region.build_context(
        [t1, t2], None, reg, [m1, m2], "Testregio", report.rapport_config(None, reg)["weging"],
        sessies=[sessies()],
    )  # fmt: skip
    rijen = ctx["sessies_regio"]
    assert [r["naam"] for r in rijen] == [GEMEENTE[1], "Anderdorp"]
    assert [v["naam"] for v in rijen[0]["voorstellen"]] == sorted(
        [NAMEN[CODES[0]], NAMEN[CODES[3]]]
    )
    assert rijen[1]["datums"] == "" and rijen[1]["voorstellen"] == []
    out = html.unescape(region.render_html(ctx, report.TEMPLATE_DIR))
    assert "Voorstellen uit de sessies" in out and "Omdat <i>het kan</i>" in out
    assert "nog geen sessie" in out
    zonder = region.build_context(
        [t1, t2], None, reg, [m1, m2], "Testregio", report.rapport_config(None, reg)["weging"]
    )
    assert zonder["sessies_regio"] == []
    assert "Voorstellen uit de sessies" not in region.render_html(zonder, report.TEMPLATE_DIR)


def test_worksheet_names_only_buurten_surely_at_the_top():
    # The werkblad names the buurten the margins put among the three highest; when margins
    # tie every buurt (wide intervals), it names none and the table chooses.
    import re

    from pipeline.present import klassen

    tabel = voorbeeld_tabel()
    args = (geometrie(), registry(), meta(), None, refs_tabel())

    def werkblad(t):
        page = html.unescape(report.render_html(t, *args))
        blok = page.split("Werkblad: waar beginnen we?")[1].split("</table>")[0]
        return blok, re.findall(r'<th scope="row">([^<]+)</th>', blok)

    blok, rijen = werkblad(tabel)
    zeker = klassen.zeker_bovenaan(_scores()[0], 3)["naam"].tolist()
    assert zeker and rijen == [*zeker, "Andere buurt:"]
    wide = tabel.copy()
    for k in ("aandeel_75plus", "mantelzorgpotentieel", "dementie_per_100_65plus", "eenzaam_pct"):
        if k in wide:
            wide[k + "_laag"], wide[k + "_hoog"] = wide[k] - 1e3, wide[k] + 1e3
    blok, rijen = werkblad(wide)
    assert rijen == ["Buurt:", "Buurt:", "Andere buurt:"]
    assert "wijzen binnen de marges geen buurt aan" in blok


def test_a_weighted_indicator_without_buurt_figures_keeps_no_share():
    # Loneliness not loaded: its weight is left out and said so, not printed as 25 %.
    tabel = voorbeeld_tabel()
    assert tabel.loc[tabel["niveau"] == "buurt", "eenzaam_pct"].notna().any()
    zonder = tabel.assign(eenzaam_pct=float("nan"))
    page = html.unescape(report.render_html(zonder, geometrie(), registry(), meta(), None))
    assert "Gewicht van 'Eenzaam (18+)' telt niet mee" in page
    assert "geen buurtcijfers van 'Eenzaam (18+)' ingelezen" in page
    weging = page.split('<table class="weging">')[1].split("</table>")[0]
    rij = next(r for r in weging.split("<tr>") if "Eenzaam" in r)
    assert "telt niet mee" in rij and "%" not in rij
    # The others share the whole: 3 x 33 %.
    assert weging.count("33%") == 3

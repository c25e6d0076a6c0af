"""The report tables: the gemeente's dementia estimate next to the national range."""

from __future__ import annotations

import pandas as pd

from pipeline.present.report.tabellen import dementie_vergelijking


def test_dementia_shown_next_to_national_range():
    ind = pd.DataFrame(
        [
            {
                "code": "GM1",
                "niveau": "gemeente",
                "jaar": 2024,
                "inwoners": 20000.0,
                "dementie_aantal": 300.0,
            }
        ]
    )
    refs = pd.DataFrame([{"code": "NL01", "niveau": "nederland", "inwoners": 18_000_000.0}])
    meta = {
        "dementie_landelijk": [
            {"jaar": "2021", "aantal": "290000", "definitie": "geschat", "bron": "A"},
            {"jaar": "2019", "aantal": "114000", "definitie": "huisarts", "bron": "B"},
        ]
    }
    v = dementie_vergelijking(ind, refs, meta, 2024)
    assert v["gemeente_per_1000"] == "15,0"
    assert (v["laag"], v["hoog"]) == ("114.000", "290.000")
    assert v["landelijk"][1]["per_1000"] == "16,1"  # 290.000 / 18 mln
    assert dementie_vergelijking(ind, None, meta, 2024)["nl_bekend"] is False
    assert dementie_vergelijking(ind, refs, {}, 2024) is None

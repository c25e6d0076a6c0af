from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.ingest import kwb, kwb_lezen
from pipeline.model import reference
from pipeline.model.registry import build_registry
from tests.support.instellingen import settings

REG = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")
S = settings(basisjaar=2024)


def test_national_reference_from_gemeente_rows(real_kwb_path):
    raw = kwb_lezen.read_kwb(real_kwb_path)
    q = reference.national_quantities(raw, 2024, real_kwb_path.name)
    gm = raw[raw.WijkenEnBuurten.str.startswith("GM")]
    assert q.loc[0, "inwoners"] == pytest.approx(kwb.to_number(gm["AantalInwoners_5"]).sum())
    out = reference.publish_reference(q, REG, S).iloc[0]
    assert out["niveau"] == "nederland"
    assert 15 < out["aandeel_65plus"] < 25  # the Dutch share of 65+ in 2024 is about 20%
    assert np.isnan(out["mantelzorgpotentieel"])  # no national age detail: no number invented


def test_nl01_row_wins_over_summing():
    raw = pd.DataFrame(
        {
            "WijkenEnBuurten": ["NL01      ", "GM0001    ", "GM0002    "],
            "AantalInwoners_5": ["1000", "400", "."],
            "k_65JaarOfOuder_12": ["200", "80", "."],
        }
    )
    q = reference.national_quantities(raw, 2024, "t")
    assert q.loc[0, "inwoners"] == 1000 and q.loc[0, "aantal_65plus"] == 200
    q2 = reference.national_quantities(raw.iloc[1:], 2024, "t")
    assert np.isnan(q2.loc[0, "inwoners"])  # a missing gemeente makes the sum no national total


def test_region_is_sum_of_gemeenten_not_mean_of_ratios():
    def g(code, inw, o65, o85, mz):
        return pd.DataFrame(
            [
                dict(
                    code=code,
                    niveau="gemeente",
                    jaar=2024,
                    inwoners=inw,
                    aantal_65plus=o65,
                    aantal_75plus=o65 / 2,
                    aantal_85plus=o85,
                    aantal_18plus=inw * 0.8,
                    aantal_mz_van=mz,
                    aantal_mz_ouderen=o85,
                    dementie_aantal=o65 * 0.08,
                )
            ]
        )

    q = reference.region_quantities(
        [g("GM1", 1000.0, 200.0, 20.0, 180.0), g("GM2", 3000.0, 300.0, 60.0, 300.0)], "Regio"
    )
    out = reference.publish_reference(q, REG, S).iloc[0]
    assert out["inwoners"] == 4000 and out["aandeel_65plus"] == pytest.approx(12.5)
    assert out["mantelzorgpotentieel"] == pytest.approx(480 / 80)

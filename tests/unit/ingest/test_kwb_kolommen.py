"""KWB measures: column names matched on their prefix, CBS cells to numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.ingest import kwb_kolommen


def test_find_column_matches_prefix_not_suffix():
    cols = ["HuishoudensTotaal_28", "AantalInwoners_5", "AantalInwonersX_7"]
    assert kwb_kolommen.find_column(cols, "HuishoudensTotaal") == "HuishoudensTotaal_28"
    assert kwb_kolommen.find_column(cols, "AantalInwoners") == "AantalInwoners_5"
    assert kwb_kolommen.find_column(cols, "Koopwoningen") is None


def test_suppressed_cells_are_missing_not_zero():
    s = pd.Series(["10", ".", "", "  .  ", "2,5", "-99997", "0"])
    out = kwb_kolommen.to_number(s)
    assert out.iloc[0] == 10
    assert out.iloc[1:4].isna().all()
    assert out.iloc[4] == 2.5
    assert np.isnan(out.iloc[5])
    assert out.iloc[6] == 0

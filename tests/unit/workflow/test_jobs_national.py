"""National steps (pipeline.workflow.jobs_national): a list of forecast files, nationally."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest.prognose import kies_prognosebestand, parse_85171ned
from pipeline.ingest.statline import lees_cbs_csv
from pipeline.workflow import jobs_national

REAL = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "real"
P85171 = REAL / "prognose_85171ned" / "85171NED_NL_en_88_gemeenten_odata_keys.csv"
P84527 = REAL / "prognose_84527ned" / "84527NED_prognose_NL_en_5_gemeenten_odata_keys.csv"


@pytest.fixture(scope="module")
def files() -> list[str]:
    if not (P85171.is_file() and P84527.is_file()):
        pytest.skip(f"real forecast extracts not found under {REAL}")
    return [str(P85171), str(P84527)]


def test_each_gemeente_comes_from_the_first_file_that_has_it(files):
    # Deventer is among the 88 gemeenten of 85171NED; Duiven only in the older 84527NED.
    tidy, herkomst = jobs_national.local_forecast_all(files, ["GM0150", "GM0226"])
    assert herkomst["GM0150"][0] == files[0] and herkomst["GM0226"][0] == files[1]
    assert herkomst["GM0150"][1] == "85171NED" and herkomst["GM0226"][1] == "84527NED (MW00000)"
    # The same rows as the per-gemeente fetch + parse of each gemeente.
    tabellen = {f: lees_cbs_csv(Path(f)) for f in files}
    for gm in ("GM0150", "GM0226"):
        naam, rows = kies_prognosebestand(tabellen, gm)
        one = parse_85171ned(rows, gemeenten=[gm], bron=Path(naam).name)
        got = tidy[tidy["gemeentecode"] == gm].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one.reset_index(drop=True), check_like=True)


def test_a_gemeente_in_none_of_the_files_is_named(files):
    with pytest.raises(WijkscanError, match="GM0226") as exc:
        jobs_national.local_forecast_all(files[:1], ["GM0150", "GM0226"])
    assert "85173NED" in exc.value.oplossing

"""Tests for pipeline.ingest.gezondheidsmonitor: RIVM Gezondheid per wijk en buurt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest import gezondheidsmonitor
from pipeline.ingest.gezondheidsmonitor import parse_gezondheidsmonitor, raw_gezondheidsmonitor
from pipeline.ingest.statline import lees_cbs_csv

FIX = Path(__file__).resolve().parents[2] / "fixtures"


def gezondheid_tidy() -> pd.DataFrame:
    rows = []
    for jaar in (2020, 2022):
        for i, code in enumerate(["GM0226", "WK022603", "BU02260301", "BU02260101"]):
            leeg = code == "BU02260101"
            rows.append({"code": code, "jaar": jaar,
                         "eenzaam_pct": np.nan if leeg else 40.0 + i + jaar % 10,
                         "ernstig_eenzaam_pct": np.nan if leeg else 10.5 + i,
                         "emotioneel_eenzaam_pct": 25.0, "sociaal_eenzaam_pct": 30.1,
                         "mantelzorger_pct": 14.2})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("suffixen", ["50120NED", "50150NED", "2020"])
def test_gezondheidsmonitor_roundtrip_any_suffix(suffixen: str) -> None:
    src = gezondheid_tidy()
    raw = raw_gezondheidsmonitor(src, suffixen=suffixen)
    expected_eenzaam = f"Eenzaam_{gezondheidsmonitor.GEZONDHEID_SUFFIXEN[suffixen]['Eenzaam']}"
    assert expected_eenzaam in raw.columns
    assert raw["WijkenEnBuurten"].str.len().eq(10).all()  # padded codes
    out = parse_gezondheidsmonitor(raw, "GM0226")
    assert out["jaar"].unique().tolist() == [2022]  # newest survey year by default
    assert out["code"].tolist() == ["GM0226", "WK022603", "BU02260101", "BU02260301"]
    exp = src[src["jaar"] == 2022].set_index("code").loc[out["code"]]
    for col in ("eenzaam_pct", "ernstig_eenzaam_pct", "mantelzorger_pct"):
        np.testing.assert_allclose(out[col].to_numpy(), exp[col].to_numpy())
    assert np.isnan(out.loc[out["code"] == "BU02260101", "eenzaam_pct"]).all()
    older = parse_gezondheidsmonitor(raw, "GM0226", jaar=2020)
    assert older["jaar"].eq(2020).all()


def test_gezondheidsmonitor_sterk_vs_ernstig_names() -> None:
    src = gezondheid_tidy()
    assert "SterkEenzaam_26" in raw_gezondheidsmonitor(src, suffixen="50150NED").columns
    assert "ErnstigZeerErnstigEenzaam_28" in raw_gezondheidsmonitor(src, suffixen="50120NED")
    custom = raw_gezondheidsmonitor(src[["code", "jaar", "eenzaam_pct"]], suffixen={"Eenzaam": 99})
    out = parse_gezondheidsmonitor(custom, "GM0226")
    assert out["ernstig_eenzaam_pct"].isna().all()  # absent measure -> NaN column


def test_gezondheidsmonitor_filters_age_and_margins() -> None:
    raw = raw_gezondheidsmonitor(gezondheid_tidy())
    other = raw.assign(Leeftijd="99999", Marges="MOG0095", Eenzaam_25="1.0")
    both = pd.concat([raw, other], ignore_index=True)
    out = parse_gezondheidsmonitor(both, "GM0226")
    assert (out["eenzaam_pct"].dropna() > 10).all()
    with pytest.raises(WijkscanError, match="Leeftijd-sleutel '12345'"):
        parse_gezondheidsmonitor(both, "GM0226", leeftijd="12345")


def test_gezondheidsmonitor_fixtures() -> None:
    new = parse_gezondheidsmonitor(lees_cbs_csv(FIX / "rivm_50150NED_GM0226.csv"), "GM0226")
    old = parse_gezondheidsmonitor(lees_cbs_csv(FIX / "rivm_50120NED_GM0226.csv"), "GM0226")
    assert new["jaar"].iloc[0] == 2024 and old["jaar"].iloc[0] == 2022
    assert len(new) == 1 + 6 + 14 and list(new.columns) == list(
        gezondheidsmonitor.GEZONDHEID_KOLOMMEN
    )
    assert new.loc[new["code"] == "BU02260101", "eenzaam_pct"].isna().all()


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r: r.drop(columns=["Eenzaam_25"]), "Eenzaam"),
        (lambda r: r.assign(Eenzaam_99=r["Eenzaam_25"]), "Meerdere kolommen"),
        (lambda r: r.assign(ErnstigZeerErnstigEenzaam_40="1"), "Zowel"),
        (lambda r: r.assign(Eenzaam_25="140"), "buiten 0-100"),
        (lambda r: r.assign(Eenzaam_25="veel"), "Geen getal"),
        (lambda r: r.drop(columns=["WijkenEnBuurten"]), "WijkenEnBuurten"),
    ],
)
def test_gezondheidsmonitor_errors(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    raw = mutate(raw_gezondheidsmonitor(gezondheid_tidy()))
    with pytest.raises(WijkscanError) as exc:
        parse_gezondheidsmonitor(raw, "GM0226", bron="rivm.csv")
    assert fragment in str(exc.value) and "rivm.csv" in str(exc.value)


def test_gezondheidsmonitor_gemeente_and_year_absent() -> None:
    raw = raw_gezondheidsmonitor(gezondheid_tidy())
    with pytest.raises(WijkscanError, match="GM0299 komt niet voor"):
        parse_gezondheidsmonitor(raw, "GM0299")
    with pytest.raises(WijkscanError, match="Meetjaar 2024 ontbreekt"):
        parse_gezondheidsmonitor(raw, "GM0226", jaar=2024)

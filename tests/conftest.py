"""Shared test fixtures: paths to the real extracts beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"
NL2024 = SHARED_REAL / "nl2024"
KWB_SUBSET = NL2024 / "kwb_2024_85984NED_subset.csv"
BUURT_GPKG = NL2024 / "buurt_2024_gegeneraliseerd.gpkg"


@pytest.fixture(scope="session")
def real_kwb_path() -> Path:
    """The real KWB 2024 subset (CBS, CC BY 4.0); tests skip when it is absent."""
    if not KWB_SUBSET.is_file():
        pytest.skip(f"real KWB extract not found at {KWB_SUBSET}")
    return KWB_SUBSET


@pytest.fixture(scope="session")
def real_gpkg_path() -> Path:
    """The real 2024 buurt geometry (reconstructed PDOK layer)."""
    if not BUURT_GPKG.is_file():
        pytest.skip(f"real buurt geometry not found at {BUURT_GPKG}")
    return BUURT_GPKG

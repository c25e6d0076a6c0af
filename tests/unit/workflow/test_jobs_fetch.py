"""Fetch steps (pipeline.workflow.jobs_fetch): failures the user can fix."""

from __future__ import annotations

import pytest

from pipeline.workflow import jobs_fetch, steps


class _Named(list):
    """Like Snakemake's named output: a list of paths with attribute access."""

    def __init__(self, **paths: str) -> None:
        super().__init__(paths.values())
        self.__dict__.update(paths)


def test_a_mistyped_gemeente_in_the_geometry_step_gets_neighbouring_codes(tmp_path, capsys):
    from types import SimpleNamespace

    from pipeline.ingest import demo

    gpkg = tmp_path / "buurten.gpkg"
    demo.buurt_geometry().to_file(gpkg, layer="buurt_gegeneraliseerd", driver="GPKG")
    with pytest.raises(steps.StepFailed) as exc:
        jobs_fetch.fetch_geometry(
            SimpleNamespace(gpkg=[str(gpkg)]),
            _Named(gpkg=str(tmp_path / "uit.gpkg")),
            SimpleNamespace(laag="buurt_gegeneraliseerd"),
            SimpleNamespace(bron="lokaal", gemeente="GM9998", items=lambda: []),
            str(tmp_path / "fetch_geometry.log"),
        )
    text = exc.value.melding
    assert "Geen enkele buurt van GM9998" in text
    assert "erop lijken: GM9999" in text
    assert not (tmp_path / "uit.gpkg").exists()

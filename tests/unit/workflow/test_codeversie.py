"""The code fingerprint that makes an upgrade rebuild (pipeline/workflow/codeversie.py)."""

from __future__ import annotations

import shutil

from pipeline.workflow.codeversie import PAKKET, code_versie


def test_fingerprint_follows_the_sources_not_their_place_or_caches(tmp_path):
    a = tmp_path / "a" / "pipeline"
    shutil.copytree(PAKKET, a, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_versie(a) == code_versie(PAKKET)  # another checkout, same code
    (a / "__pycache__").mkdir(exist_ok=True)
    (a / "__pycache__" / "x.py").write_text("stale", encoding="utf-8")
    code_versie.cache_clear()
    assert code_versie(a) == code_versie(PAKKET)  # caches are not code
    b = tmp_path / "b" / "pipeline"
    shutil.copytree(a, b)
    (b / "present" / "fmt.py").write_text(
        (b / "present" / "fmt.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8"
    )
    assert code_versie(b) != code_versie(a)  # a changed module
    c = tmp_path / "c" / "pipeline"
    shutil.copytree(a, c)
    (c / "present" / "fmt.py").rename(c / "present" / "fmt2.py")
    assert code_versie(c) != code_versie(a)  # a renamed module

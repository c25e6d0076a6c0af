"""The report settings (``rapport`` in the config): validated, with defaults."""

from __future__ import annotations

import math
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.model.registry import Indicator
from pipeline.workflow.config_schema import schema_default

# Defaults live only in config/schema.yaml; these are for callers that pass part of a
# section (unit tests, a render from a hand-made config).
DEFAULT_RAPPORT: dict[str, Any] = {
    "weging": schema_default("rapport", "weging"),
    "vragen": schema_default("rapport", "vragen"),
    "min_inwoners": schema_default("indicatoren", "min_inwoners"),
    "afronding": schema_default("indicatoren", "afronding"),
}
"""Report settings with their defaults (``rapport`` plus the disclosure thresholds)."""


def rapport_config(cfg: dict[str, Any] | None, registry: dict[str, Indicator]) -> dict[str, Any]:
    """Validate the report settings and fill in defaults.

    Parameters
    ----------
    cfg
        ``rapport`` section of the config, optionally with ``min_inwoners`` and
        ``afronding`` (the disclosure thresholds of ``indicatoren``).
    registry
        Indicator registry (weights must name indicators with a ``richting``).

    Returns
    -------
    dict
        ``weging`` (key -> weight > 0, registry order), ``vragen``,
        ``min_inwoners``, ``afronding``.

    Raises
    ------
    WijkscanError
        Unknown indicator, indicator without direction, negative weight, all
        weights zero, or a non-text question.
    """
    cfg = dict(cfg or {})
    out = {k: cfg.get(k, v) for k, v in DEFAULT_RAPPORT.items()}
    weging: dict[str, float] = {}
    for key, w in dict(out["weging"]).items():
        if key not in registry:
            raise WijkscanError(
                f"Onbekende indicator '{key}' in de weging.",
                "config: rapport.weging",
                f"Kies uit: {', '.join(k for k, i in registry.items() if i.richting)}.",
            )
        if registry[key].richting == 0:
            raise WijkscanError(
                f"Indicator '{key}' heeft geen richting (hoger is niet beter of slechter) en kan "
                "niet gewogen worden.",
                "config: rapport.weging",
            )
        if not isinstance(w, int | float) or isinstance(w, bool) or w < 0 or math.isnan(w):
            raise WijkscanError(
                f"Gewicht van '{key}' moet een getal van 0 of meer zijn, niet {w!r}.",
                "config: rapport.weging",
            )
        if w > 0:
            weging[key] = float(w)
    if not weging:
        raise WijkscanError("Alle gewichten zijn 0.", "config: rapport.weging")
    out["weging"] = {k: weging[k] for k in registry if k in weging}
    vragen = out["vragen"]
    if not isinstance(vragen, list) or not all(isinstance(v, str) for v in vragen):
        raise WijkscanError(
            "De gespreksvragen moeten een lijst met teksten zijn.", "rapport.vragen"
        )
    out["min_inwoners"] = int(out["min_inwoners"])
    out["afronding"] = int(out["afronding"])
    return out

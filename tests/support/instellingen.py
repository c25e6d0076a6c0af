"""Indicator settings for unit tests, with the defaults of ``config/schema.yaml``."""

from __future__ import annotations

import dataclasses
from typing import Any

from pipeline.model.indicators import Settings, settings_from_config
from pipeline.workflow.config_schema import with_defaults


def settings(basisjaar: int = 2024, **overrides: Any) -> Settings:
    """The settings a default configuration gives, with ``overrides`` (field names)."""
    s = settings_from_config(with_defaults({"jaar": basisjaar}))
    return dataclasses.replace(s, **overrides)

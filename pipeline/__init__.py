"""wijkscan: per-buurt indicators on ageing, mantelzorg, dementia and loneliness."""

__version__ = "0.1.0"

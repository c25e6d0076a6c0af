"""Estimate, project and compute the indicators."""

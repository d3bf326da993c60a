"""Tagging's reads, one module per area (feeds, datasets, …)."""

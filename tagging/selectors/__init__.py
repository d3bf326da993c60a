"""Tagging's reads, one module per area."""

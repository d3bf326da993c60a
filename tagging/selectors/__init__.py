"""Tagging's reads, one module per area (analytics: the audience dashboard's figures)."""

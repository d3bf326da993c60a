"""Tagging's admin, one module per area."""

from tagging.admin import segments  # noqa: F401

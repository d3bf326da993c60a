"""Tagging in admin, one module per area (each registers its models)."""

from tagging.admin import rules, tags  # noqa: F401

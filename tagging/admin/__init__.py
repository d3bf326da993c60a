"""Tagging in admin, one module per area (each registers its models)."""

from tagging.admin import staff_api  # noqa: F401

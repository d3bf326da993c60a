"""Tagging in admin, one module per area; each registers its models."""

from tagging.admin import analytics  # noqa: F401

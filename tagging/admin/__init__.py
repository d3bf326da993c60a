"""Tagging in admin, one module per area (each registers its models)."""

from tagging.admin import webhooks  # noqa: F401

"""Tagging in admin, one module per area (each registers its models)."""

from tagging.admin import campaigns, enrichment, official_account  # noqa: F401

"""Tagging in admin, one module per area (each registers its models)."""

from tagging.admin import (  # noqa: F401
    analytics,
    campaigns,
    enrichment,
    imports,
    interests,
    official_account,
    rules,
    segments,
    staff_api,
    tags,
    webhooks,
)

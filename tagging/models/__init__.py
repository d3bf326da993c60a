"""Tagging's rows, one module per area; every model is importable from `tagging.models`."""

from tagging.models.analytics import Audience  # noqa: F401
from tagging.models.campaigns import (  # noqa: F401
    Campaign,
    CampaignDelivery,
    CampaignOaSend,
    CampaignState,
    CampaignVariant,
    Channel,
    DeliveryState,
)
from tagging.models.enrichment import ResearcherEnrichment  # noqa: F401
from tagging.models.imports import TagImport  # noqa: F401
from tagging.models.interests import JournalFollow  # noqa: F401
from tagging.models.official_account import OaMassSend, OaMassSendQuota, OaMassSendStatus, OfficialAccountFollower  # noqa: F401
from tagging.models.rules import AudienceMember, EvaluationState, RuleKind, TagRule  # noqa: F401
from tagging.models.segments import ResearcherFacts, Segment  # noqa: F401
from tagging.models.staff_api import ApiKey, ApiScope  # noqa: F401
from tagging.models.tags import AssignmentSource, Tag, TagAssignment, TagAudit, TagAuditAction, TagGroup  # noqa: F401
from tagging.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent  # noqa: F401

"""Tagging's rows, one module per area; every model is importable from `tagging.models`."""

from tagging.models.segments import Segment  # noqa: F401
from tagging.models.staff_api import ApiKey, ApiScope  # noqa: F401
from tagging.models.tags import AssignmentSource, Tag, TagAssignment, TagAudit, TagAuditAction, TagGroup  # noqa: F401

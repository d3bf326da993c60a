"""Fixtures shared by tagging's tests, one import line per area."""

from tests.tagging.oa_fixtures import oa, oa_server  # noqa: F401

"""Fixtures shared by tagging's tests, one import line per area."""

import pytest
from rest_framework.test import APIClient

from accounts.services import auth_token_issue
from tests.tagging.oa_fixtures import oa, oa_server  # noqa: F401


@pytest.fixture
def signed_in_as():
    """An API client holding a real token of an existing researcher (as POST /auth/login would issue it)."""

    def _client(researcher) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {auth_token_issue(researcher=researcher)}")
        return client

    return _client

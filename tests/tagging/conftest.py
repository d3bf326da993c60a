"""Fixtures shared by tagging's tests (the Official Account's are in tests/conftest.py, for end-to-end tests too)."""

import pytest
from rest_framework.test import APIClient

from accounts.services import auth_token_issue


@pytest.fixture
def signed_in_as():
    """An API client holding a real token of an existing researcher (as POST /auth/login would issue it)."""

    def _client(researcher) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {auth_token_issue(researcher=researcher)}")
        return client

    return _client

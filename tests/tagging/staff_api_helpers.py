"""What the staff API tests share: clients holding an API key with given scopes."""

from __future__ import annotations

from rest_framework.test import APIClient

from tagging.services.staff_api import api_key_create

ALL_SCOPES = ["researchers:read", "tags:write", "segments:read", "webhooks:write", "manuscripts:read",
              "orders:read", "campaigns:read"]


def key_client(*scopes: str, name: str = "CRM") -> APIClient:
    """An API client sending `Authorization: Api-Key <a new key with these scopes>`."""
    _key, raw_key = api_key_create(name=name, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def walk(client: APIClient, url: str) -> list[dict]:
    """Every item of a staff list, following `next` to the end."""
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        items.extend(response.json()["results"])
        url = response.json()["next"]
    return items

"""Tagging's API under /api/v1/: the staff API (api/staff_*.py) and the researcher's interests."""

from tagging.api import staff_api

urlpatterns: list = []
urlpatterns += staff_api.urlpatterns

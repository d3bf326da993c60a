"""Tagging's API views, one module per area; each module has its `urlpatterns`."""

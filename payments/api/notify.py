"""Payments API (being built)."""

urlpatterns: list = []

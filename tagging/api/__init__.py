"""Tagging's API views, one module per area (staff API: staff_*.py and webhooks.py)."""

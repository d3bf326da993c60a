"""Admin for payments (being built)."""

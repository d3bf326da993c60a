"""Tagging's writes, one module per use case (tags, …); transactions live here."""

"""Writes for manuscript tracking, one module per use case:

- `platforms`: the connector configuration of a journal system;
- `linking`: finding an identity on a platform and what follows a verified link;
- `polling`: scheduling, claiming and running syncs and platform-wide polls (leases, retries);
- `exports`: export files uploaded for file-export platforms;
- `publications`: the hourly DOI check against bibliographic sources;
- `reminders`: the daily reminders before a due date (what the journal waits for from the authors).
"""

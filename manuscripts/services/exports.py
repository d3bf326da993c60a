"""Export files for file-export platforms (Editorial Manager, Janeway, generic)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import JournalSystem
from publisher_backend.dispatch import enqueue_on_commit
from publisher_backend.errors import ApiError


class ExportFileInvalid(ApiError):
    code = "invalid"


EXPORT_PLATFORMS = ("file_export", "editorial_manager", "janeway")
EXPORT_SUFFIXES = (".csv", ".jsonl")


def export_folder(journal_system: JournalSystem) -> Path:
    """The folder a file-export journal system reads (its base URL is file:///absolute/folder)."""
    parsed = urlsplit(journal_system.base_url)
    if journal_system.platform not in EXPORT_PLATFORMS or parsed.scheme != "file":
        raise ExportFileInvalid(_("This journal system does not read export files."))
    return Path(unquote(parsed.path))


def export_file_store(*, journal_system: JournalSystem, file_name: str, chunks: Iterable[bytes]) -> Path:
    """Store an uploaded export where the connector picks it up, then poll the system after commit.

    Written as `<name>.part` and renamed when complete, so a poll never reads half a file; named
    `<name>-<UTC time>.<csv|jsonl>` so files are read in upload order.
    """
    folder = export_folder(journal_system)
    suffix = Path(file_name).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ExportFileInvalid(_("Upload a .csv or .jsonl export file."))
    folder.mkdir(parents=True, exist_ok=True)
    stem = slugify(Path(file_name).stem) or "export"
    target = folder / f"{stem}-{timezone.now():%Y%m%dT%H%M%SZ}{suffix}"
    partial = target.with_name(target.name + ".part")
    with partial.open("wb") as destination:
        for chunk in chunks:
            destination.write(chunk)
    os.replace(partial, target)
    # Broker down: the system's next platform-wide poll (every SYSTEM_POLL_INTERVAL_SECONDS) reads the file.
    enqueue_on_commit("manuscripts.tasks.poll_journal_system", journal_system.pk)
    return target

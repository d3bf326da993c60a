"""Export files in Scholar Link's own file-export format, for demos, tests and benchmarks.

Editorial Manager and Janeway have no API for an author's manuscript status, so publishers send scheduled
exports of their submissions. The format is ours, not a vendor's (``deploy/exports/README.md``); the product
reads it in ``manuscripts/connectors/file_export.py``. This module writes it:

- :func:`export_rows` — the rows of simulated journals at an export ``step`` (think: day), computed from a seed.
  Each manuscript enters at some step and follows its platform's usual path one stage every few steps; some end
  rejected or withdrawn. Nothing is held in memory, so a benchmark can export a million rows, and the rows of
  ``step + 1`` move some manuscripts on, as the publisher's next export would.
- :func:`write_export` — rows as CSV or JSON Lines, named ``<prefix>-<YYYYMMDDTHHMMSSZ>.<csv|jsonl>`` and
  written through ``<name>.part`` and a rename, as a publisher's export job should.

From the shell (the folder is created if needed; ``--settled`` back-dates the file so a poll reads it at once)::

    python -m sandbox.exports --platform janeway --format jsonl --count 20 --step 4 --folder var/exports/janeway
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.ojs import orcid_checksum

# The columns of the format, in the order the CSV writer puts them (deploy/exports/README.md).
COLUMNS = ("manuscript_id", "journal", "title", "title_zh", "status", "status_date", "submitted_at",
           "author_emails", "author_orcids", "doi", "published_on", "due_date", "action")
# Statuses whose rows carry a revision due date this many days after the decision (Editorial Manager's revision due
# date, Janeway's RevisionRequest.date_due, a generic export's own); other rows leave the optional column empty.
REVISION_DUE_STATUSES = {"editorial_manager": "Revise", "janeway": "Under Revision",
                         "file_export": "revision_requested"}
REVISION_DAYS = 30
FORMATS = ("csv", "jsonl")
DEFAULT_START = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
DAY = 86_400
SETTLED_AGE_SECONDS = 3600  # how far export_step(settled=True) back-dates a file: older than any settle time

# A platform's usual path, in its own words, and how a manuscript leaves it early (rejected, withdrawn).
PATHS: dict[str, tuple[str, ...]] = {
    "editorial_manager": ("Submitted to Journal", "With Editor", "Reviewer(s) Invited", "Under Review",
                          "Required Reviews Completed", "Decision in Process", "Revise",
                          "Revised Manuscript Submitted", "Under Review", "Decision in Process", "Accept",
                          "Completed – Accept"),
    "janeway": ("Unassigned", "Assigned", "Under Review", "Under Revision", "Under Review", "Accepted",
                "Editor Copyediting", "Author Copyediting", "Typesetting", "Proofing", "pre_publication",
                "Published"),
    "file_export": ("submitted", "with_editor", "under_review", "revision_requested", "revision_submitted",
                    "under_review", "accepted", "in_production", "published"),
}
ENDINGS: dict[str, tuple[str, str]] = {  # (rejected, withdrawn)
    "editorial_manager": ("Completed – Reject", "Completed – Withdrawn"),
    "janeway": ("Rejected", "Archived"),
    "file_export": ("rejected", "withdrawn"),
}
PUBLISHED = {"janeway": "Published", "file_export": "published"}  # EM hands accepted papers to production
PREFIXES = {"editorial_manager": "editorial-manager", "janeway": "janeway", "file_export": "export"}

_ADJECTIVES = ("Seasonal", "Long-term", "Regional", "Comparative", "Rapid", "Low-cost", "Spatial", "Adaptive")
_SUBJECTS = ("soil microbiome shifts", "groundwater nitrate levels", "urban heat islands", "rice yield gaps",
             "coastal wetland loss", "battery electrode ageing", "air quality forecasts", "forest carbon stocks")
_PLACES = ("the Yangtze delta", "the Loess Plateau", "Pearl River cities", "the North China Plain",
           "alpine catchments", "semi-arid grasslands")
_ZH_SUBJECTS = ("土壤微生物变化", "地下水硝酸盐水平", "城市热岛", "水稻产量差距", "滨海湿地退化", "电池电极老化",
                "空气质量预报", "森林碳储量")


def export_rows(*, platform: str = "editorial_manager", seed: int = 1, count: int = 20, step: int = 0,
                journals: tuple[str, ...] = ("jas",), start: datetime = DEFAULT_START, step_seconds: int = DAY,
                email_domain: str = "example.org") -> Iterator[dict[str, Any]]:
    """The rows a publisher would export at ``step``: every manuscript submitted by then, in its state then.

    Deterministic for (seed, count, step); author e-mails are ``author<n>@<email_domain>``, shared by several
    manuscripts (about three each) so co-authorship and linking can be exercised; every other author has an
    ORCID iD. ``author_emails`` and ``author_orcids`` are lists (the CSV writer joins them with ``;``).
    """
    if platform not in PATHS:
        raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(PATHS)}")
    if not journals:
        raise ValueError("at least one journal path is needed")
    path, (rejected, withdrawn) = PATHS[platform], ENDINGS[platform]
    authors_pool = max(3, count // 3)
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        first_step = rng.randrange(4)
        pace = rng.choice((1, 1, 2, 3))
        fate = rng.random()
        ends_at = rng.randrange(2, len(path) - 2)
        if step < first_step:
            continue
        stage = min((step - first_step) // pace, len(path) - 1)
        status = path[stage]
        if fate < 0.25 and stage >= ends_at:
            stage, status = ends_at, (rejected if fate < 0.2 else withdrawn)
        jitter = timedelta(seconds=-(index % 3600))  # distinct times, none after the export's own stamp
        submitted_at = start + timedelta(seconds=first_step * step_seconds) + jitter
        status_date = submitted_at + timedelta(seconds=stage * pace * step_seconds)
        journal = journals[index % len(journals)]
        first_author = (index * 7) % authors_pool
        author_indexes = list(dict.fromkeys((first_author + offset * 13) % authors_pool
                                            for offset in range(1 + rng.randrange(3))))
        published = status == PUBLISHED.get(platform)
        subject = rng.randrange(len(_SUBJECTS))
        orcids = [generated_orcid(seed, author) if author % 2 == 0 else "" for author in author_indexes]
        while orcids and not orcids[-1]:
            orcids.pop()  # paired by position: trailing authors without an iD need no entry
        yield {
            "manuscript_id": _manuscript_id(platform, journal, index, submitted_at),
            "journal": journal,
            "title": f"{rng.choice(_ADJECTIVES)} {_SUBJECTS[subject]} in {rng.choice(_PLACES)}",
            "title_zh": f"{_ZH_SUBJECTS[subject]}研究" if index % 4 == 0 else None,
            "status": status,
            "status_date": status_date.isoformat(),
            "submitted_at": submitted_at.isoformat(),
            "author_emails": [f"author{author}@{email_domain}" for author in author_indexes],
            "author_orcids": orcids,
            "doi": f"10.55555/{journal}.{index + 1}" if published else None,
            "published_on": status_date.date().isoformat() if published else None,
            "due_date": (status_date + timedelta(days=REVISION_DAYS)).date().isoformat()
            if status == REVISION_DUE_STATUSES.get(platform) else None,
            "action": None,
        }


def generated_orcid(seed: int, author: int) -> str:
    """A valid (checksummed) ORCID iD for a generated author."""
    base = f"0009{(seed * 1_000_003 + author) % 10**11:011d}"
    digits = base + orcid_checksum(base)
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:12]}-{digits[12:]}"


def export_name(prefix: str, stamp: datetime, fmt: str) -> str:
    """``<prefix>-<YYYYMMDDTHHMMSSZ>.<fmt>``, the stamp in UTC (naive means UTC)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected csv or jsonl")
    moment = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return f"{prefix}-{moment:%Y%m%dT%H%M%SZ}.{fmt}"


def write_export(folder: Path | str, rows: Iterable[dict[str, Any]], *, prefix: str, stamp: datetime,
                 fmt: str = "csv", modified_at: float | None = None) -> Path:
    """Write rows as one export file, atomically (``.part``, then a rename); returns its path.

    CSV gets every column, lists joined with ``;`` and missing values empty; JSON Lines leaves out empty optional
    values and keeps lists as arrays. ``modified_at`` (a UNIX time) back-dates the file, so a connector waiting
    for files to settle reads it at once.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / export_name(prefix, stamp, fmt)
    partial = target.with_name(target.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([_cell(row.get(column)) for column in COLUMNS])
        else:
            for row in rows:
                kept = {key: value for key, value in row.items() if value not in (None, "", [])}
                handle.write(json.dumps(kept, ensure_ascii=False) + "\n")
    os.replace(partial, target)
    if modified_at is not None:
        os.utime(target, (modified_at, modified_at))
    return target


def export_step(folder: Path | str, *, platform: str = "editorial_manager", fmt: str = "csv", seed: int = 1,
                count: int = 20, step: int = 0, journals: tuple[str, ...] = ("jas",),
                start: datetime = DEFAULT_START, step_seconds: int = DAY, prefix: str | None = None,
                settled: bool = True) -> Path:
    """The export of ``step`` written to ``folder``, stamped ``start + step × step_seconds``; ``settled``
    back-dates the file's modification time an hour, so it counts as complete at once."""
    stamp = start + timedelta(seconds=step * step_seconds)
    rows = export_rows(platform=platform, seed=seed, count=count, step=step, journals=journals, start=start,
                       step_seconds=step_seconds)
    return write_export(folder, rows, prefix=prefix or PREFIXES[platform], stamp=stamp, fmt=fmt,
                        modified_at=time.time() - SETTLED_AGE_SECONDS if settled else None)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def _manuscript_id(platform: str, journal: str, index: int, submitted_at: datetime) -> str:
    if platform == "editorial_manager":
        return f"{journal.upper()}-D-{submitted_at:%y}-{index + 1:05d}"  # EM's usual "JAS-D-26-00001"
    if platform == "janeway":
        return str(1000 + index)  # Janeway article primary keys
    return f"MS-{index + 1}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.exports",
                                     description="Write one export file in Scholar Link's file-export format")
    parser.add_argument("--folder", required=True, help="where to write (created if needed)")
    parser.add_argument("--platform", choices=tuple(PATHS), default="editorial_manager")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=20, help="manuscripts in the simulated journals")
    parser.add_argument("--step", type=int, default=0, help="which export (day) to write; +1 moves manuscripts on")
    parser.add_argument("--journals", default="jas", help="comma-separated journal paths")
    parser.add_argument("--settled", action="store_true", help="back-date the file so it is read at the next poll")
    args = parser.parse_args(argv)
    journals = tuple(path.strip() for path in args.journals.split(",") if path.strip())
    written = export_step(args.folder, platform=args.platform, fmt=args.fmt, seed=args.seed, count=args.count,
                          step=args.step, journals=journals, settled=args.settled)
    print(written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

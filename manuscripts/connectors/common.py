"""Small readers every connector needs the same way: cursors, required fields, ORCID iDs, titles.

Platform specifics stay in each connector; what is here reads alike on every platform, and names the platform
(or the object being read) in its errors.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from manuscripts.connectors.base import ConnectorError, PlatformDataError

ORCID_RE = re.compile(r"(?:(?:https?://)?(?:www\.)?orcid\.org/)?(\d{4}-?\d{4}-?\d{4}-?\d{3}[\dXx])/?", re.IGNORECASE)


class ConfiguredConnector:
    """Construction never fails, so callers may build a connector outside their error handling: a configuration
    that cannot work is kept in ``configuration_error`` and raised, not retryable, from every call."""

    configuration_error: ConnectorError | None = None

    def _check_configuration(self) -> None:
        if self.configuration_error is not None:
            raise self.configuration_error


def parse_cursor(cursor: str | None, platform: str, *, error: type[Exception] = ValueError) -> datetime | None:
    """A cursor that is an ISO 8601 instant (naive means UTC); None for no cursor.

    A cursor that is not one raises ``error`` naming the platform ("not an OJS cursor …").
    """
    if not cursor:
        return None
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        article = "an" if platform[:1].upper() in "AEIOU" else "a"
        raise error(f"not {article} {platform} cursor (an ISO 8601 date and time): {cursor!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def required_field(obj: Any, name: str, what: str) -> Any:
    """``obj[name]``; PlatformDataError naming ``what`` and the fields it has when ``obj`` lacks it."""
    if not isinstance(obj, dict) or name not in obj:
        present = ", ".join(sorted(obj)) if isinstance(obj, dict) else type(obj).__name__
        raise PlatformDataError(f"{what} has no {name!r} (it has: {present})")
    return obj[name]


def bare_orcid(value: str | None) -> str:
    """``0000-0002-1825-0097`` from that iD, its orcid.org URL, or 16 digits without hyphens; "" otherwise."""
    match = ORCID_RE.fullmatch((value or "").strip())
    if not match:
        return ""
    digits = match.group(1).replace("-", "").upper()
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:12]}-{digits[12:]}"


def plain_text(value: str) -> str:
    """A title as text: inline markup (HTML, JATS, MathML) removed, entities decoded, white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", value)).split())


def title_language(title: str) -> str:
    """Our language key for a title that carries none: Chinese script means zh-hans, anything else en."""
    return "zh-hans" if re.search(r"[\u3400-\u9fff]", title) else "en"

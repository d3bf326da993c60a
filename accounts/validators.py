import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from publisher_backend.outbound import private_address_refusal, resolved_addresses

ORCID_PATTERN = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_ORCID_URL_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


def normalize_orcid(value: str) -> str:
    """'https://orcid.org/0000-0002-1825-009x' or '0000000218250097' -> '0000-0002-1825-0097'."""
    text = value.strip()
    for prefix in _ORCID_URL_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            break
    compact = text.replace("-", "").replace(" ", "").upper()
    if len(compact) == 16:
        return "-".join(compact[i:i + 4] for i in range(0, 16, 4))
    return text.upper()


def orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 over the first 15 digits, as ORCID specifies."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    if not ORCID_PATTERN.match(value):
        raise ValidationError(_("Enter an ORCID iD like 0000-0002-1825-0097."), code="orcid_format")
    digits = value.replace("-", "")
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise ValidationError(_("This ORCID iD's check digit is wrong; please check for a typo."),
                              code="orcid_checksum")


def platform_address_refusal(address: str, *, plain_http: bool) -> str | None:
    """Why a journal system may not be called at this IP address, or None when it may.

    Private, loopback, link-local, shared, reserved and multicast addresses (anything not globally routable,
    IPv4-mapped IPv6 included) are refused unless PLATFORM_ALLOW_PRIVATE_URLS: a base URL staff or a journals
    file can set must not reach our own network (metadata services, Redis, the database, admin ports). Plain
    http is refused outside DEBUG except to such an allowed private address (the sandbox, a platform on the
    same private network): on the internet the platform token would travel in the clear.
    """
    return private_address_refusal(address, plain_http=plain_http, allow_private=settings.PLATFORM_ALLOW_PRIVATE_URLS,
                                   setting="PLATFORM_ALLOW_PRIVATE_URLS", debug=settings.DEBUG)


def validate_platform_url(value: str) -> None:
    """An https API origin (http only in DEBUG or to an allowed private address), or file:///absolute/folder for
    platforms read from export files.

    The host is resolved now and refused when it points at a private address (see platform_address_refusal);
    the connectors check again, on the address they actually connect to, so a name that changes its answer
    later (DNS rebinding) gains nothing. A name that does not resolve yet is accepted for https only.
    """
    if value.startswith("file://"):
        if not value.startswith("file:///"):
            raise ValidationError(_("A folder must be written as file:///absolute/path."), code="platform_url")
        return
    URLValidator(schemes=["http", "https"])(value)
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValidationError(_("Put the platform's user name and password in the credentials, not in the URL."),
                              code="platform_url_credentials")
    plain_http = parts.scheme == "http"
    addresses = resolved_addresses(parts.hostname or "", parts.port)
    if plain_http and not settings.DEBUG and not addresses:
        raise ValidationError(_("Use an https URL: plain http is allowed only in development."),
                              code="platform_url_https")
    for address in addresses:
        refusal = platform_address_refusal(address, plain_http=plain_http)
        if refusal is None:
            continue
        if plain_http and ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise ValidationError(_("Use an https URL: plain http is allowed only in development."),
                                  code="platform_url_https")
        raise ValidationError(
            _("%(host)s points to a private, loopback or link-local address (%(address)s); such addresses are "
              "allowed only with PLATFORM_ALLOW_PRIVATE_URLS=true."),
            code="platform_url_private", params={"host": parts.hostname, "address": address})


# Platforms whose connector reads the publisher's export files from a folder (manuscripts' file-export connector).
FILE_FOLDER_PLATFORMS = ("file_export", "editorial_manager", "janeway")


def validate_platform_settings(*, platform: str, base_url: str, credentials: dict) -> None:
    """What a journal system needs to be callable, checked when it is saved (admin) or imported
    (journals_import): a base URL it may call (validate_platform_url), a file:/// folder only for platforms read
    from export files, and Crossref's contact address (``mailto``: Crossref's etiquette, and its polite pool's
    higher limits). Raises ValidationError with a message per field (``base_url``, ``credentials``)."""
    errors: dict[str, list] = {}
    try:
        validate_platform_url(base_url)
    except ValidationError as error:
        errors["base_url"] = error.messages
    else:
        if base_url.startswith("file://") and platform not in FILE_FOLDER_PLATFORMS:
            errors["base_url"] = [_("A file:/// folder is only for platforms read from export files "
                                    "(file export, Editorial Manager, Janeway).")]
    if platform == "crossref":
        mailto = str((credentials or {}).get("mailto") or "").strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", mailto):
            errors["credentials"] = [_("Crossref needs a contact e-mail address in the credentials, "
                                       "e.g. {\"mailto\": \"ops@example.org\"}.")]
    if errors:
        raise ValidationError(errors)

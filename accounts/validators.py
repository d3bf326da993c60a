import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

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


def validate_platform_url(value: str) -> None:
    """An http(s) API origin, or file:///absolute/folder for platforms read from export files."""
    if value.startswith("file://"):
        if not value.startswith("file:///"):
            raise ValidationError(_("A folder must be written as file:///absolute/path."), code="platform_url")
        return
    URLValidator(schemes=["http", "https"])(value)

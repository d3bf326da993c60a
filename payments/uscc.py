"""The unified social credit code (统一社会信用代码, USCC): the 18-character identifier of a Chinese legal entity or
other organisation, as a company fapiao names its buyer.

GB 32100-2015 "法人和其他组织统一社会信用代码编码规则" (with amendment XG1-2016) sets its structure:

* position 1 — registration authority (登记管理部门代码: 1 机构编制, 5 民政, 9 工商, Y 其他, …);
* position 2 — organisation category within that authority (机构类别代码);
* positions 3–8 — administrative division of the registering office (登记管理机关行政区划码, GB/T 2260: six digits);
* positions 9–17 — the organisation code (主体标识码, GB 11714-1997), whose own check character is position 17;
* position 18 — the check character over positions 1–17 (GB/T 17710 / ISO 7064 style, modulus 31).

The alphabet is the digits and the capital letters without I, O, Z, S and V: 31 characters, each worth its index.
The check character of positions 1–17 is `(31 - Σ value × weight mod 31) mod 31`, the weights being 3^(i-1) mod 31.

GB 11714-1997 "全国组织机构代码编制规则": the organisation code is eight characters (digits worth 0–9, letters worth
A=10 … Z=35) and a check character `11 - Σ value × weight mod 11` with weights 3, 7, 9, 10, 5, 8, 4, 2; a result of
10 is written "X" and 11 is written "0".

Authorities and categories are added over time, so positions 1 and 2 accept any character of the alphabet; both
check characters are always verified. Every single-character substitution is caught by the modulus-31 check alone
(31 is prime and no weight is 0 mod 31).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGANIZATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORGANIZATION_CODE_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714: A=10 … Z=35


def uscc_normalize(value: str) -> str:
    """What people type or paste ("9135 0100 m000 100y43") as the code itself: no spaces, capitals."""
    return "".join(value.split()).upper()


def uscc_check_character(first_17: str) -> str:
    """GB 32100-2015's check character (position 18) of the first 17 characters."""
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first_17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organization_code_check_character(first_8: str) -> str:
    """GB 11714-1997's check character (the organisation code's 9th, the USCC's 17th) of its first 8 characters."""
    total = sum(_ORGANIZATION_CODE_VALUES.index(char) * weight
                for char, weight in zip(first_8, ORGANIZATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_is_well_formed(code: str) -> bool:
    """18 characters of the alphabet, with six digits at positions 3–8 (no check characters verified)."""
    return (len(code) == USCC_LENGTH and all(char in USCC_ALPHABET for char in code)
            and code[2:8].isascii() and code[2:8].isdigit())


def uscc_is_valid(value: str) -> bool:
    """Whether `value` (normalized first) is a USCC with both check characters right."""
    code = uscc_normalize(value)
    return (uscc_is_well_formed(code)
            and organization_code_check_character(code[8:16]) == code[16]
            and uscc_check_character(code[:17]) == code[17])


def validate_uscc(value: str) -> None:
    """Django validator: a USCC, in any case and with spaces allowed (store `uscc_normalize(value)`)."""
    code = uscc_normalize(value)
    if not uscc_is_well_formed(code):
        raise ValidationError(_("Enter the 18-character unified social credit code (letters and digits) as printed "
                                "on the business licence."), code="uscc_format")
    if not uscc_is_valid(code):
        raise ValidationError(_("This unified social credit code's check character is wrong; please check for a "
                                "typo."), code="uscc_checksum")

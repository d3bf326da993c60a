"""The unified social credit code (GB 32100-2015) and its organisation-code check (GB 11714-1997)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from payments.uscc import (
    USCC_ALPHABET,
    organization_code_check_character,
    uscc_check_character,
    uscc_is_valid,
    uscc_normalize,
    validate_uscc,
)

# Real codes, as printed on business licences.
REAL_CODES = ["91350100M000100Y43", "91110000802100433B"]


def _code_from(prefix: str, division: str, organization_body: str) -> str:
    """A code built the way the standards build one: both check characters computed."""
    first_16 = prefix + division + organization_body
    first_17 = first_16 + organization_code_check_character(organization_body)
    return first_17 + uscc_check_character(first_17)


# Organisation-code bodies whose GB 11714 check is a character of the USCC alphabet (it always is: 0-9 or X).
VALID_CODES = st.builds(
    _code_from,
    prefix=st.text(USCC_ALPHABET, min_size=2, max_size=2),
    division=st.text("0123456789", min_size=6, max_size=6),
    organization_body=st.text(USCC_ALPHABET, min_size=8, max_size=8),
)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert uscc_is_valid(code)


@pytest.mark.parametrize(("first_17", "check"), [("91350100M000100Y4", "3"), ("91110000802100433", "B")])
def test_the_check_character_of_real_codes(first_17, check):
    assert uscc_check_character(first_17) == check


@pytest.mark.parametrize(("body", "check"), [("M000100Y", "4"), ("80210043", "3")])
def test_the_organisation_code_check_of_real_codes(body, check):
    assert organization_code_check_character(body) == check


def test_an_organisation_code_check_of_ten_is_written_x():
    # Only the last character counts: 6 × 2 = 12; 12 mod 11 = 1; 11 - 1 = 10.
    assert organization_code_check_character("00000006") == "X"


def test_an_organisation_code_check_of_eleven_is_written_0():
    # A weighted sum of 0: 11 - 0 = 11.
    assert organization_code_check_character("00000000") == "0"


def test_lower_case_and_spaces_are_normalised():
    assert uscc_normalize(" 9135 0100 m000 100y43 ") == "91350100M000100Y43"
    assert uscc_is_valid("91350100m000100y43")


@pytest.mark.parametrize("code", [
    "91350100M000100Y4",     # 17 characters
    "91350100M000100Y433",   # 19
    "91350100M000100I43",    # I is not in the alphabet
    "913501O0M000100Y43",    # a letter in the division code
    "",
])
def test_malformed_codes_are_invalid(code):
    assert not uscc_is_valid(code)


def test_a_code_whose_organisation_check_is_wrong_is_invalid_even_with_a_matching_final_check():
    first_17 = "91350100M000100Y5"  # the organisation code's check should be 4
    assert not uscc_is_valid(first_17 + uscc_check_character(first_17))


@given(code=VALID_CODES)
def test_every_code_built_with_both_check_characters_is_valid(code):
    assert uscc_is_valid(code)
    validate_uscc(code)


@given(code=st.one_of(st.sampled_from(REAL_CODES), VALID_CODES), position=st.integers(0, 17),
       replacement=st.characters(codec="ascii", exclude_characters="\t\n\r\x0b\x0c "))
def test_every_single_character_change_is_rejected(code, position, replacement):
    if replacement.upper() == code[position]:
        return  # the same character (or its lower case, which is normalised): no change
    changed = code[:position] + replacement + code[position + 1:]

    assert not uscc_is_valid(changed)


def _refusal(code: str, language: str) -> ValidationError:
    with translation.override(language), pytest.raises(ValidationError) as refused:
        validate_uscc(code)
    return refused.value


def test_a_malformed_code_is_refused_as_malformed():
    assert _refusal("123", "en").code == "uscc_format"


def test_a_mistyped_code_is_refused_for_its_check_character_in_the_active_language():
    refusal = _refusal("91350100M000100Y44", "en")

    assert refusal.code == "uscc_checksum"
    with translation.override("en"):
        assert refusal.messages == ["This unified social credit code's check character is wrong; please check for a "
                                    "typo."]
    with translation.override("zh-hans"):
        assert refusal.messages == ["该统一社会信用代码的校验码不正确，请检查是否有输入错误。"]

"""Every formatted keyword value is one WeChat accepts (protocols.md §1.3), for any input."""

import re
import string
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.formatting import (
    BEIJING,
    UnknownKeywordType,
    fit_keyword_value,
    format_amount_fen,
    keyword_type_of,
)
from sandbox.wechat import keyword_value_ok

CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
PUNCTUATION = set(string.punctuation)

# WeChat's rules, written independently of the formatter.
ACCEPTS = {
    "thing": lambda v: 0 < len(v.encode("utf-16-le")) // 2 <= 20 and "\n" not in v,
    "number": lambda v: re.fullmatch(r"\d{1,32}(\.\d+)?", v) is not None and sum(c.isdigit() for c in v) <= 32,
    "letter": lambda v: re.fullmatch(r"[A-Za-z]{1,32}", v) is not None,
    "symbol": lambda v: 0 < len(v) <= 5 and all(c in PUNCTUATION for c in v),
    "character_string": lambda v: 0 < len(v) <= 32 and all(c.isascii() and c.isprintable() and c != " " for c in v),
    "phone_number": lambda v: 0 < len(v) <= 17 and all(c.isdigit() or c in "+-" for c in v),
    "car_number": lambda v: 0 < len(v) <= 8 and all(c.isascii() and c.isalnum() for c in v[1:])
    and (v[0].isascii() and v[0].isalnum() or CJK.fullmatch(v[0]) is not None),
    "name": lambda v: (any(CJK.fullmatch(c) for c in v) and len(v) <= 10
                       and all(CJK.fullmatch(c) or c in string.ascii_letters + "·" for c in v))
    or (0 < len(v) <= 20 and all(c.isascii() and c.isprintable() and not c.isdigit() for c in v)),
    "phrase": lambda v: CJK.fullmatch(v) is not None and len(v) <= 5,
}

# Chinese, ASCII, emoji (including joined sequences and flags), controls and accents, mixed.
MIXED_TEXT = st.lists(st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from(["😀", "👩\u200d🔬", "🇨🇳", "\n", "\t", "\u200b", "é", "Ω"]),
), max_size=80).map("".join)


@pytest.mark.parametrize("keyword_type", sorted(ACCEPTS))
@settings(max_examples=150, deadline=None)
@given(value=MIXED_TEXT)
def test_any_text_becomes_an_accepted_value(keyword_type, value):
    fitted = fit_keyword_value(keyword_type, value)

    assert ACCEPTS[keyword_type](fitted), (keyword_type, value, fitted)


@pytest.mark.parametrize("keyword_type", sorted(ACCEPTS))
@settings(max_examples=150, deadline=None)
@given(value=MIXED_TEXT)
def test_the_wechat_sandbox_accepts_every_formatted_text(keyword_type, value):
    """A second, independent reading of WeChat's rules: the sandbox's own validator."""
    assert keyword_value_ok(f"{keyword_type}1", fit_keyword_value(keyword_type, value)), (keyword_type, value)


@settings(max_examples=150, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30),
                           timezones=st.sampled_from([UTC, BEIJING])),
       amount_fen=st.integers(min_value=-10**14, max_value=10**14))
def test_the_wechat_sandbox_accepts_every_formatted_time_date_and_amount(moment, amount_fen):
    assert keyword_value_ok("time1", fit_keyword_value("time", moment))
    assert keyword_value_ok("date1", fit_keyword_value("date", moment))
    assert keyword_value_ok("date1", fit_keyword_value("date", moment.date()))
    assert keyword_value_ok("amount1", fit_keyword_value("amount", amount_fen))


# An enum keyword's values as a template lists them: one line each, distinct (notifications.models checks this).
ENUM_CHOICES = st.lists(MIXED_TEXT.filter(lambda text: text.strip() != "" and text.isprintable()),
                        min_size=1, max_size=6, unique=True)


@settings(max_examples=150, deadline=None)
@given(value=st.one_of(MIXED_TEXT, st.integers(), st.none()), choices=ENUM_CHOICES)
def test_any_value_becomes_one_of_an_enum_keywords_values_which_the_sandbox_accepts(value, choices):
    fitted = fit_keyword_value("enum", value, choices=choices)

    assert fitted in choices
    assert keyword_value_ok("enum1", fitted, choices), (value, choices, fitted)


@settings(max_examples=150, deadline=None)
@given(choices=ENUM_CHOICES, data=st.data())
def test_an_enumerated_value_is_kept_as_it_is(choices, data):
    value = data.draw(st.sampled_from(choices))

    assert fit_keyword_value("enum", value, choices=choices) == value


def test_an_enum_value_outside_the_list_becomes_the_first_listed_and_the_sandbox_refuses_the_original():
    choices = ["待处理", "审稿中", "已录用"]

    assert fit_keyword_value("enum", "  审稿中 ", choices=choices) == "审稿中"  # one line, trimmed
    assert fit_keyword_value("enum", "withdrawn", choices=choices) == "待处理"
    assert not keyword_value_ok("enum1", "withdrawn", choices)
    assert not keyword_value_ok("enum1", "审稿中", [])  # a template without values takes nothing


def test_an_enum_keyword_without_its_values_is_an_error():
    with pytest.raises(ValueError, match="enumerated values"):
        fit_keyword_value("enum", "审稿中")


@pytest.mark.parametrize(("value", "expected"), [
    ("Accepted", "Accepted"),
    ("一二三四五六七八九十一二三四五六七八九十", "一二三四五六七八九十一二三四五六七八九十"),  # exactly 20
    ("一二三四五六七八九十一二三四五六七八九十一", "一二三四五六七八九十一二三四五六七八九…"),  # 21
    ("Soil Microbiome Shifts Under Drought", "Soil Microbiome Shi…"),
    ("  two\nlines  ", "two lines"),
    ("", "-"),
])
def test_thing_is_cut_on_a_character_boundary_with_an_ellipsis(value, expected):
    assert fit_keyword_value("thing", value) == expected


@pytest.mark.parametrize(("value", "expected"), [(".5", "0.5"), ("1.2.3", "1.23"), ("abc", "0"), ("12.", "12"),
                                                  ("¥ 1,250.00", "1250.00")])
def test_number_keeps_digits_and_one_point(value, expected):
    assert fit_keyword_value("number", value) == expected


def test_thing_keeps_emoji_whole_and_counts_each_as_two():
    assert fit_keyword_value("thing", "🎉" * 25) == "🎉" * 9 + "…"


@pytest.mark.parametrize(("value", "expected"), [("已录用", "已录用"), ("审稿中 Accepted", "审稿中"),
                                                  ("需要修改稿件内容", "需要修改稿"), ("Accepted", "更新")])
def test_phrase_is_pure_chinese_of_at_most_five(value, expected):
    assert fit_keyword_value("phrase", value) == expected


@pytest.mark.parametrize(("amount_fen", "expected"), [(1250, "¥12.50"), (250000, "¥2500.00"), (7, "¥0.07"),
                                                       (0, "¥0.00")])
def test_amounts_from_integer_fen(amount_fen, expected):
    assert format_amount_fen(amount_fen) == expected
    assert fit_keyword_value("amount", amount_fen) == expected


def test_amount_refuses_floats_money_is_integer_fen():
    with pytest.raises(TypeError):
        fit_keyword_value("amount", 12.5)


def test_times_are_beijing_time():
    moment = datetime(2026, 11, 25, 23, 1, tzinfo=UTC)

    assert fit_keyword_value("time", moment) == "2026年11月26日 07:01"
    assert fit_keyword_value("date", moment) == "2026年11月26日"
    assert fit_keyword_value("date", date(2026, 1, 5)) == "2026年1月5日"


def test_character_string_drops_chinese_and_spaces():
    assert fit_keyword_value("character_string", "订单 SL-2026-0001") == "SL-2026-0001"


def test_name_prefers_chinese_then_ascii_and_never_keeps_digits():
    assert fit_keyword_value("name", "李伟 Li Wei") == "李伟LiWei"
    assert fit_keyword_value("name", "Maria Garcia-Lopez de la Vega") == "Maria Garcia-Lopez d"
    assert fit_keyword_value("name", "用户410774") == "用户"
    assert fit_keyword_value("name", "R2-D2 Droid") == "R-D Droid"


def test_car_number_keeps_a_leading_province_then_letters_and_digits():
    assert fit_keyword_value("car_number", "京A·12345") == "京A12345"
    assert fit_keyword_value("car_number", "粤B 1234 5678 😀") == "粤B123456"


@pytest.mark.parametrize(("keyword", "keyword_type"), [("thing1", "thing"), ("character_string19", "character_string"),
                                                      ("phrase16", "phrase"), ("time2", "time"), ("enum5", "enum")])
def test_keyword_names_carry_their_type(keyword, keyword_type):
    assert keyword_type_of(keyword) == keyword_type


def test_unknown_keyword_type_is_an_error():
    with pytest.raises(UnknownKeywordType):
        keyword_type_of("colour3")

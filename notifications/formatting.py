"""The one function that fits a value to a WeChat subscription-message keyword type.

WeChat answers 47003 ("argument invalid! data.thing1.value invalid") when a keyword value breaks its
type's rule (WeChat's 发送订阅消息 documentation lists each type's rule); `fit_keyword_value` makes every
value one WeChat accepts, so our own formatting never causes a 47003:

| type | rule | what we do |
| --- | --- | --- |
| thing | ≤ 20 characters | cut on a character boundary, ending "…"; an emoji counts as two (UTF-16) |
| number | ≤ 32 digits, decimal point allowed | keep digits and the first point |
| letter | ≤ 32 letters | keep ASCII letters |
| symbol | ≤ 5 symbols | keep ASCII punctuation |
| character_string | ≤ 32 digits/letters/symbols, no Chinese | keep printable ASCII, no spaces |
| time | 24 h time, optional date | `2026年11月25日 15:01` in Beijing time |
| date | a date, optional time | `2026年11月25日` in Beijing time |
| amount | one currency sign + ≤ 10 digits | `¥12.50` from integer fen |
| phone_number | ≤ 17 digits/symbols | keep digits, `+`, `-` |
| car_number | ≤ 8, Chinese only first or last | a leading Chinese character, then letters/digits, to 8 |
| name | ≤ 10 Chinese, or ≤ 20 letters/symbols; no digits | Chinese, letters, · to 10; else letters/symbols to 20 |
| phrase | ≤ 5 pure Chinese characters | keep Chinese characters, at most 5 |
| enum | one of the template's enumerated values | the value if it is one of them, else the first listed |

An empty result would itself be refused, so each type has a neutral fallback. For `enum` (WeChat's
`enum.DATA`, "只能上传枚举值范围内的字段值": the values are fixed per template and listed by WeChat's template
API as `keywordEnumValueList`) the fallback is the first value staff listed, so they list the neutral one
first; a template's `map` turns event values into enumerated ones before this step.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
ELLIPSIS = "…"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ASCII_PUNCTUATION = set(string.punctuation)

LIMITS = {"thing": 20, "number": 32, "letter": 32, "symbol": 5, "character_string": 32, "phone_number": 17,
          "car_number": 8, "phrase": 5}
FALLBACKS = {"thing": "-", "number": "0", "letter": "A", "symbol": "-", "character_string": "-",
             "phone_number": "-", "car_number": "无", "name": "-", "phrase": "更新"}
KEYWORD_TYPES = (*LIMITS, "time", "date", "amount", "name", "enum")


class UnknownKeywordType(ValueError):
    pass


def keyword_type_of(keyword: str) -> str:
    """'thing12' -> 'thing', 'character_string3' -> 'character_string' (WeChat names keys type + number)."""
    keyword_type = keyword.rstrip("0123456789")
    if keyword_type not in KEYWORD_TYPES:
        raise UnknownKeywordType(f"unknown WeChat keyword type in {keyword!r}")
    return keyword_type


def _clean_text(value: object) -> str:
    """Text on one line, without control characters (WeChat shows a value as a single line)."""
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text)
    return re.sub(r"\s+", " ", text).strip()


def utf16_length(text: str) -> int:
    """Length as WeChat's JavaScript-side checks count it: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _take(text: str, limit: int) -> str:
    """The longest prefix of at most `limit` UTF-16 units, cut between characters (never inside an emoji)."""
    kept, used = [], 0
    for char in text:
        size = utf16_length(char)
        if used + size > limit:
            break
        kept.append(char)
        used += size
    return "".join(kept)


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units; a cut text ends with "…"."""
    if utf16_length(text) <= limit:
        return text
    return _take(text, limit - 1).rstrip() + ELLIPSIS


def _beijing(value: datetime | date) -> datetime | date:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=BEIJING)
        return aware.astimezone(BEIJING)
    return value


def format_amount_fen(amount_fen: int) -> str:
    """Integer fen to WeChat's amount: '¥12.50' (one sign, at most 10 digits)."""
    yuan, fen = divmod(abs(int(amount_fen)), 100)
    text = f"¥{yuan}.{fen:02d}"
    digits = sum(char.isdigit() for char in text)
    return text if digits <= 10 else "¥" + "9" * 8 + ".99"


def fit_keyword_value(keyword_type: str, value: object, *, choices: Sequence[str] = ()) -> str:
    """A value of `keyword_type` that WeChat accepts, as close to `value` as the type allows.

    `choices` are an `enum` keyword's enumerated values, exactly as the template lists them (required for it).
    """
    if keyword_type == "enum":
        if not choices:
            raise ValueError("an 'enum' keyword needs the template's enumerated values")
        for candidate in (value, _clean_text(value)):
            if isinstance(candidate, str) and candidate in choices:
                return candidate
        return choices[0]
    if keyword_type == "time":
        moment = _beijing(value) if isinstance(value, datetime | date) else None
        if isinstance(moment, datetime):
            return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
        if isinstance(moment, date):
            return f"{moment.year}年{moment.month}月{moment.day}日 00:00"
        raise TypeError("a 'time' keyword needs a date or datetime")
    if keyword_type == "date":
        moment = _beijing(value) if isinstance(value, datetime | date) else None
        if moment is None:
            raise TypeError("a 'date' keyword needs a date or datetime")
        return f"{moment.year}年{moment.month}月{moment.day}日"
    if keyword_type == "amount":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("an 'amount' keyword takes integer fen")
        return format_amount_fen(value)
    text = _clean_text(value)
    if keyword_type == "thing":
        fitted = _cut(text, LIMITS["thing"])
    elif keyword_type == "number":
        number = re.sub(r"[^0-9.]", "", text)
        head, _point, tail = number.partition(".")
        tail = tail.replace(".", "")
        number = (head or "0") + ("." + tail if tail else "")
        fitted = number[: LIMITS["number"]].rstrip(".")
    elif keyword_type == "letter":
        fitted = "".join(char for char in text if char in string.ascii_letters)[: LIMITS["letter"]]
    elif keyword_type == "symbol":
        fitted = "".join(char for char in text if char in _ASCII_PUNCTUATION)[: LIMITS["symbol"]]
    elif keyword_type == "character_string":
        fitted = "".join(char for char in text if char.isascii() and char.isprintable() and char != " ")
        fitted = fitted[: LIMITS["character_string"]]
    elif keyword_type == "phone_number":
        fitted = "".join(char for char in text if char.isdigit() and char.isascii() or char in "+-")
        fitted = fitted[: LIMITS["phone_number"]]
    elif keyword_type == "car_number":
        # A plate like 京A12345: a Chinese province first, then letters and digits.
        head = text[:1] if _CJK.fullmatch(text[:1] or "x") else ""
        fitted = head + "".join(char for char in text[len(head):] if char.isascii() and char.isalnum())
        fitted = fitted[: LIMITS["car_number"]]
    elif keyword_type == "name":
        if _CJK.search(text):  # a Chinese name (mixed with letters it still counts as one): at most 10
            fitted = "".join(char for char in text if _CJK.fullmatch(char) or char in string.ascii_letters + "·")
            fitted = fitted[:10]
        else:  # letters and symbols, no digits: at most 20
            fitted = "".join(char for char in text if char in string.ascii_letters + " " or char in _ASCII_PUNCTUATION)
            fitted = re.sub(" +", " ", fitted)[:20].strip()
    elif keyword_type == "phrase":
        fitted = "".join(_CJK.findall(text))[: LIMITS["phrase"]]
    else:
        raise UnknownKeywordType(f"unknown WeChat keyword type {keyword_type!r}")
    return fitted or FALLBACKS[keyword_type]

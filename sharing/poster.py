"""The share poster and the share card, drawn with Pillow. The poster: journal, title, milestone, date, sharer and
the Mini Program code. The card (the image of a chat card or a Moments post, 5:4): milestone, journal, title and,
once published and cited, how often.

Text is set in Noto Sans CJK (Simplified Chinese face), which covers Latin too, so one font draws mixed
Chinese and English titles. Lines break between any two CJK characters and between Latin words (a Latin word
longer than a line breaks between letters); closing punctuation never starts a line and opening punctuation
never ends one, as Chinese typesetting expects.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 750, 1200  # the poster's pixels (WeChat's design width is 750)
MARGIN = 60
CODE_SIZE = 280
TITLE_MAX_LINES = 5
NOTO_SC_INDEX = 2  # faces in Noto Sans CJK's collection: JP, KR, SC, TC, HK

BACKGROUND = (255, 255, 255)
ACCENT = (0, 82, 217)  # the Mini Program's brand blue
INK = (29, 33, 41)
MUTED = (110, 117, 130)

_WIDE = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
# A run of spaces, a Latin word up to the next space or wide character, or any single character.
_PIECE = re.compile(rf"\s+|[^\s{_WIDE}]+?(?=\s|$|[{_WIDE}])|.")
_NO_LINE_START = set("，。、；：？！）》」』】〉”’,.;:?!)]}%")
_NO_LINE_END = set("（《「『【〈“‘([{")


@dataclass(frozen=True)
class PosterContent:
    journal_name: str
    title: str
    milestone_label: str
    date_text: str
    sharer_name: str
    caption: str  # the line under the code ("scan to read")


def font_path() -> Path:
    if settings.SHARE_POSTER_FONT_PATH:
        return Path(settings.SHARE_POSTER_FONT_PATH)
    import manimgx_fonts_cjk  # the pinned font package: a data file beside its __init__

    return Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"


@lru_cache(maxsize=16)
def poster_font(size: int, weight: str = "Regular") -> ImageFont.FreeTypeFont:
    path = font_path()
    index = NOTO_SC_INDEX if path.suffix.lower() == ".ttc" else 0
    font = ImageFont.truetype(str(path), size, index=index)
    try:
        font.set_variation_by_name(weight)
    except OSError:  # a static font: it has one weight
        pass
    return font


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: one CJK character, a Latin word (with the space after it), punctuation glued to the
    piece before (closing) or after (opening) it."""
    pieces = _PIECE.findall(text)
    tokens: list[str] = []
    carry = ""
    for piece in pieces:
        if piece.isspace():
            if tokens:
                tokens[-1] += " "
            continue
        if piece in _NO_LINE_START and (carry or tokens):
            if carry:  # an opening mark waits for what follows it: the closing one joins it
                carry += piece
            else:
                tokens[-1] = tokens[-1].rstrip() + piece
            continue
        if piece in _NO_LINE_END:
            carry += piece
            continue
        tokens.append(carry + piece)
        carry = ""
    if carry:
        tokens.append(carry)
    return tokens


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: int, max_lines: int | None = None) -> list[str]:
    """`text` as lines no wider than `max_width`; past `max_lines` the last line ends with an ellipsis."""
    lines: list[str] = []
    line = ""
    for token in _tokens(" ".join(text.split())):
        if font.getlength((line + token).rstrip()) <= max_width:
            line += token
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        while font.getlength(token.rstrip()) > max_width:  # a word wider than the line: break between letters
            cut = len(token)
            while cut > 1 and font.getlength(token[:cut]) > max_width:
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def render_poster(content: PosterContent, code_png: bytes) -> bytes:
    """The poster as PNG bytes (WIDTH x HEIGHT, RGB)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    text_width = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, WIDTH, 16), fill=ACCENT)

    y = 80
    journal_font = poster_font(30, "Medium")
    for line in wrap_text(content.journal_name, journal_font, text_width, max_lines=2):
        draw.text((MARGIN, y), line, font=journal_font, fill=MUTED)
        y += 44

    y += 24
    milestone_font = poster_font(56, "Bold")
    draw.text((MARGIN, y), content.milestone_label, font=milestone_font, fill=ACCENT)
    y += 80
    date_font = poster_font(28)
    draw.text((MARGIN, y), content.date_text, font=date_font, fill=MUTED)
    y += 70

    title_font = poster_font(40, "Bold")
    for line in wrap_text(content.title, title_font, text_width, max_lines=TITLE_MAX_LINES):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 58

    y += 20
    name_font = poster_font(30)
    for line in wrap_text(content.sharer_name, name_font, text_width, max_lines=1):
        draw.text((MARGIN, y), line, font=name_font, fill=INK)

    code = Image.open(io.BytesIO(code_png)).convert("RGBA").resize((CODE_SIZE, CODE_SIZE))
    code_top = HEIGHT - CODE_SIZE - 110
    image.paste(code, ((WIDTH - CODE_SIZE) // 2, code_top), code)
    caption_font = poster_font(24)
    caption_width = caption_font.getlength(content.caption)
    draw.text(((WIDTH - caption_width) / 2, code_top + CODE_SIZE + 24), content.caption, font=caption_font,
              fill=MUTED)

    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


CARD_WIDTH, CARD_HEIGHT = 500, 400  # 5:4, what WeChat shows for a chat card's image
CARD_MARGIN = 36
CARD_TITLE_MAX_LINES = 3


@dataclass(frozen=True)
class CardContent:
    milestone_label: str
    journal_name: str
    title: str
    citations_text: str  # "" unless published and cited


def render_card(content: CardContent) -> bytes:
    """The share card as PNG bytes (CARD_WIDTH x CARD_HEIGHT, RGB): the milestone as the headline on the accent
    band, then the journal, the title and the citations line. Nothing else: a card is seen by whoever gets it."""
    image = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    text_width = CARD_WIDTH - 2 * CARD_MARGIN
    band_height = 112
    draw.rectangle((0, 0, CARD_WIDTH, band_height), fill=ACCENT)
    headline_font = poster_font(44, "Bold")
    (headline,) = wrap_text(content.milestone_label, headline_font, text_width, max_lines=1) or [""]
    draw.text((CARD_MARGIN, (band_height - 56) // 2), headline, font=headline_font, fill=BACKGROUND)

    y = band_height + 24
    journal_font = poster_font(24, "Medium")
    for line in wrap_text(content.journal_name, journal_font, text_width, max_lines=1):
        draw.text((CARD_MARGIN, y), line, font=journal_font, fill=MUTED)
        y += 36
    y += 10
    title_font = poster_font(30, "Bold")
    for line in wrap_text(content.title, title_font, text_width, max_lines=CARD_TITLE_MAX_LINES):
        draw.text((CARD_MARGIN, y), line, font=title_font, fill=INK)
        y += 44
    if content.citations_text:
        citations_font = poster_font(26, "Medium")
        draw.text((CARD_MARGIN, CARD_HEIGHT - CARD_MARGIN - 34), content.citations_text, font=citations_font,
                  fill=ACCENT)

    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()

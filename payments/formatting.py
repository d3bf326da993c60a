"""How amounts are shown to people: the one function that turns integer fen into yuan text."""

from __future__ import annotations


def fen_as_yuan(amount_fen: int) -> str:
    """250000 -> "¥2,500.00"; -1050 -> "-¥10.50". Integer arithmetic only: fen never pass through a float."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise TypeError(f"amount_fen must be an int, not {type(amount_fen).__name__}")
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}¥{yuan:,}.{fen:02d}"

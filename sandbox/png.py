"""Deterministic QR-lookalike PNG images for the wxacode stand-in, built with zlib and struct only.

The image is a 1-bit palette PNG: a 1280x1280 code stays a few kilobytes and encodes in milliseconds,
yet it is a genuine PNG that any decoder (browsers, Pillow, WeChat DevTools) accepts.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MODULES = 29  # grid of a version-3 QR code
QUIET_ZONE = 4  # blank modules around the grid, as scanners expect
_FINDER_ORIGINS = ((0, 0), (0, MODULES - 7), (MODULES - 7, 0))

RGB = tuple[int, int, int]


def render_code(seed: bytes, size: int, *, foreground: RGB = (0, 0, 0), transparent: bool = False) -> bytes:
    """A ``size`` x ``size`` PNG whose pattern depends only on ``seed``.

    ``transparent`` makes the background fully transparent (WeChat's ``is_hyaline``).
    """
    grid = module_grid(seed)
    module = max(size // (MODULES + 2 * QUIET_ZONE), 1)
    offset = (size - module * MODULES) // 2
    blank = bytes((size + 7) // 8)
    # Pixel rows repeat within a module, so each distinct packed row is built once and reused.
    packed = [_pack_row(grid_row, size, module, offset) for grid_row in grid]
    raw = bytearray()
    for y in range(size):
        row = (y - offset) // module
        raw += b"\x00"  # filter type 0 (None) for every scanline
        raw += packed[row] if 0 <= y - offset and row < MODULES else blank
    palette = bytes((255, 255, 255)) + bytes(foreground)
    chunks = [
        _chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 1, 3, 0, 0, 0)),  # 1 bit, palette colour
        _chunk(b"PLTE", palette),
    ]
    if transparent:
        chunks.append(_chunk(b"tRNS", b"\x00\xff"))  # alpha per palette entry: background 0, code 255
    chunks += [_chunk(b"IDAT", zlib.compress(bytes(raw), 9)), _chunk(b"IEND", b"")]
    return SIGNATURE + b"".join(chunks)


def module_grid(seed: bytes) -> list[list[bool]]:
    """MODULES x MODULES dark/light modules: QR finder and timing patterns, seed-derived data elsewhere."""
    stream = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(4))
    bits = [bool(byte >> (7 - n) & 1) for byte in stream for n in range(8)]
    grid = [[bits[r * MODULES + c] for c in range(MODULES)] for r in range(MODULES)]
    for i in range(MODULES):
        grid[6][i] = grid[i][6] = i % 2 == 0  # timing patterns
    for top, left in _FINDER_ORIGINS:
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= top + r < MODULES and 0 <= left + c < MODULES:
                    ring = max(abs(r - 3), abs(c - 3))  # 0..3 inside the finder, 4 on its separator
                    grid[top + r][left + c] = ring in (0, 1, 3)
    return grid


def _pack_row(grid_row: list[bool], size: int, module: int, offset: int) -> bytes:
    bits = ["0"] * offset + ["1" if dark else "0" for dark in grid_row for _ in range(module)]
    bits += ["0"] * ((size + 7) // 8 * 8 - len(bits))  # right margin plus padding to a whole byte
    return int("".join(bits), 2).to_bytes(len(bits) // 8, "big")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

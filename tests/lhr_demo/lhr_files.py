"""Real evidence files for the tests (made with Pillow, so they are genuine PDF/PNG/JPEG)."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw


def png(size=(120, 80), text="หลักฐาน") -> bytes:
    im = Image.new("RGB", size, "white")
    ImageDraw.Draw(im).rectangle([5, 5, size[0] - 5, size[1] - 5], outline="navy", width=3)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def jpeg(size=(160, 120)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 220, 240)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def pdf() -> bytes:
    buf = io.BytesIO()
    im = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(im).text((20, 20), "order 394/2568", fill="black")
    im.save(buf, "PDF")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width=40_000, height=40_000) -> bytes:
    """A tiny PNG that claims 1.6 gigapixels (1-bit greyscale, every row zero): a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    raw_row = b"\x00" + b"\x00" * ((width + 7) // 8)
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(raw_row) for _ in range(200)) + comp.flush()  # a start is enough
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")

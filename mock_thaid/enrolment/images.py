"""Uploaded photos: JPEG or PNG by content (Pillow, never the file name), at most 5 MB,
no decompression bombs, and a rough "can this be read?" check. Pure: bytes in, facts out.

Nothing here logs, and nothing of an image ever goes into an error message.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageStat, UnidentifiedImageError

from ..domain.marker import MARKER_KEY, read_marker
from ..pinhash import CPU_TURNS

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
"""More pixels than this is refused before decoding (a 12-MP phone photo is far below)."""
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


class ImageRejected(ValueError):
    """``code``: image_missing, image_too_large, image_type, image_bomb, image_corrupt."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Photo:
    data: bytes
    mime: str
    width: int
    height: int
    sha256: str
    blank: bool
    """Nearly one colour: nothing can be read from it."""
    marker: dict | None
    """The sample-card marker (pid, side, variant) when the mock rendered this card."""


def check(data: bytes | None) -> Photo:
    """The facts about an uploaded photo, or :class:`ImageRejected`. Width and height are the
    file's own; the pixels are decoded only as far as the checks need (JPEG: reduced)."""
    if not data:
        raise ImageRejected("image_missing")
    if len(data) > MAX_BYTES:
        raise ImageRejected("image_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as img:
                fmt = img.format
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise ImageRejected("image_bomb")
                marker = _marker(img)  # JPEG comment / PNG text chunks before the pixels: read at open
                if fmt == "JPEG":
                    # Decode in grey at 1/8 scale (libjpeg's DCT scaling): the whole file is still
                    # decoded (a broken one still fails), ~2x cheaper than 12 MP in colour.
                    img.draft("L", (max(1, width // 8), max(1, height // 8)))
                with CPU_TURNS:  # one decode per core at a time (mock_thaid/pinhash.py)
                    img.load()
                    blank = _blank(img)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("image_bomb") from None
    except UnidentifiedImageError:
        raise ImageRejected("image_type") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRejected("image_corrupt") from None
    return Photo(data, FORMATS[fmt], width, height, hashlib.sha256(data).hexdigest(), blank, marker)


def too_small(photo: Photo, long_side: int, short_side: int) -> bool:
    big, small = max(photo.width, photo.height), min(photo.width, photo.height)
    return big < long_side or small < short_side


def _blank(img: Image.Image) -> bool:
    grey = img.convert("L")
    grey.thumbnail((128, 128))
    return ImageStat.Stat(grey).stddev[0] < 6.0


def _marker(img: Image.Image) -> dict | None:
    raw = getattr(img, "text", {}).get(MARKER_KEY) if img.format == "PNG" else img.info.get("comment")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return read_marker(raw)

"""Thai 13-digit citizen ID (เลขประจำตัวประชาชน, "PID"): normalize, validate, format, generate.

Pure functions, no I/O. The checksum (shared/reference/thaid-api.md §10) over digits
d1…d13 is::

    d13 = (11 - (sum(d_i * (14 - i) for i in 1..12) mod 11)) mod 10

and the first digit (the person's registration category) is 1–8.
``1234567890121`` and ``3100600445635`` are valid; ``1234567890123`` is not.
People write the number as ``1-2345-67890-12-1``, with spaces, or in Thai digits
(``๑๒๓๔…``); :func:`normalize` accepts all of those.
"""

from __future__ import annotations

import random
import re

__all__ = [
    "PID_LENGTH",
    "THAI_DIGITS",
    "InvalidPID",
    "check_digit",
    "format_pid",
    "generate",
    "is_valid",
    "normalize",
    "validate",
]

PID_LENGTH = 13

#: Thai digits ๐–๙ (U+0E50–U+0E59), in order, so ``THAI_DIGITS[n]`` is n.
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ASCII = str.maketrans(THAI_DIGITS, "0123456789")

# Separators people type inside a PID: whitespace, ASCII hyphen-minus and Unicode dashes.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class InvalidPID(ValueError):
    """A text that is not a valid citizen ID.

    ``code`` is stable, for programs: ``empty``, ``not_digits``, ``wrong_length``,
    ``bad_first_digit``, ``bad_checksum``. ``message_th`` / ``message_en`` are for people.
    """

    _MESSAGES: dict[str, tuple[str, str]] = {
        "empty": ("กรุณากรอกเลขประจำตัวประชาชน", "Please enter the citizen ID."),
        "not_digits": (
            "เลขประจำตัวประชาชนต้องเป็นตัวเลขเท่านั้น",
            "The citizen ID must contain digits only.",
        ),
        "wrong_length": (
            "เลขประจำตัวประชาชนต้องมี 13 หลัก (กรอกมา {n} หลัก)",
            "The citizen ID must have 13 digits (got {n}).",
        ),
        "bad_first_digit": (
            "หลักแรกของเลขประจำตัวประชาชนต้องเป็น 1 ถึง 8",
            "The first digit of the citizen ID must be 1 to 8.",
        ),
        "bad_checksum": (
            "เลขประจำตัวประชาชนไม่ถูกต้อง (หลักตรวจสอบไม่ตรง)",
            "The citizen ID is not valid (check digit does not match).",
        ),
    }

    def __init__(self, code: str, value: str = "") -> None:
        th, en = self._MESSAGES[code]
        self.code = code
        self.value = value
        self.message_th = th.format(n=len(value))
        self.message_en = en.format(n=len(value))
        super().__init__(self.message_en)


def normalize(text: str) -> str:
    """Remove spaces and dashes and turn Thai digits into ASCII digits. Does not validate."""
    return _SEPARATORS.sub("", text.translate(_TO_ASCII))


def check_digit(first12: str) -> int:
    """The 13th digit for the 12 ASCII digits ``first12``.

    Raises ``ValueError`` when ``first12`` is not exactly 12 ASCII digits.
    """
    if len(first12) != 12 or not _ASCII_DIGITS.fullmatch(first12):
        raise ValueError(f"expected 12 ASCII digits, got {first12!r}")
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))  # weights 13..2
    return (11 - total % 11) % 10


def _problem(pid: str) -> str | None:
    """The first thing wrong with an already-normalized PID, or ``None`` when it is valid."""
    if not pid:
        return "empty"
    if not _ASCII_DIGITS.fullmatch(pid):
        return "not_digits"
    if len(pid) != PID_LENGTH:
        return "wrong_length"
    if pid[0] not in "12345678":
        return "bad_first_digit"
    if check_digit(pid[:12]) != int(pid[12]):
        return "bad_checksum"
    return None


def validate(text: str) -> str:
    """Return the normalized PID, or raise :class:`InvalidPID` saying what is wrong."""
    pid = normalize(text)
    code = _problem(pid)
    if code is not None:
        raise InvalidPID(code, pid)
    return pid


def is_valid(pid: str) -> bool:
    """True when ``pid`` (after :func:`normalize`) is 13 ASCII digits, starts 1–8, checksum ok."""
    return _problem(normalize(pid)) is None


def format_pid(pid: str) -> str:
    """Display form ``1-2345-67890-12-1``.

    Accepts anything :func:`normalize` accepts; raises :class:`InvalidPID` when the result
    is not 13 ASCII digits (the checksum is not checked, so test data can be shown too).
    """
    p = normalize(pid)
    code = _problem(p)
    if code in ("empty", "not_digits", "wrong_length"):
        raise InvalidPID(code, p)
    return f"{p[0]}-{p[1:5]}-{p[5:10]}-{p[10:12]}-{p[12]}"


def generate(rng: random.Random | None = None, first_digit: int | None = None) -> str:
    """A random valid PID. Pass a seeded ``random.Random`` for reproducible output.

    ``first_digit`` (1–8) fixes the category digit; by default it is random.
    """
    rng = rng if rng is not None else random.Random()
    if first_digit is None:
        first_digit = rng.randint(1, 8)
    elif not 1 <= first_digit <= 8:
        raise ValueError(f"first_digit must be 1-8, got {first_digit}")
    first12 = str(first_digit) + "".join(str(rng.randrange(10)) for _ in range(11))
    return first12 + str(check_digit(first12))

"""The ThaiD app's PIN policy: one pure function that lists every rule a PIN breaks.

The app says the PIN has 8 digits and "must not be sequential digits, e.g. 1234, nor
repeat more than 4, e.g. 1111" (shared/reference/thaid-api.md §9). Our reading, and the
defaults of :class:`PinPolicy`:

- exactly 8 digits; Thai digits ๐–๙ are read as 0–9;
- no run of 4 consecutive ascending digits (``1234``), nor descending (``9876``);
  no wrap-around, so ``7890`` is allowed;
- no run of 4 identical digits (``1111``);
- no digit more than 4 times in all.

Every number is a field of the policy, so the mock can be configured to a stricter or
looser reading. ``None`` turns a rule off. The PIN never appears in a message.
"""

from __future__ import annotations

import hmac
import re
from collections import Counter
from dataclasses import dataclass

from mock_thaid.pid import THAI_DIGITS

__all__ = [
    "DEFAULT_POLICY",
    "PinPolicy",
    "PinViolation",
    "check_confirmation",
    "normalize_pin",
]

_TO_ASCII = str.maketrans(THAI_DIGITS, "0123456789")
_ASCII_DIGITS = re.compile(r"[0-9]*", re.ASCII)


@dataclass(frozen=True)
class PinViolation:
    """One broken rule. ``code`` is stable for programs; messages are for people.

    ``found`` holds the offending runs or digits (e.g. ``("1234",)``), never the whole PIN.
    """

    code: str
    message_th: str
    message_en: str
    found: tuple[str, ...] = ()


def normalize_pin(text: str) -> str:
    """Strip surrounding whitespace and turn Thai digits into ASCII. Does not validate."""
    return text.strip().translate(_TO_ASCII)


def _runs(pin: str, step: int, limit: int) -> list[str]:
    """Maximal runs where each digit is the previous plus ``step``, longer than ``limit``."""
    runs: list[str] = []
    start = 0
    for i in range(1, len(pin) + 1):
        if i < len(pin) and int(pin[i]) - int(pin[i - 1]) == step:
            continue
        if i - start > limit:
            runs.append(pin[start:i])
        start = i
    return runs


def _quoted(items: list[str], pin: str, lang: str) -> str:
    """The offending runs, quoted; runs that together make up the whole PIN are named, never shown."""
    if not _shown(items, pin):
        return "ทั้งรหัส" if lang == "th" else "the whole PIN"
    return ", ".join(f'"{s}"' for s in items)


def _shown(runs: list[str], pin: str) -> tuple[str, ...]:
    """The runs a message may quote: none when they would spell out the whole PIN."""
    return () if sum(len(r) for r in runs) >= len(pin) else tuple(runs)


@dataclass(frozen=True)
class PinPolicy:
    """How a ThaiD PIN is checked. Defaults follow the app (see the module docstring)."""

    length: int = 8
    max_run_sequential: int | None = 3
    check_descending: bool = True
    max_run_identical: int | None = 3
    max_digit_count: int | None = 4

    def __post_init__(self) -> None:
        if self.length < 1:
            raise ValueError("length must be at least 1")
        for name in ("max_run_sequential", "max_run_identical", "max_digit_count"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1 or None")

    def check(self, pin: str) -> list[PinViolation]:
        """Every rule ``pin`` breaks, in a fixed order; an empty list means the PIN is ok."""
        pin = normalize_pin(pin)
        out: list[PinViolation] = []
        n = self.length
        if not _ASCII_DIGITS.fullmatch(pin):
            out.append(PinViolation(
                "not_digits",
                "รหัส PIN ต้องเป็นตัวเลขเท่านั้น",
                "The PIN must contain digits only."))
        if len(pin) != n:
            out.append(PinViolation(
                "wrong_length",
                f"รหัส PIN ต้องมี {n} หลัก (กรอกมา {len(pin)} หลัก)",
                f"The PIN must be exactly {n} digits (you entered {len(pin)})."))
        if out and out[0].code == "not_digits":
            return out  # the digit-pattern rules mean nothing for other characters
        if self.max_run_sequential is not None:
            k = self.max_run_sequential + 1
            if runs := _runs(pin, 1, self.max_run_sequential):
                out.append(PinViolation(
                    "sequential_ascending",
                    f"รหัส PIN ต้องไม่มีตัวเลขเรียงกันจากน้อยไปมาก {k} ตัวขึ้นไป เช่น 1234"
                    f" (พบ {_quoted(runs, pin, 'th')})",
                    f"The PIN must not contain {k} or more ascending consecutive digits"
                    f" such as 1234 (found {_quoted(runs, pin, 'en')}).",
                    _shown(runs, pin)))
            if self.check_descending and (runs := _runs(pin, -1, self.max_run_sequential)):
                out.append(PinViolation(
                    "sequential_descending",
                    f"รหัส PIN ต้องไม่มีตัวเลขเรียงกันจากมากไปน้อย {k} ตัวขึ้นไป เช่น 9876"
                    f" (พบ {_quoted(runs, pin, 'th')})",
                    f"The PIN must not contain {k} or more descending consecutive digits"
                    f" such as 9876 (found {_quoted(runs, pin, 'en')}).",
                    _shown(runs, pin)))
        if self.max_run_identical is not None:
            k = self.max_run_identical + 1
            if runs := _runs(pin, 0, self.max_run_identical):
                out.append(PinViolation(
                    "repeated_run",
                    f"รหัส PIN ต้องไม่มีตัวเลขเดียวกันซ้ำติดกัน {k} ตัวขึ้นไป เช่น 1111"
                    f" (พบ {_quoted(runs, pin, 'th')})",
                    f"The PIN must not repeat the same digit {k} or more times in a row"
                    f" such as 1111 (found {_quoted(runs, pin, 'en')}).",
                    _shown(runs, pin)))
        if self.max_digit_count is not None:
            m = self.max_digit_count
            counts = Counter(pin)
            over = sorted(d for d, c in counts.items() if c > m)
            if over:
                th = ", ".join(f"เลข {d} ใช้ {counts[d]} ครั้ง" for d in over)
                en = ", ".join(f"{d} appears {counts[d]} times" for d in over)
                out.append(PinViolation(
                    "digit_too_frequent",
                    f"ตัวเลขแต่ละตัวใช้ได้ไม่เกิน {m} ครั้ง ({th})",
                    f"No digit may appear more than {m} times ({en}).",
                    tuple(over)))
        return out

    def is_ok(self, pin: str) -> bool:
        """True when :meth:`check` finds nothing wrong."""
        return not self.check(pin)

    def describe(self) -> list[tuple[str, str]]:
        """The rules as (Thai, English) sentences, for the PIN-creation screen."""
        rules = [(f"ตัวเลข {self.length} หลัก", f"{self.length} digits")]
        if self.max_run_sequential is not None:
            k = self.max_run_sequential + 1
            if self.check_descending:
                rules.append((f"ห้ามเรียงกัน {k} ตัว เช่น 1234 หรือ 9876",
                              f"no {k} consecutive digits, e.g. 1234 or 9876"))
            else:
                rules.append((f"ห้ามเรียงกัน {k} ตัว เช่น 1234",
                              f"no {k} ascending consecutive digits, e.g. 1234"))
        if self.max_run_identical is not None:
            k = self.max_run_identical + 1
            rules.append((f"ห้ามซ้ำติดกัน {k} ตัว เช่น 1111",
                          f"no digit {k} times in a row, e.g. 1111"))
        if self.max_digit_count is not None:
            m = self.max_digit_count
            rules.append((f"ตัวเลขเดียวกันใช้ได้ไม่เกิน {m} ครั้ง",
                          f"no digit more than {m} times in all"))
        return rules


DEFAULT_POLICY = PinPolicy()


def check_confirmation(pin: str, confirm: str) -> PinViolation | None:
    """``None`` when the second entry matches the first (after :func:`normalize_pin`)."""
    if hmac.compare_digest(normalize_pin(pin).encode(), normalize_pin(confirm).encode()):
        return None
    return PinViolation(
        "confirmation_mismatch",
        "รหัส PIN ทั้งสองครั้งไม่ตรงกัน กรุณาลองใหม่",
        "The two PINs do not match. Please try again.")

"""Buddhist-era dates and Thai numerals for display (pure: no Flask, no database).

Dates are stored Gregorian (``datetime.date``) and shown in the Buddhist Era
(พ.ศ. = ค.ศ. + 543): ``16 ต.ค. 2568``, ``16 ตุลาคม 2568``, ``16/10/2568``, optionally in
Thai digits (``๑๖ ต.ค. ๒๕๖๘``). English screens show the Gregorian date (``16 Oct 2025``).
:func:`parse_date` reads every format :func:`format_date` writes, plus ISO ``YYYY-MM-DD``;
a year above 2400 is taken as BE (the DPIS rule).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

try:  # Thai time whatever the server's TZ (no daylight saving: the fixed offset is the same)
    from zoneinfo import ZoneInfo
    ICT = ZoneInfo("Asia/Bangkok")
except Exception:  # noqa: BLE001 (no tzdata on the machine)
    ICT = timezone(timedelta(hours=7), "ICT")

BE_OFFSET = 543
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")

MONTHS_SHORT_TH = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                   "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
MONTHS_LONG_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
                  "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
MONTHS_SHORT_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")
STYLES = ("short", "long", "numeric")


def today_bangkok() -> date:
    """Today's date in Thailand (the go-live date and a request number's fiscal year are Thai)."""
    return datetime.now(ICT).date()


class DateParseError(ValueError):
    """A text that is not a date in any accepted format (``text``)."""

    def __init__(self, text: str) -> None:
        super().__init__(f"not a date: {text!r}")
        self.text = text


def to_thai_digits(text: str) -> str:
    return str(text).translate(_TO_THAI)


def to_arabic_digits(text: str) -> str:
    return str(text).translate(_TO_ARABIC)


def digits(text: str, thai: bool) -> str:
    return to_thai_digits(text) if thai else str(text)


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(year: int) -> int:
    """A year as typed: above 2400 it is BE, otherwise already CE."""
    return year - BE_OFFSET if year > 2400 else year


def format_date(d: date | None, style: str = "short", *, lang: str = "th", thai_digits: bool = False) -> str:
    if d is None:
        return "-"
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    if lang == "en":
        months = MONTHS_LONG_EN if style == "long" else MONTHS_SHORT_EN
        text = f"{d.day:02d}/{d.month:02d}/{d.year}" if style == "numeric" else f"{d.day} {months[d.month - 1]} {d.year}"
        return text
    year = be_year(d.year)
    if style == "numeric":
        text = f"{d.day:02d}/{d.month:02d}/{year}"
    else:
        months = MONTHS_LONG_TH if style == "long" else MONTHS_SHORT_TH
        text = f"{d.day} {months[d.month - 1]} {year}"
    return digits(text, thai_digits)


_MONTH_LOOKUP = {name: i + 1 for names in (MONTHS_SHORT_TH, MONTHS_LONG_TH) for i, name in enumerate(names)}
_MONTH_LOOKUP.update({name.lower(): i + 1 for names in (MONTHS_SHORT_EN, MONTHS_LONG_EN)
                      for i, name in enumerate(names)})
_WORDS = re.compile(r"^(\d{1,2})\s+(\S+?)\s*(?:พ\.ศ\.\s*)?(\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> date:
    """Read ``16 ต.ค. 2568``, ``16 ตุลาคม 2568``, ``16/10/2568``, ``2025-10-16``, ``16 Oct 2025``."""
    raw = to_arabic_digits((text or "").strip())
    try:
        if m := _ISO.match(raw):
            y, mo, d = (int(g) for g in m.groups())
            return date(ce_year(y), mo, d)
        if m := _NUMERIC.match(raw):
            d, mo, y = (int(g) for g in m.groups())
            return date(ce_year(y), mo, d)
        if m := _WORDS.match(raw):
            month = _MONTH_LOOKUP.get(m.group(2)) or _MONTH_LOOKUP.get(m.group(2).lower())
            if month:
                return date(ce_year(int(m.group(3))), month, int(m.group(1)))
    except ValueError:
        pass
    raise DateParseError(text)


def format_number(value, *, thai_digits: bool = False, decimals: int = 0) -> str:
    if value is None or value == "":
        return "-"
    text = f"{float(value):,.{decimals}f}"
    return digits(text, thai_digits)


def fiscal_year_be(d: date) -> int:
    """Thai fiscal year (1 ต.ค.–30 ก.ย.), named by the BE year in which it ends."""
    return be_year(d.year + 1 if d.month >= 10 else d.year)


def retirement_date(birth: date) -> date:
    """30 ก.ย. of the fiscal year in which the person completes 60 years.

    Age is complete on the day before the 60th birthday, so a person born on 1 ต.ค.
    completes 60 on 30 ก.ย. and retires that very day.
    """
    try:
        birthday60 = birth.replace(year=birth.year + 60)
    except ValueError:  # 29 Feb
        birthday60 = date(birth.year + 60, 3, 1)
    complete = birthday60 - timedelta(days=1)
    sep30 = date(complete.year, 9, 30)
    return sep30 if complete <= sep30 else date(complete.year + 1, 9, 30)

"""Dates as people read them: Buddhist Era in Thai (``16 ต.ค. 2568``), Gregorian in English. Pure."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

TH_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
EN_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec.")
BANGKOK = timezone(timedelta(hours=7))


def _parse(value: str | date) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def th_date(value: str | date) -> str:
    d = _parse(value)
    return f"{d.day} {TH_MONTHS[d.month - 1]} {d.year + 543}" if d else str(value)


def en_date(value: str | date) -> str:
    d = _parse(value)
    return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}" if d else str(value)


def show_date(value: str | date, lang: str) -> str:
    return th_date(value) if lang == "th" else en_date(value)


def bangkok_day(unix: float) -> date:
    """The calendar day in Thailand at Unix time ``unix``."""
    return datetime.fromtimestamp(unix, tz=BANGKOK).date()

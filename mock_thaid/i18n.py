"""Thai-first wording of the human pages, with English beside it.

The language comes from ``?lang=`` (remembered in a cookie) and defaults to Thai. Every
sentence lives in messages.py; this module also turns the mock's internal codes (step
names, error codes, login states, simulated outcomes), its dates and its times into what
a person reads: Thai words, Buddhist-era dates and Thai time (Asia/Bangkok, whatever the
server's TZ).
"""
from __future__ import annotations

from datetime import datetime

from flask import request

from .domain.dates import BANGKOK, show_date
from .messages import MESSAGES

LANGS = ("th", "en")


def current_lang() -> str:
    lang = request.args.get("lang") or request.cookies.get("lang") or "th"
    return lang if lang in LANGS else "th"


def text(key: str, lang: str, **kw) -> str:
    """The message ``key`` in ``lang`` (the key itself when there is no such message)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    chosen = entry[0] if lang == "th" else entry[1]
    return chosen.format(**kw) if kw else chosen


def t(key: str, **kw) -> str:
    return text(key, current_lang(), **kw)


def remember_lang(response):
    lang = request.args.get("lang")
    if lang in LANGS:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


# --- times and dates --------------------------------------------------------------------------

def clock_time(unix: float, *, seconds: bool = False) -> str:
    """``14:05`` (or ``14:05:09``): the time in Thailand at Unix time ``unix``."""
    return datetime.fromtimestamp(unix, tz=BANGKOK).strftime("%H:%M:%S" if seconds else "%H:%M")


def ago(seconds: float, unix: float, lang: str | None = None) -> str:
    """"12 วินาทีที่แล้ว", "3 นาทีที่แล้ว", or, after an hour, "เมื่อ 14:05 น."."""
    lang = lang or current_lang()
    seconds = max(0, int(seconds))
    if seconds < 60:
        return text("ago_seconds", lang, n=seconds)
    if seconds < 3600:
        return text("ago_minutes", lang, n=seconds // 60)
    return text("at_time", lang, time=clock_time(unix))


def date(value, lang: str | None = None) -> str:
    """A Gregorian ``YYYY-MM-DD`` as people read it: ``2 ต.ค. 2567`` / ``2 Oct. 2024``."""
    return show_date(value, lang or current_lang()) if value else ""


# --- the mock's codes, in words ----------------------------------------------------------------

def step_name(step: str, lang: str | None = None) -> str:
    """A registration step (domain/machine.py) in words."""
    key = "step_name_" + str(step)
    return text(key, lang or current_lang()) if key in MESSAGES else str(step)


def step_progress(step: str, channel: str, lang: str | None = None) -> str:
    """``ขั้นที่ 4 จาก 9: ถ่ายรูปบัตร``; an ended registration only says how it ended."""
    from .domain import machine

    lang = lang or current_lang()
    name = step_name(step, lang)
    prog = machine.progress(step, channel)
    if step in machine.TERMINAL or prog is None:
        return name[:1].upper() + name[1:]  # a sentence of its own (Thai has no capitals)
    if not channel:  # the path (and so the number of steps) is not known yet
        return text("step_n", lang, n=prog.number, name=name)
    return text("step_of", lang, n=prog.number, total=prog.total, name=name)


def outcome(kind: str, value: str, lang: str | None = None) -> str:
    """A simulated face (``pass``/``mismatch``/``liveness_fail``) or fingerprint check, in words."""
    from .domain import machine

    normal = machine.face_outcome(value) if kind == "face" else machine.fingerprint_outcome(value)
    return text(f"outcome_{kind}_{normal}", lang or current_lang())


def login_status(status: str, lang: str | None = None) -> str:
    key = "login_status_" + str(status)
    return text(key, lang or current_lang()) if key in MESSAGES else str(status)


def enrol_error(code: str, args: dict | None = None, lang: str | None = None) -> str:
    """A registration error (domain/enrol_errors.py) as a person reads it: its step in words,
    its dates in the Thai calendar."""
    from .domain.enrol_errors import TABLE

    lang = lang or current_lang()
    if code not in TABLE:
        return code
    shown = dict(args or {})
    if "step" in shown:  # Thai: the step's name; English: its code too, for the developer
        step = str(shown["step"]).strip("()")
        shown["step"] = step_name(step, lang) if lang == "th" else f"{step} ({step_name(step, lang)})"
    if "expiry" in shown:
        shown["expiry"] = date(shown["expiry"], lang)
    try:
        return text(TABLE[code][1], lang, **shown)
    except (KeyError, IndexError):
        return text(TABLE[code][1], lang)


def template_helpers() -> dict:
    """Display helpers for every template (registered as a context processor by app_sim)."""
    return {"step_name": step_name, "step_progress": step_progress, "outcome": outcome,
            "login_status": login_status, "show_day": date, "clock_time": clock_time}

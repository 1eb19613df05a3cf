"""The trainer console (/_mock/trainer/): reset the class, choose who starts unregistered,
put the app's QR code on the projector, and follow each trainee's registration."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from .enrolment import machine
from .enrolment.views import thai_digits
from .i18n import ago, current_lang, enrol_error, step_progress, text
from .qr import qr_data_url
from .services import svc
from .store import citizens
from .store.models import Enrolment

bp = Blueprint("trainer", __name__, url_prefix="/_mock/trainer")


def _progress(s) -> list[dict]:
    """The latest registrations: the codes (for programs) and the words people read."""
    rows = s.scalars(select(Enrolment).order_by(Enrolment.updated_at.desc()).limit(60))
    now = svc().clock.now()
    lang = current_lang()
    out = []
    for e in rows:
        cit = citizens.get(s, e.pid) if e.pid else None
        prog = machine.progress(e.step, e.channel)
        manual = machine.manual_ref(e.step, e.channel)
        out.append({
            "ref": e.ref, "channel": e.channel or None, "step": e.step,
            "number": prog.number if prog else None, "total": prog.total if prog else None,
            "manual": manual, "error": e.error,
            "name": f"{cit.given_name} {cit.family_name[:1]}." if cit else None,
            "name_en": f"{cit.given_name_en} {cit.family_name_en[:1]}." if cit else None,
            "seconds_ago": int(now - e.updated_at),
            "registered_again": bool(e.replaced),
            # what the console shows, in the page's language
            "step_text": step_progress(e.step, e.channel, lang),
            "manual_text": text("enrol_manual", lang, ref=thai_digits(manual) if lang == "th" else manual) if manual else None,
            "error_text": enrol_error(e.error, e.error_args, lang) if e.error else None,
            "ago_text": ago(now - e.updated_at, e.updated_at, lang),
        })
    return out


def _rows_html(progress: list[dict]) -> str:
    return render_template("trainer_rows.html", progress=progress)


def _loopback_command(app_url: str) -> str:
    """The command that opens this mock to the room, on the port it serves now."""
    parts = urlsplit(app_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"mock-thaid serve --classroom --port {port}"


@bp.get("/")
def page():
    services = svc()
    app_url = services.settings.phone_base_url + "/app/"
    loopback = _is_loopback(app_url)
    with services.db.session() as s:
        people = [(c, citizens.account(s, c.pid) is not None) for c in citizens.list_all(s)]
        progress = _progress(s)
        return render_template("trainer.html", people=people, progress=progress, rows=_rows_html(progress),
                               app_url=app_url, qr=qr_data_url(app_url, box_size=10), loopback=loopback,
                               loopback_command=_loopback_command(app_url),
                               exposure=exposure(services.settings, loopback))


def exposure(st, loopback: bool) -> list[tuple[str, bool]]:
    """What the room can reach, in plain words: (message key, is it a warning)."""
    if loopback:
        return [("trainer_exposed_local", False)]
    rows = [("trainer_exposed_lan", False),
            ("trainer_exposed_token", False) if st.control_token else ("trainer_exposed_open", True)]
    if st.auto_login:
        rows.append(("trainer_exposed_headless", False) if st.classroom else ("trainer_exposed_headless_all", True))
    return rows


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


@bp.get("/progress")
def progress():
    """The progress table, polled by the console: the rows as data and as the table's body
    (which replaces the whole body, also when the class was reset and the list is empty)."""
    with svc().db.session() as s:
        rows = _progress(s)
        resp = jsonify({"registrations": rows, "html": _rows_html(rows)})
        resp.headers["Cache-Control"] = "no-store"
        return resp


@bp.post("/reset")
def reset_class():
    """Back to the seed data (the same keys and session secret)."""
    svc().reset_to_seed()
    return redirect(url_for("trainer.page", done="reset"))


@bp.post("/registered")
def set_registered():
    """Tick = registered (with the demo PIN); untick = starts unregistered."""
    services = svc()
    wanted = set(request.form.getlist("registered"))
    with services.db.session() as s:
        for c in citizens.list_all(s):
            acc = citizens.account(s, c.pid)
            if c.pid in wanted and acc is None:
                citizens.register(s, c.pid, services.settings.demo_pin, channel="self",
                                  now=services.clock.now(), kdf_n=services.settings.pin_kdf_n)
            elif c.pid not in wanted and acc is not None:
                s.delete(acc)
    return redirect(url_for("trainer.page", done="saved"))

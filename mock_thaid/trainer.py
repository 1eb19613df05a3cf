"""The trainer console (/_mock/trainer/): reset the class, choose who starts unregistered,
put the app's QR code on the projector, and follow each trainee's registration."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from .enrolment import machine
from .qr import qr_data_url
from .services import svc
from .store import citizens
from .store.models import Enrolment

bp = Blueprint("trainer", __name__, url_prefix="/_mock/trainer")


def _progress(s) -> list[dict]:
    rows = s.scalars(select(Enrolment).order_by(Enrolment.updated_at.desc()).limit(60))
    now = svc().clock.now()
    out = []
    for e in rows:
        cit = citizens.get(s, e.pid) if e.pid else None
        prog = machine.progress(e.step, e.channel)
        out.append({
            "ref": e.ref, "channel": e.channel or None, "step": e.step,
            "number": prog.number if prog else None, "total": prog.total if prog else None,
            "manual": machine.manual_ref(e.step, e.channel), "error": e.error,
            "name": f"{cit.given_name} {cit.family_name[:1]}." if cit else None,
            "name_en": f"{cit.given_name_en} {cit.family_name_en[:1]}." if cit else None,
            "seconds_ago": int(now - e.updated_at),
            "registered_again": bool(e.replaced),
        })
    return out


@bp.get("/")
def page():
    services = svc()
    app_url = services.settings.phone_base_url + "/app/"
    with services.db.session() as s:
        people = [(c, citizens.account(s, c.pid) is not None) for c in citizens.list_all(s)]
        return render_template("trainer.html", people=people, progress=_progress(s), app_url=app_url,
                               qr=qr_data_url(app_url, box_size=10), loopback=_is_loopback(app_url),
                               exposure=exposure(services.settings, _is_loopback(app_url)))


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
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


@bp.get("/progress")
def progress():
    with svc().db.session() as s:
        return jsonify({"registrations": _progress(s)})


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

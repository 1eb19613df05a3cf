"""The trainer console (/_mock/trainer/): reset the class, choose who starts unregistered,
put the app's QR code on the projector, and follow each trainee's registration."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from . import classplan
from .domain import machine
from .domain.dates import bangkok_day
from .enrolment.views import thai_digits
from .i18n import ago, clock_time, current_lang, date, enrol_error, step_progress, text
from .pid import format_pid
from .pin import DEFAULT_POLICY
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


def class_plan(s, now: float) -> tuple[classplan.ClassPlan, dict]:
    """Today's plan of who plays whom (registered = has an account now), and the people by PID."""
    people = citizens.list_all(s)
    facts = [classplan.Person(c.pid, citizens.account(s, c.pid) is not None, c.date_of_expiry, c.face or "pass",
                              c.fingerprint or "pass") for c in people]
    return classplan.plan(facts, bangkok_day(now).isoformat()), {c.pid: c for c in people}


def _plan_groups(plan: classplan.ClassPlan, people: dict) -> list[tuple[str, list[dict]]]:
    """The plan as the templates show it: (group title key, rows numbered across the groups)."""
    groups, n = [], 0
    for key, roles in (("plan_group_happy", plan.happy), ("plan_group_failures", plan.failures),
                       ("plan_group_registered", plan.registered)):
        rows = []
        for r in roles:
            n += 1
            rows.append({"no": n, "c": people[r.pid], "pid": format_pid(r.pid), "kind": r.kind})
        if rows:
            groups.append((key, rows))
    return groups


@bp.get("/")
def page():
    services = svc()
    app_url = services.settings.phone_base_url + "/app/"
    loopback = _is_loopback(app_url)
    with services.db.session() as s:
        people = [(c, citizens.account(s, c.pid) is not None) for c in citizens.list_all(s)]
        progress = _progress(s)
        plan, by_pid = class_plan(s, services.clock.now())
        return render_template("trainer.html", people=people, progress=progress, rows=_rows_html(progress),
                               app_url=app_url, qr=qr_data_url(app_url, box_size=10), loopback=loopback,
                               loopback_command=_loopback_command(app_url),
                               exposure=exposure(services.settings, loopback),
                               plan_groups=_plan_groups(plan, by_pid), happy_count=len(plan.happy))


@bp.get("/handout")
def handout():
    """One printable A4 page for the class: open the app, who plays whom, the PIN rules, logging in."""
    services = svc()
    app_url = services.settings.phone_base_url + "/app/"
    lang = current_lang()
    now = services.clock.now()
    with services.db.session() as s:
        plan, by_pid = class_plan(s, now)
        return render_template("trainer_handout.html", app_url=app_url, qr=qr_data_url(app_url, box_size=6),
                               plan_groups=_plan_groups(plan, by_pid), demo_pin=services.settings.demo_pin,
                               pin_rules=[th if lang == "th" else en for th, en in DEFAULT_POLICY.describe()],
                               printed=text("handout_printed", lang, date=date(bangkok_day(now).isoformat(), lang),
                                            time=clock_time(now)))


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

"""The officer console at a district registration office (manual §๒.๒.๕–๒.๒.๖).

An officer logs in (any name, an office, the password of the ``officer_password`` setting,
or the random one ``mock-thaid serve`` printed; wrong passwords lock that office's console), sees the registrations pending at that office, checks a person's card against
the register, scans the index finger (simulated) and shows a one-time QR code that expires
after ``officer_qr_lifetime`` seconds. The login is kept in the signed Flask session.
"""
from __future__ import annotations

import base64
import hmac

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import select

from .. import cardimages
from ..domain import machine
from ..enrolment import officerpath, steps
from ..domain.enrol_errors import EnrolError
from ..i18n import clock_time, current_lang, enrol_error, t
from ..pid import format_pid
from ..qr import qr_data_url
from ..services import svc
from ..store import enrolments
from ..store.models import Enrolment
from . import lockout
from ..domain.offices import OFFICES, office_name

bp = Blueprint("officer", __name__, url_prefix="/officer")

SESSION_KEY = "officer"


def _officer() -> dict | None:
    who = session.get(SESSION_KEY)
    return who if isinstance(who, dict) and who.get("office") in OFFICES else None


def _login_page(error: str | None = None, status: int = 200):
    st = svc().settings
    # The password is shown on a laptop's own mock only: never where a control token guards the mock.
    hint = svc().officer_password if st.control_api and not st.control_token else None
    return render_template("officer/login.html", offices=OFFICES, error=error, password_hint=hint,
                           name=request.form.get("name", ""), chosen=request.form.get("office", "")), status


@bp.get("/")
def index():
    who = _officer()
    if who is None:
        return _login_page()
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        enrolments.expire_idle(s, now=ctx.now, lifetime=services.settings.enrol_lifetime)
        rows = [(e, steps.citizen_of(ctx, e), _newer_than(ctx, e)) for e in enrolments.pending_at(s, who["office"])]
        return render_template("officer/list.html", who=who, rows=rows,
                               office=office_name(who["office"], current_lang()))


def _newer_than(ctx, e) -> str | None:
    """The reference of a newer registration of the same person (not cancelled, not failed):
    the person started again, e.g. from another phone, so this one is stale."""
    if not e.pid or e.step in machine.TERMINAL:
        return None
    newer = ctx.s.scalars(select(Enrolment.ref).where(
        Enrolment.pid == e.pid, Enrolment.created_at > e.created_at,
        Enrolment.step.not_in((machine.ABANDONED, machine.FAILED))).order_by(Enrolment.created_at.desc()).limit(1))
    return newer.first()


@bp.post("/login")
def login():
    password = request.form.get("password", "")
    name = request.form.get("name", "").strip()[:128]
    office = request.form.get("office", "")
    if office not in OFFICES or not name:
        return _login_page(t("enrol_err_invalid_field", field=t("officer_office") if name else t("officer_name")), 400)
    services = svc()
    st, now = services.settings, services.clock.now()
    with services.db.session() as s:
        locked_until = lockout.locked_until(s, office, now)
        if locked_until:
            until = clock_time(locked_until)
            return _login_page(t("officer_locked", minutes=st.lockout_minutes, until=until), 423)
        if not hmac.compare_digest(password.encode(), services.officer_password.encode()):
            left = lockout.failed(s, office, now, max_attempts=st.officer_max_attempts, lockout_s=st.lockout_minutes * 60)
            if left == 0:
                until = clock_time(now + st.lockout_minutes * 60)
                return _login_page(t("officer_locked", minutes=st.lockout_minutes, until=until), 423)
            return _login_page(t("enrol_err_officer_login") + " " + t("officer_tries_left", left=left), 403)
        lockout.succeeded(s, office)
    session[SESSION_KEY] = {"name": name, "office": office}
    return redirect(url_for("officer.index"), 303)


@bp.post("/logout")
def logout():
    session.pop(SESSION_KEY, None)
    return redirect(url_for("officer.index"), 303)


def _enrolment(ctx, ref: str):
    who = _officer()
    if who is None:
        abort(redirect(url_for("officer.index"), 303))
    e = enrolments.by_ref(ctx.s, ref)
    if e is None or e.office != who["office"] or e.channel != machine.OFFICER:
        abort(404)
    return who, e


def _detail(ctx, who, e, error: EnrolError | None = None, status: int = 200):
    lang = current_lang()
    cit = steps.citizen_of(ctx, e)
    qr = enrolments.current_qr(ctx.s, e, now=ctx.now) if e.step == machine.SCAN_QR else None
    if error is not None:
        message = enrol_error(error.code, error.params, lang)
    else:
        message = enrol_error(e.error, e.error_args, lang) if e.error else None
    details = error.detail_lines(lang) if error else []
    card = None
    if cit is not None:
        card = "data:image/png;base64," + base64.b64encode(cardimages.render(cit.as_claim_source(), "front")).decode()
    qr_url = officerpath.qr_url(ctx, qr) if qr else None
    return render_template(
        "officer/detail.html", who=who, e=e, citizen=cit, card=card, error=message, details=details,
        expired=cit is not None and steps.card_is_expired(ctx, cit), pid_display=format_pid(e.pid) if e.pid else "",
        qr=qr, qr_url=qr_url, qr_image=qr_data_url(qr_url) if qr_url else None,
        qr_left=int(qr.expires_at - ctx.now) if qr else 0, office=office_name(e.office, lang),
        newer=_newer_than(ctx, e)), status



@bp.get("/e/<ref>")
def detail(ref: str):
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        who, e = _enrolment(ctx, ref)
        return _detail(ctx, who, e)


ACTIONS = {
    "card-check": lambda ctx, who, e: officerpath.check_card(ctx, e, who["name"]),
    "fingerprint": lambda ctx, who, e: officerpath.scan_fingerprint(ctx, e, who["name"]),
    "qr": lambda ctx, who, e: officerpath.new_qr(ctx, e),
}


@bp.post("/e/<ref>/<action>")
def act(ref: str, action: str):
    if action not in ACTIONS:
        abort(404)
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        who, e = _enrolment(ctx, ref)
        try:
            ACTIONS[action](ctx, who, e)
        except EnrolError as err:
            return _detail(ctx, who, e, err, err.status)
    return redirect(url_for("officer.detail", ref=ref), 303)


@bp.get("/e/<ref>/status")
def status(ref: str):
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        _, e = _enrolment(ctx, ref)
        qr = enrolments.current_qr(s, e, now=ctx.now) if e.step == machine.SCAN_QR else None
        resp = jsonify({"step": e.step, "error": (steps.error_of(e) or {}).get("code"),
                        "qr_expires_in": max(0, int(qr.expires_at - ctx.now)) if qr else 0})
        resp.headers["Cache-Control"] = "no-store"
        return resp

"""The app's home (/app/), the digital ID card, the QR link of the officer's screen, the
registration's photos and status for the phone, and the gallery of sample ID cards.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, session, url_for

from .. import cardimages
from ..i18n import current_lang, enrol_error
from ..ial import ial_for
from ..pid import format_pid
from ..services import svc
from ..store import citizens, enrolments
from ..domain import machine
from . import officerpath, selfpath, steps
from ..domain.dates import bangkok_day, show_date
from ..domain.enrol_errors import EnrolError
from .views import SESSION_KEY, phone_enrolment, render_step

bp = Blueprint("enrol_home", __name__, url_prefix="/app")

_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,128}")


def _no_store(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _owner(s):
    pid = session.get("phone_pid")
    cit = citizens.get(s, pid) if pid else None
    acc = citizens.account(s, pid) if cit else None
    return cit, acc


@bp.get("/")
def home():
    """The app's first screen: register, continue registering, or the digital ID card."""
    services = svc()
    login = request.args.get("login", "")
    if _TOKEN.fullmatch(login):
        session["enrol_return"] = login  # back to this QR login once registered
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        e = phone_enrolment(ctx)
        cit, acc = _owner(s)
        return render_template("enrol/home.html", e=e, citizen=cit, account=acc,
                               open=e is not None and e.step not in machine.TERMINAL,
                               page=machine.page_for(e.step) if e else None,
                               return_login=session.get("enrol_return"))


@bp.get("/card")
def card():
    """The digital ID card of the phone's owner (manual §๒.๑.๙ / §๒.๒.๙)."""
    services = svc()
    with services.db.session() as s:
        cit, acc = _owner(s)
        if acc is None:
            return render_template("enrol/digital_card.html", citizen=None), 404
        day = bangkok_day(acc.registered_at).isoformat()
        return render_template("enrol/digital_card.html", citizen=cit, account=acc, ial=ial_for(services, s, cit.pid),
                               registered=show_date(day, current_lang()), pid_display=format_pid(cit.pid),
                               show_date=show_date, return_login=session.get("enrol_return"))


@bp.get("/card/front.png")
def card_image():
    services = svc()
    with services.db.session() as s:
        cit, acc = _owner(s)
        if acc is None:
            abort(404)
        data = cardimages.render(cit.as_claim_source(), "front")
    return _no_store(Response(data, mimetype="image/png"))


@bp.get("/enrol/photo/<kind>")
def photo(kind: str):
    """A photo of the phone's own registration in progress (to check it is clear)."""
    services = svc()
    with services.db.session() as s:
        e = phone_enrolment(steps.Ctx(services, s))
        img = enrolments.image(s, e.id, kind) if e is not None else None
        if img is None:
            abort(404)
        return _no_store(Response(img.data, mimetype=img.mime))


@bp.get("/enrol/status")
def status():
    """Polled by the phone while the officer works (card check, fingerprint, QR)."""
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        e = phone_enrolment(ctx)
        if e is None:
            return _no_store(jsonify(EnrolError("not_found").as_json())), 404
        body = steps.status(ctx, e)
        return _no_store(jsonify({k: body[k] for k in ("step", "page", "error", "ref")}))


@bp.get("/enrol/qr/<token>")
def scan_qr(token: str):
    """What the phone opens when it scans the QR code on the officer's screen."""
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        phone = phone_enrolment(ctx)
        try:
            e = officerpath.scan_qr(ctx, token, phone=phone)
        except EnrolError as err:
            if phone is not None:
                return render_step(ctx, phone, err), err.status
            return render_template("enrol/qr_error.html", message=enrol_error(err.code, err.params)), err.status
        session[SESSION_KEY] = e.id
        return redirect(url_for("enrol.page", page=machine.page_for(e.step)), 303)


# --- sample ID cards -----------------------------------------------------------------------

@bp.get("/cards/")
def gallery():
    services = svc()
    with services.db.session() as s:
        today = steps.Ctx(services, s).today()
        people = [{"c": c, "pid": format_pid(c.pid), "expired": machine.card_expired(c.date_of_expiry, today),
                   "registered": citizens.account(s, c.pid) is not None} for c in citizens.list_all(s)]
        return render_template("enrol/gallery.html", unregistered=[p for p in people if not p["registered"]],
                               registered=[p for p in people if p["registered"]],
                               rereg=services.settings.reregistration_policy)


@bp.get("/cards/<pid>/<side>.<fmt>")
def sample_card(pid: str, side: str, fmt: str):
    variant = request.args.get("variant", "clear")
    if side not in cardimages.SIDES or fmt not in cardimages.FORMATS or variant not in cardimages.VARIANTS:
        abort(404)
    services = svc()
    with services.db.session() as s:
        cit = citizens.get(s, pid)
        if cit is None:
            abort(404)
        data = selfpath.render_sample(steps.Ctx(services, s), cit.as_claim_source(), side, variant=variant, fmt=fmt)
    name = f"mock-thaid-card-{pid}-{side}{'-' + variant if variant != 'clear' else ''}.{'jpg' if fmt == 'jpeg' else 'png'}"
    resp = Response(data, mimetype=cardimages.FORMATS[fmt][1])
    if request.args.get("download"):
        resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.get("/cards/selfie.png")
def sample_selfie():
    resp = Response(cardimages.render_selfie(), mimetype="image/png")
    if request.args.get("download"):
        resp.headers["Content-Disposition"] = 'attachment; filename="mock-thaid-selfie.png"'
    return resp

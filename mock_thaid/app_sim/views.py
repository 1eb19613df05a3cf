"""The ThaiD app's side of the QR login: who holds the phone, consent, and the PIN.

The phone's owner is remembered in the (signed) Flask session, as a real phone is
one person's. Wrong PINs are counted in the database, so a lockout holds across workers.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, make_response, redirect, render_template, request, session, url_for

from .. import pid as pidmod
from ..claims import parse_scope
from ..enrolment.dates import BANGKOK
from ..i18n import t
from ..login import flow, state
from ..pin import normalize_pin
from ..services import svc
from ..phone import phone_owner, remember_phone
from ..store import citizens, clients, logins

bp = Blueprint("app_sim", __name__, url_prefix="/app")


def _login(s, token: str):
    ls = logins.by_app_token(s, token)
    if ls is None:
        abort(make_response(render_template("app/unknown.html"), 404))
    return ls


def _context(s, ls, **extra):
    client = clients.get(s, ls.client_id)
    owner = session.get("phone_pid")
    cit = citizens.get(s, owner) if owner else None
    return dict(ls=ls, client=client, citizen=cit, token=ls.app_token,
                scopes=[sc for sc in parse_scope(ls.scope) if sc != "openid"], **extra)


@bp.get("/login/<token>")
def scanned(token: str):
    services = svc()
    with services.db.session() as s:
        ls = _login(s, token)
        current = flow.scan(services, s, ls)
        if current not in state.OPEN:
            return render_template("app/closed.html", **_context(s, ls, status=current)), 410
        owner, signed_out = phone_owner(s)
        if not owner or citizens.get(s, owner) is None:
            people = citizens.list_all(s)
            return render_template("app/pick.html", people=people, error=t("app_registered_again") if signed_out
                                   else None, **_context(s, ls))
        if citizens.account(s, owner) is None:
            return render_template("app/unregistered.html", **_context(s, ls)), 403
        return render_template("app/consent.html", **_context(s, ls))


@bp.post("/login/<token>/whoami")
def whoami(token: str):
    services = svc()
    with services.db.session() as s:
        ls = _login(s, token)
        typed = request.form.get("pid", "")
        try:
            value = pidmod.validate(typed)
        except pidmod.InvalidPID as e:
            return render_template("app/pick.html", people=citizens.list_all(s), error=t("pid_" + e.code),
                                   **_context(s, ls)), 400
        if citizens.get(s, value) is None:
            return render_template("app/pick.html", people=citizens.list_all(s),
                                   error=t("pid_not_in_register"), **_context(s, ls)), 404
    remember_phone(value, svc().clock.now())
    return redirect(url_for("app_sim.scanned", token=token))


@bp.post("/login/<token>/forget")
def forget(token: str):
    session.pop("phone_pid", None)
    return redirect(url_for("app_sim.scanned", token=token))


@bp.post("/login/<token>")
def decide(token: str):
    services = svc()
    st = services.settings
    with services.db.session() as s:
        owner, _ = phone_owner(s)
        ls = _login(s, token)
        now = services.clock.now()
        if state.effective(ls.status, ls.expires_at, now) not in state.OPEN:
            return render_template("app/closed.html", **_context(s, ls, status=state.EXPIRED)), 410
        if not owner or citizens.account(s, owner) is None:
            return redirect(url_for("app_sim.scanned", token=token))
        if request.form.get("decision") == "deny":
            flow.deny(services, s, ls, owner)
            return render_template("app/done.html", approved=False, **_context(s, ls))
        check = citizens.check_pin(s, owner, normalize_pin(request.form.get("pin", "")), now=now,
                                   max_attempts=st.pin_max_attempts, lockout_s=st.lockout_minutes * 60)
        if check.locked:
            until = datetime.fromtimestamp(check.locked_until, tz=BANGKOK).strftime("%H:%M")  # Thai time
            s.commit()
            return render_template("app/consent.html", error=t("pin_locked", minutes=st.lockout_minutes, until=until),
                                   locked=True, **_context(s, ls)), 423
        if not check.ok:
            s.commit()
            return render_template("app/consent.html", error=t("pin_wrong", left=check.attempts_left),
                                   **_context(s, ls)), 401
        flow.approve(services, s, ls, owner)
        return render_template("app/done.html", approved=True, **_context(s, ls))

"""The ThaiD app's side of the QR login: who holds the phone, consent, and the PIN.

The phone's owner is remembered in the (signed) Flask session, as a real phone is
one person's. Wrong PINs are counted in the database, so a lockout holds across workers.
"""
from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, session, url_for

from .. import pid as pidmod
from ..claims import parse_scope
from ..i18n import clock_time, t, template_helpers
from ..login import flow, state
from ..pin import normalize_pin
from ..services import svc
from ..phone import phone_owner, remember_phone
from ..store import citizens, clients, logins

bp = Blueprint("app_sim", __name__, url_prefix="/app")
# The display helpers (step names, outcomes, Thai dates and times) for every template of the
# mock: this blueprint is registered in every mode.
bp.app_context_processor(template_helpers)


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
        acc = citizens.account(s, owner)
        if acc is None:
            return render_template("app/unregistered.html", **_context(s, ls)), 403
        if acc.locked_until > services.clock.now():  # the computer's screen shows the lock too
            ls.pid = owner
            return render_template("app/consent.html", locked=True, **_context(
                s, ls, error=t("pin_locked", minutes=services.settings.lockout_minutes,
                               until=clock_time(acc.locked_until)))), 423
        if ls.pid and ls.pid != owner:  # another phone had locked its PIN on this request
            ls.pid = None
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
            until = clock_time(check.locked_until)  # Thai time, whatever the server's TZ
            ls.pid = owner  # who locked it: the computer's QR page shows the lock (login/views.status)
            s.commit()
            return render_template("app/consent.html", error=t("pin_locked", minutes=st.lockout_minutes, until=until),
                                   locked=True, **_context(s, ls)), 423
        if not check.ok:
            s.commit()
            return render_template("app/consent.html", error=t("pin_wrong", left=check.attempts_left),
                                   **_context(s, ls)), 401
        try:  # the QR may have expired while the PIN was being checked (a busy class)
            flow.approve(services, s, ls, owner)
        except state.InvalidTransition:
            s.rollback()
            return render_template("app/closed.html", **_context(s, ls, status=state.EXPIRED)), 410
        return render_template("app/done.html", approved=True, **_context(s, ls))

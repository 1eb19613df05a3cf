"""Browser side of the QR login: polling, "new QR", and the sandbox form."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, request

from .. import pid as pidmod
from ..i18n import clock_time, t
from ..services import svc
from ..store import citizens, clients, logins
from . import flow, state
from .pages import render_login_page

bp = Blueprint("login", __name__, url_prefix="/login")


def _session(s, sid):
    ls = logins.by_id(s, sid)
    if ls is None:
        abort(404)
    return ls


@bp.get("/<sid>/status")
def status(sid: str):
    services = svc()
    with services.db.session() as s:
        ls = logins.poll(s, sid)  # plain SQL: every open QR page asks once a second
        if ls is None:
            abort(404)
        now = services.clock.now()
        current = state.effective(ls["status"], ls["expires_at"], now)
        if current != ls["status"]:
            logins.set_status(s, sid, current)
        body = {"status": current, "ref": ls["ref"], "expires_in": max(0, int(ls["expires_at"] - now))}
        if current in (state.SCANNED,) and ls["pid"]:  # the phone's owner locked their PIN: say until when
            locked_until = citizens.locked_until(s, ls["pid"])
            if locked_until is not None and locked_until > now:
                body["locked_until"] = clock_time(locked_until)
        if current in (state.APPROVED, state.DENIED) and ls["finished_url"]:
            body["redirect"] = ls["finished_url"]
        resp = jsonify(body)
        resp.headers["Cache-Control"] = "no-store"
        return resp


@bp.get("/<sid>")
def page(sid: str):
    services = svc()
    with services.db.session() as s:
        ls = _session(s, sid)
        client = clients.get(s, ls.client_id)
        if ls.status in (state.APPROVED, state.DENIED) and ls.finished_url:
            return redirect(ls.finished_url)
        return render_login_page(ls, client, client.login_mode or services.settings.login_mode)


@bp.post("/<sid>/renew")
def renew(sid: str):
    """A new QR for an expired (or still waiting) session: new reference and app link."""
    services = svc()
    with services.db.session() as s:
        ls = _session(s, sid)
        now = services.clock.now()
        current = state.effective(ls.status, ls.expires_at, now)
        if current in (state.APPROVED, state.DENIED):
            return redirect(ls.finished_url)
        fresh = logins.new_token_pair(s)
        ls.ref, ls.app_token = fresh
        ls.status = state.WAITING
        ls.created_at = now
        ls.expires_at = now + services.settings.login_lifetime
    return redirect(f"/login/{sid}")


@bp.post("/<sid>/sandbox")
def sandbox(sid: str):
    services = svc()
    with services.db.session() as s:
        ls = _session(s, sid)
        client = clients.get(s, ls.client_id)
        if state.effective(ls.status, ls.expires_at, services.clock.now()) not in state.OPEN:
            return render_login_page(ls, client, "sandbox", error=t("login_expired"), status=400)
        if request.form.get("decision") == "deny":
            return redirect(flow.deny(services, s, ls))
        typed = request.form.get("pid", "")
        try:
            value = pidmod.validate(typed)
        except pidmod.InvalidPID as e:
            return render_login_page(ls, client, "sandbox", error=t("pid_" + e.code),
                                     typed_pid=typed, status=400)
        # Like the real sandbox, sub/pid is whatever valid PID was typed.
        return redirect(flow.approve(services, s, ls, value))

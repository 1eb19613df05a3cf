"""Login with ThaiD (through rp_client), the go-live gate, the home page and the toggles.

rp_client's ``ThaiDLogin`` owns ``/auth/thaid/login``, ``/callback`` and ``/logout``. Our
``on_login`` maps the ThaiD ``pid`` to a personnel record and/or role assignments; a pid
with neither gets a clear bilingual page (and is logged out again). Before the go-live
date (LHR_GO_LIVE) the login and callback routes answer a "not open yet" page.

Logout: the form carries the CSRF token (Flask-WTF checks it before anything else runs) and
rp_client checks that the POST is same-origin (by ``Sec-Fetch-Site``, since our
``Referrer-Policy: no-referrer`` makes browsers send ``Origin: null``), ends the ThaiD
session and revokes both tokens; only then ``on_logout`` ends ours (the account's session
generation: every copy of the cookie dies) and audits what happened, revocation included.
A refused logout is audited as ``LOGOUT DENY``, never as a login error.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from rp_client import LogoutRejected, ThaiDConfig
from rp_client.flask_ext import ThaiDLogin, safe_next
from sqlalchemy import select

from . import models as m, who
from .access import ACCOUNT_KEY, GENERATION_KEY, roles_for
from .pid import mask_pid
from .thaidate import today_bangkok
from .web import dbs, lhr, log

bp = Blueprint("auth", __name__)
GATED = ("thaid.login", "thaid.callback")


def today() -> date:
    """Today in Thailand: the go-live date is a Thai calendar date."""
    return today_bangkok()


def is_open() -> bool:
    return today() >= lhr().settings.go_live


def init_thaid(app, settings) -> ThaiDLogin:
    config = ThaiDConfig(issuer=settings.thaid_issuer, client_id=settings.client_id,
                         client_secret=settings.client_secret, redirect_uri=settings.redirect_uri,
                         scopes=settings.scopes, backchannel_url=settings.thaid_backchannel_url)
    thaid = ThaiDLogin(app, config=config, on_login=on_login, on_error=on_error, on_logout=on_logout,
                       url_prefix="/auth/thaid")
    app.before_request(_gate)
    return thaid


def _gate():
    if request.endpoint in GATED and not is_open():
        log("LOGIN", outcome="DENY", detail={"reason": "before_go_live"})
        dbs().commit()
        return render_template("not_open.html"), 403
    return None


def on_logout(identity, report):
    """After rp_client ended the ThaiD session (``report``: what the revocation did): end ours
    and audit it. ``LOGOUT ALLOW`` when both tokens are revoked (or none was kept), ``LOGOUT
    ERROR`` when a revocation failed: the session here still ended, but a token may be alive
    at ThaiD until it expires, and the row says which one and why."""
    user = g.get("user")
    session.pop(ACCOUNT_KEY, None)
    session.pop(GENERATION_KEY, None)
    if user is None and identity is None and not report.attempted:
        return None  # nobody was logged in and nothing was revoked: nothing happened
    if user is not None and user.account is not None:
        user.account.session_generation = (user.account.session_generation or 0) + 1
    log("LOGOUT", outcome="ALLOW" if report.complete else "ERROR",
        subject=user.person.public_id if user is not None and user.person else None,
        detail={"session_ended": True, **report.to_dict()})
    dbs().commit()  # the new generation and its audit row together
    return None  # rp_client goes on to the form's next


def on_login(identity, tokens):
    s = dbs()
    pid = identity.pid
    person = s.scalar(select(m.Person).where(m.Person.pid == pid))
    roles = roles_for(s, pid)
    if person is None and not roles:
        session.pop("thaid", None)
        session.pop(ACCOUNT_KEY, None)
        log("LOGIN", outcome="DENY", detail={"reason": "no_personnel_record", "pid": mask_pid(pid)})
        s.commit()
        return render_template("no_record.html", name=identity.display_name)
    now = m.utcnow()
    account = s.scalar(select(m.Account).where(m.Account.pid == pid))
    if account is None:
        account = m.Account(pid=pid, first_login_at=now, login_count=0)
        s.add(account)
    elif account.simulated:  # the seeded adoption figure gives way to a real login
        account.simulated, account.first_login_at = False, now
    account.last_login_at, account.login_count = now, account.login_count + 1
    account.display_name = _record_name(s, person) or identity.display_name
    s.flush()
    session[ACCOUNT_KEY] = account.public_id
    session[GENERATION_KEY] = account.session_generation or 0
    g.user = None
    log("LOGIN", subject=person.public_id if person else None, detail={"roles": sorted({r.role for r in roles})})
    s.commit()  # the account and its audit row together
    return None  # rp_client goes on to the login's ?next=, else "/" (which picks the home by role)


def _record_name(s, person) -> str | None:
    """The name as the ก.พ.๗ writes it (title, no space, given name, family name)."""
    return who.record_names(s, [person.id]).get(person.id) if person is not None else None


def _home_for(person, roles) -> str:
    if person is not None:
        return url_for("records.record")
    if any(r.role == "HR_OFFICER" for r in roles):
        return url_for("officer.queue")
    return url_for("dashboard.index")


def on_error(exc):
    if isinstance(exc, LogoutRejected):  # not same-origin: nothing was ended or revoked
        log("LOGOUT", outcome="DENY", detail={"code": exc.code, "reason": exc.data.get("reason")})
        dbs().commit()
        return render_template("error.html", code=403, th=exc.message_th, en=exc.message_en), 403
    log("LOGIN", outcome="ERROR", detail={"code": exc.code})
    dbs().commit()
    return render_template("login_error.html", exc=exc), 400


@bp.get("/")
def home():
    user = g.get("user")
    if user is not None and not request.args.get("next"):
        return redirect(_home_for(user.person, user.roles))
    return render_template("home.html", is_open=is_open(), go_live=lhr().settings.go_live,
                           next=safe_next(request.args.get("next")))


@bp.get("/lang/<code>")
def set_lang(code: str):
    session["lang"] = "en" if code == "en" else "th"
    return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))


@bp.get("/digits/<mode>")
def set_digits(mode: str):
    session["digits"] = "thai" if mode == "thai" else "arabic"
    return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))


@bp.get("/privacy")
def privacy():
    return render_template("privacy.html")

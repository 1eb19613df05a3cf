"""``/_mock/login``: a person gives the control token once; the session cookie remembers it.
Wrong tokens are counted per session and slowed down (the token is long and random; this only
keeps a guessing script from hammering the form)."""
from __future__ import annotations

import hmac
import time

from flask import Blueprint, redirect, render_template, request, session

from ..guard import SESSION_KEY, token_marker
from ..services import svc

bp = Blueprint("control_login", __name__, url_prefix="/_mock")


def _safe_next(value: str | None) -> str:
    value = value or "/_mock/trainer/"
    return value if value.startswith("/_mock/") and not value.startswith("//") and "\\" not in value else "/_mock/trainer/"


@bp.route("/login", methods=["GET", "POST"])
def login():
    services = svc()
    token = services.settings.control_token
    nxt = _safe_next(request.values.get("next"))
    if not token:
        return redirect(nxt)
    wrong = False
    if request.method == "POST":
        given = (request.form.get("token") or "").strip()
        if hmac.compare_digest(given.encode(), token.encode()):
            session[SESSION_KEY] = token_marker(token, services.secret_key)
            session.pop("control_wrong", None)
            return redirect(nxt)
        session["control_wrong"] = int(session.get("control_wrong", 0)) + 1
        time.sleep(min(2.0, 0.25 * session["control_wrong"]))
        wrong = True
    return render_template("control_login.html", next=nxt, wrong=wrong), (401 if wrong else 200)

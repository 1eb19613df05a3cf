"""The login page a person sees after authorize: QR (production) or the sandbox form."""
from __future__ import annotations

from flask import render_template, url_for

from ..i18n import current_lang

from ..qr import qr_data_url
from ..services import svc
from ..store.models import Client, LoginSession


def app_url(ls: LoginSession) -> str:
    return f"{svc().settings.phone_base_url}/app/login/{ls.app_token}"


def render_login_page(ls: LoginSession, client: Client, mode: str, error: str | None = None,
                      typed_pid: str | None = None, status: int = 200):
    # The language link must keep this login session (not start a new authorize).
    lang_url = url_for("login.page", sid=ls.id, lang="en" if current_lang() == "th" else "th")
    if mode == "sandbox":
        return render_template("login_sandbox.html", ls=ls, client=client, error=error,
                               typed_pid=typed_pid if typed_pid is not None else "1-2345-67890-12-1",
                               lang_url=lang_url), status
    link = app_url(ls)
    return render_template(
        "login_qr.html", ls=ls, client=client, qr=qr_data_url(link), app_link=link,
        status_url=url_for("login.status", sid=ls.id), renew_url=url_for("login.renew", sid=ls.id),
        lifetime=int(ls.expires_at - ls.created_at), lang_url=lang_url,
    ), status

"""The transaction inspector: every request to a ThaiD endpoint, redacted, with the
mistake explained in plain words (the ProtocolError's detail)."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, urlsplit

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from flask import Blueprint, Flask, g, jsonify, render_template, request

from .domain import endpoints
from .services import svc
from .store import events, logins

bp = Blueprint("inspector", __name__, url_prefix="/_mock")

SECRET_FIELDS = {"client_secret", "code_verifier", "pin"}
TOKEN_FIELDS = {"code", "token", "refresh_token", "access_token", "id_token"}


def _short(value: str) -> str:
    return value[:6] + "…" if len(value) > 8 else "…"


def _mask_pid(value: str) -> str:
    return value[:1] + "-xxxx-xxxxx-" + value[10:12] + "-" + value[12:] if len(value) == 13 and value.isdigit() else "…"


def redact(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if k in SECRET_FIELDS:
            out[k] = "***"
        elif k in TOKEN_FIELDS and isinstance(v, str):
            out[k] = _short(v)
        elif k in ("login_hint", "pid", "sub") and isinstance(v, str):
            out[k] = _mask_pid(v)
        elif k == "redirect" and isinstance(v, str):
            out[k] = v.split("?")[0] + "?…"
        else:
            out[k] = v
    return out


def _client_id(auth: str, params: dict) -> str | None:
    cid = extract_basic_authorization(request.headers)[0] if auth[:6].lower() == "basic " else None
    return cid or params.get("client_id")


def record(response):
    known = endpoints.by_path(request.path)
    endpoint = known.name if known and known.inspected else None
    if endpoint is None:
        return response
    post = request.method == "POST"
    params = request.args.to_dict()  # request.values, without parsing a GET's (empty) form
    if post:
        params = {**request.form.to_dict(), **params}
    req = redact(params)
    headers = request.headers
    auth = headers.get("Authorization", "")
    lowered = auth[:7].lower()
    req["_client_auth"] = ("client_secret_basic" if lowered.startswith("basic ") else
                           "client_secret_post" if post and "client_secret" in request.form else
                           "bearer" if lowered == "bearer " else "none")
    persona = headers.get("X-Mock-Persona")
    if persona:
        req["_persona"] = _mask_pid(persona)
    if headers.get("x-imauth-apikey") is not None:
        req["_api_key_sent"] = True
    body: dict = {}
    if response.is_json:
        try:
            body = redact(json.loads(response.get_data()))
        except ValueError:
            body = {}
    status = response.status_code
    if status in (301, 302, 303, 307):
        location = response.headers.get("Location", "")
        body = {"location": location.split("?")[0], **redact(_query(location))}
    try:
        _writer().put(dict(at=svc().clock.now(), client_id=_client_id(auth, params), endpoint=endpoint,
                           method=request.method, status=status,
                           error=body.get("error"), explanation=getattr(g, "mock_detail", None),
                           request=req, response=body))
    except Exception:  # the inspector must never break a protocol answer
        pass
    return response


def _query(url: str) -> dict:
    query = urlsplit(url).query
    return dict(parse_qsl(query)[::-1]) if query else {}  # the first value of each, as parse_qs()[k][0]


def _writer():
    services = svc()
    writer = getattr(services, "event_writer", None)
    if writer is None:
        writer = services.event_writer = events.writer_for(services.db.engine)
    return writer


def init_app(app: Flask) -> None:
    app.after_request(record)


@bp.get("/inspector/")
def page():
    services = svc()
    client_id = request.args.get("client_id") or None
    _writer().flush()
    with services.db.session() as s:
        evs = events.recent(s, 100, client_id)
        sessions = logins.recent(s, 30)
        return render_template("inspector.html", events=evs, sessions=sessions, client_id=client_id,
                               now=services.clock.now())


@bp.get("/events")
def json_events():
    _writer().flush()
    with svc().db.session() as s:
        limit = request.args.get("limit", 100, type=int) or 100  # not a number: the default
        return jsonify({"events": [e.as_dict() for e in events.recent(s, max(1, min(limit, 1000)),
                                                                      request.args.get("client_id"))]})

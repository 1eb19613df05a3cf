"""Registration as a JSON API for CI: /_mock/api/enrol/... (control/openapi.yaml).

The same steps as the app pages (enrolment/steps.py, selfpath.py, officerpath.py). A
pipeline registers an identity in a few calls, e.g. self-registration::

    POST /_mock/api/enrol                   {"channel": "self", "accept_terms": true}
    POST /_mock/api/enrol/{id}/card         {"sample": "<pid>"}     (or "front"/"back" base64)
    POST /_mock/api/enrol/{id}/check        {}
    POST /_mock/api/enrol/{id}/selfie       {}                      (or "image" base64)
    POST /_mock/api/enrol/{id}/pin          {"pin": "24681357", "pin_confirm": "24681357"}
                                            (+ "current_pin" when registering again needs it)
    POST /_mock/api/enrol/{id}/consent      {"pin": "24681357"}

Served only with the control API (no authentication, like the rest of /_mock/).
"""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, jsonify, request

from .. import cardimages
from ..control import bodies
from ..services import svc
from . import officerpath, selfpath, steps
from ..domain.enrol_errors import EnrolError

bp = Blueprint("enrol_api", __name__, url_prefix="/_mock/api/enrol")


def _body() -> dict:
    """The request's JSON object ({} without a body); :func:`_checked` validates it."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise EnrolError("invalid_body")
    return data


def _checked(data: dict) -> dict:
    """``data`` validated against the operation's requestBody schema in control/openapi.yaml
    (EnrolStart, EnrolStepInput, the officer's body): a refused field answers ``invalid_field``
    naming it. The helpers below read fields the schema has typed already."""
    try:
        return bodies.check(request.method, bodies.template(request.url_rule.rule), data)
    except bodies.BodyError as e:
        raise EnrolError("invalid_field", field=e.field or "body") from None


def _b64(data: dict, key: str) -> bytes | None:
    value = data.get(key)
    if value is None:
        return None
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise EnrolError("invalid_field", field=key) from None


def _bool(data: dict, key: str, default: bool) -> bool:
    return data.get(key, default)  # a boolean when present (schema)


def _str(data: dict, key: str) -> str | None:
    return data.get(key)  # a string or null (schema)


def _card(ctx, e, data):
    if data.get("sample") is not None:
        variant = _str(data, "variant") or "clear"  # clear or blurred (schema)
        selfpath.put_sample_card(ctx, e, _str(data, "sample"), variant)
    else:
        sent = [(side, img) for side in selfpath.SIDES if (img := _b64(data, side)) is not None]
        if not sent:
            steps.fail(ctx, e, "image_missing")
        for side, img in sent:
            selfpath.put_card(ctx, e, side, img)
    if _bool(data, "confirm", True):
        selfpath.confirm_card(ctx, e)


def _selfie(ctx, e, data):
    image = _b64(data, "image")
    selfpath.put_selfie(ctx, e, image if image is not None else cardimages.render_selfie())
    if _bool(data, "confirm", True):
        selfpath.confirm_selfie(ctx, e)


def _scan(ctx, e, data):
    officerpath.scan_qr(ctx, _str(data, "token") or "", phone=e)


ACTIONS = {
    "camera": lambda ctx, e, d: steps.camera(ctx, e, allow=_bool(d, "allow", True), available=_bool(d, "available", False)),
    "choose": lambda ctx, e, d: steps.choose(ctx, e, _str(d, "channel") or ""),
    "visit": lambda ctx, e, d: steps.visit(ctx, e, _str(d, "office") or ""),
    "terms": lambda ctx, e, d: steps.terms(ctx, e, accept=_bool(d, "accept", True)),
    "card": _card,
    "retake": lambda ctx, e, d: selfpath.retake_card(ctx, e, _str(d, "side")),
    "owner": lambda ctx, e, d: selfpath.card_owner(ctx, e, _str(d, "pid") or ""),
    "check": lambda ctx, e, d: selfpath.check_card(ctx, e, correct=_bool(d, "correct", True)),
    "selfie": _selfie,
    "pid": lambda ctx, e, d: officerpath.enter_pid(ctx, e, _str(d, "pid") or ""),
    "scan-qr": _scan,
    "pin": lambda ctx, e, d: steps.set_pin(ctx, e, _str(d, "pin"), _str(d, "pin_confirm"), _str(d, "current_pin")),
    "consent": lambda ctx, e, d: steps.consent(ctx, e, _str(d, "pin")),
}


def _officer_name(data: dict) -> str:
    return _str(data, "officer") or "ci-officer"


def _qr_json(ctx, qr) -> dict:
    return {"token": qr.token, "url": officerpath.qr_url(ctx, qr), "expires_at": qr.expires_at}


OFFICER_ACTIONS = {
    "card-check": lambda ctx, e, d: officerpath.check_card(ctx, e, _officer_name(d)),
    "fingerprint": lambda ctx, e, d: _qr_json(ctx, officerpath.scan_fingerprint(ctx, e, _officer_name(d))),
    "qr": lambda ctx, e, d: _qr_json(ctx, officerpath.new_qr(ctx, e)),
}


def _run(enrolment_id: str, table: dict, action: str):
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        e = None
        try:
            if action not in table:
                raise EnrolError("not_found")
            data = _body()
            e = steps.load(ctx, enrolment_id)
            data = _checked(data)
            extra = table[action](ctx, e, data)
        except EnrolError as err:
            return jsonify(err.as_json(e.step if e is not None else None)), err.status
        body = steps.status(ctx, e)
        if isinstance(extra, dict):
            body["qr"] = extra
        return jsonify(body)


@bp.post("")
def start():
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        try:
            data = _checked(_body())
            e = steps.start_fast(ctx, channel=_str(data, "channel"), office=_str(data, "office"),
                                 accept_terms=_bool(data, "accept_terms", False))
        except EnrolError as err:
            s.rollback()
            return jsonify(err.as_json()), err.status
        return jsonify(steps.status(ctx, e)), 201


@bp.get("/<enrolment_id>")
def get(enrolment_id: str):
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        try:
            e = steps.load(ctx, enrolment_id)
        except EnrolError as err:
            return jsonify(err.as_json()), err.status
        return jsonify(steps.status(ctx, e))


@bp.delete("/<enrolment_id>")
def abandon(enrolment_id: str):
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        try:
            e = steps.load(ctx, enrolment_id)
        except EnrolError as err:
            return jsonify(err.as_json()), err.status
        steps.abandon(ctx, e)
        return jsonify(steps.status(ctx, e))


@bp.post("/<enrolment_id>/<action>")
def step(enrolment_id: str, action: str):
    return _run(enrolment_id, ACTIONS, action)


@bp.post("/<enrolment_id>/officer/<action>")
def officer_step(enrolment_id: str, action: str):
    return _run(enrolment_id, OFFICER_ACTIONS, action)

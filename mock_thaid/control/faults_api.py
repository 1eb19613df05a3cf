"""/_mock/faults and /_mock/clock: fault injection and a movable clock for CI."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import faults
from ..services import svc
from ..store import faults as store
from .api import ControlError, _control_error, _json

bp = Blueprint("control_faults", __name__, url_prefix="/_mock")
bp.register_error_handler(ControlError, _control_error)


@bp.get("/faults")
def list_faults():
    with svc().db.session() as s:
        return jsonify({"available": faults.catalogue(), "active": [f.as_dict() for f in store.active(s)]})


@bp.post("/faults")
def add_fault():
    data = _json()
    name = data.get("name")
    spec = faults.REGISTRY.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ControlError(400, "unknown_fault", f"unknown fault {name!r}; GET /_mock/faults lists them")
    count = data.get("count", 1)
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise ControlError(400, "invalid_field", "count must be a positive integer, or null for 'until cleared'")
    params = data.get("params", {}) if data.get("params") is not None else {}
    if not isinstance(params, dict):
        raise ControlError(400, "invalid_field", "params must be an object")
    client_id = data.get("client_id")
    if client_id is not None and not isinstance(client_id, str):
        raise ControlError(400, "invalid_field", "client_id must be a string")
    if client_id is not None and spec.point == "jwks":
        raise ControlError(400, "invalid_field", "JWKS faults apply to every client: leave client_id out")
    with svc().db.session() as s:
        f = store.add(s, name=spec.name, point=spec.point, client_id=client_id, remaining=count,
                      params=params, created_at=svc().clock.now())
        return jsonify(f.as_dict()), 201


@bp.delete("/faults")
def clear_faults():
    with svc().db.session() as s:
        return jsonify({"cleared": store.clear(s, request.args.get("name"))})


@bp.get("/clock")
def get_clock():
    c = svc().clock
    return jsonify({"now": c.now(), "offset": c.offset})


@bp.post("/clock")
def move_clock():
    data = _json()
    c = svc().clock
    if "advance" in data:
        value = data["advance"]
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ControlError(400, "invalid_field", "advance must be a number of seconds")
        svc().set_clock_offset(c.offset + float(value))
    elif "offset" in data:
        value = data["offset"]
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ControlError(400, "invalid_field", "offset must be a number of seconds")
        svc().set_clock_offset(float(value))
    else:
        raise ControlError(400, "missing_field", "send {\"advance\": seconds} or {\"offset\": seconds}")
    return jsonify({"now": c.now(), "offset": c.offset})

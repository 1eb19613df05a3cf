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
    data = _json({"name": "unknown_fault"})  # types and ranges: the requestBody schema in openapi.yaml
    spec = faults.REGISTRY.get(data["name"])
    if spec is None:
        raise ControlError(400, "unknown_fault", f"unknown fault {data['name']!r}; GET /_mock/faults lists them")
    count = data.get("count", 1)
    params = data.get("params") or {}
    problem = faults.check_params(spec, params)  # each fault declares its own parameters
    if problem:
        raise ControlError(400, "invalid_field", problem)
    client_id = data.get("client_id")
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


@bp.delete("/faults/<int:fault_id>")
def remove_fault(fault_id: int):
    """One fault, by the id POST /_mock/faults answered: a run clears what it armed, nobody else's."""
    with svc().db.session() as s:
        if not fault_id < 2**63 or not store.remove(s, fault_id):  # beyond a 64-bit column: none such
            raise ControlError(404, "not_found", f"no active fault with id {fault_id} (used up or cleared)")
        return jsonify({"cleared": 1, "id": fault_id})


@bp.get("/clock")
def get_clock():
    c = svc().clock
    return jsonify({"now": c.now(), "offset": c.offset})


MAX_OFFSET = 100 * 366 * 24 * 3600  # a century either way


@bp.post("/clock")
def move_clock():
    data = _json()
    c = svc().clock
    if "advance" in data or "offset" in data:  # numbers (finite): the requestBody schema in openapi.yaml
        key = "advance" if "advance" in data else "offset"
        value = data[key]
        offset = c.offset + float(value) if key == "advance" else float(value)
        if not abs(offset) <= MAX_OFFSET:  # NaN, Infinity, 1e308: every date the mock shows would break
            raise ControlError(400, "invalid_field", f"the clock offset must stay within {MAX_OFFSET} seconds")
        svc().set_clock_offset(offset)
    else:
        raise ControlError(400, "missing_field", "send {\"advance\": seconds} or {\"offset\": seconds}")
    return jsonify({"now": c.now(), "offset": c.offset})

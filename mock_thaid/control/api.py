"""JSON control API under /_mock/ (described in control/openapi.yaml)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import pid as pidmod
from . import bodies
from ..login import flow, state
from ..pin import DEFAULT_POLICY, normalize_pin
from ..services import svc
from ..store import citizens, clients, logins

bp = Blueprint("control", __name__, url_prefix="/_mock")

REQUIRED_CITIZEN = ("pid", "given_name", "family_name")
CITIZEN_DEFAULTS = {
    "title": "นาย", "title_en": "Mr.", "middle_name": "", "given_name_en": "", "middle_name_en": "",
    "family_name_en": "", "birthdate": "1990-01-01", "gender": "male",
    "address": "1 หมู่ 1 ต.หนองหลวง อ.เมืองตาก จ.ตาก 63000", "smartcard_code": "0000-00-00000000",
    "date_of_issuance": "2020-01-01", "date_of_expiry": "2028-01-01", "face": "pass", "fingerprint": "pass",
}


#: What each control-API error means, in Thai (the English detail says which field and why).
ERRORS_TH: dict[str, str] = {
    "invalid_body": "ข้อมูลที่ส่งมาไม่ใช่ออบเจกต์ JSON (ต้องส่ง Content-Type: application/json)",
    "missing_field": "คำขอขาดข้อมูลที่จำเป็น",
    "invalid_field": "ข้อมูลบางช่องไม่ถูกต้อง",
    "invalid_pid": "เลขประจำตัวประชาชนไม่ถูกต้อง",
    "pin_policy": "รหัส PIN ไม่เป็นไปตามกฎ",
    "unknown_fault": "ไม่รู้จักชื่อความผิดพลาดจำลองนี้ (ดูรายการได้ที่ GET /_mock/faults)",
    "not_found": "ไม่พบข้อมูลที่ขอ",
    "login_closed": "การเข้าสู่ระบบนี้จบไปแล้ว (อนุมัติ ปฏิเสธ หรือหมดอายุ)",
    "not_registered": "บุคคลนี้ยังไม่ได้ลงทะเบียน ThaiD",
}


class ControlError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@bp.errorhandler(ControlError)
def _control_error(e: ControlError):
    return jsonify({"error": e.error, "error_description": e.description,
                    "message_th": f"{ERRORS_TH[e.error]} ({e.description})", "message_en": e.description}), e.status


def _json(codes: dict[str, str] | None = None, *, optional: bool = False) -> dict:
    """The request's JSON object, validated against its operation's requestBody schema in
    openapi.yaml (control/bodies.py). A refused field answers ``missing_field`` (absent) or
    ``invalid_field``, unless ``codes`` names the error for that top-level field (e.g. a PID
    answers ``invalid_pid`` whatever is wrong with it). ``optional``: no body at all is ``{}``."""
    if optional and not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ControlError(400, "invalid_body", "send a JSON object with Content-Type: application/json")
    try:
        return bodies.check(request.method, bodies.template(request.url_rule.rule), data)
    except bodies.BodyError as e:
        code = (codes or {}).get(e.top) or ("missing_field" if e.rule == "required" else "invalid_field")
        raise ControlError(400, code, e.message) from None


def _pid(value) -> str:
    try:
        return pidmod.validate(str(value or ""))
    except pidmod.InvalidPID as e:
        raise ControlError(400, "invalid_pid", e.message_en) from None


def _citizen_json(s, c) -> dict:
    acc = citizens.account(s, c.pid)
    d = c.as_claim_source()
    d["registered"] = acc is not None
    if acc is not None:
        d["channel"] = acc.channel
        d["locked_until"] = acc.locked_until or None
        d["failed_pins"] = acc.failed_pins
    return d


@bp.get("/health")
def health():
    return jsonify({"status": "ok", "issuer": svc().settings.issuer, "profile": svc().settings.profile})


@bp.get("/citizens")
def list_citizens():
    with svc().db.session() as s:
        return jsonify({"citizens": [_citizen_json(s, c) for c in citizens.list_all(s)]})


@bp.get("/citizens/<pid>")
def get_citizen(pid: str):
    with svc().db.session() as s:
        c = citizens.get(s, pidmod.normalize(pid))
        if c is None:
            raise ControlError(404, "not_found", f"no citizen with pid {pid}")
        return jsonify(_citizen_json(s, c))


@bp.post("/citizens")
def add_citizen():
    services = svc()
    raw = request.get_json(silent=True)  # an empty or null name counts as missing, before its type
    missing = [k for k in REQUIRED_CITIZEN if not raw.get(k)] if isinstance(raw, dict) else []
    if missing:
        raise ControlError(400, "missing_field", "missing: " + ", ".join(missing))
    data = _json({"pid": "invalid_pid"})
    data["pid"] = _pid(data["pid"])
    values = {**CITIZEN_DEFAULTS, **{k: v for k, v in data.items() if k in citizens.CITIZEN_FIELDS}}
    with services.db.session() as s:
        c = citizens.upsert(s, values)
        if data.get("registered"):
            _register(s, c.pid, data.get("pin") or services.settings.demo_pin, data.get("channel") or "self")
        return jsonify(_citizen_json(s, c)), 201


def _register(s, pid: str, pin: str, channel: str) -> bool:
    """``pin`` and ``channel`` as the schemas (CitizenInput, AccountInput) let them through."""
    services = svc()
    pin = normalize_pin(pin)
    broken = DEFAULT_POLICY.check(pin)
    if broken:
        raise ControlError(400, "pin_policy", "; ".join(v.message_en for v in broken))
    _, replaced = citizens.register(s, pid, pin, channel=channel, now=services.clock.now(),
                                    kdf_n=services.settings.pin_kdf_n)
    return replaced


@bp.put("/citizens/<pid>/outcomes")
def put_outcomes(pid: str):
    """What the simulated face check (self-registration) and fingerprint scan (officer) answer
    (the schema allows face and/or fingerprint, each one of its outcomes, nothing else)."""
    data = _json()
    with svc().db.session() as s:
        c = citizens.get(s, _pid(pid))
        if c is None:
            raise ControlError(404, "not_found", f"no citizen with pid {pid}")
        for key, value in data.items():
            setattr(c, key, value)
        return jsonify(_citizen_json(s, c))


@bp.put("/accounts/<pid>")
def put_account(pid: str):
    data = _json(optional=True)
    pid = _pid(pid)
    with svc().db.session() as s:
        if citizens.get(s, pid) is None:
            raise ControlError(404, "not_found", f"no citizen with pid {pid}")
        replaced = _register(s, pid, data.get("pin") or svc().settings.demo_pin, data.get("channel") or "self")
        return jsonify({"pid": pid, "registered": True, "replaced": replaced})


@bp.delete("/accounts/<pid>")
def delete_account(pid: str):
    with svc().db.session() as s:
        acc = citizens.account(s, pidmod.normalize(pid))
        if acc is None:
            raise ControlError(404, "not_found", f"{pid} has no ThaiD account")
        s.delete(acc)
    return jsonify({"pid": pid, "registered": False})


@bp.get("/clients")
def list_clients():
    with svc().db.session() as s:
        return jsonify({"clients": [c.public_dict() for c in clients.list_all(s)]})


@bp.post("/clients")
def add_client():
    data = _json({"redirect_uris": "missing_field"})
    data["scopes"] = data.get("scopes", ["openid", "pid", "name"])
    with svc().db.session() as s:
        c = clients.upsert(s, data)
        body = c.public_dict()
        body.update({"client_secret": c.client_secret, "api_key": c.api_key})
        return jsonify(body), 201


@bp.get("/clients/<client_id>")
def get_client(client_id: str):
    with svc().db.session() as s:
        c = clients.get(s, client_id)
        if c is None:
            raise ControlError(404, "not_found", f"no client {client_id}")
        return jsonify(c.public_dict())


@bp.post("/clients/<client_id>/next-decision")
def next_decision(client_id: str):
    data = _json({"decision": "invalid_field", "pid": "invalid_pid"})
    decision = data["decision"]
    with svc().db.session() as s:
        c = clients.get(s, client_id)
        if c is None:
            raise ControlError(404, "not_found", f"no client {client_id}")
        entry = {"decision": decision}
        if decision == "approve":
            entry["pid"] = _pid(data.get("pid"))
            if citizens.account(s, entry["pid"]) is None:
                raise ControlError(409, "not_registered", f"{entry['pid']} has no ThaiD account")
        c.next_decision = entry
        return jsonify(c.public_dict())


def _login_json(ls, now) -> dict:
    return {"ref": ls.ref, "client_id": ls.client_id, "redirect_uri": ls.redirect_uri, "scope": ls.scope,
            "status": state.effective(ls.status, ls.expires_at, now), "pid": ls.pid,
            "state_sent": ls.state is not None, "nonce_sent": ls.nonce is not None,
            "pkce_sent": ls.code_challenge is not None, "created_at": ls.created_at,
            "expires_at": ls.expires_at, "app_url": f"{svc().settings.phone_base_url}/app/login/{ls.app_token}"}


@bp.get("/logins")
def list_logins():
    services = svc()
    with services.db.session() as s:
        now = services.clock.now()
        return jsonify({"logins": [_login_json(ls, now) for ls in logins.recent(s)]})


def _open_login(s, ref: str):
    ls = logins.by_ref(s, ref)
    if ls is None:
        raise ControlError(404, "not_found", f"no login with reference {ref}")
    current = state.effective(ls.status, ls.expires_at, svc().clock.now())
    if current not in state.OPEN:
        raise ControlError(409, "login_closed", f"login {ref} is {current}")
    return ls


@bp.post("/logins/<ref>/approve")
def approve_login(ref: str):
    services = svc()
    data = _json({"pid": "invalid_pid"})
    pid = _pid(data["pid"])
    with services.db.session() as s:
        ls = _open_login(s, ref)
        if citizens.account(s, pid) is None:
            raise ControlError(409, "not_registered", f"{pid} has no ThaiD account")
        url = flow.approve(services, s, ls, pid)
        return jsonify({"ref": ls.ref, "status": ls.status, "redirect": url})


@bp.post("/logins/<ref>/deny")
def deny_login(ref: str):
    services = svc()
    with services.db.session() as s:
        ls = _open_login(s, ref)
        url = flow.deny(services, s, ls)
        return jsonify({"ref": ls.ref, "status": ls.status, "redirect": url})


@bp.post("/logins/<ref>/scan")
def scan_login(ref: str):
    services = svc()
    with services.db.session() as s:
        ls = _open_login(s, ref)
        return jsonify({"ref": ls.ref, "status": flow.scan(services, s, ls)})


@bp.post("/keys/rotate")
def rotate_keys():
    key = svc().rotate_keys()
    return jsonify({"signing_kid": key.kid, "published": [k.kid for k in svc().keys.keys]})


@bp.post("/reset")
def reset():
    return jsonify({"status": "reset", **svc().reset_to_seed()})


@bp.get("/openapi.yaml")
def openapi():
    return Response(bodies.spec_text(), mimetype="application/yaml")

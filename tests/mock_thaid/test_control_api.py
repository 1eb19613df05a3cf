"""The JSON control API under /_mock/ and its OpenAPI description (control/openapi.yaml).

Everything runs on the Flask test client with an in-memory database. Responses of the
control API are also checked against the schemas of the spec, so the document and the
code cannot drift apart silently.
"""
from __future__ import annotations

import base64
import random
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import jwt
import pytest
import yaml
from conftest import DEMO_PID, DEMO_RP, make_app
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_thaid import pid as pidmod

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "mock_thaid" / "control" / "openapi.yaml"
DATA = ROOT / "data"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

MALI = "1057830862719"  # registered (self) in data/citizens.yaml
PIYANUT = "1368410540482"  # in the register, not registered with ThaiD
GOOD_PIN = "24681357"


# ----------------------------------------------------------------------------- helpers
@lru_cache(maxsize=1)
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _registry() -> Registry:
    return Registry().with_resource("urn:spec", Resource.from_contents(spec(), default_specification=DRAFT202012))


def _validator(pointer: str) -> OAS31Validator:
    return OAS31Validator({"$ref": "urn:spec#" + quote(pointer, safe="/~")}, registry=_registry())


def _ptr(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def conforms(resp, path: str, method: str, status: int | None = None) -> dict:
    """Assert the JSON response matches the spec's schema for (path, method, status)."""
    status = resp.status_code if status is None else status
    assert resp.status_code == status, resp.get_data(as_text=True)
    op = spec()["paths"][path][method]
    parts = ["paths", path, method, "responses", str(status)]
    response = op["responses"][str(status)]
    if "$ref" in response:
        parts = response["$ref"].lstrip("#/").split("/")
        response = spec()
        for p in parts:
            response = response[p]
    assert "application/json" in response["content"], f"{method} {path} {status} has no JSON body"
    body = resp.get_json()
    errors = list(_validator(_ptr(*parts, "content", "application/json", "schema")).iter_errors(body))
    assert not errors, f"{method.upper()} {path} {status}: " + "; ".join(e.message for e in errors)
    return body


def new_pid(seed: int) -> str:
    while True:
        p = pidmod.generate(random.Random(seed))
        if p not in _seeded_pids():
            return p
        seed += 1000


@lru_cache(maxsize=1)
def _seeded_pids() -> frozenset[str]:
    doc = yaml.safe_load((DATA / "citizens.yaml").read_text(encoding="utf-8"))
    return frozenset(str(c["pid"]) for c in doc["citizens"])


def auth_query(client_id: str = DEMO_RP["client_id"], redirect_uri: str = DEMO_RP["redirect_uri"],
               scope: str = "openid pid name", state: str = "st-123", **extra) -> dict:
    return {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
            "scope": scope, "state": state, **extra}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def exchange(c, code: str, client_id: str = DEMO_RP["client_id"],
             secret: str = DEMO_RP["client_secret"], redirect_uri: str = DEMO_RP["redirect_uri"]) -> dict:
    r = c.post("/api/v2/oauth2/token/", headers=basic(client_id, secret),
               data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def start_qr_login(c, **query) -> tuple[str, str]:
    """Authorize without a persona: the QR page. Returns (status_url, ref)."""
    r = c.get("/api/v2/oauth2/auth/", query_string=auth_query(**query))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    status_url = re.search(r'data-status-url="([^"]+)"', html).group(1)
    ref = re.search(r'<strong id="ref">([A-Z0-9]+)</strong>', html).group(1)
    return status_url, ref


# ----------------------------------------------------------------------------- the spec
def test_spec_is_valid_openapi_31():
    doc = spec()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_mock_route_is_documented_and_every_documented_route_exists(mock_app):
    flask_ops: set[tuple[str, str]] = set()
    for rule in mock_app.url_map.iter_rules():
        if not rule.rule.startswith("/_mock"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        flask_ops |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    spec_ops = {(p, m) for p, item in spec()["paths"].items() if p.startswith("/_mock")
                for m in item if m in HTTP_METHODS}
    assert flask_ops, "no /_mock routes: is the control API on?"
    assert flask_ops - spec_ops == set(), "served but not documented"
    assert spec_ops - flask_ops == set(), "documented but not served"


def test_documented_thaid_endpoints_exist(mock_app):
    served = {}
    for rule in mock_app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        served.setdefault(path, set()).update(m.lower() for m in rule.methods)
    for path in ("/.well-known/openid-configuration", "/jwks/", "/api/v2/oauth2/auth/",
                 "/api/v2/oauth2/token/", "/api/v2/oauth2/introspect/", "/api/v2/oauth2/revoke/",
                 "/api/v2/oauth2/userinfo/"):
        assert path in spec()["paths"], path
    for path, item in spec()["paths"].items():
        if path.startswith("/_mock"):
            continue
        for method in set(item) & HTTP_METHODS:
            assert method in served.get(path, set()), f"{method.upper()} {path} documented but not served"


def test_every_operation_has_a_description_and_the_auth_schemes_are_declared():
    for path, item in spec()["paths"].items():
        for method in set(item) & HTTP_METHODS:
            assert item[method].get("description", "").strip(), f"{method} {path}"
    schemes = spec()["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    assert schemes["imauthApiKey"]["in"] == "header" and schemes["imauthApiKey"]["name"] == "x-imauth-apikey"
    token_form = spec()["components"]["schemas"]["TokenRequest"]["allOf"][0]["$ref"]
    assert token_form.endswith("/ClientSecretPost")
    assert set(spec()["components"]["schemas"]["Error"]["required"]) == {"error", "error_description"}


def _media_examples(doc: dict):
    """(pointer to schema, example value) for every example in the paths."""
    def resolve(obj):
        while isinstance(obj, dict) and "$ref" in obj:
            target = doc
            for p in obj["$ref"].lstrip("#/").split("/"):
                target = target[p]
            obj = target
        return obj

    def media(parts, content):
        for mtype, m in content.items():
            if "schema" not in m or "json" not in mtype and "form" not in mtype:
                continue
            sp = _ptr(*parts, mtype, "schema")
            if "example" in m:
                yield sp, m["example"]
            for ex in (m.get("examples") or {}).values():
                yield sp, resolve(ex)["value"]

    for path, item in doc["paths"].items():
        for method in set(item) & HTTP_METHODS:
            op = item[method]
            if "requestBody" in op:
                yield from media(["paths", path, method, "requestBody", "content"], op["requestBody"]["content"])
            for code, resp in op["responses"].items():
                if "$ref" not in resp and "content" in resp:
                    yield from media(["paths", path, method, "responses", code, "content"], resp["content"])
    for name, resp in doc["components"]["responses"].items():
        yield from media(["components", "responses", name, "content"], resp.get("content", {}))


def test_examples_match_their_schemas():
    seen = 0
    for pointer, example in _media_examples(spec()):
        errors = [e.message for e in _validator(pointer).iter_errors(example)]
        assert not errors, f"{pointer}: {errors}"
        seen += 1
    assert seen > 20


def test_examples_use_only_synthetic_people():
    text = SPEC_PATH.read_text(encoding="utf-8")
    for pid in set(re.findall(r"(?<![0-9])[1-8][0-9]{12}(?![0-9])", text)):
        assert pid in _seeded_pids(), f"{pid} is not a citizen of data/citizens.yaml"


def test_openapi_yaml_is_served(client):
    r = client.get("/_mock/openapi.yaml")
    assert r.status_code == 200
    assert r.mimetype == "application/yaml"
    assert yaml.safe_load(r.get_data(as_text=True)) == spec()


# ----------------------------------------------------------------------------- basics
def test_health(client):
    body = conforms(client.get("/_mock/health"), "/_mock/health", "get", 200)
    assert body == {"status": "ok", "issuer": "http://mock.test", "profile": "thaid"}


def test_citizens_list_and_get(client):
    body = conforms(client.get("/_mock/citizens"), "/_mock/citizens", "get", 200)
    by_pid = {c["pid"]: c for c in body["citizens"]}
    assert set(by_pid) == _seeded_pids()
    assert by_pid[MALI]["registered"] is True and by_pid[MALI]["channel"] == "self"
    assert by_pid[PIYANUT]["registered"] is False and "channel" not in by_pid[PIYANUT]
    one = conforms(client.get("/_mock/citizens/1-0578-30862-71-9"), "/_mock/citizens/{pid}", "get", 200)
    assert one["given_name_en"] == "Mali" and one["failed_pins"] == 0
    missing = conforms(client.get(f"/_mock/citizens/{new_pid(7)}"), "/_mock/citizens/{pid}", "get", 404)
    assert missing["error"] == "not_found"


# ----------------------------------------------------------------------------- citizens
def test_add_registered_citizen_then_headless_login(client):
    pid = new_pid(1)
    r = client.post("/_mock/citizens", json={
        "pid": pid, "given_name": "ปิติ", "family_name": "สุขใจ", "given_name_en": "Piti",
        "family_name_en": "Sukjai", "registered": True, "pin": GOOD_PIN})
    body = conforms(r, "/_mock/citizens", "post", 201)
    assert body["pid"] == pid and body["registered"] is True and body["channel"] == "self"
    assert body["birthdate"] == "1990-01-01"  # a default filled in

    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(nonce="n-1"),
                   headers={"X-Mock-Persona": pid})
    assert r.status_code == 302
    q = query_of(r.headers["Location"])
    assert r.headers["Location"].startswith(DEMO_RP["redirect_uri"] + "?")
    assert q["state"] == "st-123" and q["code"]

    tokens = exchange(client, q["code"])
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sub"] == pid and claims["pid"] == pid and claims["nonce"] == "n-1"
    info = client.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert info.get_json()["name"] == "นาย ปิติ สุขใจ"


def test_add_citizen_accepts_a_formatted_pid(client):
    pid = new_pid(2)
    dashed = pidmod.format_pid(pid)
    body = conforms(client.post("/_mock/citizens", json={"pid": dashed, "given_name": "ก", "family_name": "ข"}),
                    "/_mock/citizens", "post", 201)
    assert body["pid"] == pid and body["registered"] is False


def _bad_checksum(pid: str) -> str:
    return pid[:12] + str((int(pid[12]) + 1) % 10)


@pytest.mark.parametrize("payload, error", [
    ({"pid": "bad-checksum", "given_name": "ก", "family_name": "ข"}, "invalid_pid"),
    ({"pid": "1234567890123", "given_name": "ก", "family_name": "ข"}, "invalid_pid"),
    ({"pid": "new", "given_name": "ก", "family_name": "ข", "registered": True, "pin": "12345678"}, "pin_policy"),
    ({"pid": "new", "given_name": "ก", "family_name": "ข", "registered": True, "pin": "11112222"}, "pin_policy"),
    ({"pid": "new", "given_name": "ก", "family_name": "ข", "registered": True, "pin": "1357"}, "pin_policy"),
    ({"pid": "new"}, "missing_field"),
    ({"given_name": "ก", "family_name": "ข"}, "missing_field"),
    ({"pid": "new", "given_name": "", "family_name": "ข"}, "missing_field"),
])
def test_add_citizen_refusals(client, payload, error):
    pid = new_pid(3)
    payload = dict(payload)
    if payload.get("pid") == "new":
        payload["pid"] = pid
    elif payload.get("pid") == "bad-checksum":
        payload["pid"] = _bad_checksum(pid)
    body = conforms(client.post("/_mock/citizens", json=payload), "/_mock/citizens", "post", 400)
    assert body["error"] == error
    if error == "missing_field":
        assert "missing:" in body["error_description"]
    if error == "pin_policy":
        # atomic: the citizen was not added either
        assert client.get(f"/_mock/citizens/{pid}").status_code == 404


@pytest.mark.parametrize("kwargs", [
    {"data": "{not json", "content_type": "application/json"},
    {"data": '["a", "list"]', "content_type": "application/json"},
])
def test_add_citizen_non_json_body(client, kwargs):
    body = conforms(client.post("/_mock/citizens", **kwargs), "/_mock/citizens", "post", 400)
    assert body["error"] == "invalid_body"


@pytest.mark.parametrize("kwargs", [
    {"data": "not json", "content_type": "text/plain"},
    {"data": {"pid": DEMO_PID}},  # a form, not JSON
])
def test_add_citizen_with_a_body_a_cross_site_form_could_send_is_415(client, kwargs):
    r = client.post("/_mock/citizens", **kwargs)
    assert r.status_code == 415 and r.json["error"] == "json_required"
    assert len(client.get("/_mock/citizens").json["citizens"]) == 34  # nothing added



def test_numeric_pin_is_a_400_not_a_crash(client):
    r = client.post("/_mock/citizens", json={"pid": new_pid(4), "given_name": "ก", "family_name": "ข",
                                             "registered": True, "pin": 24681357})
    assert r.status_code == 400
    r = client.put(f"/_mock/accounts/{PIYANUT}", json={"pin": 24681357})
    assert r.status_code == 400


# ----------------------------------------------------------------------------- accounts
def test_put_account_registers_and_replaces(client):
    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(), headers={"X-Mock-Persona": PIYANUT})
    assert r.status_code == 401  # not registered yet
    body = conforms(client.put(f"/_mock/accounts/{PIYANUT}", json={"pin": GOOD_PIN, "channel": "officer"}),
                    "/_mock/accounts/{pid}", "put", 200)
    assert body == {"pid": PIYANUT, "registered": True, "replaced": False}
    assert client.get(f"/_mock/citizens/{PIYANUT}").get_json()["channel"] == "officer"
    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(), headers={"X-Mock-Persona": PIYANUT})
    assert r.status_code == 302 and "code=" in r.headers["Location"]
    again = conforms(client.put(f"/_mock/accounts/{PIYANUT}"), "/_mock/accounts/{pid}", "put", 200)
    assert again["replaced"] is True  # no body: the demo PIN
    assert conforms(client.put(f"/_mock/accounts/{PIYANUT}", json={"pin": "98765432"}),
                    "/_mock/accounts/{pid}", "put", 400)["error"] == "pin_policy"
    assert conforms(client.put(f"/_mock/accounts/{_bad_checksum(MALI)}"),
                    "/_mock/accounts/{pid}", "put", 400)["error"] == "invalid_pid"
    assert conforms(client.put(f"/_mock/accounts/{new_pid(5)}"), "/_mock/accounts/{pid}", "put", 404)


def test_delete_account_then_persona_login_shows_an_error_page(client):
    body = conforms(client.delete(f"/_mock/accounts/{MALI}"), "/_mock/accounts/{pid}", "delete", 200)
    assert body == {"pid": MALI, "registered": False}
    assert client.get(f"/_mock/citizens/{MALI}").get_json()["registered"] is False

    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(),
                   headers={"X-Mock-Persona": MALI, "Accept": "text/html"})
    assert r.status_code == 401
    assert "Location" not in r.headers  # shown to the person, never redirected to the RP
    assert r.mimetype == "text/html"
    assert re.search(r'id="error-code">access_denied<', r.get_data(as_text=True))

    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(), headers={"X-Mock-Persona": MALI})
    assert r.status_code == 401 and "Location" not in r.headers
    assert r.get_json()["error"] == "access_denied"

    assert conforms(client.delete(f"/_mock/accounts/{MALI}"), "/_mock/accounts/{pid}", "delete", 404)


# ----------------------------------------------------------------------------- clients
def test_add_client_then_authorize_and_exchange_with_client_secret_post(client):
    redirect = "http://127.0.0.1:9099/cb"
    r = client.post("/_mock/clients", json={"client_id": "ci-rp", "redirect_uris": [redirect],
                                            "scopes": ["openid", "pid", "name_en"], "name_en": "CI app"})
    created = conforms(r, "/_mock/clients", "post", 201)
    assert created["client_id"] == "ci-rp" and created["client_secret"] and created["api_key"]
    listed = conforms(client.get("/_mock/clients"), "/_mock/clients", "get", 200)
    assert "ci-rp" in {c["client_id"] for c in listed["clients"]}
    assert all("client_secret" not in c for c in listed["clients"])
    one = conforms(client.get("/_mock/clients/ci-rp"), "/_mock/clients/{client_id}", "get", 200)
    assert one["redirect_uris"] == [redirect] and one["next_decision"] is None

    r = client.get("/api/v2/oauth2/auth/", headers={"X-Mock-Persona": MALI},
                   query_string=auth_query("ci-rp", redirect, scope="openid pid name_en", state="xyz"))
    assert r.status_code == 302
    q = query_of(r.headers["Location"])
    assert r.headers["Location"].startswith(redirect + "?") and q["state"] == "xyz"

    tok = client.post("/api/v2/oauth2/token/", headers={"x-imauth-apikey": created["api_key"]},
                      data={"grant_type": "authorization_code", "code": q["code"], "redirect_uri": redirect,
                            "client_id": "ci-rp", "client_secret": created["client_secret"]})
    assert tok.status_code == 200, tok.get_json()
    claims = jwt.decode(tok.get_json()["id_token"], options={"verify_signature": False})
    assert claims["aud"] == "ci-rp" and claims["sub"] == MALI and claims["name_en"] == "Miss Mali Rakthintak"


def test_add_client_generates_credentials_and_default_scopes(client):
    created = conforms(client.post("/_mock/clients", json={"redirect_uris": ["http://127.0.0.1:9/cb"]}),
                       "/_mock/clients", "post", 201)
    assert created["client_id"] and created["scopes"] == ["openid", "pid", "name"]


@pytest.mark.parametrize("payload, error", [
    ({}, "missing_field"),
    ({"redirect_uris": []}, "missing_field"),
    ({"redirect_uris": "http://127.0.0.1:9/cb"}, "missing_field"),
    ({"redirect_uris": [""]}, "missing_field"),
    ({"redirect_uris": ["http://127.0.0.1:9/cb"], "scopes": "openid pid"}, "invalid_field"),
])
def test_add_client_refusals(client, payload, error):
    assert conforms(client.post("/_mock/clients", json=payload), "/_mock/clients", "post", 400)["error"] == error
    assert conforms(client.post("/_mock/clients", data="x", content_type="application/json"),
                    "/_mock/clients", "post", 400)["error"] == "invalid_body"


def test_get_unknown_client(client):
    assert conforms(client.get("/_mock/clients/nobody"), "/_mock/clients/{client_id}", "get", 404)["error"] == "not_found"


# ----------------------------------------------------------------------------- next-decision
ND = "/_mock/clients/{client_id}/next-decision"


def test_next_decision_deny_redirects_with_user_denied_and_is_used_once(client):
    body = conforms(client.post("/_mock/clients/demo-rp/next-decision", json={"decision": "deny"}), ND, "post", 200)
    assert body["next_decision"] == {"decision": "deny"}
    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(state="abc"))
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert loc.startswith(DEMO_RP["redirect_uri"] + "?")
    assert "error=user_denied" in loc and "state=abc" in loc and "code=" not in loc
    assert query_of(loc)["error"] == "user_denied" and query_of(loc)["state"] == "abc"
    assert client.get("/_mock/clients/demo-rp").get_json()["next_decision"] is None
    # used up: the next authorize shows the QR page again
    assert client.get("/api/v2/oauth2/auth/", query_string=auth_query()).status_code == 200


def test_next_decision_approve_as_pid_gives_a_code(client):
    body = conforms(client.post("/_mock/clients/demo-rp/next-decision",
                                json={"decision": "approve", "pid": MALI}), ND, "post", 200)
    assert body["next_decision"] == {"decision": "approve", "pid": MALI}
    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(state="s-42"))
    assert r.status_code == 302
    q = query_of(r.headers["Location"])
    assert q["state"] == "s-42" and "error" not in q
    claims = jwt.decode(exchange(client, q["code"])["id_token"], options={"verify_signature": False})
    assert claims["sub"] == MALI


@pytest.mark.parametrize("client_id, payload, status, error", [
    ("demo-rp", {"decision": "maybe"}, 400, "invalid_field"),
    ("demo-rp", {}, 400, "invalid_field"),
    ("demo-rp", {"decision": "approve"}, 400, "invalid_pid"),
    ("demo-rp", {"decision": "approve", "pid": "1234567890123"}, 400, "invalid_pid"),
    ("demo-rp", {"decision": "approve", "pid": PIYANUT}, 409, "not_registered"),
    ("nobody", {"decision": "deny"}, 404, "not_found"),
])
def test_next_decision_refusals(client, client_id, payload, status, error):
    r = client.post(f"/_mock/clients/{client_id}/next-decision", json=payload)
    assert conforms(r, ND, "post", status)["error"] == error



def test_a_failing_next_decision_is_still_used_once(client):
    client.post("/_mock/clients/demo-rp/next-decision", json={"decision": "approve", "pid": MALI})
    client.delete(f"/_mock/accounts/{MALI}")
    assert client.get("/api/v2/oauth2/auth/", query_string=auth_query()).status_code == 401
    assert client.get("/_mock/clients/demo-rp").get_json()["next_decision"] is None
    assert client.get("/api/v2/oauth2/auth/", query_string=auth_query()).status_code == 200


# ----------------------------------------------------------------------------- QR logins
def test_started_login_is_listed_then_approved_by_ref(client):
    status_url, ref = start_qr_login(client, state="qr-state", nonce="qr-nonce")
    st = client.get(status_url).get_json()
    assert st["status"] == "waiting" and st["ref"] == ref and "redirect" not in st

    logins = conforms(client.get("/_mock/logins"), "/_mock/logins", "get", 200)["logins"]
    mine = next(x for x in logins if x["ref"] == ref)
    assert mine["status"] == "waiting" and mine["client_id"] == "demo-rp" and mine["pid"] is None
    assert mine["state_sent"] is True and mine["nonce_sent"] is True and mine["pkce_sent"] is False
    assert mine["scope"] == "openid pid name" and mine["redirect_uri"] == DEMO_RP["redirect_uri"]
    assert mine["app_url"].startswith("http://mock.test/app/login/")
    assert mine["expires_at"] > mine["created_at"]

    body = conforms(client.post(f"/_mock/logins/{ref.lower()}/approve", json={"pid": MALI}),
                    "/_mock/logins/{ref}/approve", "post", 200)
    assert body["ref"] == ref and body["status"] == "approved" and "code=" in body["redirect"]

    st = client.get(status_url).get_json()
    assert st["status"] == "approved"
    assert "code=" in st["redirect"] and query_of(st["redirect"])["state"] == "qr-state"
    assert st["redirect"] == body["redirect"]
    listed = next(x for x in client.get("/_mock/logins").get_json()["logins"] if x["ref"] == ref)
    assert listed["status"] == "approved" and listed["pid"] == MALI

    claims = jwt.decode(exchange(client, query_of(st["redirect"])["code"])["id_token"],
                        options={"verify_signature": False})
    assert claims["sub"] == MALI and claims["nonce"] == "qr-nonce"

    # closed now: approve or deny again -> 409
    again = conforms(client.post(f"/_mock/logins/{ref}/approve", json={"pid": MALI}),
                     "/_mock/logins/{ref}/approve", "post", 409)
    assert again["error"] == "login_closed"
    assert conforms(client.post(f"/_mock/logins/{ref}/deny"), "/_mock/logins/{ref}/deny", "post", 409)
    assert conforms(client.post(f"/_mock/logins/{ref}/scan"), "/_mock/logins/{ref}/scan", "post", 409)


def test_scan_then_deny_by_ref(client):
    status_url, ref = start_qr_login(client, state="deny-me")
    body = conforms(client.post(f"/_mock/logins/{ref}/scan"), "/_mock/logins/{ref}/scan", "post", 200)
    assert body == {"ref": ref, "status": "scanned"}
    assert client.get(status_url).get_json()["status"] == "scanned"

    body = conforms(client.post(f"/_mock/logins/{ref}/deny"), "/_mock/logins/{ref}/deny", "post", 200)
    assert body["status"] == "denied"
    st = client.get(status_url).get_json()
    assert st["status"] == "denied"
    q = query_of(st["redirect"])
    assert q["error"] == "user_denied" and q["state"] == "deny-me" and "code" not in q
    assert conforms(client.post(f"/_mock/logins/{ref}/approve", json={"pid": MALI}),
                    "/_mock/logins/{ref}/approve", "post", 409)["error"] == "login_closed"


def test_approve_login_refusals(client):
    _, ref = start_qr_login(client)
    assert conforms(client.post(f"/_mock/logins/{ref}/approve", json={"pid": PIYANUT}),
                    "/_mock/logins/{ref}/approve", "post", 409)["error"] == "not_registered"
    assert conforms(client.post(f"/_mock/logins/{ref}/approve", json={"pid": "1234567890123"}),
                    "/_mock/logins/{ref}/approve", "post", 400)["error"] == "invalid_pid"
    assert conforms(client.post(f"/_mock/logins/{ref}/approve", data="x"),
                    "/_mock/logins/{ref}/approve", "post", 400)["error"] == "invalid_body"
    assert conforms(client.post("/_mock/logins/ZZZZZZ/approve", json={"pid": MALI}),
                    "/_mock/logins/{ref}/approve", "post", 404)["error"] == "not_found"
    assert conforms(client.post("/_mock/logins/ZZZZZZ/deny"), "/_mock/logins/{ref}/deny", "post", 404)
    # still open after all the refusals
    assert next(x for x in client.get("/_mock/logins").get_json()["logins"] if x["ref"] == ref)["status"] == "waiting"


def test_expired_login_cannot_be_approved(client, mock_app):
    _, ref = start_qr_login(client)
    mock_app.extensions["mock_thaid"].clock.advance(10_000)
    listed = next(x for x in client.get("/_mock/logins").get_json()["logins"] if x["ref"] == ref)
    assert listed["status"] == "expired"
    body = conforms(client.post(f"/_mock/logins/{ref}/approve", json={"pid": MALI}),
                    "/_mock/logins/{ref}/approve", "post", 409)
    assert body["error"] == "login_closed" and "expired" in body["error_description"]


# ----------------------------------------------------------------------------- keys, reset
def test_keys_rotate_publishes_two_keys_and_the_new_one_signs(client):
    assert len(client.get("/jwks/").get_json()["keys"]) == 1
    body = conforms(client.post("/_mock/keys/rotate"), "/_mock/keys/rotate", "post", 200)
    keys = client.get("/jwks/").get_json()["keys"]
    assert len(keys) == 2
    assert keys[0]["kid"] == body["signing_kid"] and body["published"][-1] == body["signing_kid"]
    assert {k["kid"] for k in keys} == set(body["published"])

    r = client.get("/api/v2/oauth2/auth/", query_string=auth_query(), headers={"X-Mock-Persona": MALI})
    id_token = exchange(client, query_of(r.headers["Location"])["code"])["id_token"]
    assert jwt.get_unverified_header(id_token)["kid"] == body["signing_kid"]
    # at most two published
    client.post("/_mock/keys/rotate")
    assert len(client.get("/jwks/").get_json()["keys"]) == 2


def test_reset_restores_the_seed(client, mock_app):
    pid = new_pid(6)
    assert client.post("/_mock/citizens", json={"pid": pid, "given_name": "ก", "family_name": "ข",
                                                "registered": True}).status_code == 201
    assert client.post("/_mock/clients", json={"client_id": "temp-rp",
                                               "redirect_uris": ["http://127.0.0.1:9/cb"]}).status_code == 201
    client.delete(f"/_mock/accounts/{MALI}")
    start_qr_login(client)
    client.post("/_mock/clients/demo-rp/next-decision", json={"decision": "deny"})
    mock_app.extensions["mock_thaid"].clock.advance(60)

    body = conforms(client.post("/_mock/reset"), "/_mock/reset", "post", 200)
    seeded = yaml.safe_load((DATA / "citizens.yaml").read_text(encoding="utf-8"))["citizens"]
    seeded_clients = yaml.safe_load((DATA / "clients.yaml").read_text(encoding="utf-8"))["clients"]
    assert body == {"status": "reset", "citizens": len(seeded),
                    "accounts": sum(1 for c in seeded if c.get("registered")), "clients": len(seeded_clients)}

    assert client.get(f"/_mock/citizens/{pid}").status_code == 404
    assert client.get("/_mock/clients/temp-rp").status_code == 404
    assert client.get(f"/_mock/citizens/{MALI}").get_json()["registered"] is True
    assert client.get("/_mock/clients/demo-rp").get_json()["next_decision"] is None
    assert client.get("/_mock/logins").get_json() == {"logins": []}
    assert mock_app.extensions["mock_thaid"].clock.offset == 0.0
    assert len(client.get("/_mock/citizens").get_json()["citizens"]) == len(seeded)


# ----------------------------------------------------------------------------- off switch, admin
def test_control_api_off():
    c = make_app(control_api=False).test_client()
    for path in ("/_mock/health", "/_mock/admin/", "/_mock/citizens", "/_mock/openapi.yaml"):
        assert c.get(path).status_code == 404, path
    assert c.post("/_mock/reset").status_code == 404
    assert c.post("/_mock/clients", json={"redirect_uris": ["http://127.0.0.1:9/cb"]}).status_code == 404
    assert c.get("/.well-known/openid-configuration").status_code == 200  # ThaiD side still served
    # no mock_detail leaks in protocol errors when hardened
    r = c.get("/api/v2/oauth2/auth/", query_string=auth_query(client_id="nobody"))
    assert r.status_code == 401 and "mock_detail" not in r.get_json()


def test_admin_page_lists_client_ids(client):
    client.post("/_mock/clients", json={"client_id": "admin-listed-rp", "redirect_uris": ["http://127.0.0.1:9/cb"]})
    r = client.get("/_mock/admin/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    ids = [c["client_id"] for c in yaml.safe_load((DATA / "clients.yaml").read_text(encoding="utf-8"))["clients"]]
    for cid in ids + ["admin-listed-rp"]:
        assert f"<code>{cid}</code>" in html, cid
    assert "http://127.0.0.1:8080/callback" in html


def test_removing_a_fault_by_an_id_beyond_64_bits_is_not_found(client):
    """Flask's int converter takes any length; the database column does not (was a 500)."""
    r = client.delete("/_mock/faults/9223372036854775808")
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"


def test_every_control_error_says_what_it_means_in_thai_too():
    from mock_thaid.control.api import ERRORS_TH
    from mock_thaid.control.bodies import spec

    codes = spec()["components"]["schemas"]["ControlError"]["properties"]["error"]["enum"]
    assert set(ERRORS_TH) == set(codes)
    c = make_app().test_client()
    r = c.post("/_mock/clients", json={"client_id": "x", "redirect_uris": "not-a-list"})
    assert r.status_code == 400
    body = r.json
    assert body["message_th"].startswith("ข้อมูลบางช่องไม่ถูกต้อง") or body["message_th"].startswith("คำขอขาดข้อมูล")
    assert "redirect_uris" in body["message_th"] and body["message_en"] == body["error_description"]
    r = c.get("/_mock/citizens/1234567890123")
    assert r.status_code in (400, 404) and any("\u0e00" <= ch <= "\u0e7f" for ch in r.json["message_th"])

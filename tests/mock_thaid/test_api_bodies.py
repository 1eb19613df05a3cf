"""The JSON bodies of the control API and the registration API are checked against
control/openapi.yaml (mock_thaid/control/bodies.py), so the document cannot drift from the code.

* every operation of the document with a JSON requestBody is served, and its route refuses a
  wrong-typed value for each documented property (nested ones too) with a 400 naming the field;
* every documented example body is accepted by its schema;
* changing a property's type in a copy of the YAML changes the answer (the validator reads the
  document, not a copy of its rules in the code);
* the rules the code keeps (offices, channels) and the schema's enums agree.
"""
from __future__ import annotations

import copy
import json

import pytest
import yaml
from conftest import make_app

from mock_thaid.control import bodies
from mock_thaid.domain import machine
from mock_thaid.domain.offices import OFFICES

MALI = "1057830862719"  # registered (self) in data/citizens.yaml
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
# a value of each JSON type, the truthy ones first (an empty name counts as missing, not as wrong)
CANDIDATES = [12345, "text", True, [1], {"a": 1}, 1.5]
# what a refused field may answer besides invalid_field / missing_field (documented per field)
OVERRIDES = {"invalid_pid", "unknown_fault"}


def _resolve(doc: dict, node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _inline(doc: dict, node):
    """``node`` with every local $ref replaced by its target (the body schemas have no cycles)."""
    node = _resolve(doc, node)
    if isinstance(node, dict):
        return {k: _inline(doc, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(doc, v) for v in node]
    return node


def _properties(schema: dict) -> dict:
    """A body schema's properties, allOf parts merged (a later part narrows an earlier one)."""
    props: dict = {}
    for part in [schema, *schema.get("allOf", [])]:
        for name, sub in (part.get("properties") or {}).items():
            props[name] = {"allOf": [props[name], sub]} if name in props else sub
    return props


def _wrong_value(prop: dict):
    check = bodies.BodyValidator(prop)
    return next((v for v in CANDIDATES if not check.is_valid(v)), None)


def _json_ops(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS and "application/json" in (op.get("requestBody") or {}).get("content", {}):
                yield path, method, op


def _example(doc: dict, media: dict) -> dict:
    if "example" in media:
        return media["example"]
    for ex in (media.get("examples") or {}).values():
        return _resolve(doc, ex)["value"]
    return {}


def _cases(doc: dict):
    """(method, path, op, field path, body) — a documented body with one property of the wrong type."""
    for path, method, op in _json_ops(doc):
        media = op["requestBody"]["content"]["application/json"]
        schema = _inline(doc, media["schema"])
        base = _example(doc, media)
        for name, prop in _properties(schema).items():
            wrong = _wrong_value(prop)
            if wrong is not None:
                yield method, path, op, name, {**base, name: wrong}
            for inner, sub in _properties(_resolve(doc, prop) if "allOf" not in prop else {}).items():
                wrong = _wrong_value(sub)
                if wrong is not None:
                    yield method, path, op, f"{name}.{inner}", {**base, name: {inner: wrong}}


def _url(c, path: str) -> str:
    """A served URL for the path template; registration steps need a real registration."""
    if "{enrolment_id}" in path:
        eid = c.post("/_mock/api/enrol", json={}).json["id"]
        path = path.replace("{enrolment_id}", eid).replace("/officer/{action}", "/officer/qr")
        path = path.replace("{action}", "check")
    return (path.replace("{pid}", MALI).replace("{client_id}", "demo-rp").replace("{ref}", "ZZZZZZ"))


def _served_ops(app) -> set[tuple[str, str]]:
    return {(bodies.template(r.rule), m.lower()) for r in app.url_map.iter_rules()
            for m in r.methods - {"HEAD", "OPTIONS"}}


# ----------------------------------------------------------------------------- the meta-tests
def test_every_json_body_in_the_document_is_a_served_operation():
    ops = {(p, m) for p, m, _ in _json_ops(bodies.spec())}
    assert len(ops) >= 11
    assert ops - _served_ops(make_app()) == set()
    assert {p for p, _ in ops} >= {"/_mock/citizens", "/_mock/clients", "/_mock/faults", "/_mock/clock",
                                   "/_mock/api/enrol", "/_mock/api/enrol/{enrolment_id}/{action}"}


def test_every_documented_property_of_the_wrong_type_is_refused_naming_the_field():
    """A route that forgot to validate (or a schema property the code does not read with the
    type written) shows up here: the body is a documented example with one property wrong."""
    c = make_app().test_client()
    seen: list[str] = []
    for method, path, op, field, body in _cases(bodies.spec()):
        r = c.open(_url(c, path), method=method.upper(), json=body)
        what = f"{method.upper()} {path} {field}={json.dumps(body[field.split('.')[0]])}"
        assert r.status_code == 400, f"{what}: {r.status_code} {r.get_data(as_text=True)[:300]}"
        answer = r.get_json()
        if "enrol" in op.get("tags", []):
            assert answer["error"] == "invalid_field", what
            assert field in answer["message_en"] and field in answer["message_th"], (what, answer)
        else:
            assert answer["error"] in {"invalid_field", "missing_field"} | OVERRIDES, (what, answer)
            assert field in answer["error_description"], (what, answer)
        seen.append(what)
    # every body schema took part: citizens, accounts, outcomes, clients, next-decision, approve,
    # faults (with params.*), clock, the registration's start, steps and officer steps
    assert len({s.split(" ", 2)[1] for s in seen}) >= 11, seen
    assert any("params.seconds" in s for s in seen) and any("pin_confirm" in s for s in seen)


def test_every_documented_example_body_is_accepted_by_its_schema():
    doc, seen = bodies.spec(), 0
    for path, method, op in _json_ops(doc):
        media = op["requestBody"]["content"]["application/json"]
        examples = [media["example"]] if "example" in media else []
        examples += [_resolve(doc, ex)["value"] for ex in (media.get("examples") or {}).values()]
        for example in examples:
            assert bodies.check(method, path, example) == example
            seen += 1
    assert seen >= 15


def test_the_enums_the_code_checks_itself_agree_with_the_document():
    schemas = bodies.spec()["components"]["schemas"]
    start = schemas["EnrolStart"]["properties"]
    assert set(start["office"]["enum"]) - {None} == set(OFFICES)
    assert set(start["channel"]["enum"]) - {None} == set(machine.CHANNELS)
    assert set(schemas["EnrolStepInput"]["properties"]["channel"]["enum"]) - {None} == set(machine.CHANNELS)


# ----------------------------------------------------------------------------- the file is read
@pytest.fixture
def edited_spec(monkeypatch):
    """Serve a changed copy of openapi.yaml (as if someone edited the file) to the validator."""
    def use(edit) -> None:
        doc = copy.deepcopy(bodies.spec())
        edit(doc)
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        monkeypatch.setattr(bodies, "spec_text", lambda: text)
        bodies.spec.cache_clear()
        bodies._validator.cache_clear()

    yield use
    monkeypatch.undo()
    bodies.spec.cache_clear()
    bodies._validator.cache_clear()


def test_a_type_changed_in_the_yaml_changes_the_answer(edited_spec):
    c = make_app().test_client()
    client = {"client_id": "drift-rp", "redirect_uris": ["http://127.0.0.1:9/cb"], "name": "แอปทดสอบ"}
    assert c.post("/_mock/clients", json=client).status_code == 201

    def name_is_a_number(doc):
        doc["components"]["schemas"]["ClientInput"]["properties"]["name"] = {"type": "integer"}
        doc["components"]["schemas"]["EnrolStepInput"]["properties"]["office"] = {"type": "boolean"}

    edited_spec(name_is_a_number)
    r = c.post("/_mock/clients", json=client)
    assert r.status_code == 400 and {k: r.json[k] for k in ("error", "error_description")} == {"error": "invalid_field", "error_description": "name must be an integer"}
    assert c.post("/_mock/clients", json={**client, "name": 7}).status_code == 201
    eid = c.post("/_mock/api/enrol", json={}).json["id"]
    r = c.post(f"/_mock/api/enrol/{eid}/visit", json={"office": "tak-maesot"})
    assert r.status_code == 400 and r.json["error"] == "invalid_field" and "office" in r.json["message_en"]


def test_a_rule_removed_from_the_yaml_lets_the_value_through(edited_spec):
    c = make_app().test_client()
    assert c.put(f"/_mock/citizens/{MALI}/outcomes", json={"face": "asleep"}).status_code == 400

    def any_face(doc):
        schema = doc["paths"]["/_mock/citizens/{pid}/outcomes"]["put"]["requestBody"]["content"]["application/json"]["schema"]
        schema["properties"]["face"] = {"type": "string"}

    edited_spec(any_face)
    r = c.put(f"/_mock/citizens/{MALI}/outcomes", json={"face": "asleep"})
    assert r.status_code == 200 and r.json["face"] == "asleep"


# ----------------------------------------------------------------------------- answers
@pytest.mark.parametrize(("path", "body", "error", "words"), [
    ("/_mock/faults", {"name": "jwks_unavailable", "count": 2.0}, "invalid_field", "count must be an integer or null"),
    ("/_mock/faults", {"name": "jwks_unavailable", "count": True}, "invalid_field", "count must be an integer"),
    ("/_mock/faults", {"name": "jwks_unavailable", "count": 10**9 + 1}, "invalid_field", "count must be at most"),
    ("/_mock/faults", {"name": "authorize_slow", "params": {"seconds": 301}}, "invalid_field", "params.seconds must be at most 300"),
    ("/_mock/faults", {"name": "authorize_slow", "params": {"seconds": True}}, "invalid_field", "params.seconds must be a number"),
    ("/_mock/faults", {"count": 1}, "unknown_fault", "name is required"),
    ("/_mock/clock", {"advance": "60"}, "invalid_field", "advance must be a number"),
    ("/_mock/clock", {"advance": 10**400}, "invalid_field", "advance must be a number"),
    ("/_mock/clients", {"redirect_uris": [""]}, "missing_field", "redirect_uris.0 must not be empty"),
    ("/_mock/clients", {"redirect_uris": ["http://127.0.0.1:9/cb"], "require_pkce": "yes"}, "invalid_field",
     "require_pkce must be true or false or null"),
    ("/_mock/clients/demo-rp/next-decision", {"decision": "approve"}, "invalid_pid", "pid is required"),
    ("/_mock/logins/ZZZZZZ/approve", {"pid": ["1057830862719"]}, "invalid_pid", "pid must be"),
    ("/_mock/citizens", {"pid": MALI, "given_name": "มะลิ", "family_name": "ร", "pin": 24681357, "registered": True},
     "invalid_field", "pin must be a string or null"),
])
def test_control_refusals_name_the_field_and_the_rule(path, body, error, words):
    r = make_app().test_client().post(path, json=body)
    assert r.status_code == 400, r.json
    assert r.json["error"] == error and words in r.json["error_description"], r.json


def test_outcomes_refuse_other_fields_and_empty_bodies():
    c = make_app().test_client()
    r = c.put(f"/_mock/citizens/{MALI}/outcomes", json={"face": "pass", "mood": "happy"})
    assert r.status_code == 400 and r.json["error"] == "invalid_field"
    assert r.json["error_description"] == "mood is not allowed (only face, fingerprint)"
    r = c.put(f"/_mock/citizens/{MALI}/outcomes", json={})
    assert r.status_code == 400 and r.json["error"] == "invalid_field" and "face, fingerprint" in r.json["error_description"]


def test_non_finite_numbers_are_refused_not_stored():
    """Python's JSON parser reads NaN and Infinity; JSON has neither, and the schema's numbers
    are finite: the clock keeps its offset, a slow fault is not armed for NaN seconds."""
    c = make_app().test_client()
    for text in ('{"offset": NaN}', '{"advance": Infinity}'):
        r = c.post("/_mock/clock", data=text, content_type="application/json")
        assert r.status_code == 400 and r.json["error"] == "invalid_field", r.json
    assert c.get("/_mock/clock").json["offset"] == 0
    r = c.post("/_mock/faults", data='{"name": "authorize_slow", "params": {"seconds": NaN}}', content_type="application/json")
    assert r.status_code == 400 and "params.seconds" in r.json["error_description"]
    assert c.get("/_mock/faults").json["active"] == []


def test_what_the_code_always_accepted_still_works():
    """The schemas were widened where the hand-written checks accepted more: null means the
    default, a PID may be a JSON number, an empty channel is self, a client's scopes are any strings."""
    c = make_app().test_client()
    r = c.post("/_mock/clients", json={"client_id": None, "redirect_uris": ["http://127.0.0.1:9/cb"],
                                       "scopes": ["openid", "pid", "email"], "login_mode": None, "require_pkce": None})
    assert r.status_code == 201 and r.json["scopes"] == ["openid", "pid", "email"] and r.json["client_id"]
    r = c.put(f"/_mock/accounts/{MALI}", json={"pin": None, "channel": ""})
    assert r.status_code == 200 and r.json["replaced"] is True
    assert c.get(f"/_mock/citizens/{MALI}").json["channel"] == "self"
    r = c.post("/_mock/clients/demo-rp/next-decision", json={"decision": "approve", "pid": int(MALI)})
    assert r.status_code == 200 and r.json["next_decision"] == {"decision": "approve", "pid": MALI}
    r = c.post("/_mock/faults", json={"name": "jwks_unavailable", "count": None, "params": None})
    assert r.status_code == 201 and r.json["remaining"] is None and r.json["params"] == {}


def test_registration_refusals_name_the_field_in_both_languages():
    c = make_app().test_client()
    r = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": None})
    assert r.status_code == 400 and r.json["error"] == "invalid_field"
    assert "accept_terms" in r.json["message_en"] and "accept_terms" in r.json["message_th"]
    eid = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json["id"]
    r = c.post(f"/_mock/api/enrol/{eid}/card", json={"sample": MALI, "variant": "sharp"})
    assert r.status_code == 400 and r.json["error"] == "invalid_field" and "variant" in r.json["message_en"]
    assert r.json["step"] == "card"
    r = c.post(f"/_mock/api/enrol/{eid}/card", json={"sample": MALI, "variant": ""})  # empty: clear, as before
    assert r.status_code == 200, r.json
    # a wrong body for a registration that does not exist is still a 404, as before
    assert c.post("/_mock/api/enrol/nope/pin", json={"pin": 1}).status_code == 404


# ----------------------------------------------------------------------------- the module
def test_the_document_is_read_from_the_package_and_served_as_is():
    c = make_app().test_client()
    assert c.get("/_mock/openapi.yaml").get_data(as_text=True) == bodies.spec_text()
    assert bodies.spec()["openapi"].startswith("3.1")


def test_unknown_operations_are_a_programming_error():
    with pytest.raises(LookupError):
        bodies.check("post", "/_mock/nowhere", {})
    with pytest.raises(LookupError):
        bodies.check("post", "/_mock/reset", {})  # documented, but takes no body


def test_template_turns_flask_rules_into_openapi_paths():
    assert bodies.template("/_mock/faults/<int:fault_id>") == "/_mock/faults/{fault_id}"
    assert bodies.template("/_mock/api/enrol/<enrolment_id>/officer/<action>") == \
        "/_mock/api/enrol/{enrolment_id}/officer/{action}"

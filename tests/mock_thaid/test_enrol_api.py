"""Registration as a JSON API for CI (/_mock/api/enrol): both paths in a few calls, the
identity then logs in through the provider and its ID token carries the IAL of its channel;
responses match control/openapi.yaml."""
from __future__ import annotations

import base64
import sys
from pathlib import Path

import jwt
import pytest
from conftest import DEMO_RP, make_app
from oidc_helpers import exchange, get_code

sys.path.insert(0, str(Path(__file__).parent))
from test_control_api import conforms, spec  # noqa: E402

from mock_thaid import cardimages  # noqa: E402
from mock_thaid.domain.enrol_errors import TABLE  # noqa: E402

WARAPORN, CHAKKAPHAN, RATTANA = "1153620226005", "3647798421261", "3176061984603"
PIN = "24681357"
BASE = "/_mock/api/enrol"


def post(c, path, body=None, status=200):
    r = c.post(BASE + path, json=body if body is not None else {})
    assert r.status_code == status, r.get_json()
    return r


def register_self(c, pid: str, pin: str = PIN) -> dict:
    e = conforms(c.post(BASE, json={"channel": "self", "accept_terms": True}), BASE, "post", 201)
    path = "/_mock/api/enrol/{enrolment_id}/{action}"
    conforms(post(c, f"/{e['id']}/card", {"sample": pid}), path, "post")
    post(c, f"/{e['id']}/check")
    post(c, f"/{e['id']}/selfie")
    post(c, f"/{e['id']}/pin", {"pin": pin, "pin_confirm": pin})
    return conforms(post(c, f"/{e['id']}/consent", {"pin": pin}), path, "post")


def register_officer(c, pid: str, pin: str = PIN) -> dict:
    e = post(c, "", {"channel": "officer", "office": "tak-maesot", "accept_terms": True}, status=201).json
    assert e["step"] == "pid" and e["office"] == "tak-maesot"
    post(c, f"/{e['id']}/pid", {"pid": pid})
    post(c, f"/{e['id']}/officer/card-check", {"officer": "CI"})
    qr = conforms(post(c, f"/{e['id']}/officer/fingerprint"), "/_mock/api/enrol/{enrolment_id}/officer/{action}",
                  "post")["qr"]
    assert qr["url"].endswith("/app/enrol/qr/" + qr["token"])
    post(c, f"/{e['id']}/scan-qr", {"token": qr["url"]})
    post(c, f"/{e['id']}/pin", {"pin": pin, "pin_confirm": pin})
    return post(c, f"/{e['id']}/consent", {"pin": pin}).json


def ial_at_login(c, pid: str) -> dict:
    code = get_code(c, pid, scope="openid pid ial")
    body = exchange(c, code).json
    return jwt.decode(body["id_token"], options={"verify_signature": False}, audience=DEMO_RP["client_id"])


@pytest.mark.parametrize(("channel", "ial_self", "ial_officer", "expected"), [
    ("self", "", "", "2.3"), ("officer", "", "", "2.3"),
    ("self", "2.2", "2.3", "2.2"), ("officer", "2.2", "2.3", "2.3"),
])
def test_registered_through_the_api_then_logs_in_with_the_ial_of_its_channel(channel, ial_self, ial_officer, expected):
    c = make_app(ial_self=ial_self, ial_officer=ial_officer).test_client()
    done = register_self(c, WARAPORN) if channel == "self" else register_officer(c, WARAPORN)
    assert done["step"] == "done" and done["account"]["channel"] == channel
    assert done["account"]["ial"] == expected
    claims = ial_at_login(c, WARAPORN)
    assert claims["sub"] == claims["pid"] == WARAPORN and claims["ial"] == expected
    citizen = c.get(f"/_mock/citizens/{WARAPORN}").json
    assert citizen["registered"] and citizen["channel"] == channel


def test_ial_setting_still_applies_when_the_channel_has_none():
    c = make_app(ial="2.1", ial_officer="2.3").test_client()
    register_self(c, WARAPORN)
    assert ial_at_login(c, WARAPORN)["ial"] == "2.1"


def test_an_unregistered_person_cannot_log_in_until_registered():
    c = make_app().test_client()
    r = c.get("/api/v2/oauth2/auth/", query_string={"response_type": "code", "client_id": "demo-rp",
              "redirect_uri": DEMO_RP["redirect_uri"], "scope": "openid pid", "state": "s"},
              headers={"X-Mock-Persona": CHAKKAPHAN})
    assert r.status_code != 302
    register_officer(c, CHAKKAPHAN)
    assert ial_at_login(c, CHAKKAPHAN)["pid"] == CHAKKAPHAN


def test_status_and_step_by_step_from_the_camera():
    c = make_app().test_client()
    e = post(c, "", None, status=201).json
    assert e["step"] == "camera" and e["next"] == ["choose"] and e["manual"] == "2.1.1 / 2.2.3"
    path = "/_mock/api/enrol/{enrolment_id}"
    assert conforms(c.get(f"{BASE}/{e['id']}"), path, "get")["ref"] == e["ref"]
    post(c, f"/{e['id']}/camera", {"allow": True, "available": True})
    post(c, f"/{e['id']}/choose", {"channel": "self"})
    assert post(c, f"/{e['id']}/terms", {"accept": True}).json["step"] == "card"
    photos = {side: base64.b64encode(c.get(f"/app/cards/{RATTANA}/{side}.jpeg").data).decode() for side in ("front", "back")}
    r = post(c, f"/{e['id']}/card", {**photos, "confirm": False})
    assert r.json["step"] == "card"
    assert post(c, f"/{e['id']}/card", {}, status=400).json["error"] == "image_missing"
    r = post(c, f"/{e['id']}/retake", {"side": "back"})
    post(c, f"/{e['id']}/card", {"back": "data:image/jpeg;base64," + photos["back"]})
    st = c.get(f"{BASE}/{e['id']}").json
    assert st["step"] == "card_check" and st["pid"] == RATTANA and st["card_source"] == "sample"
    gone = conforms(c.delete(f"{BASE}/{e['id']}"), path, "delete")
    assert gone["step"] == "abandoned"
    err = conforms(c.post(f"{BASE}/{e['id']}/check", json={}), "/_mock/api/enrol/{enrolment_id}/{action}", "post", 409)
    assert err["error"] == "closed"


def test_unrecognised_photos_ask_whose_card_it_is():
    c = make_app().test_client()
    e = post(c, "", {"channel": "self", "accept_terms": True}, status=201).json
    selfie = base64.b64encode(cardimages.render_selfie("jpeg")).decode()  # any readable photo
    r = post(c, f"/{e['id']}/card", {"front": selfie, "back": selfie})
    assert r.json["step"] == "card_owner"
    assert post(c, f"/{e['id']}/owner", {"pid": "1234567890123"}, status=400).json["error"] == "pid_bad_checksum"
    assert post(c, f"/{e['id']}/owner", {"pid": RATTANA}).json["card_source"] == "typed"


@pytest.mark.parametrize(("body", "error"), [
    ({"channel": "bus"}, "invalid_field"), ({"channel": "officer", "office": "nowhere"}, "invalid_field"),
    ({"accept_terms": "yes"}, "invalid_field"),
])
def test_bad_start(body, error):
    c = make_app().test_client()
    r = conforms(c.post(BASE, json=body), BASE, "post", 400)
    assert r["error"] == error and r["message_th"] and r["message_en"]


def test_errors_answer_json_with_both_languages():
    c = make_app().test_client()
    assert c.get(f"{BASE}/nope").status_code == 404
    e = post(c, "", {"channel": "self", "accept_terms": True}, status=201).json
    r = post(c, f"/{e['id']}/fly", {}, status=404)
    assert r.json["error"] == "not_found"
    r = c.post(f"{BASE}/{e['id']}/card", data="[1]", content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "invalid_body"
    r = post(c, f"/{e['id']}/card", {"front": "***"}, status=400)
    assert r.json["error"] == "invalid_field"
    r = post(c, f"/{e['id']}/pin", {"pin": PIN}, status=409)
    assert r.json["error"] == "wrong_step" and r.json["step"] == "card"
    r = post(c, f"/{e['id']}/card", {"sample": WARAPORN, "variant": "blurred"}, status=400)
    assert r.json["error"] == "card_unreadable" and "อ่านรูปบัตรไม่ได้" in r.json["message_th"]


def test_every_error_code_is_documented():
    documented = spec()["components"]["schemas"]["EnrolmentError"]["properties"]["error"]["enum"]
    assert sorted(documented) == sorted(TABLE)


def test_api_is_off_without_the_control_api():
    c = make_app(control_api=False).test_client()
    assert c.post(BASE, json={}).status_code == 404
    assert c.get("/app/").status_code == 200  # the app pages stay (people use them)


def test_outcome_override_matches_the_spec():
    c = make_app().test_client()
    path = "/_mock/citizens/{pid}/outcomes"
    body = conforms(c.put(f"/_mock/citizens/{WARAPORN}/outcomes", json={"face": "liveness_fail", "fingerprint": "mismatch"}),
                    path, "put")
    assert (body["face"], body["fingerprint"]) == ("liveness_fail", "mismatch")
    conforms(c.put(f"/_mock/citizens/{WARAPORN}/outcomes", json={}), path, "put", 400)
    conforms(c.put("/_mock/citizens/1234567890121/outcomes", json={"face": "pass"}), path, "put", 200)
    c.post("/_mock/reset")
    assert c.get(f"/_mock/citizens/{WARAPORN}").json["face"] == "pass"  # reset restores the data file's

"""Registering an already-registered person again (the takeover the issue replayed): what each
`reregistration` policy allows, that the old registration's tokens end, that the inspector and
the trainer console say "registered again from another phone", and that a PIN lock is cleared
only at a district office."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import DEMO_RP, make_app
from oidc_helpers import exchange, get_code

sys.path.insert(0, str(Path(__file__).parent))
from test_enrol_api import BASE, post, register_officer, register_self  # noqa: E402

MALI = "1057830862719"  # registered (self) with the demo PIN
DEMO_PIN, NEW_PIN = "13572468", "24681357"


def _to_pin_step(c, pid: str) -> str:
    e = c.post(BASE, json={"channel": "self", "accept_terms": True}).json
    post(c, f"/{e['id']}/card", {"sample": pid})
    post(c, f"/{e['id']}/check")
    post(c, f"/{e['id']}/selfie")
    return e["id"]


def _pin(c, eid: str, current: str | None = None):
    body = {"pin": NEW_PIN, "pin_confirm": NEW_PIN} | ({"current_pin": current} if current is not None else {})
    return c.post(f"{BASE}/{eid}/pin", json=body)


def _login_tokens(c) -> dict:
    return exchange(c, get_code(c, MALI)).get_json()


def _active(c, token: str) -> bool:
    r = c.post("/api/v2/oauth2/introspect/", data={"token": token},
               auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]))
    return r.get_json()["active"]


@pytest.mark.parametrize("overrides, policy", [({}, "replace"), ({"auto_login": False}, "require-pin"),
                                               ({"control_api": False}, "require-pin"), ({"classroom": True}, "require-pin"),
                                               ({"reregistration": "officer-only"}, "officer-only")])
def test_auto_resolves_per_mode(overrides, policy):
    from conftest import make_settings

    assert make_settings(**overrides).reregistration_policy == policy


def test_replace_ends_the_old_registrations_tokens_and_says_so():
    c = make_app(reregistration="replace").test_client()
    before = _login_tokens(c)
    assert _active(c, before["access_token"]) and _active(c, before["refresh_token"])
    register_self(c, MALI, NEW_PIN)
    assert not _active(c, before["access_token"]) and not _active(c, before["refresh_token"])
    events = c.get("/_mock/events").json["events"]
    assert any(ev["endpoint"] == "registration" and "registered again from another phone" in ev["explanation"]
               for ev in events)
    rows = c.get("/_mock/trainer/progress").json["registrations"]
    assert rows[0]["registered_again"] is True
    page = c.get("/_mock/trainer/").get_data(as_text=True)
    assert "ลงทะเบียนใหม่จากโทรศัพท์อีกเครื่อง" in page


def test_require_pin_refuses_a_stranger_and_accepts_the_owner():
    c = make_app(reregistration="require-pin").test_client()
    eid = _to_pin_step(c, MALI)
    r = _pin(c, eid)
    assert r.status_code == 401 and r.json["error"] == "current_pin_wrong"
    r = _pin(c, eid, "11112222")
    assert r.status_code == 401 and "tries left" in r.json["message_en"]
    assert _pin(c, eid, DEMO_PIN).status_code == 200
    assert post(c, f"/{eid}/consent", {"pin": NEW_PIN}).json["step"] == "done"
    assert _login_tokens(c)["access_token"]


def test_require_pin_pages_warn_at_the_card_check_and_ask_for_the_current_pin():
    from test_enrol_pages import Phone, error_of, walk_self

    phone = Phone(make_app(reregistration="require-pin"))
    walk_self(phone, MALI, until="card_check")
    assert "ต้องใส่รหัส PIN เดิม" in phone.html()
    walk_self(phone, MALI, until="pin")
    html = phone.html()
    assert 'name="current_pin"' in html and "รหัส PIN เดิม" in html
    r = phone.post("pin", pin=NEW_PIN, pin_confirm=NEW_PIN, current_pin="11112222")
    assert "รหัส PIN เดิมไม่ถูกต้อง" in error_of(r.get_data(as_text=True)) or "รหัส PIN เดิมไม่ถูกต้อง" in phone.html()
    phone.ok("pin", pin=NEW_PIN, pin_confirm=NEW_PIN, current_pin=DEMO_PIN)
    assert phone.step == "consent"
    replace = Phone(make_app(reregistration="replace"))
    walk_self(replace, MALI, until="pin")
    assert 'name="current_pin"' not in replace.html()


def test_a_pin_lock_is_not_cleared_by_registering_again_but_at_the_district_office():
    c = make_app(reregistration="require-pin", pin_max_attempts=3).test_client()
    eid = _to_pin_step(c, MALI)
    for _ in range(3):
        _pin(c, eid, "11112222")
    r = _pin(c, eid, DEMO_PIN)  # even the right PIN: locked
    assert r.status_code == 423 and r.json["error"] == "pin_locked"
    assert c.get(f"/_mock/citizens/{MALI}").json["locked_until"]
    register_officer(c, MALI, NEW_PIN)  # fingerprint in person: replaces and unlocks
    assert not c.get(f"/_mock/citizens/{MALI}").json["locked_until"]
    assert _login_tokens(c)["access_token"]


def test_officer_only_sends_the_self_path_to_the_office():
    c = make_app(reregistration="officer-only").test_client()
    eid = _to_pin_step(c, MALI)
    r = _pin(c, eid, DEMO_PIN)
    assert r.status_code == 403 and r.json["error"] == "reregister_officer_only"
    assert c.get(f"/_mock/citizens/{MALI}").json["registered"]  # the old registration stands
    register_officer(c, MALI, NEW_PIN)


def test_a_first_registration_is_never_asked_for_a_current_pin():
    c = make_app(reregistration="require-pin").test_client()
    register_self(c, "1153620226005", NEW_PIN)  # Waraporn, not yet registered


def test_the_old_phone_is_signed_out_when_its_owner_registers_again_elsewhere():
    import re

    app = make_app(reregistration="replace")
    old_phone = app.test_client()
    html = {"Accept": "text/html"}
    desk = app.test_client()
    page = desk.get("/api/v2/oauth2/auth/?response_type=code&client_id=demo-rp&scope=openid+pid&state=s"
                    "&redirect_uri=http://127.0.0.1:8080/callback", headers=html).get_data(as_text=True)
    path = re.search(r'id="app-link" href="http://mock\.test([^"]+)"', page).group(1)
    pick = old_phone.get(path, headers=html).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', pick).group(1)
    old_phone.post(path + "/whoami", data={"pid": MALI, "csrf_token": token})
    assert "ยินยอม" in old_phone.get(path, headers=html).get_data(as_text=True)  # consent: it is Mali's phone
    register_self(app.test_client(), MALI, NEW_PIN)  # another phone
    again = old_phone.get(path, headers=html).get_data(as_text=True)
    assert "ถูกลงทะเบียนใหม่จากโทรศัพท์อีกเครื่อง" in again  # signed out, asked whose phone it is

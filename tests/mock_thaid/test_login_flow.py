"""The person's QR login through the app pages, in-process: scan, consent, PIN, lockout, sandbox."""
from __future__ import annotations

import re

import pytest
from conftest import DEMO_PID, make_app
from oidc_helpers import auth_url, query

HTML = {"Accept": "text/html"}
UNREGISTERED = "1153620226005"


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


class Login:
    """A desktop browser and a phone, each with its own cookies."""

    def __init__(self, app, **params):
        self.app = app
        self.desktop = app.test_client()
        self.phone = app.test_client()
        page = self.desktop.get(auth_url(**params), headers=HTML).get_data(as_text=True)
        self.page = page
        self.status_url = re.search(r'data-status-url="([^"]+)"', page).group(1)
        self.app_path = re.search(r'id="app-link" href="http://mock.test([^"]+)"', page).group(1)
        self.ref = re.search(r'id="ref">([A-Z0-9]+)<', page).group(1)

    def status(self) -> dict:
        return self.desktop.get(self.status_url).json

    def open_app(self, pid=DEMO_PID):
        pick = self.phone.get(self.app_path, headers=HTML)
        r = self.phone.post(self.app_path + "/whoami", data={"pid": pid, "csrf_token": csrf(pick.get_data(as_text=True))})
        assert r.status_code == 302
        return self.phone.get(self.app_path, headers=HTML)

    def submit(self, page, **form):
        return self.phone.post(self.app_path, data={"csrf_token": csrf(page.get_data(as_text=True)), **form})


@pytest.fixture
def app():
    return make_app()


def test_waiting_then_scanned_then_approved_with_code(app):
    login = Login(app, nonce="n")
    assert login.status()["status"] == "waiting" and login.status()["ref"] == login.ref
    consent = login.open_app()
    assert login.status()["status"] == "scanned"
    text = consent.get_data(as_text=True)
    assert "แอปทดสอบของนักพัฒนา" in text  # which service asks
    assert "เลขประจำตัวประชาชน" in text and "ชื่อ-นามสกุล (ภาษาไทย)" in text  # which data
    done = login.submit(consent, decision="approve", pin="13572468")
    assert done.status_code == 200 and "ยืนยันตัวตนสำเร็จ" in done.get_data(as_text=True)
    st = login.status()
    assert st["status"] == "approved"
    q = query(st["redirect"])
    assert q["state"] == "st-1" and len(q["code"]) == 32


def test_thai_digits_pin_is_accepted(app):
    login = Login(app)
    consent = login.open_app()
    assert login.submit(consent, decision="approve", pin="๑๓๕๗๒๔๖๘").status_code == 200
    assert login.status()["status"] == "approved"


def test_refuse_on_phone_sends_user_denied(app):
    login = Login(app)
    login.submit(login.open_app(), decision="deny")
    q = query(login.status()["redirect"])
    assert q["error"] == "user_denied"


def test_wrong_pins_count_down_then_lock_for_15_minutes(app):
    login = Login(app)
    consent = login.open_app()
    for left in (4, 3, 2, 1):
        r = login.submit(consent, decision="approve", pin="24681357")
        assert r.status_code == 401
        assert f"เหลือโอกาสอีก {left} ครั้ง" in r.get_data(as_text=True)
    r = login.submit(consent, decision="approve", pin="24681357")
    assert r.status_code == 423 and "15 นาที" in r.get_data(as_text=True)
    r = login.submit(consent, decision="approve", pin="13572468")  # right PIN, still locked
    assert r.status_code == 423
    assert login.status()["status"] == "scanned"
    app.extensions["mock_thaid"].clock.advance(15 * 60 + 1)
    login2 = Login(app)
    r = login2.submit(login2.open_app(), decision="approve", pin="13572468")
    assert r.status_code == 200 and login2.status()["status"] == "approved"


def test_unregistered_citizen_cannot_approve(app):
    login = Login(app)
    page = login.open_app(UNREGISTERED)
    assert page.status_code == 403
    assert "ยังไม่ได้ลงทะเบียน" in page.get_data(as_text=True)
    r = login.submit(page, decision="approve", pin="13572468")
    assert r.status_code == 302 and login.status()["status"] == "scanned"


def test_pid_not_in_register_and_bad_checksum_on_phone(app):
    login = Login(app)
    pick = login.phone.get(login.app_path, headers=HTML)
    token = csrf(pick.get_data(as_text=True))
    r = login.phone.post(login.app_path + "/whoami", data={"pid": "1234567890123", "csrf_token": token})
    assert r.status_code == 400 and "หลักตรวจสอบ" in r.get_data(as_text=True)
    from mock_thaid.pid import generate

    r = login.phone.post(login.app_path + "/whoami", data={"pid": generate(), "csrf_token": token})
    assert r.status_code == 404 and "ไม่พบ" in r.get_data(as_text=True)


def test_qr_expires_and_new_qr_gives_new_reference(app):
    login = Login(app)
    app.extensions["mock_thaid"].clock.advance(121)
    assert login.status()["status"] == "expired"
    assert login.phone.get(login.app_path, headers=HTML).status_code == 410
    r = login.desktop.post(login.status_url.replace("/status", "/renew"), data={"csrf_token": csrf(login.page)})
    assert r.status_code == 302
    fresh = login.status()
    assert fresh["status"] == "waiting" and fresh["ref"] != login.ref


def test_login_lifetime_setting():
    app = make_app(login_lifetime=10)
    login = Login(app)
    assert 0 < login.status()["expires_in"] <= 10


def test_post_without_csrf_token_is_refused(app):
    login = Login(app)
    login.open_app()
    r = login.phone.post(login.app_path, data={"decision": "approve", "pin": "13572468"})
    assert r.status_code == 400
    assert login.status()["status"] == "scanned"


def test_sandbox_page_validates_checksum_and_uses_typed_pid():
    app = make_app()
    c = app.test_client()
    page = c.get(auth_url(client_id="sandbox-rp"), headers=HTML).get_data(as_text=True)
    assert "เข้าสู่ระบบ ด้วย ThaID sandbox" in page and 'value="1-2345-67890-12-1"' in page
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    token = csrf(page)
    r = c.post(action, data={"pid": "1234567890123", "decision": "confirm", "csrf_token": token})
    assert r.status_code == 400 and "หลักตรวจสอบ" in r.get_data(as_text=True)
    r = c.post(action, data={"pid": "3-1006-00445-63-5", "decision": "confirm", "csrf_token": token})
    assert r.status_code == 302
    code = query(r.headers["Location"])["code"]
    from oidc_helpers import basic

    body = c.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": code,
                  "redirect_uri": "http://127.0.0.1:8080/callback"},
                  headers=basic("sandbox-rp", "sandbox-rp-secret-TEST-ONLY")).json
    import jwt

    assert jwt.decode(body["id_token"], options={"verify_signature": False})["sub"] == "3100600445635"


def test_sandbox_deny():
    c = make_app(login_mode="sandbox").test_client()
    page = c.get(auth_url(), headers=HTML).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    r = c.post(action, data={"decision": "deny", "csrf_token": csrf(page)})
    assert query(r.headers["Location"])["error"] == "user_denied"


def test_english_toggle_and_banner(app):
    c = app.test_client()
    page = c.get(auth_url(lang="en"), headers=HTML).get_data(as_text=True)
    assert "Log in with ThaiD" in page and "MOCK — not the real service" in page
    page = c.get(auth_url(), headers=HTML).get_data(as_text=True)  # remembered in a cookie
    assert "Log in with ThaiD" in page


def test_clickjacking_headers(app):
    r = app.test_client().get(auth_url(), headers=HTML)
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_a_qr_that_expires_while_the_pin_is_checked_gets_the_closed_page_not_a_500(app, monkeypatch):
    """Seen by the classroom benchmark: under load the QR expired between the open-check and the approval."""
    from mock_thaid.store import citizens

    login = Login(app)
    page = login.open_app()
    services = app.extensions["mock_thaid"]
    real_check = citizens.check_pin

    def slow_check(*a, **kw):
        result = real_check(*a, **kw)
        services.clock.offset += 3600  # the QR's lifetime passes while scrypt runs
        return result

    monkeypatch.setattr(citizens, "check_pin", slow_check)
    r = login.submit(page, decision="approve", pin="13572468")
    assert r.status_code == 410
    assert login.status()["status"] == "expired"

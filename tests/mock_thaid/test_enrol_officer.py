"""The officer console (/officer/): login with the demo password, the pending list of the
officer's office, card check, fingerprint, the one-time QR code — in Thai and English."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import make_app

sys.path.insert(0, str(Path(__file__).parent))
from test_enrol_pages import HTML, WARAPORN, Officer, Phone, csrf, walk_officer  # noqa: E402


@pytest.fixture
def app():
    return make_app()


@pytest.mark.parametrize(("lang", "words"), [("th", "เข้าสู่ระบบเจ้าหน้าที่"), ("en", "Officer login")])
def test_login_page_and_wrong_password(app, lang, words):
    c = app.test_client()
    page = c.get(f"/officer/?lang={lang}", headers=HTML).get_data(as_text=True)
    assert words in page and "officer-demo" in page  # the demo password is shown while the control API is on
    r = c.post("/officer/login", data={"csrf_token": csrf(page), "name": "A", "office": "tak-mueang",
                                       "password": "guess"}, headers=HTML)
    assert r.status_code == 403 and ("รหัสผ่านเจ้าหน้าที่ไม่ถูกต้อง" if lang == "th" else "Wrong officer password") in r.get_data(as_text=True)
    assert c.get("/officer/", headers=HTML).get_data(as_text=True).count('id="password"') == 1  # still logged out


def test_password_is_a_setting_and_hidden_when_hardened():
    app = make_app(officer_password="s3cret-officer", control_api=False)
    c = app.test_client()
    page = c.get("/officer/", headers=HTML).get_data(as_text=True)
    assert "s3cret-officer" not in page
    r = c.post("/officer/login", data={"csrf_token": csrf(page), "name": "A", "office": "tak-mueang",
                                       "password": "s3cret-officer"})
    assert r.status_code == 303


@pytest.mark.parametrize("lang", ["th", "en"])
def test_pending_list_shows_only_this_offices_registrations(app, lang):
    here, there = Phone(app), Phone(app)
    walk_officer(here, None, until="at_officer", office="tak-maesot")
    walk_officer(there, None, pid="3647798421261", until="at_officer", office="tak-umphang")
    officer = Officer(app, office="tak-maesot", lang=lang)
    listing = officer.list()
    assert ("ผู้รอลงทะเบียนที่สำนักทะเบียนนี้" if lang == "th" else "Waiting to register at this office") in listing
    assert f'data-ref="{here.status()["ref"]}"' in listing and f'data-ref="{there.status()["ref"]}"' not in listing
    assert officer.detail(there.status()["ref"]).status_code == 404
    assert officer.act(there.status()["ref"], "card-check").status_code == 404


@pytest.mark.parametrize("lang", ["th", "en"])
def test_card_check_fingerprint_and_qr_pages(app, lang):
    phone, officer = Phone(app), Officer(app, lang=lang)
    walk_officer(phone, officer, until="at_officer")
    ref = phone.status()["ref"]
    page = officer.detail(ref).get_data(as_text=True)
    assert 'id="card-check"' in page and 'id="card-image" src="data:image/png;base64,' in page
    assert ("ตรวจบัตรแล้ว" if lang == "th" else "Card checked") in page
    officer.act(ref, "card-check")
    page = officer.detail(ref).get_data(as_text=True)
    assert 'id="fingerprint"' in page and ("สแกนลายพิมพ์นิ้วชี้" if lang == "th" else "Scan the index finger") in page
    officer.act(ref, "fingerprint")
    page = officer.detail(ref).get_data(as_text=True)
    assert 'id="qr" src="data:image/png;base64,' in page
    assert 295 <= int(re.search(r'id="qr-countdown">(\d+)<', page).group(1)) <= 300  # 5 minutes
    first = officer.qr_link(ref)
    assert officer.act(ref, "qr").status_code == 303  # a new QR: the old one stops working
    assert officer.qr_link(ref) != first
    assert phone.c.get(first, headers=HTML).status_code == 410
    status = officer.c.get(f"/officer/e/{ref}/status").get_json()
    assert status["step"] == "scan_qr" and 0 < status["qr_expires_in"] <= 300
    assert phone.c.get(officer.qr_link(ref)).status_code == 303
    page = officer.detail(ref).get_data(as_text=True)
    assert 'id="scanned"' in page


def test_qr_lifetime_is_a_setting():
    app = make_app(officer_qr_lifetime=30)
    phone, officer = Phone(app), Officer(app)
    walk_officer(phone, officer, until="scan_qr")
    link = officer.qr_link(phone.status()["ref"])
    app.extensions["mock_thaid"].clock.advance(31)
    assert phone.c.get(link).status_code == 410


def test_console_needs_a_login(app):
    c = app.test_client()
    page = c.get("/officer/", headers=HTML).get_data(as_text=True)
    assert 'id="password"' in page
    assert c.get("/officer/e/ABCDEF", headers=HTML).status_code == 303
    r = c.post("/officer/e/ABCDEF/card-check", data={"csrf_token": csrf(page)})
    assert r.status_code == 303


def test_officer_and_phone_in_two_sessions_see_each_other(app):
    phone, officer = Phone(app), Officer(app)
    walk_officer(phone, officer, until="at_officer")
    html = phone.html()
    assert re.search(r'id="ref">[A-Z2-9]{6}<', html) and 'class="now"' in html
    officer.act(phone.status()["ref"], "card-check")
    assert phone.status()["step"] == "fingerprint"
    walk_done = phone.status()
    assert walk_done["error"] is None
    assert WARAPORN not in phone.c.get("/app/enrol/status").get_data(as_text=True)  # the poll carries no PID

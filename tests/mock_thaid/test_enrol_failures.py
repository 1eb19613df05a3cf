"""Every failure a trainer or a test can provoke during registration, with the message the
person sees, in Thai and in English (app pages, in-process)."""
from __future__ import annotations

import io
import random
import sys
from pathlib import Path

import pytest
from conftest import make_app
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from test_enrol_pages import (  # noqa: E402
    HTML, PIN, WARAPORN, Officer, Phone, card_files, error_of, selfie_file, walk_officer, walk_self,
)

from mock_thaid import pid as pidmod  # noqa: E402

MALI = "1057830862719"  # registered (self) with the demo PIN
PIYANUT = "1368410540482"  # face: mismatch
ADISAK = "1052188433961"  # face: liveness_fail
SOMPORN = "3081442869245"  # fingerprint: mismatch
EKKACHAI = "3765898366910"  # card expired 2024-10-02
DEMO_PIN = "13572468"


@pytest.fixture
def app():
    return make_app()


def message(r) -> str:
    return " ".join(error_of(r.get_data(as_text=True)).split())


def said(r, lang: str, th: str, en: str) -> None:
    text = message(r)
    assert (th if lang == "th" else en) in text, text


def png(size=(640, 400), colour=(255, 255, 255), noise=True) -> bytes:
    img = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, colour)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


LANGS = pytest.mark.parametrize("lang", ["th", "en"])


@LANGS
def test_unreadable_card_photo(app, lang):
    phone = Phone(app, lang)
    walk_self(phone, until="card")
    r = phone.post("card", action="upload", **card_files(phone, WARAPORN, variant="blurred"))
    assert r.status_code == 400
    said(r, lang, "อ่านรูปบัตรไม่ได้", "The card photo cannot be read")
    blank = phone.post("card", action="upload", front=(io.BytesIO(png(noise=False)), "white.png"))
    tiny = phone.post("card", action="upload", front=(io.BytesIO(png(size=(120, 80))), "tiny.png"))
    broken = phone.post("card", action="upload", front=(io.BytesIO(png()[:400]), "cut.png"))
    for r in (blank, tiny, broken):
        assert r.status_code == 400
        said(r, lang, "อ่านรูปบัตรไม่ได้", "The card photo cannot be read")
    assert phone.step == "card"


@LANGS
def test_expired_card_self(app, lang):
    phone = Phone(app, lang)
    walk_self(phone, pid=EKKACHAI, until="card")
    phone.ok("card", action="upload", **card_files(phone, EKKACHAI))
    r = phone.post("card", action="confirm")
    assert r.status_code == 422
    said(r, lang, "บัตรประจำตัวประชาชนหมดอายุแล้ว", "The ID card has expired")
    assert phone.step == "failed"
    page = phone.page()
    assert "2 ต.ค. 2567" in page.get_data(as_text=True) or lang == "en"  # expiry shown in BE


def test_card_expiry_follows_the_mock_clock():
    phone = Phone(make_app(enrol_lifetime=10**9))
    walk_self(phone, until="card")  # Waraporn's card expires 2027-09-09
    phone.services.clock.advance(2 * 365 * 24 * 3600)
    phone.ok("card", action="upload", **card_files(phone, WARAPORN))
    assert phone.post("card", action="confirm").status_code == 422


@LANGS
def test_expired_card_at_the_officer(app, lang):
    phone, officer = Phone(app, lang), Officer(app, lang=lang)
    walk_officer(phone, officer, pid=EKKACHAI, until="at_officer")
    ref = phone.status()["ref"]
    assert "officer_card_expired" not in officer.detail(ref).get_data(as_text=True)
    r = officer.act(ref, "card-check")
    assert r.status_code == 422
    said(r, lang, "หมดอายุ", "has expired")
    assert phone.step == "failed"
    said(phone.page(), lang, "บัตรประจำตัวประชาชนหมดอายุแล้ว", "The ID card has expired")


@LANGS
def test_pid_not_in_register_self_and_officer(app, lang):
    stranger = pidmod.generate(random.Random(42))
    phone = Phone(app, lang)
    walk_self(phone, until="card")
    photo = png()  # a photo the mock did not render: it asks whose card it is
    phone.ok("card", action="upload", front=(io.BytesIO(photo), "f.png"), back=(io.BytesIO(png(size=(641, 400))), "b.png"))
    phone.ok("card", action="confirm")
    assert phone.step == "card_owner"
    r = phone.post("card-owner", action="pid", pid=stranger)
    assert r.status_code == 404
    said(r, lang, "ไม่พบเลขประจำตัวประชาชนนี้ในทะเบียนราษฎร", "not in the (mock) population register")
    r = phone.post("card-owner", action="pid", pid="1234567890123")
    assert r.status_code == 400
    said(r, lang, "หลักตรวจสอบไม่ตรง", "check digit mismatch")
    phone.ok("card-owner", action="pid", pid=WARAPORN)
    assert phone.step == "card_check"

    phone2 = Phone(app, lang)
    walk_officer(phone2, None, until="pid")
    r = phone2.post("pid", pid=stranger)
    assert r.status_code == 404
    said(r, lang, "ไม่พบเลขประจำตัวประชาชนนี้ในทะเบียนราษฎร", "not in the (mock) population register")
    assert phone2.post("pid", pid="12345").status_code == 400
    assert phone2.step == "pid"


@LANGS
@pytest.mark.parametrize(("pid", "th", "en"), [
    (PIYANUT, "ใบหน้าไม่ตรงกับรูปในบัตร", "does not match the photo on the card"),
    (ADISAK, "liveness", "The liveness check failed"),
])
def test_face_mismatch_and_liveness_failure_then_too_many(app, lang, pid, th, en):
    phone = Phone(app, lang)
    walk_self(phone, pid=pid, until="selfie")
    for left in (2, 1):
        phone.ok("selfie", action="upload", selfie=selfie_file())
        r = phone.post("selfie", action="confirm")
        assert r.status_code == 422
        said(r, lang, th, en)
        assert str(left) in message(r) and phone.step == "selfie"
    phone.ok("selfie", action="upload", selfie=selfie_file())
    r = phone.post("selfie", action="confirm")
    assert r.status_code == 422 and phone.step == "failed"
    said(r, lang, "โปรดลงทะเบียนผ่านเจ้าหน้าที่", "register with an officer")


def test_face_outcome_overridden_through_the_control_api(app):
    c = app.test_client()
    assert c.put(f"/_mock/citizens/{WARAPORN}/outcomes", json={"face": "mismatch"}).status_code == 200
    phone = Phone(app)
    walk_self(phone, until="selfie")
    phone.ok("selfie", action="upload", selfie=selfie_file())
    assert phone.post("selfie", action="confirm").status_code == 422
    c.put(f"/_mock/citizens/{WARAPORN}/outcomes", json={"face": "pass"})
    phone.ok("selfie", action="upload", selfie=selfie_file())
    phone.ok("selfie", action="confirm")
    assert phone.step == "pin"
    bad = c.put(f"/_mock/citizens/{WARAPORN}/outcomes", json={"face": "maybe"})
    assert bad.status_code == 400 and bad.json["error"] == "invalid_field"
    assert c.put(f"/_mock/citizens/{WARAPORN}/outcomes", json={"shoe": "pass"}).status_code == 400


@LANGS
def test_fingerprint_mismatch_then_too_many(app, lang):
    phone, officer = Phone(app, lang), Officer(app, lang=lang)
    walk_officer(phone, officer, pid=SOMPORN, until="fingerprint")
    ref = phone.status()["ref"]
    for left in (2, 1):
        r = officer.act(ref, "fingerprint")
        assert r.status_code == 422
        said(r, lang, "ลายพิมพ์นิ้วมือไม่ตรง", "fingerprint does not match")
        said(phone.page(), lang, "ลายพิมพ์นิ้วมือไม่ตรง", "fingerprint does not match")  # the phone sees it too
    r = officer.act(ref, "fingerprint")
    assert r.status_code == 422 and phone.step == "failed"
    said(phone.page(), lang, "ตรวจลายพิมพ์นิ้วมือไม่ผ่าน", "fingerprint check failed")


def test_fingerprint_outcome_overridden_through_the_control_api(app):
    app.test_client().put(f"/_mock/citizens/{WARAPORN}/outcomes", json={"fingerprint": "mismatch"})
    phone, officer = Phone(app), Officer(app)
    walk_officer(phone, officer, until="fingerprint")
    assert officer.act(phone.status()["ref"], "fingerprint").status_code == 422


@LANGS
def test_officer_qr_expires_after_5_minutes_and_a_new_one_works(app, lang):
    phone, officer = Phone(app, lang), Officer(app, lang=lang)
    walk_officer(phone, officer, until="scan_qr")
    ref = phone.status()["ref"]
    link = officer.qr_link(ref)
    phone.services.clock.advance(301)
    r = phone.c.get(link, headers=HTML)
    assert r.status_code == 410
    said(r, lang, "QR Code หมดอายุแล้ว", "The QR code has expired")
    assert 'id="qr-gone"' in officer.detail(ref).get_data(as_text=True)
    assert officer.act(ref, "qr").status_code == 303
    assert phone.c.get(officer.qr_link(ref)).status_code == 303 and phone.step == "pin"


@LANGS
def test_officer_qr_already_used(app, lang):
    phone, officer = Phone(app, lang), Officer(app, lang=lang)
    walk_officer(phone, officer, until="scan_qr")
    link = officer.qr_link(phone.status()["ref"])
    assert phone.c.get(link).status_code == 303
    r = phone.c.get(link, headers=HTML)
    assert r.status_code == 409
    said(r, lang, "QR Code นี้ถูกใช้ไปแล้ว", "already been used")
    other = Phone(app, lang)  # another phone that never started: it cannot use it either
    r = other.c.get(link, headers=HTML)
    assert r.status_code == 409 and ("ถูกใช้ไปแล้ว" in r.get_data(as_text=True) or "already been used" in r.get_data(as_text=True))


def test_officer_qr_of_someone_elses_registration(app):
    phone, officer = Phone(app), Officer(app)
    walk_officer(phone, officer, until="scan_qr")
    link = officer.qr_link(phone.status()["ref"])
    intruder = Phone(app)
    walk_self(intruder, pid=MALI, until="card")
    r = intruder.c.get(link, headers=HTML)
    assert r.status_code == 409 and "บุคคลอื่น" in message(r)
    assert phone.step == "scan_qr"


@LANGS
def test_pin_rules_broken_lists_every_rule(app, lang):
    phone = Phone(app, lang)
    walk_self(phone, until="pin")
    r = phone.post("pin", pin="11111234", pin_confirm="11111234")
    assert r.status_code == 400
    text = message(r)
    said(r, lang, "รหัส PIN ไม่เป็นไปตามกฎ", "The PIN breaks the rules")
    expected = (["เรียงกันจากน้อยไปมาก", "ซ้ำติดกัน", "ใช้ได้ไม่เกิน 4 ครั้ง"] if lang == "th"
                else ["ascending consecutive", "in a row", "more than 4 times"])
    assert all(fragment in text for fragment in expected), text
    assert "11111234" not in r.get_data(as_text=True)  # the PIN is never echoed
    for bad in ("1357246", "9876 1357", "๑๒๓๔๕๖๗๘"):
        assert phone.post("pin", pin=bad, pin_confirm=bad).status_code == 400
    assert phone.step == "pin"


@LANGS
def test_pin_confirmation_mismatch(app, lang):
    phone = Phone(app, lang)
    walk_self(phone, until="pin")
    r = phone.post("pin", pin=PIN, pin_confirm="24681358")
    assert r.status_code == 400
    said(r, lang, "รหัส PIN ทั้งสองครั้งไม่ตรงกัน", "The two PINs do not match")
    assert phone.step == "pin"


@LANGS
def test_already_registered_is_replaced_and_says_so(app, lang):
    phone = Phone(app, lang)
    walk_self(phone, pid=MALI, until="card_check")
    html = phone.html()
    assert 'id="already-registered"' in html
    walk_self_rest = [("card-check", {"action": "confirm"})]
    for page, form in walk_self_rest:
        phone.ok(page, **form)
    phone.ok("selfie", action="upload", selfie=selfie_file())
    phone.ok("selfie", action="confirm")
    phone.ok("pin", pin=PIN, pin_confirm=PIN)
    consent = phone.html()
    assert 'id="replaced"' in consent
    assert ("รหัส PIN เดิมใช้ไม่ได้อีกต่อไป" if lang == "th" else "The old PIN no longer works") in consent
    assert phone.post("consent", pin=DEMO_PIN).status_code == 401  # the old PIN is gone
    phone.ok("consent", pin=PIN)
    assert 'id="replaced"' in phone.html()


@LANGS
def test_five_wrong_pins_lock_the_account(app, lang):
    phone = Phone(app, lang)
    walk_self(phone, until="consent")
    for left in (4, 3, 2, 1):
        r = phone.post("consent", pin="97531864")
        assert r.status_code == 401
        said(r, lang, f"เหลือโอกาสอีก {left} ครั้ง", f"{left} attempt(s) left")
    r = phone.post("consent", pin="97531864")
    assert r.status_code == 423
    said(r, lang, "บัญชีถูกระงับ 15 นาที", "locked for 15 minutes")
    assert 'id="pin"' not in r.get_data(as_text=True)
    assert phone.post("consent", pin=PIN).status_code == 423  # the right PIN, still locked
    phone.services.clock.advance(15 * 60 + 1)
    phone.ok("consent", pin=PIN)
    assert phone.step == "done"


def test_camera_refused(app):
    phone = Phone(app, "en")
    walk_self(phone, until="camera")
    r = phone.post("camera", action="deny")
    assert r.status_code == 400 and "needs the camera" in message(r)


def test_a_step_out_of_order_is_refused(app):
    phone = Phone(app, "en")
    walk_self(phone, until="card")
    r = phone.post("pin", pin=PIN, pin_confirm=PIN)
    assert r.status_code == 409 and "registration is at step card" in message(r)


def test_already_registered_on_the_officer_path(app):
    phone, officer = Phone(app, "en"), Officer(app)
    walk_officer(phone, officer, pid=MALI, until="at_officer")
    assert "the old registration is replaced" in phone.html()
    walk_rest = Phone(app)
    walk_officer(walk_rest, officer, pid=MALI, until="consent")
    assert 'id="replaced"' in walk_rest.html()
    walk_rest.ok("consent", pin=PIN)
    with app.extensions["mock_thaid"].db.session() as s:
        from mock_thaid.store import citizens
        assert citizens.account(s, MALI).channel == "officer"  # was "self": the channel is replaced too

"""The trainer console: projector QR, choose who starts unregistered, reset, progress."""
from __future__ import annotations

import re

from conftest import make_app


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_page_shows_the_app_qr_and_a_loopback_warning():
    c = make_app(issuer="http://127.0.0.1:8000").test_client()
    page = c.get("/_mock/trainer/").get_data(as_text=True)
    assert re.search(r"<img src=\"data:image/png;base64,[^\"]+\" alt=\"QR: http://127.0.0.1:8000/app/\"[^>]*id=\"class-qr\"", page)
    assert "http://127.0.0.1:8000/app/" in page and 'id="loopback-warning"' in page


def test_public_url_goes_into_the_qr_and_removes_the_warning():
    c = make_app(public_url="http://192.0.2.10:8000").test_client()
    page = c.get("/_mock/trainer/?lang=en").get_data(as_text=True)
    assert "http://192.0.2.10:8000/app/" in page and "loopback-warning" not in page
    assert "Trainer console" in page


def test_untick_makes_a_citizen_start_unregistered_and_tick_registers_them():
    c = make_app().test_client()
    page = c.get("/_mock/trainer/").get_data(as_text=True)
    ticked = re.findall(r'name="registered" value="(\d{13})" checked', page)
    assert "1057830862719" in ticked and "1153620226005" not in ticked
    wanted = [p for p in ticked if p != "1057830862719"] + ["1153620226005"]
    r = c.post("/_mock/trainer/registered", data={"csrf_token": csrf(page), "registered": wanted})
    assert r.status_code == 302
    assert c.get("/_mock/citizens/1057830862719").json["registered"] is False
    assert c.get("/_mock/citizens/1153620226005").json["registered"] is True


def test_reset_button_restores_the_seed():
    c = make_app().test_client()
    c.delete("/_mock/accounts/1057830862719")
    page = c.get("/_mock/trainer/").get_data(as_text=True)
    r = c.post("/_mock/trainer/reset", data={"csrf_token": csrf(page)})
    assert r.status_code == 302 and "done=reset" in r.headers["Location"]
    assert c.get("/_mock/citizens/1057830862719").json["registered"] is True


def test_forms_need_the_csrf_token():
    c = make_app().test_client()
    assert c.post("/_mock/trainer/reset").status_code == 400
    assert c.post("/_mock/trainer/registered", data={"registered": []}).status_code == 400
    assert c.get("/_mock/citizens/1057830862719").json["registered"] is True


def test_progress_follows_a_registration():
    c = make_app().test_client()
    empty = c.get("/_mock/trainer/progress").json
    assert empty["registrations"] == [] and "ยังไม่มีผู้เริ่มลงทะเบียน" in empty["html"]
    e = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json
    c.post(f"/_mock/api/enrol/{e['id']}/card", json={"sample": "1153620226005"})
    body = c.get("/_mock/trainer/progress").json
    reg = body["registrations"][0]
    assert reg["ref"] == e["ref"] and reg["channel"] == "self"
    assert reg["step"] == "card_check" and reg["number"] and reg["total"] == 9
    assert reg["name"].startswith(c.get("/_mock/citizens/1153620226005").json["given_name"])
    # what the console shows: the step in words, in the page's language; no codes
    assert reg["step_text"] == "ขั้นที่ 5 จาก 9: ตรวจสอบข้อมูลบัตร"
    assert reg["manual_text"] == "คู่มือข้อ ๒.๑.๕"
    assert e["ref"] in body["html"] and "ขั้นที่ 5 จาก 9: ตรวจสอบข้อมูลบัตร" in body["html"]
    assert "card_check" not in re.sub(r'data-step="[^"]*"', "", body["html"])
    en = c.get("/_mock/trainer/progress?lang=en").json["registrations"][0]
    assert en["step_text"] == "Step 5 of 9: check the card data" and en["manual_text"] == "Manual §2.1.5"


def test_progress_shows_failures_and_ended_registrations_in_words():
    c = make_app().test_client()
    e = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json
    c.post(f"/_mock/api/enrol/{e['id']}/card", json={"sample": "3765898366910"})  # card expired 2024-10-02
    reg = c.get("/_mock/trainer/progress").json["registrations"][0]
    assert reg["step"] == "failed" and reg["error"] == "card_expired"  # the codes stay for programs
    assert reg["step_text"] == "ลงทะเบียนไม่สำเร็จ"
    assert reg["error_text"].startswith("บัตรประจำตัวประชาชนหมดอายุแล้ว (วันหมดอายุ 2 ต.ค. 2567)")
    page = c.get("/_mock/trainer/").get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|code)\b.*?</\1>", " ", page, flags=re.S))
    for code in ("failed", "card_expired", "2024-10-02", " s<", ">ref<"):
        assert code not in visible, code
    assert "รหัสอ้างอิง" in page and "วินาทีที่แล้ว" in page


def test_who_starts_registered_heading_agrees_with_the_help():
    page = make_app().test_client().get("/_mock/trainer/").get_data(as_text=True)
    assert "ใครลงทะเบียน ThaiD ไว้แล้วตอนเริ่มชั้นเรียน" in page
    assert "ติ๊ก = ลงทะเบียนไว้แล้ว" in page and "ไม่ติ๊ก = ยังไม่ลงทะเบียน" in page


def test_loopback_warning_names_the_port_the_mock_serves_on():
    page = make_app(issuer="http://127.0.0.1:18400").test_client().get("/_mock/trainer/").get_data(as_text=True)
    warning = re.search(r'id="loopback-warning">(.*?)</p>', page, re.S).group(1)
    assert "--port 18400" in warning and ":8000" not in warning


def test_reset_asks_first_without_inline_script():
    page = make_app().test_client().get("/_mock/trainer/").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="reset-form"[^>]*>', page).group(0)
    assert "onsubmit" not in form and 'data-confirm="ลบการลงทะเบียน' in form
    assert "window.confirm(reset.dataset.confirm)" in page

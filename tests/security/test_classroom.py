"""Classroom mode: headless login only from this machine, the trainer console says what the
room can reach, and `mock-thaid serve --classroom` prints the checklist and a token."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import requests
from conftest import free_port, make_app

from mock_thaid import lan

AUTH = ("/api/v2/oauth2/auth/?response_type=code&client_id=demo-rp&redirect_uri=http://127.0.0.1:8080/callback"
        "&scope=openid%20pid&state=s1")
ROOM = {"REMOTE_ADDR": "192.0.2.50"}  # a phone in the room (documentation range: nothing is sent)


def test_headless_login_works_from_this_machine_only():
    c = make_app(classroom=True, issuer="http://192.0.2.10:8000", control_token="t").test_client()
    phone = c.get(AUTH, headers={"X-Mock-Persona": "1234567890121", "Host": "192.0.2.10:8000"}, environ_base=ROOM)
    assert phone.status_code == 200 and "QR" in phone.get_data(as_text=True)  # the real login page, no code
    hint = c.get(AUTH + "&login_hint=1234567890121", headers={"Host": "192.0.2.10:8000"}, environ_base=ROOM)
    assert hint.status_code == 200
    here = c.get(AUTH, headers={"X-Mock-Persona": "1234567890121"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert here.status_code == 302 and "code=" in here.headers["Location"]


def test_outside_classroom_mode_headless_login_is_unchanged():
    c = make_app().test_client()
    r = c.get(AUTH, headers={"X-Mock-Persona": "1234567890121"}, environ_base=ROOM)
    assert r.status_code == 302


def test_trainer_console_says_what_the_room_can_reach():
    c = make_app(classroom=True, issuer="http://192.0.2.10:8000", public_url="http://192.0.2.10:8000",
                 control_token="t").test_client()
    page = c.get("/_mock/trainer/", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    assert "ต้องใช้ control token" in page and "ใช้ได้จากเครื่องนี้เท่านั้น" in page
    open_lan = make_app(public_url="http://192.0.2.10:8000").test_client().get("/_mock/trainer/").get_data(as_text=True)
    assert "โดยไม่ต้องใช้ token" in open_lan and "เข้าสู่ระบบแทนผู้อื่นได้" in open_lan
    local = make_app(issuer="http://127.0.0.1:8000").test_client().get("/_mock/trainer/").get_data(as_text=True)
    assert "เฉพาะเครื่องนี้เท่านั้น" in local


def test_lan_candidates_skip_loopback_and_link_local(monkeypatch):
    class Done:
        stdout = "127.0.1.1 169.254.3.4 fe80::1 10.1.2.3 203.0.113.9 "

    monkeypatch.setattr(lan.subprocess, "run", lambda *a, **k: Done())
    monkeypatch.setattr(lan.socket, "getaddrinfo", lambda *a, **k: [])
    assert lan.candidates() == ["10.1.2.3", "203.0.113.9"]


def test_serve_classroom_prints_the_checklist_and_requires_the_token():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mock_thaid.cli", "serve", "--classroom", "--port", str(port),
                             "--public-url", f"http://127.0.0.2:{port}", "--database-url", "sqlite://",
                             "--pin-kdf-n", "1024"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = ""
        deadline = time.time() + 30
        while "mock-thaid: serving" not in out and time.time() < deadline:
            out += proc.stdout.readline()
        assert "CLASSROOM MODE" in out and "checklist" in out, out
        assert f"mock-thaid: serving http://127.0.0.2:{port} on 0.0.0.0:{port}" in out
        token = re.search(r"control token: (\S+)", out).group(1)
        url = f"http://127.0.0.2:{port}"
        for _ in range(100):
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert requests.get(url + "/_mock/trainer/progress", timeout=5).status_code == 401
        assert requests.get(url + "/_mock/trainer/progress", headers={"Authorization": f"Bearer {token}"},
                            timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)

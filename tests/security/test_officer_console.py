"""The officer console: wrong passwords lock that office's console (the issue's 9th try no
longer gets in), the password is random per start unless set, and it is shown on the login
page only on a laptop's mock (no control token)."""
from __future__ import annotations

import re
import subprocess
import sys
import time

from conftest import make_app

HTML = {"Accept": "text/html"}


def _login(c, password: str, office: str = "tak-maesot"):
    page = c.get("/officer/", headers=HTML).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return c.post("/officer/login", data={"name": "สมชาย", "office": office, "password": password,
                                           "csrf_token": token}, headers=HTML)


def test_five_wrong_passwords_lock_the_office_and_the_right_one_then_fails_too():
    app = make_app(officer_password="right-pass")
    c = app.test_client()
    answers = [_login(c, f"wrong-{i}").status_code for i in range(5)]
    assert answers == [403, 403, 403, 403, 423]
    r = _login(c, "right-pass")
    assert r.status_code == 423 and "ถูกล็อก" in r.get_data(as_text=True)
    assert _login(app.test_client(), "right-pass", office="tak-mueang").status_code == 303  # another office
    app.extensions["mock_thaid"].set_clock_offset(16 * 60)
    assert _login(c, "right-pass").status_code == 303  # after the lock


def test_wrong_tries_say_how_many_are_left():
    c = make_app(officer_password="right-pass").test_client()
    assert "เหลืออีก 4 ครั้ง" in _login(c, "nope").get_data(as_text=True)
    assert _login(c, "right-pass").status_code == 303
    assert "เหลืออีก 4 ครั้ง" in _login(make_app(officer_password="right-pass").test_client(), "x").get_data(as_text=True)


def test_password_hint_only_without_a_control_token():
    laptop = make_app(officer_password="shown-pass").test_client().get("/officer/", headers=HTML).get_data(as_text=True)
    assert "shown-pass" in laptop
    room = make_app(officer_password="hidden-pass", control_token="t").test_client()
    assert "hidden-pass" not in room.get("/officer/", headers=HTML).get_data(as_text=True)


def test_without_a_setting_the_password_is_random_per_start_and_printed():
    seen = []
    for _ in range(2):
        proc = subprocess.Popen([sys.executable, "-m", "mock_thaid.cli", "serve", "--port", "0", "--database-url",
                                 "sqlite://", "--pin-kdf-n", "1024"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env={k: v for k, v in __import__("os").environ.items()
                                                if not k.startswith("MOCK_THAID_")})
        try:
            out, deadline = "", time.time() + 30
            while "officer console password" not in out and time.time() < deadline:
                out += proc.stdout.readline()
            seen.append(re.search(r"officer console password \(this start only\): (\S+)", out).group(1))
        finally:
            proc.terminate()
            proc.wait(10)
    assert seen[0] != seen[1] and all(len(p) >= 12 for p in seen)

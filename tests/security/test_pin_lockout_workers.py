"""PIN brute force against several gunicorn workers on one database.

tests/mock_thaid/test_multiworker.py::test_pin_lockout_counts_across_workers sends five
wrong PINs one after the other. This extends it to what an attacker would do instead:
many wrong PINs *at once* (the guesses must not outrun the counter: no lost updates, no
5xx), wrong PINs split between the two places a PIN is typed (the login consent and the
registration's consent, which share one counter), and the lock's end.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from conftest import DEMO_RP, served_mock

pytestmark = pytest.mark.live
MAX_ATTEMPTS = 5
RIGHT, WRONG = "13572468", "24681357"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_mock(tmp_path_factory.mktemp("sec-mw") / "mock.sqlite3") as url:
        yield url


def phone_at_consent(url: str, pid: str) -> tuple[requests.Session, str, str]:
    """A phone that scanned a fresh QR login and said whose phone it is."""
    s = requests.Session()
    page = s.get(url + "/api/v2/oauth2/auth/", headers={"Accept": "text/html"}, params={
        "response_type": "code", "client_id": DEMO_RP["client_id"], "redirect_uri": DEMO_RP["redirect_uri"],
        "scope": "openid pid", "state": "brute"}).text
    path = urlsplit(re.search(r'id="app-link" href="([^"]+)"', page).group(1)).path
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(url + path).text).group(1)
    assert s.post(url + path + "/whoami", data={"pid": pid, "csrf_token": token}).ok
    return s, path, token


def account(url: str, pid: str) -> dict:
    return requests.get(f"{url}/_mock/citizens/{pid}", timeout=10).json()


def test_thirty_simultaneous_wrong_pins_get_at_most_five_guesses(server):
    pid = "1069377657936"
    requests.put(f"{server}/_mock/accounts/{pid}", json={"pin": RIGHT}, timeout=10)  # fresh counter
    phones = [phone_at_consent(server, pid) for _ in range(6)]

    def guess(i: int) -> int:
        s, path, token = phones[i % len(phones)]
        return s.post(server + path, data={"csrf_token": token, "decision": "approve", "pin": WRONG}, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(guess, range(30)))
    assert all(st < 500 for st in statuses), statuses
    assert set(statuses) <= {401, 423}, statuses
    assert statuses.count(401) <= MAX_ATTEMPTS - 1, f"more guesses were checked than the lock allows: {statuses}"
    acc = account(server, pid)
    assert acc["locked_until"] and acc["failed_pins"] >= MAX_ATTEMPTS, acc
    s, path, token = phones[0]
    r = s.post(server + path, data={"csrf_token": token, "decision": "approve", "pin": RIGHT})
    assert r.status_code == 423  # the right PIN does not get through a lock


def test_the_login_and_the_registration_share_one_counter_across_workers(server):
    pid = "3647798421261"  # in the register, not registered
    api = requests.Session()
    e = api.post(server + "/_mock/api/enrol", json={"channel": "officer", "accept_terms": True}).json()
    for step, body in (("pid", {"pid": pid}), ("officer/card-check", {}), ("officer/fingerprint", {})):
        r = api.post(f"{server}/_mock/api/enrol/{e['id']}/{step}", json=body)
        assert r.ok, r.text
    qr = r.json()["qr"]["token"]
    assert api.post(f"{server}/_mock/api/enrol/{e['id']}/scan-qr", json={"token": qr}).ok
    assert api.post(f"{server}/_mock/api/enrol/{e['id']}/pin", json={"pin": RIGHT, "pin_confirm": RIGHT}).ok
    for _ in range(3):  # three wrong PINs when consenting to the registration
        r = api.post(f"{server}/_mock/api/enrol/{e['id']}/consent", json={"pin": WRONG})
        assert r.status_code == 401 and r.json()["error"] == "pin_wrong"
    s, path, token = phone_at_consent(server, pid)
    statuses = [s.post(server + path, data={"csrf_token": token, "decision": "approve", "pin": WRONG}).status_code
                for _ in range(2)]  # two more at a login: the fifth locks
    assert statuses == [401, 423], statuses
    r = api.post(f"{server}/_mock/api/enrol/{e['id']}/consent", json={"pin": RIGHT})
    assert r.status_code == 423 and r.json()["error"] == "pin_locked"
    assert s.post(server + path, data={"csrf_token": token, "decision": "approve", "pin": RIGHT}).status_code == 423


def test_the_lock_ends_for_every_worker_at_once(server):
    pid = "1091510590691"
    requests.put(f"{server}/_mock/accounts/{pid}", json={"pin": RIGHT}, timeout=10)
    s, path, token = phone_at_consent(server, pid)
    for _ in range(MAX_ATTEMPTS):
        s.post(server + path, data={"csrf_token": token, "decision": "approve", "pin": WRONG})
    assert account(server, pid)["locked_until"]
    try:
        requests.post(server + "/_mock/clock", json={"advance": 15 * 60 + 1}, timeout=10)
        for _ in range(6):  # whichever worker answers, the lock is over and the counter starts again
            phone, p, t = phone_at_consent(server, pid)
            r = phone.post(server + p, data={"csrf_token": t, "decision": "approve", "pin": WRONG})
            assert r.status_code == 401, r.status_code
            r = phone.post(server + p, data={"csrf_token": t, "decision": "approve", "pin": RIGHT})
            assert r.status_code == 200, r.status_code
    finally:
        requests.post(server + "/_mock/clock", json={"offset": 0}, timeout=10)

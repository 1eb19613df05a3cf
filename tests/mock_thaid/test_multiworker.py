"""Several gunicorn workers on one SQLite database behave as one mock: no cross-talk between
concurrent logins, lockouts counted across workers, shared keys, clock and sessions."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
import yaml
from conftest import DEMO_RP, served_mock

import thaid_sandbox_data

pytestmark = pytest.mark.live
REGISTERED = [c["pid"] for c in yaml.safe_load(thaid_sandbox_data.path("citizens.yaml").read_text())["citizens"]
              if c.get("registered")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_mock(tmp_path_factory.mktemp("mw") / "mock.sqlite3") as url:
        yield url


def login(url: str, pid: str, n: int) -> tuple[str, str]:
    s = requests.Session()
    r = s.get(url + "/api/v2/oauth2/auth/", allow_redirects=False, headers={"X-Mock-Persona": pid},
              params={"response_type": "code", "client_id": DEMO_RP["client_id"], "redirect_uri": DEMO_RP["redirect_uri"],
                      "scope": "openid pid", "state": f"s{n}", "nonce": f"n{n}"})
    assert r.status_code == 302, r.text
    code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
    r = s.post(url + "/api/v2/oauth2/token/", auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]),
               data={"grant_type": "authorization_code", "code": code, "redirect_uri": DEMO_RP["redirect_uri"]})
    assert r.status_code == 200, r.text
    claims = jwt.decode(r.json()["id_token"], options={"verify_signature": False})
    return claims["sub"], claims["nonce"]


def test_100_concurrent_logins_each_get_their_own_identity(server):
    jobs = [(REGISTERED[i % len(REGISTERED)], i) for i in range(100)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda j: login(server, *j), jobs))
    assert results == [(pid, f"n{i}") for pid, i in jobs]


def test_pin_lockout_counts_across_workers(server):
    s = requests.Session()  # one phone; its requests land on whichever worker
    page = s.get(server + "/api/v2/oauth2/auth/", headers={"Accept": "text/html"}, params={
        "response_type": "code", "client_id": DEMO_RP["client_id"], "redirect_uri": DEMO_RP["redirect_uri"],
        "scope": "openid pid", "state": "lock"}).text
    app_path = urlsplit(re.search(r'id="app-link" href="([^"]+)"', page).group(1)).path
    pick = s.get(server + app_path).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', pick).group(1)
    pid = REGISTERED[3]
    assert s.post(server + app_path + "/whoami", data={"pid": pid, "csrf_token": token}).ok
    statuses = [s.post(server + app_path, data={"csrf_token": token, "decision": "approve", "pin": "24681357"}).status_code
                for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    r = s.post(server + app_path, data={"csrf_token": token, "decision": "approve", "pin": "13572468"})
    assert r.status_code == 423
    acc = requests.get(server + f"/_mock/citizens/{pid}").json()
    assert acc["failed_pins"] == 5 and acc["locked_until"]


def test_rotation_and_clock_are_seen_by_every_worker(server):
    kid = requests.post(server + "/_mock/keys/rotate").json()["signing_kid"]
    for _ in range(12):
        assert kid in [k["kid"] for k in requests.get(server + "/jwks/").json()["keys"]]
    requests.post(server + "/_mock/clock", json={"offset": 1234})
    offsets = {requests.get(server + "/_mock/clock").json()["offset"] for _ in range(12)}
    assert offsets == {1234.0}
    requests.post(server + "/_mock/clock", json={"offset": 0})

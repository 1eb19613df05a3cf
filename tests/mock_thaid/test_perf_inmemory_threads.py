"""Issue 15: the in-memory database (``sqlite://``) under a threaded server.

``sqlite://`` is one SQLite connection shared by every thread of the process. Before it was
lent to one thread at a time, QR pages polling while others logged in made 500s ("cannot
commit - no transaction is active"): two threads' transactions interleaved on the connection.
Here a live mock on ``sqlite://`` (waitress, 8 threads) gets QR logins that poll their status,
headless logins with their token exchange, and token introspection, all at once from 12
threads; every answer must be the right one and the database must hold what was done.
"""
from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from conftest import DEMO_PID, DEMO_RP, start_live

ROUNDS = 15


@pytest.fixture
def live_memory():
    live = start_live(qr_page="redirect")  # database_url sqlite:// (tests/conftest.py make_settings)
    assert live.services.settings.database_url == "sqlite://"
    yield live
    live.close()


def _authorize(url: str, state: str, **headers) -> requests.Response:
    return requests.get(url + "/api/v2/oauth2/auth/", params={
        "response_type": "code", "client_id": DEMO_RP["client_id"], "redirect_uri": DEMO_RP["redirect_uri"],
        "scope": "openid pid name", "state": state, "nonce": "n-" + state}, headers=headers,
        allow_redirects=False, timeout=30)


def test_threads_share_the_in_memory_database_without_errors(live_memory):
    url = live_memory.url
    problems: list[str] = []
    logged_in: list[str] = []
    polled = [0]
    lock = threading.Lock()
    start = threading.Barrier(12)

    def fail(what: str) -> None:
        with lock:
            problems.append(what)

    def qr_poller(n: int) -> None:
        start.wait()
        r = _authorize(url, f"qr{n}")
        if r.status_code != 302 or "/login/" not in r.headers.get("Location", ""):
            return fail(f"authorize (QR) answered {r.status_code}: {r.text[:200]}")
        sid = urlsplit(r.headers["Location"]).path.rsplit("/", 1)[1]
        for _ in range(ROUNDS * 2):
            st = requests.get(f"{url}/login/{sid}/status", timeout=30)
            if st.status_code != 200 or st.json().get("status") != "waiting":
                return fail(f"status poll answered {st.status_code}: {st.text[:200]}")
            with lock:
                polled[0] += 1

    def headless(n: int) -> None:
        start.wait()
        sess = requests.Session()
        for i in range(ROUNDS):
            state = f"h{n}-{i}"
            r = _authorize(url, state, **{"X-Mock-Persona": DEMO_PID})
            query = parse_qs(urlsplit(r.headers.get("Location", "")).query)
            if r.status_code != 302 or query.get("state") != [state] or "code" not in query:
                return fail(f"authorize (headless) answered {r.status_code}: {r.text[:200]}")
            tok = sess.post(url + "/api/v2/oauth2/token/", auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]),
                            data={"grant_type": "authorization_code", "code": query["code"][0],
                                  "redirect_uri": DEMO_RP["redirect_uri"]}, timeout=30)
            if tok.status_code != 200:
                return fail(f"token answered {tok.status_code}: {tok.text[:200]}")
            claims = jwt.decode(tok.json()["id_token"], options={"verify_signature": False})
            if claims.get("sub") != DEMO_PID or claims.get("nonce") != "n-" + state:
                return fail(f"wrong ID token for {state}: {claims}")
            info = sess.post(url + "/api/v2/oauth2/introspect/", auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]),
                             data={"token": tok.json()["access_token"]}, timeout=30)
            if info.status_code != 200 or info.json().get("active") is not True:
                return fail(f"introspect answered {info.status_code}: {info.text[:200]}")
            with lock:
                logged_in.append(state)

    threads = [threading.Thread(target=qr_poller, args=(n,)) for n in range(6)]
    threads += [threading.Thread(target=headless, args=(n,)) for n in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)

    assert problems == []
    assert len(logged_in) == 6 * ROUNDS and polled[0] == 6 * ROUNDS * 2
    # What was answered is what is stored: every code used once, two tokens per login, six QR logins waiting.
    from sqlalchemy import text

    with live_memory.services.db.engine.connect() as conn:
        used = conn.execute(text("SELECT count(*) FROM auth_codes WHERE used_at IS NOT NULL")).scalar()
        tokens = conn.execute(text("SELECT count(*) FROM tokens")).scalar()
        waiting = conn.execute(text("SELECT count(*) FROM login_sessions WHERE status = 'waiting'")).scalar()
    assert (used, tokens, waiting) == (6 * ROUNDS, 12 * ROUNDS, 6)

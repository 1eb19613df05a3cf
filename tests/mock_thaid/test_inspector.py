"""The transaction inspector explains a relying party's mistakes in plain words, and never
shows a secret, a whole token or a whole PID."""
from __future__ import annotations

from conftest import DEMO_PID
from oidc_helpers import DEMO_AUTH, auth_url, exchange, get_code


def events(c):
    return c.get("/_mock/events").json["events"]


def test_redirect_uri_mistake_is_explained(client):
    client.get(auth_url(redirect_uri="http://127.0.0.1:8080/callback/"))
    ev = events(client)[0]
    assert ev["endpoint"] == "authorize" and ev["status"] == 400
    assert ev["explanation"] == ("redirect_uri not registered: got http://127.0.0.1:8080/callback/, "
                                 "registered http://127.0.0.1:8080/callback, http://localhost:8080/callback, "
                                 "http://mock.test/_mock/callback")


def test_code_used_twice_is_explained(client):
    code = get_code(client)
    exchange(client, code)
    exchange(client, code)
    assert events(client)[0]["explanation"].startswith("code used twice")


def test_missing_client_authentication_is_explained(client):
    client.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": "x"})
    ev = events(client)[0]
    assert "without client authentication" in ev["explanation"] and ev["request"]["_client_auth"] == "none"


def test_scope_not_granted_is_explained(client):
    client.get(auth_url(client_id="sandbox-rp", scope="openid birthdate"))
    assert events(client)[0]["explanation"].startswith("scope not granted to this client: birthdate")


def test_secrets_tokens_and_pids_are_redacted(client):
    code = get_code(client)
    client.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": code,
                "redirect_uri": "http://127.0.0.1:8080/callback", "client_id": "demo-rp",
                "client_secret": "demo-rp-secret-TEST-ONLY"})
    everything = str(events(client)) + client.get("/_mock/inspector/").get_data(as_text=True)
    assert "demo-rp-secret-TEST-ONLY" not in everything
    assert code not in everything
    assert DEMO_PID not in everything
    assert "1-xxxx-xxxxx-12-1" in everything  # the persona, masked


def test_page_shows_state_nonce_pkce_and_filters_by_client(client):
    client.get(auth_url(nonce="n"), headers={"Accept": "text/html"})
    client.get(auth_url(client_id="sandbox-rp"), headers={"Accept": "text/html"})
    page = client.get("/_mock/inspector/?client_id=demo-rp").get_data(as_text=True)
    assert "no PKCE" in page or "ไม่ได้ใช้ PKCE" in page
    assert "<code>sandbox-rp</code>" not in page and "<code>demo-rp</code>" in page


def test_page_shows_login_states_in_words_and_thai_time(client):
    import re
    from datetime import datetime, timedelta, timezone

    client.get(auth_url(nonce="n"), headers={"Accept": "text/html"})  # waiting
    get_code(client)  # approved (headless)
    page = client.get("/_mock/inspector/").get_data(as_text=True)
    statuses = re.findall(r'<td class="status">([^<]*)</td>', page)
    assert "รอสแกน" in statuses and "ยืนยันตัวตนแล้ว" in statuses
    assert not {"waiting", "approved"} & set(statuses)
    en = client.get("/_mock/inspector/?lang=en").get_data(as_text=True)
    assert "identity confirmed" in re.findall(r'<td class="status">([^<]*)</td>', en)
    # each request's time is Thai time (UTC+7), whatever the server's TZ
    shown = re.findall(r'<small title="[^"]*">(\d\d:\d\d:\d\d)</small>', page)
    now = datetime.now(timezone(timedelta(hours=7)))
    now_s = now.hour * 3600 + now.minute * 60 + now.second
    for hms in shown:
        h, m, sec = map(int, hms.split(":"))
        gap = abs(now_s - (h * 3600 + m * 60 + sec)) % 86400
        assert min(gap, 86400 - gap) < 120, (hms, now)
    assert shown

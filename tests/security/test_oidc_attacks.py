"""Attacks on the ThaiD protocol side of the mock: PKCE downgrade, code replay and races,
redirect-URI tricks and open redirects through error answers.

Already in tests/mock_thaid (not repeated): a challenge with no or a wrong verifier is
refused once each (test_token.py::test_pkce_verified_whenever_a_challenge_was_sent); a
reused code revokes the first exchange's access and refresh tokens; six redirect-URI
near-misses (test_authorize.py::test_redirect_uri_must_match_character_for_character).
"""
from __future__ import annotations

import base64
import hashlib
import threading
from urllib.parse import urlsplit

import jwt
import pytest
from conftest import DEMO_RP, make_app
from hypothesis import given
from hypothesis import strategies as st
from oidc_helpers import DEMO_AUTH, auth_url, exchange, get_code, query
from sec_helpers import FUZZ, STATS, check_answer, counted

HTML = {"Accept": "text/html"}
REGISTERED = DEMO_RP["redirect_uri"]  # http://127.0.0.1:8080/callback
PERSONA = {"X-Mock-Persona": "1057830862719"}


@pytest.fixture
def c():
    return counted(make_app()).test_client()


def pkce(verifier: str = "v" * 50) -> tuple[str, str]:
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


# ------------------------------------------------------------------------- PKCE downgrade
@pytest.mark.parametrize("profile", ["thaid-verify", "oidc"])
@pytest.mark.parametrize("attempt", [
    {},                                    # no verifier at all
    {"code_verifier": ""},                 # an empty one
    {"code_verifier": "CHALLENGE"},        # the challenge itself (S256 treated as plain)
    {"code_verifier": "v" * 49},           # one character short
])
def test_a_challenge_without_its_verifier_gets_no_tokens(profile, attempt):
    """Refused every time it is tried (no tokens are issued, none are revoked): the thief
    of a code cannot use it, and cannot spoil it for the client that holds the verifier.
    (ThaiD itself does not enforce PKCE, nor does the thaid profile by default: `pkce` setting.)"""
    app = counted(make_app(profile="oidc") if profile == "oidc" else make_app(pkce="verify-when-sent"))
    c = app.test_client()
    verifier, challenge = pkce()
    code = get_code(c, code_challenge=challenge, code_challenge_method="S256")
    form = {k: (challenge if v == "CHALLENGE" else v) for k, v in attempt.items()}
    for _ in range(3):
        r = exchange(c, code, **form)
        check_answer(r, f"PKCE downgrade {attempt}")
        assert r.status_code == 400 and "access_token" not in r.json
        assert r.json["error"] == ("invalid_grant" if profile == "oidc" else "invalid_request")
    assert _token_rows(app) == 0
    assert exchange(c, code, code_verifier=verifier).status_code == 200
    assert exchange(c, code, code_verifier=verifier).status_code == 400  # and only once


def _token_rows(app) -> int:
    from sqlalchemy import func, select

    from mock_thaid.store.models import Token

    with app.extensions["mock_thaid"].db.session() as s:
        return s.scalar(select(func.count()).select_from(Token))


def test_plain_and_lowercase_methods_cannot_stand_in_for_s256(c):
    verifier, challenge = pkce()
    strict = counted(make_app(pkce="verify-when-sent")).test_client()
    code = get_code(strict, code_challenge=challenge, code_challenge_method="plain")
    assert exchange(strict, code, code_verifier=verifier).status_code == 400  # plain: verifier must equal challenge
    r = c.get(auth_url(code_challenge=challenge, code_challenge_method="s256"), headers=PERSONA)
    assert query(r.headers["Location"])["error"] == "invalid_request"  # not silently plain
    oidc = counted(make_app(profile="oidc")).test_client()
    r = oidc.get(auth_url(code_challenge=challenge, code_challenge_method="plain"), headers=PERSONA)
    assert r.status_code == 302 and query(r.headers["Location"])["error"] == "invalid_request"
    assert "code" not in query(r.headers["Location"])


def test_pkce_required_client_cannot_be_downgraded_by_leaving_the_challenge_out(c):
    r = c.get(auth_url(client_id="strict-rp", redirect_uri="http://127.0.0.1:8080/callback"), headers=PERSONA)
    check_answer(r, "strict-rp without PKCE")
    if r.status_code == 302:
        assert "code" not in query(r.headers["Location"])


# ------------------------------------------------------------------------- code replay
def test_a_replayed_code_revokes_the_refreshed_tokens_too(c):
    first = exchange(c, get_code(c)).json
    refreshed = c.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token",
                                                       "refresh_token": first["refresh_token"]}, headers=DEMO_AUTH).json
    assert "access_token" in refreshed
    other = exchange(c, get_code(c)).json  # an unrelated login stays valid
    from mock_thaid.store.models import Token

    with c.application.extensions["mock_thaid"].db.session() as s:
        code = s.get(Token, first["access_token"]).family  # the family of a login's tokens is its code
    r = exchange(c, code)
    check_answer(r, "replay")
    assert r.status_code == 400
    for tok in (first["access_token"], refreshed["access_token"], refreshed["refresh_token"]):
        assert c.post("/api/v2/oauth2/introspect/", data={"token": tok}, headers=DEMO_AUTH).json == {"active": False}
    r = c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + refreshed["access_token"]})
    assert r.status_code == 401
    assert c.post("/api/v2/oauth2/introspect/", data={"token": other["access_token"]},
                  headers=DEMO_AUTH).json["active"] is True


def test_racing_redemptions_of_one_code_issue_tokens_once(tmp_path):
    """Eight threads redeem one code at the same moment (a file database, as served)."""
    app = counted(make_app(database_url=f"sqlite:///{tmp_path}/race.sqlite3"))
    code = get_code(app.test_client())
    results: list = []
    responses: list = []
    barrier = threading.Barrier(8)

    def redeem():
        c = app.test_client()
        barrier.wait()
        r = exchange(c, code)
        results.append((r.status_code, r.get_json(silent=True)))
        responses.append(r)

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 8, results
    for r in responses:
        check_answer(r, "a racing redemption")  # no 5xx, no crash ("database is locked" would be one)
    winners = [body for status, body in results if status == 200]
    assert len(winners) <= 1, results
    c = app.test_client()
    for body in winners:  # the replays revoked what the winner got
        assert c.post("/api/v2/oauth2/introspect/", data={"token": body["access_token"]},
                      headers=DEMO_AUTH).json == {"active": False}


# ------------------------------------------------------------------------- redirect-URI tricks
TRICKS = [
    "http://127.0.0.1:8080/callbac",                      # prefix of the registered URI
    "http://127.0.0.1:8080/callback.evil.example",        # suffix
    "http://127.0.0.1:8080/callback/../evil",
    "http://127.0.0.1:8080/CALLBACK",                     # case
    "http://127.0.0.1:8080/%63allback",                   # percent-encoded letter
    "http://127.0.0.1:8080/callback%00",
    "http://127.0.0.1:8080/callback%0d%0aLocation:%20https://evil.example",
    "http://127.0.0.1:8080/callback\r\nLocation: https://evil.example",
    "http://127.0.0.1:8080@evil.example/callback",         # userinfo
    "http://evil.example@127.0.0.1:8080/callback",
    "http://127.0.0.1:8080\\@evil.example/callback",
    "http://127.0.0.1:8080/callback#",                   # fragment
    "http://127.0.0.1:8080/callback#@evil.example",
    "http://127.0.0.1:8080/callback?next=https://evil.example",
    "http://127.0.0.1:8080/callback?",
    "http://127.0.0.1:80/callback", "http://127.0.0.1:08080/callback", "http://127.0.0.1/callback",
    "https://127.0.0.1:8080/callback", "http://2130706433:8080/callback", "http://127.1:8080/callback",
    "http://[::ffff:127.0.0.1]:8080/callback", "http://ⅼocalhost:8080/callback",  # homoglyph
    " http://127.0.0.1:8080/callback", "http://127.0.0.1:8080/callback ", "http://127.0.0.1:8080/callback\t",
    "//evil.example/callback", "javascript:alert(1)//http://127.0.0.1:8080/callback",
    "data:text/html,<script>alert(1)</script>", "https://evil.example/cb", "", "http://127.0.0.1:8080/callback" * 2,
]
# every way the mock would otherwise answer by redirecting to the client
REDIRECTING = [
    {},                                                   # a successful login
    {"response_type": "token"},                           # unsupported_response_type
    {"state": None},                                      # missing state
    {"code_challenge": "x" * 43, "code_challenge_method": "MD5"},
    {"client_id": "strict-rp"},                           # PKCE required
    {"scope": "openid address"},                          # scope not granted (shown, but try)
]


@pytest.mark.parametrize("redirect_uri", TRICKS)
def test_an_unregistered_redirect_uri_is_never_redirected_to(c, redirect_uri):
    services = c.application.extensions["mock_thaid"]
    for extra in REDIRECTING:
        for headers in (PERSONA, {**PERSONA, **HTML}):
            r = c.get(auth_url(redirect_uri=redirect_uri, **extra), headers=headers)
            what = f"{redirect_uri!r} {extra} {headers}"
            check_answer(r, what)
            assert "Location" not in r.headers and r.status_code in (400, 401), what
            if r.mimetype == "text/html":
                page = r.get_data(as_text=True)
                assert 'http-equiv="refresh"' not in page.lower() and "<script>alert" not in page, what
                assert f'href="{redirect_uri}' not in page or not redirect_uri, what
    # a decision queued by the control API, or a fault, does not open the door either
    for setup in ({"path": "/_mock/clients/demo-rp/next-decision", "json": {"decision": "deny"}},
                  {"path": "/_mock/faults", "json": {"name": "authorize_user_denies"}},
                  {"path": "/_mock/faults", "json": {"name": "authorize_server_error"}}):
        assert c.post(setup["path"], json=setup["json"]).status_code in (200, 201)
        r = c.get(auth_url(redirect_uri=redirect_uri), headers=PERSONA)
        assert "Location" not in r.headers, (redirect_uri, setup)
        c.delete("/_mock/faults")
    with services.db.session() as s:
        from mock_thaid.store import clients

        clients.get(s, "demo-rp").next_decision = None


@st.composite
def near_misses(draw) -> str:
    """The registered URI with one small edit."""
    uri = REGISTERED
    i = draw(st.integers(0, len(uri)))
    edit = draw(st.sampled_from(["insert", "delete", "replace", "case", "encode", "userinfo", "fragment", "query"]))
    ch = draw(st.one_of(st.sampled_from(list("/\\@#?%.:;&=+ \t\n\x00~") + ["%2f", "%40", "ก", "😀", "Ⅽ"]),
                        st.characters(blacklist_categories=("Cs",))))
    if edit == "insert":
        uri = uri[:i] + ch + uri[i:]
    elif edit == "delete" and i < len(uri):
        uri = uri[:i] + uri[i + 1:]
    elif edit == "replace" and i < len(uri):
        uri = uri[:i] + ch + uri[i + 1:]
    elif edit == "case":
        uri = uri[:i] + uri[i:].swapcase()
    elif edit == "encode" and i < len(uri):
        uri = uri[:i] + "%%%02X" % ord(uri[i]) + uri[i + 1:]  # e.g. "c" -> "%63", "/" -> "%2F"
    elif edit == "userinfo":
        userinfo = draw(st.sampled_from(["evil.example@", "a:b@", "@", "127.0.0.1:8080@evil.example"]))
        uri = uri.replace("://", "://" + userinfo, 1)
    elif edit == "fragment":
        uri += "#" + draw(st.text(max_size=10))
    else:
        uri += draw(st.sampled_from(["?", "?a=b", "&", "/"]))
    return uri


@FUZZ
@given(uri=near_misses().filter(lambda u: u != REGISTERED), extra=st.sampled_from(REDIRECTING),
       html=st.booleans())
def test_no_near_miss_of_the_registered_uri_is_ever_redirected_to(uri, extra, html):
    STATS["examples"] += 1
    c = _fuzz_client()
    r = c.get(auth_url(redirect_uri=uri, **extra), headers={**PERSONA, **(HTML if html else {})})
    check_answer(r, repr(uri))
    assert "Location" not in r.headers, (uri, extra, r.headers.get("Location"))
    assert r.status_code in (400, 401)


_APP = {}


def _fuzz_client():
    if "c" not in _APP:
        _APP["c"] = counted(make_app()).test_client()
    return _APP["c"]


def test_the_token_endpoint_holds_the_redirect_uri_of_authorize(c):
    for tricky in ("http://127.0.0.1:8080/callback/", "http://127.0.0.1:8080/Callback", "https://evil.example/cb",
                   "http://localhost:8080/callback"):  # the last one is registered too, but was not used
        code = get_code(c)
        r = exchange(c, code, redirect_uri=tricky)
        check_answer(r, tricky)
        assert r.status_code == 400 and "access_token" not in r.json, tricky


def test_finished_logins_only_ever_send_the_browser_to_the_registered_uri(c):
    """The QR page of a finished login, its status poll and the control API's decision all
    point at the registered URI (nothing of the request can steer them elsewhere)."""
    page = c.get(auth_url(state="s", nonce="n"), headers=HTML).get_data(as_text=True)
    import re

    sid = re.search(r'data-status-url="/login/([^/"]+)/status"', page).group(1)
    ref = re.search(r'id="ref">([A-Z0-9]+)<', page).group(1)
    decided = c.post(f"/_mock/logins/{ref}/approve", json={"pid": "1057830862719"}).json
    assert decided["redirect"].startswith(REGISTERED + "?")
    assert c.get(f"/login/{sid}/status").json["redirect"].startswith(REGISTERED + "?")
    r = c.get(f"/login/{sid}?next=https://evil.example", headers=HTML)
    assert r.status_code == 302 and r.headers["Location"].startswith(REGISTERED + "?")
    r = c.post(f"/login/{sid}/renew", data={}, headers=HTML)  # no CSRF token: refused before anything
    assert r.status_code == 400 and "Location" not in r.headers
    assert urlsplit(decided["redirect"]).netloc == "127.0.0.1:8080"


def test_the_id_token_is_for_the_client_that_asked(c):
    code = get_code(c)
    body = exchange(c, code).json
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["aud"] == "demo-rp"

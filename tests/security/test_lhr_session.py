"""The LHR demo's login session: fixation, replay, identity carried over, open redirects.

Flask keeps the session in a signed cookie, so there is no server-side session id to
rotate; what matters instead (and is checked here): the cookie's content changes at login,
the pending login (state, nonce, PKCE verifier) is single-use and cannot be replayed from
an old copy of the cookie, a cookie planted before someone logs in gains nothing, a second
login in the same browser replaces the identity entirely, forged cookies are ignored, and
``next`` never leads off the site, and a copy of the cookie taken before logout is dead
after it (the account's session generation is bumped at logout).
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lhr_helpers import MALI, ORIGIN, TEST_PERSON, csrf
from sec_helpers import FUZZ, STATS, check_answer

COOKIE = "session"


def cookie_value(client) -> str | None:
    c = client.get_cookie(COOKIE)
    return c.value if c else None


def decoded(lhr, value: str | None) -> dict:
    if value is None:
        return {}
    return lhr.app.session_interface.get_signing_serializer(lhr.app).loads(value)


def start_login(lhr, client):
    """The app's login route, then the mock's authorize answer: (callback path, query)."""
    start = client.get("/auth/thaid/login", query_string={"next": "/me/record"})
    assert start.status_code == 302
    answer = lhr.thaid.http.get(start.headers["Location"], headers={"X-Mock-Persona": MALI}, follow_redirects=False)
    back = urlsplit(answer.headers["Location"])
    return back.path, dict(parse_qsl(back.query))


def logged_in_as(client) -> bool:
    return client.get("/me/record").status_code == 200


def test_the_cookie_changes_at_login_and_the_pending_login_is_gone(lhr):
    browser = lhr.client()
    browser.get("/")
    path, query = start_login(lhr, browser)
    pre = cookie_value(browser)
    pending = decoded(lhr, pre)["thaid"]["pending"]
    assert query["state"] in pending
    r = browser.get(path, query_string=query)
    assert r.status_code == 302
    post = cookie_value(browser)
    assert post != pre
    after = decoded(lhr, post)
    assert query["state"] not in after["thaid"].get("pending", {})
    assert after["thaid"]["user"]["pid"] == MALI and after.get("lhr_account")
    assert "user" not in decoded(lhr, pre)["thaid"] and "lhr_account" not in decoded(lhr, pre)


def test_an_old_copy_of_the_pre_login_cookie_cannot_replay_the_callback(lhr):
    victim = lhr.client()
    path, query = start_login(lhr, victim)
    stolen = cookie_value(victim)  # e.g. planted by, or copied to, an attacker before the callback
    assert victim.get(path, query_string=query).status_code == 302 and logged_in_as(victim)
    attacker = lhr.client()
    attacker.set_cookie(COOKIE, stolen, domain="localhost")
    r = attacker.get(path, query_string=query)  # same state, same code
    check_answer(r, "replayed callback", lhr=True)
    assert r.status_code in (400, 403) and "Location" not in r.headers
    assert not logged_in_as(attacker)
    assert "user" not in decoded(lhr, cookie_value(attacker)).get("thaid", {})


def test_a_cookie_planted_before_login_gains_nothing(lhr):
    attacker = lhr.client()
    attacker.get("/")
    start_login(lhr, attacker)  # the attacker's own pending login, never finished
    planted = cookie_value(attacker)
    victim = lhr.client()
    victim.set_cookie(COOKIE, planted, domain="localhost")
    path, query = start_login(lhr, victim)
    assert victim.get(path, query_string=query).status_code == 302 and logged_in_as(victim)
    attacker.set_cookie(COOKIE, planted, domain="localhost")
    assert not logged_in_as(attacker)  # the attacker's copy knows nothing of the victim's login


def test_a_second_login_in_the_same_browser_replaces_the_identity(lhr):
    browser, _ = lhr.login(MALI)
    first = decoded(lhr, cookie_value(browser))
    lhr.login(TEST_PERSON, client=browser)
    second = decoded(lhr, cookie_value(browser))
    assert second["thaid"]["user"]["pid"] == TEST_PERSON and second["lhr_account"] != first["lhr_account"]
    page = browser.get("/me/record").get_data(as_text=True)
    assert "1-2345-67890-12-1" in page and "1-0578-30862-71-9" not in page


def test_mismatched_or_forged_cookies_are_ignored(lhr):
    mali, _ = lhr.login(MALI)
    other, _ = lhr.login(TEST_PERSON)
    serializer = lhr.app.session_interface.get_signing_serializer(lhr.app)
    mixed = decoded(lhr, cookie_value(other))
    mixed["lhr_account"] = decoded(lhr, cookie_value(mali))["lhr_account"]  # someone else's account id
    c = lhr.client()
    c.set_cookie(COOKIE, serializer.dumps(mixed), domain="localhost")
    page = c.get("/me/record")
    assert page.status_code == 302 or "1-0578-30862-71-9" not in page.get_data(as_text=True)
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("not-the-key", salt="cookie-session", signer_kwargs={
        "key_derivation": "hmac", "digest_method": __import__("hashlib").sha1}).dumps(decoded(lhr, cookie_value(mali)))
    c = lhr.client()
    c.set_cookie(COOKIE, forged, domain="localhost")
    assert not logged_in_as(c)


def test_a_cookie_copied_before_logout_is_dead_after_logout(lhr):
    owner, _ = lhr.login(MALI)
    copy = cookie_value(owner)
    owner.post("/auth/thaid/logout", data={"csrf_token": csrf(owner, "/me/record"), "next": "/"},
               headers={"Origin": ORIGIN})
    assert not logged_in_as(owner)
    thief = lhr.client()
    thief.set_cookie(COOKIE, copy, domain="localhost")
    assert not logged_in_as(thief)


# ------------------------------------------------------------------------- open redirects
NEXTS = st.one_of(
    st.sampled_from(["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example", "/%2F/evil.example",
                     "/\t/evil.example", "/\n/evil.example", "http:/evil.example", "https:evil.example", " //evil.example",
                     "javascript:alert(1)", "/me/record", "//", "/.//evil.example", "\u3002evil.example", "/%0d%0a",
                     "/\u2028//evil.example", "/ //evil.example", "//localhost@evil.example", "/@evil.example"]),
    st.text(max_size=40).map(lambda t: "/" + t),
    st.text(max_size=40),
)


def _stays_local(location: str) -> bool:
    parts = urlsplit(urljoin("http://localhost/lang/en", location))
    return parts.scheme == "http" and parts.netloc == "localhost" and "\\" not in location[:3]


@FUZZ
@given(nxt=NEXTS)
def test_next_never_leads_off_the_site(lhr_module, nxt):
    STATS["examples"] += 1
    lhr, browser = lhr_module
    for path in ("/lang/en", "/lang/th", "/digits/thai", "/digits/arabic", "/auth/thaid/login"):
        r = browser.get(path, query_string={"next": nxt})
        check_answer(r, f"{path}?next={nxt!r}", lhr=True)
        if path == "/auth/thaid/login":
            state = dict(parse_qsl(urlsplit(r.headers["Location"]).query))["state"]
            saved = decoded(lhr, cookie_value(browser))["thaid"]["pending"][state].get("next")
            assert saved is None or _stays_local(saved), (nxt, saved)
        else:
            assert r.status_code == 302 and _stays_local(r.headers["Location"]), (path, nxt, r.headers["Location"])
    r = browser.get("/", query_string={"next": nxt})
    check_answer(r, "home", lhr=True)
    lhr.login(MALI, client=browser)
    r = browser.post("/auth/thaid/logout", data={"csrf_token": csrf(browser, "/me/record"), "next": nxt},
                     headers={"Origin": ORIGIN})
    assert r.status_code == 302 and _stays_local(r.headers["Location"]), (nxt, r.headers["Location"])


@pytest.fixture(scope="module")
def lhr_module(tmp_path_factory, sec_template_db, sec_mock):
    from lhr_helpers import make_lhr
    from sec_helpers import counted

    t = make_lhr(tmp_path_factory.mktemp("lhr-next"), sec_template_db, sec_mock.url)
    counted(t.app)
    yield t, t.client()
    t.thaid.close()
    t.db.engine.dispose()

"""Logging out of LHR ends the ThaiD session too (issue 13, part B), in-process against the live mock.

The logout form of a page with ``Referrer-Policy: no-referrer`` arrives from a browser with
``Origin: null`` and ``Sec-Fetch-Site: same-origin``: it is accepted, both ThaiD tokens are
revoked (userinfo answers 401, introspection says inactive), and the one audit row,
written after the fact, says what was revoked. A failed revocation is audited as such; a
cross-site logout or one without the CSRF token changes nothing. No ``LOGIN ERROR`` anywhere.
(tests/lhr_demo/test_lhr_browser.py does the same in a real Chromium.)
"""
from __future__ import annotations

import requests
from sqlalchemy import select

from lhr_demo.models import AuditEntry
from lhr_helpers import CLIENT_ID, CLIENT_SECRET, MALI, csrf

NO_REFERRER_FORM = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}  # what Chromium sends


def tokens_of(browser) -> dict:
    """The ThaiD tokens rp_client keeps in this browser's session (the server's own copy)."""
    with browser.session_transaction() as sess:
        return dict(sess["thaid"]["tokens"])


def userinfo_status(mock_url: str, access_token: str) -> int:
    return requests.get(mock_url + "/api/v2/oauth2/userinfo/", headers={"Authorization": f"Bearer {access_token}"},
                        timeout=10).status_code


def active(mock_url: str, token: str) -> bool:
    r = requests.post(mock_url + "/api/v2/oauth2/introspect/", auth=(CLIENT_ID, CLIENT_SECRET), data={"token": token},
                      timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["active"]


def rows(lhr, action: str) -> list[AuditEntry]:
    with lhr.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def logged_in(browser) -> bool:
    return browser.get("/me/record").status_code == 200


def test_logout_from_a_no_referrer_page_revokes_both_tokens_and_audits_it(lhr):
    owner, _ = lhr.login(MALI)
    tokens = tokens_of(owner)
    assert userinfo_status(lhr.mock_url, tokens["access_token"]) == 200 and active(lhr.mock_url, tokens["refresh_token"])
    r = owner.post("/auth/thaid/logout", data={"csrf_token": csrf(owner, "/me/record"), "next": "/"},
                   headers=NO_REFERRER_FORM)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert not logged_in(owner)
    assert userinfo_status(lhr.mock_url, tokens["access_token"]) == 401
    assert not active(lhr.mock_url, tokens["refresh_token"]) and not active(lhr.mock_url, tokens["access_token"])
    logout, = rows(lhr, "LOGOUT")
    assert logout.outcome == "ALLOW" and logout.actor is not None and logout.subject is not None
    assert {k: logout.detail[k] for k in ("session_ended", "revoke", "revoked")} == {
        "session_ended": True, "revoke": "all", "revoked": ["access", "refresh"]}
    assert lhr.count("LOGIN", "ERROR") == 0
    last = rows(lhr, "LOGIN")[-1]
    assert last.id < logout.id  # the row is written after the logout happened


def test_a_failed_revocation_is_audited_and_the_session_still_ends(lhr):
    owner, _ = lhr.login(MALI)
    tokens = tokens_of(owner)
    armed = requests.post(lhr.mock_url + "/_mock/faults", json={"name": "revoke_error", "count": 1,
                                                                 "client_id": CLIENT_ID}, timeout=10)
    assert armed.status_code == 201, armed.text
    r = owner.post("/auth/thaid/logout", data={"csrf_token": csrf(owner, "/me/record")}, headers=NO_REFERRER_FORM)
    assert r.status_code == 302 and not logged_in(owner)
    logout, = rows(lhr, "LOGOUT")
    assert logout.outcome == "ERROR"
    assert logout.detail["session_ended"] is True and logout.detail["revoke"] == "partial"
    assert logout.detail["revoked"] == ["access"] and logout.detail["revoke_failed"] == {"refresh": "provider_error"}
    assert active(lhr.mock_url, tokens["refresh_token"])  # the row tells the truth: it is still alive
    assert lhr.count("LOGIN", "ERROR") == 0


def test_a_cross_site_logout_changes_nothing_and_is_audited_as_refused(lhr):
    owner, _ = lhr.login(MALI)
    tokens = tokens_of(owner)
    r = owner.post("/auth/thaid/logout", data={"csrf_token": csrf(owner, "/me/record")},
                   headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and "ออกจากระบบไม่สำเร็จ" in r.get_data(as_text=True)
    assert logged_in(owner) and active(lhr.mock_url, tokens["refresh_token"])
    logout, = rows(lhr, "LOGOUT")
    assert logout.outcome == "DENY" and logout.detail["code"] == "logout_not_same_origin"
    assert logout.detail["reason"] == "sec_fetch_site_cross_site"
    assert lhr.count("LOGIN", "ERROR") == 0


def test_a_logout_without_the_csrf_token_changes_nothing(lhr):
    owner, _ = lhr.login(MALI)
    tokens = tokens_of(owner)
    r = owner.post("/auth/thaid/logout", data={"next": "/"}, headers=NO_REFERRER_FORM)
    assert r.status_code == 400 and lhr.count("CSRF_REJECTED", "DENY") == 1
    assert logged_in(owner) and active(lhr.mock_url, tokens["access_token"])
    assert rows(lhr, "LOGOUT") == []


def test_logging_out_twice_records_one_logout(lhr):
    owner, _ = lhr.login(MALI)
    token = csrf(owner, "/me/record")
    for _ in range(2):  # the second time nobody is logged in and nothing is left to revoke
        assert owner.post("/auth/thaid/logout", data={"csrf_token": token}, headers=NO_REFERRER_FORM).status_code == 302
    assert [row.outcome for row in rows(lhr, "LOGOUT")] == ["ALLOW"]

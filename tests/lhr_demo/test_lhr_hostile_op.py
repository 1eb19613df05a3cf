"""LHR against a hostile provider (issue 13, part A): every bad answer ends on LHR's
bilingual login-error page (400, never a 500) with a ``LOGIN ERROR`` audit row naming the
code, and nobody is logged in, least of all the person a forged ``pid`` names.

The provider is rp_client's test fake (tests/rp_client/rp_testkit.py: httpx.MockTransport,
its own signing key), put in place of the ThaiDClient that LHR's ThaiDLogin built.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy import select

sys.path.append(str(Path(__file__).resolve().parents[1] / "rp_client"))  # rp_testkit (appended: see its conftest)

from lhr_demo.models import AuditEntry  # noqa: E402
from lhr_helpers import MALI, TEST_PERSON  # noqa: E402
from rp_testkit import FakeClock, FakeProvider, es256_signer, raw_jws_text  # noqa: E402


def hostile(lhr) -> FakeProvider:
    op = FakeProvider(FakeClock())
    lhr.app.extensions["thaid"].client = op.client(scopes="openid pid name")
    return op


def login_through(lhr, op: FakeProvider, make_token):
    """LHR's login route -> (the provider) -> LHR's callback with the token ``make_token(nonce)``."""
    browser = lhr.client()
    start = browser.get("/auth/thaid/login")
    query = dict(parse_qsl(urlsplit(start.headers["Location"]).query))
    op.id_token = make_token(query["nonce"])
    return browser, browser.get("/auth/thaid/callback", query_string={"code": "c", "state": query["state"]})


def signed(op: FakeProvider, header: dict, claims: dict | str) -> str:
    return raw_jws_text(json.dumps(header), claims if isinstance(claims, str) else json.dumps(claims),
                        es256_signer(op.key))


def nan(op: FakeProvider, claim: str, literal: str):
    return lambda nonce: signed(op, {"alg": "ES256", "kid": op.kid},
                                json.dumps(op.claims(nonce, **{claim: "@"})).replace('"@"', literal))


CASES = {
    "numeric kid": ("id_token_bad_kid", lambda op: lambda n: signed(op, {"alg": "ES256", "kid": 7}, op.claims(n))),
    "empty kid": ("id_token_bad_kid", lambda op: lambda n: signed(op, {"alg": "ES256", "kid": ""}, op.claims(n))),
    "unknown crit": ("id_token_crit_unsupported",
                     lambda op: lambda n: signed(op, {"alg": "ES256", "kid": op.kid, "crit": ["x-thaid"], "x-thaid": 1},
                                                 op.claims(n))),
    "exp NaN": ("id_token_malformed", lambda op: nan(op, "exp", "NaN")),
    "iat NaN": ("id_token_malformed", lambda op: nan(op, "iat", "NaN")),
    "exp 1e999": ("id_token_malformed", lambda op: nan(op, "exp", "1e999")),
    "exp a string": ("id_token_invalid_time", lambda op: lambda n: op.forge(n, exp="2099-01-01")),
    "pid is not sub": ("id_token_pid_mismatch", lambda op: lambda n: op.forge(n, sub=TEST_PERSON, pid=MALI)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_id_token_ends_on_the_error_page_with_an_audit_row(lhr, case):
    code, attack = CASES[case]
    op = hostile(lhr)
    browser, r = login_through(lhr, op, attack(op))
    assert r.status_code == 400, r.get_data(as_text=True)[:500]
    page = r.get_data(as_text=True)
    assert 'id="login-error"' in page and code in page and "ระบบสาธิต" in page
    assert browser.get("/me/record").status_code == 302  # not logged in
    with lhr.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "LOGIN").order_by(AuditEntry.id.desc())).first()
    assert (row.outcome, row.detail["code"]) == ("ERROR", code)
    assert lhr.count("LOGIN", "ALLOW") == 0


def test_a_30_mb_token_response_is_refused_the_same_way(lhr):
    op = hostile(lhr)
    read = []

    def body():
        for _ in range(30 * 16):
            read.append(1)
            yield b" " * 65536

    op.token_answer = httpx.Response(200, headers={"Content-Type": "application/json"}, content=body())
    browser, r = login_through(lhr, op, op.forge)
    assert r.status_code == 400 and "response_too_large" in r.get_data(as_text=True)
    assert len(read) <= 17  # 1 MiB and a chunk, not 30 MB
    assert lhr.count("LOGIN", "ERROR") == 1 and lhr.count("LOGIN", "ALLOW") == 0


def test_the_same_provider_with_a_good_token_logs_in(lhr):
    """The harness itself works: the fake provider's honest token is a normal login."""
    op = hostile(lhr)
    browser, r = login_through(lhr, op, op.forge)
    assert r.status_code == 302 and browser.get("/me/record").status_code == 200
    assert lhr.count("LOGIN", "ALLOW") == 1

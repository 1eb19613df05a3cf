"""`mock-thaid check-rp` against real relying parties (tests/checkrp/conftest.py starts them):

* the LHR demo (rp_client inside), through the real console script: every applicable row passes;
* two RPs broken on purpose: the report flags each planted defect and nothing else;
* a few-line Authlib app: which rows fail, and why (see AUTHLIB_FAILS);
* the same Authlib app with the compliance fix the report suggests: the expires_in row passes.

Each battery runs once (module fixture ``runs``); the tests read its JUnit XML, console output
and HTML. The runs share one mock with a fault armed for another client, which must survive.
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml

from mock_thaid.checkrp.rows import ID_TOKEN_FORGERIES, TOKEN_ERROR_TABLE, battery
from mock_thaid.cli import main

pytestmark = pytest.mark.live

ALL_ROWS = {rid for rid, _, _ in battery()}
LHR_PROFILE = {  # what LHR shows: its own ก.พ.๗ page, or its login error page
    "success": {"status": 200, "url": "/me/record$", "text": ['id="logout"', "ทะเบียนประวัติ (ก.พ.๗) ของฉัน"]},
    "refusal": {"text": 'id="login-error"'},
}
SMALL_RP_PROFILE = {"protected_path": "/me", "token_timeout": 1}  # success and refusal: the defaults

LAX_DEFECTS = {  # row -> the planted defect it shows (tests/checkrp/lax_rp.py)
    "id_token_bad_signature": "no signature check",
    "id_token_alg_none": "no signature check: alg none is as good as ES256",
    "id_token_hs256": "no signature check: the algorithm is never pinned",
    "id_token_unknown_kid": "no signature check: the key is never looked up",
    "jwks_unavailable": "no signature check: it never needs the JWKS, so it logs in while ThaiD's keys are down",
    "id_token_wrong_nonce": "no nonce comparison",
    "id_token_missing_nonce": "no nonce comparison",
    "expires_in_absolute": "expires_in read as a duration: /me trusts its cache for ~56 years",
}
CRASHY_DEFECTS = {  # tests/checkrp/crashy_rp.py
    "user_denied": "reads code before error: a KeyError, a 500",
    "id_token_alg_none": "trusts alg none",
}
AUTHLIB_FAILS = {
    # Authlib refuses every forged ID token (none of them signs anyone in), but it raises joserfc's
    # errors, not OAuthError, so an app that handles the error type Authlib documents answers 500.
    **{n: "joserfc.errors" for n in ID_TOKEN_FORGERIES},
    # The token endpoint's 503 page: requests' HTTPError; its truncated JSON: a plain ValueError.
    "token_http_503": "requests.exceptions.HTTPError",
    "token_malformed_json": "builtins.ValueError",
    # default_timeout works, but the timeout surfaces as requests' ReadTimeout.
    "token_delay": "requests.exceptions.ReadTimeout",
    # The JWKS fetch answers 503: requests' HTTPError from fetch_jwk_set().
    "jwks_unavailable": "requests.exceptions.HTTPError",
    # A generic OAuth client: Authlib sets expires_at = now + expires_in (~56 years from now), so it
    # never refreshes; once ThaiD's clock passes the real expiry, userinfo answers 401 and
    # userinfo() raises HTTPError. With the compliance fix (authlib-fixed below) it refreshes.
    "expires_in_absolute": "requests.exceptions.HTTPError",
}
# ThaiD's error table (token_<key>), a bad code, user_denied, state replay, key rotation and the
# expired QR code all pass: Authlib raises OAuthError for those, and the app has a page for it.


@dataclass
class Outcome:
    rc: int
    out: str
    status: dict[str, str]
    suite: ET.Element
    html: str
    seconds: float
    exceptions: dict[str, list[str]] = field(default_factory=dict)
    """Flask app exceptions by the row that was running (in-process RPs only)."""

    def rows(self, status: str) -> set[str]:
        return {r for r, s in self.status.items() if s == status}


def _statuses(suite: ET.Element) -> dict[str, str]:
    out = {}
    for case in suite.iter("testcase"):
        kind = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
        out[case.get("name")] = {"failure": "failed", "error": "error", "skipped": "na"}.get(kind, kind)
    return out


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("mock-thaid")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mock_thaid.cli"]


def _run(stack, name: str, start: str, profile: dict, *extra: str, subprocess_cli: bool = False) -> Outcome:
    rp, tmp = stack[name], stack["tmp"]
    prof = tmp / f"{name}.profile.yaml"
    prof.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    junit, html = tmp / f"{name}.xml", tmp / f"{name}.html"
    argv = ["check-rp", "--rp", rp.url, "--start", start, "--mock", stack["mock"], "--profile", str(prof),
            "--junit", str(junit), "--html", str(html), *extra]
    exceptions: dict[str, list[str]] = {}
    if rp.app is not None:
        from flask import got_request_exception

        def record(sender, exception, **kw):
            current = re.findall(r"^\[\d+/\d+\] \S+\s+(\S+)", buf.getvalue(), re.M)
            row = "discover" if not current else f"after:{current[-1]}"
            exceptions.setdefault(row, []).append(f"{type(exception).__module__}.{type(exception).__name__}")

        got_request_exception.connect(record, rp.app, weak=False)
    t0 = time.perf_counter()
    if subprocess_cli:
        proc = subprocess.run([*_cli(), *argv], capture_output=True, text=True, timeout=120)
        rc, out = proc.returncode, proc.stdout + proc.stderr
    else:
        buf = io.StringIO()
        with redirect_stdout(buf):
            rc = main(argv)
        out = buf.getvalue()
    seconds = time.perf_counter() - t0
    if rp.app is not None:
        got_request_exception.disconnect(record, rp.app)
    suite = ET.parse(junit).getroot()
    # an exception seen while row N+1 ran is logged after row N's line: re-key by the next row
    order = [rid for rid, _, _ in battery()]
    by_row = {}
    for key, excs in exceptions.items():
        row = order[0] if key == "discover" else order[order.index(key.split(":", 1)[1]) + 1]
        by_row[row] = excs
    return Outcome(rc, out, _statuses(suite), suite, html.read_text(encoding="utf-8"), seconds, by_row)


@pytest.fixture(scope="module")
def sentinel(stack):
    """A fault armed for another client before the runs: check-rp must neither use nor clear it."""
    r = httpx.post(stack["mock"] + "/_mock/faults", json={"name": "authorize_user_denies", "client_id": "demo-rp"})
    assert r.status_code == 201
    return r.json()["id"]


@pytest.fixture(scope="module")
def runs(stack, sentinel):
    t0 = time.perf_counter()
    out = {
        "lhr": _run(stack, "lhr", "/auth/thaid/login", LHR_PROFILE, subprocess_cli=True),
        "lax": _run(stack, "lax", "/login", SMALL_RP_PROFILE, "--lang", "en"),
        "crashy": _run(stack, "crashy", "/login", {**SMALL_RP_PROFILE, "other_scope_start": "/login-flat"}),
        "authlib": _run(stack, "authlib", "/login", SMALL_RP_PROFILE),
        "authlib-fixed": _run(stack, "authlib-fixed", "/login", SMALL_RP_PROFILE,
                              "--only", "login_openid,expires_in_absolute"),
    }
    out["seconds"] = time.perf_counter() - t0
    return out


def test_lhr_passes_every_applicable_row(runs):
    o = runs["lhr"]
    assert o.rc == 0, o.out
    assert o.rows("failed") == set() and o.rows("error") == set(), o.out
    assert o.rows("na") == {"login_without_openid", "expires_in_absolute"}, o.out  # LHR asks for openid
    # only; its pages use the local session, not the access token, so no protected_path
    assert o.rows("passed") == ALL_ROWS - o.rows("na")
    assert re.search(r"^ผ่าน 35 · ไม่ผ่าน 0 · ไม่เกี่ยวข้อง 2 · ตรวจไม่ได้ 0", o.out, re.M), o.out


def test_lax_rp_is_flagged_for_its_three_defects_and_nothing_else(runs):
    o = runs["lax"]
    assert o.rc == 1
    assert o.rows("failed") == set(LAX_DEFECTS), o.out
    assert o.rows("error") == set() and o.rows("na") == {"login_without_openid"}
    assert "it read expires_in as a duration" in o.out and "no refresh at ThaiD" in o.out


def test_crashy_rp_is_flagged_for_its_two_defects_and_nothing_else(runs):
    o = runs["crashy"]
    assert o.rc == 1
    assert o.rows("failed") == set(CRASHY_DEFECTS), o.out
    assert o.rows("error") == set() and o.rows("na") == set(), o.out  # /login-flat: the flat shape too
    assert o.exceptions == {"user_denied": ["builtins.KeyError"]}
    failures = {c.get("name"): c.find("failure").get("message") for c in o.suite.iter("testcase")
                if c.find("failure") is not None}
    assert "server error" in failures["user_denied"] and "→ 500" in failures["user_denied"]
    assert failures["id_token_alg_none"].startswith("the RP showed its signed-in page")


def test_authlib_app_fails_where_authlib_raises_something_else_than_oauth_error(runs):
    o = runs["authlib"]
    assert o.rc == 1
    assert o.rows("failed") == set(AUTHLIB_FAILS), o.out
    assert o.rows("error") == set() and o.rows("na") == {"login_without_openid"}
    for row, exc in AUTHLIB_FAILS.items():
        assert [e.startswith(exc) for e in o.exceptions.get(row, [])] == [True], (row, o.exceptions.get(row))
    assert set(o.exceptions) == set(AUTHLIB_FAILS)  # no 500 anywhere else
    assert o.rows("passed") >= {"user_denied", "state_replay", "jwks_rotated", "qr_expired", "token_invalid_code",
                                *TOKEN_ERROR_TABLE}


def test_authlib_with_the_suggested_compliance_fix_passes_the_expires_in_row(runs):
    o = runs["authlib-fixed"]
    assert o.status == {"login_openid": "passed", "expires_in_absolute": "passed"}, o.out
    assert o.rc == 0
    said = next(c for c in o.suite.iter("testcase") if c.get("name") == "expires_in_absolute").find("system-out").text
    assert said.startswith("refreshed and showed the page: ") and "the RP refreshed the token at ThaiD" in said


def test_runs_leave_the_shared_mock_as_they_found_it(runs, stack, sentinel):
    state = httpx.get(stack["mock"] + "/_mock/faults").json()["active"]
    assert [f["id"] for f in state] == [sentinel]  # the other client's fault: untouched; ours: used up
    assert httpx.get(stack["mock"] + "/_mock/clock").json()["offset"] == pytest.approx(0, abs=1e-6)
    for name in ("lhr", "lax", "crashy", "authlib"):
        assert "was never used" not in runs[name].out, runs[name].out


def test_junit_has_one_case_per_row_with_evidence_and_the_usual_fix(runs):
    suite = runs["lax"].suite
    assert suite.get("name") == "thaid-check-rp"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        str(len(ALL_ROWS)), str(len(LAX_DEFECTS)), "0", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == ALL_ROWS
    text = cases["id_token_alg_none"].find("failure").text
    for part in ("evidence: the RP showed its signed-in page", "/home → 200", "expected: refused, no 5xx",
                 "alg exactly ES256", "Authlib (Python):", "openid-client (Node.js):", "Spring Security (Java):",
                 "Laravel Socialite (PHP):", "ASP.NET Core / IdentityModel (.NET):"):
        assert part in text, part
    assert cases["login_without_openid"].find("skipped").get("message").startswith("the RP always asks for openid")


def test_html_report_thai_first_in_bangkok_time_for_a4(runs):
    page = runs["lhr"].html
    assert '<html lang="th">' in page
    assert page.index("ผลตรวจระบบที่เชื่อมต่อ ThaiD") < page.index("ThaiD relying-party check")
    m = re.search(r"(\d{1,2}) (\S+) (\d{4}) เวลา (\d\d):(\d\d):(\d\d) น\. \(เวลาประเทศไทย\)", page)
    assert m and 2568 <= int(m.group(3)) <= 2700  # พ.ศ.
    assert "(Asia/Bangkok, UTC+7)" in page
    assert "@page { size: A4;" in page
    assert len(re.findall(r'<tr id="row-[a-z0-9_]+" class="is-passed"', page)) == 35
    assert "ไม่มีข้อที่ไม่ผ่าน" in page


def test_html_report_in_english_groups_failures_under_their_fix(runs):
    page = runs["lax"].html
    assert '<html lang="en">' in page
    assert page.index("ThaiD relying-party check") < page.index("ผลตรวจระบบที่เชื่อมต่อ ThaiD")
    for row in LAX_DEFECTS:
        assert f'<tr id="row-{row}" class="is-failed"' in page and f'id="detail-{row}"' in page
    # the six ID-token failures share one "usual fix" block; jwks_unavailable and expires_in have their own
    assert page.count("<dt>The usual fix</dt>") == 3
    assert page.count("<b>Laravel Socialite (PHP)</b>") == 3


def test_the_whole_battery_stays_quick(runs, stack, capsys):
    with capsys.disabled():
        print(f"\n[check-rp] stack up in {stack['started']:.1f} s; "
              + ", ".join(f"{n} {runs[n].seconds:.1f} s" for n in ("lhr", "lax", "crashy", "authlib", "authlib-fixed"))
              + f"; all runs {runs['seconds']:.1f} s")
    # ~36 s on an idle machine (LHR's 10 s token timeout is the largest part); the bound only
    # catches a hang, since shared CI machines run slower
    assert runs["seconds"] < 120

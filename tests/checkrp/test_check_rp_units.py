"""check-rp's pure parts, without servers: the profile, how a page is judged, the texts of every
row, dates in Asia/Bangkok, the command line's refusals, and what the package may import."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from mock_thaid.checkrp import browser, profile, report, texts
from mock_thaid.checkrp.browser import Visit, look
from mock_thaid.checkrp.rows import GROUP_ORDER, Result, battery, groups
from mock_thaid.cli import main
from mock_thaid.scenarios.runner import Final, Hop

MOCK, RP = "http://127.0.0.1:8000", "http://127.0.0.1:5001"
PKG = Path(__file__).resolve().parents[2] / "mock_thaid" / "checkrp"


def visit(url: str, status: int, text: str = "", *, via_callback: bool = True, cookies=(), stopped=False) -> Visit:
    hops = [Hop(RP + "/login", 302, MOCK + "/api/v2/oauth2/auth/?x"), Hop(MOCK + "/api/v2/oauth2/auth/?x", 302, ""),
            Hop(RP + "/callback?code=abcdef&state=s", 302, "/home")] if via_callback else []
    hops.append(Hop(url, status))
    return Visit(Final(url, status, text, hops=hops), MOCK, 0.1, set(cookies), stopped=stopped)


# --- the profile ------------------------------------------------------------------------------------

def test_an_empty_profile_has_the_defaults():
    p = profile.parse(None)
    assert (p.persona, p.token_timeout, p.success, p.refusal, p.protected_path) == ("1057830862719", 10.0, None, None, "")


def test_a_full_profile(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("persona: 1-0578-30862-71-9\nprotected_path: /me\ntoken_timeout: 2.5\nskip: [token_delay]\n"
                 "success: {status: [200, 201], url: '/home$', text: Welcome, cookie: sid}\n"
                 "refusal: {status: 400}\nother_scope_start: /login-flat\nclient_id: my-rp\n", encoding="utf-8")
    p = profile.load(f)
    assert p.persona == "1057830862719" and p.token_timeout == 2.5 and p.skip == ("token_delay",)
    assert p.success == profile.Expectation(status=(200, 201), url="/home$", text=("Welcome",), cookie="sid")
    assert p.refusal.status == (400,) and p.other_scope_start == "/login-flat" and p.client_id == "my-rp"


@pytest.mark.parametrize("text,says", [
    ("sucess: {}\n", "unknown key(s) sucess"),
    ("persona: '123'\n", "13-digit PID"),
    ("token_timeout: 0\n", "token_timeout"),
    ("success: {url: '('}\n", "success.url is not a regular expression"),
    ("success: {status: ok}\n", "success.status must be a int"),
    ("refusal: {txt: x}\n", "refusal: unknown key(s) txt"),
    ("skip: token_delay\n", "skip must be a list"),
    ("- a\n", "a YAML mapping"),
    ("a: [\n", "not valid YAML"),
])
def test_a_bad_profile_is_refused_with_where(tmp_path, text, says):
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(profile.ProfileError) as e:
        profile.load(f)
    assert says in str(e.value) and str(f) in str(e.value)


def test_the_command_refuses_a_bad_profile_and_unknown_rows_before_any_request(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text("sucess: {}\n", encoding="utf-8")
    assert main(["check-rp", "--rp", RP, "--start", "/login", "--profile", str(f)]) == 2
    assert "unknown key(s) sucess" in capsys.readouterr().err
    assert main(["check-rp", "--rp", RP, "--start", "/login", "--only", "login_openid,nope"]) == 2
    assert "unknown row id(s) nope" in capsys.readouterr().err


# --- judging a page -------------------------------------------------------------------------------------

def test_default_success_is_a_2xx_rp_page_after_the_callback_that_is_not_an_error_page():
    p = profile.Profile()
    assert look(visit(RP + "/home", 200, "<h1>Welcome</h1> Signed in"), p).kind == browser.SUCCESS
    assert look(visit(RP + "/home", 200, "<h1>Login failed</h1>"), p).kind == browser.REFUSAL
    assert look(visit(RP + "/home", 200, "<script>var error = 1</script>Hello"), p).kind == browser.SUCCESS
    assert look(visit(RP + "/cb?error=user_denied", 200, "Hello"), p).kind == browser.REFUSAL
    assert look(visit(RP + "/home", 200, "Hello", via_callback=False), p).kind == browser.REFUSAL
    assert look(visit(RP + "/cb", 500, "Traceback"), p).kind == browser.SERVER_ERROR
    assert look(visit(MOCK + "/login/x", 200, "QR"), p).kind == browser.AT_THAID
    assert look(visit(RP + "/cb", 302, stopped=True), p).kind == browser.BACK_TO_THAID


def test_profile_success_and_refusal_pages():
    p = profile.parse({"success": {"url": "/me/record$", "cookie": "sid"}, "refusal": {"text": 'id="login-error"'}})
    assert look(visit(RP + "/me/record", 200, "x", cookies={"sid"}), p).kind == browser.SUCCESS
    assert look(visit(RP + "/me/record", 200, "x"), p).kind == browser.OTHER  # no cookie, no refusal marker
    assert look(visit(RP + "/cb", 400, '<p id="login-error">'), p).kind == browser.REFUSAL
    lk = look(visit(RP + "/", 200, "Hello"), p)
    assert lk.kind == browser.OTHER and "not the refusal page either" in lk.why_not_success[-1]


def test_evidence_shortens_codes_and_tokens():
    assert browser.shown(RP + "/cb?code=abcdefghij&state=s") == RP + "/cb?code=abcd…&state=s"
    assert browser.shown(RP + "/cb?state=s&id_token=eyJhbGciOi") == RP + "/cb?state=s&id_token=eyJh…"
    v = visit(RP + "/cb?code=abcdefghij", 500, "<html><style>x{}</style><b>Boom</b></html>")
    assert v.evidence() == RP + "/cb?code=abcd… → 500; page: “Boom”"


# --- texts and the report --------------------------------------------------------------------------------

@pytest.mark.parametrize("rid", [rid for rid, _, _ in battery()])
def test_every_row_says_what_it_expects_why_and_the_fix_in_thai_and_english(rid):
    t = texts.row(rid, {"answer": "401 x", "delay": 3, "timeout": 1, "headroom": 2, "back": 898})
    for part in (t.title, t.expect, t.why, t.fix):
        assert part.th and part.en and "?" not in part.th + part.en.replace("?)", "")
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in part.th), rid  # Thai script
    assert [name.split(" ")[0] for name, _ in t.libs] == ["Authlib", "openid-client", "Spring", "Laravel", "ASP.NET"]


def test_rows_have_unique_ids_and_known_groups():
    ids = [rid for rid, _, _ in battery()]
    assert len(ids) == len(set(ids)) == 37
    assert set(groups().values()) == set(GROUP_ORDER)
    assert ids[-1] == "jwks_unavailable"  # it rotates the mock's key: last
    assert ids.index("jwks_rotated") < ids.index("id_token_unknown_kid")  # a refetch before the wasted ones


def test_dates_are_in_bangkok_with_the_buddhist_era_in_thai():
    moment = dt.datetime(2025, 10, 16, 20, 5, 9, tzinfo=dt.timezone.utc)  # 03:05 on the 17th in Bangkok
    assert report.when(moment, "th") == "17 ต.ค. 2568 เวลา 03:05:09 น. (เวลาประเทศไทย)"
    assert report.when(moment, "en") == "17 Oct 2025, 03:05:09 (Asia/Bangkok, UTC+7)"


def test_console_lines_name_the_row_and_the_evidence():
    r = Result("user_denied", "failed", "the RP answered with a server error: x → 500", "refused, no 5xx")
    assert report.line(r, "th").splitlines() == [
        "FAIL  user_denied                      ผู้ใช้กดไม่ยืนยันในแอป ThaiD  (0.00 s)",
        "      - the RP answered with a server error: x → 500", "      - expected: refused, no 5xx"]
    na = Result("expires_in_absolute", "na", reason="no_protected_path")
    assert "protected_path" in report.line(na, "en").splitlines()[1]


# --- what the package may import ---------------------------------------------------------------------

def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


@pytest.mark.parametrize("path", sorted(PKG.glob("*.py")), ids=lambda p: p.name)
def test_check_rp_speaks_http_only(path):
    """No Flask, no database, no mock internals: the RP and the mock are reached over HTTP only
    (the scenario runner's browser and the settings' control token are the only things shared)."""
    allowed_outside = {"..scenarios.runner", "..settings"}
    for name in _imports(path):
        top = name.lstrip(".").split(".")[0]
        assert top not in {"flask", "werkzeug", "sqlalchemy", "authlib", "rp_client", "lhr_demo"}, name
        assert not name.startswith("mock_thaid"), name
        if name.startswith(".."):
            assert name in allowed_outside, name

"""The shipped scenarios run against a live mock (and, where they drive a relying party,
against the LHR demo — see tests/lhr_demo); the loader rejects bad files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import start_live

from mock_thaid.scenarios import loader, runner

ROOT = Path(__file__).resolve().parents[2]
MOCK_SCENARIOS = sorted((ROOT / "scenarios").glob("mock-*.yaml"))


@pytest.fixture(scope="module")
def live():
    live = start_live()
    yield live
    live.close()


def test_there_are_mock_scenarios():
    assert len(MOCK_SCENARIOS) >= 10


@pytest.mark.parametrize("path", MOCK_SCENARIOS, ids=lambda p: p.stem)
def test_shipped_mock_scenario_passes(live, path):
    outcome = runner.run_one(loader.load(path), live.url, None)
    assert outcome.passed, outcome.failures


def test_a_scenario_that_expects_the_wrong_thing_fails(live, tmp_path):
    p = tmp_path / "wrong.yaml"
    p.write_text("name: expects a code but the person refuses\n"
                 "setup: {faults: [{name: authorize_user_denies}]}\n"
                 "mock: {authorize: {client_id: demo-rp, redirect_uri: 'http://127.0.0.1:8080/callback', persona: '1234567890121'}}\n"
                 "expect: {redirect_params: {code: true}}\n")
    outcome = runner.run_one(loader.load(p), live.url, None)
    assert not outcome.passed and outcome.failures == ["redirect lacks code"]


@pytest.mark.parametrize("text,where", [
    ("name: x\nmock: {authorize: {client_id: a, redirect_uri: b}}\nexpekt: {}\n", "Additional properties"),
    ("name: x\nsetup: {faults: [{name: f, cuont: 1}]}\nmock: {authorize: {client_id: a, redirect_uri: b}}\n", "setup/faults/0"),
    ("name: x\n", "exactly one of"),
    ("name: [unclosed\n", "not valid YAML"),
])
def test_invalid_scenarios_are_rejected_with_where(tmp_path, text, where):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(loader.ScenarioError) as e:
        loader.load(p)
    assert where in str(e.value)


def test_cli_prints_a_line_per_scenario_a_summary_and_junit(live, tmp_path):
    junit = tmp_path / "out.xml"
    r = subprocess.run([sys.executable, "-m", "mock_thaid.cli", "scenario", "run", *map(str, MOCK_SCENARIOS[:3]),
                        "--mock", live.url, "--junit", str(junit)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("PASS") == 3 and "3 passed, 0 failed" in r.stdout
    assert 'tests="3"' in junit.read_text() and 'failures="0"' in junit.read_text()


def test_cli_exits_non_zero_on_a_failure(live, tmp_path):
    p = tmp_path / "fail.yaml"
    p.write_text("name: fails\nmock: {authorize: {client_id: nobody, redirect_uri: x}}\nexpect: {status: 200}\n")
    r = subprocess.run([sys.executable, "-m", "mock_thaid.cli", "scenario", "run", str(p), "--mock", live.url],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "FAIL  fails" in r.stdout and "0 passed, 1 failed" in r.stdout


def test_the_runner_sends_the_control_token_to_the_mock_only(tmp_path):
    from conftest import start_live

    import thaid_sandbox_data

    live = start_live(control_token="runner-token-TEST")
    try:
        sc = tmp_path / "t.yaml"
        sc.write_bytes(thaid_sandbox_data.path("scenarios", "mock-11-user-denies.yaml").read_bytes())
        from mock_thaid.cli import main as cli

        assert cli(["scenario", "run", str(sc), "--mock", live.url, "--control-token", "wrong"]) == 1
        assert cli(["scenario", "run", str(sc), "--mock", live.url, "--control-token", "runner-token-TEST"]) == 0
    finally:
        live.close()


def test_a_text_mismatch_says_what_the_page_did_contain():
    from mock_thaid.scenarios import runner

    final = runner.Final(url="http://rp/x", status=200,
                         text="<html><style>p{}</style><body><h1>Login failed</h1><p>state &amp; nonce</p></body></html>")
    (failure,) = runner.check({"text_contains": ["Welcome"]}, final)
    assert "page lacks 'Welcome'" in failure and "Login failed state & nonce" in failure and "p{}" not in failure


def test_text_contains_any_needs_one_of_the_alternatives_and_shows_the_page():
    final = runner.Final(url="http://rp/x", status=400, text="<p>code: <code>id_token_unknown_kid</code></p>")
    assert runner.check({"text_contains_any": ["<code>jwks_fetch_failed</code>", "<code>id_token_unknown_kid</code>"]},
                        final) == []
    (failure,) = runner.check({"text_contains_any": ["<code>jwks_fetch_failed</code>", "signed in"]}, final)
    assert "page shows none of '<code>jwks_fetch_failed</code>', 'signed in'" in failure
    assert "it shows: 'code: id_token_unknown_kid'" in failure


def test_a_run_keeps_what_is_in_the_mock_and_only_reset_wipes_it(tmp_path):
    import requests
    from conftest import start_live

    live = start_live()
    try:
        requests.post(live.url + "/_mock/citizens", json={"pid": "1100000000016", "given_name": "ก", "family_name": "ข"},
                      timeout=5)
        sc = tmp_path / "t.yaml"
        sc.write_bytes(thaid_sandbox_data_path("mock-01-headless-login.yaml"))
        from mock_thaid.cli import main as cli

        for argv in ([], ["--no-reset"]):  # the default, and the old flag that asked for it
            assert cli(["scenario", "run", str(sc), "--mock", live.url, *argv]) == 0
            pids = {c["pid"] for c in requests.get(live.url + "/_mock/citizens", timeout=5).json()["citizens"]}
            assert "1100000000016" in pids
        assert cli(["scenario", "run", str(sc), "--mock", live.url, "--reset"]) == 0
        pids = {c["pid"] for c in requests.get(live.url + "/_mock/citizens", timeout=5).json()["citizens"]}
        assert "1100000000016" not in pids  # --reset: back to the data files
    finally:
        live.close()


def test_a_scenario_arms_its_faults_for_its_own_client_and_undoes_them(tmp_path):
    """mock-10 moves the clock past the code's lifetime and mock-11 arms a refusal: afterwards
    the clock is where it was, and neither another client's fault nor another client's login
    was touched."""
    import requests
    from conftest import start_live

    from mock_thaid.cli import main as cli

    live = start_live()
    try:
        other = requests.post(live.url + "/_mock/faults", json={"name": "token_http_503", "client_id": "sandbox-rp"},
                              timeout=5).json()["id"]
        requests.post(live.url + "/_mock/clock", json={"advance": 42}, timeout=5)
        for name in ("mock-10-code-expired.yaml", "mock-11-user-denies.yaml", "mock-14-token-server-error.yaml"):
            (tmp_path / name).write_bytes(thaid_sandbox_data_path(name))
        (tmp_path / "unused.yaml").write_text(  # a fault its login never reaches: cleared all the same
            "name: unused fault\nsetup: {faults: [{name: token_invalid_code, count: null}]}\n"
            "mock: {authorize: {client_id: demo-rp, redirect_uri: 'http://127.0.0.1:8080/callback/'}}\n"
            "expect: {status: 400}\n", encoding="utf-8")
        assert cli(["scenario", "run", str(tmp_path), "--mock", live.url]) == 0
        active = requests.get(live.url + "/_mock/faults", timeout=5).json()["active"]
        assert [f["id"] for f in active] == [other]
        assert requests.get(live.url + "/_mock/clock", timeout=5).json()["offset"] == 42
        events = requests.get(live.url + "/_mock/events", params={"limit": 50}, timeout=5).json()["events"]
        assert {e["client_id"] for e in events if e["endpoint"] in ("authorize", "token")} == {"demo-rp"}

        import httpx

        from mock_thaid.scenarios import runner
        with httpx.Client() as http:  # how they were armed: for the login's client, JWKS for all
            part = runner.setup(http, live.url, {"faults": [{"name": "authorize_user_denies"},
                                                             {"name": "jwks_unavailable"}]})
            assert requests.get(live.url + "/_mock/faults", timeout=5).json()["active"][1:] == []  # not yet
            part.arm(http, live.url, "lhr-demo")
            scoped = {f["name"]: f["client_id"] for f in requests.get(live.url + "/_mock/faults", timeout=5).json()["active"]}
            assert scoped == {"token_http_503": "sandbox-rp", "authorize_user_denies": "lhr-demo", "jwks_unavailable": None}
            part.undo(http, live.url)
        assert [f["id"] for f in requests.get(live.url + "/_mock/faults", timeout=5).json()["active"]] == [other]
    finally:
        live.close()


def thaid_sandbox_data_path(name: str) -> bytes:
    import thaid_sandbox_data

    return thaid_sandbox_data.path("scenarios", name).read_bytes()

"""Every shipped scenario (scenarios/*.yaml) through the real CLI, against the mock and a real
LHR demo server: `mock-thaid scenario run scenarios/ --mock URL --rp URL --junit FILE`.

The mock runs live on 127.0.0.1 (tests/conftest.py ``start_live``); LHR runs as its own CLI
(``python -m lhr_demo.cli serve --port N``) on a free port with its own temporary SQLite
database. LHR's redirect URI must be registered at the mock character for character, and a
scenario's ``setup.reset`` reloads the clients file, so the mock is started with a copy of
data/clients.yaml whose ``lhr-demo`` client also lists this LHR's callback. The shipped
scenarios therefore stay port-free: they work the same against ``make demo`` (LHR on :5001).

One CLI run covers everything; the per-scenario tests below read its JUnit XML, so a failing
scenario is reported under its own name with the runner's reasons.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from conftest import free_port, start_live, wait_until_up

from mock_thaid import faults
from mock_thaid.scenarios import loader

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
ALL = sorted(SCENARIOS.glob("*.y*ml"))
LHR = sorted(SCENARIOS.glob("lhr-*.yaml"))
LOGIN_START = "/auth/thaid/login"
BUDGET_SECONDS = 15.0

# What the issue asks the LHR scenarios to cover.
REQUIRED_LHR_FAULTS = {
    "authorize_user_denies",
    "id_token_wrong_iss", "id_token_wrong_aud", "id_token_expired", "id_token_iat_future",
    "id_token_wrong_nonce", "id_token_missing_nonce", "id_token_bad_signature", "id_token_alg_none",
    "id_token_hs256", "id_token_unknown_kid", "id_token_missing_claim",
    "token_invalid_code", "token_http_503", "token_malformed_json", "token_server_error",
    "jwks_unavailable", "jwks_rotated", "id_token_other_naming",
}


def _clients_file(path: Path, redirect_uri: str) -> Path:
    data = yaml.safe_load((ROOT / "data" / "clients.yaml").read_text(encoding="utf-8"))
    lhr = next(c for c in data["clients"] if c["client_id"] == "lhr-demo")
    lhr["redirect_uris"].append(redirect_uri)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The mock (in a thread) and LHR (its real CLI, a subprocess) on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("scenarios-lhr")
    port = free_port()
    lhr_url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    mock = start_live(clients_file=str(_clients_file(tmp / "clients.yaml", lhr_url + "/auth/thaid/callback")))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LHR_", "MOCK_THAID_", "THAID_"))}
    env.update(LHR_DATABASE_URL=f"sqlite:///{tmp / 'lhr.sqlite3'}", LHR_THAID_ISSUER=mock.url,
               LHR_CLIENT_ID="lhr-demo", LHR_CLIENT_SECRET="lhr-demo-secret-TEST-ONLY",
               LHR_REDIRECT_URI=lhr_url + "/auth/thaid/callback", LHR_GO_LIVE="2025-11-01",
               LHR_UPLOAD_DIR=str(tmp / "uploads"), LHR_SECRET_KEY="pytest-scenarios-lhr-TEST-ONLY")
    log = tmp / "lhr.log"
    with log.open("w") as out:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen([sys.executable, "-m", "lhr_demo.cli", "serve", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(lhr_url + "/privacy", proc, log, what="LHR")
        started = time.perf_counter() - t0
        yield {"mock": mock.url, "lhr": lhr_url, "tmp": tmp, "started": started}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        mock.close()


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("mock-thaid")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mock_thaid.cli"]


@pytest.fixture(scope="module")
def run(stack):
    """One run of the real CLI over the whole scenarios/ folder."""
    junit = stack["tmp"] / "scenario-results.xml"
    t0 = time.perf_counter()
    proc = subprocess.run([*_cli(), "scenario", "run", "scenarios/", "--mock", stack["mock"], "--rp", stack["lhr"],
                           "--junit", str(junit)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - t0
    suite = ET.parse(junit).getroot() if junit.exists() else None
    return {"proc": proc, "wall": wall, "suite": suite, "started": stack["started"]}


def test_every_scenario_passes_through_the_cli(run, capsys):
    proc = run["proc"]
    out = proc.stdout + proc.stderr
    n = len(ALL)
    summary = re.search(r"^(\d+) passed, (\d+) failed in ([\d.]+) s$", proc.stdout, re.M)
    with capsys.disabled():
        print(f"\n[scenarios] {n} files ({len(LHR)} lhr-*, {n - len(LHR)} others): "
              f"mock + LHR up in {run['started']:.2f} s; CLI run {run['wall']:.2f} s wall"
              + (f", {summary.group(3)} s in scenarios" if summary else ""))
    assert proc.returncode == 0, out
    assert summary, out
    assert (int(summary.group(1)), int(summary.group(2))) == (n, 0), out
    assert len(re.findall(rf"^\[\d+/{n}\] PASS  ", proc.stdout, re.M)) == n, out
    suite = run["suite"]
    assert suite is not None and suite.get("tests") == str(n) and suite.get("failures") == "0"
    assert float(summary.group(3)) < BUDGET_SECONDS, f"the shipped suite took {summary.group(3)} s"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_scenario(run, path):
    """The CLI run's verdict on one scenario, with the runner's reasons when it failed."""
    suite = run["suite"]
    assert suite is not None, run["proc"].stdout + run["proc"].stderr
    cases = [c for c in suite.iter("testcase") if c.get("classname") == path.stem]
    assert len(cases) == 1, f"{path.name} is not in the JUnit report"
    failure = cases[0].find("failure")
    assert failure is None, f"{path.name}: {failure.text}"


def test_scenario_counts():
    assert len(LHR) >= 15
    assert len(ALL) >= 30
    for path in ALL:
        loader.load(path)  # valid against scenarios/schema.json


@pytest.mark.parametrize("path", LHR, ids=lambda p: p.stem)
def test_lhr_scenarios_start_lhrs_thaid_login(path):
    data = loader.load(path).data
    assert "rp" in data and data["rp"]["start"] == LOGIN_START
    assert data.get("expect", {}).get("status"), "say what the person sees: the status of the final page"
    for f in data.get("setup", {}).get("faults", []):
        assert f["name"] in faults.REGISTRY


def test_lhr_scenarios_cover_the_faults_the_issue_names():
    armed = {f["name"] for p in LHR for f in loader.load(p).data.get("setup", {}).get("faults", [])}
    assert REQUIRED_LHR_FAULTS <= armed, sorted(REQUIRED_LHR_FAULTS - armed)

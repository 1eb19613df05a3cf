"""check-rp and `mock-thaid scenario run` against a mock a trainer's class is using.

Before the runs the class has: a self-registration in progress (the trainer console's progress
table), a client registered at run time, inspector history of its own, a fault armed for that
client and a clock moved by the trainer. Then every shipped scenario runs twice (mock-* and
lhr-* against the real LHR: the second time on a used LHR and a used mock) and check-rp runs a
few rows against the lax RP. Afterwards all of the class's state is still there, unchanged, and
nothing the runs armed or moved is left behind.
"""
from __future__ import annotations

import io
import re
import time
from contextlib import redirect_stdout

import httpx
import pytest

from mock_thaid.cli import main
from mock_thaid.scenarios import loader, runner

pytestmark = pytest.mark.live

CLASS_CLIENT = {"client_id": "class-07-rp", "client_secret": "class-07-secret-TEST-ONLY", "name": "กลุ่ม 7",
                "name_en": "Group 7", "redirect_uris": ["http://127.0.0.1:9/callback"], "scopes": ["openid", "pid"]}


def _cli(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(argv)
    return rc, buf.getvalue()


REFETCH_WINDOW = 61
"""rp_client refetches ThaiD's keys on an unknown kid at most three times a minute; the shipped
lhr-* scenarios need that allowance (lhr-22's key rotation), so they run on an LHR whose keys
were not refetched in the last minute."""


def _wait_until_lhr_logs_mali_in(stack) -> None:
    """A precondition, not the test: after the check-rp runs of this folder (which rotate the
    mock's key), LHR logs people in again once its key cache catches up, and the minute's
    refetch allowance must be free for lhr-22 (see REFETCH_WINDOW)."""
    lhr01 = loader.load(loader.shipped("lhr")[0])
    deadline = time.monotonic() + 75
    while not runner.run_one(lhr01, stack["mock"], stack["lhr"].url).passed:
        assert time.monotonic() < deadline, "LHR never logged Mali in again"
        time.sleep(2)
    time.sleep(REFETCH_WINDOW)


def test_a_class_survives_a_check_rp_run_and_two_scenario_runs(stack):
    mock = stack["mock"]
    # test_check_rp_live leaves a fault armed for demo-rp, the client the mock-* scenarios log in
    # with: a fault for a client a scenario uses is the scenario's too (faults are per client), so
    # the class below uses a client of its own
    for f in httpx.get(mock + "/_mock/faults").json()["active"]:
        if f["client_id"] == "demo-rp":
            httpx.delete(f"{mock}/_mock/faults/{f['id']}")
    _wait_until_lhr_logs_mali_in(stack)
    with httpx.Client(base_url=mock, timeout=10) as m:
        # the class
        enrol = m.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json()
        assert m.post(f"/_mock/api/enrol/{enrol['id']}/card", json={"sample": "1153620226005"}).status_code < 400
        progress = {r["ref"]: r["step"] for r in m.get("/_mock/trainer/progress").json()["registrations"]}
        assert progress
        assert m.post("/_mock/clients", json=CLASS_CLIENT).status_code == 201
        assert m.post("/api/v2/oauth2/token/", auth=(CLASS_CLIENT["client_id"], "a-typo"),
                      data={"grant_type": "authorization_code", "code": "x"}).status_code == 401
        history = [e["id"] for e in m.get("/_mock/events", params={"client_id": CLASS_CLIENT["client_id"]}).json()["events"]]
        assert history
        fault = m.post("/_mock/faults", json={"name": "token_http_503", "client_id": CLASS_CLIENT["client_id"],
                                              "count": None}).json()["id"]
        clock = m.post("/_mock/clock", json={"advance": 30}).json()["offset"]
        before_faults = [f["id"] for f in m.get("/_mock/faults").json()["active"]]

        # the runs
        for n in (1, 2):
            rc, out = _cli(["scenario", "run", "--shipped", "all", "--mock", mock, "--rp", stack["lhr"].url])
            summary = re.search(r"^(\d+) passed, (\d+) failed", out, re.M)
            assert rc == 0 and summary and summary.group(2) == "0", f"run {n}:\n{out}"
        rc, out = _cli(["check-rp", "--rp", stack["lax"].url, "--start", "/login", "--mock", mock,
                        "--only", "login_openid,user_denied,token_http_503,id_token_wrong_aud,jwks_rotated"])
        assert rc == 0 and "ผ่าน 5 · ไม่ผ่าน 0" in out, out

        # the class, afterwards
        after = {r["ref"]: r["step"] for r in m.get("/_mock/trainer/progress").json()["registrations"]}
        assert {ref: after.get(ref) for ref in progress} == progress  # every registration, at the same step
        got = m.get(f"/_mock/clients/{CLASS_CLIENT['client_id']}")
        assert got.status_code == 200 and got.json()["name"] == "กลุ่ม 7"
        still = [e["id"] for e in m.get("/_mock/events", params={"client_id": CLASS_CLIENT["client_id"]}).json()["events"]]
        assert still == history  # its inspector history, and nothing of the runs under its name
        assert [f["id"] for f in m.get("/_mock/faults").json()["active"]] == before_faults
        assert fault in before_faults
        assert m.get("/_mock/clock").json()["offset"] == pytest.approx(clock, abs=1e-6)
        m.delete(f"/_mock/faults/{fault}")
        m.post("/_mock/clock", json={"advance": -30})

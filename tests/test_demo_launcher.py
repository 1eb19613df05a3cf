"""`make demo` (tools/demo.py) on ports other than the defaults: everything follows MOCK_PORT and
LHR_PORT — the issuer, LHR's redirect URI and its registration at the mock, the printed URLs —
the printed "try a login" link ends on a page, and the printed `lhr-demo logins` command reads
the demo's own database."""
from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.live
OWNER, OFFICER = "1057830862719", "3492913465359"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    var = tmp_path_factory.mktemp("demo-var")
    mock_port, lhr_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOCK_THAID_", "LHR_"))}
    env.update(MOCK_PORT=str(mock_port), LHR_PORT=str(lhr_port), DEMO_VAR=str(var), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "demo.py")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl-C to stop." in line:
            break
    out = "".join(lines)
    try:
        assert "Ctrl-C to stop." in out, out[-3000:]
        yield {"mock": f"http://127.0.0.1:{mock_port}", "lhr": f"http://127.0.0.1:{lhr_port}", "out": out,
               "env": env}
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def test_printed_urls_follow_the_ports(demo):
    out = demo["out"]
    assert f"mock ThaiD (issuer):   {demo['mock']}" in out
    assert demo["lhr"] in out
    assert ":8000" not in out and ":5001" not in out and ":8080" not in out
    assert requests.get(demo["mock"] + "/.well-known/openid-configuration", timeout=10).json()["issuer"] == demo["mock"]


def test_the_class_plan_names_clean_registrations_first_and_each_failure_demo(demo):
    out = demo["out"]
    first = out.split("register first, everything passes", 1)[1].split("failure demos", 1)[0]
    assert "1153620226005" in first  # วราภรณ์: not registered, every check passes
    for trap in ("1368410540482", "1052188433961", "3081442869245", "3765898366910"):
        assert trap not in first
    demos = out.split("failure demos", 1)[1]
    assert "1368410540482" in demos and "selfie does not match" in demos
    assert "3081442869245" in demos and "fingerprint" in demos


def test_lhr_login_on_moved_ports_lands_on_the_owners_record(demo):
    s = requests.Session()
    r = s.get(demo["lhr"] + "/auth/thaid/login", allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].startswith(demo["mock"] + "/api/v2/oauth2/auth/")
    assert f"127.0.0.1%3A{demo['lhr'].rsplit(':', 1)[1]}" in r.headers["Location"]  # redirect_uri on LHR_PORT
    r = s.get(r.headers["Location"], headers={"X-Mock-Persona": OWNER}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    assert r.headers["Location"].startswith(demo["lhr"] + "/auth/thaid/callback?")
    r = s.get(r.headers["Location"], timeout=20)
    assert r.status_code == 200 and r.url.startswith(demo["lhr"])
    assert "มะลิ" in r.text  # Mali's own ก.พ.๗


def test_the_printed_try_a_login_link_ends_on_the_callback_page(demo):
    url = re.search(r"try a login:\s+(\S+)", demo["out"]).group(1)
    r = requests.get(url, headers={"X-Mock-Persona": "1234567890121"}, timeout=10)
    assert r.status_code == 200 and r.url.startswith(demo["mock"] + "/_mock/callback?")
    assert "curl -s -u" in r.text


def test_the_printed_logins_command_reads_the_demos_database(demo):
    cmd = re.search(r"every demo login:\s+(.+)", demo["out"]).group(1).strip()
    parts = shlex.split(cmd)
    env = dict(demo["env"])
    while "=" in parts[0]:
        k, v = parts.pop(0).split("=", 1)
        env[k] = v
    r = subprocess.run(parts, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if line.startswith(OFFICER))
    assert "OWNER" not in row and "HR" in row.upper()


def test_make_classroom_puts_both_apps_on_the_room_address_behind_a_token(tmp_path):
    """CLASSROOM=1 with DEMO_HOST standing in for the LAN address (127.0.0.2: still this machine)."""
    mock_port, lhr_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOCK_THAID_", "LHR_"))}
    env.update(MOCK_PORT=str(mock_port), LHR_PORT=str(lhr_port), DEMO_VAR=str(tmp_path), CLASSROOM="1",
               DEMO_HOST="127.0.0.2", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "demo.py")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out = ""
        deadline = time.time() + 120
        while "Ctrl-C to stop." not in out and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out += line
        assert "CLASSROOM MODE" in out and "Ctrl-C to stop." in out, out[-3000:]
        token = re.search(r"control token for the trainer's pages: (\S+)", out).group(1)
        mock, lhr = f"http://127.0.0.2:{mock_port}", f"http://127.0.0.2:{lhr_port}"
        assert requests.get(mock + "/.well-known/openid-configuration", timeout=10).json()["issuer"] == mock
        assert requests.get(mock + "/_mock/citizens", timeout=10).status_code == 401
        assert requests.get(mock + "/_mock/citizens", headers={"Authorization": f"Bearer {token}"},
                            timeout=10).status_code == 200
        s = requests.Session()  # the LHR login on the room's address (headless: this machine)
        r = s.get(lhr + "/auth/thaid/login", allow_redirects=False, timeout=10)
        assert r.headers["Location"].startswith(mock + "/api/v2/oauth2/auth/")
        r = s.get(r.headers["Location"], headers={"X-Mock-Persona": OWNER}, allow_redirects=False, timeout=10)
        assert r.headers["Location"].startswith(lhr + "/auth/thaid/callback?"), r.text[:300]
        assert "มะลิ" in s.get(r.headers["Location"], timeout=20).text
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)

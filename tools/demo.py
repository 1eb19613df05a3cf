"""`make demo`: start the mock and the LHR demo on localhost, seeded, and print their URLs
and test logins. Ctrl-C stops everything.

Ports: MOCK_PORT (default 8000) and LHR_PORT (default 5001). Everything follows them: the
mock's issuer, LHR's redirect URI and the mock's registration of it, the printed URLs.
Databases: var/mock_thaid.sqlite3 and var/lhr_demo.sqlite3 (the defaults of `mock-thaid` and
`lhr-demo` run from this folder, so `.venv/bin/lhr-demo logins` reads the demo's data);
DEMO_VAR moves that folder (the tests use a temporary one).

`make classroom` (CLASSROOM=1): both apps on the LAN address phones use (found, or DEMO_HOST),
the mock in classroom mode with a control token (printed), LHR's redirect URI on that address.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

import thaid_sandbox_data

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo: {url} did not start (exit code {proc.returncode}); see the lines above")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"demo: {url} did not answer within {timeout:.0f} s")


def port_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"demo: {name} must be a port number (1-65535), not {raw!r}")
    return int(raw)


def lhr_redirect_uris(lhr_port: int, host: str = "127.0.0.1") -> list[str]:
    uris = [f"http://{host}:{lhr_port}/auth/thaid/callback"]
    return uris + [f"http://127.0.0.1:{lhr_port}/auth/thaid/callback", f"http://localhost:{lhr_port}/auth/thaid/callback"]


def classroom_host() -> str:
    from mock_thaid.lan import lan_address

    host = os.environ.get("DEMO_HOST") or lan_address()
    if not host:
        raise SystemExit("demo: no LAN address found for the classroom; set DEMO_HOST=<address phones use>")
    return host


def var_dir() -> Path:
    return Path(os.environ.get("DEMO_VAR") or ROOT / "var").resolve()


def demo_clients_file(lhr_port: int, host: str = "127.0.0.1") -> Path:
    """The shipped clients file with lhr-demo registered at LHR's port (used at seed and reset)."""
    doc = yaml.safe_load(thaid_sandbox_data.path("clients.yaml").read_text(encoding="utf-8"))
    for c in doc["clients"]:
        if c["client_id"] == "lhr-demo":
            c["redirect_uris"] = list(dict.fromkeys(lhr_redirect_uris(lhr_port, host)))
    out = var_dir() / "demo-clients.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Written by tools/demo.py from the shipped clients.yaml (LHR_PORT applied). Do not edit.\n"
                   + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def register_lhr(mock_url: str, clients_file: Path, token: str = "") -> None:
    """A database kept from an earlier demo still has lhr-demo's old redirect URI: update it."""
    client = next(c for c in yaml.safe_load(clients_file.read_text("utf-8"))["clients"]
                  if c["client_id"] == "lhr-demo")
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    req = urllib.request.Request(mock_url + "/_mock/clients", data=json.dumps(client).encode(), method="POST",
                                 headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201


def class_plan_lines(people: list[dict], today: str) -> list[str]:
    """Who to register first (everything passes) and who shows which failure, from the shipped data."""
    from mock_thaid import classplan
    from mock_thaid.messages import MESSAGES

    facts = [classplan.Person(p["pid"], bool(p.get("registered")), p.get("date_of_expiry", ""),
                              p.get("face", "pass"), p.get("fingerprint", "pass")) for p in people]
    plan = classplan.plan(facts, today)
    by_pid = {p["pid"]: p for p in people}

    def who(pid: str) -> str:
        p = by_pid[pid]
        return f"{pid}  {p['title']}{p['given_name']} {p['family_name']}"

    lines = ["for a class (trainer console: /_mock/trainer/, with a printable handout):",
             "  register first, everything passes (self-registration in the app):"]
    lines += [f"    {who(r.pid)}" for r in plan.happy] or ["    nobody: untick people on the trainer console"]
    lines.append("  failure demos (not registered yet):")
    lines += [f"    {who(r.pid)}  - {MESSAGES['plan_kind_' + r.kind][1]}" for r in plan.failures]
    return lines


def print_class_plan(people: list[dict]) -> None:
    from mock_thaid.domain.dates import bangkok_day

    print("\n".join(class_plan_lines(people, bangkok_day(time.time()).isoformat())))


def main() -> int:
    port = port_from_env("MOCK_PORT", 8000)
    lhr_port = port_from_env("LHR_PORT", 5001)
    classroom = os.environ.get("CLASSROOM", "") not in ("", "0")
    host = classroom_host() if classroom else "127.0.0.1"
    mock_url = f"http://{host}:{port}"
    lhr_url = f"http://{host}:{lhr_port}"
    local_mock = f"http://127.0.0.1:{port}"  # the launcher's own calls stay on this machine
    var = var_dir()
    default_var = var == (ROOT / "var").resolve()
    env = dict(os.environ)
    clients_file = demo_clients_file(lhr_port, host)
    env.setdefault("MOCK_THAID_CLIENTS_FILE", str(clients_file))
    mock_args = ["--port", str(port)]
    token = ""
    import secrets

    officer_password = env.setdefault("MOCK_THAID_OFFICER_PASSWORD", "officer-" + secrets.token_hex(4))
    if classroom:
        token = env.setdefault("MOCK_THAID_CONTROL_TOKEN", secrets.token_urlsafe(18))
        mock_args += ["--classroom", "--public-url", mock_url]
    env.setdefault("MOCK_THAID_DATABASE_URL", f"sqlite:///{var / 'mock_thaid.sqlite3'}")
    lhr_db = os.environ.get("LHR_DATABASE_URL") or f"sqlite:///{var / 'lhr_demo.sqlite3'}"
    procs = [subprocess.Popen([PY, "-m", "mock_thaid.cli", "serve", *mock_args], cwd=ROOT, env=env)]
    try:
        wait_for(local_mock + "/healthz", procs[0])
        register_lhr(local_mock, clients_file, token)
        lhr_env = dict(os.environ, LHR_THAID_ISSUER=mock_url, LHR_REDIRECT_URI=lhr_redirect_uris(lhr_port, host)[0],
                       LHR_DATABASE_URL=lhr_db, LHR_UPLOAD_DIR=os.environ.get("LHR_UPLOAD_DIR") or str(var / "uploads"))
        if classroom:
            lhr_env["LHR_THAID_BACKCHANNEL_URL"] = local_mock
        procs.append(subprocess.Popen([PY, "-m", "lhr_demo.cli", "serve", "--port", str(lhr_port),
                                       "--host", "0.0.0.0" if classroom else "127.0.0.1"], cwd=ROOT, env=lhr_env))
        wait_for(f"http://127.0.0.1:{lhr_port}/healthz", procs[-1], timeout=90)
        people = yaml.safe_load(thaid_sandbox_data.path("citizens.yaml").read_text(encoding="utf-8"))["citizens"]
        from mock_thaid.settings import Settings

        pin = Settings.from_env().demo_pin
        rel_bin = os.path.relpath(BIN, ROOT) if BIN.resolve().is_relative_to(ROOT) else str(BIN)
        logins = ("" if default_var and "LHR_DATABASE_URL" not in os.environ else f"LHR_DATABASE_URL={lhr_db} ") \
            + f"{rel_bin}/lhr-demo logins"
        print("\n=== ThaiD sandbox demo (MOCK — not the real service) ===")
        print(f"mock ThaiD (issuer):   {mock_url}")
        print(f"  discovery:           {mock_url}/.well-known/openid-configuration")
        print(f"  RP admin:            {mock_url}/_mock/admin/")
        print(f"  trainer console:     {mock_url}/_mock/trainer/")
        print(f"  try a login:         {mock_url}/api/v2/oauth2/auth/?response_type=code&client_id=demo-rp"
              f"&redirect_uri={mock_url}/_mock/callback&scope=openid%20pid%20name&state=demo")
        print("                       (ends on a page with the code and a ready curl for the token request)")
        print(f"LHR demo (ระบบสาธิต):  {lhr_url}   (open 127.0.0.1, not localhost: the registered redirect URI)")
        print("  owner 1057830862719 · HR officer 3492913465359 · district supervisor 3437750920511 · "
              f"provincial supervisor 3255231646671")
        print(f"  every demo login:    {logins}")
        print(f"demo PIN (every registered person): {pin}")
        print(f"officer console:       {mock_url}/officer/   password (this start): {officer_password}")
        if classroom:
            print(f"CLASSROOM: phones open {mock_url}/app/ (QR on the trainer console); "
                  f"control token for the trainer's pages: {token}")
        print("test logins (synthetic people):")
        for p in [q for q in people if q.get("registered")][:5]:
            print(f"  {p['pid']}  {p['title']}{p['given_name']} {p['family_name']} / "
                  f"{p['title_en']} {p['given_name_en']} {p['family_name_en']}")
        print_class_plan(people)
        print(f"console scripts: {rel_bin}/mock-thaid --help · {rel_bin}/lhr-demo --help "
              f"(or `. {rel_bin}/activate` first)")
        print("Ctrl-C to stop.\n", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())

"""`make demo`: start the mock and the LHR demo on localhost, seeded, and print their URLs
and test logins. Ctrl-C stops everything. Ports: MOCK_PORT (8000), LHR_PORT (5001).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo: {url} did not start (exit code {proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"demo: {url} did not answer within {timeout:.0f} s")


def main() -> int:
    port = int(os.environ.get("MOCK_PORT", "8000"))
    mock_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.setdefault("MOCK_THAID_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'demo-mock.sqlite3'}")
    procs = [subprocess.Popen([PY, "-m", "mock_thaid.cli", "serve", "--port", str(port)], cwd=ROOT, env=env)]
    try:
        wait_for(mock_url + "/.well-known/openid-configuration", procs[0])
        lhr_port = int(os.environ.get("LHR_PORT", "5001"))
        lhr_url = f"http://127.0.0.1:{lhr_port}"
        lhr_env = dict(os.environ, LHR_THAID_ISSUER=mock_url,
                       LHR_DATABASE_URL=os.environ.get("LHR_DATABASE_URL",
                                                       f"sqlite:///{ROOT / 'var' / 'demo-lhr.sqlite3'}"))
        procs.append(subprocess.Popen([PY, "-m", "lhr_demo.cli", "serve", "--port", str(lhr_port)],
                                      cwd=ROOT, env=lhr_env))
        wait_for(lhr_url + "/", procs[-1], timeout=60)
        people = yaml.safe_load((ROOT / "data" / "citizens.yaml").read_text(encoding="utf-8"))["citizens"]
        from mock_thaid.settings import Settings

        pin = Settings.from_env().demo_pin
        print("\n=== ThaiD sandbox demo (MOCK — not the real service) ===")
        print(f"mock ThaiD (issuer):   {mock_url}")
        print(f"  discovery:           {mock_url}/.well-known/openid-configuration")
        print(f"  RP admin:            {mock_url}/_mock/admin/")
        print(f"  try a login:         {mock_url}/api/v2/oauth2/auth/?response_type=code&client_id=demo-rp"
              "&redirect_uri=http://127.0.0.1:8080/callback&scope=openid%20pid%20name&state=demo")
        print(f"LHR demo (ระบบสาธิต):  {lhr_url}   (open 127.0.0.1, not localhost: the registered redirect URI)")
        print("  owner 1057830862719 · HR officer 3492913465359 · district supervisor 3437750920511 · "
              "provincial supervisor 3255231646671   (all: python -m lhr_demo.cli logins)")
        print(f"demo PIN (every registered person): {pin}")
        print("test logins (synthetic people):")
        for p in [q for q in people if q.get("registered")][:5]:
            print(f"  {p['pid']}  {p['title']}{p['given_name']} {p['family_name']} / "
                  f"{p['title_en']} {p['given_name_en']} {p['family_name_en']}")
        unreg = [q for q in people if not q.get("registered")][:2]
        print("not yet registered (cannot approve a login): " + ", ".join(q["pid"] for q in unreg))
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

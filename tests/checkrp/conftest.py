"""One stack for the check-rp tests: the real mock (live, in a thread), the real LHR demo (its
own CLI in a subprocess, as tests/test_scenarios_lhr.py starts it) and three small Flask RPs on
waitress threads — two broken on purpose, one on Authlib, and one whose login button works
with JavaScript only (for the browser driver). Every RP is registered at the
mock with its own client_id and its callback on its random port."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import yaml
from conftest import free_port, start_live, stop_server, wait_until_up
from waitress.server import create_server

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the small RPs beside this file: lax_rp, crashy_rp, authlib_rp
    sys.path.append(str(HERE))  # appended, never first: tests/conftest.py must stay "conftest" for every suite
LHR_CALLBACK = "/auth/thaid/callback"


@dataclass
class RP:
    name: str
    url: str
    client_id: str
    app: object = None
    """The Flask app, for the RPs that run in this process."""


class ThreadedRP:
    """A Flask RP on 127.0.0.1, port 0: bound first, so its redirect URI can name its port."""

    def __init__(self, name: str) -> None:
        self.name, self.holder = name, {}
        self.server = create_server(lambda env, start: self.holder["app"](env, start),
                                    host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.client_id = f"checkrp-{name}"
        self.secret = f"{name}-secret-TEST-ONLY-{secrets.token_hex(4)}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, factory, issuer: str) -> RP:
        self.holder["app"] = factory(issuer, self.client_id, self.secret, self.url + "/callback")
        self.thread.start()
        return RP(self.name, self.url, self.client_id, self.holder["app"])

    def client(self) -> dict:
        return {"client_id": self.client_id, "client_secret": self.secret, "name": f"check-rp {self.name}",
                "name_en": f"check-rp {self.name}", "redirect_uris": [self.url + "/callback"],
                "scopes": ["openid", "pid", "name"]}

    def close(self) -> None:
        stop_server(self.server, self.thread)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    import authlib_rp
    import crashy_rp
    import js_rp
    import lax_rp

    tmp = tmp_path_factory.mktemp("checkrp")
    t0 = time.perf_counter()
    lhr_port = free_port()
    lhr_url = f"http://127.0.0.1:{lhr_port}"
    rps = {name: ThreadedRP(name) for name in ("lax", "crashy", "authlib", "authlib-fixed", "js")}
    data = yaml.safe_load((ROOT / "data" / "clients.yaml").read_text(encoding="utf-8"))
    lhr = next(c for c in data["clients"] if c["client_id"] == "lhr-demo")
    lhr["redirect_uris"].append(lhr_url + LHR_CALLBACK)
    data["clients"] += [rp.client() for rp in rps.values()]
    clients = tmp / "clients.yaml"
    clients.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    mock = start_live(clients_file=str(clients), qr_page="redirect")  # the real default: 302 to a QR page
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LHR_", "MOCK_THAID_", "THAID_"))}
    env.update(LHR_DATABASE_URL=f"sqlite:///{tmp / 'lhr.sqlite3'}", LHR_THAID_ISSUER=mock.url,
               LHR_CLIENT_ID="lhr-demo", LHR_CLIENT_SECRET="lhr-demo-secret-TEST-ONLY",
               LHR_REDIRECT_URI=lhr_url + LHR_CALLBACK, LHR_GO_LIVE="2025-11-01",
               LHR_UPLOAD_DIR=str(tmp / "uploads"), LHR_SECRET_KEY="pytest-checkrp-lhr-TEST-ONLY")
    log = tmp / "lhr.log"
    with log.open("w") as out:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen([sys.executable, "-m", "lhr_demo.cli", "serve", "--port", str(lhr_port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        started = {"lax": rps["lax"].start(lax_rp.create_app, mock.url),
                   "crashy": rps["crashy"].start(crashy_rp.create_app, mock.url),
                   "authlib": rps["authlib"].start(authlib_rp.create_app, mock.url),
                   "authlib-fixed": rps["authlib-fixed"].start(partial(authlib_rp.create_app, fix_expires_in=True),
                                                               mock.url),
                   "js": rps["js"].start(js_rp.create_app, mock.url)}
        wait_until_up(lhr_url + "/healthz", proc, log, what="LHR")
        yield {"mock": mock.url, "lhr": RP("lhr", lhr_url, "lhr-demo"), **started, "tmp": tmp,
               "started": time.perf_counter() - t0}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        for rp in rps.values():
            rp.close()
        mock.close()

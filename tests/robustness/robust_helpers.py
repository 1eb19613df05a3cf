"""Helpers for the robustness tests: real server subprocesses that can be killed with SIGKILL
and restarted on the same files, HTTP clients for the mock's login, token and enrolment
APIs, and direct (read-only) checks of the SQLite files between runs.

Every request goes to 127.0.0.1 and has a timeout.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from conftest import free_port  # noqa: F401  (the crash tests take it from here)

from mock_thaid import pid as pidmod
from mock_thaid.domain import machine
from mock_thaid.pin import DEFAULT_POLICY

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30  # seconds, every HTTP request: a hang detector, not a speed target (CI machines are shared)
DEMO_RP = {"client_id": "demo-rp", "client_secret": "demo-rp-secret-TEST-ONLY",
           "redirect_uri": "http://127.0.0.1:8080/callback"}
DEMO_PIN = "13572468"
IAL_SELF, IAL_OFFICER = "2.1", "2.3"


# --- processes ----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (gunicorn's workers), from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def wait_ok(url: str, deadline_s: float = 30) -> None:
    deadline = time.time() + deadline_s
    while True:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        if time.time() > deadline:
            raise AssertionError(f"{url} did not come up")
        time.sleep(0.05)


class Server:
    """A server subprocess in its own process group; :meth:`kill9` is a real SIGKILL."""

    def __init__(self, args: list[str], *, env: dict | None = None, log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> str:
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=logf,
                                     text=True, start_new_session=True)
        logf.close()
        lines = []
        for _ in range(5):  # the LHR demo says "seeded ..." first
            lines.append(self.proc.stdout.readline())
            if m := re.search(r"serving (http://\S+)", lines[-1]):
                return m.group(1)
        raise AssertionError(f"no 'serving' line: {lines!r}; see {self.log}")

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)] if self.proc else []

    def kill9(self) -> int:
        """SIGKILL the server and every worker it forked (no shutdown handler runs); how many."""
        pids = self.pids()
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        self._reap(pids)
        self.kills += 1
        self.proc = None
        return len(pids)

    @staticmethod
    def _reap(pids: list[int]) -> None:
        deadline = time.time() + 10
        for p in pids:
            while time.time() < deadline and Path(f"/proc/{p}").exists():
                try:  # a zombie worker whose parent is gone is reaped by init; wait until it is
                    if Path(f"/proc/{p}/stat").read_text().split(") ")[1].startswith("Z"):
                        break
                except (OSError, IndexError):
                    break
                time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        pids = self.pids()
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


def mock_server(db: Path, *, workers: int, log: Path, port: int = 0, extra: tuple[str, ...] = ()) -> Server:
    return Server([sys.executable, "-m", "mock_thaid.cli", "serve", "--port", str(port), "--workers", str(workers),
                   "--threads", "16", "--database-url", f"sqlite:///{db}", "--pin-kdf-n", "1024",
                   "--ial-self", IAL_SELF, "--ial-officer", IAL_OFFICER, *extra], log=log)


def lhr_server(db: Path, uploads: Path, *, port: int, issuer: str, client_id: str, client_secret: str,
               log: Path) -> Server:
    env = {**os.environ, "LHR_DATABASE_URL": f"sqlite:///{db}", "LHR_UPLOAD_DIR": str(uploads),
           "LHR_THAID_ISSUER": issuer, "LHR_CLIENT_ID": client_id, "LHR_CLIENT_SECRET": client_secret,
           "LHR_REDIRECT_URI": f"http://127.0.0.1:{port}/auth/thaid/callback", "LHR_GO_LIVE": "2025-11-01",
           "LHR_SECRET_KEY": "robustness-TEST-ONLY"}
    return Server([sys.executable, "-m", "lhr_demo.cli", "serve", "--port", str(port), "--threads", "12"],
                  env=env, log=log)


# --- people and PINs ----------------------------------------------------------------------------

def new_pids(n: int, rng: random.Random, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        p = pidmod.generate(rng)
        if p not in taken and p not in out:
            out.append(p)
    return out


def new_pin(rng: random.Random) -> str:
    while True:
        pin = "".join(rng.choice("0123456789") for _ in range(8))
        if DEFAULT_POLICY.is_ok(pin) and pin != DEMO_PIN:
            return pin


def add_citizen(url: str, pid: str, *, registered: bool = False, http=requests) -> requests.Response:
    return http.post(url + "/_mock/citizens", timeout=TIMEOUT, json={
        "pid": pid, "given_name": "ทดสอบ" + pid[-4:], "family_name": "ทนทาน", "given_name_en": "Robust",
        "family_name_en": "T" + pid[-4:], "date_of_expiry": "2031-01-01", "registered": registered})


# --- enrolment (JSON API) -----------------------------------------------------------------------

class EnrolFailed(AssertionError):
    pass


@dataclass
class Enrolment:
    """One registration through /_mock/api/enrol; ``acked`` is the last step the server answered 2xx."""
    pid: str
    pin: str
    channel: str = "self"
    id: str | None = None
    acked: str | None = None
    answers: list[tuple[str, int]] = field(default_factory=list)
    final: dict | None = None
    _qr: str = ""

    def post(self, url: str, path: str, body: dict, http) -> dict:
        r = http.post(url + "/_mock/api/enrol" + path, json=body, timeout=TIMEOUT)
        action = path.rsplit("/", 1)[-1] or "start"
        self.answers.append((action, r.status_code))
        if not 200 <= r.status_code < 300:
            raise EnrolFailed(f"{action}: {r.status_code} {r.text[:300]}")
        data = r.json()
        self.id, self.acked, self.final = data["id"], data["step"], data
        return data

    def run(self, url: str, http=requests, *, until: str | None = None, before_pin=None) -> dict:
        """Every step of the channel's path; ``until`` stops after that action."""
        for action, path, body in self.plan():
            if action == "pin" and before_pin is not None:
                before_pin()
            if body is None:
                body = {"token": self._qr}
            data = self.post(url, path.format(id=self.id), body, http)
            if action == "officer/fingerprint":
                self._qr = data["qr"]["token"]
            if until == action:
                break
        return self.final

    def plan(self):
        if self.channel == "self":
            yield "start", "", {"channel": "self", "accept_terms": True}
            yield "card", "/{id}/card", {"sample": self.pid}
            yield "check", "/{id}/check", {}
            yield "selfie", "/{id}/selfie", {}
        else:
            yield "start", "", {"channel": "officer", "accept_terms": True}
            yield "pid", "/{id}/pid", {"pid": self.pid}
            yield "officer/card-check", "/{id}/officer/card-check", {}
            yield "officer/fingerprint", "/{id}/officer/fingerprint", {}
            yield "scan-qr", "/{id}/scan-qr", None  # the token the fingerprint step answered
        yield "pin", "/{id}/pin", {"pin": self.pin, "pin_confirm": self.pin}
        yield "consent", "/{id}/consent", {"pin": self.pin}


# --- logins and tokens --------------------------------------------------------------------------

def authorize_auto(url: str, pid: str, n: int, http=requests, scope: str = "openid pid ial") -> str:
    """X-Mock-Persona login: the code the mock redirected with."""
    r = http.get(url + "/api/v2/oauth2/auth/", allow_redirects=False, timeout=TIMEOUT,
                 headers={"X-Mock-Persona": pid},
                 params={"response_type": "code", "client_id": DEMO_RP["client_id"],
                         "redirect_uri": DEMO_RP["redirect_uri"], "scope": scope, "state": f"s{n}", "nonce": f"n{n}"})
    assert r.status_code == 302, (r.status_code, r.text[:300])
    q = parse_qs(urlsplit(r.headers["Location"]).query)
    assert q["state"] == [f"s{n}"]
    return q["code"][0]


def exchange(url: str, code: str, http=requests) -> requests.Response:
    return http.post(url + "/api/v2/oauth2/token/", auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]),
                     data={"grant_type": "authorization_code", "code": code, "redirect_uri": DEMO_RP["redirect_uri"]},
                     timeout=TIMEOUT)


def refresh(url: str, token: str, http=requests) -> requests.Response:
    return http.post(url + "/api/v2/oauth2/token/", auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]),
                     data={"grant_type": "refresh_token", "refresh_token": token}, timeout=TIMEOUT)


def introspect(url: str, token: str, http=requests) -> dict:
    r = http.post(url + "/api/v2/oauth2/introspect/", auth=(DEMO_RP["client_id"], DEMO_RP["client_secret"]),
                  data={"token": token}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def id_claims(token_body: dict) -> dict:
    return jwt.decode(token_body["id_token"], options={"verify_signature": False})


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Phone:
    """A QR login opened on a phone held by ``pid`` (the app page, with its PIN form)."""

    def __init__(self, url: str, pid: str, n: int = 0, scope: str = "openid pid ial") -> None:
        self.url, self.pid = url, pid
        self.http = requests.Session()
        page = self.http.get(url + "/api/v2/oauth2/auth/", headers={"Accept": "text/html"}, timeout=TIMEOUT, params={
            "response_type": "code", "client_id": DEMO_RP["client_id"], "redirect_uri": DEMO_RP["redirect_uri"],
            "scope": scope, "state": f"p{n}", "nonce": f"pn{n}"}).text
        self.status_url = url + re.search(r'data-status-url="([^"]+)"', page).group(1)
        self.app_path = urlsplit(re.search(r'id="app-link" href="([^"]+)"', page).group(1)).path
        self.csrf = CSRF.search(self.http.get(url + self.app_path, timeout=TIMEOUT).text).group(1)
        r = self.http.post(url + self.app_path + "/whoami", data={"pid": pid, "csrf_token": self.csrf}, timeout=TIMEOUT)
        assert r.ok or r.status_code == 423, r.status_code  # 423: the app shows a locked account's lock at once

    def enter_pin(self, pin: str) -> int:
        return self.http.post(self.url + self.app_path, timeout=TIMEOUT,
                              data={"csrf_token": self.csrf, "decision": "approve", "pin": pin}).status_code

    def code(self) -> str:
        st = self.http.get(self.status_url, timeout=TIMEOUT).json()
        assert st["status"] == "approved", st
        return parse_qs(urlsplit(st["redirect"]).query)["code"][0]


def pin_login(url: str, pid: str, pin: str) -> dict:
    """Log in through the app page with ``pin``; the ID token's claims (raises when refused)."""
    phone = Phone(url, pid)
    status = phone.enter_pin(pin)
    assert status == 200, f"PIN refused for {pid}: {status}"
    r = exchange(url, phone.code())
    assert r.status_code == 200, r.text[:300]
    return id_claims(r.json())


def citizen(url: str, pid: str) -> dict:
    r = requests.get(url + f"/_mock/citizens/{pid}", timeout=TIMEOUT)
    assert r.status_code == 200, r.text[:300]
    return r.json()


# --- the database files, read directly while no server runs --------------------------------------

def crash_copy(path: Path) -> Path:
    """A copy of the database file and its WAL as a killed server left them (the -shm index is
    rebuilt), so the checks recover the copy and the restarted server recovers the original."""
    dst = path.with_name(path.name + f".check{time.monotonic_ns()}")
    shutil.copyfile(path, dst)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, dst.with_name(dst.name + "-wal"))
    return dst


def integrity(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` and ``foreign_key_check``: problems (empty when sound)."""
    con = sqlite3.connect(path)
    try:
        out = [r[0] for r in con.execute("PRAGMA integrity_check")]
        problems = [] if out == ["ok"] else out
        problems += [f"foreign key: {r}" for r in con.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        con.close()


def mock_invariants(path: Path) -> list[str]:
    """States the mock's tables can never be in, whatever was interrupted."""
    con = sqlite3.connect(path)
    bad: list[str] = []
    try:
        con.row_factory = sqlite3.Row
        accounts = {r["pid"]: r for r in con.execute("SELECT * FROM accounts")}
        citizens = {r[0] for r in con.execute("SELECT pid FROM citizens")}
        bad += [f"account {p} without a citizen" for p in set(accounts) - citizens]
        bad += [f"account {p} with an empty PIN hash" for p, a in accounts.items() if not a["pin_hash"]]
        bad += [f"account {p} with channel {a['channel']!r}" for p, a in accounts.items()
                if a["channel"] not in machine.CHANNELS]
        self_steps = set(machine.SELF_PATH) | {machine.CARD_OWNER}
        officer_steps = set(machine.OFFICER_PATH)
        needs_pid = {machine.CARD_CHECK, machine.SELFIE, machine.PIN, machine.CONSENT, machine.DONE,
                     machine.AT_OFFICER, machine.FINGERPRINT, machine.SCAN_QR}
        images = {r[0] for r in con.execute("SELECT DISTINCT enrolment_id FROM enrolment_images")}
        for e in con.execute("SELECT * FROM enrolments"):
            tag = f"enrolment {e['ref']} at {e['step']!r}"
            if e["step"] not in machine.STEPS:
                bad.append(tag + ": unknown step")
                continue
            if e["step"] in machine.TERMINAL:
                if e["finished_at"] is None:
                    bad.append(tag + ": ended without finished_at")
                if e["id"] in images:
                    bad.append(tag + ": ended but its photos are still stored")
            elif e["finished_at"] is not None:
                bad.append(tag + ": open with finished_at")
            if e["step"] in needs_pid and not e["pid"]:
                bad.append(tag + ": no PID")
            if e["step"] in (machine.CONSENT, machine.DONE) and e["pid"] not in accounts:
                bad.append(tag + ": past the PIN step but the citizen has no account")
            if e["channel"] == "self" and e["step"] not in self_steps | machine.TERMINAL:
                bad.append(tag + ": not a step of the self path")
            if e["channel"] == "officer" and e["step"] not in officer_steps | machine.TERMINAL:
                bad.append(tag + ": not a step of the officer path")
            if not e["channel"] and e["step"] not in (machine.CAMERA, machine.CHOOSE, machine.ABANDONED):
                bad.append(tag + ": no channel")
        codes = {r["code"]: r for r in con.execute("SELECT * FROM auth_codes")}
        for t in con.execute("SELECT * FROM tokens"):
            c = codes.get(t["family"])
            if c is None:
                bad.append(f"token {t['token'][:8]} of an unknown code family")
            elif c["used_at"] is None:
                bad.append(f"token {t['token'][:8]} issued from a code that is not marked used")
            elif c["pid"] != t["pid"]:
                bad.append(f"token {t['token'][:8]} for {t['pid']} issued from a code of {c['pid']}")
        for ls in con.execute("SELECT * FROM login_sessions WHERE status = 'approved'"):
            if not ls["pid"] or not ls["finished_url"]:
                bad.append(f"login {ls['ref']} approved without a person or a redirect")
            else:
                code = parse_qs(urlsplit(ls["finished_url"]).query).get("code", [""])[0]
                if codes.get(code) is None or codes[code]["pid"] != ls["pid"]:
                    bad.append(f"login {ls['ref']} approved with a code that is not stored for its person")
    finally:
        con.close()
    return bad


# --- the LHR demo, live -------------------------------------------------------------------------

def evidence(rng: random.Random, n: int) -> list[tuple[str, bytes, str]]:
    """``n`` genuine, distinct evidence files: (name, bytes, mime)."""
    import io

    from PIL import Image, ImageDraw

    out = []
    for i in range(n):
        kind = rng.choice(("pdf", "png", "jpg"))
        im = Image.new("RGB", (rng.randint(120, 220), rng.randint(80, 160)),
                       (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        ImageDraw.Draw(im).text((8, 8), f"evidence {rng.getrandbits(64):x}", fill="black")
        buf = io.BytesIO()
        im.save(buf, {"pdf": "PDF", "png": "PNG", "jpg": "JPEG"}[kind])
        mime = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}[kind]
        out.append((f"หลักฐาน-{i}.{kind}", buf.getvalue(), mime))
    return out


class LHRUser:
    """A browser on the live LHR demo, logged in with the mock's auto-login (X-Mock-Persona)."""

    def __init__(self, lhr_url: str, pid: str) -> None:
        self.url, self.pid = lhr_url, pid
        self.http = requests.Session()
        self.token = ""

    def login(self) -> None:
        start = self.http.get(self.url + "/auth/thaid/login", allow_redirects=False, timeout=TIMEOUT)
        assert start.status_code == 302, start.status_code
        answer = requests.get(start.headers["Location"], headers={"X-Mock-Persona": self.pid},
                              allow_redirects=False, timeout=TIMEOUT)
        assert answer.status_code == 302, answer.text[:300]
        back = self.http.get(answer.headers["Location"], allow_redirects=False, timeout=TIMEOUT)
        assert back.status_code == 302, (back.status_code, back.text[:500])
        self.refresh_csrf()

    def refresh_csrf(self) -> None:
        page = self.http.get(self.url + "/me/record", timeout=TIMEOUT)
        assert page.status_code == 200, page.status_code
        self.token = CSRF.search(page.text).group(1)

    def submit(self, files: list[tuple[str, bytes, str]], detail: str) -> requests.Response:
        """A request to add an ABILITY row, with ``files`` as evidence (multipart), submitted."""
        return self.http.post(self.url + "/me/requests/new", allow_redirects=False, timeout=TIMEOUT, data={
            "csrf_token": self.token, "section": "ABILITY", "row": "missing", "action": "submit",
            "reason": "เพิ่มความสามารถพิเศษ (ทดสอบความทนทาน)", "f_field": "ภาษา", "f_detail": detail},
            files=[("evidence", f) for f in files])

"""Issue 8, items 2 and 3 (the LHR demo): correction requests with evidence filed concurrently
by several owners (with page views, whose audit entries interleave), and SIGKILL of the LHR
server in the middle of that, three times, restarting on the same database and upload folder.

Acknowledged = the server answered the form with its 302 to the new request. After every kill
(on the files as the kill left them) and after every restart (over HTTP):
- every acknowledged request is there, submitted, with exactly its evidence, each file present
  and matching its SHA-256, and downloadable by its owner;
- no attachment row without its file; files without a row only from unanswered submissions;
- a request that exists is whole: its events, its audit entries, all its attachments;
- the audit chain verifies (``python -m lhr_demo.cli audit-verify`` exits 0).
The mock is in-process (tests/conftest.py ``start_live``); only LHR is killed.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml
from conftest import start_live

from lhr_demo import uploads
from robust_helpers import (ROOT, TIMEOUT, LHRUser, crash_copy, evidence, free_port, integrity, lhr_server, wait_ok)

pytestmark = pytest.mark.live

CLIENT_ID, CLIENT_SECRET = "lhr-robust", "lhr-robust-secret-TEST-ONLY"
SCOPES = ["openid", "pid", "name", "name_en", "title", "given_name", "family_name"]
CYCLES = 3
REGISTERED = {str(c["pid"]) for c in yaml.safe_load((ROOT / "data" / "citizens.yaml").read_text())["citizens"]
              if c.get("registered")}
RID = re.compile(r"/me/requests/([A-Za-z0-9_-]+)$")


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    # A database file: the in-memory default of the test fixture shares one connection between
    # waitress's threads, which concurrent logins through several LHR threads would trip over.
    live = start_live(database_url=f"sqlite:///{tmp_path_factory.mktemp('lhr-mock') / 'mock.sqlite3'}")
    yield live
    live.close()


class LHR:
    """One LHR demo subprocess on a fixed port, database and upload folder (restartable)."""

    def __init__(self, mock, folder: Path) -> None:
        self.folder, self.db, self.uploads = folder, folder / "lhr.sqlite3", folder / "uploads"
        self.port = free_port()
        r = requests.post(mock.url + "/_mock/clients", timeout=TIMEOUT, json={
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": SCOPES,
            "redirect_uris": [f"http://127.0.0.1:{self.port}/auth/thaid/callback"]})
        assert r.status_code == 201, r.text
        self.server = lhr_server(self.db, self.uploads, port=self.port, issuer=mock.url, client_id=CLIENT_ID,
                                 client_secret=CLIENT_SECRET, log=folder / "lhr.log")
        self.url = ""

    def start(self) -> str:
        self.url = self.server.start()
        wait_ok(self.url + "/privacy")
        return self.url

    def owners(self, n: int) -> list[str]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            persons = {r[0] for r in con.execute("SELECT pid FROM person")}
        finally:
            con.close()
        return sorted(REGISTERED & persons)[:n]


@dataclass
class Attempt:
    pid: str
    tag: str
    files: list  # (name, sha256, size)
    rid: str | None = None  # set when the 302 was received


@dataclass
class Ledger:
    attempts: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cut_off: int = 0
    checked: int = 0

    @property
    def acked(self) -> list[Attempt]:
        return [a for a in self.attempts if a.rid]


def audit_verify(db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lhr_demo.cli", "audit-verify"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "LHR_DATABASE_URL": f"sqlite:///{db}"})


def check_files(db: Path, upload_dir: Path, ledger: Ledger) -> dict:
    """The database (a crash copy or the live file) against the upload folder and the ledger."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        reqs = {r["public_id"]: r for r in con.execute("SELECT * FROM correction_request")}
        atts: dict[int, list] = {}
        for a in con.execute("SELECT * FROM attachment ORDER BY id"):
            atts.setdefault(a["request_id"], []).append(a)
        events = Counter((e["request_id"], e["action"]) for e in con.execute("SELECT * FROM correction_event"))
        audits = Counter((a["action"], a["object_id"]) for a in con.execute("SELECT action, object_id FROM audit_log"))
        rows_by_sha = {a["sha256"] for rows in atts.values() for a in rows}
    finally:
        con.close()
    # No attachment row without its file, and every stored file is whole.
    for sha in rows_by_sha:
        assert uploads.load(upload_dir, sha), sha
    # Every acknowledged request: there, submitted, exactly its evidence.
    by_tag = {json.loads(r["proposed"]).get("detail"): r for r in reqs.values()}
    for a in ledger.acked:
        req = reqs.get(a.rid)
        assert req is not None, f"acknowledged request {a.rid} lost"
        assert req["status"] == "SUBMITTED" and json.loads(req["proposed"])["detail"] == a.tag
        assert sorted(x["sha256"] for x in atts.get(req["id"], [])) == sorted(f[1] for f in a.files)
    # Any request that exists (acknowledged or not) is whole: events, audit entries, attachments.
    attempts = {a.tag: a for a in ledger.attempts}
    for tag, req in by_tag.items():
        a = attempts.get(tag)
        assert a is not None, tag
        assert sorted(x["sha256"] for x in atts.get(req["id"], [])) == sorted(f[1] for f in a.files), tag
        assert events[(req["id"], "create")] == 1 and events[(req["id"], "submit")] == 1, tag
        assert audits[("REQUEST_CREATED", req["public_id"])] == 1 and audits[("REQUEST_SUBMITTED", req["public_id"])] == 1
        assert sum(audits[("ATTACHMENT_ADDED", x["public_id"])] for x in atts.get(req["id"], [])) == len(a.files)
    # Files without a row come only from submissions that were never answered.
    unanswered = {f[1] for a in ledger.attempts if not a.rid for f in a.files}
    stored = {p.name for p in upload_dir.glob("*/*") if re.fullmatch(r"[0-9a-f]{64}", p.name)}
    orphans = stored - rows_by_sha
    assert orphans <= unanswered, orphans - unanswered
    temps = [p for p in upload_dir.glob("*/*") if ".tmp" in p.name]
    return {"requests": len(reqs), "orphan_files": len(orphans), "temp_files": len(temps),
            "acked": len(ledger.acked)}


def owner_load(lhr_url: str, pid: str, ledger: Ledger, stop: threading.Event, rng: random.Random, view: bool):
    user = LHRUser(lhr_url, pid)
    try:
        user.login()
        while not stop.is_set():
            if view:  # page views: audit entries written between the submissions' own
                r = user.http.get(lhr_url + "/me/requests/", timeout=TIMEOUT)
                assert r.status_code == 200, r.status_code
                continue
            files = evidence(rng, rng.randint(1, 3))
            attempt = Attempt(pid, f"robust-{rng.getrandbits(48):x}",
                              [(n, hashlib.sha256(b).hexdigest(), len(b)) for n, b, _ in files])
            with ledger.lock:
                ledger.attempts.append(attempt)
            r = user.submit(files, attempt.tag)
            assert r.status_code == 302, (r.status_code, r.text[:500])
            attempt.rid = RID.search(r.headers["Location"]).group(1)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
        with ledger.lock:
            ledger.cut_off += 1


def verify_over_http(lhr_url: str, lhr: LHR, ledger: Ledger) -> int:
    """Each owner sees each acknowledged request and downloads its evidence intact."""
    con = sqlite3.connect(f"file:{lhr.db}?mode=ro", uri=True)
    try:
        aids = {}
        for rid, aid, sha in con.execute("SELECT r.public_id, a.public_id, a.sha256 FROM attachment a "
                                         "JOIN correction_request r ON r.id = a.request_id"):
            aids.setdefault(rid, []).append((aid, sha))
    finally:
        con.close()
    users: dict[str, LHRUser] = {}
    checked = 0
    for a in ledger.acked:
        if a.pid not in users:
            users[a.pid] = LHRUser(lhr_url, a.pid)
            users[a.pid].login()
        http = users[a.pid].http
        page = http.get(f"{lhr_url}/me/requests/{a.rid}", timeout=TIMEOUT)
        assert page.status_code == 200 and 'data-status="SUBMITTED"' in page.text, a.rid
        for aid, sha in aids[a.rid]:
            got = http.get(f"{lhr_url}/me/requests/{a.rid}/attachments/{aid}", timeout=TIMEOUT)
            assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha
            checked += 1
        checked += 1
    return checked


def test_lhr_survives_sigkill_while_owners_file_requests_with_evidence(mock, tmp_path):
    lhr = LHR(mock, tmp_path)
    ledger = Ledger()
    figures = []
    try:
        for cycle in range(CYCLES):
            url = lhr.start()
            if cycle:
                ledger.checked += verify_over_http(url, lhr, ledger)
            owners = lhr.owners(8)
            stop = threading.Event()
            errors: list[BaseException] = []

            def guarded(*args):
                try:
                    owner_load(*args)
                except BaseException as e:  # noqa: BLE001 - reported below
                    errors.append(e)

            before = len(ledger.acked)
            threads = [threading.Thread(target=guarded, args=(url, pid, ledger, stop, random.Random(f"{cycle}{pid}"),
                                                              i >= 6)) for i, pid in enumerate(owners)]
            for t in threads:
                t.start()
            deadline = time.time() + 30
            while len(ledger.acked) - before < 12 and time.time() < deadline and not errors:
                time.sleep(0.02)
            assert not errors, errors
            running = sum(t.is_alive() for t in threads)
            assert running == len(threads), "the load stopped before the kill"
            lhr.server.kill9()  # mid-work: every owner thread is still sending
            stop.set()
            for t in threads:
                t.join(30)
            assert not errors, errors
            copy = crash_copy(lhr.db)
            assert integrity(copy) == []
            figures.append(check_files(copy, lhr.uploads, ledger))
            verdict = audit_verify(copy)
            assert verdict.returncode == 0, verdict.stderr
        url = lhr.start()
        ledger.checked += verify_over_http(url, lhr, ledger)
        lhr.server.stop()
        final = check_files(lhr.db, lhr.uploads, ledger)
        verdict = audit_verify(lhr.db)
        assert verdict.returncode == 0 and "chain intact" in verdict.stdout, verdict.stderr
    finally:
        lhr.server.stop()
    assert lhr.server.kills == CYCLES
    assert ledger.cut_off >= CYCLES  # each kill really cut requests off
    assert len(ledger.acked) >= 12 * CYCLES
    print(f"\nLHR crash: {lhr.server.kills} SIGKILLs; {len(ledger.acked)} acknowledged requests with "
          f"{sum(len(a.files) for a in ledger.acked)} files of {len(ledger.attempts)} sent; {ledger.cut_off} "
          f"requests cut off; {ledger.checked} HTTP checks; per kill {figures}; final {final}")


def test_the_same_evidence_stored_by_many_threads_at_once(tmp_path):
    """Two owners attaching the same document at the same moment (one process, many threads):
    each store succeeds and the one stored file is whole. (Before the fix every thread wrote
    the same temporary name: the others' renames failed with FileNotFoundError, a 500.)"""
    data = os.urandom(1_500_000)
    checked = uploads.Checked("application/pdf", len(data), hashlib.sha256(data).hexdigest(), "same.pdf")
    failures = []
    for n in range(40):
        folder = tmp_path / str(n)
        gate = threading.Barrier(6)

        def store():
            gate.wait(10)
            try:
                uploads.store(folder, data, checked)
            except OSError as e:
                failures.append(repr(e))

        with ThreadPoolExecutor(max_workers=6) as pool:
            for f in [pool.submit(store) for _ in range(6)]:
                f.result()
        assert uploads.load(folder, checked.sha256) == data
        assert [p.name for p in folder.glob("*/*")] == [checked.sha256]  # no temporary file left
    assert failures == []


def test_submissions_and_page_views_at_once_all_answer_quickly(mock, tmp_path):
    """Owners submitting (audit entries written inside the request's transaction) while others
    view pages (audit entries committed alone) must not wait on each other: before the fix a
    page view held the audit lock while waiting for SQLite's write lock, held by a submission
    waiting for the audit lock — both stalled for the 30 s busy timeout, then failed (500)."""
    lhr = LHR(mock, tmp_path)
    try:
        url = lhr.start()
        users = [LHRUser(url, pid) for pid in lhr.owners(8)]
        for u in users:
            u.login()
        same = evidence(random.Random(7), 1)  # one document every submitter attaches
        answers, slowest = [], [0.0]
        lock = threading.Lock()

        def work(i: int):
            u, rng = users[i], random.Random(i)
            for k in range(6):
                t0 = time.time()
                if i < 5:
                    r = u.submit(same + evidence(rng, 1), f"same-{i}-{k}")
                else:
                    r = u.http.get(url + "/me/requests/", timeout=TIMEOUT)
                with lock:
                    answers.append(r.status_code)
                    slowest[0] = max(slowest[0], time.time() - t0)

        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            for f in [pool.submit(work, i) for i in range(len(users))]:
                f.result()
        assert Counter(answers) == Counter({302: 30, 200: 18}), Counter(answers)
        assert slowest[0] < 5, f"a request took {slowest[0]:.1f} s"
        sha = hashlib.sha256(same[0][1]).hexdigest()
        assert uploads.load(lhr.uploads, sha) == same[0][1]
    finally:
        lhr.server.stop()
    verdict = audit_verify(lhr.db)
    assert verdict.returncode == 0, verdict.stderr

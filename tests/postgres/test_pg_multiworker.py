"""`mock-thaid serve --workers 3` on one PostgreSQL database (the throw-away cluster of
conftest.py): concurrent logins without cross-talk, a PIN lockout counted across workers,
concurrent registrations of one person ending with one account, keys and clock shared."""
from __future__ import annotations

import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from robust_helpers import (DEMO_PIN, IAL_OFFICER, IAL_SELF, Enrolment, Phone, Server, add_citizen,
                            authorize_auto, citizen, exchange, id_claims, introspect, new_pids, new_pin, pin_login,
                            refresh, wait_ok)
from test_concurrency import REGISTERED, TAKEN, _race

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def mock3(pg_cluster, pg_module_url, tmp_path_factory):
    log = tmp_path_factory.mktemp("pgmw") / "mock.log"
    server = Server([sys.executable, "-m", "mock_thaid.cli", "serve", "--port", "0", "--workers", "3",
                     "--threads", "16", "--database-url", pg_module_url, "--pin-kdf-n", "1024",
                     "--ial-self", IAL_SELF, "--ial-officer", IAL_OFFICER], log=log)
    url = server.start()
    try:
        wait_ok(url + "/_mock/health")
        deadline = time.time() + 20
        while len(server.pids()) < 4 and time.time() < deadline:  # the gunicorn master and its 3 workers
            time.sleep(0.05)
        assert len(server.pids()) >= 4, server.pids()
        yield url, pg_module_url, server
    finally:
        server.stop()
        errors = [line for line in log.read_text(errors="replace").splitlines() if "unhandled error" in line
                  or "Traceback" in line]
        assert errors == [], f"the server logged errors, see {log}"


def accounts_of(pg_cluster, url: str, pids: list[str]) -> dict[str, int]:
    with pg_cluster.connect(url) as conn:
        rows = conn.execute("SELECT pid, count(*) FROM accounts WHERE pid = ANY(%s) GROUP BY pid", [pids]).fetchall()
    return dict(rows)


def test_the_server_keeps_its_state_in_postgresql(pg_cluster, mock3):
    url, db, _ = mock3
    pid = new_pids(1, random.Random(1802), TAKEN)[0]
    assert add_citizen(url, pid, registered=True).status_code == 201
    with pg_cluster.connect(db) as conn:
        seeded = conn.execute("SELECT count(*) FROM accounts WHERE pid = ANY(%s)", [sorted(REGISTERED)]).fetchone()[0]
        added = conn.execute("SELECT channel FROM accounts WHERE pid = %s", [pid]).fetchall()
    assert seeded == len(REGISTERED) and added == [("self",)]


def test_50_concurrent_logins_each_get_their_own_identity(mock3):
    url, _, _ = mock3
    registered = sorted(REGISTERED)
    jobs = [(registered[i % len(registered)], i) for i in range(50)]
    gate = threading.Barrier(25)

    def login(job):
        pid, n = job
        http = requests.Session()
        if n < 25:
            gate.wait(30)
        code = authorize_auto(url, pid, n, http)
        r = exchange(url, code, http)
        assert r.status_code == 200, r.text[:300]
        body = r.json()
        claims = id_claims(body)
        rotated = refresh(url, body["refresh_token"], http)
        assert rotated.status_code == 200, rotated.text[:300]
        return (claims["sub"], claims["nonce"], claims["ial"], introspect(url, body["access_token"], http)["sub"],
                id_claims(rotated.json())["sub"])

    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(login, jobs))
    assert results == [(pid, f"n{n}", REGISTERED[pid], pid, pid) for pid, n in jobs]


def test_wrong_pins_are_counted_across_workers_and_lock_exactly(mock3):
    url, _, _ = mock3
    pid = new_pids(1, random.Random(1803), TAKEN)[0]
    assert add_citizen(url, pid, registered=True).status_code == 201
    phone = Phone(url, pid)  # one phone, its requests land on whichever worker
    assert [phone.enter_pin("24681357") for _ in range(5)] == [401, 401, 401, 401, 423]
    assert phone.enter_pin(DEMO_PIN) == 423
    c = citizen(url, pid)
    assert c["failed_pins"] == 5 and c["locked_until"], c

    other = new_pids(1, random.Random(1804), TAKEN | {pid})[0]
    assert add_citizen(url, other, registered=True).status_code == 201
    phones = [Phone(url, other, n) for n in range(8)]
    first = _race([lambda p=p: p.enter_pin("97531864") for p in phones[:3]])
    assert first == [401, 401, 401]
    assert (citizen(url, other)["failed_pins"], citizen(url, other)["locked_until"]) == (3, None), "a wrong PIN was lost"
    second = _race([lambda p=p: p.enter_pin("97531864") for p in phones[3:]])
    assert sorted(second) == [401, 423, 423, 423, 423], second
    assert citizen(url, other)["failed_pins"] == 5
    assert Phone(url, other, 99).enter_pin(DEMO_PIN) == 423


def test_wrong_pins_at_consent_and_at_login_share_one_count(pg_cluster, mock3):
    """A registration's consent step and the app's login check the same account at once."""
    url, db, _ = mock3
    pid = new_pids(1, random.Random(1807), TAKEN)[0]
    assert add_citizen(url, pid).status_code == 201
    enrolments = [Enrolment(pid, "86420975") for _ in range(3)]
    for e in enrolments:
        e.run(url, until="pin")
    phones = [Phone(url, pid, n) for n in range(3)]

    def consent(e):
        r = requests.post(f"{url}/_mock/api/enrol/{e.id}/consent", json={"pin": "11223344"}, timeout=10)
        return r.status_code

    out = _race([lambda e=e: consent(e) for e in enrolments] + [lambda p=p: p.enter_pin("11223344") for p in phones])
    assert sorted(out) == [401, 401, 401, 401, 423, 423], out  # the 5th wrong PIN locks; the 6th finds it locked
    c = citizen(url, pid)
    assert c["failed_pins"] == 5 and c["locked_until"], (c, out)
    assert accounts_of(pg_cluster, db, [pid]) == {pid: 1}


def test_concurrent_registrations_of_one_person_end_with_one_account(pg_cluster, mock3):
    url, db, _ = mock3
    rng = random.Random(1805)
    people = new_pids(4, rng, TAKEN)
    for p in people:
        assert add_citizen(url, p).status_code == 201

    # (a) Three registrations of each of two people reach the PIN step, then all create their PINs at once.
    racing = {p: [Enrolment(p, new_pin(rng), channel=ch) for ch in ("self", "officer", "self")] for p in people[:2]}
    for es in racing.values():
        for e in es:
            e.run(url, until="officer/fingerprint" if e.channel == "officer" else "selfie")
            if e.channel == "officer":
                e.post(url, f"/{e.id}/scan-qr", {"token": e._qr}, requests)
    every = [e for es in racing.values() for e in es]
    answers = _race([lambda e=e: requests.post(f"{url}/_mock/api/enrol/{e.id}/pin", timeout=10,
                                                json={"pin": e.pin, "pin_confirm": e.pin}) for e in every])
    assert [r.status_code for r in answers] == [200] * len(every), [r.text[:200] for r in answers if not r.ok]
    for p in racing:
        flags = [r.json()["replaced"] for e, r in zip(every, answers) if e.pid == p]
        assert sorted(flags) == [False, True, True], flags  # one created the account, the others replaced it
    assert accounts_of(pg_cluster, db, people[:2]) == {p: 1 for p in people[:2]}
    for p, es in racing.items():  # the last PIN written is the account's: exactly one can consent
        done = [e for e in es if requests.post(f"{url}/_mock/api/enrol/{e.id}/consent", json={"pin": e.pin},
                                               timeout=10).status_code == 200]
        assert len(done) == 1, [e.channel for e in done]
        assert citizen(url, p)["channel"] == done[0].channel
        assert pin_login(url, p, done[0].pin)["sub"] == p

    # (b) Three whole registrations of one person, start to finish at the same time, same PIN.
    trios = {p: [Enrolment(p, "52749163") for _ in range(3)] for p in people[2:]}
    every = [e for es in trios.values() for e in es]
    finals = _race([lambda e=e: e.run(url) for e in every])
    assert [f["step"] for f in finals] == ["done"] * len(every), [e.answers for e in every]
    assert accounts_of(pg_cluster, db, people[2:]) == {p: 1 for p in people[2:]}
    for p in people[2:]:
        assert pin_login(url, p, "52749163")["sub"] == p


def test_registrations_and_logins_at_once(pg_cluster, mock3):
    url, db, _ = mock3
    rng = random.Random(1806)
    fresh = new_pids(8, rng, TAKEN)
    regs = [Enrolment(p, new_pin(rng), channel="officer" if i % 4 == 3 else "self") for i, p in enumerate(fresh)]
    registered = sorted(REGISTERED)

    def run(job):
        kind, who, n = job
        http = requests.Session()
        if kind == "login":
            r = exchange(url, authorize_auto(url, who, n, http), http)
            assert r.status_code == 200, r.text[:300]
            return id_claims(r.json())["sub"] == who
        assert add_citizen(url, who.pid, http=http).status_code == 201
        return who.run(url, http)["step"] == "done"

    jobs = [("login", registered[i % len(registered)], i) for i in range(24)] + [("enrol", e, 0) for e in regs]
    random.Random(6).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert all(pool.map(run, jobs))
    assert accounts_of(pg_cluster, db, fresh) == {p: 1 for p in fresh}
    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = list(pool.map(lambda e: pin_login(url, e.pid, e.pin), regs))
    assert [(c["sub"], c["ial"]) for c in claims] == [
        (e.pid, IAL_OFFICER if e.channel == "officer" else IAL_SELF) for e in regs]


def test_rotation_clock_faults_and_reset_are_seen_by_every_worker(mock3):
    url, _, _ = mock3
    kid = requests.post(url + "/_mock/keys/rotate", timeout=10).json()["signing_kid"]
    for _ in range(12):
        assert kid in [k["kid"] for k in requests.get(url + "/jwks/", timeout=10).json()["keys"]]
    requests.post(url + "/_mock/clock", json={"offset": 1234}, timeout=10)
    assert {requests.get(url + "/_mock/clock", timeout=10).json()["offset"] for _ in range(12)} == {1234.0}
    requests.post(url + "/_mock/clock", json={"offset": 0}, timeout=10)
    assert requests.post(url + "/_mock/faults", json={"name": "jwks_unavailable", "count": 5},
                         timeout=10).status_code == 201
    assert [requests.get(url + "/jwks/", timeout=10).status_code for _ in range(6)] == [503] * 5 + [200]
    # a reset on one worker (tables dropped and re-created under the others' open pools) serves everyone
    added = new_pids(1, random.Random(1808), TAKEN)[0]
    assert add_citizen(url, added, registered=True).status_code == 201
    r = requests.post(url + "/_mock/reset", timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "reset", r.text[:300]
    assert requests.get(url + f"/_mock/citizens/{added}", timeout=10).status_code == 404
    registered = sorted(REGISTERED)
    with ThreadPoolExecutor(max_workers=6) as pool:
        subs = list(pool.map(lambda n: id_claims(exchange(url, authorize_auto(url, registered[n % 3], n)).json())["sub"],
                             range(12)))
    assert subs == [registered[n % 3] for n in range(12)]
    assert [k["kid"] for k in requests.get(url + "/jwks/", timeout=10).json()["keys"]][0] == kid

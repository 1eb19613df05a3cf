"""Issue 8, item 2: a 3-worker mock (real gunicorn subprocess, one SQLite file) under
concurrent logins, registrations and wrong PINs.

tests/mock_thaid/test_multiworker.py shows 100 concurrent logins and a sequential lockout;
here logins and registrations run *at the same time*, each registration is then used (its
PIN logs in, its channel gives its IAL), wrong PINs race each other from several threads
and both PIN paths (app login and registration consent), and one citizen is registered by
concurrent registrations.
"""
from __future__ import annotations

import random
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import yaml

from robust_helpers import (DEMO_PIN, IAL_OFFICER, IAL_SELF, ROOT, Enrolment, Phone, add_citizen,
                            authorize_auto, citizen, exchange, id_claims, integrity, introspect, mock_invariants,
                            mock_server, new_pids, new_pin, pin_login, wait_ok)

pytestmark = pytest.mark.live

SEEDED = yaml.safe_load((ROOT / "data" / "citizens.yaml").read_text())["citizens"]
REGISTERED = {str(c["pid"]): (IAL_OFFICER if c.get("channel") == "officer" else IAL_SELF)
              for c in SEEDED if c.get("registered")}
TAKEN = {str(c["pid"]) for c in SEEDED}


@pytest.fixture(scope="module")
def mock3(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conc")
    server = mock_server(folder / "mock.sqlite3", workers=3, log=folder / "mock.log")
    url = server.start()
    wait_ok(url + "/_mock/health")
    yield url, folder / "mock.sqlite3"
    server.stop()


class InFlight:
    """Counts requests in flight, to show the load really overlapped."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self.lock = threading.Lock()

    def __enter__(self):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc):
        with self.lock:
            self.now -= 1


def accounts_of(db, pids) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(pids))
        return dict(con.execute(f"SELECT pid, count(*) FROM accounts WHERE pid IN ({marks}) GROUP BY pid", pids))
    finally:
        con.close()


def test_100_logins_and_24_registrations_at_once_without_cross_talk(mock3):
    url, db = mock3
    rng = random.Random(802)
    registered = sorted(REGISTERED)
    logins = [("login", registered[i % len(registered)], i) for i in range(100)]
    fresh = new_pids(24, rng, TAKEN)
    regs = [("enrol", Enrolment(p, new_pin(rng), channel="officer" if i % 6 == 5 else "self"), i)
            for i, p in enumerate(fresh)]  # 20 self (sample cards), 4 with an officer
    jobs = logins + regs
    random.Random(8).shuffle(jobs)
    gauge = InFlight()
    start = threading.Barrier(32)

    def run(numbered):
        position, (kind, who, n) = numbered
        http = requests.Session()
        if position < 32:  # the first wave starts together
            start.wait(30)
        with gauge:
            if kind == "login":
                code = authorize_auto(url, who, n, http)
                r = exchange(url, code, http)
                assert r.status_code == 200, r.text[:300]
                claims = id_claims(r.json())
                seen = introspect(url, r.json()["access_token"], http)["sub"]
                return kind, (who, f"n{n}", REGISTERED[who]), (claims["sub"], claims["nonce"], claims["ial"]), seen
            r = add_citizen(url, who.pid, registered=False, http=http)
            assert r.status_code == 201 and r.json()["registered"] is False, r.text[:300]
            final = who.run(url, http)
            ial = IAL_OFFICER if who.channel == "officer" else IAL_SELF
            return kind, {"pid": who.pid, "channel": who.channel, "ial": ial}, final["account"], final["step"]

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(run, enumerate(jobs)))

    for kind, expected, got, extra in results:
        if kind == "login":  # each code gave the identity it was issued for, its nonce, its IAL
            assert got == expected
            assert extra == expected[0]  # and its access token introspects to the same person
        else:
            assert extra == "done"
            assert {k: got[k] for k in ("pid", "channel", "ial")} == expected
    assert gauge.peak >= 24, f"only {gauge.peak} requests overlapped"

    # Each registration made exactly one account, with its own channel, and its own PIN works.
    assert accounts_of(db, fresh) == {p: 1 for p in fresh}
    for _, e, _ in regs:
        c = citizen(url, e.pid)
        assert (c["registered"], c["channel"], c["failed_pins"]) == (True, e.channel, 0)
    with ThreadPoolExecutor(max_workers=12) as pool:
        claims = list(pool.map(lambda e: pin_login(url, e.pid, e.pin), [e for _, e, _ in regs]))
    assert [(c["sub"], c["ial"]) for c in claims] == [
        (e.pid, IAL_OFFICER if e.channel == "officer" else IAL_SELF) for _, e, _ in regs]
    for (_, e, _), (_, other, _) in zip(regs[:4], regs[1:5]):  # and no one else's PIN does
        assert Phone(url, e.pid).enter_pin(other.pin) == 401
    assert mock_invariants(db) == []
    print(f"\nconcurrency: {len(logins)} logins + {len(regs)} registrations at once, "
          f"peak {gauge.peak} of them in flight on 3 workers")


def _race(fns):
    """Call every function at the same instant, one thread each; their results in order."""
    gate = threading.Barrier(len(fns))

    def go(fn):
        gate.wait(30)
        return fn()

    with ThreadPoolExecutor(max_workers=len(fns)) as pool:
        return list(pool.map(go, fns))


def test_parallel_wrong_pins_are_each_counted_and_lock_exactly(mock3):
    url, db = mock3
    pid = new_pids(1, random.Random(803), TAKEN)[0]
    assert add_citizen(url, pid, registered=True).status_code == 201
    phones = [Phone(url, pid, n) for n in range(8)]

    first = _race([lambda p=p: p.enter_pin("97531864") for p in phones[:3]])
    assert first == [401, 401, 401]
    c = citizen(url, pid)
    assert (c["failed_pins"], c["locked_until"]) == (3, None), "a wrong PIN was lost"

    second = _race([lambda p=p: p.enter_pin("97531864") for p in phones[3:]])
    assert sorted(second) == [401, 423, 423, 423, 423], second
    c = citizen(url, pid)
    assert c["failed_pins"] == 5 and c["locked_until"], c
    assert Phone(url, pid, 99).enter_pin(DEMO_PIN) == 423  # the right PIN is locked out too


def test_wrong_pins_at_consent_and_at_login_share_one_count(mock3):
    """The registration's consent step and the app's login check the same account at once."""
    url, db = mock3
    rng = random.Random(804)
    pid = new_pids(1, rng, TAKEN)[0]
    assert add_citizen(url, pid).status_code == 201
    enrolments = [Enrolment(pid, "86420975") for _ in range(3)]
    for e in enrolments:
        e.run(url, until="pin")  # the same PIN each time: the account is replaced, not duplicated
    phones = [Phone(url, pid, n) for n in range(3)]

    def consent(e):
        r = requests.post(f"{url}/_mock/api/enrol/{e.id}/consent", json={"pin": "11223344"}, timeout=10)
        return r.status_code, r.json()["error"]

    out = _race([lambda e=e: consent(e) for e in enrolments] + [lambda p=p: p.enter_pin("11223344") for p in phones])
    wrong = sum(1 for o in out if o in ((401, "pin_wrong"), 401))
    locked = sum(1 for o in out if o in ((423, "pin_locked"), 423))
    assert (wrong, locked) == (4, 2), out  # the 5th wrong PIN locks; the 6th finds it locked
    c = citizen(url, pid)
    assert c["failed_pins"] == 5 and c["locked_until"], (c, out)
    assert accounts_of(db, [pid]) == {pid: 1}


def test_one_citizen_registered_by_concurrent_registrations_has_one_account(mock3):
    url, db = mock3
    rng = random.Random(805)
    people = new_pids(4, rng, TAKEN)
    for p in people:
        assert add_citizen(url, p).status_code == 201

    # (a) Three registrations of one person reach the PIN step, then create their PINs at once.
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
    for p, es in racing.items():
        flags = [r.json()["replaced"] for e, r in zip(every, answers) if e.pid == p]
        assert sorted(flags) == [False, True, True], flags  # one created the account, the others replaced it
    assert accounts_of(db, people[:2]) == {p: 1 for p in people[:2]}
    # The last PIN written is the account's: exactly one registration per person can consent,
    # and the account carries that registration's channel.
    for p, es in racing.items():
        done = [e for e in es if requests.post(f"{url}/_mock/api/enrol/{e.id}/consent", json={"pin": e.pin},
                                               timeout=10).status_code == 200]
        assert len(done) == 1, [e.channel for e in done]
        assert citizen(url, p)["channel"] == done[0].channel
        claims = pin_login(url, p, done[0].pin)
        assert claims["ial"] == (IAL_OFFICER if done[0].channel == "officer" else IAL_SELF)

    # (b) Two whole registrations of one person, start to finish at the same time, same PIN.
    pairs = {p: [Enrolment(p, "52749163"), Enrolment(p, "52749163")] for p in people[2:]}
    every = [e for es in pairs.values() for e in es]
    finals = _race([lambda e=e: e.run(url) for e in every])
    assert [f["step"] for f in finals] == ["done"] * len(every), [e.answers for e in every]
    assert accounts_of(db, people[2:]) == {p: 1 for p in people[2:]}
    for p in people[2:]:
        assert pin_login(url, p, "52749163")["sub"] == p
    assert mock_invariants(db) == [] and integrity(db) == []

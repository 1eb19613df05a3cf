"""Replicas that start at the same moment on one EMPTY database (docker compose --scale, a CI
matrix) must not race: one creates the schema, stores the keys and seeds, the others wait and
share it. Three `mock-thaid serve` processes are started at once, on PostgreSQL and on one
SQLite file; every one answers /healthz, they all see the 34 seeded citizens exactly once, and
a login started on one finishes on another."""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
import requests
from robust_helpers import Server, authorize_auto, exchange, id_claims, wait_ok

import thaid_sandbox_data
import yaml

pytestmark = pytest.mark.live
CITIZENS = yaml.safe_load(thaid_sandbox_data.path("citizens.yaml").read_text("utf-8"))["citizens"]
MALI = "1057830862719"


def start_three_at_once(db_url: str, tmp: Path) -> list[tuple[str, Server]]:
    servers = [Server([sys.executable, "-m", "mock_thaid.cli", "serve", "--port", "0", "--database-url", db_url,
                       "--pin-kdf-n", "1024"], log=tmp / f"replica{i}.log") for i in range(3)]
    urls: list[str | None] = [None] * 3
    go = threading.Barrier(3)

    def start(i: int) -> None:
        go.wait()
        try:
            urls[i] = servers[i].start()
        except AssertionError:
            urls[i] = None

    threads = [threading.Thread(target=start, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return [(u, s) for u, s in zip(urls, servers)]


def check_replicas(replicas: list[tuple[str, Server]], tmp: Path) -> None:
    try:
        logs = {s.log.name: s.log.read_text(errors="replace") for _, s in replicas}
        assert all(u for u, _ in replicas), f"a replica did not start: {logs}"
        urls = [u for u, _ in replicas]
        for u in urls:
            wait_ok(u + "/healthz")
            assert requests.get(u + "/healthz", timeout=5).json()["status"] == "ok"
        counts = [len(requests.get(u + "/_mock/citizens", timeout=10).json()["citizens"]) for u in urls]
        assert counts == [len(CITIZENS)] * 3
        kids = [tuple(k["kid"] for k in requests.get(u + "/jwks/", timeout=5).json()["keys"]) for u in urls]
        assert len(set(kids)) == 1, f"the replicas publish different keys: {kids}"
        for i, u in enumerate(urls):  # a code from one replica, exchanged at the next
            code = authorize_auto(u, MALI, i)
            r = exchange(urls[(i + 1) % 3], code)
            assert r.status_code == 200, r.text[:300]
            assert id_claims(r.json())["sub"] == MALI
        for _, s in replicas:
            text = s.log.read_text(errors="replace")
            assert "Traceback" not in text and "UNIQUE" not in text and "duplicate key" not in text, text[-2000:]
    finally:
        for _, s in replicas:
            s.stop()


def test_three_replicas_on_one_empty_postgresql(pg_url, tmp_path):
    check_replicas(start_three_at_once(pg_url, tmp_path), tmp_path)


def test_three_replicas_on_one_empty_sqlite_file(tmp_path):
    check_replicas(start_three_at_once(f"sqlite:///{tmp_path / 'shared.sqlite3'}", tmp_path), tmp_path)

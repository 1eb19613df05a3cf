"""Shared fixtures: an in-memory mock (Flask test client) and a live one on 127.0.0.1."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from waitress.server import create_server

from mock_thaid.app import create_app
from mock_thaid.keys import KeyRing, generate_key
from mock_thaid.services import Services
from mock_thaid.settings import Settings

def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, *, what: str = "the server",
                  timeout: float = 60.0) -> None:
    """Until ``url`` answers 200, or fail with the end of the server's log if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer at {url} within {timeout:.0f} s")


# One TEST-ONLY key for the whole run (generated, never written to disk).
_KEY = generate_key("thaid-test-pytest")


def make_settings(**overrides) -> Settings:
    base = dict(database_url="sqlite://", pin_kdf_n=2**10, secret_key="pytest-secret",
                issuer="http://mock.test", officer_password="officer-demo",
                qr_page="inline")  # in-process tests read the QR page at the authorize URL; the
    # default (302 to a separate QR page, as ThaiD does) is tested in test_thaid_leniency.py
    base.update(overrides)
    return Settings(**base)


def make_app(**overrides):
    settings = make_settings(**overrides)
    services = Services.build(settings, keys=KeyRing([_KEY]))
    return create_app(settings, services)


@pytest.fixture
def mock_app():
    return make_app()


@pytest.fixture
def client(mock_app):
    return mock_app.test_client()


class LiveMock:
    def __init__(self, url: str, app, server, thread) -> None:
        self.url, self.app, self.server, self.thread = url, app, server, thread

    def close(self) -> None:
        stop_server(self.server, self.thread)

    @property
    def services(self) -> Services:
        return self.app.extensions["mock_thaid"]


def stop_server(server, thread) -> None:
    """Close waitress's sockets from its own thread, then stop its workers."""
    from waitress import wasyncore

    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:  # the loop already closed its sockets, its wake-up pipe among them
        pass
    thread.join(5)
    server.task_dispatcher.shutdown()


def start_live(**overrides) -> LiveMock:
    holder: dict = {}

    def wsgi(environ, start_response):
        return holder["app"](environ, start_response)

    server = create_server(wsgi, host="127.0.0.1", port=0, threads=8)
    url = f"http://127.0.0.1:{server.effective_port}"
    overrides.setdefault("issuer", url)
    holder["app"] = make_app(**overrides)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return LiveMock(url, holder["app"], server, thread)


@pytest.fixture
def live_mock():
    live = start_live()
    yield live
    live.close()


DEMO_PID = "1234567890121"
DEMO_RP = {"client_id": "demo-rp", "client_secret": "demo-rp-secret-TEST-ONLY",
           "redirect_uri": "http://127.0.0.1:8080/callback"}


@contextmanager
def served_mock(db_path, workers: int | None = 3, *extra: str, env: dict | None = None):
    """`mock-thaid serve --workers N` (None: one process, no --workers) as a real subprocess on a
    SQLite file, with ``env`` if given; yields its URL."""
    scale = ["--workers", str(workers)] if workers is not None else []
    proc = subprocess.Popen([sys.executable, "-m", "mock_thaid.cli", "serve", "--port", "0", *scale,
                             "--database-url", f"sqlite:///{db_path}", "--pin-kdf-n", "1024", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        line = proc.stdout.readline()
        m = re.search(r"serving (http://\S+)", line)
        assert m, line
        url = m.group(1)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(url + "/_mock/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)

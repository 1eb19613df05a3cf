"""pytest plugin: the ``thaid_mock`` fixture — a real mock_thaid process on 127.0.0.1.

Enable with the entry point ``[project.entry-points.pytest11] thaid = "rp_client.pytest_plugin"``
(or ``-p rp_client.pytest_plugin``). The mock runs as a SUBPROCESS
(``python -m mock_thaid.cli serve --port 0 ...``), one per distinct settings per test
session, and is reset (``POST /_mock/reset``) before each test that uses it. rp_client
never imports mock_thaid: it only talks to it over HTTP.

Configure per test::

    @pytest.mark.thaid_settings(profile="oidc", claim_naming="camel")   # mock CLI flags
    @pytest.mark.thaid_citizens({"pid": "...", "given_name": "...", "family_name": "..."})
    @pytest.mark.thaid_clients({"client_id": "app", "redirect_uris": ["http://app/cb"]})
    def test_x(thaid_mock): ...

or override the fixtures ``thaid_mock_settings`` (dict), ``thaid_mock_citizens`` and
``thaid_mock_clients`` (lists of dicts) in a conftest.
"""
from __future__ import annotations

import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from .config import ThaiDConfig

SERVE_LINE = re.compile(r"mock-thaid: serving (\S+)")
START_TIMEOUT = 30.0


class MockProcess:
    """One ``mock-thaid serve`` subprocess; ``url`` once it answers discovery."""

    def __init__(self, settings: dict[str, Any]) -> None:
        args = [sys.executable, "-m", "mock_thaid.cli", "serve", "--port", "0",
                "--database-url", "sqlite://", "--pin-kdf-n", "1024"]
        for name, value in sorted(settings.items()):
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool):
                args.append(flag if value else "--no-" + name.replace("_", "-"))
            else:
                args += [flag, str(value)]
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self.url = self._wait_for_url()
        self._wait_for_discovery()

    def _wait_for_url(self) -> str:
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:  # keep reading so the pipe never fills
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.put(line)
            lines.put("")

        threading.Thread(target=pump, daemon=True, name="thaid-mock-stdout").start()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                break
            match = SERVE_LINE.search(line)
            if match:
                return match.group(1).rstrip("/")
            if line == "":
                break
        self.stop()
        raise RuntimeError("mock-thaid did not start: " + self.stderr_text())

    def _wait_for_discovery(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("mock-thaid never answered discovery: " + self.stderr_text())

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._stderr.close()


class ThaiDMock:
    """What the ``thaid_mock`` fixture gives a test: the mock's ``url`` and helpers."""

    def __init__(self, url: str, process: MockProcess | None = None, control_token: str = "") -> None:
        self.url = url
        self.process = process
        # The mock's control token, when the settings give it one: sent on control calls only.
        self.http = httpx.Client(base_url=url, timeout=10,
                                 headers={"Authorization": f"Bearer {control_token}"} if control_token else None)
        self._decisions: set[str] = set()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = self.http.post(path, json=body)
        if resp.status_code >= 300:
            log = ("\n--- mock-thaid stderr (tail) ---\n" + self.process.stderr_text()[-2500:]) if self.process else ""
            raise AssertionError(f"mock control API {path} answered {resp.status_code}: {resp.text}{log}")
        data = resp.json()
        return data if isinstance(data, dict) else {}

    def reset(self) -> None:
        """Back to the seeded citizens and clients (called before each test)."""
        self._post("/_mock/reset", {})
        self._decisions.clear()

    def add_citizen(self, **fields: Any) -> dict[str, Any]:
        """Add (or replace) a citizen; ``registered`` defaults to True so they can log in."""
        fields.setdefault("registered", True)
        return self._post("/_mock/citizens", fields)

    def add_client(self, client_id: str, redirect_uris: list[str] | tuple[str, ...],
                   scopes: list[str] | tuple[str, ...] = ("openid", "pid", "name"), **extra: Any) -> dict[str, Any]:
        """Register a relying party; the answer holds its ``client_secret`` and ``api_key``."""
        return self._post("/_mock/clients", {"client_id": client_id, "redirect_uris": list(redirect_uris),
                                             "scopes": list(scopes), **extra})

    def fail_next_login(self, client_id: str, decision: str = "deny") -> None:
        """The client's next login is refused (``error=user_denied`` on its callback)."""
        self._post(f"/_mock/clients/{client_id}/next-decision", {"decision": decision})
        self._decisions.add(client_id)

    def config(self, client_id: str, client_secret: str, redirect_uri: str, **settings: Any) -> ThaiDConfig:
        """A ``ThaiDConfig`` pointing at this mock."""
        return ThaiDConfig(issuer=self.url, client_id=client_id, client_secret=client_secret,
                           redirect_uri=redirect_uri, **settings)

    def login_as(self, flask_client: Any, pid: str, next: str = "/", *,
                 login_path: str = "/auth/thaid/login") -> Any:
        """Log a Flask test client in as ``pid`` without a browser; the callback's response.

        Hits the app's login route, follows its redirect to the mock's authorize URL with
        ``X-Mock-Persona: pid`` (unless ``fail_next_login`` queued a decision for that
        client: then the mock's decision answers), then calls the app's callback with the
        query the mock redirected to.
        """
        start = flask_client.get(login_path, query_string={"next": next})
        if start.status_code not in (302, 303) or "Location" not in start.headers:
            raise AssertionError(f"{login_path} did not redirect to the provider: {start.status_code}")
        authorize = start.headers["Location"]
        client_id = dict(parse_qsl(urlsplit(authorize).query)).get("client_id", "")
        headers = {} if client_id in self._decisions else {"X-Mock-Persona": pid}
        self._decisions.discard(client_id)
        answer = self.http.get(authorize, headers=headers, follow_redirects=False)
        if answer.status_code not in (302, 303):
            raise AssertionError(f"the mock did not redirect back: {answer.status_code} {answer.text[:300]}")
        back = urlsplit(answer.headers["Location"])
        return flask_client.get(back.path, query_string=dict(parse_qsl(back.query, keep_blank_values=True)))

    def close(self) -> None:
        self.http.close()


class _Pool:
    def __init__(self) -> None:
        self.procs: dict[tuple[tuple[str, str], ...], MockProcess] = {}

    def get(self, settings: dict[str, Any]) -> MockProcess:
        key = tuple(sorted((k, repr(v)) for k, v in settings.items()))
        if key not in self.procs:
            self.procs[key] = MockProcess(settings)
        return self.procs[key]

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "thaid_settings(**flags): mock-thaid settings for thaid_mock")
    config.addinivalue_line("markers", "thaid_citizens(*citizens): citizens thaid_mock adds (dicts)")
    config.addinivalue_line("markers", "thaid_clients(*clients): relying parties thaid_mock adds (dicts)")


@pytest.fixture(scope="session")
def _thaid_mock_pool() -> Iterator[_Pool]:
    pool = _Pool()
    yield pool
    pool.stop_all()


@pytest.fixture
def thaid_mock_settings() -> dict[str, Any]:
    """Override to give every ``thaid_mock`` of a module mock-thaid settings (CLI flags)."""
    return {}


@pytest.fixture
def thaid_mock_citizens() -> list[dict[str, Any]]:
    """Override to add citizens (dicts for ``add_citizen``) before each test."""
    return []


@pytest.fixture
def thaid_mock_clients() -> list[dict[str, Any]]:
    """Override to add relying parties (dicts for ``add_client``) before each test."""
    return []


@pytest.fixture
def thaid_mock(request: pytest.FixtureRequest, _thaid_mock_pool: _Pool, thaid_mock_settings: dict[str, Any],
               thaid_mock_citizens: list[dict[str, Any]],
               thaid_mock_clients: list[dict[str, Any]]) -> Iterator[ThaiDMock]:
    """A freshly reset mock_thaid subprocess (see the module docstring)."""
    settings = dict(thaid_mock_settings)
    for mark in reversed(list(request.node.iter_markers("thaid_settings"))):
        settings.update(mark.kwargs)
    process = _thaid_mock_pool.get(settings)
    mock = ThaiDMock(process.url, process, control_token=str(settings.get("control_token") or ""))
    mock.reset()
    citizens = list(thaid_mock_citizens)
    clients = list(thaid_mock_clients)
    for mark in request.node.iter_markers("thaid_citizens"):
        citizens += list(mark.args)
    for mark in request.node.iter_markers("thaid_clients"):
        clients += list(mark.args)
    for citizen in citizens:
        mock.add_citizen(**citizen)
    for client in clients:
        client = dict(client)
        mock.add_client(client.pop("client_id"), client.pop("redirect_uris"), **client)
    yield mock
    mock.close()

"""docker-compose.yml's services run as local processes (Docker is not available where the tests
run), and a headless browser that logs in through them.

Running a service locally maps the container world onto 127.0.0.1:

- every service listens on its own free port (``--host`` becomes 127.0.0.1, ``--port`` that port);
- a published port (``127.0.0.1:8000:8000``) gets another port that nothing listens on: the browser
  (:class:`Browser`) reaches the service through it, the way Docker forwards a published port, while
  a server process that used such a URL would be refused. So a login that works proves that the
  LHR demo made its server-to-server requests to its back-channel URL, not to the browser's issuer;
- URLs in the environment and on the command line are rewritten from the compose view to the local one: ``http://mock:8000``
  (a service name: what containers use) becomes the service's own port; ``http://127.0.0.1:8000``
  (a published port: what browsers use) becomes the published stand-in; in a health check, which
  runs inside the container, ``http://127.0.0.1:8000`` is the service itself;
- paths: a bind mount's target becomes its source in the checkout, a named volume or the image's
  WORKDIR becomes a folder of the test's temporary directory (the process's working directory);
- the mock's clients file is the one the environment names (or the shipped one), with the same
  URL rewriting, written to the temporary directory: redirect URIs follow the remapped ports.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from compose_files import ROOT, SHIPPED_CLIENTS, Service, dockerfile_instructions, services
from conftest import free_port

ENV_PREFIXES = ("MOCK_THAID_", "LHR_", "THAID_")
TIMEOUT = 10

MALI = "1057830862719"
MALI_NAME = "นางสาวมะลิ รักษ์ถิ่นตาก"
MALI_PID_SHOWN = "1-0578-30862-71-9"


# --- ports and processes -------------------------------------------------------------------------


def refused_port() -> socket.socket:
    """A socket bound to a free port and never listening: a connection to that port is refused,
    and no other process can take the port while the socket is open."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s


def _script(name: str) -> str:
    here = Path(sys.executable).with_name(name)
    return str(here) if here.exists() else name


class Proc:
    """A local process in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, log: Path,
                 replica: "Replica | None" = None) -> None:
        self.name, self.argv, self.env, self.cwd, self.log, self.replica = name, argv, env, cwd, log, replica
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Proc":
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group is ours alone (the server and its workers)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)  # workers that outlived their master
        if self.proc.poll() is None:
            self.proc.wait(10)


class RoundRobinProxy:
    """The stand-in for deploy/nginx.conf: one port, each new connection to the next upstream."""

    def __init__(self, port: int, upstreams: list[int]) -> None:
        self.port, self.upstreams = port, upstreams
        self.used: list[int] = []
        self._next = itertools.cycle(upstreams)
        self._sock = socket.create_server(("127.0.0.1", port))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            port = next(self._next)
            self.used.append(port)
            try:
                up = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            except OSError:
                conn.close()
                continue
            conn.settimeout(None)
            up.settimeout(None)
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@dataclass
class Replica:
    service: Service
    index: int
    port: int  # where it listens locally

    @property
    def key(self) -> str:
        return f"{self.service.name}-{self.index}"


@dataclass
class LocalStack:
    """Some services of the compose file as local processes (see the module docstring)."""

    compose: dict
    tmp: Path
    replicas: dict[str, int] = field(default_factory=dict)   # service -> how many (``--scale``)
    database_urls: dict[str, str] = field(default_factory=dict)  # database service -> its local URL

    def __post_init__(self) -> None:
        self.services = services(self.compose)
        self.workdir = next(a for i, a in dockerfile_instructions()[::-1] if i == "WORKDIR")
        self.ports: dict[str, list[int]] = {}  # service -> the local port of each replica
        for name in self.services:
            self.ports[name] = [free_port() for _ in range(self.replicas.get(name, 1))]
        self._refused: list[socket.socket] = []
        self.published: dict[int, tuple[str, int]] = {}  # compose host port -> (service, stand-in port)
        for name, svc in self.services.items():
            for p in svc.ports:
                s = refused_port()
                self._refused.append(s)
                self.published[p.host_port] = (name, s.getsockname()[1])
        self.procs: list[Proc] = []
        self.proxies: list[RoundRobinProxy] = []

    # URL and path rewriting --------------------------------------------------------------------
    def url(self, value: str, *, inside: Replica | None = None) -> str:
        """``value`` with every compose URL origin replaced by its local one; ``inside``: the
        replica in whose container the value is used (127.0.0.1 is then that replica itself)."""
        def sub(m: re.Match) -> str:
            scheme, host, port = m.group(1), m.group(2), int(m.group(3))
            if inside is not None and host in ("127.0.0.1", "localhost") and port == inside.service.listen_port:
                return f"{scheme}://127.0.0.1:{inside.port}"
            if host in ("127.0.0.1", "localhost") and port in self.published:
                return f"{scheme}://{host}:{self.published[port][1]}"
            if host in self.services and port == self.services[host].listen_port:
                return f"{scheme}://127.0.0.1:{self.ports[host][0]}"
            return m.group(0)
        return re.sub(r"(https?)://([A-Za-z0-9_.-]+):(\d+)(?![0-9])", sub, value)

    def browser_origin(self, compose_origin: str) -> str:
        """Where a browser on the host finds ``compose_origin`` (http://127.0.0.1:<published>)."""
        return self.url(compose_origin)

    def forward(self, url: str) -> str:
        """Docker's port publishing, for the browser: a stand-in port to the service's own port."""
        parts = urlsplit(url)
        for name, stand_in in self.published.values():
            if parts.port == stand_in:
                return urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.ports[name][0]}"))
        return url

    def folder(self, replica: Replica) -> Path:
        """The replica's own folder; ``fs/`` stands for its container's file system."""
        d = self.tmp / replica.key
        (d / "fs" / self.workdir.lstrip("/") / "var").mkdir(parents=True, exist_ok=True)  # `mkdir -p /srv/var`
        return d

    def cwd(self, replica: Replica) -> Path:
        return self.folder(replica) / "fs" / self.workdir.lstrip("/")

    def path(self, value: str, replica: Replica) -> str:
        """Container paths in ``value``: a bind mount's target is its source in the checkout; a
        named volume's target, or anything under the WORKDIR, is under the replica's ``fs/``."""
        fs = self.folder(replica) / "fs"
        mounts = [(self.workdir, str(fs / self.workdir.lstrip("/")))]
        for src, dst in replica.service.volumes:
            if src.startswith((".", "/")):
                mounts.append((dst, str((ROOT / src).resolve())))
            else:
                (fs / dst.lstrip("/")).mkdir(parents=True, exist_ok=True)
                mounts.append((dst, str(fs / dst.lstrip("/"))))
        pattern = "|".join(re.escape(dst) for dst, _ in sorted(mounts, key=lambda m: -len(m[0])))
        local = dict(mounts)
        return re.sub(rf"(?<![\w.-])({pattern})(?![\w.-])", lambda m: local[m.group(1)], value)

    def database(self, value: str) -> str:
        for svc, local in self.database_urls.items():
            if re.match(rf"postgres(?:ql)?(?:\+\w+)?://[^@/]*@{re.escape(svc)}(?::\d+)?/", value):
                return local
        return value

    # commands ------------------------------------------------------------------------------------
    def argv(self, replica: Replica) -> list[str]:
        argv = [self.path(self.url(a), replica) for a in replica.service.command]
        for i, a in enumerate(argv):
            if i and argv[i - 1] == "--host":
                argv[i] = "127.0.0.1"
            elif i and argv[i - 1] == "--port":
                argv[i] = str(replica.port)
        return [_script(argv[0]), *argv[1:]]

    def healthcheck_argv(self, replica: Replica) -> list[str]:
        test = replica.service.healthcheck
        assert test and test[0] == "CMD", f"{replica.service.name}: healthcheck {test}"
        argv = [self.url(a, inside=replica) for a in test[1:]]
        return [_script(argv[0]), *argv[1:]]

    def env(self, replica: Replica) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES) and k != "DATABASE_URL"}
        for k, v in replica.service.env.items():
            env[k] = self.database(self.path(self.url(v), replica))
        if replica.service.command[:2] == ["mock-thaid", "serve"]:
            env["MOCK_THAID_CLIENTS_FILE"] = str(self.clients_file(replica, env.get("MOCK_THAID_CLIENTS_FILE")))
        return env

    def clients_file(self, replica: Replica, named: str | None) -> Path:
        source = Path(named) if named else SHIPPED_CLIENTS
        out = self.folder(replica) / "clients.local.yaml"
        out.write_text(self.url(source.read_text(encoding="utf-8")), encoding="utf-8")
        return out

    # running -------------------------------------------------------------------------------------
    def replica(self, name: str, index: int = 0) -> Replica:
        return Replica(self.services[name], index, self.ports[name][index])

    def start(self, name: str, index: int = 0) -> Proc:
        r = self.replica(name, index)
        proc = Proc(r.key, self.argv(r), self.env(r), self.cwd(r), self.tmp / f"{r.key}.log", r).start()
        self.procs.append(proc)
        return proc

    def wait_healthy(self, proc: Proc, deadline_s: float = 90) -> None:
        """Run the service's own compose health check until it passes (as Docker would)."""
        argv = self.healthcheck_argv(proc.replica)
        deadline = time.monotonic() + deadline_s
        while True:
            assert proc.alive(), f"{proc.name} exited ({proc.proc.returncode}):\n{proc.output()[-3000:]}"
            r = subprocess.run(argv, env=proc.env, capture_output=True, text=True, timeout=60)
            if r.returncode == 0:
                return
            assert time.monotonic() < deadline, (f"{proc.name}: `{shlex.join(argv)}` still fails: {r.stderr[-500:]}"
                                                 f"\n{proc.output()[-3000:]}")
            time.sleep(0.2)

    def start_nginx_stand_in(self, name: str, upstream_service: str) -> RoundRobinProxy:
        proxy = RoundRobinProxy(self.ports[name][0], self.ports[upstream_service])
        self.proxies.append(proxy)
        return proxy

    def close(self) -> None:
        for p in reversed(self.procs):
            p.stop()
        for p in self.proxies:
            p.close()
        for s in self._refused:
            s.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.output()[-2500:]}" for p in self.procs)


# --- a browser without a browser -----------------------------------------------------------------

class Browser:
    """requests with a cookie jar, through Docker's published ports (:meth:`LocalStack.forward`):
    it asks for the URL a browser on the host would use and sends that URL's Host header."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.http = requests.Session()
        self.seen: list[str] = []

    def get(self, url: str, **headers: str) -> requests.Response:
        self.seen.append(url)
        target = self.stack.forward(url)
        return self.http.get(target, headers={"Host": urlsplit(url).netloc, **headers}, allow_redirects=False,
                             timeout=TIMEOUT)

    def follow(self, url: str, limit: int = 6) -> tuple[str, requests.Response]:
        for _ in range(limit):
            r = self.get(url)
            if r.status_code not in (301, 302, 303, 307, 308):
                return url, r
            url = urljoin(url, r.headers["Location"])
        raise AssertionError(f"too many redirects from {url}")


def login_through_lhr(stack: LocalStack, lhr: str, issuer: str, pid: str = MALI) -> tuple[Browser, str]:
    """The headless ThaiD login through an LHR demo (the steps of rp_client's ``ThaiDMock.login_as``,
    over HTTP): LHR's login route, the mock's authorize URL with ``X-Mock-Persona``, LHR's
    callback with the same cookie jar. ``lhr`` and ``issuer`` are the browser's URLs. The page
    of the person's own record."""
    b = Browser(stack)
    start = b.get(lhr + "/auth/thaid/login")
    assert start.status_code in (302, 303), (start.status_code, start.text[:500])
    authorize = start.headers["Location"]
    assert authorize.startswith(issuer + "/api/v2/oauth2/auth"), (authorize, issuer)
    answer = b.get(authorize, **{"X-Mock-Persona": pid})
    assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
    back = answer.headers["Location"]
    assert back.startswith(lhr + "/auth/thaid/callback?"), (back, lhr)
    assert "code=" in back, back
    landed, page = b.follow(back)
    assert page.status_code == 200, (landed, page.status_code, page.text[:1500])
    record = b.get(lhr + "/me/record")
    assert record.status_code == 200, (record.status_code, record.text[:1500])
    return b, record.text

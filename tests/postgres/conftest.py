"""A throw-away PostgreSQL cluster for the test run (never a system cluster).

``initdb`` into a temporary folder, ``pg_ctl start`` with no TCP listener: the server is only
reachable through its unix socket in that folder. PostgreSQL refuses to run as root, so when
the tests run as root the cluster runs as the ``postgres`` system user (``runuser``). The
binaries come from Debian's ``postgresql`` package (/usr/lib/postgresql/<version>/bin); when
they are missing the tests fail (CI installs the package with ``make system-deps``).

Every test gets its own database (``pg_url``); the multi-worker server tests share one per
module (``pg_module_url``).
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import free_port

HERE = str(Path(__file__).resolve().parent)
TESTS = Path(__file__).resolve().parents[1]
for p in (HERE, str(TESTS / "robustness"), str(TESTS / "mock_thaid")):
    # robust_helpers and the helpers of tests/mock_thaid (appended: tests/conftest.py stays "conftest")
    if p not in sys.path:
        sys.path.append(p)

INSTALL_HINT = ("PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: install "
                "Debian's `postgresql` package (`apt-get install -y postgresql`; `make system-deps` does it, "
                "and CI runs that)")


def _bindir() -> Path:
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")
             if Path(p).with_name("pg_ctl").exists()]
    if not found:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return max(found, key=lambda d: [int(x) for x in d.parent.name.split(".") if x.isdigit()] or [0])


class Cluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root but there is no `postgres` system user to run the test cluster as: "
                            + INSTALL_HINT, pytrace=False)
        self.dir = Path(tempfile.mkdtemp(prefix="mock-thaid-pg-"))  # short: the socket path has a length limit
        if self.as_root:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self.user = "postgres"
        self._names = itertools.count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir, timeout=120)
        if r.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}\n{log}")
        return r

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "--encoding=UTF8",
                  "--locale=C", "--no-sync")
        opts = (f"-c listen_addresses='' -p {self.port} -k {self.dir} -c max_connections=300 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "-o", opts)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, dbname: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.user}@/{dbname}?host={self.dir}&port={self.port}"

    def create_database(self, prefix: str = "t") -> str:
        import psycopg

        name = f"{prefix}_{next(self._names)}"
        with psycopg.connect(host=str(self.dir), port=self.port, user=self.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def connect(self, url: str):
        """A plain psycopg connection to the database of ``url`` (for checks behind the mock's back)."""
        import psycopg

        dbname = url.split("@/", 1)[1].split("?", 1)[0]
        return psycopg.connect(host=str(self.dir), port=self.port, user=self.user, dbname=dbname, autocommit=True)


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = Cluster(_bindir())
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh, empty database for this test."""
    return pg_cluster.create_database("t")


@pytest.fixture(scope="module")
def pg_module_url(pg_cluster) -> str:
    """A fresh, empty database shared by the tests of one module."""
    return pg_cluster.create_database("m")

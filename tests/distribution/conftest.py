"""The wheel, as a user gets it: built once per session from this checkout's working tree and
installed into a fresh virtualenv in a temporary folder, with nothing of the checkout on any path.

Why the wheel is built from a COPY of the working tree (``git ls-files``: tracked and new,
not ignored files) rather than from the checkout itself: setuptools builds in-tree, into
``build/lib``, and never cleans it, so a module or template deleted from the source would
still ride along in the next wheel and the test would pass on a stale file; and concurrent
runs in one checkout would race in ``build/``. The copy costs well under a second.

Building or installing failing is a test FAILURE carrying pip's output, never a skip.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# What the venv gets besides the wheel (and the wheel's own dependencies): the toy project's runner.
EXTRA_PACKAGES = ("pytest", "httpx")
# Variables a user's shell would not have, or that would point a subprocess back at the checkout.
DROP_VARS = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "DATABASE_URL", "PYTHONSAFEPATH"}
DROP_PREFIXES = ("MOCK_THAID_", "LHR_", "THAID_", "PYTEST_", "FLASK_", "COV_CORE_")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    bin: Path
    python: Path
    site_packages: Path
    timings: dict

    def env(self, **extra: str) -> dict[str, str]:
        """A user's environment: the venv's bin first on PATH, nothing that names the checkout."""
        return outside_env(self.bin, **extra)

    def exe(self, name: str) -> str:
        return str(self.bin / name)


def outside_env(bin_dir: Path, **extra: str) -> dict[str, str]:
    root = str(REPO_ROOT)
    env = {k: v for k, v in os.environ.items()
           if k not in DROP_VARS and not k.startswith(DROP_PREFIXES) and root not in v}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and root not in p]
    env["PATH"] = os.pathsep.join([str(bin_dir), *path])
    env.update(extra)
    assert not [k for k, v in env.items() if root in v], "the environment still names the checkout"
    return env


def say(config: pytest.Config, message: str) -> None:
    """Progress on the terminal even while output is captured (a cold build takes a while)."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    tr = config.pluginmanager.get_plugin("terminalreporter")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if tr is not None:
            tr.write_line(f"[distribution] {message}")
        else:  # pragma: no cover - -p no:terminal
            print(f"[distribution] {message}", file=sys.stderr, flush=True)


def _run_or_fail(what: str, args: list[str], **kw) -> tuple[float, str]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600, **kw)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{what} timed out after 600 s:\n{e.output or ''}", pytrace=False)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        pytest.fail(f"{what} failed (exit {proc.returncode}): {' '.join(args)}\n{proc.stdout[-8000:]}", pytrace=False)
    return took, proc.stdout


def copy_working_tree(dest: Path) -> int:
    """Tracked and untracked-but-not-ignored files of the checkout (symlinks kept as links)."""
    try:
        listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], capture_output=True, check=True).stdout
        names = sorted({n for n in listed.decode().split("\0") if n})
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked sdist)
        ignore = shutil.ignore_patterns(".git", ".venv", "node_modules", "var", "build", "dist", "*.egg-info",
                                        "__pycache__", ".pytest_cache", ".hypothesis")
        shutil.copytree(REPO_ROOT, dest, symlinks=True, ignore=ignore)
        return sum(1 for _ in dest.rglob("*"))
    copied = 0
    for name in names:
        src, dst = REPO_ROOT / name, dest / name
        if not src.is_symlink() and not src.exists():  # deleted in the working tree
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.is_file():
            shutil.copy2(src, dst)
        else:
            continue
        copied += 1
    return copied


@pytest.fixture(scope="session")
def installed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel once, make a fresh venv outside the checkout, pip install the wheel into it."""
    config = request.config
    base = tmp_path_factory.mktemp("distribution")
    assert REPO_ROOT not in base.resolve().parents, f"{base} is inside the checkout"
    timings: dict[str, float] = {}

    src, wheels = base / "src", base / "wheels"
    t0 = time.perf_counter()
    n = copy_working_tree(src)
    timings["copy"] = time.perf_counter() - t0
    say(config, f"copied {n} files of the working tree in {timings['copy']:.1f} s; building the wheel ...")
    timings["wheel"], _ = _run_or_fail("building the wheel", [
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", str(wheels), str(src)],
        cwd=base)
    built = sorted(wheels.glob("thaid_sandbox-*.whl"))
    if len(built) != 1:
        pytest.fail(f"expected one thaid_sandbox wheel in {wheels}, found {[p.name for p in built]}", pytrace=False)
    wheel = built[0]
    say(config, f"built {wheel.name} ({wheel.stat().st_size / 1024:.0f} KiB) in {timings['wheel']:.1f} s")

    venv = base / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)  # the interpreter, not the checkout's venv
    timings["venv"], _ = _run_or_fail("creating the virtualenv", [base_python, "-m", "venv", str(venv)], cwd=base)
    python = venv / "bin" / "python"
    env = outside_env(venv / "bin")
    timings["install"], out = _run_or_fail("installing the wheel into a fresh virtualenv", [
        str(python), "-m", "pip", "install", "--disable-pip-version-check", str(wheel), *EXTRA_PACKAGES],
        cwd=base, env=env)
    fetched = len(re.findall(r"^\s*(?:Downloading|Using cached) ", out, re.M))
    local = len(re.findall(r"^\s*Processing ", out, re.M)) - 1  # the wheel itself
    say(config, f"venv created in {timings['venv']:.1f} s; wheel + dependencies installed in "
                 f"{timings['install']:.1f} s ({fetched} from an index, through pip's cache; {local} local files)")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True, env=env, cwd=base).stdout.strip()
    return Installed(wheel=wheel, venv=venv, bin=venv / "bin", python=python, site_packages=Path(site),
                     timings=timings)


@pytest.fixture
def report(request: pytest.FixtureRequest):
    """``report(message)``: a progress line on the terminal, also under ``-q`` and capture."""
    return lambda message: say(request.config, message)


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty working folder outside the checkout."""
    d = tmp_path_factory.mktemp("outside")
    assert REPO_ROOT not in d.resolve().parents
    return d


# --- background processes -----------------------------------------------------------------------

class ProcessGroups:
    """Remembers every process group started for a test and ends them all, each by its id."""

    def __init__(self) -> None:
        self.pgids: list[int] = []
        self.children: list[subprocess.Popen] = []

    def add(self, proc: subprocess.Popen) -> None:
        """A child started with ``start_new_session=True``: its pid is its group's id."""
        self.children.append(proc)
        self.pgids.append(proc.pid)

    def _alive(self, pgid: int) -> bool:
        for child in self.children:  # reap our own children: a zombie still "exists" for killpg
            child.poll()
        proc = Path("/proc")
        if proc.is_dir():  # a live (not zombie) process in the group?
            for stat in proc.glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue
                if fields[0] != "Z" and int(fields[2]) == pgid:
                    return True
            return False
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def stop_all(self, grace: float = 8.0) -> None:
        for pgid in self.pgids:
            if self._alive(pgid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(self._alive(p) for p in self.pgids):
            time.sleep(0.1)
        for pgid in self.pgids:
            if self._alive(pgid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(2)
        self.pgids.clear()
        self.children.clear()


@pytest.fixture
def process_groups():
    groups = ProcessGroups()
    yield groups
    groups.stop_all()


def start_mock(installed: Installed, cwd: Path, groups: ProcessGroups, *args: str,
               timeout: float = 30.0) -> tuple[str, subprocess.Popen, Path]:
    """``mock-thaid serve --port 0`` from the venv in ``cwd``; (issuer URL, process, log file)."""
    log = cwd / "mock-thaid.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([installed.exe("mock-thaid"), "serve", "--port", "0", *args],
                                cwd=cwd, env=installed.env(), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    groups.add(proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(r"mock-thaid: serving (http://\S+)", log.read_text(errors="replace"))
        if m:
            return m.group(1).rstrip("/"), proc, log
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"mock-thaid serve did not start (exit {proc.poll()}):\n{log.read_text(errors='replace')}",
                pytrace=False)


@pytest.fixture(scope="module")
def served(installed: Installed, tmp_path_factory: pytest.TempPathFactory):
    """``mock-thaid serve --port 0`` in an empty folder outside the checkout, with its default
    database; waited for with ``mock-thaid wait``. Yields (issuer URL, working folder, log file)."""
    cwd = tmp_path_factory.mktemp("served")
    groups = ProcessGroups()
    try:
        url, _, log = start_mock(installed, cwd, groups)
        r = subprocess.run([installed.exe("mock-thaid"), "wait", url, "--timeout", "30"], cwd=cwd,
                           env=installed.env(), capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr + log.read_text(errors="replace")
        yield url, cwd, log
    finally:
        groups.stop_all()

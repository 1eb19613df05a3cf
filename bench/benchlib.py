"""What both benchmarks share: servers started and timed, their process tree's CPU and memory read
from /proc, percentiles, the peers' installation into bench/.peers/, and a py-spy profile."""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / ".peers"
TICKS = os.sysconf("SC_CLK_TCK")
PYSPY_VERSION = "0.4.3"


# --- processes -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    """The process and all its descendants (gunicorn workers, a shell's child)."""
    pids = [pid]
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return []
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            children = []
        for child in children:
            pids.extend(tree(int(child)))
    return pids


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process tree (live processes only)."""
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def _status_kb(pid: int, key: str) -> float:
    total = 0.0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def peak_rss_mb(pid: int) -> float:
    """Sum over the tree of each process's own peak resident set (VmHWM)."""
    return _status_kb(pid, "VmHWM:") / 1024


def rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS:") / 1024


class Server:
    """A server process started, timed from launch to its first 200, and stopped."""

    def __init__(self, cmd: list[str], ready_url: str, *, label: str, env: dict | None = None,
                 cwd: Path = ROOT, timeout: float = 60.0) -> None:
        self.cmd = cmd
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._log = PEERS / "logs" / f"{label}.log"  # the last run's output of each server
        self._log.parent.mkdir(parents=True, exist_ok=True)
        self._drain()
        probe = requests.Session()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if probe.get(ready_url, timeout=2).status_code == 200:
                    self.cold_start_s = time.perf_counter() - t0
                    break
            except requests.RequestException:
                pass
            if time.perf_counter() - t0 > timeout:
                self.stop()
                raise RuntimeError(f"not ready within {timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.005)
        self.pid = self.proc.pid

    def _drain(self) -> None:
        """Keep the server's output in a log file (a full pipe would block it)."""
        import threading

        def copy():
            with self._log.open("wb") as f:
                for line in self.proc.stdout:
                    f.write(line)
                    f.flush()

        threading.Thread(target=copy, daemon=True).start()

    def log_tail(self, n: int = 1500) -> str:
        time.sleep(0.1)
        try:
            return self._log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def waitress_signs(self) -> dict:
        """What waitress logged about being overloaded: connection limit reached, task queue depth."""
        import re

        try:
            text = self._log.read_text(errors="replace")
        except OSError:
            return {}
        depths = [int(d) for d in re.findall(r"Task queue depth is (\d+)", text)]
        return {"connection_limit_reached": text.count("reached the connection limit"),
                "task_queue_max_depth": max(depths, default=0)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its pid
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def load_average() -> str:
    """The 1-minute load average, and what it means here: other work on the machine skews timings."""
    one = float(Path("/proc/loadavg").read_text().split()[0])
    cores = os.cpu_count() or 1
    return f"load average {one:.1f} on {cores} cores" + (" (BUSY: other processes compete, figures skewed)"
                                                          if one > cores else "")


# --- figures ---------------------------------------------------------------------------------

def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# --- the peers' installation -----------------------------------------------------------------

class Unavailable(Exception):
    """A peer could not be installed or started; the bench says why and goes on."""


def _run(cmd: list[str], *, timeout: float, cwd: Path | None = None) -> None:
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Unavailable(f"{' '.join(cmd[:3])}: {e}") from None
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
        raise Unavailable(f"{' '.join(cmd[:4])} failed: {' | '.join(tail)}")


def _stamp_ok(stamp: Path, *sources: Path) -> bool:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    return stamp.exists() and stamp.read_text() == digest


def _stamp_write(stamp: Path, *sources: Path) -> None:
    stamp.write_text(hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest())


def ensure_oidc_provider_mock() -> Path:
    """A venv of its own (its dependencies need not agree with ours), pinned; its python."""
    req = BENCH / "peers" / "requirements-oidc-provider-mock.txt"
    venv = PEERS / "oidc-provider-mock"
    py = venv / "bin" / "python"
    stamp = venv / ".installed"
    if py.exists() and _stamp_ok(stamp, req):
        return py
    print("bench: installing oidc-provider-mock (PyPI, pinned) into bench/.peers/ ...", flush=True)
    if not py.exists():
        _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    _run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(req)], timeout=600)
    _stamp_write(stamp, req)
    return py


def ensure_node_oidc_provider() -> tuple[str, Path]:
    """npm ci of the pinned oidc-provider into bench/.peers/node; (node binary, that folder)."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    if not node or not npm:
        raise Unavailable("node/npm not found")
    out = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    if int(out.lstrip("v").split(".")[0]) < 20:
        raise Unavailable(f"oidc-provider 9 needs Node 20 or later, found {out}")
    src = BENCH / "peers" / "node"
    dest = PEERS / "node"
    stamp = dest / ".installed"
    sources = (src / "package.json", src / "package-lock.json")
    if (dest / "node_modules" / "oidc-provider").exists() and _stamp_ok(stamp, *sources):
        return node, dest
    print("bench: installing oidc-provider (npm, pinned) into bench/.peers/node ...", flush=True)
    dest.mkdir(parents=True, exist_ok=True)
    for f in sources:
        shutil.copy2(f, dest / f.name)
    _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=dest, timeout=600)
    _stamp_write(stamp, *sources)
    return node, dest


def ensure_py_spy() -> Path:
    target = PEERS / "tools"
    exe = target / "bin" / "py-spy"
    if exe.exists():
        return exe
    print(f"bench: installing py-spy {PYSPY_VERSION} (PyPI) into bench/.peers/tools ...", flush=True)
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
          str(target), f"py-spy=={PYSPY_VERSION}"], timeout=300)
    if not exe.exists():
        raise Unavailable("py-spy installed no binary")
    return exe


# --- profile ---------------------------------------------------------------------------------

class Profile:
    """py-spy sampling every thread of a running server (and its workers) for a while."""

    def __init__(self, pid: int, seconds: float, out: Path, rate: int = 200) -> None:
        self.out = out
        exe = ensure_py_spy()
        out.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [str(exe), "record", "--pid", str(pid), "--duration", str(int(max(1, seconds))), "--rate", str(rate),
             "--format", "raw", "--nolineno", "--subprocesses", "--nonblocking", "--output", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self) -> str | None:
        try:
            _, err = self.proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return "py-spy did not finish"
        if not self.out.exists():
            return f"py-spy wrote nothing: {err.decode(errors='replace')[-300:]}"
        return None


WAITING = ("Condition.wait ", "Event.wait ", "Queue.get ", "Thread.join ", "sleep ", "select ", "poll ",
           "trigger._physical_pull ", "wait ")
"""Leaf frames of a thread that waits (py-spy does not always see it as idle)."""


def summarize_profile(raw: Path, top: int = 15, own: str = "mock_thaid") -> list[str]:
    """The functions with the most samples: self time (leaf frame), and inclusive time of the
    project's own functions and of the libraries they call into."""
    self_t: Counter = Counter()
    incl: Counter = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames or any(frames[-1].startswith(w) for w in WAITING):
            continue
        total += n
        self_t[_short(frames[-1])] += n
        for f in set(_short(f) for f in frames):
            incl[f] += n
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples of server threads running or waiting for the GIL or a lock (idle waits left out);",
             "self time (the innermost frame):"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in self_t.most_common(top)]
    lines.append(f"inclusive time of {own}'s own functions (the function and what it calls):")
    skip = ("_serve.<locals>", "_ascii_query.<locals>", "<module>", "main (", "_serve (")
    shown = [(f, n) for f, n in incl.most_common() if f"({own}/" in f and not f.startswith(skip)]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in shown[:top]]
    return lines


def _short(frame: str) -> str:
    """'render (mock_thaid/qr.py)' from py-spy's 'render (/long/path/mock_thaid/qr.py)'."""
    name, _, path = frame.partition(" (")
    path = path.rstrip(")")
    for marker in ("site-packages/", str(ROOT) + "/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"

"""`make bench`: headless ThaiD logins against the real `mock-thaid serve`, with a floor.

A login = authorize (X-Mock-Persona, auto-approve) -> 302 with a fresh code -> token
request (client_secret_basic) -> ID token signature verified against /jwks/.
Prints logins/s, p50/p95 latency, errors, server CPU ms per login (from the server
process's own CPU time), peak RSS and cold start; and the same for a bare Flask endpoint
under the same server, as the floor. Figures go to stdout and bench/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ("demo-rp", "demo-rp-secret-TEST-ONLY")
REDIRECT = "http://127.0.0.1:8080/callback"
PERSONA = "1234567890121"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    """The server process and its worker processes (gunicorn)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            pids.extend(tree(int(child)))
    return pids


def proc_cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in tree(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return total


def proc_peak_rss_mb(pid: int) -> float:
    total = 0.0
    for p in tree(pid):
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return total


def start(cmd: list[str], ready_url: str, env=None) -> tuple[subprocess.Popen, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {cmd[:4]} exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(ready_url, timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except requests.ConnectionError:
            time.sleep(0.005)
        if time.perf_counter() - t0 > 30:
            proc.kill()
            raise SystemExit("bench: server did not start within 30 s")


class Verifier:
    def __init__(self, base: str) -> None:
        keys = requests.get(base + "/jwks/", timeout=5).json()["keys"]
        self.keys = {k["kid"]: jwt.PyJWK(k).key for k in keys}
        self.base = base

    def check(self, token: str) -> None:
        kid = jwt.get_unverified_header(token)["kid"]
        jwt.decode(token, self.keys[kid], algorithms=["ES256"], audience=CLIENT[0], issuer=self.base)


def one_login(sess: requests.Session, base: str, verifier: Verifier, n: int) -> None:
    r = sess.get(base + "/api/v2/oauth2/auth/", allow_redirects=False, headers={"X-Mock-Persona": PERSONA},
                 params={"response_type": "code", "client_id": CLIENT[0], "redirect_uri": REDIRECT,
                         "scope": "openid pid name", "state": f"s{n}", "nonce": f"n{n}"})
    if r.status_code != 302:
        raise RuntimeError(f"authorize {r.status_code}")
    code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
    r = sess.post(base + "/api/v2/oauth2/token/", auth=CLIENT,
                  data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    if r.status_code != 200:
        raise RuntimeError(f"token {r.status_code} {r.text[:200]}")
    verifier.check(r.json()["id_token"])


def one_ping(sess: requests.Session, base: str, _v, _n: int) -> None:
    if sess.get(base + "/ping").status_code != 200:
        raise RuntimeError("ping")


def run(fn, base: str, verifier, server_pid: int, concurrency: int, seconds: float, warmup: float) -> dict:
    stop_at = [0.0]
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = [0]

    def worker(measure: bool, until: float):
        sess = requests.Session()
        while time.perf_counter() < until:
            with lock:
                counter[0] += 1
                n = counter[0]
            t = time.perf_counter()
            try:
                fn(sess, base, verifier, n)
                if measure:
                    with lock:
                        lat.append(time.perf_counter() - t)
            except Exception:
                if measure:
                    with lock:
                        errors[0] += 1

    for measure, dur in ((False, warmup), (True, seconds)):
        if measure:
            cpu0 = proc_cpu_seconds(server_pid)
            t0 = time.perf_counter()
        until = time.perf_counter() + dur
        threads = [threading.Thread(target=worker, args=(measure, until)) for _ in range(concurrency)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    elapsed = time.perf_counter() - t0
    cpu = proc_cpu_seconds(server_pid) - cpu0
    done = len(lat)
    lat.sort()
    return {
        "concurrency": concurrency, "completed": done, "errors": errors[0],
        "per_second": round(done / elapsed, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 2) if lat else None,
        "p95_ms": round(lat[int(len(lat) * 0.95) - 1] * 1000, 2) if lat else None,
        "server_cpu_ms_per_op": round(cpu * 1000 / done, 3) if done else None,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--json", default=str(ROOT / "bench" / "results.json"))
    ap.add_argument("--workers", type=int, default=1, help="mock-thaid serve --workers (1 = waitress)")
    args = ap.parse_args(argv)
    results: dict = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
                     "server": "waitress" if args.workers == 1 else f"gunicorn x{args.workers}"}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, MOCK_THAID_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3")
        proc, cold = start([sys.executable, "-m", "mock_thaid.cli", "serve", "--port", str(port),
                            "--workers", str(args.workers)],
                           base + "/.well-known/openid-configuration", env)
        try:
            verifier = Verifier(base)
            results["mock"] = {"cold_start_s": round(cold, 3), "runs": []}
            for c in (1, 8):
                r = run(one_login, base, verifier, proc.pid, c, args.seconds, args.warmup)
                results["mock"]["runs"].append(r)
                print(f"mock  c={c}: {r['per_second']} logins/s  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  "
                      f"errors {r['errors']}  server CPU {r['server_cpu_ms_per_op']} ms/login", flush=True)
            results["mock"]["peak_rss_mb"] = round(proc_peak_rss_mb(proc.pid), 1)
        finally:
            proc.terminate()
            proc.wait(10)
        port = free_port()
        fbase = f"http://127.0.0.1:{port}"
        fproc, fcold = start([sys.executable, str(ROOT / "bench" / "floor_app.py"), str(port)], fbase + "/ping")
        try:
            results["floor"] = {"cold_start_s": round(fcold, 3), "runs": []}
            for c in (1, 8):
                r = run(one_ping, fbase, None, fproc.pid, c, args.seconds, args.warmup)
                results["floor"]["runs"].append(r)
                print(f"floor c={c}: {r['per_second']} req/s  p50 {r['p50_ms']} ms  "
                      f"server CPU {r['server_cpu_ms_per_op']} ms/request", flush=True)
        finally:
            fproc.terminate()
            fproc.wait(10)
    floor_cpu = results["floor"]["runs"][0]["server_cpu_ms_per_op"]
    mock_cpu = results["mock"]["runs"][0]["server_cpu_ms_per_op"]
    results["ratio_cpu_per_login_to_floor_request"] = round(mock_cpu / floor_cpu, 2)
    print(f"cold start {results['mock']['cold_start_s']} s (floor {results['floor']['cold_start_s']} s); "
          f"peak RSS {results['mock']['peak_rss_mb']} MB; one login costs "
          f"{results['ratio_cpu_per_login_to_floor_request']}x the server CPU of one bare Flask request")
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

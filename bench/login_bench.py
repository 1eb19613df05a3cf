"""`make bench`: the same headless login against mock_thaid and its peers, one at a time, in one run.

A login = authorize (each peer's one-step headless login; redirects followed) -> code at the
redirect URI -> token request (client_secret_basic) -> ID token signature verified against the
peer's JWKS (ES256 or RS256), with iss, aud and nonce checked. Every login starts with no cookies.

Peers (default order; --peers to choose, `mock-noinsp` and `opm-stock` on request):
  mock        mock-thaid serve (waitress, 1 process)        auto-login header X-Mock-Persona
  mock-w2     mock-thaid serve --workers 2 (gunicorn)
  opm         PyPI oidc-provider-mock under waitress, signing key imported once (bench/peers/opm_fast.py)
  node        npm oidc-provider 9, one-step auto login + consent interaction (bench/peers/node_op.mjs)
  floor       a one-route Flask app under waitress: one GET is one "login"
Peers install into bench/.peers/ (pinned: bench/peers/); one that cannot be installed or started
is reported and skipped.

Per peer: requests per login, server CPU ms per login at c=1 (utime+stime of the server's process
tree from /proc, before/after), logins/s and p50/p95 latency at c=8, cold start (launch -> first
200 on discovery), peak RSS (sum of VmHWM over the tree). Each repeat starts every server afresh;
the figures are medians over repeats. The client (this process, threads) shares the 2 cores.
Output: a Markdown table on stdout and bench/results.json. Compare ratios, not absolute times.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (BENCH, PEERS, ROOT, Profile, Server, Unavailable, cpu_seconds, free_port,  # noqa: E402
                      ensure_node_oidc_provider, ensure_oidc_provider_mock, load_average, peak_rss_mb,
                      percentile, summarize_profile)

CLIENT = ("demo-rp", "demo-rp-secret-TEST-ONLY")
REDIRECT = "http://127.0.0.1:8080/callback"
PERSONA = "1234567890121"
DISCOVERY = "/.well-known/openid-configuration"


@dataclass
class Peer:
    name: str
    label: str
    launch: Callable[[int, Path], tuple[list[str], dict | None]]
    ready: str = DISCOVERY
    floor: bool = False
    auth_method: str = "GET"
    auth_headers: dict = field(default_factory=dict)
    auth_form: dict | None = None
    scope: str = "openid pid name"


def _mock(*extra: str):
    def launch(port: int, tmp: Path):
        env = dict(os.environ, MOCK_THAID_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3")
        return [sys.executable, "-m", "mock_thaid.cli", "serve", "--port", str(port), *extra], env
    return launch


def _opm(*extra: str):
    def launch(port: int, tmp: Path):
        py = ensure_oidc_provider_mock()
        return [str(py), str(BENCH / "peers" / "opm_fast.py"), str(port), *extra], None
    return launch


def _node(port: int, tmp: Path):
    node, folder = ensure_node_oidc_provider()
    return [node, str(BENCH / "peers" / "node_op.mjs"), str(port), str(folder)], dict(os.environ, NODE_ENV="production")


def _floor(port: int, tmp: Path):
    return [sys.executable, str(BENCH / "floor_app.py"), str(port)], None


PEER_LIST = {
    "mock": Peer("mock", "mock_thaid (waitress, 1 process)", _mock(), auth_headers={"X-Mock-Persona": PERSONA}),
    "mock-w2": Peer("mock-w2", "mock_thaid --workers 2 (gunicorn)", _mock("--workers", "2"),
                    auth_headers={"X-Mock-Persona": PERSONA}),
    "mock-noinsp": Peer("mock-noinsp", "mock_thaid --no-inspector", _mock("--no-inspector"),
                        auth_headers={"X-Mock-Persona": PERSONA}),
    "opm": Peer("opm", "oidc-provider-mock 0.3.4 (waitress, key once)", _opm(), auth_method="POST",
                auth_form={"sub": PERSONA}, scope="openid email"),
    "opm-stock": Peer("opm-stock", "oidc-provider-mock 0.3.4 as shipped", _opm("--stock"), auth_method="POST",
                      auth_form={"sub": PERSONA}, scope="openid email"),
    "node": Peer("node", "oidc-provider 9.13.3 (Node, 1 process)", _node),
    "floor": Peer("floor", "floor: bare Flask GET (waitress)", _floor, ready="/ping", floor=True),
}
DEFAULT_PEERS = ["mock", "mock-w2", "opm", "node", "floor"]


class Driver:
    """One peer's login, as a headless relying party would do it."""

    def __init__(self, base: str, peer: Peer) -> None:
        self.base, self.peer = base, peer
        if peer.floor:
            return
        meta = requests.get(base + DISCOVERY, timeout=5).json()
        self.issuer, self.auth_ep, self.token_ep = meta["issuer"], meta["authorization_endpoint"], meta["token_endpoint"]
        self.keys = {}
        for k in requests.get(meta["jwks_uri"], timeout=5).json()["keys"]:
            alg = k.get("alg") or {"EC": "ES256", "RSA": "RS256"}[k["kty"]]
            self.keys[k.get("kid")] = (jwt.PyJWK(k, algorithm=alg).key, alg)

    def login(self, sess: requests.Session, n: int) -> int:
        """One login; returns the number of HTTP requests it took."""
        if self.peer.floor:
            r = sess.get(self.base + "/ping")
            if r.status_code != 200:
                raise RuntimeError(f"ping {r.status_code}")
            return 1
        sess.cookies.clear()
        params = {"response_type": "code", "client_id": CLIENT[0], "redirect_uri": REDIRECT,
                  "scope": self.peer.scope, "state": f"s{n}", "nonce": f"n{n}"}
        r = sess.request(self.peer.auth_method, self.auth_ep, params=params, headers=self.peer.auth_headers,
                         data=self.peer.auth_form, allow_redirects=False)
        count = 1
        while r.status_code in (301, 302, 303, 307) and not r.headers["Location"].startswith(REDIRECT):
            if count >= 8:
                raise RuntimeError("too many redirects")
            r = sess.get(urljoin(r.url, r.headers["Location"]), allow_redirects=False)
            count += 1
        if r.status_code not in (302, 303) or not r.headers.get("Location", "").startswith(REDIRECT):
            raise RuntimeError(f"authorize ended with {r.status_code} {r.text[:200]}")
        query = parse_qs(urlsplit(r.headers["Location"]).query)
        if query.get("state") != [f"s{n}"] or "code" not in query:
            raise RuntimeError(f"bad redirect {r.headers['Location'][:200]}")
        r = sess.post(self.token_ep, auth=CLIENT, data={"grant_type": "authorization_code", "code": query["code"][0],
                                                       "redirect_uri": REDIRECT})
        count += 1
        if r.status_code != 200:
            raise RuntimeError(f"token {r.status_code} {r.text[:200]}")
        token = r.json()["id_token"]
        kid = jwt.get_unverified_header(token).get("kid")
        key, alg = self.keys[kid] if kid in self.keys or len(self.keys) != 1 else next(iter(self.keys.values()))
        claims = jwt.decode(token, key, algorithms=[alg], audience=CLIENT[0], issuer=self.issuer)
        if claims.get("nonce") != f"n{n}":
            raise RuntimeError("nonce")
        return count


def run(driver: Driver, server_pid: int, concurrency: int, seconds: float, warmup: float) -> dict:
    lat: list[float] = []
    errors: list[str] = []
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
                driver.login(sess, n)
                if measure:
                    dt = time.perf_counter() - t
                    with lock:
                        lat.append(dt)
            except Exception as e:  # counted and shown, the run goes on
                if measure:
                    with lock:
                        errors.append(f"{type(e).__name__}: {e}"[:200])

    for measure, dur in ((False, warmup), (True, seconds)):
        if measure:
            cpu0, client0, t0 = cpu_seconds(server_pid), time.process_time(), time.perf_counter()
        until = time.perf_counter() + dur
        threads = [threading.Thread(target=worker, args=(measure, until)) for _ in range(concurrency)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds(server_pid) - cpu0
    client = time.process_time() - client0
    done = len(lat)
    lat.sort()
    return {
        "concurrency": concurrency, "completed": done, "errors": len(errors), "first_error": errors[0] if errors else None,
        "per_second": round(done / elapsed, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 2) if lat else None,
        "p95_ms": round(percentile(lat, 95) * 1000, 2) if lat else None,
        "server_cpu_ms": round(cpu * 1000 / done, 3) if done else None,
        "client_cpu_ms": round(client * 1000 / done, 3) if done else None,
    }


def measure_peer(peer: Peer, args, profile_to: Path | None = None) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        cmd, env = peer.launch(port, Path(tmp))
        with Server(cmd, base + peer.ready, label=peer.name, env=env) as server:
            driver = Driver(base, peer)
            requests_per_login = driver.login(requests.Session(), 0)
            out = {"cold_start_s": round(server.cold_start_s, 3), "requests_per_login": requests_per_login}
            for c in (1, 8):
                prof = Profile(server.pid, args.seconds, profile_to) if (profile_to and c == 8) else None
                r = run(driver, server.pid, c, args.seconds, args.warmup)
                if prof is not None:
                    out["profile_error"] = prof.wait()
                out[f"c{c}"] = r
            out["peak_rss_mb"] = round(peak_rss_mb(server.pid), 1)
            if server.proc.poll() is not None:
                raise RuntimeError(f"server died: {server.log_tail()}")
    return out


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def summarize(reps: list[dict]) -> dict:
    pick = {
        "requests_per_login": lambda r: r["requests_per_login"],
        "cpu_ms_per_login_c1": lambda r: r["c1"]["server_cpu_ms"],
        "logins_per_s_c1": lambda r: r["c1"]["per_second"],
        "logins_per_s_c8": lambda r: r["c8"]["per_second"],
        "p50_ms_c8": lambda r: r["c8"]["p50_ms"],
        "p95_ms_c8": lambda r: r["c8"]["p95_ms"],
        "cpu_ms_per_login_c8": lambda r: r["c8"]["server_cpu_ms"],
        "client_cpu_ms_per_login_c8": lambda r: r["c8"]["client_cpu_ms"],
        "cold_start_s": lambda r: r["cold_start_s"],
        "peak_rss_mb": lambda r: r["peak_rss_mb"],
    }
    out = {k: median([f(r) for r in reps]) for k, f in pick.items()}
    out["errors"] = sum(r["c1"]["errors"] + r["c8"]["errors"] for r in reps)
    return out


def fmt(v, nd=1):
    if v is None:
        return "–"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def table(results: dict, order: list[str]) -> str:
    ok = [n for n in order if results[n].get("median")]
    ops = [n for n in ok if not PEER_LIST[n].floor]
    floor = results.get("floor", {}).get("median")
    best_cpu = min((results[n]["median"]["cpu_ms_per_login_c1"] for n in ops), default=None)
    best_rate = max((results[n]["median"]["logins_per_s_c8"] for n in ops), default=None)
    rows = ["| peer | requests/login | server CPU ms/login, c=1 | × best | × floor | logins/s, c=8 | × best "
            "| × floor | p50 / p95 ms, c=8 | cold start s | peak RSS MB | errors |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in ok:
        m = results[n]["median"]
        cpu, rate = m["cpu_ms_per_login_c1"], m["logins_per_s_c8"]
        floor_row = PEER_LIST[n].floor
        rows.append("| " + " | ".join([
            PEER_LIST[n].label, fmt(m["requests_per_login"], 0),
            fmt(cpu, 2),
            "–" if floor_row else fmt(cpu / best_cpu, 2) + "×",
            fmt(cpu / floor["cpu_ms_per_login_c1"], 1) + "×" if floor else "–",
            fmt(rate, 0),
            "–" if floor_row else fmt(rate / best_rate, 2) + "×",
            fmt(rate / floor["logins_per_s_c8"], 2) + "×" if floor else "–",
            f"{fmt(m['p50_ms_c8'])} / {fmt(m['p95_ms_c8'])}",
            fmt(m["cold_start_s"], 2), fmt(m["peak_rss_mb"], 0), str(m["errors"]),
        ]) + " |")
    for n in order:
        if results[n].get("unavailable"):
            rows.append(f"| {PEER_LIST[n].label} | not measured: {results[n]['unavailable']} |" + " |" * 10)
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--seconds", type=float, default=4.0, help="measured seconds per concurrency (default 4)")
    ap.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each (default 1)")
    ap.add_argument("--repeats", type=int, default=2, help="fresh server runs per peer; medians (default 2)")
    ap.add_argument("--peers", default=",".join(DEFAULT_PEERS),
                    help=f"comma-separated, from {', '.join(PEER_LIST)} (default {','.join(DEFAULT_PEERS)})")
    ap.add_argument("--profile", action="store_true",
                    help="also sample mock_thaid (waitress) with py-spy during one extra c=8 run and print the top")
    ap.add_argument("--json", default=str(BENCH / "results.json"))
    args = ap.parse_args(argv)
    order = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in order if p not in PEER_LIST]
    if unknown:
        ap.error(f"unknown peer(s) {', '.join(unknown)}; known: {', '.join(PEER_LIST)}")
    print(f"bench: {len(order)} peers x {args.repeats} repeats, {args.warmup:g}+{args.seconds:g} s at c=1 and c=8 "
          f"each; client and server share the cores; {load_average()}", flush=True)
    load_start = load_average()
    results: dict = {n: {"label": PEER_LIST[n].label, "repeats": []} for n in order}
    for rep in range(args.repeats):
        for n in order:
            if results[n].get("unavailable"):
                continue
            try:
                r = measure_peer(PEER_LIST[n], args)
            except Unavailable as e:
                results[n]["unavailable"] = str(e)
                print(f"bench: {n}: not measured ({e})", flush=True)
                continue
            except Exception as e:  # a peer that fails to start or dies: say so, go on
                results[n]["unavailable"] = f"{type(e).__name__}: {str(e)[:300]}"
                print(f"bench: {n}: failed ({results[n]['unavailable']})", flush=True)
                continue
            results[n]["repeats"].append(r)
            err = r["c1"]["first_error"] or r["c8"]["first_error"]
            print(f"  [{rep + 1}/{args.repeats}] {n:11s} {r['requests_per_login']} req/login  "
                  f"c=1 {r['c1']['server_cpu_ms']} ms CPU/login  c=8 {r['c8']['per_second']}/s "
                  f"p50 {r['c8']['p50_ms']} p95 {r['c8']['p95_ms']} ms  cold {r['cold_start_s']} s  "
                  f"RSS {r['peak_rss_mb']} MB  errors {r['c1']['errors'] + r['c8']['errors']}"
                  + (f"  first error: {err}" if err else ""), flush=True)
    for n in order:
        if results[n]["repeats"]:
            results[n]["median"] = summarize(results[n]["repeats"])
            results[n].pop("unavailable", None)
    print()
    print(f"Median of {args.repeats} repeat(s), {args.seconds:g} s each at c=1 and c=8 "
          f"({os.cpu_count()} cores shared by client and server). × best: against the best peer "
          f"(floor excluded); × floor: against one bare Flask request. At the start: {load_start}; "
          f"at the end: {load_average()}.")
    print()
    print(table(results, order))
    doc = {
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {"seconds": args.seconds, "warmup": args.warmup, "repeats": args.repeats, "peers": order},
        "load": {"start": load_start, "end": load_average()},
        "peers": results,
    }
    if args.profile and "mock" in order:
        out = PEERS / "profiles" / "login-mock.raw"
        print(f"\nprofile: mock_thaid (waitress) under c=8 logins, py-spy for {args.seconds:g} s ...", flush=True)
        try:
            r = measure_peer(PEER_LIST["mock"], args, profile_to=out)
            problem = r.get("profile_error")
            lines = [problem] if problem else summarize_profile(out)
        except Exception as e:
            lines = [f"profile failed: {e}"]
        print("\n".join(lines))
        doc["profile_mock_c8"] = lines
    Path(args.json).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {Path(args.json).relative_to(ROOT) if Path(args.json).is_relative_to(ROOT) else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

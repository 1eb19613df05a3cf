"""`make bench-classroom`: a simulated class of trainees against a real `mock-thaid serve` on 127.0.0.1.

Each trainee is two browsers with their own cookies, driven through the HTML pages and their
forms (CSRF tokens read from the pages, as a browser sends them back; no JSON API):
  phone    the app's home -> self-registration: camera, channel, terms, card front and back
           (realistic phone JPEGs, 2-4 MB, 12 MP), "whose card is it", the data read, selfie
           (same size), PIN twice, consent with the PIN -> digital card; then it scans the
           desktop's QR (the app link) and approves the login with its PIN. Every image a page
           shows (photo previews, the digital card) is fetched, as the page would.
  desktop  the relying party sends it to authorize -> 302 to the QR page, which it polls as the
           page's script does (next poll 1 s after the last answer); "new QR" when it expires;
           on approval the relying party exchanges the code (token endpoint) and checks the ID token.
plus one trainer console: the page once, then /_mock/trainer/progress every 2 s (setInterval).

People think between steps (--think-scale 0 for none). Trainees start spread over --ramp seconds.
Citizens: the seeded unregistered ones (outcomes set to pass and cards renewed through the control
API, as a trainer would before the class) plus citizens added with POST /_mock/citizens.
The server runs in classroom mode bound to 127.0.0.1 (--no-classroom for laptop mode). Every loop
is bounded by --max-seconds. Reports per-step p50/p95, errors, server CPU and memory (process tree
RSS, sampled) against the targets: 0 errors, p95 <= 300 ms for pages and polls, <= 1 s for photos.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (BENCH, PEERS, ROOT, Profile, Server, cpu_seconds, free_port, load_average,  # noqa: E402
                      peak_rss_mb, percentile, rss_mb, summarize_profile)
from classroom_photos import make_photos  # noqa: E402
from classroom_trainee import (DESKTOP_UA, STEPS, TARGET_MS, Browser, Clock, Recorder, StepFailed,  # noqa: E402
                               Stop, Trainee, Verifier, prepare_class)


def trainer(base: str, rec: Recorder, clock: Clock, auth: dict, done: threading.Event) -> None:
    tr = Browser(base, rec, DESKTOP_UA, headers=auth)
    try:
        tr.step("trainer console", "GET", "/_mock/trainer/")
        tick = time.monotonic()
        while not done.is_set():
            tick += 2.0  # setInterval(refresh, 2000), as the console's script does
            clock.sleep(tick - time.monotonic())
            tr.step("trainer progress", "GET", "/_mock/trainer/progress?lang=th")
    except (StepFailed, Stop):
        pass
    finally:
        tr.close()


def monitor(pid: int, clock: Clock, samples: list, done: threading.Event) -> None:
    while not done.is_set():
        samples.append((round(time.monotonic() - clock.t0, 1), rss_mb(pid)))
        done.wait(0.5)


# --- the run -----------------------------------------------------------------------------------

def machine_cpu() -> list[int]:
    """The machine's CPU counters (/proc/stat): user nice system idle iowait irq softirq steal."""
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def machine_split(before: list[int], after: list[int]) -> dict:
    d = [b - a for a, b in zip(before, after)]
    total = sum(d) or 1
    return {"busy_pct": round(100 * (d[0] + d[1] + d[2] + d[5] + d[6]) / total), "iowait_pct": round(100 * d[4] / total),
            "idle_pct": round(100 * d[3] / total), "steal_pct": round(100 * d[7] / total)}


def run_class(k: int, args, base: str, auth: dict, server: Server, rec: Recorder, rng: random.Random,
              prof_pid: int) -> dict:
    pids, notes = prepare_class(base, auth, args.trainees, rng)
    photos = make_photos(base, pids[0])
    verifier = Verifier(base)
    sizes = ", ".join(f"{kind} {len(v) / 1e6:.1f} MB" for kind, v in photos.items())
    print(f"classroom: class {k + 1}: {len(pids)} trainees; photos {sizes}; {'; '.join(notes)}; {load_average()}",
          flush=True)
    notes.append("at the start: " + load_average())
    rss_before = rss_mb(prof_pid)
    clock = Clock(args.max_seconds, args.think_scale, args.seed + k)
    cpu0, client0, mach0 = cpu_seconds(server.pid), time.process_time(), machine_cpu()
    start = time.monotonic()
    trainees = [Trainee(i, pid, base, rec, clock, photos, start + rng.uniform(0, args.ramp))
                for i, pid in enumerate(pids)]
    done, samples = threading.Event(), []
    side = [threading.Thread(target=trainer, args=(base, rec, clock, auth, done), daemon=True),
            threading.Thread(target=monitor, args=(server.pid, clock, samples, done), daemon=True)]
    people = [threading.Thread(target=t.phone, daemon=True) for t in trainees] + \
             [threading.Thread(target=t.desktop, args=(verifier,), daemon=True) for t in trainees]
    for th in side + people:
        th.start()
    last = 0.0
    while any(th.is_alive() for th in people) and clock.left() > -10:
        time.sleep(0.5)
        if time.monotonic() - last >= 15:
            last = time.monotonic()
            print(f"  t={time.monotonic() - start:4.0f} s  registered {sum(t.registered for t in trainees)}"
                  f"/{len(trainees)}  logged in {sum(t.logged_in for t in trainees)}  errors "
                  f"{sum(len(v) for v in rec.errors.values())}  server RSS {rss_mb(server.pid):.0f} MB",
                  flush=True)
    clock.stop.set()
    done.set()
    for th in side + people:
        th.join(15)
    out = {"trainees": trainees, "elapsed": time.monotonic() - start, "cpu": cpu_seconds(server.pid) - cpu0,
           "client_cpu": time.process_time() - client0, "machine": machine_split(mach0, machine_cpu()),
           "rss_before": rss_before, "rss_after": rss_mb(server.pid),
           "rss_peak": max([r for _, r in samples] or [0.0]), "samples": samples, "notes": notes}
    notes.append("at the end: " + load_average())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--trainees", type=int, default=60, help="class size (default 60)")
    ap.add_argument("--ramp", type=float, default=30.0, help="seconds over which trainees start (default 30)")
    ap.add_argument("--think-scale", type=float, default=1.0,
                    help="multiplies every person's think time (default 1; 0 = no thinking, a stress run)")
    ap.add_argument("--max-seconds", type=float, default=240.0, help="hard stop for each class (default 240)")
    ap.add_argument("--classes", type=int, default=1,
                    help="classes one after the other on the same server, new citizens each (memory over time)")
    ap.add_argument("--workers", type=int, default=1, help="mock-thaid serve --workers (default 1: waitress)")
    ap.add_argument("--no-classroom", dest="classroom", action="store_false",
                    help="laptop mode instead of `serve --classroom` (still bound to 127.0.0.1)")
    ap.add_argument("--profile", action="store_true", help="sample the mock with py-spy for the whole run")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="an environment variable for the server (e.g. MALLOC_ARENA_MAX=2); repeatable")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--json", default=str(BENCH / "classroom_results.json"))
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    rec = Recorder()
    token = secrets.token_urlsafe(24)
    auth = {"Authorization": f"Bearer {token}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="classroom-") as tmp:
        db = Path(tmp) / "class.sqlite3"
        env = dict(os.environ, MOCK_THAID_DATABASE_URL=f"sqlite:///{db}", MOCK_THAID_CONTROL_TOKEN=token)
        env.update(kv.split("=", 1) for kv in args.server_env)
        cmd = [sys.executable, "-m", "mock_thaid.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(args.workers)]
        if args.classroom:
            cmd += ["--classroom", "--public-url", base]
        with Server(cmd, base + "/healthz", label="classroom-mock", env=env) as server:
            print(f"classroom: mock-thaid serve{' --classroom' if args.classroom else ''} "
                  f"({'waitress' if args.workers == 1 else f'gunicorn x{args.workers}'}) on {base}, "
                  f"cold start {server.cold_start_s:.2f} s" + (f"; server env {' '.join(args.server_env)}"
                                                                if args.server_env else ""), flush=True)
            prof = Profile(server.pid, args.classes * (args.max_seconds + 30), PEERS / "profiles" /
                           "classroom-mock.raw") if args.profile else None
            classes = [run_class(k, args, base, auth, server, rec, rng, server.pid) for k in range(args.classes)]
            if prof is not None:
                prof.proc.send_signal(2)  # py-spy writes its samples on SIGINT (our own child)
            db_mb = sum(f.stat().st_size for f in Path(tmp).glob("class.sqlite3*")) / 1e6
            signs = server.waitress_signs()
            vmhwm = peak_rss_mb(server.pid)
            profile_lines = None
            if prof is not None:
                problem = prof.wait()
                profile_lines = [problem] if problem else summarize_profile(prof.out)
    report(args, rec, classes, db_mb, vmhwm, profile_lines, server.cold_start_s, signs)
    return 0


def report(args, rec, classes, db_mb, vmhwm, profile_lines, cold, signs) -> None:
    trainees = [t for c in classes for t in c["trainees"]]
    elapsed = sum(c["elapsed"] for c in classes)
    cpu = sum(c["cpu"] for c in classes)
    client_cpu = sum(c["client_cpu"] for c in classes)
    rows, doc_steps = [], {}
    worst = {"page": (0.0, ""), "poll": (0.0, ""), "photo": (0.0, "")}
    for step, kind in STEPS.items():
        lat = sorted(rec.times.get(step, []))
        errs = rec.errors.get(step, [])
        if not lat and not errs:
            continue
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        target = TARGET_MS[kind]
        ok = not errs and p95 is not None and p95 * 1000 <= target
        if p95 is not None and p95 * 1000 > worst[kind][0]:
            worst[kind] = (p95 * 1000, step)
        rows.append(f"| {step} | {kind} | {len(lat)} | {_ms(p50)} | {_ms(p95)} | {_ms(lat[-1] if lat else None)} "
                    f"| {len(errs)} | ≤ {target} | {'ok' if ok else 'MISSED'} |")
        doc_steps[step] = {"kind": kind, "n": len(lat), "p50_ms": _r(p50), "p95_ms": _r(p95),
                           "max_ms": _r(lat[-1] if lat else None), "errors": len(errs), "error_examples": errs[:3],
                           "target_ms": target}
    n_err = sum(len(v) for v in rec.errors.values())
    registered = sum(t.registered for t in trainees)
    logged_in = sum(t.logged_in for t in trainees)
    print()
    print(f"{len(classes)} class(es) of {args.trainees} (HTML forms with CSRF tokens, cookies per device; no JSON API), "
          f"think-time scale {args.think_scale:g}, ramp {args.ramp:g} s: {elapsed:.0f} s, "
          f"{rec.requests} requests ({rec.requests / elapsed:.0f}/s), {rec.upload_bytes / 1e6:.0f} MB of photos uploaded.")
    print()
    print("| step | kind | n | p50 ms | p95 ms | max ms | errors | target p95 ms | |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print(f"- registered {registered}/{len(trainees)}, logged in by QR {logged_in}/{len(trainees)}; "
          f"errors {n_err} (target 0: {'met' if n_err == 0 else 'MISSED'})")
    for kind, target in TARGET_MS.items():
        ms, step = worst[kind]
        print(f"- worst {kind} p95: {ms:.0f} ms ({step or '–'}); target ≤ {target} ms: "
              f"{'met' if ms <= target else 'MISSED'}")
    print(f"- server CPU {cpu:.1f} s over {elapsed:.0f} s ({100 * cpu / elapsed:.0f}% of one core; "
          f"{1000 * cpu / max(1, len(trainees)):.0f} ms per trainee); the bench's own CPU {client_cpu:.1f} s")
    for k, c in enumerate(classes):
        m = c["machine"]
        print(f"- class {k + 1}: server RSS {c['rss_before']:.0f} MB before, {c['rss_peak']:.0f} MB peak, "
              f"{c['rss_after']:.0f} MB after; the machine's CPUs {m['busy_pct']}% busy, {m['iowait_pct']}% waiting "
              f"for the disk, {m['idle_pct']}% idle")
    first = classes[0]["rss_after"]
    last = classes[-1]["rss_after"]
    bounded = "one class only: run --classes 2 to see the trend" if len(classes) == 1 else (
        f"after the last class {last:.0f} MB vs {first:.0f} MB after the first: "
        + ("bounded" if last <= first * 1.15 else "GROWING"))
    print(f"- memory: VmHWM {vmhwm:.0f} MB; {bounded}; database {db_mb:.0f} MB at the end")
    if signs:
        print(f"- waitress: connection limit (100 by default) reached {signs['connection_limit_reached']} times, "
              f"task queue up to {signs['task_queue_max_depth']} requests deep "
              f"({(16 if args.classroom else 4) if args.workers == 1 else (8 if args.classroom else 4)} "
              f"threads per process: serve's default)")
    for what, n in rec.notes.items():
        print(f"- {what}: {n} x (expected in a class, not counted as errors)")
    print(f"- cold start {cold:.2f} s; set-up: " + " | ".join("; ".join(c["notes"]) for c in classes))
    failed = [f"{t.i}:{t.failed}" for t in trainees if t.failed]
    if failed:
        print(f"- trainees stopped by an error: {', '.join(failed[:10])}{' ...' if len(failed) > 10 else ''}")
    for step, errs in rec.errors.items():
        print(f"  {step}: {len(errs)} x, e.g. {errs[0]}")
    if profile_lines:
        print("\nprofile of the mock during the class (py-spy, all threads):")
        print("\n".join(profile_lines))
    doc = {
        "settings": {k: v for k, v in vars(args).items() if k != "json"},
        "elapsed_s": round(elapsed, 1), "requests": rec.requests, "upload_mb": round(rec.upload_bytes / 1e6, 1),
        "registered": registered, "logged_in": logged_in, "errors": n_err, "steps": doc_steps,
        "server_cpu_s": round(cpu, 2), "client_cpu_s": round(client_cpu, 2),
        "classes": [{"elapsed_s": round(c["elapsed"], 1), "server_cpu_s": round(c["cpu"], 2), "machine_cpu": c["machine"],
                     "rss_mb": {"before": round(c["rss_before"], 1), "peak_sampled": round(c["rss_peak"], 1),
                                "after": round(c["rss_after"], 1), "samples": c["samples"][::4]},
                     "notes": c["notes"]} for c in classes],
        "vmhwm_mb": round(vmhwm, 1), "database_mb": round(db_mb, 1), "cold_start_s": round(cold, 3),
        "waitress": signs, "expected_retries": dict(rec.notes), "profile": profile_lines,
    }
    Path(args.json).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwrote {Path(args.json).relative_to(ROOT) if Path(args.json).is_relative_to(ROOT) else args.json}")


def _ms(v):
    return "–" if v is None else f"{v * 1000:.0f}"


def _r(v):
    return None if v is None else round(v * 1000, 1)


if __name__ == "__main__":
    sys.exit(main())

"""`mock-thaid check-rp`: run the battery against one relying party and write the report card."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rp", required=True, help="the relying party's base URL, e.g. http://127.0.0.1:5001")
    p.add_argument("--start", required=True, help="the path (or URL) on the RP that starts a ThaiD login")
    p.add_argument("--profile", default=None, help="YAML: what the RP shows on success and refusal, and its hooks")
    p.add_argument("--mock", default="http://127.0.0.1:8000", help="the mock's base URL (default %(default)s)")
    p.add_argument("--control-token", default=None,
                   help="the mock's control token, if it has one (default: env MOCK_THAID_CONTROL_TOKEN)")
    p.add_argument("--html", default=None, help="write the HTML report card here")
    p.add_argument("--junit", default=None, help="write JUnit XML here")
    p.add_argument("--lang", choices=["th", "en"], default="th", help="the report's first language (default th)")
    p.add_argument("--only", default=None, help="comma-separated row ids to run (default: all)")
    p.add_argument("--driver", choices=["http", "browser"], default="http",
                   help="http (default): a headless person over HTTP, following redirects; browser: real "
                        "Chromium through Playwright, for RPs whose login starts with JavaScript "
                        "(needs pip install 'thaid-sandbox[browser]' and the system's chromium)")
    p.add_argument("--chromium", default=None,
                   help="--driver browser: the Chromium executable (default /usr/bin/chromium)")


def run(args: argparse.Namespace) -> int:
    from ..settings import Settings
    from . import report
    from .control import Control
    from .profile import ProfileError, load
    from .rows import Context, battery, run_all

    try:
        profile = load(args.profile)
    except ProfileError as e:
        print(f"mock-thaid check-rp: {e}", file=sys.stderr)
        return 2
    known = [rid for rid, _, _ in battery()]
    only = set(args.only.split(",")) if args.only else set(known)
    unknown = sorted((only | set(profile.skip)) - set(known))
    if unknown:
        print(f"mock-thaid check-rp: unknown row id(s) {', '.join(unknown)}; rows: {', '.join(known)}",
              file=sys.stderr)
        return 2
    token = args.control_token if args.control_token is not None else Settings.from_env().control_token
    mock, rp = args.mock.rstrip("/"), args.rp.rstrip("/")
    control = Control(mock, token)
    started, t0 = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    total = len(only)
    done = [0]

    def progress(r) -> None:
        done[0] += 1
        print(f"[{done[0]}/{total}] " + report.line(r, args.lang), flush=True)

    def check():
        chromium = None
        if args.driver == "browser":
            from .chromium import CHROMIUM, Chromium

            chromium = Chromium(args.chromium or CHROMIUM)
        ctx = Context(rp=rp, start=args.start, mock=mock, profile=profile, control=control, chromium=chromium)
        try:
            return ctx, run_all(ctx, only=lambda rid: rid in only, progress=progress)
        finally:
            if chromium is not None:
                chromium.close()

    try:
        if args.driver == "browser":
            from .chromium import BrowserMissing

            # Playwright's sync API refuses a thread in which an asyncio loop runs (a notebook, a
            # test session that drives Playwright itself): the browser gets a thread of its own.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="check-rp-chromium") as pool:
                try:
                    ctx, results = pool.submit(check).result()
                except BrowserMissing as e:
                    print(f"mock-thaid check-rp: {e}", file=sys.stderr)
                    return 2
        else:
            ctx, results = check()
    finally:
        control.close()
    out = report.Run(rp=rp, start=args.start, mock=mock, client_id=ctx.client_id, persona=profile.persona,
                     profile=args.profile or "", started=started, seconds=time.perf_counter() - t0,
                     results=results, driver=args.driver)
    print(report.summary(out, args.lang))
    if args.junit:
        report.junit(out, args.junit, args.lang)
        print(f"JUnit XML: {args.junit}")
    if args.html:
        report.html(out, args.html, args.lang)
        print(f"HTML: {args.html}")
    return 0 if out.ok else 1

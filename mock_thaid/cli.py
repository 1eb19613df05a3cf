"""`mock-thaid serve | wait | init | keys | scenario run | citizens | check-rp` — see README."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .settings import Settings, set_in_env, setting_names


def _add_setting_flags(p: argparse.ArgumentParser) -> None:
    defaults = Settings()
    for name in setting_names():
        default = getattr(defaults, name)
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            p.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None)
        else:
            p.add_argument(flag, dest=name, type=type(default), default=None,
                           help=f"(default {default!r}; env MOCK_THAID_{name.upper()})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="mock-thaid", description="An offline ThaiD (DOPA Digital ID) mock.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="run the mock (waitress; --dev for Flask's reloader-free dev server)")
    serve.add_argument("--host", default=None,
                       help="bind address (default 127.0.0.1; 0.0.0.0 with --classroom)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=None,
                       help="waitress worker threads (default 4: on a laptop's few cores more threads only "
                            "fight over Python's lock; 16 with --classroom: a class's phones wait for their "
                            "PIN and photo steps, which take turns on the cores, while pages and polling go "
                            "on). With --workers, half as many per worker (default 4, --classroom 8)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes; more than 1 runs gunicorn (state is shared through the database)")
    serve.add_argument("--dev", action="store_true", help="use Flask's development server")
    _add_setting_flags(serve)
    keys = sub.add_parser("keys", help="TEST-ONLY signing keys")
    keys.add_argument("action", choices=["generate", "rotate", "show"])
    keys.add_argument("--dir", default=None, help="keys folder (default: the keys_dir setting)")
    keys.add_argument("--keep", type=int, default=2, help="rotate: how many keys stay published")
    scen = sub.add_parser("scenario", help="YAML login scenarios")
    scen_sub = scen.add_subparsers(dest="scenario_cmd", required=True)
    srun = scen_sub.add_parser("run", help="run scenario files or folders against a running mock")
    srun.add_argument("paths", nargs="*", help="scenario files or folders")
    srun.add_argument("--shipped", choices=["mock", "lhr", "all"], default=None,
                      help="also run the scenarios shipped with the package (mock-* need only the mock)")
    srun.add_argument("--mock", default="http://127.0.0.1:8000", help="the mock's base URL")
    srun.add_argument("--rp", default=None, help="the relying party's base URL (for rp scenarios)")
    srun.add_argument("--junit", default=None, help="write JUnit XML here")
    srun.add_argument("--reset", dest="reset", action="store_true", default=False,
                      help="reset the WHOLE mock before each scenario (unless its setup says reset: false): "
                           "citizens, accounts, clients, logins, registrations, faults, the clock and the "
                           "inspector history go back to the data files, a trainer's class included. "
                           "Default: no reset; each scenario arms its faults for its own client only and "
                           "clears them, and moves a clock it moved back")
    srun.add_argument("--no-reset", dest="reset", action="store_false", help=argparse.SUPPRESS)
    srun.add_argument("--control-token", default=None,
                      help="the mock's control token, if it has one (default: env MOCK_THAID_CONTROL_TOKEN)")
    scen_sub.add_parser("check", help="validate scenario files without running them").add_argument("paths", nargs="+")
    cit = sub.add_parser("citizens", help="list the synthetic citizens in the data file")
    cit.add_argument("--file", default=None)
    wait = sub.add_parser("wait", help="wait until a mock (or LHR) answers GET /healthz with 200; exit 1 on time-out")
    wait.add_argument("url", nargs="?", default="http://127.0.0.1:8000", help="base URL (default %(default)s)")
    wait.add_argument("--timeout", type=float, default=60.0, help="seconds (default %(default)s)")
    init = sub.add_parser("init", help="write editable copies of citizens, clients and scenarios into DIR")
    init.add_argument("dir")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    from .checkrp.main import add_arguments as add_check_rp

    add_check_rp(sub.add_parser("check-rp", help="run generic ThaiD scenarios against any relying party; "
                                "HTML and JUnit report card"))
    args = ap.parse_args(argv)
    if args.cmd == "check-rp":
        from .checkrp.main import run as check_rp

        return check_rp(args)
    if args.cmd == "wait":
        from .readiness import wait_ready

        return wait_ready(args.url, args.timeout)
    if args.cmd == "init":
        from .initdir import init_dir

        return init_dir(args.dir, force=args.force)

    if args.cmd == "serve":
        return _serve(args)
    if args.cmd == "keys":
        return _keys(args)
    if args.cmd == "citizens":
        return _citizens(args)
    if args.cmd == "scenario":
        return _scenario(args)
    return 2


def _serve(args) -> int:
    from .app import create_app

    overrides = {n: getattr(args, n) for n in setting_names() if getattr(args, n, None) is not None}
    if overrides.get("database_url", Settings.from_env().database_url) in ("sqlite://", "sqlite:///:memory:"):
        # One in-memory connection shared by the server's threads is not safe under concurrent
        # requests: a throw-away file gives the same "fresh every start" with real transactions.
        import atexit
        import shutil
        import tempfile

        tmp = tempfile.mkdtemp(prefix="mock-thaid-")
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        overrides["database_url"] = f"sqlite:///{tmp}/mock.sqlite3"
    server = None
    port = args.port
    classroom = overrides.get("classroom", Settings.from_env().classroom)
    if args.host is None:
        args.host = "0.0.0.0" if classroom else "127.0.0.1"
    threads_given = args.threads is not None
    if not threads_given:
        args.threads = 16 if classroom else 4
    if args.workers > 1 and not threads_given:
        args.threads = 16 if classroom else 8  # gunicorn: half of it per worker
    _control_token_for_lan(args.host, overrides)
    _officer_password(overrides)  # printed after the "serving" line (scripts read that line first)
    if args.workers > 1 and not args.dev:
        return _serve_gunicorn(args, overrides)
    if not args.dev:
        from waitress.server import create_server

        holder: dict = {}

        def wsgi(environ, start_response):
            return holder["app"](environ, start_response)

        # Bind first, so --port 0 picks a free port and the issuer can name it.
        # A class of 60 keeps ~120 browsers' connections open: waitress's default limit (100) queued them.
        server = create_server(wsgi, host=args.host, port=args.port, threads=args.threads,
                               ident="mock-thaid", clear_untrusted_proxy_headers=True, connection_limit=1000)
        port = server.effective_port
    if classroom and not _classroom_urls(args.host, port, overrides):
        return 2
    if "issuer" not in overrides and not set_in_env("issuer"):
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        overrides["issuer"] = f"http://{host}:{port}"
    show_officer = overrides.pop("_print_officer_password", False)
    try:
        settings = Settings.from_env(**overrides)
        app = create_app(settings)
    except (ValueError, FileNotFoundError) as e:
        print(f"mock-thaid: {e}", file=sys.stderr)
        return 2
    print(f"mock-thaid: serving {settings.issuer} on {args.host}:{port} (profile {settings.profile}, "
          f"login {settings.login_mode}, control API {'on' if settings.control_api else 'off'})", flush=True)
    if show_officer:
        print(f"mock-thaid: officer console password (this start only): {settings.officer_password}", flush=True)
    if server is None:
        app.run(host=args.host, port=port, threaded=True)
        return 0
    holder["app"] = app
    _settle_heap()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # clean exit: temp files removed
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def _settle_heap() -> None:
    """What start-up made lives as long as the server: collect once, then keep it out of every
    later garbage collection (gc.freeze), so a request's collections scan only its own objects."""
    import gc

    gc.collect()
    gc.freeze()


def _classroom_urls(host: str, port: int, overrides: dict) -> bool:
    """Classroom mode: the phones' URL (found from this machine's addresses unless given) is the
    issuer too, so desktops and phones in the room use one address. Prints the trainer's checklist."""
    from .lan import lan_address

    public = overrides.get("public_url") or Settings.from_env().public_url
    if not public:
        lan = lan_address() if host in ("0.0.0.0", "::", "") else host
        if not lan:
            print("mock-thaid: --classroom could not find this machine's LAN address; pass "
                  "--public-url http://<address phones use>:PORT / หาที่อยู่ในเครือข่ายไม่พบ โปรดระบุ --public-url",
                  file=sys.stderr)
            return False
        public = f"http://{lan}:{port}"
        overrides["public_url"] = public
    if "issuer" not in overrides and not set_in_env("issuer"):
        overrides["issuer"] = public.rstrip("/")
    token = overrides.get("control_token") or Settings.from_env().control_token
    print("\n".join([
        "mock-thaid: CLASSROOM MODE / โหมดห้องเรียน",
        f"  phones open (QR on the trainer console):  {public.rstrip('/')}/app/",
        f"  trainer console (needs the control token): {public.rstrip('/')}/_mock/trainer/",
        f"  control token: {token}" if token else "  control token: (see above)",
        "  checklist for the trainer:",
        "   1. phones and this machine on the same Wi-Fi; the Wi-Fi lets devices reach each other",
        "   2. open the trainer console here, enter the token, reset the class, tick who starts unregistered",
        "   3. put the console's QR on the projector; trainees scan it with their phone's camera",
        "   4. the token stays with you: the room can register and log in, not drive the mock",
        "   5. headless login (X-Mock-Persona, login_hint) works only from this machine",
        "   6. a person already registered must give their current PIN to register again",
    ]), flush=True)
    return True


def _officer_password(overrides: dict) -> None:
    """No officer password set: a random one for this start (shared by every worker), printed."""
    if overrides.get("officer_password") or Settings.from_env().officer_password:
        return
    import secrets

    overrides["officer_password"] = "officer-" + secrets.token_hex(4)
    overrides["_print_officer_password"] = True



def is_loopback_host(host: str) -> bool:
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")


def _control_token_for_lan(host: str, overrides: dict) -> None:
    """Bound to anything but loopback with no control token: make one and print it once, so the
    control API, trainer console and inspector are not open to everyone on the network."""
    if is_loopback_host(host) or overrides.get("control_token") or Settings.from_env().control_token:
        return
    import secrets

    overrides["control_token"] = secrets.token_urlsafe(18)
    print(f"mock-thaid: listening on {host}, so /_mock/* needs the control token "
          f"(Authorization: Bearer …; pages ask once at /_mock/login):\n"
          f"mock-thaid: control token: {overrides['control_token']}\n"
          "mock-thaid: set MOCK_THAID_CONTROL_TOKEN or --control-token to choose it", flush=True)


def _serve_gunicorn(args, overrides: dict) -> int:
    """Several processes on one socket; codes, tokens, logins, lockouts, keys, the clock
    and the session secret all come from the shared database."""
    import socket

    from gunicorn.app.base import BaseApplication

    from .app import create_app

    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    port = sock.getsockname()[1]
    if overrides.get("classroom", Settings.from_env().classroom) and not _classroom_urls(args.host, port, overrides):
        return 2
    if "issuer" not in overrides and not set_in_env("issuer"):
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        overrides["issuer"] = f"http://{host}:{port}"
    show_officer = overrides.pop("_print_officer_password", False)
    try:
        settings = Settings.from_env(**overrides)
        if settings.database_url in ("sqlite://", "sqlite:///:memory:"):
            print("mock-thaid: --workers needs a database file or server, not in-memory SQLite", file=sys.stderr)
            return 2
        create_app(settings)  # create tables, seed and store keys once, before the workers start
    except (ValueError, FileNotFoundError) as e:
        print(f"mock-thaid: {e}", file=sys.stderr)
        return 2

    class Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", [f"fd://{sock.fileno()}"])
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", max(1, args.threads // 2))
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")

        def load(self):
            app = create_app(settings)
            _settle_heap()
            return app

    print(f"mock-thaid: serving {settings.issuer} on {args.host}:{port} with {args.workers} gunicorn workers "
          f"(profile {settings.profile}, control API {'on' if settings.control_api else 'off'})", flush=True)
    if show_officer:
        print(f"mock-thaid: officer console password (this start only): {settings.officer_password}", flush=True)
    Gunicorn().run()
    return 0


def _keys(args) -> int:
    from .keys import KeyRing, write_new_key

    folder = Path(args.dir or Settings.from_env().keys_dir)
    if args.action == "generate":
        path = write_new_key(folder)
        print(f"wrote {path} (TEST-ONLY key)")
    elif args.action == "rotate":
        path = write_new_key(folder)
        pems = sorted(folder.glob("*.pem"))
        for old in pems[: max(0, len(pems) - args.keep)]:
            old.unlink()
            print(f"removed {old}")
        print(f"wrote {path}: it signs from the next start; published: "
              + ", ".join(p.stem for p in sorted(folder.glob('*.pem'))))
    else:
        ring = KeyRing.from_dir(folder)
        for k in ring.keys:
            print(k.kid + ("  (signs)" if k is ring.current else ""))
    return 0


def _scenario(args) -> int:
    import time

    from .scenarios import loader, report, runner

    shipped = getattr(args, "shipped", None)
    if not args.paths and not shipped:
        print("mock-thaid: name scenario files or folders, or --shipped mock|lhr|all", file=sys.stderr)
        return 2
    try:
        files = loader.expand(args.paths) + (loader.shipped(shipped) if shipped else [])
        scenarios = [loader.load(p) for p in files]
    except loader.ScenarioError as e:
        print(f"mock-thaid: invalid scenario {e}", file=sys.stderr)
        return 2
    if args.scenario_cmd == "check":
        print(f"{len(scenarios)} scenario files are valid")
        return 0
    token = args.control_token if args.control_token is not None else Settings.from_env().control_token
    t0 = time.perf_counter()
    outcomes = []
    for i, sc in enumerate(scenarios, 1):
        o = runner.run_one(sc, args.mock.rstrip("/"), args.rp, control_token=token, reset=args.reset)
        outcomes.append(o)
        print(f"[{i}/{len(scenarios)}] " + report.line(o), flush=True)
    took = time.perf_counter() - t0
    print(report.summary(outcomes, took))
    if args.junit:
        report.junit(outcomes, args.junit, took)
        print(f"JUnit XML: {args.junit}")
    return 0 if all(o.passed for o in outcomes) else 1


def _citizens(args) -> int:
    from .pid import format_pid
    from .store.seed import load_yaml

    try:
        people = load_yaml(args.file or Settings.from_env().citizens_file, "citizens")
    except ValueError as e:
        print(f"mock-thaid: {e}", file=sys.stderr)
        return 2
    for c in people:
        reg = "registered" if c.get("registered") else "NOT registered"
        print(f"{format_pid(str(c['pid']))}  {c['title']}{c['given_name']} {c['family_name']}  ({reg})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

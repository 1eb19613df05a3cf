"""``python -m lhr_demo.cli serve | seed | reset | audit-verify | logins``."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .db import Database
from .settings import Settings


def _db(settings: Settings) -> Database:
    db = Database(settings.database_url)
    db.create_all()
    return db


def cmd_seed(settings: Settings, args) -> int:
    from .seed import is_seeded, seed

    db = _db(settings)
    with db.session() as s:
        if is_seeded(s):
            print("lhr-demo: the database is already seeded (use `reset` to start over)")
            return 0
        figures = seed(s)
    print(f"lhr-demo: seeded {figures['personnel']} personnel in {figures['organizations']} organizations")
    return 0


def cmd_reset(settings: Settings, args) -> int:
    db = Database(settings.database_url)
    db.drop_all()
    uploads = Path(settings.upload_dir)
    if uploads.exists() and args.uploads:
        shutil.rmtree(uploads)
    print("lhr-demo: database dropped" + (" and uploads removed" if args.uploads else ""))
    return cmd_seed(settings, args)


def cmd_verify(settings: Settings, args) -> int:
    from .audit import verify

    db = _db(settings)
    with db.session() as s:
        verdict = verify(s)
    if verdict.ok:
        print(f"audit log OK: {verdict.rows} rows, chain intact")
        return 0
    print(f"audit log TAMPERED: first bad row id={verdict.bad_id} ({verdict.reason}); {verdict.rows} rows checked",
          file=sys.stderr)
    return 1


def cmd_logins(settings: Settings, args) -> int:
    from .demo_logins import table

    with _db(settings).session() as s:
        print(table(s))
    return 0


def cmd_serve(settings: Settings, args) -> int:
    from waitress import serve

    from .app import create_app

    cmd_seed(settings, args)
    app = create_app(settings)
    url = f"http://{args.host}:{args.port}"
    print(f"lhr-demo: serving {url} (ThaiD issuer {settings.thaid_issuer}, go-live {settings.go_live})", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="lhr-demo")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lhr_demo.cli", description="LHR demo (ระบบสาธิต)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve", help="seed if empty, then serve with waitress")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=5001)
    sv.add_argument("--threads", type=int, default=8)
    sub.add_parser("seed", help="create the tables and seed Tak province (if empty)")
    rs = sub.add_parser("reset", help="drop everything (audit log included) and seed again")
    rs.add_argument("--keep-uploads", dest="uploads", action="store_false", help="keep var/uploads")
    sub.add_parser("audit-verify", help="check the audit log's hash chain (exit 1 on tampering)")
    sub.add_parser("logins", help="print the demo logins (owner, officers, supervisors)")
    args = p.parse_args(argv)
    settings = Settings.from_env()
    return {"serve": cmd_serve, "seed": cmd_seed, "reset": cmd_reset, "audit-verify": cmd_verify,
            "logins": cmd_logins}[args.cmd](settings, args)


if __name__ == "__main__":
    sys.exit(main())

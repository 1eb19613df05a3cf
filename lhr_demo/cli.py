"""``lhr-demo serve | seed | reset | audit-verify | logins`` (also ``python -m lhr_demo.cli``)."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .db import Database
from .settings import Settings

NOT_SEEDED = """lhr-demo: ฐานข้อมูลที่ {url} ยังไม่มีข้อมูลสาธิต
  ตั้ง LHR_DATABASE_URL ให้ชี้ไปที่ฐานข้อมูลของระบบสาธิตที่ใช้อยู่ หรือสร้างข้อมูลสาธิตที่นี่ด้วย `lhr-demo seed`
lhr-demo: the database at {url} has no demo data yet.
  Run it from the folder `lhr-demo serve` runs in (`make demo` uses var/lhr_demo.sqlite3 in the
  checkout), point LHR_DATABASE_URL at the demo's database, or create the demo data here with
  `lhr-demo seed`."""
UNREACHABLE = """lhr-demo: เชื่อมต่อฐานข้อมูลที่ {url} ไม่ได้ ({reason})
lhr-demo: cannot reach the database at {url} ({reason}); check LHR_DATABASE_URL."""


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

    url = make_url(settings.database_url).render_as_string(hide_password=True)
    db = None
    try:
        db = _existing_db(settings.database_url)
        if db is None or not _has_demo_data(db):
            print(NOT_SEEDED.format(url=url), file=sys.stderr)
            return 1
        with db.session() as s:
            print(table(s))
    except (SQLAlchemyError, ImportError) as e:  # unreachable, refused, or its driver is not installed
        print(UNREACHABLE.format(url=url, reason=e.__class__.__name__), file=sys.stderr)
        return 1
    finally:
        if db is not None:
            db.engine.dispose()
    return 0


def _existing_db(url: str) -> Database | None:
    """The database, or None for a SQLite file that does not exist (never create one only to find it empty)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") and not Path(u.database).exists():
        return None
    return Database(url)


def _has_demo_data(db: Database) -> bool:
    from .models import Person
    from .seed import is_seeded

    if not inspect(db.engine).has_table(Person.__tablename__):
        return False
    with db.session() as s:
        return is_seeded(s)


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
    p = argparse.ArgumentParser(prog="lhr-demo", description="LHR demo (ระบบสาธิต)")
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

"""GET /healthz on a real SQLite file: 200 while the database answers, 503 once it cannot be
reached; no login, no audit row, open before go-live, never cached."""
from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from lhr_demo.app import create_app
from lhr_demo.db import Database
from lhr_demo.models import AuditEntry
from lhr_demo.settings import Settings


@pytest.fixture
def app(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db' / 'lhr.sqlite3'}", upload_dir=str(tmp_path / "up"),
                        go_live=date(2099, 1, 1), secret_key="pytest-health")  # not open yet: /healthz still is
    db = Database(settings.database_url)
    app = create_app(settings, db)
    yield app
    db.engine.dispose()


def audit_rows(app) -> int:
    with app.extensions["lhr"].db.Session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_healthz_ok(app):
    before = audit_rows(app)
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.get_json() == {"status": "ok", "service": "lhr-demo", "database": "ok"}
    assert r.headers["Cache-Control"] == "no-store"
    assert audit_rows(app) == before


def test_healthz_needs_no_login_and_is_open_before_go_live(app):
    c = app.test_client()
    assert c.get("/auth/thaid/login").status_code == 403  # the gate is shut...
    assert c.get("/healthz").status_code == 200             # ...the health check is not


def test_healthz_503_when_the_database_cannot_be_reached(app, tmp_path):
    db = app.extensions["lhr"].db
    db.engine.dispose()
    shutil.rmtree(tmp_path / "db")
    (tmp_path / "db" / "lhr.sqlite3").mkdir(parents=True)  # a folder where the file was: SQLite cannot open it
    c = app.test_client()
    with c.session_transaction() as sess:  # a logged-in browser too: no user lookup is tried
        sess["thaid"], sess["lhr_account"] = {"user": {"pid": "1057830862719"}}, "acc-1"
    r = c.get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "error" and body["service"] == "lhr-demo" and body["database"] == "unreachable"
    assert body["message_th"] and body["message_en"]
    assert "sqlite" not in r.get_data(as_text=True).lower()  # no paths or driver details leak
    assert r.headers["Cache-Control"] == "no-store"
    db.engine.dispose()


def test_healthz_answers_get_only(app):
    assert app.test_client().post("/healthz").status_code in (400, 405)  # CSRF or method: never a write

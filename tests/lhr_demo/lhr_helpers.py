"""Helpers for the LHR tests: the app on a copy of the seeded database, headless logins,
CSRF tokens and correction requests (imported by conftest.py and the test modules)."""
from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import requests
from rp_client.pytest_plugin import ThaiDMock
from sqlalchemy import func, select

from lhr_demo.app import create_app
from lhr_demo.db import Database
from lhr_demo.models import AuditEntry
from lhr_demo.settings import DEFAULT_SCOPES, Settings

CLIENT_ID, CLIENT_SECRET = "lhr-test", "lhr-test-secret-TEST-ONLY"
REDIRECT = "http://localhost/auth/thaid/callback"
ORIGIN = "http://localhost"

MALI = "1057830862719"          # owner, ทน.แม่สอด (salary row with a seeded error)
TEST_PERSON = "1234567890121"   # owner, ทม.ตาก
SUNEE = "3492913465359"         # HR officer, ทน.แม่สอด
FATIMAH = "3475509915952"       # HR officer, ทน.แม่สอด (the second one)
PRASERT = "3505976717233"       # HR officer, ทต.บ้านตาก
WICHAI = "3730965520623"        # HR officer, ทม.ตาก
SURACHET = "3437750920511"      # district supervisor, อ.แม่สอด
NARONG = "3255231646671"        # provincial supervisor, ตาก


def register_client(mock_url: str, redirect_uri: str) -> None:
    r = requests.post(mock_url + "/_mock/clients", json={
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [redirect_uri],
        "name": "ระบบ LHR (สาธิต, ทดสอบ)", "name_en": "LHR (demo, test)",
        "scopes": list(DEFAULT_SCOPES)}, timeout=10)
    assert r.status_code == 201, r.text


class LHRTest:
    def __init__(self, app, mock_url: str, db: Database, settings: Settings) -> None:
        self.app, self.mock_url, self.db, self.settings = app, mock_url, db, settings
        self.thaid = ThaiDMock(mock_url)

    def client(self):
        return self.app.test_client()

    def login(self, pid: str, client=None):
        c = client or self.client()
        resp = self.thaid.login_as(c, pid)
        return c, resp

    def session(self):
        return self.db.Session()

    def count(self, action: str, outcome: str | None = None) -> int:
        with self.db.Session() as s:
            q = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            if outcome:
                q = q.where(AuditEntry.outcome == outcome)
            return s.scalar(q)


def make_lhr(tmp_path: Path, template: Path, mock_url: str, **overrides) -> LHRTest:
    db_path = tmp_path / "lhr.sqlite3"
    shutil.copy(template, db_path)
    values = dict(database_url=f"sqlite:///{db_path}", thaid_issuer=mock_url, client_id=CLIENT_ID,
                  client_secret=CLIENT_SECRET, redirect_uri=REDIRECT, go_live=date(2025, 11, 1),
                  upload_dir=str(tmp_path / "uploads"), secret_key="pytest-lhr-secret")
    values.update(overrides)
    settings = Settings(**values)
    db = Database(settings.database_url)
    app = create_app(settings, db)
    app.config["TESTING"] = True
    return LHRTest(app, mock_url, db, settings)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, path: str = "/") -> str:
    page = client.get(path, follow_redirects=True)
    m = CSRF.search(page.get_data(as_text=True))
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def person_row(t: LHRTest, pid: str, model, **where):
    """The current row of ``model`` for the person with ``pid`` (first match of ``where``)."""
    from lhr_demo.models import Person
    with t.db.Session() as s:
        person = s.scalar(select(Person).where(Person.pid == pid))
        q = select(model).where(model.person_id == person.id, model.is_current)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalars(q.order_by(model.id)).first()


def file_request(client, section: str, row: str, fields: dict, reason: str = "ข้อมูลไม่ตรงกับคำสั่ง",
                 files=(), action: str = "submit", token: str | None = None):
    """POST the correction form; ``files`` is a list of (name, bytes)."""
    import io
    data = {"csrf_token": token or csrf(client, "/me/record"), "section": section, "row": row, "reason": reason,
            "action": action, **{"f_" + k: v for k, v in fields.items()}}
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/me/requests/new", data=data, content_type="multipart/form-data")


def request_id(resp) -> str:
    loc = resp.headers["Location"]
    return loc.rstrip("/").rsplit("/", 1)[-1]


def build_template_db(path):
    """A seeded LHR SQLite file, checkpointed so tests can copy it as their starting state."""
    import sqlite3

    from lhr_demo.db import Database
    from lhr_demo.seed import seed

    db = Database(f"sqlite:///{path}")
    db.create_all()
    with db.session() as s:
        seed(s)
    db.engine.dispose()
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path

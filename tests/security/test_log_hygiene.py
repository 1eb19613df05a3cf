"""No PIN, token, code, image bytes or whole PID in any log line.

A full QR login with the PIN (a wrong one first), the token calls (exchange, a replayed
code, userinfo, introspection, refresh, revocation), a sandbox login with a typed PID, both
registrations through the app pages and one through the JSON API (photos uploaded, PIN set,
a wrong consent PIN), and an LHR correction (login through rp_client, evidence, an
officer's approval, logout) all run with every logger at DEBUG — mock_thaid, the Flask app
loggers, werkzeug, waitress, rp_client's httpx/httpcore, urllib3, SQLAlchemy — and every
record (message, exception, stack) is searched for every secret the databases hold
afterwards: codes, tokens, login and enrolment handles, QR tokens, client secrets, API
keys, PINs, every PID (plain and formatted) and the uploaded files' bytes.

Two wire traces are left out, below WARNING: SQLAlchemy's statement echo
(``sqlalchemy.engine``, result rows) and httpcore's (every response header — so with it on,
the ``Location: …?code=`` that rp_client's pytest helper ``ThaiDMock.login_as`` fetches
headlessly is printed; a browser, not rp_client, follows that redirect in real use). Both
are off unless someone turns them on. SQLAlchemy's error messages are checked
(test_database_errors_do_not_carry_their_parameters).
"""
from __future__ import annotations

import base64
import io
import logging
import re
import traceback

import pytest
from conftest import make_app
from lhr_files import pdf, png
from lhr_helpers import MALI, ORIGIN, SUNEE, csrf, file_request, person_row, request_id
from oidc_helpers import DEMO_AUTH, auth_url, exchange
from sec_helpers import counted, csrf_of
from sqlalchemy import select
from test_enrol_pages import Officer, Phone, card_files, selfie_file, walk_officer, walk_self

from lhr_demo import kp7

HTML = {"Accept": "text/html"}
PINS = ["13572468", "24681357", "97531864", "86427531"]
IMAGE_MARKERS = ["iVBORw0KGgo", "/9j/4", "\\x89PNG", "%PDF-", "JFIF"]  # (PIL logs chunk names: fine)


WIRE_TRACES = ("sqlalchemy.engine", "httpcore")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING and record.name.startswith(WIRE_TRACES):
            return  # wire traces (off by default) print rows and headers by design
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        if record.stack_info:
            text += "\n" + record.stack_info
        self.lines.append((record.name, text))


@pytest.fixture
def every_log_line():
    cap = Capture()
    root = logging.getLogger()
    names = ["", "mock_thaid", "mock_thaid.app", "lhr_demo", "lhr_demo.app", "rp_client", "werkzeug", "waitress",
             "httpx", "httpcore", "urllib3", "sqlalchemy", "flask_wtf", "authlib"]
    names += list(logging.Logger.manager.loggerDict)
    saved = {n: logging.getLogger(n).level for n in names}
    root.addHandler(cap)
    yield cap, names
    root.removeHandler(cap)
    for n, level in saved.items():
        logging.getLogger(n).setLevel(level)


def debug_everything(names) -> None:
    for n in names + list(logging.Logger.manager.loggerDict):
        logging.getLogger(n).setLevel(logging.DEBUG)
        logging.getLogger(n).disabled = False


def secrets_in_mock(app) -> set[str]:
    from mock_thaid.pid import format_pid
    from mock_thaid.store import models as mm
    from mock_thaid.store.models import Client

    out: set[str] = set()
    with app.extensions["mock_thaid"].db.session() as s:
        out |= {c.code for c in s.scalars(select(mm.AuthCode))}
        out |= {t.token for t in s.scalars(select(mm.Token))}
        for ls in s.scalars(select(mm.LoginSession)):
            out |= {ls.id, ls.app_token}
        for c in s.scalars(select(Client)):
            out |= {c.client_secret, c.api_key}
        for cit in s.scalars(select(mm.Citizen)):
            out |= {cit.pid, format_pid(cit.pid)}
        out |= {e.id for e in s.scalars(select(mm.Enrolment))}
        out |= {q.token for q in s.scalars(select(mm.OfficerQr))}
    return {x for x in out if x and len(x) >= 8}


def assert_clean(lines, secrets: set[str], what: str) -> None:
    assert lines, "nothing was logged at all: is the capture working?"
    text = "\n".join(f"[{name}] {line}" for name, line in lines)
    leaks = sorted(s for s in secrets if s in text)
    found = [(s, next(f"[{n}] {line[:300]}" for n, line in lines if s in line)) for s in leaks[:5]]
    assert not leaks, f"{what}: {len(leaks)} secrets in the logs, e.g. {found}"
    for marker in IMAGE_MARKERS:
        hits = [line[:200] for _, line in lines if marker in line]
        assert not hits, f"{what}: image bytes ({marker}) in the logs: {hits[:2]}"
    pids = set(re.findall(r"(?<![\d.])[1-8]\d{12}(?![\d.])", text))
    assert not pids, f"{what}: whole PIDs in the logs: {sorted(pids)[:5]}"


# ------------------------------------------------------------------------- the mock
def test_login_tokens_and_registration_leave_no_secret_in_the_logs(every_log_line):
    cap, names = every_log_line
    app = counted(make_app())
    debug_everything(names)
    c = app.test_client()
    # a QR login: the phone says whose it is, a wrong PIN, then the right one
    desk = app.test_client()
    page = desk.get(auth_url(state="st-log", nonce="n-log"), headers=HTML).get_data(as_text=True)
    app_path = re.search(r'id="app-link" href="http://mock\.test([^"]+)"', page).group(1)
    status_url = re.search(r'data-status-url="([^"]+)"', page).group(1)
    phone = app.test_client()
    token = csrf_of(phone.get(app_path, headers=HTML).get_data(as_text=True))
    phone.post(app_path + "/whoami", data={"pid": "1-2345-67890-12-1", "csrf_token": token})
    phone.post(app_path, data={"csrf_token": token, "decision": "approve", "pin": PINS[1]})
    phone.post(app_path, data={"csrf_token": token, "decision": "approve", "pin": PINS[0]})
    code = re.search(r"code=([A-Za-z0-9]+)", desk.get(status_url).json["redirect"]).group(1)
    tokens = exchange(c, code).json
    exchange(c, code)  # replayed: revokes
    persona = c.get(auth_url(), headers={"X-Mock-Persona": MALI})
    code2 = re.search(r"code=([A-Za-z0-9]+)", persona.headers["Location"]).group(1)
    t2 = exchange(c, code2, headers={}, client_id="demo-rp", client_secret="demo-rp-secret-TEST-ONLY").json
    c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + t2["access_token"]})
    c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + tokens["access_token"]})  # revoked
    c.post("/api/v2/oauth2/introspect/", data={"token": "Bearer " + t2["access_token"]}, headers=DEMO_AUTH)
    t3 = c.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token", "refresh_token": t2["refresh_token"]},
                headers=DEMO_AUTH).json
    c.post("/api/v2/oauth2/revoke/", data={"token": t3["refresh_token"]}, headers=DEMO_AUTH)
    c.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token", "refresh_token": t3["refresh_token"]},
           headers=DEMO_AUTH)
    c.get(auth_url(), headers={"X-Mock-Persona": "1153620226005"})  # not registered: refused
    # a sandbox login with a typed PID
    sb = app.test_client()
    page = sb.get(auth_url(client_id="sandbox-rp"), headers=HTML).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    sb.post(action, data={"pid": "3100600445635", "decision": "confirm", "csrf_token": csrf_of(page)})
    # both registrations in the app pages (photos, PIN, consent), and one through the JSON API
    walk_self(Phone(app), pin=PINS[2])
    walk_officer(Phone(app), Officer(app), pid="3647798421261", pin=PINS[3])
    e = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json
    front = base64.b64encode(card_files(Phone(app), "1069377657936")["front"][0].getvalue()).decode()
    c.post(f"/_mock/api/enrol/{e['id']}/card", json={"front": front, "back": "data:image/png;base64," + front})
    c.post(f"/_mock/api/enrol/{e['id']}/card", json={"sample": "1069377657936"})
    c.post(f"/_mock/api/enrol/{e['id']}/check", json={})
    c.post(f"/_mock/api/enrol/{e['id']}/selfie", json={"image": base64.b64encode(selfie_file()[0].getvalue()).decode()})
    c.post(f"/_mock/api/enrol/{e['id']}/pin", json={"pin": PINS[2], "pin_confirm": PINS[2]})
    c.post(f"/_mock/api/enrol/{e['id']}/consent", json={"pin": PINS[3]})
    c.post(f"/_mock/api/enrol/{e['id']}/consent", json={"pin": PINS[2]})
    for path in ("/_mock/inspector/", "/_mock/events", "/_mock/logins", "/_mock/trainer/", "/_mock/trainer/progress"):
        c.get(path, headers=HTML)
    secrets = secrets_in_mock(app) | set(PINS) | {"officer-demo", tokens["id_token"], t2["id_token"]}
    secrets |= {part for part in tokens["id_token"].split(".") if len(part) > 20}
    assert len(secrets) > 80
    assert {"mock_thaid"} <= {name for name, _ in cap.lines}, "the mock logged nothing: is the capture working?"
    assert_clean(cap.lines, secrets, "mock")


def test_database_errors_do_not_carry_their_parameters():
    """A crash is logged with its exception (errorpages.crash); SQLAlchemy puts the
    statement's parameters (PIDs, PIN hashes, tokens) into that message unless the engine
    hides them."""
    from sqlalchemy import text

    from lhr_demo.db import Database

    app = make_app()
    engines = {"mock": app.extensions["mock_thaid"].db.engine, "lhr": Database("sqlite://").engine}
    for name, engine in engines.items():
        with engine.connect() as con, pytest.raises(Exception) as err:
            con.execute(text("INSERT INTO no_such_table VALUES (:pid, :pin)"), {"pid": MALI, "pin": PINS[0]})
        assert MALI not in str(err.value) and PINS[0] not in str(err.value), f"{name}: {err.value}"


# ------------------------------------------------------------------------- the LHR demo
def test_an_lhr_correction_leaves_no_secret_in_the_logs(every_log_line, lhr, sec_mock):
    cap, names = every_log_line
    debug_everything(names)
    owner, _ = lhr.login(MALI)
    edu = person_row(lhr, MALI, kp7.Education)
    rid = request_id(file_request(owner, "EDUCATION", edu.public_id, {"major": "การตลาดดิจิทัล"},
                                  files=[("คำสั่ง.pdf", pdf()), ("scan.png", png())]))
    owner.post(f"/me/requests/{rid}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(owner, f"/me/requests/{rid}"), "evidence": [(io.BytesIO(b"<html>"), "fake.pdf")]})
    officer, _ = lhr.login(SUNEE)
    officer.get(f"/officer/requests/{rid}")
    officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(officer, "/officer/"),
                                                          "decision": "approve", "note": "ตรวจแล้ว"})
    owner.get("/me/record")
    session_tokens = _lhr_session_tokens(lhr, owner)
    owner.post("/auth/thaid/logout", data={"csrf_token": csrf(owner, "/me/record"), "next": "/"},
               headers={"Origin": ORIGIN})
    lhr.client().get("/auth/thaid/callback?code=" + "A" * 32 + "&state=forged")  # a refused login
    secrets = secrets_in_mock(sec_mock.app) | session_tokens | {lhr.settings.client_secret}
    with lhr.session() as s:
        from lhr_demo import models as m

        secrets |= {p for p in s.scalars(select(m.Person.pid))}
    assert len(secrets) > 200
    loggers = {name for name, _ in cap.lines}
    assert {"httpx", "lhr_demo.app"} <= loggers, loggers  # rp_client's HTTP calls and its login-failed line
    assert_clean(cap.lines, secrets, "LHR")


def _lhr_session_tokens(lhr, client) -> set[str]:
    cookie = client.get_cookie("session")
    data = lhr.app.session_interface.get_signing_serializer(lhr.app).loads(cookie.value)
    kept = data.get("thaid", {}).get("tokens") or {}
    return {v for k, v in kept.items() if isinstance(v, str) and k in ("access_token", "refresh_token") and v}

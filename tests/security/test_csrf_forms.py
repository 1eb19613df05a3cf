"""CSRF on every HTML form of the mock and of the LHR demo: a POST without the token (or
with another session's token) answers 400, and nothing changed — not a row of the
database, not the session. Each case is set up so that the same POST *with* the token does
change something (checked too), so "nothing changed" means something.

The list of form routes is taken from the apps' url_maps: a new form route fails
test_every_form_route_is_covered until a case is added here.
"""
from __future__ import annotations

import re

import pytest
from conftest import make_app
from lhr_helpers import FATIMAH, MALI, ORIGIN, SUNEE, csrf, file_request, person_row, request_id
from sec_helpers import ROOT, check_answer, counted, csrf_of, db_snapshot
from test_enrol_pages import Officer, Phone, walk_officer, walk_self

from lhr_demo import kp7

HTML = {"Accept": "text/html"}
CSRF_EXEMPT_BLUEPRINTS = {"discovery", "token", "introspection", "control", "control_faults", "enrol_api",
                          "logout"}  # RP-initiated logout: a redirect from the RP, checked by id_token_hint
MOCK_PID, UNREGISTERED = "1234567890121", "1153620226005"


def _session(client, app, name: str) -> dict:
    cookie = client.get_cookie(name)
    if cookie is None:
        return {}
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return {k: v for k, v in data.items() if k != "csrf_token"}


def mock_form_routes(app) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules()
            if "POST" in r.methods and r.endpoint.split(".")[0] not in CSRF_EXEMPT_BLUEPRINTS}


def lhr_form_routes(app) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules() if "POST" in r.methods}


# ------------------------------------------------------------------------- the mock's forms
class Case:
    """``setup(app) -> (client, path, form)``: a client whose session could do it."""

    def __init__(self, rule: str, setup, cookie: str = "mock_thaid_session") -> None:
        self.rule, self.setup, self.cookie = rule, setup, cookie


def _login_page(app, client_id="demo-rp"):
    desk = app.test_client()
    page = desk.get(f"/api/v2/oauth2/auth/?response_type=code&client_id={client_id}&scope=openid+pid&state=s"
                    "&redirect_uri=http://127.0.0.1:8080/callback", headers=HTML).get_data(as_text=True)
    return desk, page


def renew(app):
    desk, page = _login_page(app)
    return desk, re.search(r'<form method="post" action="(/login/[^"]+/renew)"', page).group(1), {}


def sandbox(app):
    desk, page = _login_page(app, "sandbox-rp")
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    return desk, action, {"pid": "3-1006-00445-63-5", "decision": "confirm"}


def _phone_at_login(app, pick=True):
    desk, page = _login_page(app)
    path = re.search(r'id="app-link" href="http://mock\.test([^"]+)"', page).group(1)
    phone = app.test_client()
    pick_page = phone.get(path, headers=HTML).get_data(as_text=True)
    if pick:
        phone.post(path + "/whoami", data={"pid": MOCK_PID, "csrf_token": csrf_of(pick_page)})
    return phone, path


def whoami(app):
    phone, path = _phone_at_login(app, pick=False)
    return phone, path + "/whoami", {"pid": MOCK_PID}


def forget(app):
    phone, path = _phone_at_login(app)
    return phone, path + "/forget", {}


def decide_right_pin(app):
    phone, path = _phone_at_login(app)
    return phone, path, {"decision": "approve", "pin": "13572468"}


def decide_wrong_pin(app):
    phone, path = _phone_at_login(app)
    return phone, path, {"decision": "approve", "pin": "24681357"}  # would count toward the lock


def enrol_start(app):
    phone = Phone(app)
    return phone.c, "/app/enrol/start", {}


def _phone_at(app, step: str, path: str = "self"):
    phone = Phone(app)
    if path == "self":
        walk_self(phone, until=step)
    else:
        walk_officer(phone, Officer(app), until=step)
    return phone


ENROL_FORMS = {  # page -> (where the phone must be, the form that would move it on)
    "camera": ("camera", "self", {"action": "allow"}),
    "choose": ("choose", "self", {"channel": "self"}),
    "terms": ("terms", "self", {"action": "accept"}),
    "card-check": ("card_check", "self", {"action": "confirm"}),
    "pin": ("pin", "self", {"pin": "24681357", "pin_confirm": "24681357"}),
    "consent": ("consent", "self", {"pin": "24681357"}),
    "visit": ("visit", "officer", {"office": "tak-mueang"}),
    "pid": ("pid", "officer", {"pid": UNREGISTERED}),
}


def enrol_page(app, page="camera"):
    step, path, form = ENROL_FORMS[page]
    phone = _phone_at(app, step, path)
    return phone.c, f"/app/enrol/{page}", form


def enrol_abandon(app):
    phone = _phone_at(app, "terms")
    return phone.c, "/app/enrol/abandon", {}


def officer_login(app):
    c = app.test_client()
    c.get("/officer/", headers=HTML)
    return c, "/officer/login", {"name": "สมชาย", "office": "tak-mueang", "password": "officer-demo"}


def officer_logout(app):
    return Officer(app).c, "/officer/logout", {}


def officer_act(app):
    phone = _phone_at(app, "at_officer", "officer")
    return Officer(app).c, f"/officer/e/{phone.status()['ref']}/card-check", {}


def trainer_reset(app):
    c = app.test_client()
    c.put("/_mock/accounts/" + UNREGISTERED, json={})  # differs from the seed: a reset would undo it
    c.get("/_mock/trainer/", headers=HTML)
    return c, "/_mock/trainer/reset", {}


def trainer_registered(app):
    c = app.test_client()
    c.get("/_mock/trainer/", headers=HTML)
    return c, "/_mock/trainer/registered", {"registered": [UNREGISTERED]}


def control_login(_shared):
    """Entering the control token: a mock that has one (the session would remember it)."""
    c = make_app(control_token="csrf-case-token").test_client()
    c.get("/_mock/login", headers=HTML)
    return c, "/_mock/login", {"token": "csrf-case-token", "next": "/_mock/trainer/"}


MOCK_CASES = [
    Case("/login/<sid>/renew", renew),
    Case("/login/<sid>/sandbox", sandbox),
    Case("/app/login/<token>/whoami", whoami),
    Case("/app/login/<token>/forget", forget),
    Case("/app/login/<token>", decide_right_pin),
    Case("/app/login/<token>", decide_wrong_pin),
    Case("/app/enrol/start", enrol_start),
    *[Case("/app/enrol/<page>", lambda app, p=p: enrol_page(app, p)) for p in ENROL_FORMS],
    Case("/app/enrol/abandon", enrol_abandon),
    Case("/officer/login", officer_login),
    Case("/officer/logout", officer_logout),
    Case("/officer/e/<ref>/<action>", officer_act),
    Case("/_mock/trainer/reset", trainer_reset),
    Case("/_mock/trainer/registered", trainer_registered),
    Case("/_mock/login", control_login),
]


def test_every_form_route_is_covered():
    app = make_app()
    assert mock_form_routes(app) <= {c.rule for c in MOCK_CASES}, "add a CSRF case for the new form route"


def _mock_state(app, client, cookie):
    return (db_snapshot(app.extensions["mock_thaid"].db.engine, skip=("protocol_events",)),  # the inspector's log
            _session(client, app, cookie))


@pytest.fixture(scope="module")
def shared_app():
    return counted(make_app())


def _case_id(case) -> str:
    name = case.setup.__name__
    return name if name != "<lambda>" else "enrol-" + case.setup.__defaults__[0]


@pytest.mark.parametrize("case", MOCK_CASES, ids=_case_id)
def test_mock_form_without_a_valid_token_changes_nothing(shared_app, case):
    app = shared_app  # each case makes its own clients, logins and registrations
    client, path, form = case.setup(app)
    own = csrf_of(client.get("/app/", headers=HTML).get_data(as_text=True))
    other = csrf_of(app.test_client().get("/app/", headers=HTML).get_data(as_text=True))
    before = _mock_state(app, client, case.cookie)
    for extra, headers in (({}, {}),                                         # no token
                           ({"csrf_token": other}, {}),                      # another session's token
                           ({}, {"X-CSRFToken": "IjAwMDAi.ZZZZ.garbage"}),   # a forged one
                           ({"csrf_token": own[:-2] + "xx"}, {})):           # a tampered one
        r = client.post(path, data={**form, **extra}, headers={**HTML, **headers})
        check_answer(r, f"POST {path} {extra} {headers}")
        assert r.status_code == 400, (path, extra, headers, r.status_code)
        assert 'id="error-code">csrf_failed<' in r.get_data(as_text=True)
        assert _mock_state(app, client, case.cookie) == before, f"POST {path} without a valid token changed something"
    # the control experiment: with its own token the same POST does change something
    client.post(path, data={**form, "csrf_token": own}, headers=HTML)
    assert _mock_state(app, client, case.cookie) != before, f"POST {path} with its token changed nothing"


def test_every_post_form_in_the_templates_carries_the_token():
    for folder in (ROOT / "mock_thaid" / "templates", ROOT / "lhr_demo" / "templates"):
        for path in folder.rglob("*.html"):
            html = path.read_text(encoding="utf-8")
            for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S | re.I):
                if re.search(r'method="post"', form, re.I):
                    assert "csrf_token" in form, f"{path.relative_to(ROOT)}: a POST form without csrf_token"


# ------------------------------------------------------------------------- the LHR demo's forms
def _lhr_state(lhr):
    return db_snapshot(lhr.db.engine, skip=("audit_log", "audit_entries"))


def _audit_actions(lhr) -> list[str]:
    from sqlalchemy import select

    from lhr_demo.models import AuditEntry

    with lhr.session() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_lhr_every_form_route_is_covered(lhr):
    assert lhr_form_routes(lhr.app) == {
        "/me/requests/new", "/me/requests/<rid>/edit", "/me/requests/<rid>/attachments", "/me/requests/<rid>/<action>",
        "/officer/requests/<rid>/decide", "/auth/thaid/logout"}, "add the new LHR form route to the cases below"


def test_lhr_forms_without_a_valid_token_change_nothing(lhr):
    from lhr_files import pdf, png

    owner, _ = lhr.login(MALI)
    edu = person_row(lhr, MALI, kp7.Education)
    draft = request_id(file_request(owner, "EDUCATION", edu.public_id, {"major": "บัญชี"}, files=[("a.pdf", pdf())],
                                    action="draft"))
    submitted = request_id(file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "พม่า"},
                                        files=[("b.png", png())]))
    officer, _ = lhr.login(SUNEE)
    stranger, _ = lhr.login(FATIMAH)
    foreign = csrf(stranger, "/officer/")
    import io

    cases = [
        (owner, "/me/requests/new", {"section": "ABILITY", "row": "missing", "reason": "x", "action": "submit",
                                     "f_field": "ภาษา", "f_detail": "ลาว", "evidence": [(io.BytesIO(pdf()), "c.pdf")]}),
        (owner, f"/me/requests/{draft}/edit", {"reason": "ใหม่", "f_major": "การตลาด"}),
        (owner, f"/me/requests/{draft}/attachments", {"evidence": [(io.BytesIO(png()), "d.png")]}),
        (owner, f"/me/requests/{draft}/submit", {}),
        (owner, f"/me/requests/{draft}/cancel", {}),
        (officer, f"/officer/requests/{submitted}/decide", {"decision": "approve"}),
        (officer, f"/officer/requests/{submitted}/decide", {"decision": "reject", "note": "ไม่"}),
        (owner, "/auth/thaid/logout", {"next": "/"}),
    ]
    for (client, path, form), token in ((case, token) for case in cases for token in ("missing", "other-session")):
        before, audit = _lhr_state(lhr), _audit_actions(lhr)
        data = {k: ([(io.BytesIO(f.getvalue()), n) for f, n in v] if k == "evidence" else v) for k, v in form.items()}
        if token == "other-session":
            data["csrf_token"] = foreign
        r = client.post(path, data=data, content_type="multipart/form-data", headers={"Origin": ORIGIN})
        check_answer(r, f"LHR POST {path}", lhr=True)
        assert r.status_code == 400 and 'data-code="400"' in r.get_data(as_text=True), (path, r.status_code)
        assert _lhr_state(lhr) == before, f"LHR POST {path} without a valid token changed something"
        assert _audit_actions(lhr)[len(audit):] == ["CSRF_REJECTED"], path
    assert owner.get("/me/record").status_code == 200  # still logged in: the logout was refused

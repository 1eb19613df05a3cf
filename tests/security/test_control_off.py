"""``control_api=False`` (``--no-control-api``): every /_mock path answers 404 whatever the
method, nothing behind it runs, and the answers of the ThaiD side lose the developer
explanation (``mock_detail`` in JSON, the detail line of the HTML error page).

tests/mock_thaid/test_control_api.py::test_control_api_off tries five paths; here every
path of the OpenAPI description and of the url_map of a mock with the control API on."""
from __future__ import annotations

import re

import pytest
from conftest import make_app
from oidc_helpers import DEMO_AUTH, auth_url, basic, exchange
from sec_helpers import SPEC, check_answer, counted, db_snapshot

HTML = {"Accept": "text/html"}


def mock_paths() -> set[str]:
    fill = {"pid": "1057830862719", "client_id": "demo-rp", "ref": "ABCDEF", "enrolment_id": "x", "action": "card",
            "fault_id": "1"}
    paths = {re.sub(r"\{(\w+)\}", lambda m: fill.get(m.group(1), "x"), p) for p in SPEC["paths"] if p.startswith("/_mock")}
    for rule in make_app().url_map.iter_rules():
        if rule.rule.startswith("/_mock"):
            paths.add(rule.build({k: fill.get(k, "x") for k in rule.arguments}, append_unknown=False)[1])
    return paths | {"/_mock", "/_mock/", "/_mock/api", "/_mock/nope"}


@pytest.fixture(scope="module")
def off():
    return counted(make_app(control_api=False))


def test_every_mock_path_is_404_with_the_control_api_off(off):
    c = off.test_client()
    services = off.extensions["mock_thaid"]
    before = db_snapshot(services.db.engine, skip=("protocol_events",))
    paths = mock_paths()
    assert len(paths) >= 30
    for path in sorted(paths):
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"):
            for headers in ({}, HTML):
                r = c.open(path, method=method, json={"name": "token_http_503", "decision": "approve",
                                                      "pid": "1057830862719", "advance": 9999}, headers=headers)
                assert r.status_code == 404, (method, path, r.status_code)
                if method != "HEAD":
                    check_answer(r, f"{method} {path}")
    assert db_snapshot(services.db.engine, skip=("protocol_events",)) == before
    assert services.clock.offset == 0.0


def test_the_thaid_side_still_works_and_explains_nothing(off):
    c = off.test_client()
    r = c.get(auth_url(), headers={"X-Mock-Persona": "1234567890121"})  # auto_login is a separate switch
    assert r.status_code == 302
    for r in (exchange(c, "A" * 32), exchange(c, "x", headers=basic("demo-rp", "wrong")),
              c.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code"}),
              c.post("/api/v2/oauth2/introspect/", data={}, headers=DEMO_AUTH),
              c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer nope"}),
              c.get(auth_url(redirect_uri="https://evil.example/cb")),
              c.get(auth_url(client_id="nobody"))):
        check_answer(r, "hardened error")
        assert r.status_code >= 400 and "mock_detail" not in r.json, r.json


def test_the_html_error_page_hides_the_developer_detail_when_hardened(off):
    """With the control API on, the page explains ("redirect_uri not registered: got X,
    registered Y"); off, it must not list the client's registered URIs or who is registered."""
    c = off.test_client()
    page = c.get(auth_url(redirect_uri="https://evil.example/cb"), headers=HTML).get_data(as_text=True)
    assert "http://127.0.0.1:8080/callback" not in page and 'id="error-detail"' not in page
    page = c.get(auth_url(), headers={"X-Mock-Persona": "1153620226005", **HTML}).get_data(as_text=True)
    assert "has not registered" not in page and 'id="error-detail"' not in page
    on = make_app().test_client()  # the developer's mock does explain
    page = on.get(auth_url(redirect_uri="https://evil.example/cb"), headers=HTML).get_data(as_text=True)
    assert 'id="error-detail"' in page and "http://127.0.0.1:8080/callback" in page

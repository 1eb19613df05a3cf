"""Text that someone else typed is shown escaped: a relying party's name on the phone's
consent page, citizens' names on every developer and trainer page, the reason and the
officer's note of an LHR correction on the owner's and the officer's pages."""
from __future__ import annotations

import re

from conftest import make_app
from lhr_files import pdf
from lhr_helpers import MALI, SUNEE, csrf, file_request, request_id
from sec_helpers import check_answer, counted, csrf_of, valid_pid

HTML = {"Accept": "text/html"}
PAYLOADS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>',
            "javascript:alert(1)", "{{7*7}}"]
RAW = re.compile(r"<script>alert|<img src=x|<svg onload")


def test_markup_stored_through_the_control_api_is_escaped_on_every_page():
    app = counted(make_app())
    c = app.test_client()
    pid = valid_pid("110040012345")
    evil = " ".join(PAYLOADS)
    assert c.post("/_mock/citizens", json={"pid": pid, "given_name": evil, "family_name": evil, "title": evil,
                                           "given_name_en": evil, "family_name_en": evil, "address": evil,
                                           "registered": True}).status_code == 201
    assert c.post("/_mock/clients", json={"client_id": "evil-rp", "name": evil, "name_en": evil,
                                          "redirect_uris": ["http://127.0.0.1:9/cb?<script>"],
                                          "scopes": ["openid", "pid", "name", "address"]}).status_code == 201
    desk = app.test_client()
    page = desk.get("/api/v2/oauth2/auth/?response_type=code&client_id=evil-rp&scope=openid+pid+name+address"
                    "&state=<script>&redirect_uri=" + "http://127.0.0.1:9/cb?%3Cscript%3E", headers=HTML)
    app_path = re.search(r'id="app-link" href="http://mock\.test([^"]+)"', page.get_data(as_text=True)).group(1)
    phone = app.test_client()
    token = csrf_of(phone.get(app_path, headers=HTML).get_data(as_text=True))
    phone.post(app_path + "/whoami", data={"pid": pid, "csrf_token": token})
    pages = {"QR page": page, "consent": phone.get(app_path, headers=HTML)}
    for path in ("/_mock/admin/", "/_mock/inspector/", "/_mock/trainer/", "/app/cards/", f"/app/?lang=en",
                 "/app/card"):
        pages[path] = phone.get(path, headers=HTML)
    for what, r in pages.items():
        check_answer(r, what)
        html = r.get_data(as_text=True)
        assert not RAW.search(html), f"unescaped markup on {what}: {RAW.search(html).group(0)}"
    assert "&lt;script&gt;" in pages["consent"].get_data(as_text=True)


def test_markup_in_an_lhr_correction_is_escaped_for_the_owner_and_the_officer(lhr):
    owner, _ = lhr.login(MALI)
    evil = " ".join(PAYLOADS)
    rid = request_id(file_request(owner, "ABILITY", "missing", {"field": evil, "detail": evil}, reason=evil,
                                  files=[("<img src=x onerror=alert(1)>.pdf", pdf())]))
    officer, _ = lhr.login(SUNEE)
    officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(officer, "/officer/"),
                                                          "decision": "return", "note": evil})
    pages = {"owner detail": owner.get(f"/me/requests/{rid}"), "owner list": owner.get("/me/requests/"),
             "officer review": officer.get(f"/officer/requests/{rid}"), "queue": officer.get("/officer/?status=RETURNED"),
             "access log": owner.get("/me/access-log")}
    for what, r in pages.items():
        check_answer(r, what, lhr=True)
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and not RAW.search(html), f"unescaped markup on {what}"
    assert "&lt;script&gt;" in pages["officer review"].get_data(as_text=True)

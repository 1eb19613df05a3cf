"""Every error LHR answers is LHR's own bilingual page (its banner, Thai then English, the status
as ``data-code``), never Werkzeug's bare "400 Bad Request" page: the statuses the demo really
produces, each triggered the way a user (or a fuzzer) would, and every other HTTP error status
Werkzeug knows, through a test-only route that aborts with it."""
from __future__ import annotations

import re

import pytest
from flask import Flask, abort
from werkzeug.exceptions import default_exceptions

from lhr_demo import app as lhr_app, kp7, records
from lhr_files import pdf
from lhr_helpers import MALI, SUNEE, csrf, file_request, make_lhr, person_row, request_id

BARE = re.compile(r"<title>\d{3} [A-Za-z' -]+</title>\s*<h1>")  # Werkzeug's own error page


def lhr_page(resp, code: int) -> str:
    """The page's text, after checking it is LHR's error page for ``code`` in both languages."""
    page = resp.get_data(as_text=True)
    assert resp.status_code == code, (resp.status_code, page[:300])
    assert resp.mimetype == "text/html", resp.mimetype
    assert 'id="demo-banner"' in page and f'id="error" data-code="{code}"' in page, page[:600]
    assert not BARE.search(page), "Werkzeug's bare error page"
    th, en = re.search(r'<h1 lang="th">([^<]+)</h1>\s*<p lang="en">([^<]+)</p>', page).groups()
    assert re.search("[\u0e00-\u0e7f]", th) and re.search("[A-Za-z]", en)
    return page


def filed(lhr) -> str:
    """A submitted salary correction of MALI's (request id)."""
    owner, _ = lhr.login(MALI)
    row = person_row(lhr, MALI, kp7.PositionSalary)
    resp = file_request(owner, "POSITION_SALARY", row.public_id, {"salary": "18140"}, files=[("คำสั่ง.pdf", pdf())])
    assert resp.status_code == 302
    return request_id(resp)


def test_a_decision_without_a_decision_is_lhrs_400_page_not_werkzeugs(lhr):
    """The fuzzer's finding (issue 17): a valid CSRF token and no ``decision``."""
    rid = filed(lhr)
    officer, _ = lhr.login(SUNEE)
    resp = officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(officer, f"/officer/requests/{rid}")})
    page = lhr_page(resp, 400)
    assert "คำขอไม่ถูกต้อง" in page and "The request was not valid" in page
    assert 'data-status="SUBMITTED"' in officer.get(f"/officer/requests/{rid}").get_data(as_text=True)


# --- every status the demo produces, triggered for real ------------------------------------------

def _csrf_missing(lhr):
    owner, _ = lhr.login(MALI)
    return owner.post("/me/requests/new", data={"section": "ABILITY"}), "แบบฟอร์มหมดอายุ"


def _cross_site_logout(lhr):
    owner, _ = lhr.login(MALI)
    return owner.post("/auth/thaid/logout", data={"csrf_token": csrf(owner, "/me/record")},
                      headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"}), "ออกจากระบบไม่สำเร็จ"


def _unknown_page(lhr):
    owner, _ = lhr.login(MALI)
    return owner.get("/me/nothing-here"), "ไม่พบหน้าที่ต้องการ"


def _someone_elses_request(lhr):
    rid = filed(lhr)
    other, _ = lhr.login(SUNEE)
    return other.get(f"/me/requests/{rid}"), "ไม่พบหน้าที่ต้องการ"


def _get_on_a_form_route(lhr):
    rid = filed(lhr)
    officer, _ = lhr.login(SUNEE)
    resp = officer.get(f"/officer/requests/{rid}/decide")
    assert "POST" in resp.headers.get("Allow", "")  # the error keeps its Allow header
    return resp, "ไม่รองรับวิธีการเรียกนี้"


def _edit_after_submitting(lhr):
    rid = filed(lhr)
    owner, _ = lhr.login(MALI)
    return owner.post(f"/me/requests/{rid}/edit", data={"csrf_token": csrf(owner, "/me/record"), "reason": "x",
                                                        "f_salary": "1"}), "ทำรายการนี้ในสถานะปัจจุบันไม่ได้"


def _too_large(lhr):
    owner, _ = lhr.login(MALI)
    big = b"%PDF-" + b"0" * (lhr.settings.max_upload_bytes + 1024 * 1024)
    return file_request(owner, "ABILITY", "missing", {"field": "ภาษา"}, files=[("big.pdf", big)]), "ไฟล์ใหญ่เกินกำหนด"


def _range_past_the_end(lhr):
    rid = filed(lhr)
    owner, _ = lhr.login(MALI)
    page = owner.get(f"/me/requests/{rid}").get_data(as_text=True)
    href = re.search(r'href="(/me/requests/[^"]+/attachments/[^"]+)"', page).group(1)
    return owner.get(href, headers={"Range": "bytes=99999999-"}), "ช่วงที่ขอ"


def _a_crash(lhr, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("a fault injected by the test")
    monkeypatch.setattr(records, "record_context", boom)
    lhr.app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, not the traceback
    owner, _ = lhr.login(MALI)
    return owner.get("/me/record"), "ระบบขัดข้อง"


PRODUCED = {400: [_csrf_missing], 403: [_cross_site_logout], 404: [_unknown_page, _someone_elses_request],
            405: [_get_on_a_form_route], 409: [_edit_after_submitting], 413: [_too_large], 416: [_range_past_the_end]}
CASES = [(code, f) for code, fs in PRODUCED.items() for f in fs]


@pytest.mark.parametrize("code,trigger", CASES, ids=[f"{c}-{f.__name__.strip('_')}" for c, f in CASES])
def test_every_error_the_demo_produces_is_its_own_page(lhr, code, trigger):
    resp, words = trigger(lhr)
    assert words in lhr_page(resp, code)


def test_an_unhandled_error_is_the_500_page(lhr, monkeypatch):
    resp, words = _a_crash(lhr, monkeypatch)
    assert words in lhr_page(resp, 500)


def test_the_table_names_every_status_the_demo_produces():
    """A status the demo produces has its own words (not the catch-all's)."""
    assert set(PRODUCED) | {500} <= set(lhr_app.ERRORS)
    for th, en in lhr_app.ERRORS.values():
        assert (th, en) != lhr_app.OTHER_ERROR and re.search("[\u0e00-\u0e7f]", th) and en.isascii()


# --- every other HTTP error status -----------------------------------------------------------------

ALL_ERRORS = sorted(c for c in default_exceptions if c >= 400)


@pytest.fixture
def aborting(tmp_path, template_db, mock):
    t = make_lhr(tmp_path, template_db, mock.url)
    t.app.add_url_rule("/_test/abort/<int:code>", "test_abort", lambda code: abort(code))
    yield t
    t.thaid.close()
    t.db.engine.dispose()


def test_every_http_error_status_is_lhrs_page(aborting):
    assert len(ALL_ERRORS) >= 30 and {400, 404, 405, 413, 416, 418, 429, 500, 503} <= set(ALL_ERRORS)
    c = aborting.client()
    for code in ALL_ERRORS:
        page = lhr_page(c.get(f"/_test/abort/{code}"), code)
        th, en = lhr_app.ERRORS.get(code, lhr_app.OTHER_ERROR)
        assert th.split(" (")[0] in page and en.split(" (")[0] in page, code


def test_the_page_check_tells_werkzeugs_bare_page_apart():
    """The check above fails on what a Flask app without LHR's table answers."""
    bare = Flask("bare")
    bare.add_url_rule("/x", "x", lambda: abort(400))
    resp = bare.test_client().get("/x")
    assert resp.status_code == 400 and BARE.search(resp.get_data(as_text=True))
    with pytest.raises(AssertionError):
        lhr_page(resp, 400)

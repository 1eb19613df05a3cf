"""Issue 14 without a browser: the words on LHR's Thai screens (audit outcomes, roles and
actions, the seed's import, ก.พ.๗ spelt one way), the district supervisor's dashboard title,
the officer's pending count, people of the same name told apart, and Thai time whatever the
server's TZ."""
from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import select

from lhr_demo import kp7, models as m, sections, templating
from lhr_helpers import MALI, NARONG, SUNEE, SURACHET, file_request, person_row, request_id
from lhr_files import pdf

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def visible_text(html: str) -> str:
    """The page's text roughly as a reader sees it: tags, attributes and scripts removed."""
    html = re.sub(r"(?s)<(script|style|head)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def file_salary_request(lhr):
    c, _ = lhr.login(MALI)
    row = person_row(lhr, MALI, kp7.PositionSalary)
    resp = file_request(c, "POSITION_SALARY", row.public_id, {"salary": "18140"}, files=[("คำสั่ง.pdf", pdf())])
    assert resp.status_code in (302, 303)
    return c, row, request_id(resp)


def test_access_log_history_and_record_read_as_thai(lhr):
    c, row, _rid = file_salary_request(lhr)
    for path in ("/me/access-log", f"/me/record/history/{row.public_id}", "/me/record", "/me/record/print",
                 "/me/requests/"):
        text = visible_text(c.get(path).get_data(as_text=True))
        for code in ("OWNER", "ALLOW", "DENY", "HR_OFFICER", "(seed)", "ก.พ.7", "VIEW_", "REQUEST_"):
            assert code not in text, (path, code)
        assert not ISO_DATE.search(text), (path, ISO_DATE.search(text).group(0))
    log = c.get("/me/access-log").get_data(as_text=True)
    assert "เจ้าของประวัติ" in log and "สำเร็จ" in log
    history = visible_text(c.get(f"/me/record/history/{row.public_id}").get_data(as_text=True))
    assert "นำเข้าข้อมูลตั้งต้นจากระบบเดิม" in history
    record = visible_text(c.get("/me/record").get_data(as_text=True))
    assert "ก.พ.๗" in record


def test_the_old_seed_marker_and_every_outcome_and_role_have_thai_words(lhr):
    with lhr.app.test_request_context("/"):
        assert templating.recorded_by("นำเข้าข้อมูลตั้งต้น (seed)") == "นำเข้าข้อมูลตั้งต้นจากระบบเดิม"
        assert [templating.audit_outcome(o) for o in ("ALLOW", "DENY", "ERROR")] == ["สำเร็จ", "ถูกปฏิเสธ", "ขัดข้อง"]
        for role in ("OWNER", "HR_OFFICER", "DISTRICT_SUPERVISOR", "PROVINCE_SUPERVISOR"):
            assert re.search("[ก-๙]", templating.audit_role(role)), role
        assert templating.audit_action("SOMETHING_NEW") == "การดำเนินการอื่น"


def test_dashboard_titles_name_the_area(lhr):
    c, _ = lhr.login(SURACHET)
    title = re.search(r'<h2 id="scope-title">([^<]+)</h2>', c.get("/dashboard/").get_data(as_text=True)).group(1)
    assert title.startswith("อำเภอแม่สอด")
    c, _ = lhr.login(NARONG)
    title = re.search(r'<h2 id="scope-title">([^<]+)</h2>', c.get("/dashboard/").get_data(as_text=True)).group(1)
    assert title.startswith("จังหวัดตาก")


def test_the_officer_sees_how_many_requests_wait(lhr):
    file_salary_request(lhr)
    c, _ = lhr.login(SUNEE)
    page = c.get("/me/record").get_data(as_text=True)
    with lhr.session() as s:
        person = s.scalar(select(m.Person).where(m.Person.pid == SUNEE))
        waiting = s.query(m.CorrectionRequest).filter(m.CorrectionRequest.organization_id == person.organization_id,
                                                      m.CorrectionRequest.status == "SUBMITTED").count()
    assert waiting >= 1
    assert f'คำขอรอดำเนินการ (<span id="pending-count">{waiting}</span>)' in page
    assert 'id="pending-notice"' in page


def test_people_of_the_same_name_are_told_apart(lhr):
    model = sections.SECTIONS["PERSONAL"].model
    with lhr.session() as s:
        by_org = defaultdict(lambda: defaultdict(list))
        for h, p in s.execute(select(model, m.Person).join(m.Person, m.Person.id == model.person_id)
                              .where(model.is_current.is_(True))):
            by_org[p.organization_id][f"{h.title_th}{h.first_name_th} {h.last_name_th}"].append(p)
        dups = [(org, name, ps) for org, names in by_org.items() for name, ps in names.items() if len(ps) > 1]
        officers = {r.organization_id: r.pid for r in s.scalars(select(m.RoleAssignment).where(
            m.RoleAssignment.role == "HR_OFFICER"))}
    assert dups, "the seed has people of the same name in one organization"
    checked = 0
    for org, name, _people in dups:
        if org not in officers:
            continue
        c, _ = lhr.login(officers[org])
        page = c.get("/officer/people").get_data(as_text=True)
        rows = re.findall(r"<tr><td><a [^>]*>" + re.escape(name) + r'</a><br><span class="who-extra">([^<]+)</span>', page)
        assert len(rows) >= 2 and len(set(rows)) == len(rows), (name, rows)
        checked += 1
    assert checked, "no officer covers an organization with two people of the same name"


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
def test_times_are_thai_whatever_the_server_tz(lhr):
    old = os.environ.get("TZ")
    try:
        for tz in ("UTC", "America/New_York", "Asia/Tokyo"):
            os.environ["TZ"] = tz
            time.tzset()
            with lhr.app.test_request_context("/"):
                assert templating.dt(datetime(2025, 11, 1, 17, 30)) == "2 พ.ย. 2568 00:30 น."
                assert templating.d(datetime(2025, 11, 1, 17, 30)) == "2 พ.ย. 2568"
                assert templating.dt(templating.parse_iso("2025-11-01T17:30:00.000000+00:00")) == "2 พ.ย. 2568 00:30 น."
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_a_decision_without_a_decision_gets_the_bilingual_error_page(lhr):
    from lhr_helpers import csrf
    _c, _row, rid = file_salary_request(lhr)
    c, _ = lhr.login(SUNEE)
    resp = c.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(c, f"/officer/requests/{rid}")},
                  headers={"Origin": "http://localhost"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="error" data-code="400"' in page and 'id="demo-banner"' in page

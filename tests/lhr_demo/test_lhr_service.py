"""The correction-request service owns the commits: ``web.log`` only appends (the caller
commits), each service step stores the change, its events and its audit rows together, a
refused step stores none of the change; the officer's lists cost the same number of queries
however many rows they show (no per-row name or position lookup)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from lhr_demo import correction_service, kp7, models as m, web, workflow
from lhr_files import pdf
from lhr_helpers import MALI, SUNEE, csrf, file_request, person_row, request_id


@contextmanager
def statements(engine):
    """The SQL statements run on ``engine`` inside the block."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_a):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_log_appends_and_only_the_caller_commits(lhr):
    with lhr.app.test_request_context("/x"):
        s = web.dbs()
        entry = web.log("TEST_ENTRY", detail={"n": 1})
        assert entry.id is not None  # flushed in the request's session ...
        s.rollback()  # ... and gone with it: log() did not commit
        web.log("TEST_ENTRY", detail={"n": 2})
        s.commit()
        web.close_db()
    with lhr.session() as s:
        kept = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "TEST_ENTRY")).all()
    assert [e.detail["n"] for e in kept] == [2]


def _service(lhr, s, audited: list):
    return correction_service.CorrectionService(s, actor_name="ทดสอบ", upload_dir=lhr.settings.upload_dir,
                                                audit=lambda action, **kw: audited.append(action))


def test_a_refused_owner_step_writes_nothing(lhr):
    owner, _ = lhr.login(MALI)
    row = person_row(lhr, MALI, kp7.PositionSalary)
    rid = request_id(file_request(owner, "POSITION_SALARY", row.public_id, {"salary": "18140"}, action="draft",
                                  files=[("a.pdf", pdf())]))
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        events = s.scalar(select(func.count()).select_from(m.CorrectionEvent))
        audited: list[str] = []
        svc = _service(lhr, s, audited)
        svc.owner_step(req, workflow.SUBMIT)
        with pytest.raises(workflow.TransitionRefused):
            svc.owner_step(req, workflow.SUBMIT)  # already submitted
        s.rollback()
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        assert req.status == workflow.SUBMITTED
        assert s.scalar(select(func.count()).select_from(m.CorrectionEvent)) == events + 1
    assert audited == ["REQUEST_SUBMITTED"]


def test_submitting_without_evidence_is_refused_by_the_service(lhr):
    owner, _ = lhr.login(MALI)
    rid = request_id(file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "ลาว"}, action="draft"))
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        with pytest.raises(correction_service.MissingEvidence):
            _service(lhr, s, []).owner_step(req, workflow.SUBMIT)
    with lhr.session() as s:
        assert s.scalar(select(m.CorrectionRequest.status).where(m.CorrectionRequest.public_id == rid)) == "DRAFT"


def test_a_refused_decision_is_audited_and_changes_nothing(lhr):
    owner, _ = lhr.login(MALI)
    row = person_row(lhr, MALI, kp7.PositionSalary)
    rid = request_id(file_request(owner, "POSITION_SALARY", row.public_id, {"salary": "18140"},
                                  files=[("a.pdf", pdf())]))
    officer, _ = lhr.login(SUNEE)
    before = lhr.count("REQUEST_DECISION_REFUSED", "DENY")
    r = officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(officer, "/officer/"),
                                                              "decision": "reject", "note": ""})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/officer/requests/{rid}")
    assert lhr.count("REQUEST_DECISION_REFUSED", "DENY") == before + 1
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        assert (req.status, req.decided_by_name, [e.to_status for e in req.events]) == (
            "SUBMITTED", None, ["DRAFT", "SUBMITTED"])


def test_the_officers_lists_do_not_look_up_each_row(lhr):
    owner, _ = lhr.login(MALI)
    officer, _ = lhr.login(SUNEE)
    token = csrf(owner, "/me/record")

    def queue_statements() -> int:
        with statements(lhr.db.engine) as seen:
            page = officer.get("/officer/?status=ALL").get_data(as_text=True)
        assert "มะลิ" in page
        return len(seen)

    file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "ลาว"}, files=[("a.pdf", pdf())],
                 token=token)
    one = queue_statements()
    for lang in ("พม่า", "จีน", "อังกฤษ", "ญี่ปุ่น"):
        file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": lang}, files=[("a.pdf", pdf())],
                     token=token)
    assert queue_statements() == one  # five rows cost what one row costs

    with lhr.session() as s:
        org = s.scalar(select(m.Person.organization_id).where(m.Person.pid == MALI))
        staff = s.scalar(select(func.count()).select_from(m.Person).where(m.Person.organization_id == org))
    with statements(lhr.db.engine) as seen:
        assert officer.get("/officer/people").status_code == 200
    assert staff >= 30 and len(seen) <= 20, (staff, seen)  # 2 queries a row before

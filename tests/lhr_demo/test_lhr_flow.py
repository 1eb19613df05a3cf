"""The correction workflow through the app: owner files with evidence, officer decides,
history is append-only; plus login, go-live, no-record page, views audited, UI basics."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from lhr_demo import kp7, models as m
from lhr_demo.pid import check_digit
from lhr_demo.seed import DEMO_ERROR_DATE
from lhr_files import jpeg, pdf, png
from lhr_helpers import (FATIMAH, MALI, ORIGIN, SUNEE, TEST_PERSON, csrf, file_request, make_lhr, person_row,
                         request_id)


def test_owner_files_officer_approves_new_version_old_kept(lhr):
    owner, _ = lhr.login(MALI)
    wrong = person_row(lhr, MALI, kp7.PositionSalary, effective_date=DEMO_ERROR_DATE)
    resp = file_request(owner, "POSITION_SALARY", wrong.public_id, {"salary": "17,350"},
                        reason="เงินเดือนบันทึกสลับหลัก ตามคำสั่งเลื่อนเงินเดือน", files=[("คำสั่ง.pdf", pdf())])
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    rid = request_id(resp)
    page = owner.get(f"/me/requests/{rid}").get_data(as_text=True)
    assert 'data-status="SUBMITTED"' in page and "17,350" in page and "คำสั่ง.pdf" in page

    officer, _ = lhr.login(SUNEE)
    queue = officer.get("/officer/").get_data(as_text=True)
    assert rid in queue
    review = officer.get(f"/officer/requests/{rid}").get_data(as_text=True)
    assert "approve" in review
    with lhr.session() as s:
        att = s.scalar(select(m.Attachment).join(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
    evidence = officer.get(f"/officer/requests/{rid}/attachments/{att.public_id}")
    assert evidence.status_code == 200 and evidence.data.startswith(b"%PDF-")
    assert evidence.headers["Content-Type"] == "application/pdf"
    before = lhr.count("VIEW_ATTACHMENT")
    assert before >= 1
    r = officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(officer, "/officer/"),
                                                              "decision": "approve", "note": "ตรวจสอบกับคำสั่งแล้ว"})
    assert r.status_code == 302

    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        assert req.status == "APPLIED"
        versions = s.scalars(select(kp7.PositionSalary).where(kp7.PositionSalary.lineage_id == wrong.lineage_id)
                             .order_by(kp7.PositionSalary.version)).all()
        assert [(v.version, v.is_current, v.salary) for v in versions] == [(1, False, wrong.salary), (2, True, 17350)]
        assert versions[1].supersedes_id == versions[0].id and versions[1].source_request_id == req.id
        assert versions[1].movement == wrong.movement and versions[1].ref_doc == wrong.ref_doc
        assert [e.to_status for e in req.events] == ["DRAFT", "SUBMITTED", "APPROVED", "APPLIED"]
    assert lhr.count("RECORD_VERSION_CREATED") == 1 and lhr.count("REQUEST_APPLIED") == 1

    record = owner.get("/me/record").get_data(as_text=True)
    assert "17,350" in record and f"{wrong.salary:,}" not in record
    history = owner.get(f"/me/record/history/{versions[1].public_id}").get_data(as_text=True)
    assert f"{wrong.salary:,}" in history and "17,350" in history and "superseded" in history
    detail = owner.get(f"/me/requests/{rid}").get_data(as_text=True)
    assert "ตรวจสอบกับคำสั่งแล้ว" in detail and 'data-status="APPLIED"' in detail


def test_a_missing_row_is_added(lhr):
    owner, _ = lhr.login(MALI)
    resp = file_request(owner, "TRAINING", "missing", {"kind": "TRAINING", "course": "หลักสูตร PDPA สำหรับท้องถิ่น",
                                                       "start_date": "๓/๒/๒๕๖๙", "end_date": "5/2/2569"},
                        files=[("cert.png", png())])
    assert resp.status_code == 302
    rid = request_id(resp)
    officer, _ = lhr.login(FATIMAH)
    officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(officer, "/officer/"), "decision": "approve"})
    row = person_row(lhr, MALI, kp7.Training, course="หลักสูตร PDPA สำหรับท้องถิ่น")
    assert row and row.version == 1 and row.start_date == date(2026, 2, 3) and row.source_request_id


def test_return_edit_resubmit_then_reject_with_reason(lhr):
    owner, _ = lhr.login(MALI)
    edu = person_row(lhr, MALI, kp7.Education)
    rid = request_id(file_request(owner, "EDUCATION", edu.public_id, {"major": "การบัญชีบริหาร"},
                                  files=[("degree.jpg", jpeg())]))
    officer, _ = lhr.login(SUNEE)
    token = csrf(officer, "/officer/")
    r = officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": token, "decision": "return", "note": ""})
    assert r.status_code == 302
    assert "กรุณาระบุเหตุผล" in officer.get(f"/officer/requests/{rid}").get_data(as_text=True)
    officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": token, "decision": "return",
                                                          "note": "ขอสำเนาใบแสดงผลการศึกษา"})
    page = owner.get(f"/me/requests/{rid}").get_data(as_text=True)
    assert 'data-status="RETURNED"' in page and "ขอสำเนาใบแสดงผลการศึกษา" in page
    token = csrf(owner, f"/me/requests/{rid}")
    owner.post(f"/me/requests/{rid}/edit", data={"csrf_token": token, "f_major": "การบัญชี (การบัญชีบริหาร)",
                                                 "f_institution": edu.institution, "f_level": edu.level,
                                                 "f_degree": edu.degree, "reason": "แนบใบแสดงผลการศึกษาแล้ว"})
    owner.post(f"/me/requests/{rid}/attachments", data={"csrf_token": token, "evidence": [(__import__("io").BytesIO(pdf()), "transcript.pdf")]},
               content_type="multipart/form-data")
    owner.post(f"/me/requests/{rid}/submit", data={"csrf_token": token})
    officer.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(officer, "/officer/"), "decision": "reject",
                                                          "note": "วุฒิตามที่บันทึกถูกต้องแล้ว"})
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        assert req.status == "REJECTED" and req.decision_note == "วุฒิตามที่บันทึกถูกต้องแล้ว"
        assert req.proposed == {"major": "การบัญชี (การบัญชีบริหาร)"} and len(req.attachments) == 2
        assert [e.to_status for e in req.events] == ["DRAFT", "SUBMITTED", "RETURNED", "SUBMITTED", "REJECTED"]
    assert person_row(lhr, MALI, kp7.Education).version == 1  # nothing changed
    assert "วุฒิตามที่บันทึกถูกต้องแล้ว" in owner.get(f"/me/requests/{rid}").get_data(as_text=True)


def test_draft_then_cancel_and_submit_needs_evidence(lhr):
    owner, _ = lhr.login(MALI)
    ability = "missing"
    r = file_request(owner, "ABILITY", ability, {"field": "ภาษา", "detail": "ภาษาพม่า"}, files=[])
    assert r.status_code == 400 and "แนบเอกสารหลักฐาน" in r.get_data(as_text=True)
    rid = request_id(file_request(owner, "ABILITY", ability, {"field": "ภาษา", "detail": "ภาษาพม่า"}, action="draft"))
    token = csrf(owner, f"/me/requests/{rid}")
    owner.post(f"/me/requests/{rid}/submit", data={"csrf_token": token})
    assert "DRAFT" in owner.get(f"/me/requests/{rid}").get_data(as_text=True)
    officer, _ = lhr.login(SUNEE)
    assert officer.get(f"/officer/requests/{rid}").status_code == 404  # drafts are the owner's alone
    owner.post(f"/me/requests/{rid}/cancel", data={"csrf_token": token})
    assert 'data-status="CANCELLED"' in owner.get(f"/me/requests/{rid}").get_data(as_text=True)


def test_bad_input_is_explained(lhr):
    owner, _ = lhr.login(MALI)
    edu = person_row(lhr, MALI, kp7.Education)
    r = file_request(owner, "EDUCATION", edu.public_id, {}, files=[("a.pdf", pdf())])
    assert r.status_code == 400 and "No change was proposed" in r.get_data(as_text=True)
    r = file_request(owner, "UNPAID", "missing", {"start_date": "31/02/2568", "description": "x"}, files=[("a.pdf", pdf())])
    assert r.status_code == 400 and "not valid" in r.get_data(as_text=True)
    r = file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "x"},
                     files=[("fake.png", b"hello, I am text" * 20)])
    assert r.status_code == 400 and "PDF, JPEG" in r.get_data(as_text=True)
    with lhr.session() as s:
        assert s.scalar(select(func.count()).select_from(m.CorrectionRequest)) == 0


def test_over_10_mb_upload_is_refused(lhr):
    owner, _ = lhr.login(MALI)
    big = png() + b"\0" * (10 * 1024 * 1024)
    r = file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "x"}, files=[("big.png", big)])
    assert r.status_code in (400, 413) and "10 MB" in r.get_data(as_text=True)


def test_view_and_print_are_audited_and_print_ends_with_the_signature(lhr):
    owner, _ = lhr.login(MALI)
    assert lhr.count("LOGIN", "ALLOW") == 1
    page = owner.get("/me/record").get_data(as_text=True)
    assert "ข้อมูลสำคัญโดยย่อ" in page and "ตำแหน่งและอัตราเงินเดือน" in page and "1-0578-30862-71-9" in page
    assert lhr.count("VIEW_KP7") == 1
    printed = owner.get("/me/record/print").get_data(as_text=True)
    assert lhr.count("PRINT_KP7") == 1
    body = printed[:printed.index("</main>")]
    assert body.rstrip().endswith("</div>") and body[body.rindex('id="signature"'):].count("ลงชื่อเจ้าของประวัติ") == 1
    assert 'media="print"' in printed
    log = owner.get("/me/access-log").get_data(as_text=True)
    assert "พิมพ์ ก.พ.๗" in log and "เปิดดู ก.พ.๗" in log


def test_english_toggle_thai_digits_banner_headers(lhr):
    owner, _ = lhr.login(MALI)
    th = owner.get("/me/record")
    assert "ระบบสาธิต — DEMO" in th.get_data(as_text=True)
    assert th.headers["X-Frame-Options"] == "DENY" and th.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in th.headers["Content-Security-Policy"]
    owner.get("/digits/thai")
    assert "๑๔ มีนาคม ๒๕๓๘" in owner.get("/me/record").get_data(as_text=True)
    owner.get("/lang/en")
    en = owner.get("/me/record").get_data(as_text=True)
    assert "My personnel record (KP7)" in en and "Positions and salary" in en and 'lang="en"' in en
    assert "ระบบสาธิต — DEMO" in en


def test_every_page_is_bilingual(lhr):
    anon = lhr.client()
    assert "เข้าสู่ระบบด้วย ThaiD" in anon.get("/").get_data(as_text=True)
    anon.get("/lang/en")
    assert "Log in with ThaiD" in anon.get("/").get_data(as_text=True)


def test_csrf_is_enforced(lhr):
    owner, _ = lhr.login(MALI)
    r = owner.post("/me/requests/new", data={"section": "ABILITY", "row": "missing", "reason": "x"})
    assert r.status_code == 400 and lhr.count("CSRF_REJECTED", "DENY") == 1


def test_logout(lhr):
    owner, _ = lhr.login(MALI)
    token = csrf(owner, "/me/record")
    r = owner.post("/auth/thaid/logout", data={"csrf_token": token, "next": "/"}, headers={"Origin": ORIGIN})
    assert r.status_code == 302
    assert owner.get("/me/record").status_code == 302  # back to the login page
    assert lhr.count("LOGOUT") == 1


def test_login_before_go_live_is_closed(tmp_path, template_db, mock):
    t = make_lhr(tmp_path, template_db, mock.url, go_live=date(2099, 11, 1))
    home = t.client().get("/").get_data(as_text=True)
    assert 'id="go-live-notice"' in home and "1 พฤศจิกายน 2642" in home and 'aria-disabled="true"' in home
    r = t.client().get("/auth/thaid/login")
    assert r.status_code == 403 and "ยังไม่เปิด" in r.get_data(as_text=True)
    assert t.client().get("/auth/thaid/callback?code=x&state=y").status_code == 403
    assert t.count("LOGIN", "DENY") == 2


def test_login_after_go_live_is_open(tmp_path, template_db, mock):
    t = make_lhr(tmp_path, template_db, mock.url, go_live=date(2025, 11, 1))
    home = t.client().get("/").get_data(as_text=True)
    assert 'href="/auth/thaid/login"' in home and "go-live-notice" not in home
    c, resp = t.login(TEST_PERSON)
    assert resp.status_code == 302 and c.get("/me/record").status_code == 200


def test_pid_without_a_record_gets_a_clear_page(lhr):
    stranger = "110040012345" + str(check_digit("110040012345"))  # invented; the LHR database does not know it
    lhr.thaid.add_citizen(pid=stranger, given_name="ผู้มาเยือน", family_name="ไม่มีประวัติ", registered=True)
    c, resp = lhr.login(stranger)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "ไม่พบทะเบียนประวัติ" in text and "No KP7 record was found" in text
    assert c.get("/me/record").status_code == 302  # not logged in
    assert lhr.count("LOGIN", "DENY") == 1


def test_a_real_login_replaces_a_simulated_adoption_entry(lhr):
    with lhr.session() as s:
        before = s.scalar(select(m.Account).where(m.Account.pid == MALI))
    assert before is None
    lhr.login(MALI)
    lhr.login(MALI)
    with lhr.session() as s:
        acc = s.scalar(select(m.Account).where(m.Account.pid == MALI))
        assert acc.login_count == 2 and not acc.simulated

"""Access: owners see only their own record; any other person's identifier, on EVERY route
and in forms, answers 404 and leaves an ACCESS_DENIED audit row. Officers are confined to
their organization and never decide their own request; supervisors are read-only."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from lhr_demo import kp7, models as m
from lhr_files import pdf, png
from lhr_helpers import (FATIMAH, MALI, NARONG, PRASERT, SUNEE, SURACHET, TEST_PERSON, WICHAI, csrf, file_request,
                         person_row, request_id)

NON_IDENTIFIERS = {"auth.set_lang", "auth.set_digits", "static"}
KNOWN_ARGS = {"rid", "aid", "row_id", "person_id", "org_id", "action"}


@dataclass
class Victim:
    rid: str
    aid: str
    row_id: str
    person_id: str
    org_id: str


@pytest.fixture
def victim(lhr) -> Victim:
    """TEST_PERSON (ทม.ตาก, อ.เมืองตาก) files a request with evidence."""
    owner, _ = lhr.login(TEST_PERSON)
    edu = person_row(lhr, TEST_PERSON, kp7.Education)
    rid = request_id(file_request(owner, "EDUCATION", edu.public_id, {"major": "รัฐศาสตร์"}, files=[("d.pdf", pdf())]))
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        return Victim(rid=rid, aid=req.attachments[0].public_id, row_id=edu.public_id,
                      person_id=req.person.public_id, org_id=req.organization.public_id)


def identifier_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NON_IDENTIFIERS or not rule.arguments:
            continue
        assert rule.arguments <= KNOWN_ARGS, f"teach this test the arguments of {rule.rule}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule, v: Victim) -> str:
    values = {"rid": v.rid, "aid": v.aid, "row_id": v.row_id, "person_id": v.person_id, "org_id": v.org_id,
              "action": "submit"}
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def hit(client, method: str, url: str, token: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token, "decision": "approve", "note": "x", "reason": "x"})


def test_the_route_list_is_what_we_think(lhr):
    endpoints = {rule.endpoint for rule, _ in identifier_routes(lhr.app)}
    assert endpoints == {"records.history", "corrections.detail", "corrections.edit", "corrections.upload",
                         "corrections.attachment", "corrections.act", "officer.review", "officer.attachment",
                         "officer.decide", "officer.person_record", "dashboard.organization"}


@pytest.mark.parametrize("actor", [MALI, SUNEE, PRASERT, SURACHET, NARONG])
def test_every_route_with_another_persons_identifiers_is_404_and_audited(lhr, victim, actor):
    client, _ = lhr.login(actor)
    token = csrf(client, "/")
    tried = 0
    for rule, method in identifier_routes(lhr.app):
        if actor == NARONG and rule.endpoint == "dashboard.organization":
            continue  # a provincial supervisor may see every organization's aggregates in the province
        url = url_for_rule(rule, victim)
        before = lhr.count("ACCESS_DENIED", "DENY")
        resp = hit(client, method, url, token)
        assert resp.status_code == 404, (actor, method, url, resp.status_code)
        assert lhr.count("ACCESS_DENIED", "DENY") == before + 1, (actor, method, url)
        tried += 1
    assert tried >= (10 if actor == NARONG else 11)
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == victim.rid))
        assert req.status == "SUBMITTED" and req.person.pid == TEST_PERSON


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_persons_row_in_the_correction_form_is_404_and_audited(lhr, victim, method):
    client, _ = lhr.login(MALI)
    token = csrf(client, "/me/record")
    before = lhr.count("ACCESS_DENIED", "DENY")
    if method == "GET":
        resp = client.get(f"/me/requests/new?section=EDUCATION&row={victim.row_id}")
    else:
        resp = file_request(client, "EDUCATION", victim.row_id, {"major": "x"}, files=[("a.png", png())], token=token)
    assert resp.status_code == 404
    assert lhr.count("ACCESS_DENIED", "DENY") == before + 1


def test_the_owner_and_their_own_officer_do_reach_the_same_identifiers(lhr, victim):
    owner, _ = lhr.login(TEST_PERSON)
    for url in (f"/me/requests/{victim.rid}", f"/me/requests/{victim.rid}/attachments/{victim.aid}",
                f"/me/record/history/{victim.row_id}"):
        assert owner.get(url).status_code == 200, url
    officer, _ = lhr.login(WICHAI)
    for url in (f"/officer/requests/{victim.rid}", f"/officer/requests/{victim.rid}/attachments/{victim.aid}",
                f"/officer/people/{victim.person_id}", f"/dashboard/org/{victim.org_id}"):
        assert officer.get(url).status_code == 200, url
    assert victim.rid in officer.get("/officer/").get_data(as_text=True)


def test_officers_see_only_their_own_organizations_queue(lhr, victim):
    officer, _ = lhr.login(SUNEE)
    assert victim.rid not in officer.get("/officer/?status=ALL").get_data(as_text=True)
    people = officer.get("/officer/people").get_data(as_text=True)
    assert "มะลิ" in people and "ทดสอบ" not in people


def test_nobody_approves_their_own_request(lhr):
    sunee, _ = lhr.login(SUNEE)
    edu = person_row(lhr, SUNEE, kp7.Education)
    rid = request_id(file_request(sunee, "EDUCATION", edu.public_id, {"honors": "เกียรตินิยมอันดับ ๑"},
                                  files=[("d.pdf", pdf())]))
    page = sunee.get(f"/officer/requests/{rid}").get_data(as_text=True)
    assert 'id="own-request"' in page and 'id="approve"' not in page
    for decision in ("approve", "reject", "return"):
        sunee.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(sunee, "/officer/"),
                                                            "decision": decision, "note": "ตนเอง"})
    with lhr.session() as s:
        assert s.scalar(select(m.CorrectionRequest.status).where(m.CorrectionRequest.public_id == rid)) == "SUBMITTED"
    assert lhr.count("REQUEST_DECISION_REFUSED", "DENY") == 3
    fatimah, _ = lhr.login(FATIMAH)
    fatimah.post(f"/officer/requests/{rid}/decide", data={"csrf_token": csrf(fatimah, "/officer/"), "decision": "approve"})
    with lhr.session() as s:
        assert s.scalar(select(m.CorrectionRequest.status).where(m.CorrectionRequest.public_id == rid)) == "APPLIED"


@pytest.mark.parametrize("supervisor", [SURACHET, NARONG])
def test_supervisors_are_read_only(lhr, supervisor):
    mali, _ = lhr.login(MALI)
    rid = request_id(file_request(mali, "ABILITY", "missing", {"field": "ภาษา", "detail": "ภาษาพม่า"},
                                  files=[("c.png", png())]))
    sup, _ = lhr.login(supervisor)
    dash = sup.get("/dashboard/")
    assert dash.status_code == 200 and "แม่สอด" in dash.get_data(as_text=True)
    progress = sup.get("/dashboard/requests").get_data(as_text=True)
    assert "ความคืบหน้า" in progress and 'data-org="63-0101"' in progress
    page = sup.get("/dashboard/requests").get_data(as_text=True)
    assert "<form" not in page.split("<main>")[1].split("</main>")[0]  # nothing to act on
    token = csrf(sup, "/dashboard/")
    assert sup.get(f"/officer/requests/{rid}").status_code == 404
    assert sup.post(f"/officer/requests/{rid}/decide", data={"csrf_token": token, "decision": "approve"}).status_code == 404
    assert sup.get("/officer/").status_code == 404
    with lhr.session() as s:
        assert s.scalar(select(m.CorrectionRequest.status).where(m.CorrectionRequest.public_id == rid)) == "SUBMITTED"


def test_names_of_who_has_not_logged_in_are_for_the_organizations_officers_only(lhr):
    with lhr.session() as s:
        org = s.scalar(select(m.Organization).where(m.Organization.code == "63-0101"))
    officer, _ = lhr.login(SUNEE)
    mine = officer.get(f"/dashboard/org/{org.public_id}").get_data(as_text=True)
    assert 'id="not-yet"' in mine and "รัตนา" in mine  # 3176061984603 has no ThaiD account
    assert "สุนีย์ ทองคำแท้" not in mine.split('id="not-yet"')[1]  # she has just logged in
    sup, _ = lhr.login(NARONG)
    theirs = sup.get(f"/dashboard/org/{org.public_id}").get_data(as_text=True)
    assert 'id="org-figure"' in theirs and 'id="not-yet"' not in theirs and "รัตนา" not in theirs


def test_owners_without_a_role_have_no_dashboard(lhr):
    mali, _ = lhr.login(MALI)
    before = lhr.count("ACCESS_DENIED", "DENY")
    assert mali.get("/dashboard/").status_code == 404 and mali.get("/dashboard/requests").status_code == 404
    assert lhr.count("ACCESS_DENIED", "DENY") == before + 2


def test_anonymous_visitors_are_sent_to_log_in(lhr, victim):
    anon = lhr.client()
    for url in ("/me/record", f"/me/requests/{victim.rid}", "/officer/", "/dashboard/"):
        r = anon.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/?next="), url

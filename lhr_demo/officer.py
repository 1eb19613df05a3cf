"""The HR officer's side: the queue of their own organization(s), the evidence, decisions.

Approving records the change at once (approve + apply in one transaction): a new version
of the row is appended and the old one kept. Nobody decides on their own request; an
officer of another organization, a supervisor or an owner gets 404 (audited).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import models as m, sections, who, workflow
from .access import deny, login_required
from .correction_service import DECISIONS, proposal_lines, target_of
from .evidence import mount_attachment_route
from .records import record_context
from .web import correction_service, dbs, lhr, log, tr

bp = Blueprint("officer", __name__, url_prefix="/officer")


def _orgs() -> set[int]:
    orgs = g.user.officer_org_ids
    if not orgs:
        deny("officer_area", None, "not_an_officer")
    return orgs


def _request(rid: str) -> m.CorrectionRequest:
    orgs = _orgs()
    req = dbs().scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid,
                                                         m.CorrectionRequest.organization_id.in_(orgs),
                                                         m.CorrectionRequest.status != workflow.DRAFT))
    if req is None:
        deny("request", rid)
    return req


def _own(req: m.CorrectionRequest) -> bool:
    return req.person.pid == g.user.pid


@bp.get("/")
@login_required
def queue():
    orgs, s = _orgs(), dbs()
    status = request.args.get("status", workflow.SUBMITTED)
    q = select(m.CorrectionRequest).where(m.CorrectionRequest.organization_id.in_(orgs),
                                          m.CorrectionRequest.status != workflow.DRAFT)
    if status in workflow.STATUSES:
        q = q.where(m.CorrectionRequest.status == status)
    reqs = s.scalars(q.options(selectinload(m.CorrectionRequest.person))
                     .order_by(m.CorrectionRequest.submitted_at)).all()
    counts = dict(s.execute(select(m.CorrectionRequest.status, func.count()).where(
        m.CorrectionRequest.organization_id.in_(orgs)).group_by(m.CorrectionRequest.status)).all())
    organizations = s.scalars(select(m.Organization).where(m.Organization.id.in_(orgs))).all()
    log("VIEW_QUEUE", detail={"status": status})
    s.commit()
    names, extra = who.names(s, (r.person_id for r in reqs)), who.tell_apart(s, [r.person for r in reqs])
    return render_template("officer_queue.html", reqs=reqs, status=status, counts=counts, organizations=organizations,
                           names={r.id: names[r.person_id] for r in reqs},
                           extra={r.id: extra[r.person_id] for r in reqs})


@bp.get("/requests/<rid>")
@login_required
def review(rid: str):
    req, s = _request(rid), dbs()
    section, row = target_of(s, req)
    own = _own(req)
    log("VIEW_REQUEST", subject=req.person.public_id, object_type="request", object_id=rid)
    s.commit()
    return render_template("officer_request.html", req=req, section=section, row=row, own=own,
                           lines=proposal_lines(s, req), name=who.names(s, [req.person_id])[req.person_id],
                           extra=who.tell_apart(s, [req.person])[req.person_id],
                           actions=workflow.allowed_actions(req.status, workflow.OFFICER, actor_is_owner=own))


mount_attachment_route(bp, "/requests/<rid>/attachments/<aid>", _request)


@bp.post("/requests/<rid>/decide")
@login_required
def decide(rid: str):
    req = _request(rid)
    action = DECISIONS.get(request.form.get("decision", ""))
    if action is None:
        abort(400)
    note = request.form.get("note", "").strip()[:4000] or None
    try:
        correction_service().decide(req, action, note, actor_is_owner=_own(req))
    except workflow.TransitionRefused as e:
        flash(f"{e.message_th} / {e.message_en}", "error")
        return redirect(url_for("officer.review", rid=rid))
    except sections.RowChanged:
        flash("รายการนี้ถูกแก้ไขไปแล้วหลังยื่นคำขอ กรุณาส่งกลับหรือไม่อนุมัติ / "
              "The row changed after the request was filed: return or reject it", "error")
        return redirect(url_for("officer.review", rid=rid))
    flash(tr("บันทึกผลการพิจารณาแล้ว", "Decision recorded"), "ok")
    return redirect(url_for("officer.queue"))


@bp.get("/people")
@login_required
def people():
    orgs, s = _orgs(), dbs()
    persons = s.scalars(select(m.Person).where(m.Person.organization_id.in_(orgs)).order_by(m.Person.id)).all()
    logged = set(s.scalars(select(m.Account.pid).where(m.Account.last_login_at >= _go_live())))
    log("VIEW_PEOPLE")
    s.commit()
    return render_template("officer_people.html", persons=persons, logged=logged,
                           names=who.names(s, (p.id for p in persons)), extra=who.tell_apart(s, persons))


def _go_live():
    from datetime import datetime
    return datetime.combine(lhr().settings.go_live, datetime.min.time())


@bp.get("/people/<person_id>")
@login_required
def person_record(person_id: str):
    orgs, s = _orgs(), dbs()
    person = s.scalar(select(m.Person).where(m.Person.public_id == person_id, m.Person.organization_id.in_(orgs)))
    if person is None:
        deny("record", person_id)
    log("VIEW_KP7", subject=person.public_id, object_type="record", object_id=person.public_id,
        detail={"as": "HR_OFFICER"})
    s.commit()
    return render_template("kp7.html", mode="officer", **record_context(s, person))

"""The HR officer's side: the queue of their own organization(s), the evidence, decisions.

Approving records the change at once (approve + apply in one transaction): a new version
of the row is appended and the old one kept. Nobody decides on their own request; an
officer of another organization, a supervisor or an owner gets 404 (audited).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from . import models as m, sections, workflow
from .access import deny, login_required
from .corrections import move, proposal_lines, send_attachment, target_of
from .records import record_context
from .web import dbs, lhr, log, tr

bp = Blueprint("officer", __name__, url_prefix="/officer")
DECISIONS = {"approve": workflow.APPROVE, "return": workflow.RETURN, "reject": workflow.REJECT}


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
    reqs = s.scalars(q.order_by(m.CorrectionRequest.submitted_at)).all()
    counts = dict(s.execute(select(m.CorrectionRequest.status, func.count()).where(
        m.CorrectionRequest.organization_id.in_(orgs)).group_by(m.CorrectionRequest.status)).all())
    organizations = s.scalars(select(m.Organization).where(m.Organization.id.in_(orgs))).all()
    log("VIEW_QUEUE", detail={"status": status})
    return render_template("officer_queue.html", reqs=reqs, status=status, counts=counts, organizations=organizations,
                           names={r.id: _name(s, r.person_id) for r in reqs},
                           extra={r.id: tell_apart(s, r.person) for r in reqs})


def _position(s, person_id: int) -> str | None:
    sec = sections.SECTIONS["POSITION_SALARY"]
    row = s.scalars(select(sec.model).where(sec.model.person_id == person_id, sec.model.is_current.is_(True))
                    .order_by(sec.model.effective_date.desc(), sec.model.id.desc())).first()
    return row.position_title if row else None


def tell_apart(s, person: m.Person) -> str:
    """What tells two people of the same name apart in a list: current position and masked PID."""
    from .pid import mask_pid
    position = _position(s, person.id)
    return f"{position} · {mask_pid(person.pid)}" if position else mask_pid(person.pid)


def _name(s, person_id: int) -> str:
    h = s.scalar(select(sections.SECTIONS["PERSONAL"].model).where(
        sections.SECTIONS["PERSONAL"].model.person_id == person_id, sections.SECTIONS["PERSONAL"].model.is_current))
    return f"{h.title_th}{h.first_name_th} {h.last_name_th}" if h else "-"


@bp.get("/requests/<rid>")
@login_required
def review(rid: str):
    req, s = _request(rid), dbs()
    section, row = target_of(s, req)
    own = _own(req)
    log("VIEW_REQUEST", subject=req.person.public_id, object_type="request", object_id=rid)
    return render_template("officer_request.html", req=req, section=section, row=row, own=own,
                           lines=proposal_lines(s, req), name=_name(s, req.person_id), extra=tell_apart(s, req.person),
                           actions=workflow.allowed_actions(req.status, workflow.OFFICER, actor_is_owner=own))


@bp.get("/requests/<rid>/attachments/<aid>")
@login_required
def attachment(rid: str, aid: str):
    req = _request(rid)
    att = next((a for a in req.attachments if a.public_id == aid), None)
    if att is None:
        deny("attachment", aid)
    return send_attachment(att, req)


@bp.post("/requests/<rid>/decide")
@login_required
def decide(rid: str):
    req, s = _request(rid), dbs()
    action = DECISIONS.get(request.form.get("decision", ""))
    if action is None:
        abort(400)
    note = request.form.get("note", "").strip()[:4000] or None
    name = g.user.account.display_name
    try:
        move(s, req, action, role=workflow.OFFICER, actor_name=name, note=note, actor_is_owner=_own(req))
        if action == workflow.APPROVE:
            _apply(s, req, name)
    except workflow.TransitionRefused as e:
        s.rollback()
        log("REQUEST_DECISION_REFUSED", outcome="DENY", subject=req.person.public_id, object_type="request",
            object_id=rid, detail={"action": action, "code": e.code})
        flash(f"{e.message_th} / {e.message_en}", "error")
        return redirect(url_for("officer.review", rid=rid))
    except sections.RowChanged:
        s.rollback()
        flash("รายการนี้ถูกแก้ไขไปแล้วหลังยื่นคำขอ กรุณาส่งกลับหรือไม่อนุมัติ / "
              "The row changed after the request was filed: return or reject it", "error")
        return redirect(url_for("officer.review", rid=rid))
    log("REQUEST_" + req.status, subject=req.person.public_id, object_type="request", object_id=rid,
        detail={"note": bool(note)})
    flash(tr("บันทึกผลการพิจารณาแล้ว", "Decision recorded"), "ok")
    return redirect(url_for("officer.queue"))


def _apply(s, req: m.CorrectionRequest, name: str) -> None:
    section, row = target_of(s, req)
    org = req.organization.short_th
    new = sections.append_version(s, section, req.person_id, row, req.proposed, recorded_by=f"{name} ({org})",
                                  request_id=req.id, ref_doc=f"แก้ไขตามคำขอ {req.request_no}")
    req.applied_row_id = new.id
    move(s, req, workflow.APPLY, role=workflow.OFFICER, actor_name=name, note=req.decision_note, actor_is_owner=_own(req))
    log("RECORD_VERSION_CREATED", subject=req.person.public_id, object_type="record_row", object_id=new.public_id,
        detail={"section": section.code, "version": new.version, "request": req.public_id}, commit=False)


@bp.get("/people")
@login_required
def people():
    orgs, s = _orgs(), dbs()
    persons = s.scalars(select(m.Person).where(m.Person.organization_id.in_(orgs)).order_by(m.Person.id)).all()
    logged = set(s.scalars(select(m.Account.pid).where(m.Account.last_login_at >= _go_live())))
    log("VIEW_PEOPLE")
    return render_template("officer_people.html", persons=persons, logged=logged,
                           names={p.id: _name(s, p.id) for p in persons}, extra={p.id: tell_apart(s, p) for p in persons})


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
    return render_template("kp7.html", mode="officer", **record_context(s, person))

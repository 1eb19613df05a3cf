"""The owner's correction requests: pick a section and row (or "a row is missing"), propose
the change, give the reason, attach evidence, submit; follow the status and the officer's
comments. Requests and attachments are named by random public ids and always looked up
together with the owner, so another person's id answers 404 (and is audited)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from . import models as m, sections, workflow
from .access import deny, login_required, own_person
from .correction_service import MissingEvidence, proposal_lines, read_proposal, target_of
from .evidence import mount_attachment_route, read_files
from .web import correction_service, dbs, log, tr

bp = Blueprint("corrections", __name__, url_prefix="/me/requests")


# --- the owner's pages (thin: parse the form, call the service, choose the answer) -----------

def own_request(rid: str) -> m.CorrectionRequest:
    person = own_person()
    req = dbs().scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid,
                                                         m.CorrectionRequest.person_id == person.id))
    if req is None:
        deny("request", rid)
    return req


def _target(s, person, section_code: str, row_id: str):
    section = sections.SECTIONS.get(section_code or "")
    if section is None:
        abort(404)
    if not row_id or row_id == "missing":
        if section.single:
            abort(404)
        return section, None
    found = sections.find_row(s, row_id)
    if found is None or found[1].person_id != person.id or found[0] is not section:
        deny("record_row", row_id)
    if not found[1].is_current:
        deny("record_row", row_id, "not_current")
    return section, found[1]


@bp.get("/")
@login_required
def index():
    person, s = own_person(), dbs()
    reqs = s.scalars(select(m.CorrectionRequest).where(m.CorrectionRequest.person_id == person.id)
                     .order_by(m.CorrectionRequest.id.desc())).all()
    log("VIEW_REQUESTS", subject=person.public_id)
    s.commit()
    return render_template("requests_list.html", reqs=reqs)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    person, s = own_person(), dbs()
    args = request.form if request.method == "POST" else request.args
    if not args.get("section"):
        return render_template("request_pick.html")
    section, row = _target(s, person, args.get("section"), args.get("row", ""))
    if request.method == "GET":
        return render_template("request_form.html", section=section, row=row, values=sections.row_values(section, row)
                               if row is not None else {}, errors=[], reason="")
    proposed, errors = read_proposal(section, request.form, row)
    reason = request.form.get("reason", "").strip()
    if not reason:
        errors.append("กรุณาระบุเหตุผล / Please give the reason")
    files, file_errors = read_files(request.files.getlist("evidence"))
    errors += file_errors
    submit = request.form.get("action") == "submit"
    if submit and not files and not errors:
        errors.append(f"{MissingEvidence.message_th} / {MissingEvidence.message_en}")
    if errors:
        values = {f.name: request.form.get("f_" + f.name, "") for f in section.fields}
        return render_template("request_form.html", section=section, row=row, values=values, errors=errors,
                               reason=reason, raw=True), 400
    req = correction_service().create(person, section, row, proposed, reason, files, submit=submit)
    flash(tr("ส่งคำขอแล้ว", "Request submitted") if submit else tr("บันทึกร่างแล้ว", "Draft saved"), "ok")
    return redirect(url_for("corrections.detail", rid=req.public_id))


@bp.get("/<rid>")
@login_required
def detail(rid: str):
    req, s = own_request(rid), dbs()
    section, row = target_of(s, req)
    log("VIEW_REQUEST", subject=req.person.public_id, object_type="request", object_id=rid)
    s.commit()
    applied = s.get(section.model, req.applied_row_id) if req.applied_row_id else None
    return render_template("request_detail.html", req=req, section=section, row=row, lines=proposal_lines(s, req),
                           applied=applied,
                           actions=workflow.allowed_actions(req.status, workflow.OWNER),
                           editable=workflow.can_edit(req.status), values=req.proposed)


@bp.post("/<rid>/edit")
@login_required
def edit(rid: str):
    req, s = own_request(rid), dbs()
    if not workflow.can_edit(req.status):
        abort(409)
    section, row = target_of(s, req)
    proposed, errors = read_proposal(section, request.form, row)
    reason = request.form.get("reason", "").strip()
    if errors or not reason:
        for e in errors or ["กรุณาระบุเหตุผล / Please give the reason"]:
            flash(e, "error")
        return redirect(url_for("corrections.detail", rid=rid))
    correction_service().edit(req, proposed, reason)
    flash(tr("บันทึกการแก้ไขคำขอแล้ว", "Request updated"), "ok")
    return redirect(url_for("corrections.detail", rid=rid))


@bp.post("/<rid>/attachments")
@login_required
def upload(rid: str):
    req = own_request(rid)
    if not workflow.can_edit(req.status):
        abort(409)
    files, errors = read_files(request.files.getlist("evidence"))
    for e in errors:
        flash(e, "error")
    if not errors and files:
        correction_service().add_evidence(req, files)
        flash(tr("แนบไฟล์แล้ว", "File attached"), "ok")
    return redirect(url_for("corrections.detail", rid=rid))


mount_attachment_route(bp, "/<rid>/attachments/<aid>", own_request)


@bp.post("/<rid>/<action>")
@login_required
def act(rid: str, action: str):
    req = own_request(rid)
    if action not in (workflow.SUBMIT, workflow.CANCEL):
        abort(404)
    try:
        correction_service().owner_step(req, action)
    except (MissingEvidence, workflow.TransitionRefused) as e:
        flash(f"{e.message_th} / {e.message_en}", "error")
        return redirect(url_for("corrections.detail", rid=rid))
    flash(tr("ดำเนินการแล้ว", "Done"), "ok")
    return redirect(url_for("corrections.detail", rid=rid))

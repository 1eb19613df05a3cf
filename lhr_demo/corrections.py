"""The owner's correction requests: pick a section and row (or "a row is missing"), propose
the change, give the reason, attach evidence, submit; follow the status and the officer's
comments. Requests and attachments are named by random public ids and always looked up
together with the owner, so another person's id answers 404 (and is audited)."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from . import models as m, sections, uploads, workflow
from .access import deny, login_required, own_person
from .thaidate import fiscal_year_be
from .web import dbs, lhr, log, tr

bp = Blueprint("corrections", __name__, url_prefix="/me/requests")


# --- shared with officer.py ----------------------------------------------------------------

def target_of(s, req: m.CorrectionRequest):
    section = sections.SECTIONS[req.section]
    row = s.get(section.model, req.target_row_id) if req.target_row_id else None
    return section, row


def proposal_lines(s, req: m.CorrectionRequest) -> list[dict]:
    section, row = target_of(s, req)
    current = sections.row_values(section, row) if row is not None else {}
    return [dict(field=f, current=current.get(f.name), proposed=req.proposed.get(f.name),
                 changed=f.name in req.proposed) for f in section.fields
            if f.name in req.proposed or row is not None]


def move(s, req: m.CorrectionRequest, action: str, *, role: str, actor_name: str, note: str | None = None,
         actor_is_owner: bool = False) -> str:
    """One state-machine step, with its event row (the caller audits and commits)."""
    before = req.status
    req.status = workflow.next_status(before, action, role=role, note=note, actor_is_owner=actor_is_owner)
    now = m.utcnow()
    if action == workflow.SUBMIT:
        req.submitted_at = now
    if role == workflow.OFFICER:
        req.decision_note, req.decided_by_name, req.decided_at = (note or req.decision_note), actor_name, now
    s.add(m.CorrectionEvent(request_id=req.id, action=action, from_status=before, to_status=req.status,
                            actor_role=role, actor_name=actor_name, note=note, at=now))
    return req.status


def read_proposal(section: sections.Section, form, row) -> tuple[dict, list[str]]:
    proposed, errors = {}, []
    current = sections.row_values(section, row) if row is not None else {}
    for f in section.fields:
        if row is not None and "f_" + f.name not in form:
            continue  # not sent: unchanged (a blank field that was sent clears it)
        raw = form.get("f_" + f.name, "")
        try:
            value = sections.parse_value(f, raw)
        except sections.FieldError as e:
            if row is None or raw.strip():
                errors.append(f"{f.label('th')} / {f.label('en')}: " + ("ต้องระบุ / required" if e.code == "required"
                                                                       else "รูปแบบไม่ถูกต้อง / not valid"))
            continue
        if row is None or value != current.get(f.name):
            proposed[f.name] = value
    if row is not None and not proposed and not errors:
        errors.append("ยังไม่ได้เสนอการแก้ไขใด ๆ / No change was proposed")
    return proposed, errors


def read_files(files) -> tuple[list[tuple[bytes, uploads.Checked]], list[str]]:
    limit = lhr().settings.max_upload_bytes
    ok, errors = [], []
    for f in files:
        if not f or not f.filename:
            continue
        data = f.read(limit + 1)
        try:
            ok.append((data, uploads.inspect(data, f.filename, limit)))
        except uploads.UploadRejected as e:
            errors.append(f"{uploads.safe_filename(f.filename)}: {e.message('th')} / {e.message('en')}")
    return ok, errors


def attach(s, req: m.CorrectionRequest, files: list[tuple[bytes, uploads.Checked]]) -> None:
    for data, checked in files:
        uploads.store(lhr().settings.upload_dir, data, checked)
        att = m.Attachment(request_id=req.id, filename=checked.filename, mime=checked.mime, size=checked.size,
                           sha256=checked.sha256)
        s.add(att)
        s.flush()
        log("ATTACHMENT_ADDED", subject=req.person.public_id, object_type="attachment", object_id=att.public_id,
            detail={"request": req.public_id, "sha256": checked.sha256, "size": checked.size}, commit=False)


# --- the owner's pages ------------------------------------------------------------------------

def g_name() -> str:
    return g.user.account.display_name if g.user and g.user.account else ""


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
    person = own_person()
    reqs = dbs().scalars(select(m.CorrectionRequest).where(m.CorrectionRequest.person_id == person.id)
                         .order_by(m.CorrectionRequest.id.desc())).all()
    log("VIEW_REQUESTS", subject=person.public_id)
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
        errors.append("กรุณาแนบเอกสารหลักฐานอย่างน้อย ๑ ไฟล์ / Attach at least one supporting document")
    if errors:
        values = {f.name: request.form.get("f_" + f.name, "") for f in section.fields}
        return render_template("request_form.html", section=section, row=row, values=values, errors=errors,
                               reason=reason, raw=True), 400
    req = m.CorrectionRequest(request_no=m.new_public_id(), person_id=person.id, organization_id=person.organization_id,
                              section=section.code, action="UPDATE" if row is not None else "ADD",
                              target_row_id=row.id if row is not None else None, proposed=proposed, reason=reason[:4000])
    s.add(req)
    s.flush()
    req.request_no = f"CR-{fiscal_year_be(_thai_today())}-{req.id:06d}"
    s.add(m.CorrectionEvent(request_id=req.id, action="create", from_status=None, to_status=workflow.DRAFT,
                            actor_role=workflow.OWNER, actor_name=g_name()))
    attach(s, req, files)
    log("REQUEST_CREATED", subject=person.public_id, object_type="request", object_id=req.public_id,
        detail={"section": section.code, "action": req.action}, commit=False)
    if submit:
        move(s, req, workflow.SUBMIT, role=workflow.OWNER, actor_name=g_name())
        log("REQUEST_SUBMITTED", subject=person.public_id, object_type="request", object_id=req.public_id, commit=False)
    s.commit()
    flash(tr("ส่งคำขอแล้ว", "Request submitted") if submit else tr("บันทึกร่างแล้ว", "Draft saved"), "ok")
    return redirect(url_for("corrections.detail", rid=req.public_id))


@bp.get("/<rid>")
@login_required
def detail(rid: str):
    req, s = own_request(rid), dbs()
    section, row = target_of(s, req)
    log("VIEW_REQUEST", subject=req.person.public_id, object_type="request", object_id=rid)
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
    req.proposed, req.reason = proposed, reason[:4000]
    log("REQUEST_EDITED", subject=req.person.public_id, object_type="request", object_id=rid)
    flash(tr("บันทึกการแก้ไขคำขอแล้ว", "Request updated"), "ok")
    return redirect(url_for("corrections.detail", rid=rid))


@bp.post("/<rid>/attachments")
@login_required
def upload(rid: str):
    req, s = own_request(rid), dbs()
    if not workflow.can_edit(req.status):
        abort(409)
    files, errors = read_files(request.files.getlist("evidence"))
    for e in errors:
        flash(e, "error")
    if not errors and files:
        attach(s, req, files)
        s.commit()
        flash(tr("แนบไฟล์แล้ว", "File attached"), "ok")
    return redirect(url_for("corrections.detail", rid=rid))


@bp.get("/<rid>/attachments/<aid>")
@login_required
def attachment(rid: str, aid: str):
    req = own_request(rid)
    att = next((a for a in req.attachments if a.public_id == aid), None)
    if att is None:
        deny("attachment", aid)
    return send_attachment(att, req)


def send_attachment(att: m.Attachment, req: m.CorrectionRequest):
    try:
        data = uploads.load(lhr().settings.upload_dir, att.sha256)
    except (OSError, uploads.StoredFileCorrupt):
        log("VIEW_ATTACHMENT", outcome="ERROR", subject=req.person.public_id, object_type="attachment",
            object_id=att.public_id, detail={"reason": "missing_or_corrupt"})
        abort(404)
    log("VIEW_ATTACHMENT", subject=req.person.public_id, object_type="attachment", object_id=att.public_id,
        detail={"request": req.public_id})
    resp = send_file(io.BytesIO(data), mimetype=att.mime, download_name=att.filename, as_attachment=False)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return resp


@bp.post("/<rid>/<action>")
@login_required
def act(rid: str, action: str):
    req, s = own_request(rid), dbs()
    if action not in (workflow.SUBMIT, workflow.CANCEL):
        abort(404)
    if action == workflow.SUBMIT and not req.attachments:
        flash("กรุณาแนบเอกสารหลักฐานอย่างน้อย ๑ ไฟล์ / Attach at least one supporting document", "error")
        return redirect(url_for("corrections.detail", rid=rid))
    try:
        move(s, req, action, role=workflow.OWNER, actor_name=g_name())
    except workflow.TransitionRefused as e:
        flash(f"{e.message_th} / {e.message_en}", "error")
        return redirect(url_for("corrections.detail", rid=rid))
    log("REQUEST_" + req.status, subject=req.person.public_id, object_type="request", object_id=rid)
    flash(tr("ดำเนินการแล้ว", "Done"), "ok")
    return redirect(url_for("corrections.detail", rid=rid))


def _thai_today():
    """Today in Thailand (the fiscal year of a request number is a Thai one)."""
    from .templating import today_bangkok
    return today_bangkok()

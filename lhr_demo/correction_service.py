"""The correction-request workflow: the one module that changes a request, and the one that commits.

Every change — file a request, edit it, attach evidence, the owner's submit/cancel, the
officer's decision (approve records the change at once) — is one method of
:class:`CorrectionService` and ends in one visible ``commit()``: the request, its event rows,
the new record version and the audit entries are stored together or not at all. A refusal
(:class:`workflow.TransitionRefused`, :class:`MissingEvidence`, :class:`sections.RowChanged`)
writes nothing of the change.

No Flask here: the views build the service with the request's session, the actor's name,
an ``audit`` callable that appends an audit row to that session without committing, and the
upload folder; they parse the form, call one method, and choose the answer.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import models as m, sections, uploads, workflow
from .thaidate import fiscal_year_be, today_bangkok

Audit = Callable[..., object]
"""``audit(action, *, outcome=..., subject=..., object_type=..., object_id=..., detail=...)``:
append an audit row to the service's session (never commit)."""
Files = list[tuple[bytes, uploads.Checked]]
DECISIONS = {"approve": workflow.APPROVE, "return": workflow.RETURN, "reject": workflow.REJECT}
EVIDENCE_REQUIRED = ("กรุณาแนบเอกสารหลักฐานอย่างน้อย ๑ ไฟล์", "Attach at least one supporting document")


class MissingEvidence(Exception):
    """Submitting a request with no attachment."""
    message_th, message_en = EVIDENCE_REQUIRED


# --- reading a request -------------------------------------------------------------------------

def target_of(s, req: m.CorrectionRequest):
    """``(section, row)``: the section a request is about and the row it changes (None: a new row)."""
    section = sections.SECTIONS[req.section]
    row = s.get(section.model, req.target_row_id) if req.target_row_id else None
    return section, row


def proposal_lines(s, req: m.CorrectionRequest) -> list[dict]:
    """The proposal beside the current values, field by field."""
    section, row = target_of(s, req)
    current = sections.row_values(section, row) if row is not None else {}
    return [dict(field=f, current=current.get(f.name), proposed=req.proposed.get(f.name),
                 changed=f.name in req.proposed) for f in section.fields
            if f.name in req.proposed or row is not None]


def read_proposal(section: sections.Section, form: Mapping[str, str], row) -> tuple[dict, list[str]]:
    """The proposed values from a form's ``f_<field>`` entries, and the bilingual errors."""
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


# --- changing a request ------------------------------------------------------------------------

@dataclass
class CorrectionService:
    """The workflow for one actor in one database session (see the module's docstring)."""
    s: object
    actor_name: str
    audit: Audit
    upload_dir: str

    def create(self, person: m.Person, section: sections.Section, row, proposed: dict, reason: str, files: Files, *,
               submit: bool) -> m.CorrectionRequest:
        """File a request (a draft, or submitted at once), with its evidence. Commits."""
        s = self.s
        req = m.CorrectionRequest(request_no=m.new_public_id(), person_id=person.id,
                                  organization_id=person.organization_id, section=section.code,
                                  action="UPDATE" if row is not None else "ADD",
                                  target_row_id=row.id if row is not None else None, proposed=proposed,
                                  reason=reason[:4000])
        s.add(req)
        s.flush()
        req.request_no = f"CR-{fiscal_year_be(today_bangkok())}-{req.id:06d}"
        s.add(m.CorrectionEvent(request_id=req.id, action="create", from_status=None, to_status=workflow.DRAFT,
                                actor_role=workflow.OWNER, actor_name=self.actor_name))
        self._attach(req, files)
        self.audit("REQUEST_CREATED", subject=person.public_id, object_type="request", object_id=req.public_id,
                   detail={"section": section.code, "action": req.action})
        if submit:
            self._move(req, workflow.SUBMIT, role=workflow.OWNER)
            self.audit("REQUEST_SUBMITTED", subject=person.public_id, object_type="request", object_id=req.public_id)
        s.commit()
        return req

    def edit(self, req: m.CorrectionRequest, proposed: dict, reason: str) -> None:
        """The owner's new proposal and reason (the view checked :func:`workflow.can_edit`). Commits."""
        req.proposed, req.reason = proposed, reason[:4000]
        self.audit("REQUEST_EDITED", subject=req.person.public_id, object_type="request", object_id=req.public_id)
        self.s.commit()

    def add_evidence(self, req: m.CorrectionRequest, files: Files) -> None:
        """More evidence for a request the owner may still edit. Commits."""
        self._attach(req, files)
        self.s.commit()

    def owner_step(self, req: m.CorrectionRequest, action: str) -> str:
        """The owner submits or cancels; :class:`MissingEvidence` or :class:`workflow.TransitionRefused`
        leave everything as it was. Commits; returns the new status."""
        if action == workflow.SUBMIT and not req.attachments:
            raise MissingEvidence
        self._move(req, action, role=workflow.OWNER)
        self.audit("REQUEST_" + req.status, subject=req.person.public_id, object_type="request",
                   object_id=req.public_id)
        self.s.commit()
        return req.status

    def decide(self, req: m.CorrectionRequest, action: str, note: str | None, *, actor_is_owner: bool) -> str:
        """An officer returns, rejects or approves; approving records the change as a new version
        of the row in the same transaction. Commits; returns the new status.

        A refused step (:class:`workflow.TransitionRefused`) is rolled back, audited as
        ``REQUEST_DECISION_REFUSED`` (committed) and raised again; a row that changed since the
        request was filed (:class:`sections.RowChanged`) is rolled back and raised again."""
        s, rid, subject = self.s, req.public_id, req.person.public_id
        try:
            self._move(req, action, role=workflow.OFFICER, note=note, actor_is_owner=actor_is_owner)
            if action == workflow.APPROVE:
                self._apply(req, actor_is_owner=actor_is_owner)
        except workflow.TransitionRefused as e:
            s.rollback()
            self.audit("REQUEST_DECISION_REFUSED", outcome="DENY", subject=subject, object_type="request",
                       object_id=rid, detail={"action": action, "code": e.code})
            s.commit()
            raise
        except sections.RowChanged:
            s.rollback()
            raise
        self.audit("REQUEST_" + req.status, subject=subject, object_type="request", object_id=rid,
                   detail={"note": bool(note)})
        s.commit()
        return req.status

    # --- steps inside one transaction (never commit) ---

    def _move(self, req: m.CorrectionRequest, action: str, *, role: str, note: str | None = None,
              actor_is_owner: bool = False) -> str:
        """One state-machine step, with its event row."""
        before = req.status
        req.status = workflow.next_status(before, action, role=role, note=note, actor_is_owner=actor_is_owner)
        now = m.utcnow()
        if action == workflow.SUBMIT:
            req.submitted_at = now
        if role == workflow.OFFICER:
            req.decision_note, req.decided_by_name, req.decided_at = (note or req.decision_note), self.actor_name, now
        self.s.add(m.CorrectionEvent(request_id=req.id, action=action, from_status=before, to_status=req.status,
                                     actor_role=role, actor_name=self.actor_name, note=note, at=now))
        return req.status

    def _apply(self, req: m.CorrectionRequest, *, actor_is_owner: bool) -> None:
        section, row = target_of(self.s, req)
        new = sections.append_version(self.s, section, req.person_id, row, req.proposed,
                                      recorded_by=f"{self.actor_name} ({req.organization.short_th})",
                                      request_id=req.id, ref_doc=f"แก้ไขตามคำขอ {req.request_no}")
        req.applied_row_id = new.id
        self._move(req, workflow.APPLY, role=workflow.OFFICER, note=req.decision_note, actor_is_owner=actor_is_owner)
        self.audit("RECORD_VERSION_CREATED", subject=req.person.public_id, object_type="record_row",
                   object_id=new.public_id,
                   detail={"section": section.code, "version": new.version, "request": req.public_id})

    def _attach(self, req: m.CorrectionRequest, files: Files) -> None:
        """Each file is stored (and synced) before its row exists: no row without its file."""
        for data, checked in files:
            uploads.store(self.upload_dir, data, checked)
            att = m.Attachment(request_id=req.id, filename=checked.filename, mime=checked.mime, size=checked.size,
                               sha256=checked.sha256)
            self.s.add(att)
            self.s.flush()
            self.audit("ATTACHMENT_ADDED", subject=req.person.public_id, object_type="attachment",
                       object_id=att.public_id,
                       detail={"request": req.public_id, "sha256": checked.sha256, "size": checked.size})

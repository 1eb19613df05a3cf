"""Evidence files on the web: reading the files of a form, and the one view that serves a stored
file. The view is written once and mounted on the owner's and the officer's blueprints, each
with its own scoped lookup of the request (someone else's request or attachment: 404, audited)."""
from __future__ import annotations

import io
from collections.abc import Callable

from flask import Blueprint, abort, send_file

from . import models as m, uploads
from .access import deny, login_required
from .correction_service import Files
from .web import dbs, lhr, log

#: Evidence opened in a tab: nothing in it may run, load or frame anything.
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def read_files(files) -> tuple[Files, list[str]]:
    """The form's files that pass :func:`uploads.inspect`, and a bilingual error for each that does not."""
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


def mount_attachment_route(bp: Blueprint, rule: str, find_request: Callable[[str], m.CorrectionRequest]) -> None:
    """``GET rule`` (with ``<rid>`` and ``<aid>``; endpoint ``<bp>.attachment``) on ``bp``;
    ``find_request(rid)`` answers the request this user may see, or 404."""

    @bp.get(rule, endpoint="attachment")
    @login_required
    def attachment(rid: str, aid: str):
        req = find_request(rid)
        att = next((a for a in req.attachments if a.public_id == aid), None)
        if att is None:
            deny("attachment", aid)
        return _send(att, req)


def _send(att: m.Attachment, req: m.CorrectionRequest):
    s = dbs()
    try:
        data = uploads.load(lhr().settings.upload_dir, att.sha256)
    except (OSError, uploads.StoredFileCorrupt):
        log("VIEW_ATTACHMENT", outcome="ERROR", subject=req.person.public_id, object_type="attachment",
            object_id=att.public_id, detail={"reason": "missing_or_corrupt"})
        s.commit()
        abort(404)
    log("VIEW_ATTACHMENT", subject=req.person.public_id, object_type="attachment", object_id=att.public_id,
        detail={"request": req.public_id})
    s.commit()
    resp = send_file(io.BytesIO(data), mimetype=att.mime, download_name=att.filename, as_attachment=False)
    resp.headers["Content-Security-Policy"] = EVIDENCE_CSP
    return resp

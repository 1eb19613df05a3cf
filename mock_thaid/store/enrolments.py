"""Registrations in progress, their photos, the officer's QR codes, and the sample-card registry."""
from __future__ import annotations

import importlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..domain import machine
from .models import CardRender, Enrolment, EnrolmentImage, OfficerQr

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def create(s: Session, *, now: float) -> Enrolment:
    while True:
        ref = "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
        if s.scalar(select(Enrolment.id).where(Enrolment.ref == ref)) is None:
            break
    e = Enrolment(id=secrets.token_urlsafe(24), ref=ref, channel="", step=machine.CAMERA, camera=False,
                  card_source="", face_attempts=0, fingerprint_attempts=0, replaced=False,
                  created_at=now, updated_at=now)
    s.add(e)
    s.flush()
    return e


def get(s: Session, enrolment_id: str) -> Enrolment | None:
    return s.get(Enrolment, enrolment_id) if enrolment_id else None


def by_ref(s: Session, ref: str) -> Enrolment | None:
    return s.scalar(select(Enrolment).where(Enrolment.ref == ref.strip().upper()))


def pending_at(s: Session, office: str) -> list[Enrolment]:
    """Registrations waiting for an officer at ``office``, oldest first."""
    return list(s.scalars(select(Enrolment).where(Enrolment.office == office,
                                                  Enrolment.step.in_(machine.WITH_OFFICER))
                          .order_by(Enrolment.created_at)))


def finish(s: Session, e: Enrolment, step: str, *, now: float) -> None:
    """Move to a terminal step and delete every photo of the registration."""
    e.step = machine.advance(e.step, step, e.channel)
    e.finished_at = now
    e.updated_at = now
    delete_images(s, e.id)


def expire_idle(s: Session, *, now: float, lifetime: float) -> int:
    """Abandon open registrations idle for ``lifetime`` seconds (their photos go with them)."""
    idle = list(s.scalars(select(Enrolment).where(Enrolment.step.not_in(machine.TERMINAL),
                                                  Enrolment.updated_at < now - lifetime)))
    for e in idle:
        e.error = "expired"
        finish(s, e, machine.ABANDONED, now=now)
    return len(idle)


# --- photos --------------------------------------------------------------------------------

def put_image(s: Session, enrolment_id: str, kind: str, *, data: bytes, mime: str, sha256: str,
              recognised_pid: str | None, now: float) -> EnrolmentImage:
    img = s.get(EnrolmentImage, (enrolment_id, kind))
    if img is None:
        img = EnrolmentImage(enrolment_id=enrolment_id, kind=kind)
        s.add(img)
    img.data, img.mime, img.sha256, img.recognised_pid, img.uploaded_at = data, mime, sha256, recognised_pid, now
    s.flush()
    return img


def image(s: Session, enrolment_id: str, kind: str) -> EnrolmentImage | None:
    return s.get(EnrolmentImage, (enrolment_id, kind))


def images(s: Session, enrolment_id: str) -> dict[str, EnrolmentImage]:
    rows = s.scalars(select(EnrolmentImage).where(EnrolmentImage.enrolment_id == enrolment_id))
    return {img.kind: img for img in rows}


def delete_images(s: Session, enrolment_id: str, kind: str | None = None) -> None:
    stmt = delete(EnrolmentImage).where(EnrolmentImage.enrolment_id == enrolment_id)
    if kind is not None:
        stmt = stmt.where(EnrolmentImage.kind == kind)
    s.execute(stmt)


def image_count(s: Session) -> int:
    return len(list(s.scalars(select(EnrolmentImage.kind))))


# --- the officer's one-time QR ----------------------------------------------------------------

def issue_qr(s: Session, e: Enrolment, *, now: float, lifetime: float) -> OfficerQr:
    """A new QR for ``e``; any earlier unused QR of it stops working at once."""
    for old in s.scalars(select(OfficerQr).where(OfficerQr.enrolment_id == e.id, OfficerQr.used_at.is_(None))):
        old.expires_at = min(old.expires_at, now)
    qr = OfficerQr(token=secrets.token_urlsafe(24), enrolment_id=e.id, expires_at=now + lifetime, used_at=None)
    s.add(qr)
    s.flush()
    return qr


def current_qr(s: Session, e: Enrolment, *, now: float) -> OfficerQr | None:
    return s.scalar(select(OfficerQr).where(OfficerQr.enrolment_id == e.id, OfficerQr.used_at.is_(None),
                                            OfficerQr.expires_at > now).order_by(OfficerQr.expires_at.desc()))


def qr(s: Session, token: str) -> OfficerQr | None:
    """The QR code by its token, locked for update (one use, even with several workers)."""
    return s.get(OfficerQr, token, with_for_update=True) if token else None


# --- the registry of sample cards the mock rendered ------------------------------------------

def record_render(s: Session, *, sha256: str, pid: str, side: str, variant: str) -> None:
    """Remember a rendered card. The same card rendered at once by two workers (it renders the
    same bytes) is stored once: the second insert is skipped, not an integrity error."""
    if s.get(CardRender, sha256) is not None:
        return
    row = dict(sha256=sha256, pid=pid, side=side, variant=variant)
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert
        s.execute(insert(CardRender).values(**row).on_conflict_do_nothing(index_elements=["sha256"]))
    else:
        s.add(CardRender(**row))
        s.flush()


def render(s: Session, sha256: str) -> CardRender | None:
    return s.get(CardRender, sha256)

"""The LHR data model outside the ก.พ.๗ sections: places, organizations, code lists, people,
roles, ThaiD accounts, correction requests and the audit log (the sections live in kp7.py).

Organizations: province -> district -> local organization; an อบจ. (PAO) hangs directly
under its province (district_code is NULL exactly for PAO, a CHECK constraint).
Public ids (random, URL-safe) name things in URLs; integer ids never leave the server.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


# --- places and organizations -------------------------------------------------------------

class Province(Base):
    __tablename__ = "province"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class District(Base):
    __tablename__ = "district"
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    name_th: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    province: Mapped[Province] = relationship()


class OrgType(Base):
    """PAO (อบจ.), CITY_MUNI (ทน.), TOWN_MUNI (ทม.), SUBDISTRICT_MUNI (ทต.), SAO (อบต.)."""
    __tablename__ = "org_type"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    abbr_th: Mapped[str] = mapped_column(String(10))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Organization(Base):
    __tablename__ = "organization"
    __table_args__ = (CheckConstraint("(type_code = 'PAO') = (district_code IS NULL)", name="pao_has_no_district"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    type_code: Mapped[str] = mapped_column(ForeignKey("org_type.code"))
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    short_th: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"), nullable=True)
    type: Mapped[OrgType] = relationship()
    province: Mapped[Province] = relationship()
    district: Mapped[District | None] = relationship()


# --- code lists ------------------------------------------------------------------------------

class PersonnelCategory(Base):
    """ข้าราชการ/พนักงานส่วนท้องถิ่น, ลูกจ้างประจำ, พนักงานจ้าง (three kinds)…"""
    __tablename__ = "personnel_category"
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    group: Mapped[str] = mapped_column(String(20))  # OFFICIAL | PERMANENT | CONTRACT
    requires_position_no: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class PositionType(Base):
    __tablename__ = "position_type"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class PositionLevel(Base):
    __tablename__ = "position_level"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    position_type_code: Mapped[str] = mapped_column(ForeignKey("position_type.code"))
    name_th: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer, default=0)


# --- people, roles, accounts ----------------------------------------------------------------

class Person(Base):
    """The identity behind a ก.พ.๗: keyed by the citizen ID (never shown in URLs or logs)."""
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    pid: Mapped[str] = mapped_column(String(13), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    category_code: Mapped[str] = mapped_column(ForeignKey("personnel_category.code"))
    official_no: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")
    organization: Mapped[Organization] = relationship()
    category: Mapped[PersonnelCategory] = relationship()


ROLES = {
    "HR_OFFICER": ("เจ้าหน้าที่บันทึกข้อมูล (งานการเจ้าหน้าที่)", "HR officer"),
    "DISTRICT_SUPERVISOR": ("ท้องถิ่นอำเภอ (ผู้กำกับดูแล)", "District supervisor"),
    "PROVINCE_SUPERVISOR": ("ท้องถิ่นจังหวัด (ผู้กำกับดูแล)", "Provincial supervisor"),
}


class RoleAssignment(Base):
    """A role for a citizen ID, scoped to one organization, district or province."""
    __tablename__ = "role_assignment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pid: Mapped[str] = mapped_column(String(13), index=True)
    role: Mapped[str] = mapped_column(String(30))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), nullable=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"), nullable=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    organization: Mapped[Organization | None] = relationship()


class Account(Base):
    """Created at a person's first ThaiD login; the session holds its public id only."""
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    pid: Mapped[str] = mapped_column(String(13), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    first_login_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    login_count: Mapped[int] = mapped_column(Integer, default=0)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)  # seeded adoption, not a real login
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped at logout: a session cookie copied before it no longer logs anyone in."""


# --- correction requests ----------------------------------------------------------------------

class CorrectionRequest(Base):
    __tablename__ = "correction_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    request_no: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    section: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(10))  # UPDATE | ADD
    target_row_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    proposed: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="DRAFT")
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    applied_row_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    person: Mapped[Person] = relationship()
    organization: Mapped[Organization] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="request", order_by="Attachment.id")
    events: Mapped[list["CorrectionEvent"]] = relationship(order_by="CorrectionEvent.id")


class Attachment(Base):
    """Evidence: the bytes live in the upload folder under their SHA-256, never in the web root."""
    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    request_id: Mapped[int] = mapped_column(ForeignKey("correction_request.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    request: Mapped[CorrectionRequest] = relationship(back_populates="attachments")


class CorrectionEvent(Base):
    __tablename__ = "correction_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("correction_request.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    actor_role: Mapped[str] = mapped_column(String(30))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- audit ----------------------------------------------------------------------------------

class AuditEntry(Base):
    """Append-only, hash-chained (see audit.py). Never updated, never deleted."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))  # ISO UTC, part of the hashed row
    actor: Mapped[str | None] = mapped_column(String(40), nullable=True)  # account public id
    actor_role: Mapped[str | None] = mapped_column(String(30), nullable=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(10))  # ALLOW | DENY | ERROR
    subject: Mapped[str | None] = mapped_column(String(40), nullable=True)  # person public id
    object_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


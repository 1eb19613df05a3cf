"""The ก.พ.๗ sections as append-only, versioned tables (lhr-kp7.md §1.2 and §6.3).

Every row carries the common columns of :class:`HistoryRow`. A correction never updates a
row's data: it adds a new version (``version + 1``, ``supersedes_id`` = the old row,
``source_request_id`` = the request) and only flips the old row's ``is_current`` flag.
``lineage_id`` is shared by all versions of one entry, so its history is one query.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .models import Base, new_public_id, utcnow


class HistoryRow:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    lineage_id: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    ref_doc: Mapped[str | None] = mapped_column(String(300), nullable=True)  # เอกสารอ้างอิง
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    source_request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @declared_attr
    def person_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("person.id"), index=True)

    @declared_attr
    def supersedes_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"), nullable=True)


class PersonalHeader(HistoryRow, Base):
    """Main card items 1–3, 7–8 and the domicile; items 4–6 come from FamilyMember."""
    __tablename__ = "kp7_personal"
    title_th: Mapped[str] = mapped_column(String(60))
    first_name_th: Mapped[str] = mapped_column(String(100))
    middle_name_th: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_name_th: Mapped[str] = mapped_column(String(100))
    title_en: Mapped[str | None] = mapped_column(String(60), nullable=True)
    first_name_en: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_name_en: Mapped[str | None] = mapped_column(String(100), nullable=True)
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date] = mapped_column(Date)
    retirement_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    domicile_th: Mapped[str | None] = mapped_column(String(100), nullable=True)
    appointed_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    service_start_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class NameChange(HistoryRow, Base):
    __tablename__ = "kp7_name_change"
    change_date: Mapped[date] = mapped_column(Date)
    old_name_th: Mapped[str] = mapped_column(String(200))
    new_name_th: Mapped[str] = mapped_column(String(200))


class FamilyMember(HistoryRow, Base):
    __tablename__ = "kp7_family"
    relation: Mapped[str] = mapped_column(String(10))  # FATHER | MOTHER | SPOUSE | CHILD
    name_th: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Address(HistoryRow, Base):
    __tablename__ = "kp7_address"
    kind: Mapped[str] = mapped_column(String(12))  # CURRENT | REGISTERED
    address_th: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(5), nullable=True)


class Education(HistoryRow, Base):
    __tablename__ = "kp7_education"
    institution: Mapped[str] = mapped_column(String(200))
    start_year_be: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_year_be: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[str] = mapped_column(String(60))
    degree: Mapped[str] = mapped_column(String(200))
    major: Mapped[str | None] = mapped_column(String(200), nullable=True)
    honors: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Training(HistoryRow, Base):
    __tablename__ = "kp7_training"
    kind: Mapped[str] = mapped_column(String(12))  # TRAINING | STUDY_VISIT | SEMINAR
    course: Mapped[str] = mapped_column(String(300))
    organizer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    batch: Mapped[str | None] = mapped_column(String(40), nullable=True)


class PositionSalary(HistoryRow, Base):
    """Item 13: position and salary as one timeline."""
    __tablename__ = "kp7_position_salary"
    effective_date: Mapped[date] = mapped_column(Date)
    movement: Mapped[str] = mapped_column(String(100))
    position_title: Mapped[str] = mapped_column(String(200))
    org_text: Mapped[str | None] = mapped_column(String(300), nullable=True)
    position_no: Mapped[str | None] = mapped_column(String(30), nullable=True)
    position_type_code: Mapped[str | None] = mapped_column(ForeignKey("position_type.code"), nullable=True)
    level_code: Mapped[str | None] = mapped_column(ForeignKey("position_level.code"), nullable=True)
    salary: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Decoration(HistoryRow, Base):
    __tablename__ = "kp7_decoration"
    decoration: Mapped[str] = mapped_column(String(150))
    award_date: Mapped[date] = mapped_column(Date)
    position_at_award: Mapped[str | None] = mapped_column(String(200), nullable=True)
    gazette: Mapped[str | None] = mapped_column(String(200), nullable=True)
    received_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    returned_date: Mapped[date | None] = mapped_column(Date, nullable=True)


LEAVE_COLUMNS = (
    ("sick", "ลาป่วย", "Sick"), ("personal", "ลากิจ", "Personal"), ("vacation", "ลาพักผ่อน", "Vacation"),
    ("late", "มาสาย", "Late"), ("absent", "ขาดราชการ", "Absent"), ("study", "ลาศึกษาต่อ", "Study"),
    ("maternity", "ลาคลอดบุตร", "Maternity"), ("ordination", "ลาอุปสมบท", "Ordination"),
    ("military", "ลาตรวจเลือก", "Military selection"), ("intl_org", "ลาไปองค์การระหว่างประเทศ", "Intl. org."),
    ("follow_spouse", "ลาติดตามคู่สมรส", "Follow spouse"), ("childcare", "ลาเลี้ยงดูบุตร", "Childcare"),
    ("paternity", "ลาช่วยภริยาคลอดบุตร", "Paternity"), ("rehab", "ลาฟื้นฟูสมรรถภาพ", "Rehabilitation"),
)


class LeaveYear(HistoryRow, Base):
    """Summary item 4: days of leave, lateness and absence per fiscal year."""
    __tablename__ = "kp7_leave"
    fiscal_year_be: Mapped[int] = mapped_column(Integer)
    sick: Mapped[int] = mapped_column(Integer, default=0)
    personal: Mapped[int] = mapped_column(Integer, default=0)
    vacation: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    absent: Mapped[int] = mapped_column(Integer, default=0)
    study: Mapped[int] = mapped_column(Integer, default=0)
    maternity: Mapped[int] = mapped_column(Integer, default=0)
    ordination: Mapped[int] = mapped_column(Integer, default=0)
    military: Mapped[int] = mapped_column(Integer, default=0)
    intl_org: Mapped[int] = mapped_column(Integer, default=0)
    follow_spouse: Mapped[int] = mapped_column(Integer, default=0)
    childcare: Mapped[int] = mapped_column(Integer, default=0)
    paternity: Mapped[int] = mapped_column(Integer, default=0)
    rehab: Mapped[int] = mapped_column(Integer, default=0)


class Discipline(HistoryRow, Base):
    __tablename__ = "kp7_discipline"
    year_be: Mapped[int] = mapped_column(Integer)
    penalty: Mapped[str] = mapped_column(String(100))
    offence: Mapped[str] = mapped_column(Text)


class UnpaidPeriod(HistoryRow, Base):
    __tablename__ = "kp7_unpaid"
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str] = mapped_column(String(300))


class Ability(HistoryRow, Base):
    __tablename__ = "kp7_ability"
    field: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(300))


class SpecialService(HistoryRow, Base):
    __tablename__ = "kp7_special_service"
    year_be: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(300))

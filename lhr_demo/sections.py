"""The ก.พ.๗ sections as data: which table, which fields, their Thai/English labels and kinds.

One registry drives the record view, the print view, the correction form and the
append-only change (:func:`append_version`). No Flask here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from . import codes, kp7
from .thaidate import DateParseError, format_date, format_number, parse_date, to_arabic_digits, to_thai_digits


@dataclass(frozen=True)
class Field:
    name: str
    th: str
    en: str
    kind: str = "text"  # text | date | int | year | money | choice
    required: bool = False
    choices: dict | None = None

    def label(self, lang: str) -> str:
        return self.th if lang == "th" else self.en


@dataclass(frozen=True)
class Section:
    code: str
    model: type
    th: str
    en: str
    item: str  # where it sits on the paper form
    fields: tuple[Field, ...]
    order: tuple[str, ...]
    single: bool = False  # one current row per person (the header)

    def title(self, lang: str) -> str:
        return self.th if lang == "th" else self.en

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


F = Field
LEVEL_CHOICES = {k: (f"{codes.POSITION_TYPES[t][0]} {th}", f"{codes.POSITION_TYPES[t][1]} {en}")
                 for k, (t, th, en) in codes.POSITION_LEVELS.items()}
_REF = F("ref_doc", "เอกสารอ้างอิง", "Reference document")

SECTIONS: dict[str, Section] = {s.code: s for s in (
    Section("PERSONAL", kp7.PersonalHeader, "ข้อมูลส่วนตัว (ข้อ ๑–๓, ๗–๘)", "Personal data (items 1–3, 7–8)", "1", (
        F("title_th", "คำนำหน้าชื่อ", "Title (Thai)", required=True),
        F("first_name_th", "ชื่อ", "First name (Thai)", required=True),
        F("middle_name_th", "ชื่อกลาง", "Middle name (Thai)"),
        F("last_name_th", "นามสกุล", "Last name (Thai)", required=True),
        F("title_en", "คำนำหน้าชื่อ (อังกฤษ)", "Title (English)"),
        F("first_name_en", "ชื่อ (อังกฤษ)", "First name (English)"),
        F("last_name_en", "นามสกุล (อังกฤษ)", "Last name (English)"),
        F("gender", "เพศ", "Gender", "choice", True, codes.GENDERS),
        F("birth_date", "วัน เดือน ปี เกิด", "Date of birth", "date", True),
        F("retirement_date", "วันครบเกษียณอายุ", "Retirement date", "date"),
        F("domicile_th", "ภูมิลำเนา", "Domicile"),
        F("appointed_date", "วันสั่งบรรจุ", "Date of appointment order", "date"),
        F("service_start_date", "วันเริ่มปฏิบัติราชการ", "Date entered service", "date"),
    ), ("id",), single=True),
    Section("FAMILY", kp7.FamilyMember, "คู่สมรส บิดา มารดา และบุตร (ข้อ ๔–๖)", "Spouse, parents, children (items 4–6)",
            "4–6", (F("relation", "ความสัมพันธ์", "Relation", "choice", True, codes.RELATIONS),
                    F("name_th", "ชื่อ-สกุล", "Name", required=True),
                    F("birth_date", "วันเกิด", "Date of birth", "date"), F("note", "หมายเหตุ", "Note")),
            ("relation", "birth_date")),
    Section("ADDRESS", kp7.Address, "ที่อยู่", "Addresses", "A2", (
        F("kind", "ประเภทที่อยู่", "Kind", "choice", True, codes.ADDRESS_KINDS),
        F("address_th", "ที่อยู่", "Address", required=True), F("postcode", "รหัสไปรษณีย์", "Postcode")),
        ("kind",)),
    Section("DECORATION", kp7.Decoration, "เครื่องราชอิสริยาภรณ์", "Royal decorations", "A3", (
        F("position_at_award", "ตำแหน่ง (ปีที่ได้รับพระราชทาน)", "Position in the award year"),
        F("decoration", "เครื่องราชอิสริยาภรณ์", "Decoration", required=True),
        F("award_date", "ว.ด.ป. ที่ได้รับพระราชทาน", "Award date", "date", True),
        F("gazette", "ราชกิจจานุเบกษา", "Royal Gazette"),
        F("received_date", "รับมอบเมื่อ", "Received", "date"), F("returned_date", "ส่งคืนเมื่อ", "Returned", "date"),
    ), ("award_date",)),
    Section("LEAVE", kp7.LeaveYear, "จำนวนวันลาหยุด ขาดราชการ มาสาย", "Leave, absence and lateness", "A4",
            (F("fiscal_year_be", "พ.ศ.", "Fiscal year (BE)", "year", True),)
            + tuple(F(n, th, en, "int") for n, th, en in kp7.LEAVE_COLUMNS), ("fiscal_year_be",)),
    Section("ABILITY", kp7.Ability, "ความสามารถพิเศษ", "Special abilities", "A5", (
        F("field", "ด้าน", "Field", required=True), F("detail", "ความสามารถพิเศษ", "Detail", required=True)), ("id",)),
    Section("SPECIAL_SERVICE", kp7.SpecialService, "การปฏิบัติราชการพิเศษ", "Special government service", "A6", (
        F("year_be", "พ.ศ.", "Year (BE)", "year", True), F("kind", "ประเภท", "Type"),
        F("topic", "รายการ", "Item", required=True), _REF), ("year_be",)),
    Section("NAME_CHANGE", kp7.NameChange, "ประวัติการเปลี่ยนชื่อ-สกุล", "Name changes", "A7", (
        F("change_date", "วันที่เปลี่ยน", "Date of change", "date", True),
        F("old_name_th", "จาก", "From", required=True), F("new_name_th", "เป็น", "To", required=True), _REF),
        ("change_date",)),
    Section("EDUCATION", kp7.Education, "ประวัติการศึกษา", "Education", "10", (
        F("institution", "สถานศึกษา", "Institution", required=True),
        F("start_year_be", "ตั้งแต่ (พ.ศ.)", "From (BE)", "year"), F("end_year_be", "ถึง (พ.ศ.)", "To (BE)", "year"),
        F("level", "ระดับ", "Level", required=True), F("degree", "วุฒิที่ได้รับ", "Qualification", required=True),
        F("major", "สาขา", "Major"), F("honors", "เกียรตินิยม", "Honours")), ("end_year_be",)),
    Section("TRAINING", kp7.Training, "การฝึกอบรมและดูงาน", "Training and study visits", "10", (
        F("kind", "ประเภท", "Kind", "choice", True, codes.TRAINING_KINDS),
        F("course", "หลักสูตร", "Course", required=True), F("batch", "รุ่นที่", "Batch"),
        F("organizer", "สถานที่/ผู้จัด", "Venue / organizer"),
        F("start_date", "ตั้งแต่", "From", "date"), F("end_date", "ถึง", "To", "date"), _REF), ("start_date",)),
    Section("DISCIPLINE", kp7.Discipline, "การได้รับโทษทางวินัย", "Disciplinary penalties", "11", (
        F("year_be", "พ.ศ.", "Year (BE)", "year", True), F("penalty", "โทษ", "Penalty", required=True),
        F("offence", "กรณีความผิด", "Offence", required=True), _REF), ("year_be",)),
    Section("UNPAID", kp7.UnpaidPeriod, "วันที่ไม่ได้รับเงินเดือนหรือได้รับไม่เต็ม",
            "Periods without or on partial pay", "12", (
                F("start_date", "ตั้งแต่", "From", "date", True), F("end_date", "ถึง", "To", "date"),
                F("description", "รายการ", "Item", required=True), _REF), ("start_date",)),
    Section("POSITION_SALARY", kp7.PositionSalary, "ตำแหน่งและอัตราเงินเดือน", "Positions and salary", "13", (
        F("effective_date", "วัน เดือน ปี", "Date", "date", True),
        F("movement", "รายการ", "Movement", required=True),
        F("position_title", "ตำแหน่ง", "Position", required=True), F("org_text", "สังกัด", "Unit"),
        F("position_no", "เลขที่ตำแหน่ง", "Position no."),
        F("level_code", "ประเภท/ระดับ", "Type / level", "choice", False, LEVEL_CHOICES),
        F("salary", "อัตราเงินเดือน", "Salary (baht)", "money"), _REF), ("effective_date", "id")),
)}

SUMMARY_PAGE = ("ADDRESS", "DECORATION", "LEAVE", "ABILITY", "SPECIAL_SERVICE", "NAME_CHANGE")
MAIN_CARD = ("PERSONAL", "FAMILY", "EDUCATION", "TRAINING", "DISCIPLINE", "UNPAID", "POSITION_SALARY")


class FieldError(ValueError):
    def __init__(self, field: Field, code: str) -> None:
        super().__init__(f"{field.name}: {code}")
        self.field, self.code = field, code


def parse_value(field: Field, raw) -> object:
    """A typed form value -> a JSON-safe value (dates ISO, numbers int); ``None`` if blank."""
    text = to_arabic_digits(str(raw if raw is not None else "")).strip()
    if not text:
        if field.required:
            raise FieldError(field, "required")
        return None
    try:
        if field.kind == "date":
            return parse_date(text).isoformat()
        if field.kind in ("int", "money"):
            return int(float(text.replace(",", "")))
        if field.kind == "year":
            year = int(text)
            return year + 543 if year < 2400 else year  # a CE year typed -> BE
    except (ValueError, DateParseError):
        raise FieldError(field, "invalid") from None
    if field.kind == "choice" and text not in (field.choices or {}):
        raise FieldError(field, "invalid")
    return text[:300]


def to_python(field: Field, value):
    if value is None:
        return None
    return date.fromisoformat(value) if field.kind == "date" else value


def to_json(field: Field, value):
    return value.isoformat() if isinstance(value, date) else value


def row_values(section: Section, row) -> dict:
    return {f.name: to_json(f, getattr(row, f.name)) for f in section.fields}


def display(field: Field, value, lang: str = "th", thai_digits: bool = False) -> str:
    """A stored (python or JSON) value as text for a person."""
    if value is None or value == "":
        return "-"
    if field.kind == "date":
        d = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(d, lang=lang, thai_digits=thai_digits)
    if field.kind == "money":
        return format_number(value, thai_digits=thai_digits)
    if field.kind == "choice":
        th, en = (field.choices or {}).get(value, (value, value))
        return th if lang == "th" else en
    if field.kind == "int":
        return format_number(value, thai_digits=thai_digits)
    return to_thai_digits(str(value)) if thai_digits else str(value)


def current_rows(s, section: Section, person_id: int) -> list:
    m = section.model
    q = select(m).where(m.person_id == person_id, m.is_current.is_(True))
    return list(s.scalars(q.order_by(*(getattr(m, c) for c in section.order))))


def versions(s, section: Section, lineage_id: str) -> list:
    m = section.model
    return list(s.scalars(select(m).where(m.lineage_id == lineage_id).order_by(m.version)))


class RowChanged(Exception):
    """The row a request targets is no longer the current version."""


def append_version(s, section: Section, person_id: int, old, proposed: dict, *, recorded_by: str,
                   request_id: int | None, ref_doc: str | None = None):
    """Record a change as a new row; the old row is kept (only ``is_current`` flips)."""
    m = section.model
    values = row_values(section, old) if old is not None else {}
    values.update({k: v for k, v in proposed.items() if k in {f.name for f in section.fields}})
    kwargs = {f.name: to_python(f, values.get(f.name)) for f in section.fields}
    if old is not None:
        if not old.is_current or old.person_id != person_id:
            raise RowChanged(old.public_id)
        old.is_current = False
        new = m(person_id=person_id, lineage_id=old.lineage_id, version=old.version + 1, supersedes_id=old.id, **kwargs)
    else:
        new = m(person_id=person_id, version=1, **kwargs)
        new.public_id = kp7.new_public_id()
        new.lineage_id = new.public_id
    if ref_doc and "ref_doc" not in {f.name for f in section.fields}:
        new.ref_doc = ref_doc
    new.recorded_by, new.source_request_id = recorded_by, request_id
    s.add(new)
    s.flush()
    return new


def find_row(s, public_id: str):
    """``(section, row)`` for a row's public id in any section, or ``None``."""
    for section in SECTIONS.values():
        row = s.scalar(select(section.model).where(section.model.public_id == public_id))
        if row is not None:
            return section, row
    return None

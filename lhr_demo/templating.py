"""Jinja helpers: Thai/English text, BE dates, Thai digits, labels from the code lists."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Flask, g, request

from . import codes, sections, workflow
from .pid import format_pid, mask_pid
from .thaidate import ICT, format_date, format_number, to_thai_digits, today_bangkok
from .web import lang, lhr, thai_digits, tr


def d(value, style: str = "short") -> str:
    if isinstance(value, datetime):  # a stored timestamp: its Thai calendar day
        value = bangkok(value).date()
    return format_date(value, style, lang=lang(), thai_digits=thai_digits())


def bangkok(value: datetime) -> datetime:
    """A stored timestamp (naive = UTC, as every column here) in Asia/Bangkok."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ICT)


def parse_iso(text: str) -> datetime:
    """An audit row's ISO time (UTC, with offset) as a naive UTC datetime for :func:`dt`."""
    value = datetime.fromisoformat(text)
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def dt(value) -> str:
    """A stored UTC timestamp as Thai time: ``25 พ.ย. 2569 17:39 น.``."""
    if value is None:
        return "-"
    local = bangkok(value)
    clock = local.strftime("%H:%M")
    return f"{d(local.date())} {td(clock)}" + (" น." if lang() == "th" else " ICT")


def num(value, decimals: int = 0) -> str:
    return format_number(value, thai_digits=thai_digits(), decimals=decimals)


def td(text) -> str:
    """Any text, in Thai digits when the person chose them."""
    if text is None or text == "":
        return "-"
    return to_thai_digits(str(text)) if thai_digits() else str(text)


def label(pair) -> str:
    th, en = pair[0], pair[1]
    return en if lang() == "en" else th


def name_of(obj) -> str:
    return getattr(obj, "name_en") if lang() == "en" and getattr(obj, "name_en", None) else obj.name_th


def status_label(status: str) -> str:
    return label(workflow.LABELS[status])


def as_input(field, value) -> str:
    """A stored value as the text to put in a form input (dates in BE, dd/mm/yyyy)."""
    if value is None:
        return ""
    if field.kind == "date":
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, "numeric")
    return str(value)


AUDIT_ACTIONS = {
    "LOGIN": ("เข้าสู่ระบบ", "Logged in"), "LOGOUT": ("ออกจากระบบ", "Logged out"),
    "VIEW_KP7": ("เปิดดู ก.พ.๗", "Viewed the KP7"), "PRINT_KP7": ("พิมพ์ ก.พ.๗", "Printed the KP7"),
    "VIEW_HISTORY": ("ดูประวัติการแก้ไขรายการ", "Viewed a row's history"),
    "VIEW_ACCESS_LOG": ("ดูประวัติการเข้าถึงข้อมูล", "Viewed this access log"),
    "VIEW_REQUESTS": ("ดูรายการคำขอ", "Viewed the request list"), "VIEW_REQUEST": ("เปิดดูคำขอ", "Viewed a request"),
    "VIEW_ATTACHMENT": ("เปิดดูเอกสารหลักฐาน", "Opened a document"), "ATTACHMENT_ADDED": ("แนบเอกสาร", "Attached a document"),
    "REQUEST_CREATED": ("สร้างคำขอ", "Created a request"), "REQUEST_EDITED": ("แก้ไขคำขอ", "Edited a request"),
    "REQUEST_SUBMITTED": ("ส่งคำขอ", "Submitted a request"), "REQUEST_CANCELLED": ("ยกเลิกคำขอ", "Cancelled a request"),
    "REQUEST_RETURNED": ("ส่งคำขอกลับ", "Returned a request"), "REQUEST_REJECTED": ("ไม่อนุมัติคำขอ", "Rejected a request"),
    "REQUEST_APPLIED": ("อนุมัติและบันทึกการแก้ไข", "Approved and recorded"),
    "RECORD_VERSION_CREATED": ("บันทึกข้อมูลฉบับใหม่", "Recorded a new version"),
    "REQUEST_DECISION_REFUSED": ("ปฏิเสธการพิจารณา", "Decision refused"),
    "ACCESS_DENIED": ("ถูกปฏิเสธการเข้าถึง", "Access denied"),
    "CSRF_REJECTED": ("คำสั่งที่ไม่ได้มาจากหน้าจอของระบบถูกปฏิเสธ", "Forged form refused"),
    "VIEW_DASHBOARD": ("ดูภาพรวมการใช้งาน ThaiD", "Viewed the adoption dashboard"),
    "VIEW_PROGRESS": ("ดูความคืบหน้าคำขอ", "Viewed request progress"),
    "VIEW_QUEUE": ("ดูคำขอรอดำเนินการ", "Viewed the review queue"),
    "VIEW_PEOPLE": ("ดูรายชื่อบุคลากรในสังกัด", "Viewed the personnel list"),
}
AUDIT_OUTCOMES = {"ALLOW": ("สำเร็จ", "Allowed"), "DENY": ("ถูกปฏิเสธ", "Denied"), "ERROR": ("ขัดข้อง", "Error")}
AUDIT_ROLES = {"OWNER": ("เจ้าของประวัติ", "Record owner"), "NONE": ("ผู้ใช้ทั่วไป", "User"),
               "OFFICER": ("เจ้าหน้าที่บันทึกข้อมูล", "HR officer"),
               "HR_OFFICER": ("เจ้าหน้าที่บันทึกข้อมูล", "HR officer"),
               "DISTRICT_SUPERVISOR": ("ท้องถิ่นอำเภอ", "District supervisor"),
               "PROVINCE_SUPERVISOR": ("ท้องถิ่นจังหวัด", "Provincial supervisor")}
SEED_SUFFIX = " (seed)"


def audit_action(code: str) -> str:
    pair = AUDIT_ACTIONS.get(code)
    return label(pair) if pair else tr("การดำเนินการอื่น", "Other action")


def audit_outcome(code: str | None) -> str:
    pair = AUDIT_OUTCOMES.get(code or "")
    return label(pair) if pair else "-"


def audit_role(code: str | None) -> str:
    pair = AUDIT_ROLES.get(code or "")
    return label(pair) if pair else "-"


def recorded_by(text: str | None) -> str:
    """Who recorded a row version; the seed's import (older databases say "… (seed)") in words."""
    if not text:
        return "-"
    if text.endswith(SEED_SUFFIX) or text == "seed":
        return tr("นำเข้าข้อมูลตั้งต้นจากระบบเดิม", "Imported from the previous system")
    return text


def kp7() -> str:
    """The form's name, one spelling per language: ก.พ.๗ on Thai pages (whatever the digits), KP7 in English."""
    return "KP7" if lang() == "en" else "ก.พ.๗"


def install(app: Flask) -> None:
    app.jinja_env.globals.update(
        tr=tr, d=d, dt=dt, num=num, audit_action=audit_action, audit_outcome=audit_outcome,
        audit_role=audit_role, recorded_by=recorded_by, kp7=kp7, td=td, label=label, name_of=name_of, status_label=status_label, lang=lang,
        thai_digits=thai_digits, codes=codes, sections=sections, workflow=workflow, format_pid=format_pid,
        mask_pid=mask_pid, display=lambda f, v: sections.display(f, v, lang(), thai_digits()),
        settings=lambda: lhr().settings, as_input=as_input, now_date=today_bangkok,
        parse_iso=parse_iso)

    @app.context_processor
    def _ctx():
        return {"user": g.get("user"), "here": request.full_path.rstrip("?"), "pending_count": pending_count}


def pending_count() -> int:
    """Requests waiting for this officer's organization(s) (SUBMITTED), for the menu and the home page."""
    user = g.get("user")
    if not user or not user.officer_org_ids:
        return 0
    if "lhr_pending" not in g:
        from sqlalchemy import func, select

        from . import models as m
        from .web import dbs
        g.lhr_pending = dbs().scalar(select(func.count()).select_from(m.CorrectionRequest).where(
            m.CorrectionRequest.organization_id.in_(user.officer_org_ids),
            m.CorrectionRequest.status == workflow.SUBMITTED)) or 0
    return g.lhr_pending

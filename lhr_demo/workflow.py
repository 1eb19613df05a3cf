"""The correction request's state machine (pure: no Flask, no database).

::

    DRAFT ──submit──► SUBMITTED ──approve──► APPROVED ──apply──► APPLIED
      │    RETURNED ◄──return───┤
      │       └──submit──►      ├──reject (reason required)──► REJECTED
      └──cancel (owner, from DRAFT / SUBMITTED / RETURNED)──► CANCELLED

The owner submits and cancels; an officer returns (with a note), approves, applies and
rejects (with a reason, PDPA s.36). Nobody acts as officer on their own request.
APPLIED, REJECTED and CANCELLED are final. Every refusal is a :class:`TransitionRefused`
with a stable ``code``: ``not_allowed``, ``wrong_role``, ``note_required``, ``own_request``.
"""
from __future__ import annotations

from dataclasses import dataclass

DRAFT, SUBMITTED, RETURNED = "DRAFT", "SUBMITTED", "RETURNED"
APPROVED, APPLIED, REJECTED, CANCELLED = "APPROVED", "APPLIED", "REJECTED", "CANCELLED"
STATUSES = (DRAFT, SUBMITTED, RETURNED, APPROVED, APPLIED, REJECTED, CANCELLED)
FINAL = frozenset({APPLIED, REJECTED, CANCELLED})
EDITABLE = frozenset({DRAFT, RETURNED})
OPEN = frozenset({SUBMITTED})  # what an officer's queue shows

OWNER, OFFICER = "OWNER", "OFFICER"
SUBMIT, CANCEL, RETURN, APPROVE, APPLY, REJECT = "submit", "cancel", "return", "approve", "apply", "reject"
ACTIONS = (SUBMIT, CANCEL, RETURN, APPROVE, APPLY, REJECT)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    role: str
    note_required: bool = False


RULES: dict[str, Rule] = {
    SUBMIT: Rule(frozenset({DRAFT, RETURNED}), SUBMITTED, OWNER),
    CANCEL: Rule(frozenset({DRAFT, SUBMITTED, RETURNED}), CANCELLED, OWNER),
    RETURN: Rule(frozenset({SUBMITTED}), RETURNED, OFFICER, note_required=True),
    APPROVE: Rule(frozenset({SUBMITTED}), APPROVED, OFFICER),
    APPLY: Rule(frozenset({APPROVED}), APPLIED, OFFICER),
    REJECT: Rule(frozenset({SUBMITTED}), REJECTED, OFFICER, note_required=True),
}

LABELS = {
    DRAFT: ("ร่าง", "Draft"),
    SUBMITTED: ("รอตรวจสอบ", "Awaiting review"),
    RETURNED: ("ส่งกลับให้แก้ไข/ขอข้อมูลเพิ่ม", "Returned for more information"),
    APPROVED: ("อนุมัติ", "Approved"),
    APPLIED: ("บันทึกแก้ไขแล้ว", "Recorded"),
    REJECTED: ("ไม่อนุมัติ", "Rejected"),
    CANCELLED: ("ยกเลิก", "Cancelled"),
}
ACTION_LABELS = {
    SUBMIT: ("ส่งคำขอ", "Submit request"),
    CANCEL: ("ยกเลิกคำขอ", "Cancel request"),
    RETURN: ("ส่งกลับขอข้อมูลเพิ่ม", "Return for more information"),
    APPROVE: ("อนุมัติ", "Approve"),
    APPLY: ("บันทึกการแก้ไข", "Record the change"),
    REJECT: ("ไม่อนุมัติ", "Reject"),
}


class TransitionRefused(Exception):
    MESSAGES = {
        "not_allowed": ("ทำรายการนี้ในสถานะปัจจุบันไม่ได้", "This action is not possible in the current status."),
        "wrong_role": ("คุณไม่มีสิทธิ์ทำรายการนี้", "You may not take this action."),
        "note_required": ("กรุณาระบุเหตุผล", "A reason is required."),
        "own_request": ("ไม่สามารถพิจารณาคำขอของตนเองได้", "Nobody may decide on their own request."),
        "unknown_action": ("ไม่รู้จักรายการนี้", "Unknown action."),
    }

    def __init__(self, code: str, current: str, action: str) -> None:
        super().__init__(f"{action} refused from {current}: {code}")
        self.code, self.current, self.action = code, current, action

    @property
    def message_th(self) -> str:
        return self.MESSAGES[self.code][0]

    @property
    def message_en(self) -> str:
        return self.MESSAGES[self.code][1]


def next_status(current: str, action: str, *, role: str, note: str | None = None,
                 actor_is_owner: bool = False) -> str:
    """The status after ``action``, or :class:`TransitionRefused`."""
    if current not in STATUSES:
        raise ValueError(f"unknown status {current!r}")
    rule = RULES.get(action)
    if rule is None:
        raise TransitionRefused("unknown_action", current, action)
    if role != rule.role:
        raise TransitionRefused("wrong_role", current, action)
    if rule.role == OFFICER and actor_is_owner:
        raise TransitionRefused("own_request", current, action)
    if current not in rule.sources:
        raise TransitionRefused("not_allowed", current, action)
    if rule.note_required and not (note or "").strip():
        raise TransitionRefused("note_required", current, action)
    return rule.target


def allowed_actions(current: str, role: str, *, actor_is_owner: bool = False) -> list[str]:
    """Actions ``role`` may take now (notes assumed given): for showing buttons."""
    out = []
    for action in ACTIONS:
        try:
            next_status(current, action, role=role, note="x", actor_is_owner=actor_is_owner)
        except TransitionRefused:
            continue
        out.append(action)
    return out


def can_edit(current: str) -> bool:
    """The owner may change the proposal, reason and attachments only in DRAFT or RETURNED."""
    return current in EDITABLE

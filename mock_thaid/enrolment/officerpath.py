"""Registration with an officer (manual §๒.๒.๔–๒.๒.๖): the PID typed in the app, then, at the
district office, the officer checks the card, scans the index finger (simulated from the
citizen's ``fingerprint`` column) and shows a one-time QR code that the app scans.
"""
from __future__ import annotations

from .. import pid as pidmod
from ..messages import MESSAGES
from ..store import citizens, enrolments
from ..store.models import Enrolment, OfficerQr
from ..domain import machine
from ..domain.enrol_errors import EnrolError
from .steps import Ctx, card_is_expired, expect, fail, go


def enter_pid(ctx: Ctx, e: Enrolment, typed) -> None:
    """§๒.๒.๔: the 13-digit PID (checksum validated, then looked up in the register)."""
    expect(e, machine.PID)
    try:
        pid = pidmod.validate(str(typed or ""))
    except pidmod.InvalidPID as bad:
        fail(ctx, e, "pid_" + bad.code)
    if citizens.get(ctx.s, pid) is None:
        fail(ctx, e, "pid_not_in_register")
    e.pid = pid
    go(ctx, e, machine.AT_OFFICER)


def check_card(ctx: Ctx, e: Enrolment, officer: str) -> None:
    """The officer compares the card with the register; an expired card ends the registration."""
    expect(e, machine.AT_OFFICER)
    e.officer = officer[:128]
    cit = citizens.get(ctx.s, e.pid)
    if card_is_expired(ctx, cit):
        fail(ctx, e, "card_expired", final=True, expiry=cit.date_of_expiry)
    go(ctx, e, machine.FINGERPRINT)


def scan_fingerprint(ctx: Ctx, e: Enrolment, officer: str) -> OfficerQr:
    """§๒.๒.๕: the index-finger scan; on a match the one-time QR code is issued at once."""
    expect(e, machine.FINGERPRINT)
    e.officer = officer[:128]
    if machine.fingerprint_outcome(citizens.get(ctx.s, e.pid).fingerprint) != "pass":
        e.fingerprint_attempts += 1
        left = machine.MAX_FINGERPRINT_ATTEMPTS - e.fingerprint_attempts
        if left <= 0:
            fail(ctx, e, "fingerprint_failed", final=True, details=[MESSAGES["enrol_reason_fingerprint"]])
        fail(ctx, e, "fingerprint_mismatch", left=left)
    go(ctx, e, machine.SCAN_QR)
    return enrolments.issue_qr(ctx.s, e, now=ctx.now, lifetime=ctx.settings.officer_qr_lifetime)


def new_qr(ctx: Ctx, e: Enrolment) -> OfficerQr:
    """A fresh QR code (the previous one stops working)."""
    expect(e, machine.SCAN_QR)
    e.updated_at, e.error, e.error_args = ctx.now, None, None
    return enrolments.issue_qr(ctx.s, e, now=ctx.now, lifetime=ctx.settings.officer_qr_lifetime)


def qr_token(text: str) -> str:
    """The token in what a scan produced: the QR's URL (``…/app/enrol/qr/<token>``) or the bare token."""
    text = (text or "").strip()
    if "/qr/" in text:
        text = text.rsplit("/qr/", 1)[1]
    return text.split("?", 1)[0].split("#", 1)[0].strip("/ ")


def scan_qr(ctx: Ctx, token: str, phone: Enrolment | None = None) -> Enrolment:
    """§๒.๒.๖: the app scans the officer's QR; one use, within ``officer_qr_lifetime``.

    ``phone`` is the registration the scanning phone already holds, if any: a QR code of
    another person's registration is refused.
    """
    qr = enrolments.qr(ctx.s, qr_token(token))
    if qr is None:
        raise EnrolError("qr_unknown")
    e = enrolments.get(ctx.s, qr.enrolment_id)
    if e is None:
        raise EnrolError("qr_unknown")
    if phone is not None and phone.id != e.id and phone.step not in machine.TERMINAL:
        raise EnrolError("qr_other")
    for code, bad in (("qr_used", qr.used_at is not None), ("qr_expired", ctx.now >= qr.expires_at)):
        if bad:
            if e.step == machine.SCAN_QR:
                fail(ctx, e, code)  # recorded, so the officer's screen shows it too
            raise EnrolError(code)
    expect(e, machine.SCAN_QR)
    qr.used_at = ctx.now
    go(ctx, e, machine.PIN)
    return e


def qr_url(ctx: Ctx, qr: OfficerQr) -> str:
    return f"{ctx.settings.phone_base_url}/app/enrol/qr/{qr.token}"

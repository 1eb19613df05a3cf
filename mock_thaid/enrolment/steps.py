"""The steps both paths share (start, camera, choose, visit, terms, PIN, consent, abandon) and
the helpers every step uses. The app pages and the JSON API both call these functions; each
one checks the step it is allowed at, changes the registration, or raises :class:`EnrolError`.

A failure is recorded on the registration (``error``) before it is raised, so the other
screen (the officer's, the phone's) can show it too; callers catch the error *inside* the
database session so that record, attempt counts and wrong-PIN counts are committed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy.orm import Session

from ..domain.offices import OFFICES
from ..pin import DEFAULT_POLICY, check_confirmation, normalize_pin
from ..services import Services
from ..store import citizens, enrolments
from ..store.models import Citizen, Enrolment
from ..domain import machine
from ..domain.dates import BANGKOK, bangkok_day
from ..domain.enrol_errors import EnrolError, message


@dataclass
class Ctx:
    services: Services
    s: Session

    @property
    def now(self) -> float:
        return self.services.clock.now()

    @property
    def settings(self):
        return self.services.settings

    def today(self) -> str:
        return bangkok_day(self.now).isoformat()


def load(ctx: Ctx, enrolment_id: str | None) -> Enrolment:
    """The registration, after abandoning every one idle for longer than ``enrol_lifetime``."""
    enrolments.expire_idle(ctx.s, now=ctx.now, lifetime=ctx.settings.enrol_lifetime)
    e = enrolments.get(ctx.s, enrolment_id or "")
    if e is None:
        raise EnrolError("not_found")
    return e


def expect(e: Enrolment, *steps: str) -> None:
    if e.step in machine.TERMINAL:
        raise EnrolError("expired" if e.error == "expired" else "closed", step=e.step)
    if e.step not in steps:
        raise EnrolError("wrong_step", step=e.step)


def go(ctx: Ctx, e: Enrolment, target: str) -> None:
    e.step = machine.advance(e.step, target, e.channel)
    e.updated_at = ctx.now
    e.error, e.error_args = None, None


def fail(ctx: Ctx, e: Enrolment, code: str, *, final: bool = False,
         details: list[tuple[str, str]] | None = None, **args) -> NoReturn:
    """Record the failure on the registration (ending it when ``final``), then raise it."""
    e.error, e.error_args = code, dict(args)
    e.updated_at = ctx.now
    if final:
        enrolments.finish(ctx.s, e, machine.FAILED, now=ctx.now)
    raise EnrolError(code, details, **args)


def citizen_of(ctx: Ctx, e: Enrolment) -> Citizen | None:
    return citizens.get(ctx.s, e.pid) if e.pid else None


def card_is_expired(ctx: Ctx, cit: Citizen) -> bool:
    return machine.card_expired(cit.date_of_expiry, ctx.today())


# --- the steps -------------------------------------------------------------------------------

def start(ctx: Ctx) -> Enrolment:
    return enrolments.create(ctx.s, now=ctx.now)


def camera(ctx: Ctx, e: Enrolment, *, allow: bool, available: bool) -> None:
    expect(e, machine.CAMERA)
    if not allow:
        fail(ctx, e, "camera_needed")
    e.camera = bool(available)
    go(ctx, e, machine.CHOOSE)


def choose(ctx: Ctx, e: Enrolment, channel: str) -> None:
    expect(e, machine.CHOOSE)
    if channel not in machine.CHANNELS:
        raise EnrolError("invalid_field", field="channel")
    e.channel = channel
    go(ctx, e, machine.TERMS if channel == machine.SELF else machine.VISIT)


def visit(ctx: Ctx, e: Enrolment, office: str) -> None:
    expect(e, machine.VISIT)
    if office not in OFFICES:
        raise EnrolError("invalid_field", field="office")
    e.office = office
    go(ctx, e, machine.TERMS)


def terms(ctx: Ctx, e: Enrolment, *, accept: bool) -> None:
    expect(e, machine.TERMS)
    if not accept:
        raise EnrolError("terms_needed")
    go(ctx, e, machine.CARD if e.channel == machine.SELF else machine.PID)


def set_pin(ctx: Ctx, e: Enrolment, pin, confirm, current=None) -> None:
    """Create the PIN (twice). This is when the account is made, or replaced. Registering an
    already-registered person again on the self path follows the ``reregistration`` setting."""
    expect(e, machine.PIN)
    if e.channel == machine.SELF and citizens.account(ctx.s, e.pid) is not None:
        _may_register_again(ctx, e, current)
    pin, confirm = normalize_pin(str(pin or "")), normalize_pin(str(confirm or ""))
    broken = DEFAULT_POLICY.check(pin)
    if broken:
        fail(ctx, e, "pin_policy", details=[(v.message_th, v.message_en) for v in broken],
             rules=[v.code for v in broken])
    if check_confirmation(pin, confirm) is not None:
        fail(ctx, e, "pin_mismatch")
    _, replaced = citizens.register(ctx.s, e.pid, pin, channel=e.channel, now=ctx.now,
                                    kdf_n=ctx.settings.pin_kdf_n)
    e.replaced = replaced
    if replaced:
        registered_again(ctx, e)
    go(ctx, e, machine.CONSENT)


def _may_register_again(ctx: Ctx, e: Enrolment, current) -> None:
    policy = ctx.settings.reregistration_policy
    if policy == "officer-only":
        fail(ctx, e, "reregister_officer_only")
    if policy == "require-pin":
        st = ctx.settings
        check = citizens.check_pin(ctx.s, e.pid, normalize_pin(str(current or "")), now=ctx.now,
                                   max_attempts=st.pin_max_attempts, lockout_s=st.lockout_minutes * 60)
        if check.locked:  # a lock set by wrong PINs is cleared only at a district office
            until = datetime.fromtimestamp(check.locked_until, tz=BANGKOK).strftime("%H:%M")
            fail(ctx, e, "pin_locked", minutes=st.lockout_minutes, until=until)
        if not check.ok:
            fail(ctx, e, "current_pin_wrong", left=check.attempts_left)


def registered_again(ctx: Ctx, e: Enrolment) -> None:
    """The old registration is gone: its tokens end (the old phone is signed out by the app pages,
    which compare the registration time) and the inspector says so."""
    from sqlalchemy import insert

    from ..store import grants
    from ..store.events import ProtocolEvent

    grants.revoke_person(ctx.s, e.pid)
    ctx.s.execute(insert(ProtocolEvent.__table__), [dict(
        at=ctx.now, client_id=None, endpoint="registration", method="POST", status=200, error=None,
        explanation="registered again from another phone: the old PIN, the app on the old phone and the "
                    "tokens issued before no longer work",
        request={"channel": e.channel, "ref": e.ref}, response={"replaced": True})])


def consent(ctx: Ctx, e: Enrolment, pin) -> None:
    """Consent, and the PIN to open the app the first time (wrong PINs count toward the lock)."""
    expect(e, machine.CONSENT)
    st = ctx.settings
    check = citizens.check_pin(ctx.s, e.pid, normalize_pin(str(pin or "")), now=ctx.now,
                               max_attempts=st.pin_max_attempts, lockout_s=st.lockout_minutes * 60)
    if check.locked:
        until = datetime.fromtimestamp(check.locked_until, tz=BANGKOK).strftime("%H:%M")
        fail(ctx, e, "pin_locked", minutes=st.lockout_minutes, until=until)
    if not check.ok:
        fail(ctx, e, "pin_wrong", left=check.attempts_left)
    e.error, e.error_args = None, None
    enrolments.finish(ctx.s, e, machine.DONE, now=ctx.now)


def abandon(ctx: Ctx, e: Enrolment) -> None:
    if e.step not in machine.TERMINAL:
        enrolments.finish(ctx.s, e, machine.ABANDONED, now=ctx.now)


def start_fast(ctx: Ctx, *, channel: str | None, office: str | None, accept_terms: bool) -> Enrolment:
    """For CI: start and, when ``channel`` is given, allow the camera and choose it at once."""
    if channel is not None and channel not in machine.CHANNELS:
        raise EnrolError("invalid_field", field="channel")
    if office is not None and office not in OFFICES:
        raise EnrolError("invalid_field", field="office")
    e = start(ctx)
    if channel:
        camera(ctx, e, allow=True, available=False)
        choose(ctx, e, channel)
        if channel == machine.OFFICER:
            visit(ctx, e, office or next(iter(OFFICES)))
        if accept_terms:
            terms(ctx, e, accept=True)
    return e


# --- what a screen or a pipeline sees --------------------------------------------------------

def error_of(e: Enrolment) -> dict | None:
    if not e.error:
        return None
    args = e.error_args or {}
    return {"code": e.error, "message_th": message(e.error, "th", args), "message_en": message(e.error, "en", args)}


def status(ctx: Ctx, e: Enrolment) -> dict:
    body = {
        "id": e.id, "ref": e.ref, "channel": e.channel or None, "step": e.step,
        "page": machine.page_for(e.step), "manual": machine.manual_ref(e.step, e.channel),
        "next": sorted(machine.allowed(e.step, e.channel) - {machine.ABANDONED}),
        "pid": e.pid, "office": e.office, "camera": e.camera, "card_source": e.card_source or None,
        "face_attempts": e.face_attempts, "fingerprint_attempts": e.fingerprint_attempts,
        "replaced": e.replaced, "error": error_of(e),
        "created_at": e.created_at, "updated_at": e.updated_at, "finished_at": e.finished_at,
    }
    if e.step == machine.DONE and e.pid:
        acc = citizens.account(ctx.s, e.pid)
        if acc is not None:
            from ..ial import ial_for
            body["account"] = {"pid": e.pid, "channel": acc.channel, "ial": ial_for(ctx.services, ctx.s, e.pid),
                               "registered_at": acc.registered_at}
    return body

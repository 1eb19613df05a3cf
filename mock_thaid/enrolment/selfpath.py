"""Self-registration (manual §๒.๑.๔–๒.๑.๖): the card photos, whose card it is, the data read
from it, and the selfie with its simulated face verification.

A photo is a JPEG or PNG (by content), at most 5 MB, and readable. The mock "reads" a card
only when it rendered it itself (SHA-256 registry, or the marker in the file); for any other
photo it asks whose card it is. Face verification follows the citizen's ``face`` column
(pass | mismatch | liveness_fail), which the control API can change.
"""
from __future__ import annotations

import hashlib

from .. import cardimages
from .. import pid as pidmod
from ..messages import MESSAGES
from ..store import citizens, enrolments
from ..store.models import Enrolment
from ..domain import machine
from . import images
from ..domain.enrol_errors import EnrolError
from .steps import Ctx, card_is_expired, expect, fail, go

SIDES = ("front", "back")
CARD_MIN = (320, 200)
SELFIE_MIN = (160, 160)


def _photo(ctx: Ctx, e: Enrolment, data: bytes | None, unreadable: str, **args) -> images.Photo:
    try:
        return images.check(data)
    except images.ImageRejected as rej:
        fail(ctx, e, unreadable if rej.code == "image_corrupt" else rej.code, **args)


def _recognise(ctx: Ctx, photo: images.Photo) -> dict | None:
    known = enrolments.render(ctx.s, photo.sha256)
    if known is not None:
        return {"pid": known.pid, "side": known.side, "variant": known.variant}
    return photo.marker


def put_card(ctx: Ctx, e: Enrolment, side: str, data: bytes | None) -> None:
    """One photo of the card (front or back); taking it again replaces the earlier one."""
    expect(e, machine.CARD)
    if side not in SIDES:
        raise EnrolError("invalid_field", field="side")
    photo = _photo(ctx, e, data, "card_unreadable", side=side)
    known = _recognise(ctx, photo)
    if photo.blank or images.too_small(photo, *CARD_MIN) or (known and known["variant"] != "clear"):
        fail(ctx, e, "card_unreadable", side=side)
    if known and known["side"] != side:
        fail(ctx, e, "card_wrong_side", side=side)
    pid = known["pid"] if known and citizens.get(ctx.s, known["pid"]) is not None else None
    enrolments.put_image(ctx.s, e.id, side, data=photo.data, mime=photo.mime, sha256=photo.sha256,
                         recognised_pid=pid, now=ctx.now)
    e.updated_at, e.error, e.error_args = ctx.now, None, None


def put_sample_card(ctx: Ctx, e: Enrolment, pid: str, variant: str = "clear") -> None:
    """CI shortcut: photograph the mock's own sample card of ``pid`` (both sides)."""
    cit = citizens.get(ctx.s, pid)
    if cit is None:
        raise EnrolError("pid_not_in_register")
    for side in SIDES:
        put_card(ctx, e, side, render_sample(ctx, cit.as_claim_source(), side, variant=variant))


def render_sample(ctx: Ctx, citizen: dict, side: str, *, variant: str = "clear", fmt: str = "png") -> bytes:
    """Render a sample card image and remember its SHA-256, so an upload of it is recognised."""
    data = cardimages.render(citizen, side, variant=variant, fmt=fmt)
    enrolments.record_render(ctx.s, sha256=hashlib.sha256(data).hexdigest(), pid=citizen["pid"],
                             side=side, variant=variant)
    return data


def retake_card(ctx: Ctx, e: Enrolment, side: str | None = None) -> None:
    """Take a side (or both) again; from the later card steps this goes back to the photos."""
    expect(e, machine.CARD, machine.CARD_OWNER, machine.CARD_CHECK)
    if e.step != machine.CARD:
        side = None
        e.pid, e.card_source = None, ""
        go(ctx, e, machine.CARD)
    enrolments.delete_images(ctx.s, e.id, side if side in SIDES else None)
    e.updated_at, e.error, e.error_args = ctx.now, None, None


def confirm_card(ctx: Ctx, e: Enrolment) -> None:
    """Both photos confirmed: read the card, or ask whose card it is."""
    expect(e, machine.CARD)
    photos = enrolments.images(ctx.s, e.id)
    if not all(side in photos for side in SIDES):
        fail(ctx, e, "card_incomplete")
    pids = {photos[side].recognised_pid for side in SIDES} - {None}
    if len(pids) > 1:
        fail(ctx, e, "card_sides_differ")
    if not pids:
        go(ctx, e, machine.CARD_OWNER)
        return
    e.card_source = "sample"
    _read(ctx, e, pids.pop())


def card_owner(ctx: Ctx, e: Enrolment, typed: str) -> None:
    """The mock could not read the card: the person says whose it is (looked up in the register)."""
    expect(e, machine.CARD_OWNER)
    try:
        pid = pidmod.validate(str(typed or ""))
    except pidmod.InvalidPID as bad:
        fail(ctx, e, "pid_" + bad.code)
    if citizens.get(ctx.s, pid) is None:
        fail(ctx, e, "pid_not_in_register")
    e.card_source = "typed"
    _read(ctx, e, pid)


def _read(ctx: Ctx, e: Enrolment, pid: str) -> None:
    e.pid = pid
    cit = citizens.get(ctx.s, pid)
    if card_is_expired(ctx, cit):
        fail(ctx, e, "card_expired", final=True, expiry=cit.date_of_expiry)
    go(ctx, e, machine.CARD_CHECK)


def check_card(ctx: Ctx, e: Enrolment, *, correct: bool) -> None:
    """The data read from the card: confirmed (on to the selfie), or wrong (photograph again)."""
    expect(e, machine.CARD_CHECK)
    if not correct:
        retake_card(ctx, e)
        return
    go(ctx, e, machine.SELFIE)


def put_selfie(ctx: Ctx, e: Enrolment, data: bytes | None) -> None:
    expect(e, machine.SELFIE)
    photo = _photo(ctx, e, data, "selfie_unreadable")
    if photo.blank or images.too_small(photo, *SELFIE_MIN):
        fail(ctx, e, "selfie_unreadable")
    enrolments.put_image(ctx.s, e.id, "selfie", data=photo.data, mime=photo.mime, sha256=photo.sha256,
                         recognised_pid=None, now=ctx.now)
    e.updated_at, e.error, e.error_args = ctx.now, None, None


def retake_selfie(ctx: Ctx, e: Enrolment) -> None:
    expect(e, machine.SELFIE)
    enrolments.delete_images(ctx.s, e.id, "selfie")
    e.updated_at = ctx.now


def confirm_selfie(ctx: Ctx, e: Enrolment) -> None:
    """Simulated face verification against the card's photo (the citizen's ``face`` outcome)."""
    expect(e, machine.SELFIE)
    if enrolments.image(ctx.s, e.id, "selfie") is None:
        fail(ctx, e, "image_missing")
    outcome = machine.face_outcome(citizens.get(ctx.s, e.pid).face)
    if outcome == "pass":
        go(ctx, e, machine.PIN)
        return
    e.face_attempts += 1
    enrolments.delete_images(ctx.s, e.id, "selfie")
    left = machine.MAX_FACE_ATTEMPTS - e.face_attempts
    code = "face_mismatch" if outcome == "mismatch" else "liveness_fail"
    if left <= 0:
        fail(ctx, e, "face_failed", final=True, reason=outcome, details=[MESSAGES["enrol_reason_" + outcome]])
    fail(ctx, e, code, left=left)

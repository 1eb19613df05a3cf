"""The two ThaiD registration paths as a pure state machine (no Flask, no database).

The steps follow the registration manual attached to the Tak/DLA letter
(shared/reference/seed-letter-lhr-thaid.txt §๒.๑ and §๒.๒; thaid-api.md §9):

self (ลงทะเบียนด้วยตนเอง)                      officer (ลงทะเบียนผ่านเจ้าหน้าที่)
  camera      2.1.1 allow the camera              camera      2.2.3 allow the phone's devices
  choose      2.1.2 choose "self"                 choose      2.2.1 choose "with an officer"
  terms       2.1.3 accept the terms              visit       2.2.2 go to a district office with the card
  card        2.1.4 photograph front and back     terms       2.2.3 accept the terms
  card_owner  (mock) whose card is this?          pid         2.2.4 type the 13-digit PID
  card_check  2.1.5 check the data read           at_officer  2.2.5 the officer checks the card
  selfie      2.1.6 selfie, face verification     fingerprint 2.2.5 index-finger scan with the officer
  pin         2.1.7 create the PIN twice          scan_qr     2.2.6 scan the QR on the officer's screen
  consent     2.1.8 consent, enter the PIN        pin         2.2.7 create the PIN twice
  done        2.1.9 the digital ID card           consent     2.2.8 consent, enter the PIN
                                                  done        2.2.9 the digital ID card

``failed`` (a check that cannot be retried) and ``abandoned`` (cancelled, or idle too
long) end a registration too. ``card_owner`` exists only in the mock: the mock cannot read
a photo of a card it did not render itself, so it asks whose card it is.
"""
from __future__ import annotations

from dataclasses import dataclass

SELF, OFFICER = "self", "officer"
CHANNELS = (SELF, OFFICER)

CAMERA, CHOOSE, VISIT, TERMS = "camera", "choose", "visit", "terms"
CARD, CARD_OWNER, CARD_CHECK, SELFIE = "card", "card_owner", "card_check", "selfie"
PID, AT_OFFICER, FINGERPRINT, SCAN_QR = "pid", "at_officer", "fingerprint", "scan_qr"
PIN, CONSENT, DONE = "pin", "consent", "done"
FAILED, ABANDONED = "failed", "abandoned"

SELF_PATH = (CAMERA, CHOOSE, TERMS, CARD, CARD_CHECK, SELFIE, PIN, CONSENT, DONE)
OFFICER_PATH = (CAMERA, CHOOSE, VISIT, TERMS, PID, AT_OFFICER, FINGERPRINT, SCAN_QR, PIN, CONSENT, DONE)
TERMINAL = frozenset({DONE, FAILED, ABANDONED})
WITH_OFFICER = frozenset({AT_OFFICER, FINGERPRINT, SCAN_QR})
"""Steps during which the registration is pending at the office (shown in the console)."""
STEPS = frozenset(SELF_PATH) | frozenset(OFFICER_PATH) | {CARD_OWNER, FAILED, ABANDONED}

MAX_FACE_ATTEMPTS = 3
"""Failed face verifications before self-registration gives up (go to an officer)."""
MAX_FINGERPRINT_ATTEMPTS = 3
"""Failed fingerprint scans before the officer has to refuse the registration."""

# (from, channel or None for both) -> allowed targets; ABANDONED is allowed from any open step.
_ALLOWED: dict[tuple[str, str | None], frozenset[str]] = {
    (CAMERA, None): frozenset({CHOOSE}),
    (CHOOSE, SELF): frozenset({TERMS}),
    (CHOOSE, OFFICER): frozenset({VISIT}),
    (VISIT, OFFICER): frozenset({TERMS}),
    (TERMS, SELF): frozenset({CARD}),
    (TERMS, OFFICER): frozenset({PID}),
    (CARD, SELF): frozenset({CARD_CHECK, CARD_OWNER, FAILED}),
    (CARD_OWNER, SELF): frozenset({CARD_CHECK, CARD, FAILED}),
    (CARD_CHECK, SELF): frozenset({SELFIE, CARD}),
    (SELFIE, SELF): frozenset({PIN, FAILED}),
    (PID, OFFICER): frozenset({AT_OFFICER}),
    (AT_OFFICER, OFFICER): frozenset({FINGERPRINT, FAILED}),
    (FINGERPRINT, OFFICER): frozenset({SCAN_QR, FAILED}),
    (SCAN_QR, OFFICER): frozenset({PIN}),
    (PIN, None): frozenset({CONSENT}),
    (CONSENT, None): frozenset({DONE}),
}

# Where each step is in the manual: (self path, officer path).
_MANUAL: dict[str, tuple[str | None, str | None]] = {
    CAMERA: ("2.1.1", "2.2.3"), CHOOSE: ("2.1.2", "2.2.1"), VISIT: (None, "2.2.2"),
    TERMS: ("2.1.3", "2.2.3"), CARD: ("2.1.4", None), CARD_OWNER: ("2.1.5", None),
    CARD_CHECK: ("2.1.5", None), SELFIE: ("2.1.6", None), PID: (None, "2.2.4"),
    AT_OFFICER: (None, "2.2.5"), FINGERPRINT: (None, "2.2.5"), SCAN_QR: (None, "2.2.6"),
    PIN: ("2.1.7", "2.2.7"), CONSENT: ("2.1.8", "2.2.8"), DONE: ("2.1.9", "2.2.9"),
}


class InvalidTransition(Exception):
    """A step that is not allowed from where the registration is."""

    def __init__(self, current: str, target: str, channel: str) -> None:
        super().__init__(f"registration ({channel or 'no channel yet'}) cannot go from {current} to {target}")
        self.current, self.target, self.channel = current, target, channel


def allowed(current: str, channel: str) -> frozenset[str]:
    """Every step the registration may go to next from ``current``."""
    if current in TERMINAL:
        return frozenset()
    targets = _ALLOWED.get((current, channel or None), frozenset()) | _ALLOWED.get((current, None), frozenset())
    return targets | {ABANDONED}


def advance(current: str, target: str, channel: str) -> str:
    """``target`` when the move is allowed, else :class:`InvalidTransition`."""
    if target not in allowed(current, channel):
        raise InvalidTransition(current, target, channel)
    return target


def path(channel: str) -> tuple[str, ...]:
    """The main steps of a path, in order (no side steps, no terminal failures)."""
    return OFFICER_PATH if channel == OFFICER else SELF_PATH


def manual_ref(step: str, channel: str) -> str | None:
    """The manual's section for ``step`` on this path, e.g. ``"2.1.4"``; None when it has none.
    Before a channel is chosen, a step of both paths names both (``"2.1.2 / 2.2.1"``)."""
    refs = _MANUAL.get(step)
    if refs is None:
        return None
    if not channel and all(refs):
        return f"{refs[0]} / {refs[1]}"
    return refs[1] if channel == OFFICER else refs[0]


@dataclass(frozen=True)
class Progress:
    number: int
    total: int


def progress(step: str, channel: str) -> Progress | None:
    """Step n of N along the path (side steps count as the step they belong to)."""
    steps = path(channel)
    if step == CARD_OWNER:
        step = CARD
    if step not in steps:
        return None
    return Progress(steps.index(step) + 1, len(steps))


def page_for(step: str) -> str:
    """The app page that shows ``step``: the three officer steps share one page."""
    return "officer" if step in WITH_OFFICER else step.replace("_", "-")


def face_outcome(configured: str) -> str:
    """The simulated face check: ``pass``, ``mismatch`` or ``liveness_fail`` (unknown -> pass)."""
    return configured if configured in ("mismatch", "liveness_fail") else "pass"


def fingerprint_outcome(configured: str) -> str:
    """The simulated fingerprint scan: ``pass`` or ``mismatch`` (unknown -> pass)."""
    return "mismatch" if configured == "mismatch" else "pass"


def card_expired(date_of_expiry: str, today: str) -> bool:
    """A card is valid through its expiry day; both dates are ISO ``YYYY-MM-DD`` strings."""
    return bool(date_of_expiry) and date_of_expiry < today

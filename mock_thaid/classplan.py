"""Who plays whom in a class: the pure rule behind `make demo`'s list and the trainer's handout.

A trainer needs to know, before the class, which synthetic people register cleanly (the
happy paths to hand out first) and which ones exist to show a failure: the selfie that does
not match the card, the selfie that fails the liveness check, the fingerprint the officer's
scanner rejects, the expired ID card. Registered people can log in at once with the demo PIN.

No Flask, no database: callers pass plain facts about each person (from the shipped YAML or
from the database) and get the plan back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Kind = Literal["happy", "face_mismatch", "liveness_fail", "fingerprint_mismatch", "card_expired", "registered"]

#: The order failure demos are listed in: the self-registration ones first, as a class meets them.
FAILURE_KINDS: tuple[Kind, ...] = ("card_expired", "face_mismatch", "liveness_fail", "fingerprint_mismatch")


@dataclass(frozen=True)
class Person:
    """What the plan needs to know about one synthetic person."""

    pid: str
    registered: bool
    date_of_expiry: str = ""  # YYYY-MM-DD
    face: str = "pass"  # 'pass' | 'mismatch' | 'liveness_fail'
    fingerprint: str = "pass"  # 'pass' | 'mismatch'


@dataclass(frozen=True)
class Role:
    pid: str
    kind: Kind
    #: the registration path that shows the behaviour: 'self' (the app), 'officer' (district office) or ''
    path: str


@dataclass(frozen=True)
class ClassPlan:
    happy: tuple[Role, ...]  # unregistered, everything passes: hand these out first
    failures: tuple[Role, ...]  # unregistered, built to fail one step
    registered: tuple[Role, ...]  # can approve a QR login at once with the demo PIN

    def roles(self) -> tuple[Role, ...]:
        """Everyone, in the order a handout numbers them."""
        return self.happy + self.failures + self.registered

    def shortfall(self, trainees: int) -> int:
        """How many trainees have no clean registration to practise (0 if there are enough)."""
        return max(0, trainees - len(self.happy))


def kind_of(p: Person, today: str) -> Kind:
    """The one thing this person demonstrates (a registered person is just a login)."""
    if p.registered:
        return "registered"
    if p.date_of_expiry and p.date_of_expiry < today:
        return "card_expired"
    if p.face == "mismatch":
        return "face_mismatch"
    if p.face == "liveness_fail":
        return "liveness_fail"
    if p.fingerprint == "mismatch":
        return "fingerprint_mismatch"
    return "happy"


_PATH: dict[Kind, str] = {"happy": "self", "card_expired": "self", "face_mismatch": "self",
                          "liveness_fail": "self", "fingerprint_mismatch": "officer", "registered": ""}


def plan(people: Iterable[Person], today: str) -> ClassPlan:
    """Sort people into the plan, keeping their given order inside each group."""
    roles = [Role(p.pid, kind_of(p, today), "") for p in people]
    roles = [Role(r.pid, r.kind, _PATH[r.kind]) for r in roles]
    failures = sorted((r for r in roles if r.kind in FAILURE_KINDS), key=lambda r: FAILURE_KINDS.index(r.kind))
    return ClassPlan(happy=tuple(r for r in roles if r.kind == "happy"), failures=tuple(failures),
                     registered=tuple(r for r in roles if r.kind == "registered"))

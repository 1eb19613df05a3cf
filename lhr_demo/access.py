"""Who is asking, and what they may see.

The logged-in user comes from rp_client's session identity (its pid) joined with our
``Account`` (public id in the session), ``Person`` and ``RoleAssignment`` rows. Every
refusal of a record, request, attachment, organization or area is one call, :func:`deny`:
it writes an ``ACCESS_DENIED`` audit row and answers 404, so nobody learns what exists.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import abort, g, redirect, request, session, url_for
from rp_client.flask_ext import current_identity
from sqlalchemy import select

from . import models as m
from .web import dbs, log

ACCOUNT_KEY = "lhr_account"
GENERATION_KEY = "lhr_session_generation"


@dataclass
class User:
    pid: str
    account: m.Account | None
    person: m.Person | None
    roles: list[m.RoleAssignment] = field(default_factory=list)

    def has(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def officer_org_ids(self) -> set[int]:
        return {r.organization_id for r in self.roles if r.role == "HR_OFFICER" and r.organization_id}

    @property
    def supervised_districts(self) -> set[str]:
        return {r.district_code for r in self.roles if r.role == "DISTRICT_SUPERVISOR" and r.district_code}

    @property
    def supervised_provinces(self) -> set[str]:
        return {r.province_code for r in self.roles if r.role == "PROVINCE_SUPERVISOR" and r.province_code}

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervised_districts or self.supervised_provinces)

    @property
    def primary_role(self) -> str:
        for role in ("PROVINCE_SUPERVISOR", "DISTRICT_SUPERVISOR", "HR_OFFICER"):
            if self.has(role):
                return role
        return "OWNER" if self.person else "NONE"

    def can_see_org(self, org: m.Organization) -> bool:
        """Aggregates of an organization: its officers and the supervisors of its area."""
        return (org.id in self.officer_org_ids or org.province_code in self.supervised_provinces
                or (org.district_code is not None and org.district_code in self.supervised_districts))


def roles_for(s, pid: str) -> list[m.RoleAssignment]:
    return list(s.scalars(select(m.RoleAssignment).where(m.RoleAssignment.pid == pid,
                                                         m.RoleAssignment.revoked_at.is_(None))))


def load_user() -> None:
    """before_request: set ``g.user`` (or None) from the session (not for /healthz, which
    must answer even when the database it would read the user from is down)."""
    g.user = None
    if request.endpoint == "health.healthz":
        return
    identity = current_identity()
    public_id = session.get(ACCOUNT_KEY)
    if identity is None or not public_id:
        session.pop(ACCOUNT_KEY, None)
        return
    s = dbs()
    account = s.scalar(select(m.Account).where(m.Account.public_id == public_id))
    if (account is None or account.pid != identity.pid
            or session.get(GENERATION_KEY) != (account.session_generation or 0)):
        session.pop(ACCOUNT_KEY, None)  # unknown, someone else's, or logged out since
        return
    person = s.scalar(select(m.Person).where(m.Person.pid == account.pid))
    g.user = User(pid=account.pid, account=account, person=person, roles=roles_for(s, account.pid))


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.home", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def deny(object_type: str, object_id: str | None, reason: str = "not_yours"):
    """Audit the attempt and answer 404 (the same answer as for something that does not exist)."""
    user = g.get("user")
    log("ACCESS_DENIED", outcome="DENY", subject=user.person.public_id if user and user.person else None,
        object_type=object_type, object_id=(object_id or "")[:60] or None, detail={"reason": reason})
    dbs().commit()
    abort(404)


def own_person() -> m.Person:
    user = g.user
    if user.person is None:
        deny("record", None, "no_personnel_record")
    return user.person

"""The demo's logins, from the database: owners, officers and supervisors who can log in
with the ThaiD mock (their PIDs are in the shared register, ``thaid_sandbox_data``'s
citizens.yaml; PIN 13572468)."""
from __future__ import annotations

import thaid_sandbox_data
import yaml
from sqlalchemy import select

from . import models as m, kp7

CITIZENS = thaid_sandbox_data.path("citizens.yaml")  # package data: works from a wheel too


def rows(s) -> list[tuple[str, str, str, str]]:
    registered = {c["pid"]: c.get("registered", False) for c in yaml.safe_load(CITIZENS.read_text("utf-8"))["citizens"]}
    out = []
    for pid, ok in registered.items():
        person = s.scalar(select(m.Person).where(m.Person.pid == pid))
        h = s.scalar(select(kp7.PersonalHeader).where(kp7.PersonalHeader.person_id == person.id,
                                                      kp7.PersonalHeader.is_current)) if person else None
        roles = s.scalars(select(m.RoleAssignment).where(m.RoleAssignment.pid == pid)).all()
        what = ", ".join(r.role + (f" {r.organization.short_th}" if r.organization else
                                   f" {r.district_code or r.province_code}") for r in roles)
        what = what or ("OWNER" if person else "not in LHR")
        where = person.organization.short_th if person else "-"
        name = f"{h.title_th}{h.first_name_th} {h.last_name_th}" if h else "-"
        out.append((pid, name, f"{what} @ {where}" + ("" if person is None or person.status == "ACTIVE" else " (retired)"),
                    "ThaiD" if ok else "no ThaiD account yet"))
    return out


def table(s) -> str:
    return "\n".join(f"{pid}  {name:32} {what:55} {thaid}" for pid, name, what, thaid in rows(s))

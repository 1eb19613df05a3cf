"""Who people are in a list: the name as the ก.พ.๗ writes it, and what tells two people of the
same name apart (current position and masked PID). One query per list, whatever its length."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from . import models as m
from .kp7 import PersonalHeader, PositionSalary
from .pid import mask_pid


def record_names(s, person_ids: Iterable[int]) -> dict[int, str]:
    """``{person id: "นายสมชาย ใจดี"}`` (title, no space, given name, family name) for those with a
    current personal header; one query."""
    ids = set(person_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    for h in s.scalars(select(PersonalHeader).where(PersonalHeader.person_id.in_(ids), PersonalHeader.is_current)
                       .order_by(PersonalHeader.id)):
        found.setdefault(h.person_id, f"{h.title_th}{h.first_name_th} {h.last_name_th}")
    return found


def names(s, person_ids: Iterable[int]) -> dict[int, str]:
    """Every id's record name, ``-`` for someone without one; one query."""
    ids = list(person_ids)
    found = record_names(s, ids)
    return {i: found.get(i, "-") for i in ids}


def positions(s, person_ids: Iterable[int]) -> dict[int, str]:
    """``{person id: current position title}`` (the latest effective salary row); one query."""
    ids = set(person_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    rows = s.scalars(select(PositionSalary).where(PositionSalary.person_id.in_(ids), PositionSalary.is_current.is_(True))
                     .order_by(PositionSalary.person_id, PositionSalary.effective_date.desc(), PositionSalary.id.desc()))
    for row in rows:
        found.setdefault(row.person_id, row.position_title)
    return {k: v for k, v in found.items() if v}


def tell_apart(s, persons: Iterable[m.Person]) -> dict[int, str]:
    """``{person id: "position · masked PID"}`` (the masked PID alone without a position); one query."""
    persons = list(persons)
    pos = positions(s, (p.id for p in persons))
    return {p.id: f"{pos[p.id]} · {mask_pid(p.pid)}" if p.id in pos else mask_pid(p.pid) for p in persons}

"""The owner's ก.พ.๗: the summary page and main card, the print view, row histories and
the owner's own access log. Only ever the logged-in person's record: no id in the URL."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from . import audit, models as m, sections
from .access import deny, login_required, own_person
from .web import dbs, log

bp = Blueprint("records", __name__)


def record_context(s, person: m.Person) -> dict:
    rows = {code: sections.current_rows(s, sec, person.id) for code, sec in sections.SECTIONS.items()}
    header = rows["PERSONAL"][0] if rows["PERSONAL"] else None
    family = {rel: [r for r in rows["FAMILY"] if r.relation == rel] for rel in ("FATHER", "MOTHER", "SPOUSE", "CHILD")}
    latest = rows["POSITION_SALARY"][-1] if rows["POSITION_SALARY"] else None
    org = person.organization
    return dict(person=person, header=header, rows=rows, family=family, latest=latest, org=org,
                S=sections.SECTIONS, summary_page=sections.SUMMARY_PAGE, main_card=sections.MAIN_CARD)


@bp.get("/me/record")
@login_required
def record():
    person, s = own_person(), dbs()
    ctx = record_context(s, person)
    log("VIEW_KP7", subject=person.public_id, object_type="record", object_id=person.public_id)
    s.commit()
    return render_template("kp7.html", mode="owner", **ctx)


@bp.get("/me/record/print")
@login_required
def print_view():
    person, s = own_person(), dbs()
    ctx = record_context(s, person)
    log("PRINT_KP7", subject=person.public_id, object_type="record", object_id=person.public_id)
    s.commit()
    return render_template("kp7_print.html", **ctx)


@bp.get("/me/record/history/<row_id>")
@login_required
def history(row_id: str):
    person = own_person()
    s = dbs()
    found = sections.find_row(s, row_id)
    if found is None or found[1].person_id != person.id:
        deny("record_row", row_id)
    section, row = found
    versions = sections.versions(s, section, row.lineage_id)
    log("VIEW_HISTORY", subject=person.public_id, object_type="record_row", object_id=row_id,
        detail={"section": section.code})
    s.commit()
    return render_template("history.html", section=section, versions=versions, person=person)


@bp.get("/me/access-log")
@login_required
def access_log():
    person = own_person()
    s = dbs()
    entries = audit.recent(s, subject=person.public_id, limit=200)
    actors = {a.public_id: a.display_name for a in s.scalars(
        select(m.Account).where(m.Account.public_id.in_({e.actor for e in entries if e.actor})))}
    log("VIEW_ACCESS_LOG", subject=person.public_id, object_type="record", object_id=person.public_id)
    s.commit()
    return render_template("access_log.html", entries=entries, actors=actors, person=person)

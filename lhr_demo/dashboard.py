"""Adoption dashboard and supervision: who has logged in with ThaiD since go-live, per
province, district and organization, by personnel category (server-rendered SVG bars);
names of those who have not yet — for that organization's officers only; and read-only
progress of correction requests for district and provincial supervisors."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import Blueprint, g, render_template
from sqlalchemy import and_, func, or_, select

from . import models as m, who, workflow
from .access import deny, login_required
from .web import dbs, lhr, log

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _since() -> datetime:
    return datetime.combine(lhr().settings.go_live, datetime.min.time())


def visible_orgs(s) -> list[m.Organization]:
    user = g.user
    conds = []
    if user.officer_org_ids:
        conds.append(m.Organization.id.in_(user.officer_org_ids))
    if user.supervised_districts:
        conds.append(m.Organization.district_code.in_(user.supervised_districts))
    if user.supervised_provinces:
        conds.append(m.Organization.province_code.in_(user.supervised_provinces))
    if not conds:
        deny("dashboard", None, "no_scope")
    return list(s.scalars(select(m.Organization).where(or_(*conds)).order_by(m.Organization.code)))


class Tally:
    def __init__(self) -> None:
        self.total = self.logged = 0
        self.by_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, cat: str, total: int, logged: int) -> None:
        self.total += total
        self.logged += logged
        self.by_cat[cat][0] += total
        self.by_cat[cat][1] += logged

    @property
    def pct(self) -> float:
        return 100.0 * self.logged / self.total if self.total else 0.0


def tallies(s, org_ids: list[int]) -> dict[int, Tally]:
    joined = and_(m.Account.pid == m.Person.pid, m.Account.last_login_at >= _since())
    q = (select(m.Person.organization_id, m.Person.category_code, func.count(m.Person.id), func.count(m.Account.id))
         .outerjoin(m.Account, joined).where(m.Person.organization_id.in_(org_ids), m.Person.status == "ACTIVE")
         .group_by(m.Person.organization_id, m.Person.category_code))
    out: dict[int, Tally] = defaultdict(Tally)
    for org_id, cat, total, logged in s.execute(q):
        out[org_id].add(cat, total, logged)
    return out


def _sum(parts) -> Tally:
    t = Tally()
    for p in parts:
        for cat, (total, logged) in p.by_cat.items():
            t.add(cat, total, logged)
    return t


@bp.get("/")
@login_required
def index():
    s = dbs()
    orgs = visible_orgs(s)
    per_org = tallies(s, [o.id for o in orgs])
    groups: dict[str | None, list[m.Organization]] = defaultdict(list)
    for o in orgs:
        groups[o.district_code].append(o)
    groups = dict(sorted(groups.items(), key=lambda kv: kv[0] or ""))
    districts = {d.code: d for d in s.scalars(select(m.District).where(m.District.code.in_([k for k in groups if k])))}
    per_district = {k: _sum(per_org[o.id] for o in v) for k, v in groups.items()}
    categories = s.scalars(select(m.PersonnelCategory).order_by(m.PersonnelCategory.sort)).all()
    log("VIEW_DASHBOARD", detail={"organizations": len(orgs)})
    s.commit()
    return render_template("dashboard.html", orgs=orgs, per_org=per_org, groups=groups, districts=districts,
                           per_district=per_district, total=_sum(per_org.values()), categories=categories,
                           scope=scope_of(s, orgs))


def scope_of(s, orgs: list[m.Organization]) -> dict:
    """What the figures cover, for the title: the province(s) a provincial supervisor sees, else
    the district(s) a district supervisor sees, else the officer's own organization(s)."""
    user = g.user
    if user.supervised_provinces:
        return {"kind": "province", "items": list(s.scalars(select(m.Province).where(
            m.Province.code.in_(user.supervised_provinces)).order_by(m.Province.code)))}
    if user.supervised_districts:
        return {"kind": "district", "items": list(s.scalars(select(m.District).where(
            m.District.code.in_(user.supervised_districts)).order_by(m.District.code))),
            "province": orgs[0].province if orgs else None}
    return {"kind": "organization", "items": orgs}


@bp.get("/org/<org_id>")
@login_required
def organization(org_id: str):
    s = dbs()
    org = s.scalar(select(m.Organization).where(m.Organization.public_id == org_id))
    if org is None or not g.user.can_see_org(org):
        deny("organization", org_id)
    tally = tallies(s, [org.id]).get(org.id) or Tally()
    not_yet = []
    if org.id in g.user.officer_org_ids:  # names: for this organization's officers only
        logged = set(s.scalars(select(m.Account.pid).where(m.Account.last_login_at >= _since())))
        waiting = [p for p in s.scalars(select(m.Person).where(
            m.Person.organization_id == org.id, m.Person.status == "ACTIVE").order_by(m.Person.id)) if p.pid not in logged]
        names, extra = who.names(s, (p.id for p in waiting)), who.tell_apart(s, waiting)
        not_yet = [(p, names[p.id], extra[p.id]) for p in waiting]
    categories = s.scalars(select(m.PersonnelCategory).order_by(m.PersonnelCategory.sort)).all()
    log("VIEW_DASHBOARD", object_type="organization", object_id=org_id, detail={"names": bool(not_yet)})
    s.commit()
    return render_template("dashboard_org.html", org=org, tally=tally, categories=categories, not_yet=not_yet,
                           is_officer=org.id in g.user.officer_org_ids)


@bp.get("/requests")
@login_required
def progress():
    """Read-only: correction requests per organization and status, in the user's area."""
    s = dbs()
    orgs = visible_orgs(s)
    rows = s.execute(select(m.CorrectionRequest.organization_id, m.CorrectionRequest.status, func.count())
                     .where(m.CorrectionRequest.organization_id.in_([o.id for o in orgs]),
                            m.CorrectionRequest.status != workflow.DRAFT)
                     .group_by(m.CorrectionRequest.organization_id, m.CorrectionRequest.status)).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, status, n in rows:
        counts[org_id][status] = n
    log("VIEW_PROGRESS", detail={"organizations": len(orgs)})
    s.commit()
    return render_template("progress.html", orgs=orgs, counts=counts,
                           statuses=[st for st in workflow.STATUSES if st != workflow.DRAFT])

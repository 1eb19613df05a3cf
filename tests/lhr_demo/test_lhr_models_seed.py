"""The data model and the Tak seed: 200+ synthetic personnel, every category, the citizens'
PIDs, valid PIDs, officers everywhere, multi-year histories, deterministic."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import thaid_sandbox_data
import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lhr_demo import codes, kp7, models as m
from lhr_demo.db import Database
from lhr_demo.pid import is_valid
from lhr_demo.seed import DEMO_ERROR_DATE, DEMO_ERROR_PID, seed

CITIZENS = yaml.safe_load(thaid_sandbox_data.path("citizens.yaml").read_text("utf-8"))["citizens"]


@pytest.fixture(scope="module")
def db():
    d = Database("sqlite://")
    d.create_all()
    with d.session() as s:
        seed(s)
    return d


@pytest.fixture
def s(db):
    with db.Session() as session:
        yield session


def test_at_least_200_personnel(s):
    assert s.scalar(select(func.count()).select_from(m.Person)) >= 200
    assert s.scalar(select(func.count()).select_from(m.Person).where(m.Person.status == "ACTIVE")) >= 200


def test_every_category_is_covered(s):
    counts = Counter(s.scalars(select(m.Person.category_code)))
    assert set(counts) == set(codes.CATEGORIES)
    assert all(n >= 3 for n in counts.values()), counts


def test_every_citizen_pid_is_personnel_with_the_same_name(s):
    for c in CITIZENS:
        person = s.scalar(select(m.Person).where(m.Person.pid == c["pid"]))
        assert person is not None, c["pid"]
        h = s.scalar(select(kp7.PersonalHeader).where(kp7.PersonalHeader.person_id == person.id))
        assert (h.title_th, h.first_name_th, h.last_name_th) == (c["title"], c["given_name"], c["family_name"])
        assert h.birth_date == date.fromisoformat(c["birthdate"])


def test_pids_are_valid_and_unique(s):
    pids = list(s.scalars(select(m.Person.pid)))
    assert len(pids) == len(set(pids))
    assert all(is_valid(p) for p in pids)


def test_some_personnel_have_no_thaid_account_yet(s):
    citizens = {c["pid"] for c in CITIZENS}
    unregistered = {c["pid"] for c in CITIZENS if not c["registered"]}
    pids = set(s.scalars(select(m.Person.pid)))
    assert unregistered <= pids and unregistered
    assert len(pids - citizens) > 150  # the mock does not know them at all


def test_tak_organizations_and_hierarchy(s):
    orgs = s.scalars(select(m.Organization)).all()
    types = Counter(o.type_code for o in orgs)
    assert types["PAO"] == 1 and types["CITY_MUNI"] == 1 and types["TOWN_MUNI"] == 1
    assert types["SUBDISTRICT_MUNI"] >= 3 and types["SAO"] >= 3
    names = {o.short_th for o in orgs}
    assert {"อบจ.ตาก", "ทน.แม่สอด", "ทม.ตาก"} <= names
    for o in orgs:
        assert (o.district_code is None) == (o.type_code == "PAO")
        assert o.province_code == "63"
    assert s.scalar(select(func.count()).select_from(m.District)) == 9


def test_a_pao_with_a_district_is_refused_by_the_database(s):
    s.add(m.Organization(code="X-1", type_code="PAO", name_th="x", name_en="x", short_th="x", province_code="63",
                         district_code="6301"))
    with pytest.raises(IntegrityError):
        s.flush()
    s.rollback()


def test_every_organization_has_an_hr_officer(s):
    orgs = set(s.scalars(select(m.Organization.id)))
    officers = set(s.scalars(select(m.RoleAssignment.organization_id).where(m.RoleAssignment.role == "HR_OFFICER")))
    assert orgs == officers


def test_officers_and_supervisors_include_registered_citizens(s):
    registered = {c["pid"] for c in CITIZENS if c["registered"]}
    roles = s.scalars(select(m.RoleAssignment)).all()
    assert len([r for r in roles if r.role == "HR_OFFICER" and r.pid in registered]) >= 5
    for role in ("DISTRICT_SUPERVISOR", "PROVINCE_SUPERVISOR"):
        holders = [r for r in roles if r.role == role]
        assert holders and all(r.pid in registered for r in holders)


def test_histories_span_years(s):
    spans = s.execute(select(kp7.PositionSalary.person_id, func.min(kp7.PositionSalary.effective_date),
                             func.max(kp7.PositionSalary.effective_date), func.count())
                      .group_by(kp7.PositionSalary.person_id)).all()
    assert len(spans) == s.scalar(select(func.count()).select_from(m.Person))
    multi = [p for p, lo, hi, n in spans if (hi - lo).days >= 365 and n >= 2]
    assert len(multi) >= 0.9 * len(spans)
    for model in (kp7.Education, kp7.LeaveYear, kp7.FamilyMember, kp7.Address, kp7.Training):
        assert s.scalar(select(func.count(func.distinct(model.person_id)))) >= 200, model.__tablename__
    for model in (kp7.Decoration, kp7.NameChange, kp7.Ability, kp7.SpecialService):
        assert s.scalar(select(func.count()).select_from(model)) > 5, model.__tablename__


def test_every_seeded_row_is_version_1_and_current(s):
    for model in (kp7.PositionSalary, kp7.PersonalHeader, kp7.Education):
        assert s.scalar(select(func.count()).select_from(model).where((model.version != 1) | ~model.is_current)) == 0


def test_the_demo_error_is_there(s):
    person = s.scalar(select(m.Person).where(m.Person.pid == DEMO_ERROR_PID))
    rows = s.scalars(select(kp7.PositionSalary).where(kp7.PositionSalary.person_id == person.id)
                     .order_by(kp7.PositionSalary.effective_date)).all()
    wrong = next(i for i, r in enumerate(rows) if r.effective_date == DEMO_ERROR_DATE)
    assert rows[wrong].salary < rows[wrong - 1].salary  # a "raise" that went down: two digits swapped


def fingerprint(s) -> list:
    return s.execute(select(m.Person.pid, m.Person.category_code, kp7.PositionSalary.effective_date,
                            kp7.PositionSalary.salary).join(kp7.PositionSalary, kp7.PositionSalary.person_id == m.Person.id)
                     .order_by(m.Person.pid, kp7.PositionSalary.effective_date, kp7.PositionSalary.id)).all()


def test_the_seed_is_deterministic(s):
    other = Database("sqlite://")
    other.create_all()
    with other.session() as s2:
        seed(s2)
        assert fingerprint(s2) == fingerprint(s)

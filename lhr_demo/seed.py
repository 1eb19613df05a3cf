"""Seed the demo: Tak province, its local organizations and 200+ synthetic personnel.

Deterministic (``random.Random(SEED)``). The 34 citizens of the shared register (citizens.yaml
of the data-only package ``thaid_sandbox_data``) keep their PIDs and names (the ThaiD mock
knows them); everyone else gets a fresh checksum-valid fake PID from :mod:`lhr_demo.pid`.
Every person and every history here is invented.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import thaid_sandbox_data
import yaml
from sqlalchemy import func, select

from . import careers, codes, models as m
from .careers import PersonSpec
from .names import NAMES
from .pid import generate
from .sections import SECTIONS

SEED = 2568
HERE = Path(__file__).resolve().parent
CITIZENS_FILE = thaid_sandbox_data.path("citizens.yaml")  # package data: works from a wheel too
TAK_FILE = HERE / "data" / "tak.yaml"
# Mali's salary on 1 ต.ค. 2568 is recorded with two digits swapped: the demo's "something to correct".
DEMO_ERROR_PID, DEMO_ERROR_DATE = "1057830862719", date(2025, 10, 1)

FILL = [  # (weight, category, (position, level) choices); "OFFICIAL" = the organization's official category
    (30, "OFFICIAL", [("นักจัดการงานทั่วไป", "PRO_1"), ("นักวิชาการเงินและบัญชี", "PRO_2"), ("นักวิเคราะห์นโยบายและแผน", "PRO_2"),
                      ("นิติกร", "PRO_1"), ("นักพัฒนาชุมชน", "PRO_2"), ("นักวิชาการศึกษา", "PRO_1"), ("วิศวกรโยธา", "PRO_2"),
                      ("นักวิชาการสาธารณสุข", "PRO_3"), ("นักวิชาการเงินและบัญชี", "PRO_3")]),
    (15, "OFFICIAL", [("เจ้าพนักงานธุรการ", "GEN_1"), ("เจ้าพนักงานการเงินและบัญชี", "GEN_2"), ("นายช่างโยธา", "GEN_2"),
                      ("เจ้าพนักงานพัสดุ", "GEN_1"), ("เจ้าพนักงานป้องกันและบรรเทาสาธารณภัย", "GEN_2"),
                      ("เจ้าพนักงานจัดเก็บรายได้", "GEN_3")]),
    (8, "PERMANENT_EMPLOYEE", [("พนักงานขับรถยนต์", None), ("นักการภารโรง", None), ("พนักงานขับเครื่องจักรกลขนาดเบา", None)]),
    (20, "MISSION_CONTRACT", [("ผู้ช่วยเจ้าพนักงานธุรการ", None), ("ผู้ช่วยนักวิชาการเงินและบัญชี", None),
                              ("ผู้ช่วยนายช่างโยธา", None), ("ผู้ดูแลเด็ก (ทักษะ)", None), ("ผู้ช่วยเจ้าพนักงานพัสดุ", None)]),
    (10, "SKILLED_CONTRACT", [("พนักงานขับรถยนต์", None), ("พนักงานขับเครื่องจักรกลขนาดหนัก", None), ("พนักงานดับเพลิง", None)]),
    (17, "GENERAL_CONTRACT", [("คนงานทั่วไป", None), ("คนงานประจำรถขยะ", None), ("ยามรักษาการณ์", None)]),
]


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def is_seeded(s) -> bool:
    return bool(s.scalar(select(func.count()).select_from(m.Person)))


def seed(s, citizens_file: Path = CITIZENS_FILE, tak_file: Path = TAK_FILE) -> dict:
    rng = random.Random(SEED)
    tak, citizens = load_yaml(tak_file), load_yaml(citizens_file)["citizens"]
    orgs = _places_and_codes(s, tak)
    used = {c["pid"] for c in citizens}
    people: list[tuple[PersonSpec, list[str]]] = []
    for code, org in orgs.items():
        for spec, roles in _staff(rng, org, used):
            people.append((spec, roles))
    for c in citizens:
        people.append((_citizen_spec(c, tak["citizens"][c["pid"]], orgs), list(tak["citizens"][c["pid"]].get("roles", []))))
    citizen_pids = {c["pid"] for c in citizens}
    for spec, roles in people:
        person = _store_person(s, rng, spec)
        for role in roles:
            kind, _, scope = role.partition(":")
            s.add(m.RoleAssignment(pid=spec.pid, role=kind, organization_id=orgs[spec.org["code"]]["id"] if kind == "HR_OFFICER" else None,
                                   district_code=scope if kind == "DISTRICT_SUPERVISOR" else None,
                                   province_code=scope if kind == "PROVINCE_SUPERVISOR" else None))
        if spec.pid not in citizen_pids and person.status == "ACTIVE" and rng.random() < 0.45:
            first = datetime(2025, 11, 1, 8) + timedelta(days=rng.randint(0, 380), minutes=rng.randint(0, 600))
            s.add(m.Account(pid=spec.pid, display_name=spec.full_name, first_login_at=first, last_login_at=first,
                            login_count=1, simulated=True))
    s.flush()
    return {"personnel": len(people), "organizations": len(orgs)}


def _places_and_codes(s, tak: dict) -> dict[str, dict]:
    p = tak["province"]
    s.add(m.Province(**p))
    districts = {d["code"]: d for d in tak["districts"]}
    s.add_all(m.District(province_code=p["code"], **d) for d in tak["districts"])
    s.add_all(m.OrgType(code=k, name_th=th, name_en=en, abbr_th=ab, sort=i) for i, (k, (th, en, ab)) in enumerate(codes.ORG_TYPES.items()))
    s.add_all(m.PersonnelCategory(code=k, name_th=th, name_en=en, group=g, requires_position_no=r, sort=i)
              for i, (k, (th, en, g, r)) in enumerate(codes.CATEGORIES.items()))
    s.add_all(m.PositionType(code=k, name_th=th, name_en=en, sort=i) for i, (k, (th, en)) in enumerate(codes.POSITION_TYPES.items()))
    s.flush()
    s.add_all(m.PositionLevel(code=k, position_type_code=t, name_th=th, name_en=en, sort=i)
              for i, (k, (t, th, en)) in enumerate(codes.POSITION_LEVELS.items()))
    out = {}
    for o in tak["organizations"]:
        th, en, abbr = codes.ORG_TYPES[o["type"]]
        row = m.Organization(code=o["code"], type_code=o["type"], name_th=th + o["place_th"], short_th=abbr + o["place_th"],
                             name_en=f"{o['place_en']} {en}", province_code=p["code"], district_code=o["district"])
        s.add(row)
        s.flush()
        d = districts.get(o["district"]) or {"name_th": "เมืองตาก"}
        out[o["code"]] = dict(o, id=row.id, name_th=row.name_th, short_th=row.short_th, type_th=th, district_th=d["name_th"])
    return out


def _staff(rng, org: dict, used: set[str]):
    official = codes.OFFICIAL_CATEGORY_FOR[org["type"]]
    n = org["size"]
    slots = [(official, "นักบริหารงานท้องถิ่น", "EXEC_2" if n >= 20 else "EXEC_1", None, []),
             (official, "นักทรัพยากรบุคคล", "PRO_2", None, ["HR_OFFICER"])]
    if n >= 10:
        slots.append((official, "นักบริหารงานการคลัง", "DIR_1", "ผู้อำนวยการกองคลัง", []))
    if n >= 20:
        slots.append((official, "นักบริหารงานช่าง", "DIR_1", "ผู้อำนวยการกองช่าง", []))
    weights = [w for w, *_ in FILL]
    while len(slots) < n:
        _, cat, choices = rng.choices(FILL, weights)[0]
        position, level = rng.choice(choices)
        slots.append((official if cat == "OFFICIAL" else cat, position, level, None, []))
    for cat, position, level, mgmt, roles in slots:
        yield _random_spec(rng, org, used, cat, position, level, mgmt), roles


def _random_spec(rng, org, used, cat, position, level, mgmt) -> PersonSpec:
    pid = generate(rng)
    while pid in used:
        pid = generate(rng)
    used.add(pid)
    gender = rng.choice(["male", "female"])
    low = {"EXEC_2": 45, "EXEC_1": 40, "DIR_1": 38, "PRO_3": 38, "GEN_3": 38}.get(level or "", 22)
    birth = date(careers.AS_OF.year - rng.randint(low, 59), rng.randint(1, 12), rng.randint(1, 28))
    birth = max(birth, date(1966, 10, 2)) if cat.endswith("OFFICIAL") or cat == "PERMANENT_EMPLOYEE" else birth
    first_th, first_en = rng.choice(NAMES[gender])
    last_th, last_en = rng.choice(NAMES["surname"])
    extras: dict = {}
    if gender == "male":
        title_th, title_en = ("ว่าที่ร้อยตรี", "Acting Sub Lt.") if rng.random() < 0.05 else ("นาย", "Mr.")
    elif careers.AS_OF.year - birth.year > 28 and rng.random() < 0.6:
        title_th, title_en = "นาง", "Mrs."
        maiden = rng.choice(NAMES["surname"])[0]
        if maiden != last_th and rng.random() < 0.6:
            when = date(birth.year + rng.randint(25, 32), rng.randint(1, 12), rng.randint(1, 28))
            extras = {"maiden": maiden, "name_changes": [dict(
                change_date=when, old_name_th=f"นางสาว{first_th} {maiden}", new_name_th=f"นาง{first_th} {last_th}",
                ref_doc=f"หนังสือสำคัญการจดทะเบียนสมรส เลขที่ {rng.randint(100, 999)}/{when.year + 543}")]}
    else:
        title_th, title_en = "นางสาว", "Miss"
    return PersonSpec(pid=pid, org=org, category=cat, position=position, level=level, mgmt_title=mgmt,
                      title_th=title_th, first_th=first_th, last_th=last_th, title_en=title_en, first_en=first_en,
                      last_en=last_en, gender=gender, birth=birth, extras=extras)


def _citizen_spec(c: dict, job: dict, orgs: dict) -> PersonSpec:
    return PersonSpec(pid=c["pid"], org=orgs[job["org"]], category=job["category"], position=job["position"],
                      level=job.get("level"), mgmt_title=job.get("title"), title_th=c["title"], first_th=c["given_name"],
                      middle_th=c.get("middle_name") or "", last_th=c["family_name"], title_en=c.get("title_en") or "",
                      first_en=c.get("given_name_en") or "", last_en=c.get("family_name_en") or "", gender=c["gender"],
                      birth=date.fromisoformat(c["birthdate"]), address=c.get("address"))


def _store_person(s, rng, spec: PersonSpec) -> m.Person:
    history = careers.build(rng, spec)
    retire = history["PERSONAL"][0]["retirement_date"]
    person = m.Person(pid=spec.pid, organization_id=spec.org["id"], category_code=spec.category,
                      official_no=f"{rng.randint(100000, 999999)}" if spec.category.endswith("OFFICIAL") else None,
                      status="RETIRED" if retire and retire < careers.AS_OF else "ACTIVE")
    s.add(person)
    s.flush()
    if spec.pid == DEMO_ERROR_PID:
        for row in history["POSITION_SALARY"]:
            if row["effective_date"] == DEMO_ERROR_DATE and row["salary"] >= 1000:
                t = str(row["salary"])
                row["salary"] = int(t[0] + t[2] + t[1] + t[3:])
    for code, rows in history.items():
        model = SECTIONS[code].model
        for values in rows:
            public = m.new_public_id()
            s.add(model(person_id=person.id, public_id=public, lineage_id=public, recorded_by="นำเข้าข้อมูลตั้งต้นจากระบบเดิม", **values))
    return person

"""Plausible, synthetic ก.พ.๗ histories for one person (deterministic for a given ``random.Random``).

Pure: returns plain dicts per section code; seed.py stores them. Every value is invented.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .codes import POSITION_LEVELS, POSITION_TYPES
from .thaidate import be_year, format_date, retirement_date

AS_OF = date(2026, 10, 1)  # the data are "as of" the start of fiscal year 2570
LEVEL_PATH = {"PRO": ["PRO_1", "PRO_2", "PRO_3", "PRO_4"], "GEN": ["GEN_1", "GEN_2", "GEN_3"],
              "DIR": ["PRO_1", "PRO_2", "DIR_1", "DIR_2", "DIR_3"],
              "EXEC": ["PRO_1", "PRO_2", "DIR_1", "EXEC_1", "EXEC_2", "EXEC_3"]}
DECORATIONS = ["เบญจมาภรณ์มงกุฎไทย (บ.ม.)", "เบญจมาภรณ์ช้างเผือก (บ.ช.)", "จัตุรถาภรณ์มงกุฎไทย (จ.ม.)",
               "จัตุรถาภรณ์ช้างเผือก (จ.ช.)", "ตริตาภรณ์มงกุฎไทย (ต.ม.)", "ตริตาภรณ์ช้างเผือก (ต.ช.)",
               "ทวีติยาภรณ์มงกุฎไทย (ท.ม.)", "ทวีติยาภรณ์ช้างเผือก (ท.ช.)"]
DECORATION_CAP = {"PRO_1": 3, "PRO_2": 5, "PRO_3": 6, "PRO_4": 7, "GEN_1": 2, "GEN_2": 3, "GEN_3": 4,
                  "DIR_1": 6, "DIR_2": 6, "DIR_3": 7, "EXEC_1": 7, "EXEC_2": 8, "EXEC_3": 8, None: 2}
DEGREES = {
    "บัญชี": ("บัญชีบัณฑิต (บช.บ.)", "การบัญชี"), "เงิน": ("บัญชีบัณฑิต (บช.บ.)", "การบัญชี"),
    "ทรัพยากรบุคคล": ("รัฐประศาสนศาสตรบัณฑิต (รป.บ.)", "การบริหารทรัพยากรมนุษย์"),
    "นโยบาย": ("รัฐประศาสนศาสตรบัณฑิต (รป.บ.)", "รัฐประศาสนศาสตร์"),
    "พัฒนาชุมชน": ("ศิลปศาสตรบัณฑิต (ศศ.บ.)", "การพัฒนาชุมชน"), "ศึกษา": ("ครุศาสตรบัณฑิต (ค.บ.)", "การศึกษาปฐมวัย"),
    "สาธารณสุข": ("สาธารณสุขศาสตรบัณฑิต (ส.บ.)", "สาธารณสุขชุมชน"), "วิศวกร": ("วิศวกรรมศาสตรบัณฑิต (วศ.บ.)", "วิศวกรรมโยธา"),
    "นิติ": ("นิติศาสตรบัณฑิต (น.บ.)", "นิติศาสตร์"),
}
UNIVERSITIES = ["มหาวิทยาลัยนเรศวร", "มหาวิทยาลัยราชภัฏกำแพงเพชร", "มหาวิทยาลัยราชภัฏพิบูลสงคราม", "มหาวิทยาลัยเชียงใหม่",
                "มหาวิทยาลัยสุโขทัยธรรมาธิราช", "มหาวิทยาลัยรามคำแหง", "มหาวิทยาลัยราชภัฏเชียงใหม่", "มหาวิทยาลัยแม่ฟ้าหลวง"]
COLLEGES = ["วิทยาลัยเทคนิคตาก", "วิทยาลัยเทคนิคแม่สอด", "วิทยาลัยอาชีวศึกษาตาก", "วิทยาลัยการอาชีพแม่สอด"]
COURSES = [("การใช้งานระบบศูนย์บริการข้อมูลบุคลากรท้องถิ่นแห่งชาติ (LHR)", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดตาก"),
           ("การจัดทำแผนพัฒนาท้องถิ่น", "สถาบันพัฒนาบุคลากรท้องถิ่น"),
           ("ระบบบัญชีคอมพิวเตอร์ขององค์กรปกครองส่วนท้องถิ่น (e-LAAS)", "กรมส่งเสริมการปกครองท้องถิ่น"),
           ("การป้องกันและบรรเทาสาธารณภัย", "ศูนย์ป้องกันและบรรเทาสาธารณภัย เขต ๑๔ ตาก"),
           ("การบริหารงานบุคคลส่วนท้องถิ่น", "สถาบันพัฒนาบุคลากรท้องถิ่น"),
           ("การคุ้มครองข้อมูลส่วนบุคคลในหน่วยงานของรัฐ", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดตาก")]
ABILITIES = [("ภาษา", "ภาษาอังกฤษ (สื่อสารได้ดี)"), ("ภาษา", "ภาษาพม่า (พูดได้)"), ("ภาษา", "ภาษากะเหรี่ยง (พูดได้)"),
             ("คอมพิวเตอร์", "โปรแกรมตารางคำนวณและฐานข้อมูล"), ("ดนตรี", "ดนตรีไทย (ซอด้วง)"), ("กีฬา", "ตะกร้อ")]
SERVICES = [(2566, "การเลือกตั้ง", "กรรมการประจำหน่วยเลือกตั้ง การเลือกตั้งสมาชิกสภาผู้แทนราษฎร พ.ศ. ๒๕๖๖"),
            (2567, "สาธารณภัย", "ปฏิบัติหน้าที่ศูนย์ช่วยเหลือผู้ประสบอุทกภัย อำเภอแม่สอด"),
            (2568, "การเลือกตั้ง", "กรรมการประจำหน่วยเลือกตั้ง การเลือกตั้งสมาชิกสภาองค์การบริหารส่วนจังหวัดตาก")]


@dataclass
class PersonSpec:
    pid: str
    org: dict  # code, name_th, short_th, type, district_th
    category: str
    position: str
    level: str | None
    title_th: str
    first_th: str
    last_th: str
    gender: str
    birth: date
    title_en: str = ""
    first_en: str = ""
    last_en: str = ""
    middle_th: str = ""
    mgmt_title: str | None = None
    address: str | None = None
    extras: dict = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        mid = f" {self.middle_th}" if self.middle_th else ""
        return f"{self.title_th}{self.first_th}{mid} {self.last_th}"


def _order_ref(rng, org: dict, when: date) -> str:
    signed = when - timedelta(days=rng.randint(3, 25))
    return f"คำสั่ง{org['short_th']} ที่ {rng.randint(10, 650)}/{be_year(signed.year)} ลว. {format_date(signed)}"


def _title(spec: PersonSpec, level: str | None) -> str:
    if level is None:
        return spec.position
    kind, name, _ = POSITION_LEVELS[level]
    if kind in ("DIR", "EXEC"):
        head = spec.mgmt_title or ("ปลัด" + spec.org["type_th"] if kind == "EXEC" else "หัวหน้าสำนักปลัด")
        line = spec.position if kind == "DIR" else "นักบริหารงานท้องถิ่น"
        return f"{head} ({line} ระดับ{name})"
    line = "นักจัดการงานทั่วไป" if spec.level and POSITION_LEVELS[spec.level][0] in ("DIR", "EXEC") else spec.position
    return f"{line}{name}"


def start_date(rng, spec: PersonSpec) -> date:
    group = spec.category
    age = rng.randint(22, 30) if group.endswith("OFFICIAL") else rng.randint(20, 40)
    d = date(min(spec.birth.year + age, AS_OF.year - 1), rng.choice([4, 6, 10, 12]), 1)
    if group == "PERMANENT_EMPLOYEE":
        d = min(d, date(2005, 10, 1))
    elif group.endswith("CONTRACT"):
        d = max(d, date(2012, 10, 1))
    return max(d, date(spec.birth.year + 19, 10, 1))


def positions(rng, spec: PersonSpec, start: date, end: date) -> list[dict]:
    official = spec.category.endswith("OFFICIAL")
    path = [None]
    if spec.level:
        kind = POSITION_LEVELS[spec.level][0]
        full = LEVEL_PATH[kind]
        path = full[: full.index(spec.level) + 1]
    years = max(1, end.year - start.year)
    step_every = max(1, years // len(path))
    salary = (15000 if start.year >= 2015 else 11000 if start.year >= 2008 else 7600) if official else \
        (15000 if spec.category == "MISSION_CONTRACT" else 9400 if spec.category == "SKILLED_CONTRACT" else 9000)
    if spec.category == "PERMANENT_EMPLOYEE":
        salary = 6500
    org_text = spec.org["name_th"]
    pos_no = (f"{spec.org['code']}-{rng.randint(1, 5)}-{rng.randint(1, 9):02d}-{rng.randint(3000, 3999)}-"
              f"{rng.randint(1, 40):03d}") if spec.category in ("PAO_OFFICIAL", "MUNICIPAL_OFFICIAL", "SAO_OFFICIAL",
                                                               "PERMANENT_EMPLOYEE") else None
    first_move = "บรรจุและแต่งตั้ง" if official or spec.category == "PERMANENT_EMPLOYEE" else "จ้างเป็นพนักงานจ้าง"
    level_i, rows = 0, []

    def add(when, movement, level):
        rows.append(dict(effective_date=when, movement=movement, position_title=_title(spec, level), org_text=org_text,
                         position_no=pos_no, level_code=level,
                         position_type_code=POSITION_LEVELS[level][0] if level else None,
                         salary=salary, ref_doc=_order_ref(rng, spec.org, when)))

    add(start, first_move + (" (ทดลองปฏิบัติหน้าที่ราชการ)" if official else ""), path[0])
    year = start.year + (1 if start.month >= 10 else 0)
    while date(year, 10, 1) <= end:
        when = date(year, 10, 1)
        n = year - start.year
        if level_i + 1 < len(path) and n and n % step_every == 0:
            level_i += 1
            salary = int(salary * 1.08 / 10) * 10
            add(when, "เลื่อนระดับ" if POSITION_LEVELS[path[level_i]][0] == POSITION_LEVELS[path[level_i - 1]][0]
                else "แต่งตั้ง (สอบคัดเลือก)", path[level_i])
        elif spec.category == "GENERAL_CONTRACT":
            salary = int(salary * 1.02 / 10) * 10
            add(when, "ต่อสัญญาจ้าง (๑ ปี)", path[level_i])
        elif spec.category.endswith("CONTRACT"):
            salary = int(salary * rng.choice([1.03, 1.04]) / 10) * 10
            add(when, "ต่อสัญญาจ้าง (๔ ปี)" if n % 4 == 0 else "ปรับอัตราค่าตอบแทน", path[level_i])
        else:
            salary = int(salary * rng.choice([1.03, 1.035, 1.04, 1.045]) / 10) * 10
            add(when, "เลื่อนขั้นค่าจ้าง" if spec.category == "PERMANENT_EMPLOYEE" else "เลื่อนเงินเดือน", path[level_i])
        year += 1
    return rows


def build(rng: random.Random, spec: PersonSpec) -> dict[str, list[dict]]:
    start = start_date(rng, spec)
    retire = retirement_date(spec.birth)
    retired = retire < AS_OF
    out: dict[str, list[dict]] = {}
    out["PERSONAL"] = [dict(title_th=spec.title_th, first_name_th=spec.first_th, middle_name_th=spec.middle_th or None,
                            last_name_th=spec.last_th, title_en=spec.title_en or None, first_name_en=spec.first_en or None,
                            last_name_en=spec.last_en or None, gender=spec.gender, birth_date=spec.birth,
                            retirement_date=retire if spec.category in ("PAO_OFFICIAL", "MUNICIPAL_OFFICIAL",
                                                                        "SAO_OFFICIAL", "PERMANENT_EMPLOYEE") else None,
                            domicile_th=rng.choice(["ตาก", "ตาก", "ตาก", "กำแพงเพชร", "พิษณุโลก", "สุโขทัย", "เชียงใหม่"]),
                            appointed_date=start, service_start_date=start)]
    rows = positions(rng, spec, start, min(AS_OF, retire))
    if retired and spec.category in ("PAO_OFFICIAL", "MUNICIPAL_OFFICIAL", "SAO_OFFICIAL", "PERMANENT_EMPLOYEE"):
        last = dict(rows[-1], effective_date=retire, movement="พ้นจากราชการ (เกษียณอายุ)", ref_doc=_order_ref(rng, spec.org, retire))
        rows.append(last)
    out["POSITION_SALARY"] = rows
    out["FAMILY"] = family(rng, spec)
    address = spec.address or (f"{rng.randint(1, 250)} หมู่ {rng.randint(1, 12)} อ.{spec.org['district_th']} จ.ตาก")
    out["ADDRESS"] = [dict(kind="REGISTERED", address_th=address, postcode=None),
                      dict(kind="CURRENT", address_th=address, postcode=None)]
    out["EDUCATION"] = education(rng, spec, start)
    out["TRAINING"] = [dict(kind=rng.choice(["TRAINING", "TRAINING", "SEMINAR", "STUDY_VISIT"]), course=c, organizer=o,
                            start_date=(d := date(rng.randint(max(start.year, 2016), 2026), rng.randint(1, 9), rng.randint(1, 20))),
                            end_date=d + timedelta(days=rng.randint(0, 4)), batch=str(rng.randint(1, 30)),
                            ref_doc=None) for c, o in rng.sample(COURSES, rng.randint(1, 3))]
    out["DECORATION"] = decorations(rng, spec, rows, start, min(AS_OF, retire))
    out["LEAVE"] = [dict(fiscal_year_be=fy, sick=rng.randint(0, 9), personal=rng.randint(0, 5), vacation=rng.randint(0, 10),
                         late=rng.choice([0, 0, 1, 2, 3]), absent=0,
                         maternity=90 if spec.gender == "female" and rng.random() < 0.04 else 0)
                    for fy in range(max(be_year(start.year) + 1, 2566), min(2570, be_year(retire.year) + 1))]
    out["ABILITY"] = [dict(field=f, detail=d) for f, d in rng.sample(ABILITIES, rng.choice([0, 0, 1, 1, 2]))]
    out["SPECIAL_SERVICE"] = [dict(year_be=y, kind=k, topic=t, ref_doc=None) for y, k, t in SERVICES
                              if rng.random() < 0.25 and be_year(start.year) <= y]
    out["DISCIPLINE"] = [dict(year_be=2565, penalty="ภาคทัณฑ์", offence="ละทิ้งหน้าที่ราชการโดยไม่มีเหตุผลอันสมควร",
                              ref_doc=_order_ref(rng, spec.org, date(2022, 6, 1)))] if rng.random() < 0.02 else []
    out["UNPAID"] = [dict(start_date=date(2021, 1, 4), end_date=date(2021, 12, 31),
                          description="ลาติดตามคู่สมรส (ไม่ได้รับเงินเดือน)", ref_doc=_order_ref(rng, spec.org, date(2021, 1, 4)))
                     ] if rng.random() < 0.02 and start.year < 2020 else []
    out["NAME_CHANGE"] = spec.extras.get("name_changes", [])
    return out


def family(rng, spec: PersonSpec) -> list[dict]:
    from .names import NAMES  # lazy: loads the YAML once
    male, female = NAMES["male"], NAMES["female"]
    rows = [dict(relation="FATHER", name_th=f"นาย{rng.choice(male)[0]} {spec.extras.get('maiden', spec.last_th)}"),
            dict(relation="MOTHER", name_th=f"นาง{rng.choice(female)[0]} {spec.extras.get('maiden', spec.last_th)}")]
    single = spec.title_th == "นางสาว"  # no spouse on the record of a Miss
    if spec.extras.get("spouse") or (not single and AS_OF.year - spec.birth.year > 27 and rng.random() < 0.6):
        spouse = spec.extras.get("spouse") or (
            f"นาย{rng.choice(male)[0]} {spec.last_th}" if spec.gender == "female"
            else f"นาง{rng.choice(female)[0]} {spec.last_th}")
        rows.append(dict(relation="SPOUSE", name_th=spouse))
        for _ in range(rng.choice([0, 1, 1, 2])):
            born = date(rng.randint(spec.birth.year + 24, min(spec.birth.year + 40, 2024)), rng.randint(1, 12), rng.randint(1, 28))
            kid = rng.choice(["เด็กชาย", "เด็กหญิง"]) if AS_OF.year - born.year < 15 else rng.choice(["นาย", "นางสาว"])
            rows.append(dict(relation="CHILD", name_th=f"{kid}{rng.choice(male + female)[0]} {spec.last_th}", birth_date=born))
    return [dict(birth_date=None, note=None) | r for r in rows]


def education(rng, spec: PersonSpec, start: date) -> list[dict]:
    end = be_year(start.year) - rng.choice([0, 1, 1, 2])
    if spec.level and spec.level.startswith("GEN") or spec.category in ("SKILLED_CONTRACT", "PERMANENT_EMPLOYEE"):
        return [dict(institution=rng.choice(COLLEGES), start_year_be=end - 2, end_year_be=end, level="ปวส.",
                     degree="ประกาศนียบัตรวิชาชีพชั้นสูง (ปวส.)", major=rng.choice(["การบัญชี", "ช่างโยธา", "ช่างยนต์", "คอมพิวเตอร์ธุรกิจ"]),
                     honors=None)]
    if spec.category == "GENERAL_CONTRACT":
        return [dict(institution="โรงเรียนตากพิทยาคม", start_year_be=end - 3, end_year_be=end, level="มัธยมศึกษาตอนปลาย",
                     degree="มัธยมศึกษาตอนปลาย (ม.๖)", major=None, honors=None)]
    degree, major = next((v for k, v in DEGREES.items() if k in spec.position), ("บริหารธุรกิจบัณฑิต (บธ.บ.)", "การจัดการทั่วไป"))
    rows = [dict(institution=rng.choice(UNIVERSITIES), start_year_be=end - 4, end_year_be=end, level="ปริญญาตรี",
                 degree=degree, major=major, honors="เกียรตินิยมอันดับ ๒" if rng.random() < 0.1 else None)]
    if spec.level and spec.level[:3] in ("DIR", "EXE", "PRO") and spec.level not in ("PRO_1",) and rng.random() < 0.5:
        y = min(end + rng.randint(4, 12), 2568)
        rows.append(dict(institution=rng.choice(UNIVERSITIES[:5]), start_year_be=y - 2, end_year_be=y, level="ปริญญาโท",
                         degree="รัฐประศาสนศาสตรมหาบัณฑิต (รป.ม.)", major="การบริหารงานท้องถิ่น", honors=None))
    return rows


def decorations(rng, spec: PersonSpec, rows: list[dict], start: date, end: date) -> list[dict]:
    if not (spec.category.endswith("OFFICIAL") or spec.category == "PERMANENT_EMPLOYEE"):
        return []
    out, rank, year = [], 0, start.year + 5
    cap = DECORATION_CAP.get(spec.level, 2)
    while year <= end.year and rank < cap:
        award = date(year, 7, 28)
        held = [r for r in rows if r["effective_date"] <= award] or rows[:1]
        out.append(dict(decoration=DECORATIONS[rank], award_date=award, position_at_award=held[-1]["position_title"],
                        gazette=f"เล่ม {be_year(year) - 2426} ตอนที่ {rng.randint(1, 30)} ข หน้า {rng.randint(1, 400)}",
                        received_date=date(year + 1, rng.randint(2, 9), rng.randint(1, 28)) if year + 1 < end.year else None,
                        returned_date=None))
        rank, year = rank + 1, year + rng.choice([2, 3, 3])
    return out


__all__ = ["AS_OF", "PersonSpec", "build", "POSITION_TYPES"]

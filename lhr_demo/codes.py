"""Code lists with Thai and English labels (pure data; seeded into the code tables).

Sources: lhr-kp7.md §2.2 (personnel categories), §2.3 (organization types), §2.4
(position types and levels, the local "ระบบแท่ง").
"""
from __future__ import annotations

# code: (name_th, name_en, abbr_th)
ORG_TYPES = {
    "PAO": ("องค์การบริหารส่วนจังหวัด", "Provincial Administrative Organization", "อบจ."),
    "CITY_MUNI": ("เทศบาลนคร", "City municipality", "ทน."),
    "TOWN_MUNI": ("เทศบาลเมือง", "Town municipality", "ทม."),
    "SUBDISTRICT_MUNI": ("เทศบาลตำบล", "Sub-district municipality", "ทต."),
    "SAO": ("องค์การบริหารส่วนตำบล", "Sub-district Administrative Organization", "อบต."),
}

# code: (name_th, name_en, group, requires_position_no)
CATEGORIES = {
    "PAO_OFFICIAL": ("ข้าราชการองค์การบริหารส่วนจังหวัด", "PAO official", "OFFICIAL", True),
    "MUNICIPAL_OFFICIAL": ("พนักงานเทศบาล", "Municipal official", "OFFICIAL", True),
    "SAO_OFFICIAL": ("พนักงานส่วนตำบล", "SAO official", "OFFICIAL", True),
    "PERMANENT_EMPLOYEE": ("ลูกจ้างประจำ", "Permanent employee", "PERMANENT", True),
    "MISSION_CONTRACT": ("พนักงานจ้างตามภารกิจ", "Mission-based contract employee", "CONTRACT", False),
    "SKILLED_CONTRACT": ("พนักงานจ้างผู้มีทักษะ", "Skilled contract employee", "CONTRACT", False),
    "GENERAL_CONTRACT": ("พนักงานจ้างทั่วไป", "General contract employee", "CONTRACT", False),
}
OFFICIAL_CATEGORY_FOR = {"PAO": "PAO_OFFICIAL", "CITY_MUNI": "MUNICIPAL_OFFICIAL", "TOWN_MUNI": "MUNICIPAL_OFFICIAL",
                         "SUBDISTRICT_MUNI": "MUNICIPAL_OFFICIAL", "SAO": "SAO_OFFICIAL"}

POSITION_TYPES = {
    "EXEC": ("บริหารท้องถิ่น", "Local executive"),
    "DIR": ("อำนวยการท้องถิ่น", "Local director"),
    "PRO": ("วิชาการ", "Professional"),
    "GEN": ("ทั่วไป", "General"),
}
# code: (type, name_th, name_en)
POSITION_LEVELS = {
    "EXEC_1": ("EXEC", "ต้น", "Junior"), "EXEC_2": ("EXEC", "กลาง", "Middle"), "EXEC_3": ("EXEC", "สูง", "Senior"),
    "DIR_1": ("DIR", "ต้น", "Junior"), "DIR_2": ("DIR", "กลาง", "Middle"), "DIR_3": ("DIR", "สูง", "Senior"),
    "PRO_1": ("PRO", "ปฏิบัติการ", "Practitioner"), "PRO_2": ("PRO", "ชำนาญการ", "Professional"),
    "PRO_3": ("PRO", "ชำนาญการพิเศษ", "Senior professional"), "PRO_4": ("PRO", "เชี่ยวชาญ", "Expert"),
    "GEN_1": ("GEN", "ปฏิบัติงาน", "Operational"), "GEN_2": ("GEN", "ชำนาญงาน", "Experienced"),
    "GEN_3": ("GEN", "อาวุโส", "Senior"),
}

RELATIONS = {"FATHER": ("บิดา", "Father"), "MOTHER": ("มารดา", "Mother"),
             "SPOUSE": ("คู่สมรส", "Spouse"), "CHILD": ("บุตร", "Child")}
ADDRESS_KINDS = {"CURRENT": ("ที่อยู่ปัจจุบัน", "Current address"),
                 "REGISTERED": ("ที่อยู่ตามทะเบียนบ้าน", "Registered address")}
TRAINING_KINDS = {"TRAINING": ("ฝึกอบรม", "Training"), "STUDY_VISIT": ("ดูงาน", "Study visit"),
                  "SEMINAR": ("สัมมนา", "Seminar")}
GENDERS = {"male": ("ชาย", "Male"), "female": ("หญิง", "Female")}


def level_label(code: str | None, lang: str = "th") -> str:
    if not code or code not in POSITION_LEVELS:
        return "-"
    kind, th, en = POSITION_LEVELS[code]
    return th if lang == "th" else en

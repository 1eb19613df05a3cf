"""District registration offices (สำนักทะเบียนอำเภอ) of Tak, where people register with an officer.

Real place names (as the citizens' addresses are); the offices' codes are the mock's own.
"""
from __future__ import annotations

OFFICES: dict[str, tuple[str, str]] = {
    "tak-mueang": ("สำนักทะเบียนอำเภอเมืองตาก", "Mueang Tak District Registration Office"),
    "tak-maesot": ("สำนักทะเบียนอำเภอแม่สอด", "Mae Sot District Registration Office"),
    "tak-bantak": ("สำนักทะเบียนอำเภอบ้านตาก", "Ban Tak District Registration Office"),
    "tak-samngao": ("สำนักทะเบียนอำเภอสามเงา", "Sam Ngao District Registration Office"),
    "tak-maeramat": ("สำนักทะเบียนอำเภอแม่ระมาด", "Mae Ramat District Registration Office"),
    "tak-thasongyang": ("สำนักทะเบียนอำเภอท่าสองยาง", "Tha Song Yang District Registration Office"),
    "tak-phopphra": ("สำนักทะเบียนอำเภอพบพระ", "Phop Phra District Registration Office"),
    "tak-umphang": ("สำนักทะเบียนอำเภออุ้มผาง", "Umphang District Registration Office"),
    "tak-wangchao": ("สำนักทะเบียนอำเภอวังเจ้า", "Wang Chao District Registration Office"),
}


def office_name(code: str | None, lang: str) -> str:
    names = OFFICES.get(code or "")
    if names is None:
        return code or ""
    return names[0] if lang == "th" else names[1]

"""data/citizens.yaml: the synthetic people the mock serves are well-formed and varied."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_thaid.claims import SCOPES, claims_for
from mock_thaid.pid import is_valid

DATA = Path(__file__).resolve().parents[2] / "data" / "citizens.yaml"
TODAY = dt.date(2026, 11, 25)

# title → (title_en, allowed genders)
TITLES = {
    "นาย": ("Mr.", {"male"}),
    "นาง": ("Mrs.", {"female"}),
    "นางสาว": ("Miss", {"female"}),
    "ว่าที่ร้อยตรี": ("Acting Sub Lt.", {"male"}),
    "ว่าที่ร้อยตรีหญิง": ("Acting Sub Lt.", {"female"}),
    "จ.ส.อ.": ("Master Sgt.", {"male"}),
    "ร.ต.อ.": ("Pol. Capt.", {"male"}),
    "ร.ต.อ.หญิง": ("Pol. Capt.", {"female"}),
}
TAK_POSTCODES = {
    "อ.เมืองตาก": "63000", "อ.แม่สอด": "63110", "อ.บ้านตาก": "63120", "อ.สามเงา": "63130",
    "อ.แม่ระมาด": "63140", "อ.ท่าสองยาง": "63150", "อ.พบพระ": "63160", "อ.อุ้มผาง": "63170",
    "อ.วังเจ้า": "63000",
}
REQUIRED = {
    "pid", "title", "title_en", "given_name", "middle_name", "family_name", "given_name_en",
    "middle_name_en", "family_name_en", "birthdate", "gender", "address", "province_en",
    "smartcard_code", "date_of_issuance", "date_of_expiry", "registered", "channel",
}
OPTIONAL = {"face", "fingerprint"}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def citizens() -> list[dict[str, Any]]:
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and isinstance(doc.get("citizens"), list)
    return doc["citizens"]


def date(value: Any) -> dt.date:
    assert isinstance(value, str) and ISO.fullmatch(value), value
    return dt.date.fromisoformat(value)


def test_header_says_invented() -> None:
    head = DATA.read_text(encoding="utf-8").split("citizens:")[0]
    assert "INVENTED" in head.upper() and head.lstrip().startswith("#")


def test_count_and_fields(citizens: list[dict[str, Any]]) -> None:
    assert len(citizens) >= 30
    for c in citizens:
        assert REQUIRED <= set(c) <= REQUIRED | OPTIONAL, c.get("pid")


def test_pids_valid_and_unique(citizens: list[dict[str, Any]]) -> None:
    pids = [c["pid"] for c in citizens]
    assert all(isinstance(p, str) and is_valid(p) and len(p) == 13 for p in pids)
    assert len(set(pids)) == len(pids)


def test_titles_and_gender_consistent(citizens: list[dict[str, Any]]) -> None:
    for c in citizens:
        assert c["title"] in TITLES, c["title"]
        title_en, genders = TITLES[c["title"]]
        assert c["title_en"] == title_en
        assert c["gender"] in genders
    ranks = {c["title"] for c in citizens} - {"นาย", "นาง", "นางสาว"}
    assert len(ranks) >= 3


def test_names(citizens: list[dict[str, Any]]) -> None:
    for c in citizens:
        for key in ("given_name", "family_name", "given_name_en", "family_name_en"):
            assert isinstance(c[key], str) and c[key].strip() == c[key] and c[key]
        assert isinstance(c["middle_name"], str) and isinstance(c["middle_name_en"], str)
        assert bool(c["middle_name"]) == bool(c["middle_name_en"])
        assert re.search("[\u0e00-\u0e7f]", c["given_name"] + c["family_name"])
        assert c["given_name_en"].isascii() and c["family_name_en"].isascii()
    assert sum(1 for c in citizens if c["middle_name"]) >= 3


def test_dates_iso_and_plausible(citizens: list[dict[str, Any]]) -> None:
    for c in citizens:
        born, issued, expiry = (date(c[k]) for k in
                                ("birthdate", "date_of_issuance", "date_of_expiry"))
        assert 1960 <= born.year <= 2003
        assert born < issued < expiry
        assert 6 * 365 <= (expiry - issued).days <= 9 * 366
        assert issued <= TODAY


def test_some_cards_expired(citizens: list[dict[str, Any]]) -> None:
    expired = [c for c in citizens if date(c["date_of_expiry"]) < TODAY]
    assert len(expired) >= 3
    assert len(expired) < len(citizens) // 2


def test_smartcard_codes(citizens: list[dict[str, Any]]) -> None:
    codes = [c["smartcard_code"] for c in citizens]
    assert all(isinstance(s, str) and re.fullmatch(r"\d{4}-\d{2}-\d{8}", s) for s in codes)
    assert len(set(codes)) == len(codes)


def test_registration(citizens: list[dict[str, Any]]) -> None:
    registered = [c for c in citizens if c["registered"] is True]
    unregistered = [c for c in citizens if c["registered"] is False]
    assert len(registered) + len(unregistered) == len(citizens)
    assert len(registered) >= 20 and len(unregistered) >= 3
    assert all(c["channel"] in ("self", "officer") for c in registered)
    assert {c["channel"] for c in registered} == {"self", "officer"}
    assert all(c["channel"] is None for c in unregistered)


def test_biometric_outcomes(citizens: list[dict[str, Any]]) -> None:
    faces = [c.get("face", "pass") for c in citizens]
    prints = [c.get("fingerprint", "pass") for c in citizens]
    assert set(faces) <= {"pass", "mismatch", "liveness_fail"}
    assert set(prints) <= {"pass", "mismatch"}
    assert "mismatch" in faces and "liveness_fail" in faces and "mismatch" in prints
    for c in citizens:
        if c.get("face", "pass") != "pass":
            assert c["registered"] is False  # otherwise the failure could never be shown


def test_first_citizen_is_easy_demo(citizens: list[dict[str, Any]]) -> None:
    first = citizens[0]
    assert first["registered"] is True and first["channel"] == "self"
    assert date(first["date_of_expiry"]) > TODAY
    assert first.get("face", "pass") == "pass"
    assert first.get("fingerprint", "pass") == "pass"


def test_sandbox_demo_pid(citizens: list[dict[str, Any]]) -> None:
    (demo,) = [c for c in citizens if c["pid"] == "1234567890121"]
    assert demo["registered"] is True
    assert (demo["title"], demo["given_name"], demo["family_name"]) == ("นาย", "ทดสอบ", "ระบบ")
    assert (demo["title_en"], demo["given_name_en"], demo["family_name_en"]) == (
        "Mr.", "Test", "System")


def test_addresses(citizens: list[dict[str, Any]]) -> None:
    provinces = {c["province_en"] for c in citizens}
    assert "Tak" in provinces and len(provinces) >= 3
    assert sum(c["province_en"] == "Tak" for c in citizens) > len(citizens) // 2
    for c in citizens:
        addr = c["address"]
        assert re.search(r" \d{5}$", addr), addr
        if c["province_en"] == "Tak":
            assert "จ.ตาก" in addr
            district = re.search(r"อ\.\S+", addr)
            assert district and TAK_POSTCODES[district.group()] == addr[-5:], addr


def test_every_citizen_yields_claims(citizens: list[dict[str, Any]]) -> None:
    for c in citizens:
        claims = claims_for(c, SCOPES)
        assert claims["pid"] == c["pid"]
        assert claims["name"].startswith(c["title"] + " ")
        assert "  " not in claims["name"] and "  " not in claims["name_en"]
        assert claims["address"] == {"formatted": c["address"]}

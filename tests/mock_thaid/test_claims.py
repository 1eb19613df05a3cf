"""ThaiD scope → claims table: formats, both namings, scope parsing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_thaid.claims import CAMEL_NAMES, SCOPES, claims_for, parse_scope

TEST_SYSTEM: dict[str, Any] = {
    "pid": "1234567890121",
    "title": "นาย",
    "title_en": "Mr.",
    "given_name": "ทดสอบ",
    "middle_name": "",
    "family_name": "ระบบ",
    "given_name_en": "Test",
    "middle_name_en": None,
    "family_name_en": "System",
    "birthdate": "1990-01-01",
    "gender": "male",
    "address": "99/9 หมู่ 2 ต.ท่าสายลวด อ.แม่สอด จ.ตาก 63110",
    "smartcard_code": "1234-56-12345678",
    "date_of_issuance": dt.date(2022, 7, 7),
    "date_of_expiry": dt.datetime(2030, 1, 1, 0, 0),
}

WITH_MIDDLE = {
    **TEST_SYSTEM,
    "title": "นางสาว", "title_en": "Miss",
    "given_name": "อลิสา", "middle_name": "มารี", "family_name": "ดูปองต์ชัย",
    "given_name_en": "Alisa", "middle_name_en": "Marie", "family_name_en": "Dupontchai",
    "gender": "female",
}

ALL = " ".join(SCOPES)


def test_scope_list() -> None:
    assert len(SCOPES) == len(set(SCOPES)) == 20
    assert {"pid", "name", "name_en", "ial", "house_address", "openid"} <= set(SCOPES)
    assert not {"profile", "email", "offline_access"} & set(SCOPES)


def test_all_scopes_thaid_naming() -> None:
    c = claims_for(TEST_SYSTEM, parse_scope(ALL))
    assert c == {
        "pid": "1234567890121",
        "name": "นาย ทดสอบ ระบบ",
        "name_en": "Mr. Test System",
        "title": "นาย",
        "title_en": "Mr.",
        "given_name": "ทดสอบ",
        "middle_name": "",
        "family_name": "ระบบ",
        "given_name_en": "Test",
        "middle_name_en": "",
        "family_name_en": "System",
        "birthdate": "1990-01-01",
        "gender": "male",
        "address": {"formatted": "99/9 หมู่ 2 ต.ท่าสายลวด อ.แม่สอด จ.ตาก 63110"},
        "smartcard_code": "1234-56-12345678",
        "ial": "2.3",
        "date_of_issuance": "2022-07-07",
        "date_of_expiry": "2030-01-01",
        "house_address": {"formatted": "99/9 หมู่ 2 ต.ท่าสายลวด อ.แม่สอด จ.ตาก 63110"},
    }
    assert "openid" not in c


def test_camel_naming_renames_exactly_five() -> None:
    thaid = claims_for(TEST_SYSTEM, SCOPES)
    camel = claims_for(TEST_SYSTEM, SCOPES, naming="camel")
    assert CAMEL_NAMES == {
        "title": "titleTh",
        "title_en": "titleEn",
        "smartcard_code": "smartCardCode",
        "date_of_issuance": "cardCreated",
        "date_of_expiry": "cardExpired",
    }
    assert camel["titleTh"] == "นาย" and camel["titleEn"] == "Mr."
    assert camel["smartCardCode"] == "1234-56-12345678"
    assert camel["cardCreated"] == "2022-07-07" and camel["cardExpired"] == "2030-01-01"
    renamed = {CAMEL_NAMES.get(k, k): v for k, v in thaid.items()}
    assert camel == renamed
    assert not set(CAMEL_NAMES) & set(camel)


def test_unknown_naming_is_an_error() -> None:
    with pytest.raises(ValueError):
        claims_for(TEST_SYSTEM, ["pid"], naming="snake")


def test_name_with_middle_name() -> None:
    c = claims_for(WITH_MIDDLE, ["name", "name_en", "middle_name", "middle_name_en"])
    assert c == {
        "name": "นางสาว อลิสา มารี ดูปองต์ชัย",
        "name_en": "Miss Alisa Marie Dupontchai",
        "middle_name": "มารี",
        "middle_name_en": "Marie",
    }


def test_name_without_middle_name_has_single_spaces() -> None:
    for middle in ("", None, "  "):
        c = claims_for({**TEST_SYSTEM, "middle_name": middle, "middle_name_en": middle},
                       ["name", "name_en", "middle_name", "middle_name_en"])
        assert c["name"] == "นาย ทดสอบ ระบบ"
        assert c["name_en"] == "Mr. Test System"
        assert c["middle_name"] == "" and c["middle_name_en"] == ""


def test_address_object() -> None:
    c = claims_for(TEST_SYSTEM, ["address"])
    assert c == {"address": {"formatted": TEST_SYSTEM["address"]}}
    nested = claims_for({**TEST_SYSTEM, "address": {"formatted": "1 ต.ระแหง"}},
                        ["address", "house_address"])
    assert nested == {"address": {"formatted": "1 ต.ระแหง"},
                      "house_address": {"formatted": "1 ต.ระแหง"}}


def test_unknown_scopes_and_openid_ignored() -> None:
    assert claims_for(TEST_SYSTEM, ["openid", "profile", "email", "offline_access"]) == {}
    assert claims_for(TEST_SYSTEM, ["pid", "bogus"]) == {"pid": "1234567890121"}


def test_only_requested_claims_in_request_order() -> None:
    c = claims_for(TEST_SYSTEM, ["gender", "pid", "gender"])
    assert list(c) == ["gender", "pid"]


def test_scope_string_is_accepted() -> None:
    assert claims_for(TEST_SYSTEM, "openid pid+name") == {
        "pid": "1234567890121", "name": "นาย ทดสอบ ระบบ",
    }


def test_ial_setting() -> None:
    assert claims_for(TEST_SYSTEM, ["ial"]) == {"ial": "2.3"}
    assert claims_for(TEST_SYSTEM, ["ial"], ial="2.2") == {"ial": "2.2"}


def test_dates_always_iso_strings() -> None:
    c = claims_for({**TEST_SYSTEM, "birthdate": dt.date(1961, 2, 2)}, ["birthdate"])
    assert c == {"birthdate": "1961-02-02"}
    with pytest.raises(ValueError):
        claims_for({**TEST_SYSTEM, "birthdate": "2/2/1961"}, ["birthdate"])


def test_parse_scope() -> None:
    assert parse_scope("openid pid name") == ["openid", "pid", "name"]
    assert parse_scope("openid+pid+name") == ["openid", "pid", "name"]
    assert parse_scope("  pid  name+ +pid\tname_en ") == ["pid", "name", "name_en"]
    assert parse_scope("") == []
    assert parse_scope("+ +") == []


@given(st.lists(st.sampled_from([*SCOPES, "profile", "x"]), max_size=25),
       st.sampled_from([" ", "+", "  ", " + "]))
def test_parse_scope_roundtrip(scopes: list[str], sep: str) -> None:
    parsed = parse_scope(sep.join(scopes))
    assert parsed == list(dict.fromkeys(scopes))


@given(st.lists(st.sampled_from([*SCOPES, "profile", "x"]), max_size=25),
       st.sampled_from(["thaid", "camel"]))
def test_claims_keys_follow_scopes(scopes: list[str], naming: str) -> None:
    c = claims_for(TEST_SYSTEM, scopes, naming=naming)
    expected = [s for s in dict.fromkeys(scopes) if s in SCOPES and s != "openid"]
    if naming == "camel":
        expected = [CAMEL_NAMES.get(s, s) for s in expected]
    assert list(c) == expected
    assert all(isinstance(v, (str, dict)) for v in c.values())

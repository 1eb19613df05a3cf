"""thaidate (BE dates, Thai numerals) and pid (checksum) — pure rules, with Hypothesis."""
from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, strategies as st

from lhr_demo import pid
from lhr_demo.thaidate import (DateParseError, be_year, ce_year, fiscal_year_be, format_date, format_number,
                               parse_date, retirement_date, to_arabic_digits, to_thai_digits)

D = date(2025, 10, 16)


def test_be_is_ce_plus_543():
    assert be_year(2025) == 2568 and ce_year(2568) == 2025 and ce_year(2025) == 2025


@pytest.mark.parametrize("style, digits, expected", [
    ("short", False, "16 ต.ค. 2568"), ("short", True, "๑๖ ต.ค. ๒๕๖๘"),
    ("long", False, "16 ตุลาคม 2568"), ("numeric", False, "16/10/2568"), ("numeric", True, "๑๖/๑๐/๒๕๖๘"),
])
def test_thai_formats(style, digits, expected):
    assert format_date(D, style, thai_digits=digits) == expected


def test_english_shows_the_gregorian_date():
    assert format_date(D, lang="en") == "16 Oct 2025"
    assert format_date(D, "long", lang="en") == "16 October 2025"


def test_none_is_a_dash():
    assert format_date(None) == "-"


def test_go_live_in_the_letters_words():
    assert format_date(date(2025, 11, 1), "long", thai_digits=True) == "๑ พฤศจิกายน ๒๕๖๘"


def test_thai_numerals_both_ways():
    assert to_thai_digits("0123456789") == "๐๑๒๓๔๕๖๗๘๙"
    assert to_arabic_digits("๐๑๒๓๔๕๖๗๘๙") == "0123456789"
    assert format_number(1234567, thai_digits=True) == "๑,๒๓๔,๕๖๗"
    assert format_number(28030) == "28,030"


@pytest.mark.parametrize("text", ["16 ต.ค. 2568", "๑๖ ต.ค. ๒๕๖๘", "16 ตุลาคม พ.ศ. 2568", "16/10/2568", "2025-10-16",
                                  "16 Oct 2025", "16/10/2025", "๑๖/๑๐/๒๕๖๘"])
def test_parse_accepts_what_people_type(text):
    assert parse_date(text) == D


@pytest.mark.parametrize("text", ["", "31/02/2568", "16 ตุลา 2568", "yesterday", "2568-13-01"])
def test_parse_refuses_nonsense(text):
    with pytest.raises(DateParseError):
        parse_date(text)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2399, 12, 31)),
       st.sampled_from(["short", "long", "numeric"]), st.booleans(), st.sampled_from(["th", "en"]))
def test_round_trip(d, style, thai, lang):
    assert parse_date(format_date(d, style, lang=lang, thai_digits=thai)) == d


@given(st.text(alphabet="0123456789๐๑๒๓๔๕๖๗๘๙ ,./-", max_size=30))
def test_digit_conversion_round_trip(text):
    assert to_arabic_digits(to_thai_digits(text)) == to_arabic_digits(text)


@pytest.mark.parametrize("born, retires", [
    (date(1965, 10, 1), date(2025, 9, 30)),   # completes 60 on 30 Sep: retires that day
    (date(1965, 10, 2), date(2026, 9, 30)),
    (date(1966, 4, 12), date(2026, 9, 30)),
    (date(1964, 2, 29), date(2024, 9, 30)),
])
def test_retirement_date(born, retires):
    assert retirement_date(born) == retires


def test_fiscal_year():
    assert fiscal_year_be(date(2025, 10, 1)) == 2569 and fiscal_year_be(date(2025, 9, 30)) == 2568


def test_pid_checksum():
    assert pid.is_valid("1234567890121") and pid.is_valid("1103700123458")
    assert not pid.is_valid("1103700123456") and not pid.is_valid("0234567890121") and not pid.is_valid("123")
    assert pid.format_pid("1103700123458") == "1-1037-00123-45-8"
    assert pid.mask_pid("1103700123458") == "1-1037-xxxxx-xx-8"


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_pids_are_valid(seed):
    assert pid.is_valid(pid.generate(random.Random(seed)))

"""The PIN policy where a PIN is set: a table of every rule, Hypothesis properties, and the
policy enforced at every place a PIN is set (app pages, registration API, control API).
(tests/mock_thaid/test_pin.py tests pin.py itself; this file adds what it lacks.)"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import make_app
from hypothesis import given
from hypothesis import strategies as st

from mock_thaid.pin import DEFAULT_POLICY, check_confirmation

sys.path.insert(0, str(Path(__file__).parent))
from test_enrol_pages import Phone, walk_self  # noqa: E402

RULES = {"not_digits", "wrong_length", "sequential_ascending", "sequential_descending", "repeated_run",
         "digit_too_frequent"}

# pin, the rules it breaks (in the policy's order), a word of the English message
TABLE = [
    ("13572468", [], None),
    ("๑๓๕๗๒๔๖๘", [], None),
    ("1357246", ["wrong_length"], "exactly 8 digits"),
    ("135724680", ["wrong_length"], "exactly 8 digits"),
    ("", ["wrong_length"], "(you entered 0)"),
    ("1357246x", ["not_digits"], "digits only"),
    ("12a", ["not_digits", "wrong_length"], "digits only"),
    ("90123579", ["sequential_ascending"], '"0123"'),
    ("15678135", ["sequential_ascending"], '"5678"'),
    ("13576543", ["sequential_descending"], '"76543"'),
    ("98761357", ["sequential_descending"], '"9876"'),
    ("13222258", ["repeated_run"], '"2222"'),
    ("50000813", ["repeated_run"], '"0000"'),
    ("13151171", ["digit_too_frequent"], "1 appears 5 times"),
    ("24242424", [], None),  # 2 and 4 four times each: allowed
    ("11112222", ["repeated_run"], "the whole PIN"),  # the runs would spell the PIN: named, not shown
    ("12341234", ["sequential_ascending"], "the whole PIN"),
    ("01234567", ["sequential_ascending"], "the whole PIN"),
    ("77777777", ["repeated_run", "digit_too_frequent"], "the whole PIN"),
    ("12345670", ["sequential_ascending"], '"1234567"'),
    ("12349876", ["sequential_ascending", "sequential_descending"], '"9876"'),
]


@pytest.mark.parametrize(("pin", "broken", "word"), TABLE)
def test_pin_rule_table(pin, broken, word):
    violations = DEFAULT_POLICY.check(pin)
    assert [v.code for v in violations] == broken
    if word:
        assert any(word in v.message_en for v in violations), [v.message_en for v in violations]
        assert all(v.message_th and v.message_th != v.message_en for v in violations)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_no_message_ever_contains_the_pin(pin):
    for v in DEFAULT_POLICY.check(pin):
        assert pin not in v.message_en and pin not in v.message_th and pin not in "".join(v.found)


def test_surrounding_whitespace_is_trimmed_the_same_on_pages_and_in_the_api():
    """Our decision (documented in the README): a phone keyboard's stray space is not an error."""
    assert DEFAULT_POLICY.check(" 13572468 ") == [] and DEFAULT_POLICY.check("\t24681357\n") == []
    assert [v.code for v in DEFAULT_POLICY.check("1357 2468")] == ["not_digits", "wrong_length"]


def test_the_table_covers_every_rule():
    assert {code for _, broken, _ in TABLE for code in broken} == RULES


@pytest.mark.parametrize(("first", "second", "matches"), [
    ("13572468", "13572468", True), ("13572468", "๑๓๕๗๒๔๖๘", True), ("13572468", " 13572468 ", True),
    ("13572468", "13572469", False), ("13572468", "", False), ("13572468", "1357246", False),
])
def test_confirmation_table(first, second, matches):
    v = check_confirmation(first, second)
    assert (v is None) == matches
    if not matches:
        assert v.code == "confirmation_mismatch" and "do not match" in v.message_en


def _forbidden_run(pin: str) -> bool:
    digits = [int(c) for c in pin]
    for i in range(len(digits) - 3):
        w = digits[i:i + 4]
        steps = {w[j + 1] - w[j] for j in range(3)}
        if steps in ({1}, {-1}, {0}):
            return True
    return any(pin.count(d) > 4 for d in "0123456789")


@given(st.text(alphabet="0123456789๐๑๒๓๔๕๖๗๘๙ ab", max_size=12))
def test_every_accepted_pin_has_8_digits_and_no_forbidden_run(text):
    if DEFAULT_POLICY.is_ok(text):
        pin = text.strip().translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
        assert re.fullmatch(r"[0-9]{8}", pin)
        assert not _forbidden_run(pin)


@given(st.one_of(st.text(max_size=12), st.text(alphabet="0123456789", min_size=8, max_size=8)))
def test_every_rejected_pin_names_at_least_one_rule(text):
    violations = DEFAULT_POLICY.check(text)
    assert (violations == []) == DEFAULT_POLICY.is_ok(text)
    for v in violations:
        assert v.code in RULES and v.message_th.strip() and v.message_en.strip()


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_eight_digit_pins_are_refused_exactly_for_a_forbidden_run(pin):
    assert DEFAULT_POLICY.is_ok(pin) == (not _forbidden_run(pin))


# --- enforced wherever a PIN is set ---------------------------------------------------------------

BAD = "12345678"


def test_enforced_on_the_app_pin_page():
    phone = Phone(make_app())
    walk_self(phone, until="pin")
    assert phone.post("pin", pin=BAD, pin_confirm=BAD).status_code == 400
    assert phone.step == "pin"


def test_enforced_by_the_registration_api():
    c = make_app().test_client()
    e = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json
    for action, body in (("card", {"sample": "1153620226005"}), ("check", {}), ("selfie", {})):
        assert c.post(f"/_mock/api/enrol/{e['id']}/{action}", json=body).status_code == 200
    r = c.post(f"/_mock/api/enrol/{e['id']}/pin", json={"pin": BAD, "pin_confirm": BAD})
    assert r.status_code == 400 and r.json["error"] == "pin_policy"
    assert [d["message_en"] for d in r.json["details"]][0].startswith("The PIN must not contain 4")
    r = c.post(f"/_mock/api/enrol/{e['id']}/pin", json={"pin": "24681357", "pin_confirm": "24681375"})
    assert r.status_code == 400 and r.json["error"] == "pin_mismatch"


def test_enforced_by_the_control_api():
    c = make_app().test_client()
    assert c.put("/_mock/accounts/1153620226005", json={"pin": BAD}).status_code == 400
    assert c.post("/_mock/citizens", json={"pid": "1153620226005", "given_name": "ก", "family_name": "ข",
                                           "registered": True, "pin": "11112468"}).status_code == 400

"""The ThaiD PIN policy: each rule, every-violation listing, configuration, and a
property test against a deliberately naive reference implementation."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_thaid.pin import (
    DEFAULT_POLICY,
    PinPolicy,
    PinViolation,
    check_confirmation,
    normalize_pin,
)

THAI = "๐๑๒๓๔๕๖๗๘๙"


def codes(pin: str, policy: PinPolicy = DEFAULT_POLICY) -> list[str]:
    return [v.code for v in policy.check(pin)]


@pytest.mark.parametrize(
    "pin", ["13572468", "12312312", "78907890", "11122233", "98798798", "๑๓๕๗๒๔๖๘", " 13572468\n"]
)
def test_good_pins(pin: str) -> None:
    assert DEFAULT_POLICY.check(pin) == []
    assert DEFAULT_POLICY.is_ok(pin)


def test_demo_pin_passes() -> None:
    assert PinPolicy().check("13572468") == []


def test_defaults() -> None:
    assert DEFAULT_POLICY == PinPolicy(
        length=8, max_run_sequential=3, check_descending=True, max_run_identical=3,
        max_digit_count=4,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_POLICY.length = 6  # type: ignore[misc]


@pytest.mark.parametrize(
    ("pin", "code", "found"),
    [
        ("12347905", "sequential_ascending", "1234"),
        ("50123470", "sequential_ascending", "01234"),
        ("13598760", "sequential_descending", "9876"),
        ("52111150", "repeated_run", "1111"),
        ("17171711", "digit_too_frequent", "1"),
    ],
)
def test_each_rule(pin: str, code: str, found: str) -> None:
    violations = DEFAULT_POLICY.check(pin)
    assert [v.code for v in violations] == [code]
    v = violations[0]
    assert v.found == (found,)
    assert f'"{found}"' in v.message_en or f"{found} appears" in v.message_en
    assert found in v.message_th
    assert v.message_th != v.message_en


def test_three_in_a_row_is_fine() -> None:
    assert codes("12357913") == []   # 123 ascending: allowed
    assert codes("98580531") == []   # 98 / 85 ... no descending run of 4
    assert codes("11125553") == []   # 111 and 555: allowed


def test_wrap_around_is_not_sequential() -> None:
    assert codes("78901357") == []
    assert codes("21093570") == []


def test_wrong_length() -> None:
    assert codes("1357246") == ["wrong_length"]
    assert codes("135724680") == ["wrong_length"]
    assert codes("") == ["wrong_length"]
    (v,) = DEFAULT_POLICY.check("135")
    assert "8" in v.message_en and "3" in v.message_en
    assert "8" in v.message_th and "3" in v.message_th


@pytest.mark.parametrize("pin", ["1357246a", "1357 2468", "１３５７２４６８", "13.72468"])
def test_not_digits(pin: str) -> None:
    assert codes(pin)[0] == "not_digits"
    assert "sequential_ascending" not in codes(pin)


def test_not_digits_and_wrong_length_together() -> None:
    assert codes("12ab") == ["not_digits", "wrong_length"]


def test_every_violation_is_listed() -> None:
    violations = DEFAULT_POLICY.check("11111234")
    assert [v.code for v in violations] == [
        "sequential_ascending", "repeated_run", "digit_too_frequent",
    ]
    by_code = {v.code: v for v in violations}
    assert by_code["sequential_ascending"].found == ("1234",)
    assert by_code["repeated_run"].found == ("11111",)
    assert by_code["digit_too_frequent"].found == ("1",)
    assert "5" in by_code["digit_too_frequent"].message_en


def test_all_rules_at_once() -> None:
    assert codes("1234987611110") == [
        "wrong_length", "sequential_ascending", "sequential_descending", "repeated_run",
        "digit_too_frequent",
    ]


def test_several_runs_are_all_reported() -> None:
    (v,) = DEFAULT_POLICY.check("12340678")
    assert v.code == "sequential_ascending" and v.found == ("1234",)
    (v,) = PinPolicy(length=9).check("123405678")
    assert v.found == ("1234", "5678")
    assert '"1234"' in v.message_en and '"5678"' in v.message_en


def test_thai_digits() -> None:
    assert normalize_pin(" ๑๓๕๗๒๔๖๘ ") == "13572468"
    assert codes("๑๒๓๔๕๗๙๐") == ["sequential_ascending"]
    assert codes("๑๓๕7๒๔๖8") == []  # mixed Thai and ASCII digits


def test_custom_policy_descending_off_and_length_6() -> None:
    policy = PinPolicy(length=6, check_descending=False)
    assert policy.check("987613") == []
    assert codes("123413", policy) == ["sequential_ascending"]
    assert codes("13572468", policy) == ["wrong_length"]
    assert codes("135724", policy) == []


def test_custom_policy_rules_off_and_stricter() -> None:
    loose = PinPolicy(max_run_sequential=None, max_run_identical=None, max_digit_count=None)
    assert loose.check("11111234") == []
    strict = PinPolicy(max_run_sequential=2, max_digit_count=2)
    assert codes("12357913", strict) == ["sequential_ascending"]
    assert codes("13571357", strict) == []
    assert codes("13111357", strict) == ["digit_too_frequent"]


@pytest.mark.parametrize(
    "kwargs", [{"length": 0}, {"max_run_sequential": 0}, {"max_digit_count": 0}]
)
def test_invalid_policy(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        PinPolicy(**kwargs)


def test_describe() -> None:
    rules = DEFAULT_POLICY.describe()
    assert len(rules) == 4
    assert any("1234" in en and "9876" in en for _, en in rules)
    assert not any("9876" in en for _, en in PinPolicy(check_descending=False).describe())


def test_confirmation() -> None:
    assert check_confirmation("13572468", "13572468") is None
    assert check_confirmation("13572468", " ๑๓๕๗๒๔๖๘ ") is None
    v = check_confirmation("13572468", "13572469")
    assert isinstance(v, PinViolation)
    assert v.code == "confirmation_mismatch" and v.message_th and v.message_en


def test_messages_never_contain_the_whole_pin() -> None:
    for v in DEFAULT_POLICY.check("11111234"):
        assert "11111234" not in v.message_en and "11111234" not in v.message_th


# --- property test against a naive reference ------------------------------------------


def naive_codes(pin: str, policy: PinPolicy) -> list[str]:
    """The rules read literally, window by window, written independently of pin.py."""
    pin = pin.strip()
    for i, t in enumerate(THAI):
        pin = pin.replace(t, str(i))
    out = []
    all_digits = all(ch in "0123456789" for ch in pin)
    if not all_digits:
        out.append("not_digits")
    if len(pin) != policy.length:
        out.append("wrong_length")
    if not all_digits:
        return out

    def has_window(k: int, step: int) -> bool:
        for i in range(len(pin) - k + 1):
            w = [int(c) for c in pin[i : i + k]]
            if all(w[j + 1] - w[j] == step for j in range(k - 1)):
                return True
        return False

    if policy.max_run_sequential is not None:
        if has_window(policy.max_run_sequential + 1, 1):
            out.append("sequential_ascending")
        if policy.check_descending and has_window(policy.max_run_sequential + 1, -1):
            out.append("sequential_descending")
    if policy.max_run_identical is not None and has_window(policy.max_run_identical + 1, 0):
        out.append("repeated_run")
    if policy.max_digit_count is not None:
        if any(pin.count(d) > policy.max_digit_count for d in "0123456789"):
            out.append("digit_too_frequent")
    return out


digits = st.text(alphabet="0123456789", min_size=6, max_size=10)
runs = st.builds(
    lambda start, step, n: "".join(str((start + step * i) % 10) for i in range(n)),
    st.integers(0, 9), st.sampled_from([-1, 0, 1]), st.integers(2, 6),
)
pieced = st.lists(st.one_of(runs, digits.map(lambda s: s[:3])), min_size=1, max_size=4).map(
    "".join
)
thai = digits.map(lambda s: "".join(THAI[int(c)] if i % 2 else c for i, c in enumerate(s)))
pins = st.one_of(digits, pieced, thai, st.text(max_size=10))
policies = st.builds(
    PinPolicy,
    length=st.integers(4, 10),
    max_run_sequential=st.one_of(st.none(), st.integers(1, 5)),
    check_descending=st.booleans(),
    max_run_identical=st.one_of(st.none(), st.integers(1, 5)),
    max_digit_count=st.one_of(st.none(), st.integers(1, 6)),
)


@given(pins)
def test_default_policy_matches_naive_reference(pin: str) -> None:
    got = DEFAULT_POLICY.check(pin)
    assert (got == []) == (naive_codes(pin, DEFAULT_POLICY) == [])
    assert [v.code for v in got] == naive_codes(pin, DEFAULT_POLICY)


@given(pins, policies)
def test_any_policy_matches_naive_reference(pin: str, policy: PinPolicy) -> None:
    assert [v.code for v in policy.check(pin)] == naive_codes(pin, policy)


@given(pins)
def test_violations_are_well_formed(pin: str) -> None:
    seen = set()
    for v in DEFAULT_POLICY.check(pin):
        assert v.code not in seen
        seen.add(v.code)
        assert v.message_th.strip() and v.message_en.strip()

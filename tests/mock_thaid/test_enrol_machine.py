"""The registration state machine (mock_thaid/domain/machine.py): pure, both paths, transitions."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_thaid.domain import machine as m

MODULE = Path(m.__file__)


def test_machine_is_pure():
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert names <= {"__future__", "dataclasses"}


@pytest.mark.parametrize("channel", m.CHANNELS)
def test_each_path_is_walkable_in_order(channel):
    steps = m.path(channel)
    current = steps[0]
    for target in steps[1:]:
        current = m.advance(current, target, channel)
    assert current == m.DONE and m.allowed(m.DONE, channel) == frozenset()


def test_the_paths_follow_the_manual():
    assert [m.manual_ref(s, m.SELF) for s in m.SELF_PATH] == [
        "2.1.1", "2.1.2", "2.1.3", "2.1.4", "2.1.5", "2.1.6", "2.1.7", "2.1.8", "2.1.9"]
    refs = [m.manual_ref(s, m.OFFICER) for s in m.OFFICER_PATH]
    assert refs == ["2.2.3", "2.2.1", "2.2.2", "2.2.3", "2.2.4", "2.2.5", "2.2.5", "2.2.6", "2.2.7", "2.2.8", "2.2.9"]
    assert m.manual_ref(m.CHOOSE, "") == "2.1.2 / 2.2.1"


@pytest.mark.parametrize(("current", "target", "channel"), [
    (m.CAMERA, m.TERMS, ""), (m.CHOOSE, m.VISIT, m.SELF), (m.TERMS, m.PID, m.SELF), (m.TERMS, m.CARD, m.OFFICER),
    (m.CARD, m.SELFIE, m.SELF), (m.SELFIE, m.DONE, m.SELF), (m.PID, m.SCAN_QR, m.OFFICER),
    (m.AT_OFFICER, m.SCAN_QR, m.OFFICER), (m.SCAN_QR, m.CONSENT, m.OFFICER), (m.PIN, m.DONE, m.SELF),
    (m.DONE, m.ABANDONED, m.SELF), (m.FAILED, m.CARD, m.SELF), (m.ABANDONED, m.CAMERA, m.OFFICER),
])
def test_forbidden_moves(current, target, channel):
    with pytest.raises(m.InvalidTransition) as err:
        m.advance(current, target, channel)
    assert err.value.current == current and err.value.target == target


def test_side_steps_and_failures():
    assert m.advance(m.CARD, m.CARD_OWNER, m.SELF) == m.CARD_OWNER
    assert m.advance(m.CARD_CHECK, m.CARD, m.SELF) == m.CARD  # "not my data": photograph again
    assert m.FAILED in m.allowed(m.SELFIE, m.SELF) and m.FAILED in m.allowed(m.FINGERPRINT, m.OFFICER)
    assert m.FAILED not in m.allowed(m.PIN, m.SELF)  # from the PIN on, nothing can fail for good
    assert m.progress(m.CARD_OWNER, m.SELF) == m.progress(m.CARD, m.SELF) == m.Progress(4, 9)
    assert m.page_for(m.FINGERPRINT) == m.page_for(m.SCAN_QR) == "officer"
    assert m.page_for(m.CARD_CHECK) == "card-check"


def test_simulated_outcomes_and_expiry():
    assert [m.face_outcome(v) for v in ("pass", "mismatch", "liveness_fail", "", "x")] == [
        "pass", "mismatch", "liveness_fail", "pass", "pass"]
    assert [m.fingerprint_outcome(v) for v in ("pass", "mismatch", "")] == ["pass", "mismatch", "pass"]
    assert m.card_expired("2026-11-24", "2026-11-25") and not m.card_expired("2026-11-25", "2026-11-25")


@given(st.sampled_from(m.CHANNELS), st.lists(st.integers(0, 1000), max_size=30))
def test_random_walks_stay_inside_the_machine(channel, choices):
    current = m.CAMERA
    for pick in choices:
        options = sorted(m.allowed(current, channel if current != m.CAMERA else ""))
        if not options:
            assert current in m.TERMINAL
            break
        current = m.advance(current, options[pick % len(options)], channel)
        assert current in m.STEPS
        assert current not in {m.VISIT, m.PID, m.AT_OFFICER} or channel == m.OFFICER
        assert current not in {m.CARD, m.SELFIE, m.CARD_OWNER} or channel == m.SELF


@given(st.sampled_from(sorted(m.STEPS)), st.sampled_from(sorted(m.STEPS)), st.sampled_from(("",) + m.CHANNELS))
def test_advance_agrees_with_allowed(current, target, channel):
    if target in m.allowed(current, channel):
        assert m.advance(current, target, channel) == target
    else:
        with pytest.raises(m.InvalidTransition):
            m.advance(current, target, channel)

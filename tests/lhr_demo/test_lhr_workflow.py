"""The correction request state machine: every allowed transition, and every refused one."""
from __future__ import annotations

import itertools

import pytest

from lhr_demo import workflow as wf

ALLOWED = {  # (from, action, role) -> to
    (wf.DRAFT, wf.SUBMIT, wf.OWNER): wf.SUBMITTED,
    (wf.RETURNED, wf.SUBMIT, wf.OWNER): wf.SUBMITTED,
    (wf.DRAFT, wf.CANCEL, wf.OWNER): wf.CANCELLED,
    (wf.SUBMITTED, wf.CANCEL, wf.OWNER): wf.CANCELLED,
    (wf.RETURNED, wf.CANCEL, wf.OWNER): wf.CANCELLED,
    (wf.SUBMITTED, wf.RETURN, wf.OFFICER): wf.RETURNED,
    (wf.SUBMITTED, wf.APPROVE, wf.OFFICER): wf.APPROVED,
    (wf.SUBMITTED, wf.REJECT, wf.OFFICER): wf.REJECTED,
    (wf.APPROVED, wf.APPLY, wf.OFFICER): wf.APPLIED,
}
CASES = list(itertools.product(wf.STATUSES, wf.ACTIONS, (wf.OWNER, wf.OFFICER)))


@pytest.mark.parametrize("current, action, role", CASES)
def test_every_transition(current, action, role):
    expected = ALLOWED.get((current, action, role))
    if expected:
        assert wf.next_status(current, action, role=role, note="เหตุผล") == expected
    else:
        with pytest.raises(wf.TransitionRefused) as e:
            wf.next_status(current, action, role=role, note="เหตุผล")
        assert e.value.code in ("not_allowed", "wrong_role")
        assert e.value.message_th and e.value.message_en


def test_the_table_covers_exactly_the_rules():
    assert len([c for c in CASES if c in ALLOWED]) == 9


@pytest.mark.parametrize("action", [wf.RETURN, wf.REJECT])
@pytest.mark.parametrize("note", [None, "", "   "])
def test_return_and_reject_need_a_reason(action, note):
    with pytest.raises(wf.TransitionRefused) as e:
        wf.next_status(wf.SUBMITTED, action, role=wf.OFFICER, note=note)
    assert e.value.code == "note_required"


@pytest.mark.parametrize("action", [wf.RETURN, wf.APPROVE, wf.REJECT])
def test_nobody_decides_on_their_own_request(action):
    with pytest.raises(wf.TransitionRefused) as e:
        wf.next_status(wf.SUBMITTED, action, role=wf.OFFICER, note="x", actor_is_owner=True)
    assert e.value.code == "own_request"


def test_apply_of_own_request_is_refused_too():
    with pytest.raises(wf.TransitionRefused):
        wf.next_status(wf.APPROVED, wf.APPLY, role=wf.OFFICER, actor_is_owner=True)


def test_final_states_are_final():
    for status in wf.FINAL:
        for role in (wf.OWNER, wf.OFFICER):
            assert wf.allowed_actions(status, role) == []


def test_allowed_actions_for_buttons():
    assert wf.allowed_actions(wf.SUBMITTED, wf.OFFICER) == [wf.RETURN, wf.APPROVE, wf.REJECT]
    assert wf.allowed_actions(wf.SUBMITTED, wf.OFFICER, actor_is_owner=True) == []
    assert wf.allowed_actions(wf.DRAFT, wf.OWNER) == [wf.SUBMIT, wf.CANCEL]
    assert wf.allowed_actions(wf.SUBMITTED, wf.OWNER) == [wf.CANCEL]


def test_only_draft_and_returned_are_editable():
    assert {s for s in wf.STATUSES if wf.can_edit(s)} == {wf.DRAFT, wf.RETURNED}


def test_unknown_status_and_action():
    with pytest.raises(ValueError):
        wf.next_status("NOPE", wf.SUBMIT, role=wf.OWNER)
    with pytest.raises(wf.TransitionRefused) as e:
        wf.next_status(wf.DRAFT, "fly", role=wf.OWNER)
    assert e.value.code == "unknown_action"


def test_every_status_and_action_has_labels():
    assert set(wf.LABELS) == set(wf.STATUSES) and set(wf.ACTION_LABELS) == set(wf.ACTIONS)

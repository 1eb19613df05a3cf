"""Who plays whom in a class (mock_thaid/classplan.py): the pure rule, then the shipped people."""
from __future__ import annotations

import pytest
import yaml

import thaid_sandbox_data
from mock_thaid.classplan import ClassPlan, Person, kind_of, plan

TODAY = "2026-11-30"


@pytest.mark.parametrize("person, kind", [
    (Person("1", registered=False), "happy"),
    (Person("1", registered=True), "registered"),
    (Person("1", registered=True, date_of_expiry="2020-01-01", face="mismatch"), "registered"),
    (Person("1", registered=False, date_of_expiry="2026-11-29"), "card_expired"),
    (Person("1", registered=False, date_of_expiry="2026-11-30"), "happy"),  # valid through its last day
    (Person("1", registered=False, date_of_expiry="2020-01-01", face="mismatch"), "card_expired"),  # refused first
    (Person("1", registered=False, face="mismatch"), "face_mismatch"),
    (Person("1", registered=False, face="liveness_fail"), "liveness_fail"),
    (Person("1", registered=False, fingerprint="mismatch"), "fingerprint_mismatch"),
])
def test_each_person_demonstrates_one_thing(person, kind):
    assert kind_of(person, TODAY) == kind


def test_plan_hands_out_happy_paths_first_and_orders_failures_as_a_class_meets_them():
    people = [Person("a", False, fingerprint="mismatch"), Person("b", False, face="mismatch"), Person("c", True),
              Person("d", False), Person("e", False, date_of_expiry="2001-01-01"), Person("f", False)]
    p = plan(people, TODAY)
    assert [r.pid for r in p.happy] == ["d", "f"]
    assert [(r.pid, r.kind, r.path) for r in p.failures] == [
        ("e", "card_expired", "self"), ("b", "face_mismatch", "self"), ("a", "fingerprint_mismatch", "officer")]
    assert [r.pid for r in p.registered] == ["c"]
    assert [r.pid for r in p.roles()] == ["d", "f", "e", "b", "a", "c"]
    assert p.shortfall(2) == 0 and p.shortfall(30) == 28


def test_the_shipped_people_start_with_clean_registrations_not_the_traps():
    """The complaint behind this rule: `make demo` used to print the face-mismatch and liveness
    traps as the first people to register."""
    people = yaml.safe_load(thaid_sandbox_data.path("citizens.yaml").read_text(encoding="utf-8"))["citizens"]
    p: ClassPlan = plan([Person(c["pid"], bool(c.get("registered")), c["date_of_expiry"], c.get("face", "pass"),
                                c.get("fingerprint", "pass")) for c in people], TODAY)
    assert len(p.happy) >= 3
    shipped = {c["pid"]: c for c in people}
    for r in p.happy:
        c = shipped[r.pid]
        assert not c.get("registered") and c.get("face", "pass") == "pass" and c.get("fingerprint", "pass") == "pass"
        assert c["date_of_expiry"] >= TODAY
    assert {r.kind for r in p.failures} == {"card_expired", "face_mismatch", "liveness_fail", "fingerprint_mismatch"}

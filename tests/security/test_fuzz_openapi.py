"""Schemathesis against mock_thaid/control/openapi.yaml, on the in-process app (WSGI).

Every documented operation gets positive and negative cases (wrong types, missing and
extra fields, odd path parameters, random Basic/Bearer credentials), and every answer must
keep the invariant of :func:`sec_helpers.check_answer`: no 5xx, no logged crash, errors as
JSON ``{error, error_description}`` with a documented code, HTML with anti-framing headers,
no CORS header. One app serves the whole module so that what one operation stores (a
client with odd fields, a citizen, a clock offset) is read by the others; what would make
later answers fail on purpose (faults, a far clock) is undone after each call.

Budget: ``FUZZ_EXAMPLES`` (50) Hypothesis examples per operation, plus schemathesis's
explicit examples and coverage cases.
"""
from __future__ import annotations

import pytest
import schemathesis
from conftest import make_app
from sec_helpers import FUZZ, SPEC_PATH, STATS, check_answer, counted

APP = counted(make_app())
SERVICES = APP.extensions["mock_thaid"]
schema = schemathesis.openapi.from_path(SPEC_PATH)


def _undo_side_effects(case) -> None:
    if case.method.upper() == "POST" and case.path == "/_mock/faults":
        from mock_thaid.store import faults as fault_store

        with SERVICES.db.session() as s:
            fault_store.clear(s, None)
    if SERVICES.clock.offset:
        SERVICES.set_clock_offset(0.0)


@schema.parametrize()
@FUZZ
def test_every_documented_operation(case):
    STATS["examples"] += 1
    resp = case.call(app=APP)
    try:
        check_answer(resp, f"{case.method} {case.formatted_path}")
    except AssertionError as e:
        raise AssertionError(f"{e}\nReproduce with: {case.as_curl_command()[:2000]}") from None
    finally:
        _undo_side_effects(case)


def test_generic_error_codes_are_in_openapi():
    """The framework-level answers every endpoint can give (wrong method, body over the 12 MB
    cap, a form without its CSRF token) are JSON errors too; openapi.yaml should name them."""
    from sec_helpers import DOCUMENTED, GENERIC_HTTP

    assert not GENERIC_HTTP - DOCUMENTED

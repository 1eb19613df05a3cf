"""Fixtures of the security and fuzzing tests: an LHR demo on a copy of the seeded
database talking to a live mock (real HTTP, as rp_client needs), and the run's numbers."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))

import sec_helpers  # noqa: E402  (sets sys.path for lhr_helpers / test_enrol_pages)
from conftest import start_live  # noqa: E402  (tests/conftest.py)
from lhr_helpers import REDIRECT, build_template_db, make_lhr, register_client  # noqa: E402



@pytest.fixture(scope="session")
def sec_mock():
    """A live mock for the LHR demo (its rp_client talks HTTP)."""
    live = start_live()
    register_client(live.url, REDIRECT)
    sec_helpers.counted(live.app)
    yield live
    live.close()


@pytest.fixture(scope="session")
def sec_template_db(tmp_path_factory) -> Path:
    return build_template_db(tmp_path_factory.mktemp("sec-lhr-template") / "lhr.sqlite3")


@pytest.fixture
def lhr(tmp_path, sec_template_db, sec_mock):
    t = make_lhr(tmp_path, sec_template_db, sec_mock.url)
    sec_helpers.counted(t.app)
    yield t
    t.thaid.close()
    t.db.engine.dispose()


def pytest_terminal_summary(terminalreporter):
    stats = sec_helpers.STATS
    if stats:
        terminalreporter.write_line(
            f"tests/security: {stats['requests']} HTTP requests, {stats['examples']} Hypothesis examples "
            f"(FUZZ_EXAMPLES={sec_helpers.FUZZ_EXAMPLES} per property test); answers checked: "
            + ", ".join(f"{k} {stats[k]}" for k in ("2xx", "3xx", "4xx", "5xx") if stats[k]))


@pytest.fixture(autouse=True)
def _forget_crashes_of_other_tests():
    """The crash recorder sees the whole session's logs: start each test with a clean slate."""
    sec_helpers.CRASHES.clear()
    yield

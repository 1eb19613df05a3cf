"""Fixtures for the LHR demo: a live ThaiD mock (real HTTP), a seeded database copied per
test, the app with a Flask test client, and headless ThaiD logins through rp_client's helper."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # lhr_demo is not in the editable install's map yet
    sys.path.insert(0, str(ROOT))
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # for lhr_helpers / lhr_files (appended: tests/conftest.py stays "conftest")
    sys.path.append(HERE)

from conftest import start_live  # noqa: E402  (tests/conftest.py: the mock on 127.0.0.1)
from lhr_helpers import REDIRECT, build_template_db, make_lhr, register_client  # noqa: E402



@pytest.fixture(scope="session")
def mock():
    live = start_live()
    register_client(live.url, REDIRECT)
    yield live
    live.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    return build_template_db(tmp_path_factory.mktemp("lhr-template") / "lhr.sqlite3")


@pytest.fixture
def lhr(tmp_path, template_db, mock):
    t = make_lhr(tmp_path, template_db, mock.url)
    yield t
    t.thaid.close()
    t.db.engine.dispose()



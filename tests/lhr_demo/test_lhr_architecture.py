"""lhr_demo's shape: never imports mock_thaid; of the project's packages it uses rp_client and
the data-only thaid_sandbox_data, read as package data; pure modules stay framework-free;
modules stay small; settings come from LHR_* only, with defaults outside the package."""
from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

import thaid_sandbox_data
from lhr_demo import demo_logins, seed
from lhr_demo.db import Database
from lhr_demo.settings import Settings

PKG = Path(__file__).resolve().parents[2] / "lhr_demo"
PROJECT = {"mock_thaid", "rp_client", "lhr_demo", "thaid_sandbox_data"}
#: The project's packages lhr_demo may import: the client library, and the shared data (data, not mock code).
ALLOWED = {"rp_client", "thaid_sandbox_data"}
PURE = ["thaidate.py", "workflow.py", "pid.py", "uploads.py", "codes.py", "careers.py", "audit.py",
        "correction_service.py", "who.py"]


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: p.name)
def test_never_imports_mock_thaid(path):
    assert not {i for i in imports(path) if i.split(".")[0] == "mock_thaid"}
    assert "mock_thaid" not in path.read_text(encoding="utf-8").replace("never import mock_thaid", "")


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: p.name)
def test_only_rp_client_and_the_data_package_among_the_projects_packages(path):
    assert {i.split(".")[0] for i in imports(path)} & PROJECT <= ALLOWED


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: p.name)
def test_no_path_out_of_the_package(path):
    """Shared data comes through thaid_sandbox_data (importlib.resources), so a wheel works:
    nothing climbs out of the package to a checkout's data/ or var/."""
    text = path.read_text(encoding="utf-8")
    assert "parent.parent" not in text and "parents[" not in text and "REPO_ROOT" not in text


def test_citizens_come_from_the_data_package():
    shipped = thaid_sandbox_data.path("citizens.yaml")
    assert seed.CITIZENS_FILE == demo_logins.CITIZENS == shipped and shipped.is_file()


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_do_not_import_flask(name):
    assert not {i.split(".")[0] for i in imports(PKG / name)} & {"flask", "werkzeug", "flask_wtf", "rp_client"}


def test_only_auth_and_access_talk_to_rp_client():
    users = {p.name for p in PKG.rglob("*.py") if any(i.startswith("rp_client") for i in imports(p))}
    assert users == {"auth.py", "access.py"}


@pytest.mark.parametrize("path", sorted(PKG.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 300


def test_settings_from_env_only_reads_lhr_variables():
    env = {"LHR_DATABASE_URL": "sqlite://", "LHR_THAID_ISSUER": "http://mock:8000/", "LHR_CLIENT_ID": "c",
           "LHR_CLIENT_SECRET": "s", "LHR_REDIRECT_URI": "http://x/cb", "LHR_GO_LIVE": "2025-11-01",
           "LHR_UPLOAD_DIR": "/tmp/u", "LHR_SECRET_KEY": "k", "LHR_MAX_UPLOAD_MB": "5", "THAID_CLIENT_ID": "ignored"}
    st = Settings.from_env(env)
    assert (st.database_url, st.thaid_issuer, st.client_id, st.client_secret, st.redirect_uri, st.go_live,
            st.upload_dir, st.secret_key, st.max_upload_mb) == ("sqlite://", "http://mock:8000", "c", "s", "http://x/cb",
                                                                date(2025, 11, 1), "/tmp/u", "k", 5)
    assert st.max_upload_bytes == 5 * 1024 * 1024


def test_settings_defaults():
    st = Settings.from_env({})
    assert st.thaid_issuer == "http://127.0.0.1:8000" and st.client_id == "lhr-demo" and st.thaid_backchannel_url == ""
    assert st.redirect_uri == "http://127.0.0.1:5001/auth/thaid/callback" and st.go_live == date(2025, 11, 1)
    assert st.max_upload_mb == 10
    # Relative to the working directory: installed from a wheel, the package's folder is site-packages.
    assert (st.database_url, st.upload_dir) == ("sqlite:///var/lhr_demo.sqlite3", "var/uploads")
    assert {"openid", "pid", "name"} <= set(st.scopes)
    with pytest.raises(Exception):
        st.client_id = "x"  # frozen


def test_default_database_is_created_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no var/ here yet
    db = Database(Settings().database_url)
    db.create_all()
    db.engine.dispose()
    assert (tmp_path / "var" / "lhr_demo.sqlite3").is_file()


def test_backchannel_url_reaches_the_thaid_client():
    from lhr_demo.app import create_app

    st = Settings.from_env({"LHR_DATABASE_URL": "sqlite://", "LHR_THAID_ISSUER": "http://localhost:8000",
                            "LHR_THAID_BACKCHANNEL_URL": "http://mock:8000/"})
    assert st.thaid_backchannel_url == "http://mock:8000/"
    config = create_app(st).extensions["thaid"].config
    assert (config.issuer, config.backchannel_url) == ("http://localhost:8000", "http://mock:8000")


def test_scopes_must_include_openid_pid_name():
    with pytest.raises(ValueError):
        Settings(scopes=("openid", "name"))

"""lhr_demo's shape: never imports mock_thaid; pure modules stay framework-free; modules stay
small; settings come from LHR_* only."""
from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from lhr_demo.settings import Settings

PKG = Path(__file__).resolve().parents[2] / "lhr_demo"
PURE = ["thaidate.py", "workflow.py", "pid.py", "uploads.py", "codes.py", "careers.py", "audit.py"]


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
    assert st.thaid_issuer == "http://127.0.0.1:8000" and st.client_id == "lhr-demo"
    assert st.redirect_uri == "http://127.0.0.1:5001/auth/thaid/callback" and st.go_live == date(2025, 11, 1)
    assert st.max_upload_mb == 10 and st.database_url.endswith("var/lhr_demo.sqlite3")
    assert {"openid", "pid", "name"} <= set(st.scopes)
    with pytest.raises(Exception):
        st.client_id = "x"  # frozen


def test_scopes_must_include_openid_pid_name():
    with pytest.raises(ValueError):
        Settings(scopes=("openid", "name"))

"""Settings, environment, CLI flags and the README table stay in step."""
from __future__ import annotations

from pathlib import Path

import pytest

from mock_thaid import cli
from mock_thaid.settings import Settings, setting_names

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", setting_names())
def test_every_setting_is_in_the_readme_table(name):
    assert f"| `{name}` | `MOCK_THAID_{name.upper()}`" in README


def test_every_setting_has_a_cli_flag(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    out = capsys.readouterr().out
    for name in setting_names():
        assert "--" + name.replace("_", "-") in out, name


def test_from_env_reads_prefixed_variables_and_coerces():
    s = Settings.from_env({"MOCK_THAID_PROFILE": "oidc", "MOCK_THAID_LOGIN_LIFETIME": "30",
                           "MOCK_THAID_CONTROL_API": "false", "MOCK_THAID_ISSUER": "http://x:1/"})
    assert (s.profile, s.login_lifetime, s.control_api, s.issuer) == ("oidc", 30, False, "http://x:1")


def test_bad_values_are_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="MOCK_THAID_LOGIN_LIFETIME"):
        Settings.from_env({"MOCK_THAID_LOGIN_LIFETIME": "soon"})
    with pytest.raises(ValueError, match="profile"):
        Settings.from_env({"MOCK_THAID_PROFILE": "keycloak"})


def test_database_url_falls_back_to_DATABASE_URL():
    assert Settings.from_env({"DATABASE_URL": "sqlite:///x.db"}).database_url == "sqlite:///x.db"

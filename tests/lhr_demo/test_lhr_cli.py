"""`lhr-demo logins` on a database without the demo data says so (Thai and English) and exits
1 instead of listing everyone as OWNER; on the seeded database it prints the table."""
from __future__ import annotations

import shutil

import pytest

from lhr_demo import cli
from lhr_demo.db import Database
from lhr_helpers import MALI, SUNEE


def run(monkeypatch, capsys, url: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("LHR_DATABASE_URL", url)
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_no_demo_data(code: int, out: str, err: str, url: str) -> None:
    assert code == 1 and out == ""
    assert f"the database at {url} has no demo data yet" in err
    assert f"ฐานข้อมูลที่ {url} ยังไม่มีข้อมูลสาธิต" in err
    assert "LHR_DATABASE_URL" in err and "lhr-demo seed" in err
    assert "OWNER" not in err


def test_logins_on_a_missing_file_does_not_create_it(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'var' / 'lhr.sqlite3'}"
    assert_no_demo_data(*run(monkeypatch, capsys, url, "logins"), url)
    assert not (tmp_path / "var").exists()


def test_logins_on_an_empty_database(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'lhr.sqlite3'}"
    (tmp_path / "lhr.sqlite3").touch()  # a file, not even the tables
    assert_no_demo_data(*run(monkeypatch, capsys, url, "logins"), url)
    db = Database(url)
    db.create_all()  # the tables, but nobody seeded
    db.engine.dispose()
    assert_no_demo_data(*run(monkeypatch, capsys, url, "logins"), url)


def test_logins_hides_a_database_password(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "postgresql+psycopg://lhr:s3cret@127.0.0.1:1/lhr", "logins")
    assert code == 1 and "s3cret" not in err and "127.0.0.1:1/lhr" in err


def test_logins_on_the_seeded_database(tmp_path, template_db, monkeypatch, capsys):
    shutil.copy(template_db, tmp_path / "lhr.sqlite3")
    code, out, err = run(monkeypatch, capsys, f"sqlite:///{tmp_path / 'lhr.sqlite3'}", "logins")
    assert code == 0 and err == ""
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "OWNER @ ทน.แม่สอด" in lines[MALI] and "HR_OFFICER" in lines[SUNEE]


def test_prog_is_the_console_script_name(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert capsys.readouterr().out.startswith("usage: lhr-demo ")

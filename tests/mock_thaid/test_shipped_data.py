"""The shipped data (package ``thaid_sandbox_data``), data files that are missing or empty,
/healthz, the built-in /_mock/callback page, `mock-thaid wait` and `mock-thaid init`."""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import make_app, make_settings, start_live
from sqlalchemy import create_engine

import thaid_sandbox_data
from mock_thaid.cli import main as cli
from mock_thaid.services import Services
from mock_thaid.store.seed import DataFileError

ROOT = Path(__file__).resolve().parents[2]


def test_the_checkout_links_to_the_one_copy_of_the_shipped_data():
    for link, target in (("data", "thaid_sandbox_data"), ("keys", "thaid_sandbox_data/keys"),
                         ("scenarios", "thaid_sandbox_data/scenarios")):
        assert (ROOT / link).resolve() == (ROOT / target).resolve()
    assert thaid_sandbox_data.path("citizens.yaml").resolve() == (ROOT / "data" / "citizens.yaml").resolve()


def test_default_settings_point_at_the_shipped_files():
    s = make_settings()
    assert Path(s.citizens_file) == thaid_sandbox_data.path("citizens.yaml")
    assert Path(s.clients_file) == thaid_sandbox_data.path("clients.yaml")
    assert list(Path(s.keys_dir).glob("*.pem")), "the TEST-ONLY signing key ships with the package"


@pytest.mark.parametrize("content, problem", [(None, "does not exist"), ("", "has no 'citizens' entries"),
                                              ("citizens: []\n", "has no 'citizens' entries"),
                                              ("citizens: [\n", "is not valid YAML")])
def test_a_named_citizens_file_that_is_missing_or_empty_stops_the_start(tmp_path, content, problem):
    f = tmp_path / "people.yaml"
    if content is not None:
        f.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as e:
        make_app(citizens_file=str(f))
    msg = str(e.value)
    assert problem in msg and "MOCK_THAID_CITIZENS_FILE" in msg and "ไฟล์" in msg


def test_serve_refuses_to_start_on_a_missing_file_with_a_clear_message(tmp_path, capsys):
    rc = cli(["serve", "--port", "0", "--database-url", "sqlite://", "--clients-file", str(tmp_path / "nope.yaml")])
    err = capsys.readouterr().err
    assert rc == 2 and "nope.yaml: does not exist" in err and "MOCK_THAID_CLIENTS_FILE" in err


def test_an_empty_clients_setting_means_no_clients_file():
    c = make_app(clients_file="").test_client()
    assert c.get("/_mock/clients").json["clients"] == []
    assert len(c.get("/_mock/citizens").json["citizens"]) == 34


def test_healthz_answers_200_and_503_when_the_database_is_gone(tmp_path):
    app = make_app()
    c = app.test_client()
    r = c.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok" and r.json["service"] == "mock-thaid"
    assert r.headers["Cache-Control"] == "no-store"
    services: Services = app.extensions["mock_thaid"]
    services.db.engine = create_engine(f"sqlite:///{tmp_path}/missing-dir/x.sqlite3")  # cannot be opened
    r = c.get("/healthz")
    assert r.status_code == 503 and r.json["status"] == "error"


def test_healthz_is_served_with_the_control_api_off():
    assert make_app(control_api=False).test_client().get("/healthz").status_code == 200


def test_demo_rp_redirects_to_the_built_in_callback_page_and_its_curl_works():
    live = start_live()
    try:
        import requests

        cb = live.url + "/_mock/callback"
        r = requests.get(live.url + "/api/v2/oauth2/auth/", allow_redirects=True, timeout=10,
                         headers={"X-Mock-Persona": "1234567890121"},
                         params={"response_type": "code", "client_id": "demo-rp", "redirect_uri": cb,
                                 "scope": "openid pid name", "state": "demo-state"})
        assert r.status_code == 200 and r.url.startswith(cb)
        assert "demo-state" in r.text and "ได้รับรหัสอนุญาต" in r.text
        curl = r.text.split('<pre id="curl"', 1)[1].split(">", 1)[1].split("</pre>", 1)[0]
        import html

        cmd = html.unescape(curl)
        out = subprocess.run(shlex.split(cmd), capture_output=True, text=True, timeout=20)
        body = yaml.safe_load(out.stdout)
        assert "id_token" in body and body["token_type"].lower() == "bearer", out.stdout
        again = subprocess.run(shlex.split(cmd), capture_output=True, text=True, timeout=20)
        assert "Invalid Authorization Code" in again.stdout  # single use, as the page says
        denied = requests.get(cb, params={"error": "access_denied", "state": "s1"}, timeout=10)
        assert denied.status_code == 400 and "access_denied" in denied.text
    finally:
        live.close()


def test_wait_returns_0_for_a_ready_server_and_1_on_time_out(capsys):
    live = start_live()
    try:
        assert cli(["wait", live.url, "--timeout", "10"]) == 0
    finally:
        live.close()
    assert cli(["wait", live.url, "--timeout", "0.5"]) == 1
    assert "not ready after" in capsys.readouterr().err


def test_init_writes_editable_copies_that_the_mock_and_the_runner_accept(tmp_path):
    dest = tmp_path / "sandbox"
    assert cli(["init", str(dest)]) == 0
    assert (dest / "citizens.yaml").read_bytes() == thaid_sandbox_data.path("citizens.yaml").read_bytes()
    assert sorted(p.name for p in (dest / "scenarios").iterdir()) == sorted(
        p.name for p in thaid_sandbox_data.path("scenarios").iterdir() if p.is_file())
    people = yaml.safe_load((dest / "citizens.yaml").read_text("utf-8"))
    people["citizens"] = people["citizens"][:3]
    (dest / "citizens.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    c = make_app(citizens_file=str(dest / "citizens.yaml"), clients_file=str(dest / "clients.yaml")).test_client()
    assert len(c.get("/_mock/citizens").json["citizens"]) == 3
    assert cli(["init", str(dest)]) == 1  # nothing overwritten without --force
    assert len(yaml.safe_load((dest / "citizens.yaml").read_text("utf-8"))["citizens"]) == 3
    r = subprocess.run([sys.executable, "-m", "mock_thaid.cli", "scenario", "check", str(dest / "scenarios")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "scenario files are valid" in r.stdout


def test_scenario_run_needs_paths_or_shipped(capsys):
    assert cli(["scenario", "run"]) == 2
    assert "--shipped" in capsys.readouterr().err


def test_serve_takes_the_issuer_from_the_environment(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MOCK_THAID_")}
    env["MOCK_THAID_ISSUER"] = "http://issuer.example:8100"
    proc = subprocess.Popen([sys.executable, "-m", "mock_thaid.cli", "serve", "--port", "0", "--database-url", "sqlite://",
                             "--pin-kdf-n", "1024"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        line = ""
        while not line.startswith("mock-thaid: serving"):
            line = proc.stdout.readline()
            assert line, "the mock ended without serving"
        assert line.startswith("mock-thaid: serving http://issuer.example:8100 on 127.0.0.1:"), line
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_new_sqlite_database_file_is_owner_only(tmp_path):
    import stat

    db = tmp_path / "m.sqlite3"
    app = make_app(database_url=f"sqlite:///{db}")
    app.test_client().get("/healthz")
    for f in [db, *tmp_path.glob("m.sqlite3-*")]:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f

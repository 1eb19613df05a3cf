"""The wheel, installed into a fresh virtualenv and used from a folder outside the checkout,
does what a user reads in the README: the console scripts, the shipped data, a headless login,
the shipped scenarios, the pytest plugin in somebody else's project, and the LHR demo.

Every subprocess runs with the fresh venv's bin first on PATH, no PYTHONPATH, and nothing in
its environment naming the checkout (``conftest.outside_env``)."""
from __future__ import annotations

import subprocess
import textwrap
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

pytestmark = pytest.mark.live

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_WHEEL_BYTES = 5 * 1024 * 1024
DEMO_PID = "1234567890121"
DEMO_RP = ("demo-rp", "demo-rp-secret-TEST-ONLY")
DEMO_CALLBACK = "http://127.0.0.1:8080/callback"


def run(installed, args: list[str], cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=installed.env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, timeout=timeout)


def sqlite_files_under(folder: Path) -> list[Path]:
    return list(folder.rglob("*.sqlite3*"))


# --- the wheel itself ------------------------------------------------------------------------------

def test_wheel_is_small_and_carries_the_data(installed, report):
    size = installed.wheel.stat().st_size
    report(f"wheel {installed.wheel.name}: {size / 1024:.0f} KiB; "
           + ", ".join(f"{k} {v:.1f} s" for k, v in installed.timings.items()))
    assert size < MAX_WHEEL_BYTES, f"the wheel is {size / 1e6:.1f} MB"
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for needed in ("thaid_sandbox_data/citizens.yaml", "thaid_sandbox_data/clients.yaml",
                   "thaid_sandbox_data/scenarios/schema.json", "mock_thaid/control/openapi.yaml",
                   "rp_client/py.typed", "rp_client/pytest_plugin.py", "lhr_demo/cli.py"):
        assert needed in names, f"{needed} is missing from the wheel"
    assert any(n.startswith("thaid_sandbox_data/keys/") and n.endswith(".pem") for n in names)
    assert any(n.startswith("mock_thaid/templates/") for n in names)
    assert any(n.startswith("lhr_demo/templates/") for n in names)
    tops = {n.split("/", 1)[0] for n in names}
    assert not tops & {"tests", ".venv", "var", "node_modules", "docs", "bench", "tools", "examples"}, tops
    # Example apps live in the checkout's examples/ (they import Flask and are run by the tests): none ships.
    examples = [n for n in names if n.endswith(".py") and "example" in n.rsplit("/", 1)[-1].lower()]
    assert examples == [], f"example modules in the wheel: {examples}"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    assert "mock-thaid = mock_thaid.cli:main" in text and "lhr-demo = lhr_demo.cli:main" in text
    assert "[pytest11]" in text and "thaid = rp_client.pytest_plugin" in text


def test_packages_import_from_the_venv_not_the_checkout(installed, outside: Path):
    code = textwrap.dedent("""
        import sys, mock_thaid, rp_client, lhr_demo, thaid_sandbox_data
        for m in (mock_thaid, rp_client, lhr_demo, thaid_sandbox_data):
            print(m.__name__, m.__file__)
        print("DATA", thaid_sandbox_data.path("citizens.yaml"))
        print("PATH", *sys.path, sep="\\nPATH ")
    """)
    r = run(installed, [str(installed.python), "-c", code], outside)
    assert r.returncode == 0, r.stdout
    site = str(installed.site_packages)
    files = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.split(" ", 1)[0] in
                 ("mock_thaid", "rp_client", "lhr_demo", "thaid_sandbox_data", "DATA"))
    assert len(files) == 5, r.stdout
    for name, path in files.items():
        assert path.startswith(site + "/"), f"{name} imported from {path}, not {site}"
    assert str(REPO_ROOT) not in r.stdout, r.stdout
    # no editable-install hook or .pth file that leads back to the checkout
    for pth in installed.site_packages.glob("*.pth"):
        assert str(REPO_ROOT) not in pth.read_text(errors="replace"), pth
    assert not list(installed.site_packages.glob("__editable__*"))
    for meta in installed.site_packages.glob("thaid_sandbox-*.dist-info/*"):
        assert str(REPO_ROOT) not in meta.read_text(errors="replace"), meta


# --- mock-thaid serve from the wheel ------------------------------------------------------------------

def test_serve_has_the_citizens_and_the_demo_clients(installed, served):
    url, cwd, _ = served
    health = httpx.get(url + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    citizens = httpx.get(url + "/_mock/citizens", timeout=10).json()["citizens"]
    assert len(citizens) == 34
    clients = {c["client_id"] for c in httpx.get(url + "/_mock/clients", timeout=10).json()["clients"]}
    assert {"demo-rp", "lhr-demo"} <= clients
    # the default database is under the working directory, never inside the installed package
    assert (cwd / "var" / "mock_thaid.sqlite3").exists()
    assert sqlite_files_under(installed.venv) == []


def test_headless_login_for_demo_rp_gives_a_verified_id_token(served):
    url, _, _ = served
    params = {"response_type": "code", "client_id": DEMO_RP[0], "redirect_uri": DEMO_CALLBACK,
              "scope": "openid pid name", "state": "xyz", "nonce": "n-0S6_WzA2Mj"}
    r = httpx.get(url + "/api/v2/oauth2/auth/", params=params, headers={"X-Mock-Persona": DEMO_PID}, timeout=10)
    assert r.status_code == 302, r.text[:500]
    location = r.headers["location"]
    assert location.startswith(DEMO_CALLBACK + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["state"] == "xyz" and query["code"]
    t = httpx.post(url + "/api/v2/oauth2/token/", auth=DEMO_RP, timeout=10,
                   data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": DEMO_CALLBACK})
    assert t.status_code == 200, t.text
    id_token = t.json()["id_token"]
    assert jwt.get_unverified_header(id_token)["alg"] == "ES256"
    jwks = httpx.get(url + "/jwks/", timeout=10).json()
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(id_token, key.key, algorithms=["ES256"], audience=DEMO_RP[0], issuer=url)
    assert claims["sub"] == DEMO_PID
    assert claims["nonce"] == params["nonce"]


def test_shipped_mock_scenarios_pass(installed, served):
    url, cwd, log = served
    shipped = sorted((installed.site_packages / "thaid_sandbox_data" / "scenarios").glob("mock-*.yaml"))
    assert len(shipped) >= 15, [p.name for p in shipped]
    junit = cwd / "out.xml"
    r = run(installed, [installed.exe("mock-thaid"), "scenario", "run", "--shipped", "mock", "--mock", url,
                        "--junit", str(junit)], cwd)
    assert r.returncode == 0, r.stdout + "\n--- mock log ---\n" + log.read_text(errors="replace")[-3000:]
    suite = ET.parse(junit).getroot()
    cases = suite.findall("testcase")
    assert len(cases) == len(shipped) == int(suite.get("tests"))
    assert suite.get("failures") == "0" and not suite.findall(".//failure")
    assert {c.get("classname") for c in cases} == {p.stem for p in shipped}


def test_init_writes_editable_copies_that_validate(installed, outside: Path):
    r = run(installed, [installed.exe("mock-thaid"), "init", "thaid"], outside)
    assert r.returncode == 0, r.stdout
    target = outside / "thaid"
    assert (target / "citizens.yaml").is_file() and (target / "clients.yaml").is_file()
    scenarios = sorted((target / "scenarios").glob("*.yaml"))
    assert len(scenarios) >= 15
    check = run(installed, [installed.exe("mock-thaid"), "scenario", "check", "thaid/scenarios"], outside)
    assert check.returncode == 0 and f"{len(scenarios)} scenario files are valid" in check.stdout, check.stdout
    listed = run(installed, [installed.exe("mock-thaid"), "citizens", "--file", "thaid/citizens.yaml"], outside)
    assert listed.returncode == 0 and len(listed.stdout.strip().splitlines()) == 34, listed.stdout
    again = run(installed, [installed.exe("mock-thaid"), "init", "thaid"], outside)
    assert again.returncode == 1  # never overwrites without --force


# --- somebody else's project using the pytest plugin ----------------------------------------------------

TOY_TEST = '''
"""A team's own test of its Flask app's ThaiD login, with the thaid_mock fixture of the installed plugin."""
import pytest
from flask import Flask

from rp_client.flask_ext import ThaiDLogin, current_identity, login_required

CALLBACK = "http://127.0.0.1:5000/auth/thaid/callback"
CLIENT = {"client_id": "toy-app", "client_secret": "toy-app-secret-TEST-ONLY", "redirect_uris": [CALLBACK]}


def create_app(config):
    app = Flask(__name__)
    app.secret_key = "toy-TEST-ONLY"
    ThaiDLogin(app, config=config)

    @app.get("/me")
    @login_required
    def me():
        return "hello " + current_identity().pid

    return app


def browser(thaid_mock):
    return create_app(thaid_mock.config("toy-app", "toy-app-secret-TEST-ONLY", CALLBACK)).test_client()


@pytest.mark.thaid_clients(CLIENT)
def test_login(thaid_mock):
    assert thaid_mock.url.startswith("http://127.0.0.1:")
    b = browser(thaid_mock)
    assert thaid_mock.login_as(b, "1234567890121", next="/me").status_code == 302
    assert b.get("/me").text == "hello 1234567890121"


@pytest.mark.thaid_clients(CLIENT)
def test_refused(thaid_mock):
    b = browser(thaid_mock)
    thaid_mock.fail_next_login("toy-app", "deny")
    r = thaid_mock.login_as(b, "1234567890121", next="/me")
    assert r.status_code == 400 and "user_denied" in r.text
    assert b.get("/me").status_code == 302  # still logged out


@pytest.mark.thaid_clients(CLIENT)
@pytest.mark.thaid_citizens({"pid": "1101700230708", "given_name": "ทดลอง", "family_name": "ใจดี"})
def test_own_citizen(thaid_mock):
    b = browser(thaid_mock)
    assert thaid_mock.login_as(b, "1101700230708", next="/me").status_code == 302
    assert b.get("/me").text == "hello 1101700230708"
'''


def test_toy_project_uses_the_thaid_mock_fixture(installed, outside: Path):
    project = outside / "toy-project"
    (project / "tests").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (project / "tests" / "test_login.py").write_text(TOY_TEST, encoding="utf-8")
    t0 = time.perf_counter()
    r = run(installed, [str(installed.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W",
                        "error::pytest.PytestUnknownMarkWarning"], project, timeout=180)
    assert r.returncode == 0, r.stdout
    assert "3 passed" in r.stdout, r.stdout
    assert time.perf_counter() - t0 < 60
    assert sqlite_files_under(installed.venv) == []


# --- the LHR demo's console script ---------------------------------------------------------------------

def test_lhr_demo_seeds_and_lists_logins_in_the_working_directory(installed, outside: Path):
    seed = run(installed, [installed.exe("lhr-demo"), "seed"], outside)
    assert seed.returncode == 0, seed.stdout
    assert (outside / "var" / "lhr_demo.sqlite3").is_file()
    assert sqlite_files_under(installed.venv) == []
    logins = run(installed, [installed.exe("lhr-demo"), "logins"], outside)
    assert logins.returncode == 0, logins.stdout
    rows = [line for line in logins.stdout.splitlines() if line[:13].isdigit()]
    assert len(rows) >= 2, logins.stdout
    assert any(row.startswith("1057830862719") for row in rows), logins.stdout

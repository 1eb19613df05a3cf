"""Dependency direction: the mock, the client and the LHR demo never import each other the wrong
way, the pure rules never import Flask, and lhr_demo's layers only import downward; example apps
live outside the packages and are run by the tests; ``make check`` keeps the architecture tests
and leaves out the browser, server-process, Node and PostgreSQL tiers."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "mock_thaid": {"rp_client", "lhr_demo"},
    "rp_client": {"mock_thaid", "lhr_demo"},
    "lhr_demo": {"mock_thaid"},
}
PURE = ["mock_thaid/pid.py", "mock_thaid/pin.py", "mock_thaid/claims.py", "mock_thaid/login/state.py",
        "mock_thaid/errors.py", "mock_thaid/pinhash.py", "mock_thaid/domain/machine.py",
        "lhr_demo/workflow.py", "lhr_demo/thaidate.py"]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def files_of(pkg: str):
    return sorted((ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("pkg", sorted(FORBIDDEN))
def test_no_forbidden_imports(pkg):
    bad = [(str(f.relative_to(ROOT)), sorted(imports(f) & FORBIDDEN[pkg])) for f in files_of(pkg)]
    assert [b for b in bad if b[1]] == []


@pytest.mark.parametrize("rel", PURE)
def test_pure_modules_do_not_import_flask(rel):
    assert not imports(ROOT / rel) & {"flask", "werkzeug", "sqlalchemy"}


def test_the_check_itself_catches_a_forbidden_import(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("from mock_thaid.pid import is_valid\nimport lhr_demo.app\n")
    assert imports(f) >= {"mock_thaid", "lhr_demo"}


# --- examples live outside the packages ------------------------------------------------------------

PACKAGES = ("mock_thaid", "rp_client", "lhr_demo", "thaid_sandbox_data")


def test_no_example_module_inside_a_package():
    """Example apps import Flask and are not library code: they live in examples/, which never ships."""
    inside = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
              if "example" in p.name.lower()]
    assert inside == []


def test_every_example_is_run_by_a_test():
    tests_text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py")
                           if "node_modules" not in p.parts)
    examples = sorted((ROOT / "examples").rglob("*.py"))
    assert examples, "examples/ holds the README's example apps"
    assert [p.name for p in examples if p.name not in tests_text] == []


# --- make check: the fast tier ------------------------------------------------------------------------

#: Modules that must stay in the fast tier: the dependency rules of each package.
ARCHITECTURE_TESTS = ("tests/test_architecture.py", "tests/lhr_demo/test_lhr_architecture.py",
                      "tests/rp_client/test_layout.py")
SLOW_MARKS = {"browser", "live", "node"}  # a real Chromium, a server process, Node and npm


def makefile_variable(name: str) -> str:
    m = re.search(rf"^{name}\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert m, f"no {name} in the Makefile"
    return m.group(1).strip()


def check_selection(args: str) -> tuple[set[str], list[str]]:
    """(marks deselected by ``-m "not a and not b ..."``, folders given to ``--ignore``)."""
    m = re.search(r'-m\s+"([^"]+)"', args)
    assert m, "make check chooses its tests by marker"
    terms = [t.strip() for t in m.group(1).split(" and ")]
    assert all(re.fullmatch(r"not \w+", t) for t in terms), f"keep the -m expression 'not a and not b': {m.group(1)}"
    return {t[4:] for t in terms}, re.findall(r"--ignore=(\S+)", args)


def module_marks(path: Path) -> set[str]:
    """The marks a test module gives all its tests (``pytestmark``), and ``browser`` for tests/browser/."""
    marks = {"browser"} if (ROOT / "tests" / "browser") in path.parents else set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            marks |= {n.attr for n in ast.walk(node.value) if isinstance(n, ast.Attribute) and n.attr != "mark"
                      and isinstance(n.value, ast.Attribute) and n.value.attr == "mark"}
    return marks


def in_check(rel: str, deselected: set[str], ignored: list[str]) -> bool:
    path = ROOT / rel
    if any(rel == i.rstrip("/") or rel.startswith(i.rstrip("/") + "/") for i in ignored):
        return False
    return not module_marks(path) & deselected


def test_make_check_runs_the_architecture_tests_and_leaves_out_the_slow_tiers():
    args = makefile_variable("CHECK_ARGS")
    deselected, ignored = check_selection(args)
    assert SLOW_MARKS <= deselected
    assert "-n auto" in args and '"pytest-xdist' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # every core
    assert "tests/postgres" in [i.rstrip("/") for i in ignored]  # a throw-away PostgreSQL cluster per run
    for rel in ARCHITECTURE_TESTS:
        assert (ROOT / rel).is_file() and in_check(rel, deselected, ignored), rel
    slow = [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")
            if "node_modules" not in p.parts and module_marks(p) & SLOW_MARKS]
    assert len(slow) >= 20 and not [rel for rel in slow if in_check(rel, deselected, ignored)]
    recipe = re.search(r"^check:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert recipe and "$(CHECK_ARGS)" in recipe.group(1)
    assert "$(TEST_STAMP)" in re.search(r"^check:(.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)


def test_the_selection_check_catches_a_slow_module_in_the_fast_tier(tmp_path):
    deselected, ignored = check_selection('-m "not browser and not live" --ignore=tests/postgres')
    assert deselected == {"browser", "live"} and ignored == ["tests/postgres"]
    f = tmp_path / "test_x.py"
    f.write_text("import pytest\npytestmark = [pytest.mark.node, pytest.mark.live]\n")
    assert module_marks(f) == {"node", "live"}
    assert not module_marks(f) <= deselected  # 'node' alone would slip into the fast tier
    assert not in_check("tests/postgres/test_pg_inprocess.py", deselected, ignored)
    with pytest.raises(AssertionError):
        check_selection('-m "browser or not live"')


# --- lhr_demo's layers: domain <- services <- views <- app ---------------------------------------------

#: Each lhr_demo module's layer. A module imports only from its own layer or a lower one.
LHR_LAYERS: dict[str, set[str]] = {
    # data model, pure rules, storage plumbing: no Flask (lhr_demo/test_lhr_architecture.py checks the pure ones)
    "domain": {"__init__", "models", "kp7", "sections", "workflow", "codes", "thaidate", "pid", "uploads", "audit",
               "names", "careers", "settings", "db"},
    # what the app does, whoever asks: the correction workflow and its commits, list lookups, the seed
    "services": {"correction_service", "who", "seed", "demo_logins"},
    # HTTP: per-request plumbing, access rules, blueprints, templates
    "views": {"web", "access", "auth", "records", "corrections", "officer", "dashboard", "evidence", "health",
              "templating"},
    # assembly and the command line
    "app": {"app", "cli"},
}
LAYER_ORDER = list(LHR_LAYERS)


def lhr_imports(path: Path, modules: set[str]) -> set[str]:
    """The lhr_demo modules ``path`` imports (relative or absolute, at the top or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and not node.module:  # from . import a, b
                found |= {a.name for a in node.names}
            elif node.level == 1:  # from .a import x
                found.add(node.module.split(".")[0])
            elif node.level == 0 and node.module and node.module.split(".")[0] == "lhr_demo":
                rest = node.module.split(".")[1:]
                found |= {rest[0]} if rest else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("lhr_demo.")}
    return found & modules


def back_edges(layers: dict[str, set[str]], graph: dict[str, set[str]]) -> list[str]:
    order = list(layers)
    layer_of = {mod: order.index(name) for name, mods in layers.items() for mod in mods}
    return sorted(f"{mod} ({order[layer_of[mod]]}) imports {dep} ({order[layer_of[dep]]})"
                  for mod, deps in graph.items() for dep in deps if layer_of[dep] > layer_of[mod])


def lhr_graph() -> dict[str, set[str]]:
    modules = {p.stem for p in (ROOT / "lhr_demo").glob("*.py")}
    return {p.stem: lhr_imports(p, modules) for p in (ROOT / "lhr_demo").glob("*.py")}


def test_every_lhr_module_has_a_layer():
    assigned = [m for mods in LHR_LAYERS.values() for m in mods]
    assert len(assigned) == len(set(assigned)), "a module in two layers"
    assert set(lhr_graph()) == set(assigned), "place a new lhr_demo module in LHR_LAYERS"


def test_lhr_layers_only_import_downward():
    assert back_edges(LHR_LAYERS, lhr_graph()) == []


def test_the_layer_check_catches_a_back_edge(tmp_path):
    f = tmp_path / "models.py"
    f.write_text("from . import sections\nfrom .web import dbs\n\ndef later():\n    from lhr_demo.app import create_app\n"
                 "    import lhr_demo.officer\n")
    graph = {"models": lhr_imports(f, {"sections", "web", "app", "officer"})}
    assert graph["models"] == {"sections", "web", "app", "officer"}
    assert back_edges(LHR_LAYERS, graph) == ["models (domain) imports app (app)", "models (domain) imports officer (views)",
                                             "models (domain) imports web (views)"]
    # and the real graph has the edges the check reads (a parse that found nothing would pass vacuously)
    real = lhr_graph()
    assert {"correction_service", "web", "access"} <= real["corrections"] and "models" in real["correction_service"]


# --- mock_thaid's layers: domain <- support <- store <- services <- features <- tools <- app --------------

#: Each mock_thaid module's layer (dotted name under mock_thaid; a package's __init__ is its name).
#: A module imports only from its own layer or a lower one. Within a layer, anything goes.
MOCK_LAYERS: dict[str, set[str]] = {
    # pure rules and values: no Flask, no database (the PURE list above checks the imports)
    "domain": {"", "domain", "domain.machine", "domain.dates", "domain.offices", "domain.marker", "domain.enrol_errors",
               "domain.ial", "domain.endpoints", "pid", "pin", "pinhash", "claims", "errors", "clock", "classplan", "messages",
               "messages_enrol", "messages_trainer", "login.state", "settings"},
    # things with I/O but no state: keys on disk, QR and card images, photo checks, the LAN, start-up helpers
    "support": {"keys", "qr", "lan", "readiness", "initdir", "cardimages", "enrolment.images"},
    # the database: models and one repository per aggregate
    "store": {"store", "store.models", "store.db", "store.fast", "store.shared", "store.postgres", "store.citizens",
              "store.clients", "store.logins", "store.grants", "store.enrolments", "store.events", "store.faults",
              "store.seed"},
    # what every request shares: the services bundle, faults, language, the phone's session, the inspector, guards
    "services": {"services", "faults", "i18n", "ial", "phone", "inspector", "errorpages", "guard"},
    # what people and programs call: ThaiD's endpoints, the QR login, the app, registration, consoles, control API
    "features": {"oidc", "oidc.routes", "oidc.discovery", "oidc.authorize", "oidc.clientauth", "oidc.tokens",
                 "oidc.token_endpoint", "oidc.introspection", "oidc.logout", "login", "login.flow", "login.pages",
                 "login.views", "app_sim", "app_sim.views", "enrolment", "enrolment.api", "enrolment.home",
                 "enrolment.officerpath", "enrolment.selfpath", "enrolment.steps", "enrolment.views", "officer",
                 "officer.lockout", "officer.views", "control", "control.admin", "control.api", "control.bodies",
                 "control.faults_api", "control.login", "trainer", "callback"},
    # HTTP clients of a running mock (the scenario runner, check-rp): they never reach into the server
    "tools": {"scenarios", "scenarios.loader", "scenarios.runner", "scenarios.report", "checkrp", "checkrp.browser",
              "checkrp.chromium", "checkrp.context", "checkrp.control", "checkrp.main", "checkrp.profile",
              "checkrp.report", "checkrp.rows", "checkrp.texts"},
    # assembly and the command line
    "app": {"app", "cli"},
}


def mock_module_name(path: Path) -> str:
    rel = path.relative_to(ROOT / "mock_thaid").with_suffix("")
    parts = list(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
    return ".".join(parts)


def mock_imports(path: Path, modules: set[str]) -> set[str]:
    """The mock_thaid modules ``path`` imports (relative or absolute, at the top or inside a function)."""
    me = mock_module_name(path)
    package = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    package = [p for p in package if p]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "mock_thaid":
                target = node.module.split(".")[1:]
            else:
                continue
            dotted = ".".join(target)
            for alias in node.names:  # `from . import machine` names a module; `from .x import y` names x
                sub = f"{dotted}.{alias.name}" if dotted else alias.name
                found.add(sub if sub in modules else dotted)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("mock_thaid."):
                    found.add(alias.name.split(".", 1)[1])
    return (found & modules) - {me}


def mock_graph() -> dict[str, set[str]]:
    files = sorted((ROOT / "mock_thaid").rglob("*.py"))
    modules = {mock_module_name(p) for p in files}
    return {mock_module_name(p): mock_imports(p, modules) for p in files}


def test_every_mock_module_has_a_layer():
    assigned = [m for mods in MOCK_LAYERS.values() for m in mods]
    assert len(assigned) == len(set(assigned)), "a module in two layers"
    assert set(mock_graph()) == set(assigned), "place a new mock_thaid module in MOCK_LAYERS"


def test_mock_layers_only_import_downward():
    assert back_edges(MOCK_LAYERS, mock_graph()) == []


def test_the_mock_layer_check_catches_a_back_edge():
    """The three back-edges this contract was written to remove, put back on paper."""
    graph = mock_graph()
    graph["store.enrolments"] = graph["store.enrolments"] | {"enrolment.steps"}
    graph["cardimages"] = graph["cardimages"] | {"enrolment.selfpath"}
    graph["domain.machine"] = graph["domain.machine"] | {"officer.views"}
    assert back_edges(MOCK_LAYERS, graph) == [
        "cardimages (support) imports enrolment.selfpath (features)",
        "domain.machine (domain) imports officer.views (features)",
        "store.enrolments (store) imports enrolment.steps (features)"]
    # and the real graph has the edges the check reads (a parse that found nothing would pass vacuously)
    real = mock_graph()
    assert {"domain.machine", "store.enrolments", "services"} <= real["enrolment.steps"]
    assert {"domain.machine"} <= real["store.enrolments"] and "domain.marker" in real["cardimages"]
    assert {"oidc.routes", "services"} <= real["oidc.discovery"]


def test_the_mock_domain_is_pure():
    for name in MOCK_LAYERS["domain"]:
        path = ROOT / "mock_thaid" / (name.replace(".", "/") + ".py") if name else ROOT / "mock_thaid" / "__init__.py"
        if not path.exists():
            path = ROOT / "mock_thaid" / name.replace(".", "/") / "__init__.py"
        assert not imports(path) & {"flask", "werkzeug", "sqlalchemy", "PIL", "requests", "httpx"}, name


def test_the_http_tools_never_reach_into_the_server():
    """check-rp and the scenario runner talk to a mock over HTTP only (they run against any URL)."""
    server = MOCK_LAYERS["store"] | MOCK_LAYERS["services"] | MOCK_LAYERS["features"] | MOCK_LAYERS["support"]
    graph = mock_graph()
    assert {m: sorted(graph[m] & server) for m in MOCK_LAYERS["tools"] if graph[m] & server} == {}


# --- one wire contract: ThaiD's paths are written once -------------------------------------------

def test_thaids_endpoint_paths_are_written_only_in_the_endpoint_table():
    """Discovery, routes, the inspector and the error pages read mock_thaid/domain/endpoints.py;
    a ThaiD path typed anywhere else in the server is a second description that can drift."""
    from mock_thaid.domain.endpoints import ENDPOINTS

    paths = {e.path.rstrip("/") for e in ENDPOINTS.values()} - {"/jwks"}  # "/jwks" is also a fault point's name
    table = ROOT / "mock_thaid" / "domain" / "endpoints.py"
    tools = {"scenarios", "checkrp"}  # HTTP clients of the mock: they call the paths, they do not serve them
    found = []
    for f in sorted((ROOT / "mock_thaid").rglob("*.py")):
        if f == table or f.relative_to(ROOT / "mock_thaid").parts[0] in tools:
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        doc_nodes = {id(n.body[0].value) for n in ast.walk(tree)
                     if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                     and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in doc_nodes:
                found += [f"{f.relative_to(ROOT)}:{node.lineno} {p}" for p in paths if p in node.value]
    assert found == []


def test_the_served_routes_and_the_discovery_document_follow_the_table():
    from conftest import make_app
    from mock_thaid.domain.endpoints import ENDPOINTS

    app = make_app(profile="oidc")
    rules = {r.rule: r.methods for r in app.url_map.iter_rules()}
    for e in ENDPOINTS.values():
        for path in (e.path, e.path.rstrip("/")):
            assert path in rules and set(e.methods) <= rules[path], (e.name, path)
    doc = app.test_client().get("/.well-known/openid-configuration").json
    assert {e.discovery_key: doc[e.discovery_key] for e in ENDPOINTS.values() if e.discovery_key} == {
        e.discovery_key: "http://mock.test" + e.path for e in ENDPOINTS.values() if e.discovery_key}

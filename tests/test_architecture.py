"""Dependency direction (architecture.md): the mock, the client and the LHR demo never import
each other the wrong way, and the pure rules never import Flask."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "mock_thaid": {"rp_client", "lhr_demo"},
    "rp_client": {"mock_thaid", "lhr_demo"},
    "lhr_demo": {"mock_thaid"},
}
PURE = ["mock_thaid/pid.py", "mock_thaid/pin.py", "mock_thaid/claims.py", "mock_thaid/login/state.py",
        "mock_thaid/errors.py", "mock_thaid/pinhash.py", "mock_thaid/enrolment/machine.py",
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

"""rp_client's shape: it never imports mock_thaid, lhr_demo or the sandbox's data package
(it must work against the real ThaiD with no sandbox installed), only flask_ext imports Flask,
modules stay small, and the public API has docstrings."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import rp_client

PKG = Path(rp_client.__file__).resolve().parent
MODULES = sorted(PKG.rglob("*.py"))
FLASKY = {"flask", "werkzeug", "flask_wtf"}
#: The README's example app lives outside the package (it imports Flask, and must not ship).
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rp_client_flask_app.py"


def top_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.add(str(node.args[0].value).split(".")[0])
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_never_imports_the_mock_or_the_demo(path):
    assert not top_imports(path) & {"mock_thaid", "lhr_demo", "thaid_sandbox_data"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_only_flask_ext_imports_flask(path):
    if path.name == "flask_ext.py":
        return
    assert not top_imports(path) & FLASKY


def test_the_check_catches_a_forbidden_import(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("import importlib\nimportlib.import_module('mock_thaid.app')\nfrom flask import g\n")
    assert top_imports(f) >= {"mock_thaid", "flask"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_modules_stay_under_300_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 300


def test_py_typed_and_only_environ_reader():
    assert (PKG / "py.typed").exists()
    readers = [p.name for p in MODULES if "os.environ" in p.read_text(encoding="utf-8")]
    assert readers == ["config.py"]


def test_public_api_is_documented():
    undocumented = []
    for name in rp_client.__all__:
        obj = getattr(rp_client, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            if not inspect.getdoc(obj):
                undocumented.append(name)
            for meth_name, meth in vars(obj).items() if inspect.isclass(obj) else []:
                if inspect.isfunction(meth) and not meth_name.startswith("_") and not inspect.getdoc(meth):
                    undocumented.append(f"{name}.{meth_name}")
    assert undocumented == []


def test_the_readme_shows_exactly_the_tested_example():
    readme = (PKG / "README.md").read_text(encoding="utf-8")
    example = EXAMPLE.read_text(encoding="utf-8")
    assert "```python\n" + example + "```" in readme

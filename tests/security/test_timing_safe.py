"""Secrets are compared in constant time (``hmac.compare_digest``), as SECURITY.md says.

The client authentication module is read as an AST (every comparison of the client secret
and the API key goes through its compare_digest helper, and no ``==``/``!=`` touches them)
and watched at run time; the other secret comparisons (PKCE verifier, officer password, PIN
hash, the RP's state, nonce and at_hash) are checked the same way, and a scan of all three
packages finds no plain ``==`` between two values named like secrets.
"""
from __future__ import annotations

import ast
import hmac
import re
from pathlib import Path

import pytest
from conftest import make_app
from oidc_helpers import basic, exchange
from sec_helpers import ROOT

SECRETISH = re.compile(r"(secret|password|passwd|api_?key|verifier|pin_hash|digest|state|nonce|at_hash|csrf)", re.I)


def tree_of(rel: str) -> tuple[ast.Module, str]:
    src = (ROOT / rel).read_text(encoding="utf-8")
    return ast.parse(src), src


def function(tree: ast.Module, name: str) -> ast.FunctionDef:
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)


def calls_compare_digest(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "compare_digest"
               and isinstance(n.func.value, ast.Name) and n.func.value.id == "hmac" for n in ast.walk(node))


def plain_comparisons(node: ast.AST, src: str) -> list[str]:
    out = []
    for n in ast.walk(node):
        if isinstance(n, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) for op in n.ops):
            out.append(ast.get_source_segment(src, n))
    return out


def test_client_authentication_compares_secret_and_api_key_with_compare_digest():
    tree, src = tree_of("mock_thaid/oidc/clientauth.py")
    helpers = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and calls_compare_digest(f)]
    assert helpers, "clientauth.py never calls hmac.compare_digest"
    names = {f.name for f in helpers}
    auth = function(tree, "authenticate")
    used = [n for n in ast.walk(auth) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in names]
    compared = {ast.get_source_segment(src, a) for call in used for a in call.args}
    assert any("secret" in c for c in compared), "the client secret is not compared through compare_digest"
    assert any("api_key" in c for c in compared), "the API key is not compared through compare_digest"
    for seg in plain_comparisons(auth, src):
        assert not re.search(r"secret|api_key", seg) or re.fullmatch(r"[\w.]+ is (not )?None", seg), \
            f"plain comparison of a secret in authenticate(): {seg}"


def test_at_run_time_the_token_endpoint_calls_compare_digest_on_the_secret(monkeypatch):
    from mock_thaid.oidc import clientauth

    seen = []
    real = hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(clientauth.hmac, "compare_digest", spy)
    c = make_app().test_client()
    exchange(c, "x", headers={**basic("demo-rp", "wrong-secret"), "x-imauth-apikey": "wrong-key"})
    assert any(b"wrong-secret" in (a, b) for a, b in seen), seen
    exchange(c, "x", headers={**basic("demo-rp", "demo-rp-secret-TEST-ONLY"), "x-imauth-apikey": "wrong-key"})
    assert any(b"wrong-key" in (a, b) for a, b in seen), seen


@pytest.mark.parametrize("rel,func", [
    ("mock_thaid/oidc/token_endpoint.py", "_pkce_problem"),
    ("mock_thaid/officer/views.py", "login"),
    ("mock_thaid/pinhash.py", "verify_pin"),
    ("rp_client/client.py", None),
    ("rp_client/idtoken.py", None),
])
def test_the_other_secret_comparisons_are_constant_time(rel, func):
    tree, src = tree_of(rel)
    node = function(tree, func) if func else tree
    assert calls_compare_digest(node), f"{rel}:{func} does not use hmac.compare_digest"


def _is_sql_expression(n: ast.Compare) -> bool:
    """``Model.column == value`` inside a query: a database lookup, not a comparison in Python."""
    left = n.left
    return isinstance(left, ast.Attribute) and isinstance(left.value, ast.Name) and left.value.id[:1].isupper()


ALLOWED = {
    ("lhr_demo/uploads.py", "hashlib.sha256(data).hexdigest() != sha256"),  # integrity of a stored file, no secret
}


def test_no_plain_equality_between_secret_looking_values():
    found = []
    for pkg in ("mock_thaid", "rp_client", "lhr_demo"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            src = path.read_text(encoding="utf-8")
            for n in ast.walk(ast.parse(src)):
                if not isinstance(n, ast.Compare) or not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in n.ops):
                    continue
                operands = [n.left, *n.comparators]
                if any(isinstance(o, ast.Constant) for o in operands) or _is_sql_expression(n):
                    continue
                seg = ast.get_source_segment(src, n)
                rel = str(path.relative_to(ROOT))
                if SECRETISH.search(seg) and (rel, seg) not in ALLOWED:
                    found.append(f"{rel}:{n.lineno}: {seg}")
    assert not found, "compare these with hmac.compare_digest:\n" + "\n".join(found)


def test_security_md_still_promises_it():
    assert "hmac.compare_digest" in Path(ROOT / "SECURITY.md").read_text(encoding="utf-8")

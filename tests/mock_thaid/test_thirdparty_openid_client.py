"""The mock seen through panva's openid-client 6 (Node), an OpenID-certified RP library.

``tests/node/oidc_flow.mjs`` runs discovery, the code flow with PKCE S256 + state + nonce
(ID token signatures checked against the JWKS: enableNonRepudiationChecks), userinfo,
refresh, introspection and revocation against a live mock, and prints one JSON line.

These tests never skip: without Node or without ``tests/node/node_modules`` they fail and
say to run ``npm ci --prefix tests/node``.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import DEMO_PID, DEMO_RP, start_live

pytestmark = [pytest.mark.node, pytest.mark.live]

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
SCRIPT = NODE_DIR / "oidc_flow.mjs"
INSTALL = "npm ci --prefix tests/node"
STRICT = ["--client-id", "strict-rp", "--client-secret", "strict-rp-secret-TEST-ONLY"]
STRICT_KEY = ["--api-key", "strict-rp-apikey-TEST-ONLY"]
ALL_STEPS = ["discovery", "build_authorization_url", "authorize", "authorization_code_grant", "userinfo",
             "refresh_token_grant", "introspection", "revocation", "introspection_after_revoke"]


def require_node(node_dir: Path = NODE_DIR) -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"`node` is not on PATH: install Node.js 20 or newer, then run `{INSTALL}`")
    if not (node_dir / "node_modules" / "openid-client" / "package.json").is_file():
        pytest.fail(f"openid-client is not installed in {node_dir / 'node_modules'}: run `{INSTALL}` "
                    "(from the repository root) before these tests")
    return node


def run_flow(url: str, *args: str, rc: int = 0, script: Path = SCRIPT) -> dict:
    node = require_node()
    proc = subprocess.run([node, str(script), url, *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == rc, (
        f"oidc_flow.mjs exited {proc.returncode}, expected {rc}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no JSON line on stdout; stderr: {proc.stderr}"
    result = json.loads(lines[-1])
    if rc == 1:
        assert proc.stderr.strip(), "a failure must also be explained on stderr"
    return result


@pytest.fixture
def oidc_live():
    live = start_live(profile="oidc")
    yield live
    # close the sockets from waitress's own loop thread (closing them from here races select())
    from waitress import wasyncore

    live.server.trigger.pull_trigger(lambda: wasyncore.close_all(live.server._map))
    live.thread.join(5)
    live.server.task_dispatcher.shutdown()


# --------------------------------------------------------------------------- installation


def test_installed_openid_client_is_the_locked_6x():
    require_node()
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/openid-client"]["version"]
    installed = json.loads((NODE_DIR / "node_modules" / "openid-client" / "package.json").read_text())["version"]
    assert locked.startswith("6.")
    assert installed == locked, f"node_modules is stale (openid-client {installed}, lock {locked}): run `{INSTALL}`"
    pkg = json.loads((NODE_DIR / "package.json").read_text())
    assert pkg["private"] is True and pkg["type"] == "module"
    assert pkg["dependencies"]["openid-client"] == locked  # pinned, not a range


def test_missing_node_modules_fails_with_the_install_command(tmp_path):
    with pytest.raises(pytest.fail.Exception, match=r"npm ci --prefix tests/node"):
        require_node(tmp_path)
    # the script on its own says the same, as JSON, with a non-zero exit
    lonely = tmp_path / "oidc_flow.mjs"
    shutil.copy(SCRIPT, lonely)
    proc = subprocess.run([require_node(), str(lonely), "http://127.0.0.1:9"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["ok"] is False and out["failed_step"] == "import"
    assert INSTALL in out["error"]["message"] and INSTALL in proc.stderr


# --------------------------------------------------------------------------- the whole flow


def test_full_flow_thaid_profile_client_secret_basic(live_mock):
    t0 = int(time.time())
    r = run_flow(live_mock.url)
    assert r["ok"] is True and r["steps"] == ALL_STEPS
    assert r["issuer"] == live_mock.url
    assert r["discovery"]["supportsPKCE"] is False  # not advertised (quirk 8), used anyway

    c = r["claims"]  # validated by openid-client: signature (JWKS), iss, aud, exp, iat, nonce
    assert c["iss"] == live_mock.url and c["aud"] == DEMO_RP["client_id"]
    assert c["sub"] == DEMO_PID and c["pid"] == DEMO_PID and c["name"] == "นาย ทดสอบ ระบบ"
    assert c["version"] == 2 and c["nonce"] and c["at_hash"]
    assert t0 - 1 <= c["auth_time"] <= c["iat"] and c["exp"] == c["iat"] + 900
    header = r["token"]["id_token_header"]
    jwks = live_mock.services.keys.jwks()
    assert header["alg"] == "ES256" and header["kid"] in {k["kid"] for k in jwks["keys"]}

    # quirk 1: an absolute expiry; openid-client takes it for a duration of ~56 years
    tok = r["token"]
    assert tok["token_type"] == "bearer" and tok["has_id_token"] is True and tok["extra"] == {}
    assert tok["expires_in"] == c["exp"]
    assert tok["expiresIn"] > 10 * 365 * 24 * 3600

    assert r["userinfo"] == {"sub": DEMO_PID, "pid": DEMO_PID, "name": "นาย ทดสอบ ระบบ"}
    assert r["refresh"]["new_refresh_token_differs"] and r["refresh"]["new_access_token_differs"]
    assert r["refresh"]["claims"]["sub"] == DEMO_PID and "nonce" not in r["refresh"]["claims"]
    assert r["refresh"]["claims"]["auth_time"] == c["auth_time"]

    reuse = r["checks"]["refresh_reuse"]
    assert reuse["refused"] is True
    assert (reuse["error"], reuse["status"]) == ("invalid_refresh_token", 401)

    assert r["introspection"]["active"] is True
    assert r["introspection"]["sub"] == DEMO_PID and r["introspection"]["scope"] == "openid pid name"
    assert r["introspection_after_revoke"] == {"active": False}
    after = r["checks"]["userinfo_after_revoke"]
    assert after["refused"] is True and after["code"] == "OAUTH_WWW_AUTHENTICATE_CHALLENGE" and after["status"] == 401


def test_client_secret_post_without_openid_gets_flat_claims(live_mock):
    r = run_flow(live_mock.url, "--auth", "post", "--scope", "pid name birthdate")
    assert r["ok"] is True and r["steps"] == ALL_STEPS
    assert r["claims"] is None and r["token"]["has_id_token"] is False
    assert r["token"]["extra"] == {"pid": DEMO_PID, "name": "นาย ทดสอบ ระบบ", "birthdate": "1990-01-01"}
    assert r["userinfo"]["sub"] == DEMO_PID and r["userinfo"]["birthdate"] == "1990-01-01"
    assert r["introspection"]["scope"] == "pid name birthdate"


def test_strict_client_with_api_key(live_mock):
    r = run_flow(live_mock.url, *STRICT, *STRICT_KEY)
    assert r["ok"] is True and r["claims"]["aud"] == "strict-rp"


def test_strict_client_without_api_key_is_refused_at_the_token_endpoint(live_mock):
    r = run_flow(live_mock.url, *STRICT, rc=1)
    assert r["failed_step"] == "authorization_code_grant"
    assert r["error"]["code"] == "OAUTH_RESPONSE_BODY_ERROR"
    assert (r["error"]["error"], r["error"]["status"]) == ("unauthorized_client", 401)


def test_after_key_rotation_the_new_kid_signs_and_verifies(live_mock):
    rotated = live_mock.services.keys.rotate()
    r = run_flow(live_mock.url)
    assert r["ok"] is True
    assert r["token"]["id_token_header"]["kid"] == rotated.kid
    assert len(live_mock.services.keys.jwks()["keys"]) == 2


# --------------------------------------------------------------------------- tampering


@pytest.mark.parametrize(("tamper", "code", "detail"), [
    ("nonce", "OAUTH_JWT_CLAIM_COMPARISON_FAILED", 'unexpected ID Token "nonce" claim value'),
    ("state", "OAUTH_INVALID_RESPONSE", 'unexpected "state" response parameter value'),
    ("signature", "OAUTH_INVALID_RESPONSE", "JWT signature verification failed"),
])
def test_openid_client_rejects_tampering(live_mock, tamper, code, detail):
    r = run_flow(live_mock.url, "--tamper", tamper, rc=1)
    assert r["ok"] is False and r["mode"] == tamper
    assert r["failed_step"] == "authorization_code_grant"
    assert r["steps"] == ["discovery", "build_authorization_url", "authorize"]
    assert r["error"]["code"] == code
    assert r["error"]["cause"]["message"] == detail


def test_a_wrong_pkce_verifier_still_gets_tokens_like_thaid_and_the_inspector_warns(live_mock):
    r = run_flow(live_mock.url, "--tamper", "pkce")
    assert r["ok"] is True
    events = requests.get(live_mock.url + "/_mock/events", timeout=10).json()["events"]
    token = next(e for e in events if e["endpoint"] == "token" and e["request"].get("grant_type") == "authorization_code")
    assert token["status"] == 200
    assert token["explanation"].startswith("ThaiD accepted this; a strict provider would refuse it")


@pytest.mark.parametrize(("tamper", "error", "status"), [
    ("secret", "unauthorized_client", 401),
])
def test_mock_refuses_tampering_the_thaid_way(live_mock, tamper, error, status):
    r = run_flow(live_mock.url, "--tamper", tamper, rc=1)
    assert r["failed_step"] == "authorization_code_grant"
    assert r["error"]["code"] == "OAUTH_RESPONSE_BODY_ERROR"
    assert (r["error"]["error"], r["error"]["status"]) == (error, status)


def test_issuer_must_match_the_url_character_for_character(live_mock):
    other = live_mock.url.replace("127.0.0.1", "localhost")
    r = run_flow(other, rc=1)
    assert r["failed_step"] == "discovery"
    assert r["error"]["code"] == "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED"


# --------------------------------------------------------------------------- the oidc profile


def test_oidc_profile_full_flow(oidc_live):
    r = run_flow(oidc_live.url)
    assert r["ok"] is True and r["steps"] == ALL_STEPS + ["end_session"]
    assert r["logout"] == {"status": 302, "location": "http://127.0.0.1:8080/callback?state=bye"}
    assert r["discovery"]["supportsPKCE"] is True
    assert r["discovery"]["code_challenge_methods_supported"] == ["S256"]
    assert r["token"]["expires_in"] == 900 and 890 <= r["token"]["expiresIn"] <= 900
    reuse = r["checks"]["refresh_reuse"]
    assert (reuse["error"], reuse["status"]) == ("invalid_grant", 400)


def test_oidc_profile_wrong_verifier_is_invalid_grant(oidc_live):
    r = run_flow(oidc_live.url, "--tamper", "pkce", rc=1)
    assert (r["error"]["error"], r["error"]["status"]) == ("invalid_grant", 400)

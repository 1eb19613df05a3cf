"""rp_client against a provider nobody on the team wrote: panva's oidc-provider (npm).

Needs ``npm ci --prefix tests/rp_client/node_op``; without it these tests FAIL (a missing
third-party check must not pass silently).
"""
from __future__ import annotations

import datetime as dt
import queue
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

import rp_client as rp
from rp_testkit import DEMO_PID

pytestmark = [pytest.mark.node, pytest.mark.live]

OP_DIR = Path(__file__).resolve().parent / "node_op"
CLIENT = {"client_id": "rp-client-test", "client_secret": "rp-client-test-secret-TEST-ONLY",
          "redirect_uri": "http://127.0.0.1:5001/auth/thaid/callback"}
SCOPES = "openid pid name name_en title title_en birthdate gender address"


@pytest.fixture(scope="module")
def op_url():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: these tests need Node 20 and `npm ci --prefix tests/rp_client/node_op`")
    if not (OP_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("oidc-provider is not installed: run `npm ci --prefix tests/rp_client/node_op`")
    proc = subprocess.Popen([node, str(OP_DIR / "server.mjs")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=OP_DIR)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put("")], daemon=True).start()
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    try:
        line = lines.get(timeout=20)
    except queue.Empty:
        line = ""
    match = re.search(r"serving (\S+)", line)
    if not match:
        proc.kill()
        pytest.fail(f"oidc-provider did not start (exit {proc.poll()}): {line!r}")
    yield match.group(1)
    proc.terminate()
    proc.wait(timeout=10)


def login(client: rp.ThaiDClient, pid: str = DEMO_PID) -> rp.LoginResult:
    """Authorize -> the provider's login form (submitted headlessly) -> auto consent -> callback."""
    start = client.begin_login()
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        url = start.url
        for _ in range(10):
            answer = browser.get(url)
            if answer.status_code == 200 and "<form" in answer.text:
                action = re.search(r'action="([^"]+)"', answer.text).group(1)
                answer = browser.post(urljoin(url, action), data={"login": pid})
            assert answer.status_code in (302, 303), answer.text[:500]
            url = urljoin(url, answer.headers["Location"])
            if url.startswith(CLIENT["redirect_uri"]):
                return client.complete_login(start.pending, url)
    raise AssertionError("never came back to the redirect URI")


def config(op_url: str, **settings) -> rp.ThaiDConfig:
    return rp.ThaiDConfig(issuer=op_url, scopes=settings.pop("scopes", SCOPES), **CLIENT, **settings)


def test_login_refresh_userinfo_introspect_revoke(op_url):
    with rp.ThaiDClient(config(op_url)) as client:
        assert client.metadata().issuer == op_url
        result = login(client)
        who = result.identity
        assert who.pid == DEMO_PID and who.sub == DEMO_PID
        assert (who.name, who.title_en, who.birthdate) == ("นาย ทดสอบ ระบบ", "Mr.", dt.date(1990, 1, 1))
        assert who.address.startswith("1 หมู่ 1")
        tokens = result.tokens
        assert tokens.raw["expires_in"] <= 900  # a standard duration
        assert tokens.received_at + 800 < tokens.expires_at <= tokens.received_at + 900
        assert tokens.refresh_token

        assert client.userinfo(tokens)["sub"] == DEMO_PID
        assert client.introspect(tokens.access_token)["active"] is True
        fresh = client.refresh(tokens)
        assert fresh.sub == DEMO_PID and fresh.access_token != tokens.access_token
        client.revoke(fresh.access_token, token_type_hint="access_token")
        assert client.introspect(fresh.access_token)["active"] is False


def test_client_secret_post(op_url):
    with rp.ThaiDClient(config(op_url, token_auth_method="client_secret_post", scopes="openid pid")) as client:
        assert login(client).identity.pid == DEMO_PID


def test_a_wrong_secret_is_a_typed_provider_error(op_url):
    with rp.ThaiDClient(config(op_url).replace(client_secret="wrong")) as client:
        with pytest.raises(rp.ProviderError) as info:
            login(client)
        assert info.value.error == "invalid_client" and info.value.endpoint == "token"


def test_an_rs256_only_allow_list_refuses_its_es256_tokens(op_url):
    with rp.ThaiDClient(config(op_url, id_token_algs=("RS256",))) as client:
        with pytest.raises(rp.IDTokenUnsupportedAlg) as info:
            login(client)
        assert info.value.alg == "ES256"

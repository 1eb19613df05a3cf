"""docker-compose.yml's postgres profile as local processes, on the throw-away cluster of
conftest.py (a fresh, empty database in place of the `postgres` service): two `mock-pg` replicas
started together from the service's own command line (its --workers, its environment), a login
begun on one and finished on the other under the one issuer URL, and then the profile's LHR demo
logging a person in through a round-robin stand-in for deploy/nginx.conf's proxy.
tests/deploy/compose_local.py says how the container world is mapped onto 127.0.0.1."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

sys.path.append(str(Path(__file__).resolve().parents[1] / "deploy"))
from compose_files import load_compose, nginx_conf, parse_with_real_cli, services  # noqa: E402
from compose_local import MALI, MALI_NAME, MALI_PID_SHOWN, TIMEOUT, LocalStack, login_through_lhr  # noqa: E402

pytestmark = pytest.mark.live
COMPOSE = load_compose()
REPLICAS = 2
LHR_SECRET = "lhr-demo-secret-TEST-ONLY"


def wait_ok(url: str, deadline_s: float = 30) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer 200"
        time.sleep(0.1)


def authorize(replica_url: str, redirect_uri: str, n: int) -> str:
    r = requests.get(replica_url + "/api/v2/oauth2/auth/", allow_redirects=False, timeout=TIMEOUT,
                     headers={"X-Mock-Persona": MALI},
                     params={"response_type": "code", "client_id": "lhr-demo", "redirect_uri": redirect_uri,
                             "scope": "openid pid name", "state": f"s{n}", "nonce": f"n{n}"})
    assert r.status_code == 302, (r.status_code, r.text[:300])
    location = r.headers["Location"]
    assert location.startswith(redirect_uri + "?"), location
    q = parse_qs(urlsplit(location).query)
    assert q["state"] == [f"s{n}"]
    return q["code"][0]


def exchange(replica_url: str, code: str, redirect_uri: str) -> dict:
    r = requests.post(replica_url + "/api/v2/oauth2/token/", auth=("lhr-demo", LHR_SECRET), timeout=TIMEOUT,
                      data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
    assert r.status_code == 200, r.text[:300]
    return jwt.decode(r.json()["id_token"], options={"verify_signature": False})


@pytest.fixture
def stack(pg_cluster, tmp_path):
    # The compose file's URL is postgresql://...: the same bare scheme, on the test cluster.
    url = pg_cluster.create_database("compose").replace("postgresql+psycopg://", "postgresql://", 1)
    s = LocalStack(COMPOSE, tmp_path, replicas={"mock-pg": REPLICAS}, database_urls={"postgres": url})
    s.db_url = url
    try:
        yield s
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.close()


def test_mock_pg_replicas_share_one_issuer_and_the_lhr_logs_in_through_the_proxy(stack, pg_cluster):
    svc = services(COMPOSE)["mock-pg"]
    workers = parse_with_real_cli(svc.command).workers
    assert workers >= 2

    # Two replicas, started together on the empty database, each with its compose command line.
    replicas = [stack.start("mock-pg", i) for i in range(REPLICAS)]
    for r in replicas:
        stack.wait_healthy(r)
    urls = [f"http://127.0.0.1:{r.replica.port}" for r in replicas]
    issuer = stack.browser_origin(parse_with_real_cli(svc.command).issuer)
    for r, u in zip(replicas, urls):
        assert f"with {workers} gunicorn workers" in r.output()
        assert requests.get(u + "/.well-known/openid-configuration", timeout=TIMEOUT).json()["issuer"] == issuer
    token = {"Authorization": "Bearer " + svc.env["MOCK_THAID_CONTROL_TOKEN"]}  # bound to 0.0.0.0: needed
    assert requests.get(urls[0] + "/_mock/citizens", timeout=TIMEOUT).status_code == 401
    citizens = [len(requests.get(u + "/_mock/citizens", headers=token, timeout=TIMEOUT).json()["citizens"])
                for u in urls]
    assert len(set(citizens)) == 1 and citizens[0] > 0, citizens
    kids = [[k["kid"] for k in requests.get(u + "/jwks/", timeout=TIMEOUT).json()["keys"]] for u in urls]
    assert kids[0] == kids[1], kids
    with pg_cluster.connect(stack.db_url) as conn:  # seeded once, not once per replica
        assert conn.execute("SELECT count(*) FROM citizens").fetchone()[0] == citizens[0]

    # A login begun on one replica is finished on the other, in both directions.
    lhr_pg = services(COMPOSE)["lhr-pg"]
    redirect = stack.url(lhr_pg.env["LHR_REDIRECT_URI"])
    for n, (a, b) in enumerate([(urls[0], urls[1]), (urls[1], urls[0])]):
        claims = exchange(b, authorize(a, redirect, n), redirect)
        assert (claims["iss"], claims["sub"], claims["aud"], claims["nonce"]) == (issuer, MALI, "lhr-demo", f"n{n}")

    # The proxy (deploy/nginx.conf, here a round-robin stand-in) and the profile's LHR demo.
    ((upstream,),) = [[s[0] for s in servers] for servers in nginx_conf().upstreams.values()]
    proxy = stack.start_nginx_stand_in("proxy", upstream.split(":")[0])
    wait_ok(stack.forward(issuer) + "/healthz")
    lhr = stack.start("lhr-pg")
    stack.wait_healthy(lhr)
    assert lhr.env["LHR_THAID_ISSUER"] == issuer
    assert lhr.env["LHR_THAID_BACKCHANNEL_URL"] == f"http://127.0.0.1:{stack.ports['proxy'][0]}"
    _, page = login_through_lhr(stack, stack.browser_origin(lhr_pg.env["LHR_REDIRECT_URI"].split("/auth/")[0]),
                                issuer)
    assert MALI_NAME in page and MALI_PID_SHOWN in page, page[:3000]
    assert set(proxy.used) == {r.replica.port for r in replicas}, "every replica served part of the login"

    for p in stack.procs:
        out = p.output()
        assert "Traceback" not in out and "duplicate key" not in out and "UNIQUE" not in out, out[-3000:]

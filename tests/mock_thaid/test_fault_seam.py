"""The one fault seam (issue 17 item 2): every fault returns a typed outcome its hook point
carries out, declares its parameters, and its use is counted without committing anyone else's
transaction."""
from __future__ import annotations

import time

import jwt
import pytest
from conftest import make_app

from mock_thaid import faults
from mock_thaid.control import bodies
from mock_thaid.store import faults as store
from mock_thaid.store import shared

CLAIMS = {"iss": "http://mock.test", "aud": "demo-rp", "sub": "1234567890121", "iat": int(time.time()),
          "exp": int(time.time()) + 3600, "nonce": "n-1", "pid": "1234567890121", "name": "ทดสอบ"}


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def services(app):
    return app.extensions["mock_thaid"]


@pytest.mark.parametrize("name", sorted(faults.REGISTRY))
def test_every_fault_returns_an_outcome_its_point_carries_out(name, services):
    spec = faults.REGISTRY[name]
    params = {"seconds": 0} if "seconds" in spec.params else {}
    with services.db.session() as s:
        result = spec.apply(faults.FaultContext(params=params, services=services, claims=dict(CLAIMS), session=s))
    assert isinstance(result, faults.OUTCOMES[spec.point]), (name, result)
    if isinstance(result, faults.SignedToken):
        assert result.jwt.count(".") == 2 and jwt.get_unverified_header(result.jwt)["alg"] in ("ES256", "HS256", "none")
    if isinstance(result, faults.Fail):
        from mock_thaid.errors import TABLE
        assert result.key in TABLE


def test_an_id_token_fault_does_not_commit_the_token_requests_transaction(services):
    """It used to: the fault check committed the caller's session in the middle of the code exchange."""
    with services.db.session() as s:
        store.add(s, name="id_token_wrong_iss", point="id_token", client_id=None, remaining=1, params={},
                  created_at=time.time())
    services.sync()
    s = services.db._factory()
    try:
        shared.put(s, "probe", "written by the token request")
        forged = faults.at_id_token(services, s, "demo-rp", dict(CLAIMS))
        assert jwt.decode(forged, options={"verify_signature": False})["iss"] == "https://wrong-issuer.example"
        s.rollback()  # the token request fails after all
    finally:
        s.close()
    with services.db.session() as s2:
        assert shared.get(s2, "probe") is None, "the fault committed the request's own writes"
        assert [f.name for f in store.active(s2)] == ["id_token_wrong_iss"], \
            "no token was delivered, so the fault is not used up"


def test_a_token_fault_that_answers_an_error_still_counts(app):
    c = app.test_client()
    assert c.post("/_mock/faults", json={"name": "token_invalid_code", "count": 1}).status_code == 201
    r = c.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": "x"},
               auth=("demo-rp", "demo-rp-secret-TEST-ONLY"))
    assert r.status_code >= 400
    assert c.get("/_mock/faults").json["active"] == []


@pytest.mark.parametrize("body, field", [
    ({"name": "authorize_slow", "params": {"seconds": -1}}, "params.seconds"),
    ({"name": "authorize_slow", "params": {"seconds": 301}}, "params.seconds"),
    ({"name": "id_token_missing_claim", "params": {"claim": 7}}, "params.claim"),
    ({"name": "id_token_expired", "params": {"seconds": 3}}, "params"),  # it takes none
    ({"name": "token_delay", "params": {"second": 3}}, "params"),  # a typo is not silently ignored
])
def test_arming_checks_the_faults_own_parameters(app, body, field):
    r = app.test_client().post("/_mock/faults", json=body)
    assert r.status_code == 400, r.json
    assert r.json["error"] == "invalid_field" and field in r.json["error_description"]
    assert app.test_client().get("/_mock/faults").json["active"] == []


def test_the_catalogue_and_the_openapi_file_list_the_declared_parameters(app):
    listed = {f["name"]: f.get("params", {}) for f in app.test_client().get("/_mock/faults").json["available"]}
    assert listed["token_delay"]["seconds"]["maximum"] == 300 and listed["id_token_expired"] == {}
    declared = set().union(*(spec.params for spec in faults.REGISTRY.values()))
    schema = bodies.spec()["paths"]["/_mock/faults"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    documented = set(schema["properties"]["params"]["properties"])
    assert documented == declared, "openapi.yaml's fault params and the faults' declarations differ"

"""The mock in-process (Flask test client) on PostgreSQL: each test gets its own database in
the throw-away cluster of conftest.py. The protocol, the app pages, registration, faults,
reset and key rotation behave as they do on SQLite."""
from __future__ import annotations

import random

import jwt
import pytest
import sqlalchemy
from conftest import DEMO_PID, DEMO_RP, make_app
from oidc_helpers import DEMO_AUTH, auth_url, exchange, get_code, query
from test_enrol_api import CHAKKAPHAN, WARAPORN, ial_at_login, register_officer, register_self
from test_faults import CHECKS, arm
from test_login_flow import Login

from mock_thaid import faults
from mock_thaid import pid as pidmod

MALI = "1057830862719"  # registered (self) in data/citizens.yaml
NEW_PID = pidmod.generate(random.Random(5432))  # not in the register


@pytest.fixture
def pg_make_app(pg_url):
    """make_app(**overrides) on this test's PostgreSQL database; engines are closed afterwards."""
    made = []

    def make(**overrides):
        app = make_app(database_url=pg_url, **overrides)
        engine = app.extensions["mock_thaid"].db.engine
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        made.append(app)
        return app

    yield make
    for app in made:
        services = app.extensions["mock_thaid"]
        if getattr(services.event_writer, "flush", None):
            services.event_writer.flush()
        services.db.engine.dispose()


@pytest.fixture
def app(pg_make_app):
    return pg_make_app()


@pytest.fixture
def c(app):
    return app.test_client()


def verified(c, token: str, **kw) -> dict:
    """The ID token's claims, its signature checked against the published JWKS."""
    keys = {k["kid"]: jwt.PyJWK(k) for k in c.get("/jwks/").json["keys"]}
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, keys[kid].key, algorithms=["ES256"], audience=DEMO_RP["client_id"],
                      issuer="http://mock.test", **kw)


def introspect(c, token: str) -> dict:
    return c.post("/api/v2/oauth2/introspect/", data={"token": token}, headers=DEMO_AUTH).json


def refresh(c, token: str):
    return c.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token", "refresh_token": token},
                  headers=DEMO_AUTH)


def test_headless_login_gives_a_signed_id_token(c):
    code = get_code(c, DEMO_PID, nonce="n-pg", scope="openid pid name")
    r = exchange(c, code)
    assert r.status_code == 200, r.json
    body = r.json
    claims = verified(c, body["id_token"])
    assert claims["sub"] == claims["pid"] == DEMO_PID and claims["nonce"] == "n-pg"
    assert introspect(c, body["access_token"])["active"] is True
    info = c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + body["access_token"]})
    assert info.status_code == 200 and info.json["pid"] == DEMO_PID


def test_refresh_rotates_and_the_old_refresh_token_is_refused(c):
    first = exchange(c, get_code(c)).json
    r = refresh(c, first["refresh_token"])
    assert r.status_code == 200, r.json
    second = r.json
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert verified(c, second["id_token"])["sub"] == DEMO_PID
    again = refresh(c, first["refresh_token"])
    assert (again.status_code, again.json["error"]) == (401, "invalid_refresh_token")
    assert refresh(c, second["refresh_token"]).status_code == 200


def test_a_replayed_code_is_refused_and_revokes_its_tokens(c):
    code = get_code(c)
    first = exchange(c, code).json
    replay = exchange(c, code)
    assert (replay.status_code, replay.json["error"]) == (400, "invalid_request")
    assert introspect(c, first["access_token"]) == {"active": False}
    assert refresh(c, first["refresh_token"]).json["error"] == "invalid_refresh_token"


def test_wrong_pins_count_down_then_lock_and_the_lock_wears_off(app):
    login = Login(app)
    consent = login.open_app()
    assert [login.submit(consent, decision="approve", pin="24681357").status_code for _ in range(5)] == \
        [401, 401, 401, 401, 423]
    assert login.submit(consent, decision="approve", pin="13572468").status_code == 423  # right PIN, locked
    acc = app.test_client().get(f"/_mock/citizens/{DEMO_PID}").json
    assert acc["failed_pins"] == 5 and acc["locked_until"]
    app.extensions["mock_thaid"].clock.advance(15 * 60 + 1)
    again = Login(app)
    assert again.submit(again.open_app(), decision="approve", pin="13572468").status_code == 200
    assert again.status()["status"] == "approved"
    assert app.test_client().get(f"/_mock/citizens/{DEMO_PID}").json["failed_pins"] == 0


def test_registration_through_the_json_api_then_login(pg_make_app):
    c = pg_make_app(ial_self="2.2", ial_officer="2.3").test_client()
    done = register_self(c, WARAPORN)
    assert done["step"] == "done" and done["account"]["channel"] == "self"
    assert ial_at_login(c, WARAPORN)["ial"] == "2.2"
    done = register_officer(c, CHAKKAPHAN)
    assert done["step"] == "done" and done["account"]["channel"] == "officer"
    assert ial_at_login(c, CHAKKAPHAN)["ial"] == "2.3"
    # A second registration of the same person replaces the account (one row, new PIN).
    again = register_self(c, WARAPORN, pin="97531246")
    assert again["step"] == "done"
    assert c.get(f"/_mock/citizens/{WARAPORN}").json["channel"] == "self"


def test_every_fault_is_applied_once_then_wears_off(app, c):
    """Each fault of the catalogue, armed for one use, does what tests/mock_thaid/test_faults.py checks."""
    failed = []
    for name in sorted(faults.REGISTRY):
        arm(c, name, params={"seconds": 0.2} if name.endswith(("_slow", "_delay")) else {})
        try:
            CHECKS[name](app, c)
            assert c.get("/_mock/faults").json["active"] == [], "not used up"
        except Exception as e:  # report every broken fault, not only the first
            failed.append(f"{name}: {type(e).__name__} {e}")
            c.delete("/_mock/faults")
    assert failed == []


def test_a_fault_for_one_client_until_cleared(c):
    arm(c, "authorize_user_denies", client_id="sandbox-rp", count=None)
    assert "code" in query(c.get(auth_url(), headers={"X-Mock-Persona": DEMO_PID}).headers["Location"])
    for _ in range(3):
        r = c.get(auth_url(client_id="sandbox-rp"), headers={"X-Mock-Persona": DEMO_PID})
        assert query(r.headers["Location"])["error"] == "user_denied"
    assert c.delete("/_mock/faults").json == {"cleared": 1}
    r = c.get(auth_url(client_id="sandbox-rp"), headers={"X-Mock-Persona": DEMO_PID})
    assert "code" in query(r.headers["Location"])


def test_reset_restores_the_seed_and_keeps_the_keys(app, c):
    kids = [k["kid"] for k in c.get("/jwks/").json["keys"]]
    pid = NEW_PID
    assert c.post("/_mock/citizens", json={"pid": pid, "given_name": "ก", "family_name": "ข",
                                           "registered": True}).status_code == 201
    assert c.post("/_mock/clients", json={"client_id": "temp-rp",
                                          "redirect_uris": ["http://127.0.0.1:9/cb"]}).status_code == 201
    assert c.delete(f"/_mock/accounts/{MALI}").status_code == 200
    arm(c, "jwks_unavailable", count=None)
    tokens = exchange(c, get_code(c)).json
    c.post("/_mock/clock", json={"advance": 60})

    body = c.post("/_mock/reset").json
    assert body["status"] == "reset" and body["citizens"] > 0 and body["accounts"] > 0 and body["clients"] > 0
    assert c.get(f"/_mock/citizens/{pid}").status_code == 404
    assert c.get("/_mock/clients/temp-rp").status_code == 404
    assert c.get(f"/_mock/citizens/{MALI}").json["registered"] is True
    assert c.get("/_mock/faults").json["active"] == []
    assert c.get("/_mock/clock").json["offset"] == 0
    assert introspect(c, tokens["access_token"]) == {"active": False}  # the tokens went with the reset
    assert [k["kid"] for k in c.get("/jwks/").json["keys"]] == kids
    # and the mock works on the re-created tables
    assert verified(c, exchange(c, get_code(c, MALI)).json["id_token"])["sub"] == MALI
    assert c.post("/_mock/reset").status_code == 200  # twice in a row, with rows in every table


def test_key_rotation_publishes_the_new_key_and_it_signs(app, c):
    before = [k["kid"] for k in c.get("/jwks/").json["keys"]]
    body = c.post("/_mock/keys/rotate").json
    keys = [k["kid"] for k in c.get("/jwks/").json["keys"]]
    assert len(keys) == 2 and keys[0] == body["signing_kid"] and body["signing_kid"] not in before
    token = exchange(c, get_code(c)).json["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == body["signing_kid"]
    assert verified(c, token)["sub"] == DEMO_PID
    third = c.post("/_mock/keys/rotate").json["signing_kid"]
    assert [k["kid"] for k in c.get("/jwks/").json["keys"]] == [third, body["signing_kid"]]
    # a second app on the same database (another worker) sees the same keys
    other = make_app(database_url=app.extensions["mock_thaid"].settings.database_url)
    try:
        assert [k["kid"] for k in other.test_client().get("/jwks/").json["keys"]] == [third, body["signing_kid"]]
    finally:
        other.extensions["mock_thaid"].db.engine.dispose()


# --- values SQLite takes as they are, which PostgreSQL would refuse -----------------------------

def test_nul_and_odd_characters_come_back_unchanged(c):
    """PostgreSQL text cannot hold NUL; the mock still gives back state, nonce and names as sent."""
    for text in ("a\x00b", "\x00", "\ue000\x00\ue001\ue002", "มะลิ 😀 \u202e"):
        r = c.get(auth_url(state=text, nonce=text), headers={"X-Mock-Persona": DEMO_PID})
        assert r.status_code == 302, r.get_data(as_text=True)
        q = query(r.headers["Location"])
        assert q["state"] == text
        assert verified(c, exchange(c, q["code"]).json["id_token"])["nonce"] == text
    pid = NEW_PID
    r = c.post("/_mock/citizens", json={"pid": pid, "given_name": "มะ\x00ลิ", "family_name": "\ue000\x00",
                                        "registered": True})
    assert r.status_code == 201, r.json
    got = c.get(f"/_mock/citizens/{pid}").json
    assert (got["given_name"], got["family_name"]) == ("มะ\x00ลิ", "\ue000\x00")
    # NUL in a looked-up value just matches nothing, as on SQLite
    bad = c.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": "x\x00",
                                                "redirect_uri": DEMO_RP["redirect_uri"]},
                 headers={"Authorization": "Basic ZGVtby1ycAA6eA=="})  # demo-rp\x00:x
    assert bad.status_code in (400, 401) and bad.json["error"] != "server_error"
    assert c.post("/api/v2/oauth2/introspect/", data={"token": "", "client_id": "\x00"}).status_code < 500


def test_long_values_are_stored_as_on_sqlite(app, c):
    """Column lengths are documentation: SQLite never enforced them, so neither does the mock on PostgreSQL."""
    long = "ยาว" * 150
    pid = NEW_PID
    r = c.post("/_mock/citizens", json={"pid": pid, "title": long, "given_name": long, "family_name": long,
                                        "birthdate": "1990-01-01T00:00:00+07:00", "gender": long, "face": long,
                                        "smartcard_code": long, "registered": True})
    assert r.status_code == 201, r.json
    assert c.get(f"/_mock/citizens/{pid}").json["title"] == long
    cid = "rp-" + "x" * 300
    uri = "http://127.0.0.1:9/cb?" + "q=1&" * 2000
    r = c.post("/_mock/clients", json={"client_id": cid, "name": long, "name_en": long, "client_secret": "s" * 400,
                                       "api_key": "k" * 400, "redirect_uris": [uri], "scopes": ["openid", "pid"]})
    assert r.status_code == 201, r.json
    challenge = "c" * 500
    r = c.get("/api/v2/oauth2/auth/", query_string={"response_type": "code", "client_id": cid, "redirect_uri": uri,
              "scope": "openid pid", "state": long, "nonce": long, "code_challenge": challenge},
              headers={"X-Mock-Persona": pid})
    assert r.status_code == 302, r.get_data(as_text=True)
    code = query(r.headers["Location"])["code"]
    r = c.post("/api/v2/oauth2/token/", data={"grant_type": "authorization_code", "code": code, "redirect_uri": uri,
               "code_verifier": challenge, "client_id": cid, "client_secret": "s" * 400})
    assert r.status_code == 200, r.json
    assert jwt.decode(r.json["id_token"], options={"verify_signature": False})["sub"] == pid
    # a long client_id nobody registered is still recorded by the inspector, with the others of its batch
    unknown = "nobody-" + "y" * 300
    assert c.get(auth_url(client_id=unknown)).status_code == 401
    assert exchange(c, get_code(c)).status_code == 200
    c.post("/_mock/faults", json={"name": "token_server_error", "client_id": unknown})
    events = c.get("/_mock/events").json["events"]
    assert events[0]["endpoint"] == "token" and events[1]["endpoint"] == "authorize"
    assert unknown in [e["client_id"] for e in events]
    # times far ahead still fit (the clock may be moved a century)
    assert c.post("/_mock/clock", json={"offset": 90 * 366 * 24 * 3600}).status_code == 200
    body = exchange(c, get_code(c)).json
    assert verified(c, body["id_token"], options={"verify_iat": False, "verify_exp": False})["sub"] == DEMO_PID


def test_the_tables_are_in_postgresql(app):
    engine = app.extensions["mock_thaid"].db.engine
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("select current_setting('server_version_num')::int")).scalar() >= 120000
        inspector = sqlalchemy.inspect(conn)
        tables = set(inspector.get_table_names())
        columns = {c["name"]: c["type"] for c in inspector.get_columns("citizens")}
    assert {"citizens", "accounts", "clients", "login_sessions", "auth_codes", "tokens", "meta", "signing_keys",
            "faults", "protocol_events", "enrolments"} <= tables
    assert getattr(columns["title"], "length", None) is None  # VARCHAR without a length, as SQLite treats it


def test_a_plain_postgresql_url_gets_the_psycopg_driver(pg_url):
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    app = make_app(database_url=plain)
    try:
        assert app.extensions["mock_thaid"].db.engine.dialect.driver == "psycopg"
        c = app.test_client()
        assert exchange(c, get_code(c)).status_code == 200
    finally:
        app.extensions["mock_thaid"].db.engine.dispose()

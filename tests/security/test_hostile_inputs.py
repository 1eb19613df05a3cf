"""The hostile inputs of issue 8, one kind at a time, each aimed at the endpoints it concerns
(the random walk over every route is test_fuzz_routes.py): huge and non-UTF-8 query strings,
repeated parameters, wrong content types, malformed Basic headers, JWT-shaped garbage as
tokens, Thai and emoji text in every text field, PIDs with bad checksums."""
from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests
from conftest import DEMO_RP, make_app, start_live
from hypothesis import given
from hypothesis import strategies as st
from oidc_helpers import DEMO_AUTH, auth_url, exchange, get_code
from sec_helpers import (FUZZ, STATS, bad_checksum_pids, check_answer, counted, csrf_of, jwt_garbage,
                         malformed_basic, thai_emoji_text)

HTML = {"Accept": "text/html"}


def _noise_jpeg() -> str:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((640, 400), 60).convert("RGB").save(buf, "JPEG")
    return base64.b64encode(buf.getvalue()).decode()


NOISE = _noise_jpeg()
REDIRECT = DEMO_RP["redirect_uri"]
MALI = "1057830862719"


@pytest.fixture(scope="module")
def app():
    return counted(make_app())


@pytest.fixture(scope="module")
def c(app):
    return app.test_client()


def get_routes(app) -> list[str]:
    """Every GET route with its path filled in with something plausible."""
    fill = {"pid": MALI, "enrolment_id": "x", "client_id": "demo-rp", "ref": "ABCDEF", "sid": "x", "token": "x",
            "page": "camera", "kind": "front", "side": "front", "fmt": "png", "filename": "style.css"}
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            out.append(rule.build({k: fill[k] for k in rule.arguments}, append_unknown=False)[1])
    return sorted(set(out))


# ------------------------------------------------------------------------- huge, non-UTF-8 queries
def test_a_one_megabyte_query_string_on_every_get_route(app, c):
    """1 MB on the pages people and relying parties open first, 256 kB on every other GET route."""
    def huge(size: int) -> str:
        q = quote("client_id=" + "ก" * 2_000 + "&state=" + "😀" * 1_000 + "&lang=" + "A" * 10_000, safe="=&")
        return q + "&x=" + "A" * (size - len(q))

    first = {"/api/v2/oauth2/auth/", "/api/v2/oauth2/userinfo/", "/app/", "/officer/", "/_mock/citizens"}
    for i, path in enumerate(get_routes(app)):
        size = 1024 * 1024 if path in first else 256 * 1024
        r = c.get(path + "?" + huge(size), headers=HTML if i % 2 else {})
        check_answer(r, f"GET {path}?<{size // 1024} kB>")


@pytest.mark.parametrize("raw", [b"%ff%fe&lang=%e0%b8", b"\xff\xfe&lang=\xe0\xb8", b"state=%00%ff&%&a=%%%%%&=&=&&=",
                                 "state=ไทย".encode("tis-620")])
def test_non_utf8_query_strings_on_every_get_route(app, c, raw):
    for path in get_routes(app):
        r = c.get(path, environ_overrides={"QUERY_STRING": raw.decode("latin-1")}, headers=HTML)
        check_answer(r, f"GET {path}?{raw!r}")


def test_a_huge_query_over_real_http_is_refused_cleanly():
    live = start_live()
    try:
        for size in (10_000, 300_000):
            r = requests.get(live.url + "/api/v2/oauth2/auth/?client_id=demo-rp&state=" + "A" * size, timeout=30)
            assert r.status_code < 500, (size, r.status_code)
        assert requests.get(live.url + "/_mock/health", timeout=10).status_code == 200  # still serving
    finally:
        live.close()


# ------------------------------------------------------------------------- repeated parameters
EVIL = "https://evil.example/cb"


@pytest.mark.parametrize("pairs", [
    [("redirect_uri", REDIRECT), ("redirect_uri", EVIL)],
    [("redirect_uri", EVIL), ("redirect_uri", REDIRECT)],
    [("client_id", "demo-rp"), ("client_id", "sandbox-rp")],
    [("state", "a"), ("state", "b")],
    [("response_type", "code"), ("response_type", "token")],
    [("scope", "openid pid"), ("scope", "openid pid name address")],
    [("code_challenge", "x" * 43), ("code_challenge", "")],
])
def test_repeated_authorize_parameters_never_redirect_elsewhere(c, pairs):
    base = {"response_type": "code", "client_id": "demo-rp", "redirect_uri": REDIRECT, "scope": "openid pid",
            "state": "st"}
    names = {k for k, _ in pairs}
    query = urlencode([(k, v) for k, v in base.items() if k not in names] + pairs)
    for headers in ({"X-Mock-Persona": MALI}, HTML):
        r = c.get("/api/v2/oauth2/auth/?" + query, headers=headers)
        check_answer(r, query)
        if r.status_code in (301, 302, 303, 307):
            assert r.headers["Location"].startswith(REDIRECT + "?"), r.headers["Location"]


def test_repeated_token_parameters(c):
    code = get_code(c)
    r = c.post("/api/v2/oauth2/token/", headers=DEMO_AUTH, data=urlencode(
        [("grant_type", "authorization_code"), ("grant_type", "refresh_token"), ("code", "A" * 32), ("code", code),
         ("redirect_uri", REDIRECT)]), content_type="application/x-www-form-urlencoded")
    check_answer(r, "repeated token parameters")
    assert r.status_code == 400  # the first code is the one read: unknown


def test_two_client_authentications_never_let_the_body_client_in(c):
    """Basic names demo-rp, the body sandbox-rp with its secret (RFC 6749 §2.3: one method
    per request). Refusing is fine; accepting is fine only as the Basic client."""
    import jwt

    for code, body_client in ((get_code(c), "sandbox-rp"), (get_code(c, client_id="sandbox-rp"), "sandbox-rp")):
        r = exchange(c, code, client_id=body_client, client_secret="sandbox-rp-secret-TEST-ONLY")
        check_answer(r, "basic and post together")
        if r.status_code == 200:
            assert jwt.decode(r.json["id_token"], options={"verify_signature": False})["aud"] == "demo-rp"
        else:
            assert r.status_code in (400, 401) and "access_token" not in r.json


# ------------------------------------------------------------------------- wrong content types
BODIES = [
    ("application/json", json.dumps({"grant_type": "authorization_code", "code": "x"})),
    ("text/plain", "grant_type=authorization_code&code=x"),
    ("multipart/form-data", "garbage without a boundary"),
    ("multipart/form-data; boundary=zz", "--zz\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc\r\n--zz--"),
    ("application/xml", "<token>x</token>"),
    ("application/x-www-form-urlencoded; charset=utf-16", "token=x".encode("utf-16")),
    ("application/x-www-form-urlencoded", b"token=\xff\xfe&grant_type=%ff"),
    ("", "token=x"),
]


@pytest.mark.parametrize("path", ["/api/v2/oauth2/token/", "/api/v2/oauth2/introspect/", "/api/v2/oauth2/revoke/",
                                  "/api/v2/oauth2/userinfo/", "/_mock/citizens", "/_mock/clients", "/_mock/faults",
                                  "/_mock/clock", "/_mock/api/enrol", "/_mock/logins/ABCDEF/approve",
                                  "/_mock/clients/demo-rp/next-decision"])
@pytest.mark.parametrize("ctype,body", BODIES)
def test_wrong_content_types(c, path, ctype, body):
    r = c.post(path, data=body, content_type=ctype, headers=DEMO_AUTH)
    check_answer(r, f"POST {path} as {ctype}")
    assert r.status_code != 200 or path.endswith(("/revoke/", "/api/enrol", "/introspect/")), r.data[:200]


def test_control_put_with_a_form_body(c):
    r = c.put(f"/_mock/accounts/{MALI}", data={"pin": "24681357"})
    check_answer(r, "PUT accounts as a form")
    assert r.status_code == 415 and r.json["error"] == "json_required"  # a body a cross-site form could send


# ------------------------------------------------------------------------- malformed Basic headers
@FUZZ
@given(header=malformed_basic)
def test_malformed_basic_headers_are_refused_as_unauthorized(c, header):
    STATS["examples"] += 1
    for path in ("/api/v2/oauth2/token/", "/api/v2/oauth2/introspect/", "/api/v2/oauth2/revoke/"):
        r = c.post(path, data={"grant_type": "authorization_code", "code": "x", "token": "x"},
                   headers={"Authorization": header.encode().decode("latin-1")})
        check_answer(r, f"{path} with {header[:80]!r}")
        assert r.status_code == 401 and r.json["error"] in ("unauthorized_client", "invalid_client"), (header, r.json)


# ------------------------------------------------------------------------- JWT-shaped garbage
@FUZZ
@given(token=jwt_garbage)
def test_jwt_shaped_garbage_is_never_a_token(c, token):
    STATS["examples"] += 1
    r = c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + token})
    check_answer(r, "userinfo")
    assert r.status_code == 401 and r.json["error"] == "invalid_token"
    r = c.post("/api/v2/oauth2/introspect/", data={"token": "Bearer " + token}, headers=DEMO_AUTH)
    check_answer(r, "introspect")
    assert r.json == {"active": False}
    r = c.post("/api/v2/oauth2/revoke/", data={"token": token, "token_type_hint": "access_token"}, headers=DEMO_AUTH)
    check_answer(r, "revoke")
    assert r.status_code == 200
    r = c.post("/api/v2/oauth2/token/", data={"grant_type": "refresh_token", "refresh_token": token},
               headers=DEMO_AUTH)
    check_answer(r, "refresh")
    assert r.status_code == 401 and r.json["error"] == "invalid_refresh_token"
    r = exchange(c, token)
    check_answer(r, "code")
    assert r.status_code == 400 and r.json["error_description"] == "Invalid Authorization Code"


# ------------------------------------------------------------------------- Thai and emoji everywhere
@FUZZ
@given(state=thai_emoji_text.filter(bool), nonce=thai_emoji_text.filter(bool))
def test_thai_and_emoji_state_and_nonce_come_back_unchanged(c, state, nonce):
    STATS["examples"] += 1
    r = c.get(auth_url(state=state, nonce=nonce), headers={"X-Mock-Persona": MALI})
    check_answer(r, "authorize")
    assert r.status_code == 302
    q = parse_qs(urlsplit(r.headers["Location"]).query, keep_blank_values=True)
    assert q["state"] == [state]
    body = exchange(c, q["code"][0]).json
    import jwt

    assert jwt.decode(body["id_token"], options={"verify_signature": False})["nonce"] == nonce


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(["title", "title_en", "given_name", "middle_name", "family_name",
                                               "given_name_en", "family_name_en", "address", "smartcard_code",
                                               "birthdate", "date_of_issuance", "date_of_expiry", "gender"]),
                              thai_emoji_text, min_size=1),
       name=thai_emoji_text, scopes=st.lists(thai_emoji_text, max_size=3))
def test_thai_and_emoji_in_every_control_api_text_field(app, c, fields, name, scopes):
    """Citizens and clients with odd text are stored or refused (400), and everything that
    shows them afterwards (lists, admin and inspector pages, claims, the gallery) still works."""
    STATS["examples"] += 1
    pid = "1100400123457"
    r = c.post("/_mock/citizens", json={"pid": pid, "given_name": "ก", "family_name": "ข", "registered": True,
                                        **fields})
    check_answer(r, f"citizen {fields}")
    r = c.post("/_mock/clients", json={"client_id": "fuzz-" + str(abs(hash(name)) % 1000), "name": name,
                                       "name_en": name, "redirect_uris": ["http://127.0.0.1:9/cb"],
                                       "scopes": ["openid", "pid", "name"] + scopes})
    check_answer(r, f"client {name!r} {scopes!r}")
    for path in ("/_mock/citizens", f"/_mock/citizens/{pid}", "/_mock/admin/", "/_mock/inspector/", "/app/cards/",
                 "/_mock/trainer/", "/_mock/clients", f"/app/cards/{pid}/front.png", f"/app/cards/{pid}/back.jpeg"):
        check_answer(c.get(path, headers=HTML), path)
    r = c.get(auth_url(scope="openid pid name name_en address gender birthdate"), headers={"X-Mock-Persona": pid})
    check_answer(r, "login as the odd citizen")
    if r.status_code == 302:
        code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
        t = exchange(c, code)
        check_answer(t, "token of the odd citizen")
        check_answer(c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + t.json["access_token"]}),
                     "userinfo")


def _form_page(c, path: str) -> str:
    return c.get(path, headers=HTML).get_data(as_text=True)


@FUZZ
@given(text=thai_emoji_text)
def test_thai_and_emoji_in_every_html_form_field(app, text):
    STATS["examples"] += 1
    desk = app.test_client()
    page = desk.get(auth_url(client_id="sandbox-rp"), headers=HTML).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    r = desk.post(action, data={"pid": text, "decision": "confirm", "csrf_token": csrf_of(page)}, headers=HTML)
    check_answer(r, "sandbox pid")
    page = desk.get(auth_url(), headers=HTML).get_data(as_text=True)
    app_path = urlsplit(re.search(r'id="app-link" href="([^"]+)"', page).group(1)).path
    phone = app.test_client()
    token = csrf_of(phone.get(app_path, headers=HTML).get_data(as_text=True))
    check_answer(phone.post(app_path + "/whoami", data={"pid": text, "csrf_token": token}, headers=HTML), "whoami")
    phone.post(app_path + "/whoami", data={"pid": MALI, "csrf_token": token})
    check_answer(phone.post(app_path, data={"pin": text, "decision": text, "csrf_token": token}, headers=HTML), "pin")
    officer = app.test_client()
    token = csrf_of(_form_page(officer, "/officer/"))
    for form in ({"name": text, "office": "tak-mueang", "password": "officer-demo"},
                 {"name": "x", "office": text, "password": text}):
        check_answer(officer.post("/officer/login", data={"csrf_token": token, **form}, headers=HTML), "officer")
    enrol = app.test_client()
    token = csrf_of(_form_page(enrol, "/app/"))
    enrol.post("/app/enrol/start", data={"csrf_token": token})
    for page_name, form in (("camera", {"action": text, "camera": text}), ("camera", {"action": "allow"}),
                            ("choose", {"channel": text}), ("choose", {"channel": "officer"}),
                            ("visit", {"office": text}), ("visit", {"office": "tak-mueang"}),
                            ("terms", {"action": text}), ("terms", {"action": "accept"}),
                            ("pid", {"pid": text}), ("officer", {"code": text}),
                            ("pin", {"pin": text, "pin_confirm": text})):
        r = enrol.post(f"/app/enrol/{page_name}", data={"csrf_token": token, **form}, headers=HTML)
        check_answer(r, f"enrol {page_name} {form}")


# ------------------------------------------------------------------------- PIDs with bad checksums
@FUZZ
@given(pid=bad_checksum_pids())
def test_pids_with_a_bad_checksum_are_refused_everywhere(app, c, pid):
    STATS["examples"] += 1
    q = quote(pid, safe="")

    def json_err(r, status, code, what):
        check_answer(r, what)
        assert (r.status_code, r.json["error"]) == (status, code), (what, pid, r.status_code, r.json)

    json_err(c.post("/_mock/citizens", json={"pid": pid, "given_name": "ก", "family_name": "ข"}), 400, "invalid_pid",
             "add citizen")
    json_err(c.get(f"/_mock/citizens/{q}"), 404, "not_found", "get citizen")
    json_err(c.put(f"/_mock/accounts/{q}", json={}), 400, "invalid_pid", "put account")
    json_err(c.put(f"/_mock/citizens/{q}/outcomes", json={"face": "pass"}), 400, "invalid_pid", "outcomes")
    json_err(c.post("/_mock/clients/demo-rp/next-decision", json={"decision": "approve", "pid": pid}), 400,
             "invalid_pid", "next decision")
    json_err(c.get(auth_url(), headers={"X-Mock-Persona": pid}), 401, "access_denied", "persona header")
    json_err(c.get(auth_url(login_hint=pid)), 401, "access_denied", "login_hint")
    page = c.get(auth_url(), headers=HTML).get_data(as_text=True)
    ref = re.search(r'id="ref">([A-Z0-9]+)<', page).group(1)
    json_err(c.post(f"/_mock/logins/{ref}/approve", json={"pid": pid}), 400, "invalid_pid", "approve login")
    check_answer(c.get(f"/app/cards/{q}/front.png"), "sample card")
    assert c.get(f"/app/cards/{q}/front.png").status_code == 404
    for channel, step, field in (("officer", "pid", "pid"), ("self", "owner", "pid")):
        e = c.post("/_mock/api/enrol", json={"channel": channel, "accept_terms": True}).json
        if step == "owner":  # a photo the mock did not render: it asks whose card it is
            r = c.post(f"/_mock/api/enrol/{e['id']}/card", json={"front": NOISE, "back": NOISE})
            assert r.json["step"] == "card_owner", r.json
        r = c.post(f"/_mock/api/enrol/{e['id']}/{step}", json={field: pid})
        json_err(r, 400, "pid_bad_checksum", f"enrol {step}")
    desk = app.test_client()
    page = desk.get(auth_url(client_id="sandbox-rp"), headers=HTML).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    r = desk.post(action, data={"pid": pid, "decision": "confirm", "csrf_token": csrf_of(page)}, headers=HTML)
    check_answer(r, "sandbox")
    assert r.status_code == 400 and "Location" not in r.headers


# ------------------------------------------------------------------------- stored values bite later
ODD_NUMBERS = [float("nan"), float("inf"), -float("inf"), 1e308, -1, 10**30, True, None, "3", [], {}, 0, 0.001, 301]


@FUZZ
@given(name=st.sampled_from(sorted(__import__("mock_thaid.faults", fromlist=["REGISTRY"]).REGISTRY)),
       params=st.fixed_dictionaries({}, optional={
           "seconds": st.sampled_from(ODD_NUMBERS), "iss": st.one_of(thai_emoji_text, st.sampled_from(ODD_NUMBERS)),
           "aud": st.one_of(thai_emoji_text, st.sampled_from(ODD_NUMBERS)),
           "claim": st.one_of(thai_emoji_text, st.sampled_from(ODD_NUMBERS))}),
       count=st.sampled_from([1, 2, None, 0, -1, 10**30, 1.5, "1", True]),
       clock=st.sampled_from(ODD_NUMBERS + [901, -901]))
def test_odd_values_stored_through_the_control_api_never_crash_a_later_login(name, params, count, clock):
    """Faults, their params and the clock are stored, then read by the ThaiD endpoints:
    whatever the control API accepted must not crash them later (a fault may answer 5xx on
    purpose; an unhandled exception may not)."""
    from sec_helpers import CRASHES

    STATS["examples"] += 1
    if "app" not in _ODD:
        _ODD["app"] = counted(make_app())
        _ODD["client"] = _ODD["app"].test_client()
    app, c = _ODD["app"], _ODD["client"]
    services = app.extensions["mock_thaid"]
    c.delete("/_mock/faults")
    if services.clock.offset:
        services.set_clock_offset(0.0)
    CRASHES.clear()
    if name in ("authorize_slow", "token_delay"):
        params.setdefault("seconds", 0)  # not the default 3 s
    r = c.post("/_mock/faults", data=json.dumps({"name": name, "params": params, "count": count}),
               content_type="application/json")
    check_answer(r, f"fault {name} {params} {count}")
    r = c.post("/_mock/clock", data=json.dumps({"advance": clock}), content_type="application/json")
    check_answer(r, f"clock {clock}")
    r = c.get(auth_url(), headers={"X-Mock-Persona": MALI})
    answers = [r, c.get("/jwks/"), c.get("/_mock/faults"), c.get("/_mock/clock")]
    if r.status_code == 302 and "code=" in r.headers["Location"]:
        code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
        t = exchange(c, code)
        answers.append(t)
        body = t.get_json(silent=True) if t.status_code == 200 else None  # token_malformed_json: not JSON on purpose
        if isinstance(body, dict) and "access_token" in body:
            at = body["access_token"]
            answers += [c.get("/api/v2/oauth2/userinfo/", headers={"Authorization": "Bearer " + at}),
                        c.post("/api/v2/oauth2/introspect/", data={"token": at}, headers=DEMO_AUTH),
                        c.post("/api/v2/oauth2/revoke/", data={"token": at}, headers=DEMO_AUTH)]
    assert not CRASHES, f"{name} {params} {count} {clock}: {CRASHES[:2]}"
    for a in answers:
        assert a.status_code < 500 or a.status_code in (500, 502, 503, 504) and "error" in (a.get_json(silent=True) or
                                                                                          {"error": a.data[:20]})


_ODD: dict = {}

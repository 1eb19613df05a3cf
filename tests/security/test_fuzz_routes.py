"""Every route of the mock (its url_map, not only the documented API), fuzzed with hostile
input: odd path segments, huge and non-UTF-8 query strings, repeated parameters, wrong
content types, malformed Basic headers, JWT-shaped garbage as tokens, Thai and emoji text
in every field, PIDs with bad checksums, random JSON and multipart bodies — with and
without a valid session and CSRF token, so the form handlers themselves are reached.

Each answer keeps the invariant of :func:`sec_helpers.check_answer`, and no redirect ever
leaves for a URI that no client registered. One property test per blueprint, each with
``FUZZ_EXAMPLES`` examples.
"""
from __future__ import annotations

import io
import json
import re
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from conftest import make_app
from hypothesis import given
from hypothesis import strategies as st
from sec_helpers import (FUZZ, STATS, bad_checksum_pids, check_answer, counted, jwt_garbage, malformed_basic,
                         non_utf8, thai_emoji_text)

from mock_thaid.store import clients as client_store
from mock_thaid.store import faults as fault_store

HTML = "text/html,application/xhtml+xml"
REGISTERED, UNREGISTERED = "1057830862719", "1153620226005"
ENROL_PAGES = ["camera", "choose", "visit", "terms", "card", "card-owner", "card-check", "selfie", "pid",
               "officer", "pin", "consent", "done", "failed", "start", "abandon", "status"]
ENROL_ACTIONS = ["camera", "choose", "visit", "terms", "card", "retake", "owner", "check", "selfie", "pid",
                 "scan-qr", "pin", "consent", "card-check", "fingerprint", "qr"]
FIELDS = ["pid", "pin", "pin_confirm", "decision", "action", "channel", "office", "code", "name", "password",
          "token", "grant_type", "code", "refresh_token", "client_id", "client_secret", "code_verifier",
          "redirect_uri", "token_type_hint", "registered", "camera", "side", "sample", "variant", "confirm",
          "accept", "allow", "correct", "officer", "front", "back", "image", "count", "advance", "offset",
          "decision", "scopes", "redirect_uris", "given_name", "family_name", "face", "fingerprint"]
PARAMS = ["client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method",
          "login_hint", "response_type", "lang", "variant", "download", "login", "limit", "name", "next"]


class World:
    """One mock with the things a route's path can name: a login waiting on its QR page,
    a phone in the middle of a registration, an officer logged in at the office."""

    def __init__(self) -> None:
        self.app = counted(make_app())
        self.services = self.app.extensions["mock_thaid"]
        self.officer = self.app.test_client()
        page = self.officer.get("/officer/", headers={"Accept": HTML}).get_data(as_text=True)
        self.officer_csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.officer.post("/officer/login", data={"csrf_token": self.officer_csrf, "name": "สมชาย ใจดี",
                                                  "office": "tak-mueang", "password": "officer-demo"})
        self.refresh()

    def refresh(self) -> None:
        c = self.app.test_client()
        page = c.get("/api/v2/oauth2/auth/?response_type=code&client_id=demo-rp&scope=openid+pid&state=s"
                     "&redirect_uri=http://127.0.0.1:8080/callback", headers={"Accept": HTML}).get_data(as_text=True)
        self.sid = re.search(r'data-status-url="/login/([^/"]+)/status"', page).group(1)
        self.app_token = re.search(r'id="app-link" href="[^"]*/app/login/([^"]+)"', page).group(1)
        self.login_ref = re.search(r'id="ref">([A-Z0-9]+)<', page).group(1)
        self.phone = self.app.test_client()
        home = self.phone.get("/app/", headers={"Accept": HTML}).get_data(as_text=True)
        self.phone_csrf = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
        self.phone.post("/app/enrol/start", data={"csrf_token": self.phone_csrf})
        api = self.app.test_client()
        self.self_enrol = api.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json
        officer = api.post("/_mock/api/enrol", json={"channel": "officer", "accept_terms": True}).json
        api.post(f"/_mock/api/enrol/{officer['id']}/pid", json={"pid": UNREGISTERED})
        self.officer_enrol = officer

    def valid(self, arg: str) -> list[str]:
        return {
            "pid": [REGISTERED, UNREGISTERED, "1-0578-30862-71-9"],
            "enrolment_id": [self.self_enrol["id"], self.officer_enrol["id"]],
            "action": ENROL_ACTIONS,
            "client_id": ["demo-rp", "sandbox-rp", "strict-rp"],
            "ref": [self.login_ref, self.officer_enrol["ref"], self.login_ref.lower()],
            "sid": [self.sid],
            "token": [self.app_token],
            "page": ENROL_PAGES,
            "kind": ["front", "back", "selfie"],
            "side": ["front", "back"],
            "fmt": ["png", "jpeg"],
            "filename": ["style.css"],
        }.get(arg, ["x"])

    def registered_uris(self) -> set[str]:
        with self.services.db.session() as s:
            return {u for c in client_store.list_all(s) for u in c.redirect_uris}

    def undo(self, path: str = "/_mock/faults") -> None:
        if path.startswith("/_mock/faults"):
            with self.services.db.session() as s:
                fault_store.clear(s, None)
        if self.services.clock.offset:
            self.services.set_clock_offset(0.0)


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def _group(endpoint: str, sizes: dict) -> str:
    bp = endpoint.split(".")[0]
    return bp if sizes[bp] > 2 else "small-blueprints"  # one test for the blueprints of one or two routes


_ALL = [(r.rule, sorted(r.methods - {"HEAD", "OPTIONS"}), r.endpoint) for r in make_app().url_map.iter_rules()]
_SIZES = {bp: sum(1 for *_, e in _ALL if e.split(".")[0] == bp) for bp in {e.split(".")[0] for *_, e in _ALL}}
RULES = sorted(((rule, methods, _group(e, _SIZES)) for rule, methods, e in _ALL), key=lambda x: x[0])
GROUPS = sorted({g for _, _, g in RULES})


def path_segment(value) -> str:
    if isinstance(value, bytes):
        return quote_from_bytes(value, safe="")
    return quote(value, safe="")


segment = st.one_of(thai_emoji_text.filter(bool), non_utf8, bad_checksum_pids(), jwt_garbage,
                    st.sampled_from(["..", "%2e%2e", "a/b", "A" * 3000, "0", "-1", "null"]))
value = st.one_of(thai_emoji_text, bad_checksum_pids(), jwt_garbage, st.sampled_from(["", "1", "true", "S256",
                  "plain", "approve", "deny", "code", "openid pid", "http://127.0.0.1:8080/callback",
                  "https://evil.example/cb", "x" * 70000]))
param_value = st.one_of(value, non_utf8)


@st.composite
def query_strings(draw) -> bytes:
    pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), thai_emoji_text.filter(bool)),
                                    param_value), max_size=8))
    if draw(st.booleans()) and pairs:  # repeated parameters
        pairs += pairs[: draw(st.integers(1, len(pairs)))]
    out = b"&".join(
        (k if isinstance(k, bytes) else quote(k).encode()) + b"=" +
        (quote_from_bytes(v).encode() if isinstance(v, bytes) else quote(v).encode())
        for k, v in pairs)
    if draw(st.integers(0, 9)) == 0:
        out += b"&" + draw(non_utf8)  # raw, not even percent-encoded
    return out


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), thai_emoji_text,
              bad_checksum_pids()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=5)),
    max_leaves=12)


@st.composite
def bodies(draw) -> dict:
    kind = draw(st.sampled_from(["none", "form", "json", "raw", "multipart"]))
    if kind == "none":
        return {}
    if kind == "form":
        return {"data": draw(st.dictionaries(st.sampled_from(FIELDS), st.one_of(value, st.lists(value, max_size=3)),
                                             max_size=6)),
                "content_type": "application/x-www-form-urlencoded"}
    if kind == "json":
        return {"data": json.dumps(draw(json_values)), "content_type": draw(st.sampled_from(
            ["application/json", "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded"]))}
    if kind == "raw":
        return {"data": draw(st.binary(max_size=300)), "content_type": draw(st.sampled_from(
            ["application/octet-stream", "application/json", "multipart/form-data", "multipart/form-data; boundary=x",
             "application/x-www-form-urlencoded", "text/xml", "image/png", ""]))}
    files = draw(st.dictionaries(st.sampled_from(["front", "back", "selfie", "evidence", "file"]),
                                 st.tuples(st.binary(max_size=200), thai_emoji_text.filter(bool)), max_size=3))
    data = {k: (io.BytesIO(content), name) for k, (content, name) in files.items()}
    data.update(draw(st.dictionaries(st.sampled_from(FIELDS), value, max_size=4)))
    return {"data": data, "content_type": "multipart/form-data"}


headers = st.fixed_dictionaries({}, optional={
    "Accept": st.sampled_from([HTML, "application/json", "*/*", "text/html;q=0.1, application/json;q=0.9",
                               "garbage/;;;", "image/png"]),
    "Authorization": st.one_of(malformed_basic, jwt_garbage.map(lambda t: "Bearer " + t)),
    "X-Mock-Persona": st.one_of(bad_checksum_pids(), thai_emoji_text, st.just(REGISTERED)),
    "x-imauth-apikey": thai_emoji_text,
    "Origin": st.sampled_from(["https://evil.example", "null", "http://mock.test"]),
    "Cookie": st.sampled_from(["mock_thaid_session=garbage", "mock_thaid_session=eyJ.x.y", "lang=🇹🇭"]),
})


def latin1(h: dict) -> dict:
    """Header values as bytes on the wire: Thai text arrives as UTF-8 read as Latin-1."""
    return {k: v.encode("utf-8").decode("latin-1").replace("\r", "").replace("\n", "") for k, v in h.items()}


@pytest.mark.parametrize("group", GROUPS)
def test_every_route_survives_hostile_input(world, group):
    rules = [r for r in RULES if r[2] == group]

    @FUZZ
    @given(data=st.data())
    def run(data):
        STATS["examples"] += 1
        rule, methods, _ = data.draw(st.sampled_from(rules), label="rule")
        method = data.draw(st.sampled_from(methods + ["PUT", "DELETE", "PATCH"]) if data.draw(st.integers(0, 9)) == 0
                           else st.sampled_from(methods), label="method")
        path = rule
        for arg in re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule):
            choice = data.draw(st.one_of(st.sampled_from(world.valid(arg)), segment), label=arg)
            path = re.sub(r"<(?:[a-z]+:)?" + arg + ">", path_segment(choice).replace("\\", "\\\\"), path, count=1)
        qs = data.draw(query_strings(), label="query")
        hdrs = latin1(data.draw(headers, label="headers"))
        body = data.draw(bodies(), label="body") if method in ("POST", "PUT", "PATCH", "DELETE") else {}
        session = data.draw(st.sampled_from(["none", "phone", "officer"]), label="session")
        client = {"none": world.app.test_client(), "phone": world.phone, "officer": world.officer}[session]
        if session != "none" and isinstance(body.get("data"), dict) and data.draw(st.booleans(), label="csrf"):
            body["data"]["csrf_token"] = world.phone_csrf if session == "phone" else world.officer_csrf
        resp = client.open(path, method=method, headers=hdrs, environ_overrides={"QUERY_STRING": qs.decode("latin-1")},
                           **body)
        try:
            check_answer(resp, f"{method} {path}?{qs[:200]!r} {hdrs} {str(body)[:300]}")
            if resp.status_code in (301, 302, 303, 307, 308):
                location = resp.headers.get("Location", "")
                parts = urlsplit(location)
                if parts.netloc and parts.netloc not in ("mock.test", "localhost"):
                    assert any(location.startswith(u + ("&" if "?" in u else "?")) or location == u
                               for u in world.registered_uris()), f"redirect to an unregistered URI: {location}"
        finally:
            world.undo(path)
            if data.draw(st.integers(0, 49), label="refresh") == 0:
                world.refresh()

    run()

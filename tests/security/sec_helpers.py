"""Shared pieces of the security and fuzzing tests (tests/security/).

- the Hypothesis profile ``security`` (``FUZZ_EXAMPLES`` examples per test, 50 by default);
- a request counter, so the run can say how many requests it fuzzed;
- the error codes the OpenAPI description documents, and :func:`check_answer`, the
  invariant every answer of the mock must keep (no 5xx, errors as JSON
  ``{error, error_description}`` with a documented code, or one of the mock's own HTML
  pages, anti-framing headers on HTML, no CORS);
- hostile-input strategies (Thai and emoji text, non-UTF-8 bytes, PIDs with a bad
  checksum, JWT-shaped garbage, malformed Basic headers);
- a canonical snapshot of a SQLAlchemy database ("nothing changed" checks).
"""
from __future__ import annotations

import base64
import collections
import json
import logging
import os
import re
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent
for extra in (TESTS / "lhr_demo", TESTS / "mock_thaid"):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))  # appended: tests/conftest.py stays the "conftest" module

# --------------------------------------------------------------------------- Hypothesis budget
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 50)
settings.register_profile(
    "security", max_examples=FUZZ_EXAMPLES, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.large_base_example],
)
FUZZ = settings.get_profile("security")
"""Decorate every property test of tests/security with this (``@FUZZ``); the default
profile of the rest of the suite is left alone."""

# --------------------------------------------------------------------------- counters
STATS: collections.Counter = collections.Counter()
"""requests (every HTTP request the fuzz tests sent) and examples (Hypothesis examples)."""


def counted(app):
    """Count every request that reaches ``app`` (a Flask app; returns it)."""
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        STATS["requests"] += 1
        return inner(environ, start_response)

    app.wsgi_app = wsgi
    return app


# --------------------------------------------------------------------------- documented codes
SPEC_PATH = ROOT / "mock_thaid" / "control" / "openapi.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _documented_codes(spec: dict) -> set[str]:
    codes: set[str] = set()

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "error" and isinstance(v, str):
                    codes.add(v)  # an example body
                if k == "error" and isinstance(v, dict):
                    for kw in ("enum", "examples"):
                        codes.update(x for x in v.get(kw, []) if isinstance(x, str))
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key == "description":
            codes.update(re.findall(r"`([a-z][a-z0-9_]+)`", node))

    walk(spec)
    return codes


DOCUMENTED = _documented_codes(SPEC)
GENERIC_HTTP = {"not_found", "method_not_allowed", "request_entity_too_large", "bad_request", "csrf_failed"}
"""Framework-level answers (errorpages.http_error / csrf_error), named in openapi.yaml's Error
schema description (test_generic_error_codes_are_in_openapi keeps them there)."""
ALLOWED_CODES = DOCUMENTED | GENERIC_HTTP

# --------------------------------------------------------------------------- the invariant
CRASHES: list[str] = []


class _CrashRecorder(logging.Handler):
    def emit(self, record):
        if record.exc_info or "unhandled error" in record.getMessage():
            CRASHES.append(record.getMessage())


logging.getLogger("mock_thaid").addHandler(_CrashRecorder(level=logging.ERROR))


def headers_of(resp) -> dict[str, str]:
    """Lower-case header names -> value, for werkzeug, requests and schemathesis answers."""
    out = {}
    for k, v in resp.headers.items():
        out[k.lower()] = v[0] if isinstance(v, list) else v
    return out


def body_of(resp) -> bytes:
    if hasattr(resp, "get_data"):
        return resp.get_data()
    return resp.content


def check_answer(resp, what: str = "", *, fault: bool = False, lhr: bool = False) -> None:
    """The invariant of every answer. ``fault``: a fault was injected on purpose (5xx allowed).
    ``lhr``: an LHR demo answer (its HTML error page is ``id="error" data-code``)."""
    status = resp.status_code
    STATS[f"{status // 100}xx"] += 1
    h = headers_of(resp)
    body = body_of(resp)
    ctype = h.get("content-type", "")
    where = f"{what} -> {status} {ctype} {body[:300]!r}"
    assert "access-control-allow-origin" not in h, "CORS header on " + where
    if not fault:
        assert status < 500, "server error: " + where
        crashed = CRASHES[:]
        CRASHES.clear()
        assert not crashed, f"logged an unhandled error ({crashed[0]}): {where}"
    if ctype.startswith("text/html"):
        assert h.get("x-frame-options") == "DENY", "HTML without X-Frame-Options: " + where
        assert "frame-ancestors 'none'" in h.get("content-security-policy", ""), "HTML without CSP: " + where
    if status < 400 or fault:
        return
    if ctype.startswith("application/json"):
        doc = json.loads(body)
        assert isinstance(doc, dict), where
        assert isinstance(doc.get("error"), str) and isinstance(doc.get("error_description"), str), \
            "JSON error without {error, error_description}: " + where
        assert doc["error"] in ALLOWED_CODES, f"undocumented error code {doc['error']!r}: {where}"
        assert doc["error"] != "server_error", where
    elif ctype.startswith("text/html"):
        text = body.decode("utf-8")
        if lhr:
            assert 'id="demo-banner"' in text, "not one of the LHR demo's pages: " + where
        else:
            assert 'class="mock-banner"' in text, "not one of the mock's pages: " + where
            m = re.search(r'id="error-code">([^<]+)<', text)
            if m:
                assert m.group(1) in ALLOWED_CODES and m.group(1) != "server_error", where
    else:
        raise AssertionError("error answer that is neither JSON nor one of our HTML pages: " + where)


# --------------------------------------------------------------------------- hostile input
THAI = ["นางสาวมะลิ รักษ์ถิ่นตาก", "๑๒๓๔๕๖๗๘", "ก.พ.๗", "ผู้ใช้ทดสอบ ภาษาไทย", "เลขประจำตัวประชาชน",
        "ฯลฯ ๆ ฿", "กรุงเทพมหานคร อมรรัตนโกสินทร์"]
EMOJI = ["😀", "🇹🇭", "👩🏽‍💻", "🙏🏻", "\U0001F9D1\u200D\U0001F91D\u200D\U0001F9D1", "❤️‍🔥"]
NASTY = ["", " ", "\u200b", "\u202e\u0e01", "\ufeff", "\x00", "\r\n", "'\"<>&", "<script>alert(1)</script>",
         "{{7*7}}", "${jndi:x}", "../../etc/passwd", "%00", "%ff", "\\", "null", "[]", "{}", "NaN",
         "ＡＢＣ", "İ", "ß", "\U0010ffff", "a" * 5000]

thai_emoji_text = st.one_of(
    st.sampled_from(THAI + EMOJI + NASTY),
    st.lists(st.sampled_from(THAI + EMOJI + NASTY[:12]), min_size=1, max_size=6).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B), max_size=40),
    st.text(max_size=60),
)
"""Text for every text field: Thai, emoji (ZWJ sequences, flags, skin tones), control and
bidi characters, markup, and plain random Unicode (surrogates excluded: not encodable)."""

non_utf8 = st.one_of(
    st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                     "ไทย".encode("tis-620"), "ไทย".encode("utf-16"), b"\xc0\xaf"]),
    st.binary(min_size=1, max_size=40),
)


def _check_digit(first12: str) -> int:
    return (11 - sum(int(d) * (13 - i) for i, d in enumerate(first12)) % 11) % 10


@st.composite
def bad_checksum_pids(draw) -> str:
    """A 13-digit PID whose last digit is wrong, written as people write it."""
    first12 = draw(st.sampled_from("12345678")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                         min_size=11, max_size=11)))
    good = _check_digit(first12)
    bad = draw(st.sampled_from([d for d in range(10) if d != good]))
    pid = first12 + str(bad)
    style = draw(st.sampled_from(["plain", "dashed", "thai", "spaced"]))
    if style == "dashed":
        return f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"
    if style == "thai":
        return pid.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    if style == "spaced":
        return " ".join([pid[:1], pid[1:5], pid[5:10], pid[10:12], pid[12:]])
    return pid


def valid_pid(first12: str) -> str:
    return first12 + str(_check_digit(first12))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


jwt_garbage = st.one_of(
    st.sampled_from([
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwMTIxIn0.",
        "eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl",
        "eyJ.eyJ.eyJ", "...", "a.b.c.d.e", "eyJhbGciOiJIUzI1NiJ9." + "A" * 4000 + ".x",
    ]),
    st.builds(lambda h, p, s: ".".join([_b64url(h), _b64url(p), _b64url(s)]),
              st.one_of(st.just(b'{"alg":"none","typ":"JWT"}'), st.just(b'{"alg":"ES256","kid":"x"}'),
                        st.binary(max_size=40)),
              st.one_of(st.just(b'{"sub":"1234567890121","aud":"demo-rp"}'), st.binary(max_size=60)),
              st.binary(max_size=64)),
)
"""Strings that look like JWTs (three base64url parts) and are not valid tokens."""

malformed_basic = st.one_of(
    st.sampled_from(["Basic", "Basic ", "Basic ===", "Basic %%%", "basic ZGVtby1ycDo=", "Basic Og==",
                     "Basic " + base64.b64encode(b"no-colon").decode(),
                     "Basic " + base64.b64encode(b":only-secret").decode(),
                     "Basic " + base64.b64encode(b"demo-rp:").decode(),
                     "Basic " + base64.b64encode(b"\xff\xfe:\x00\x01").decode(),
                     "Basic " + base64.b64encode("เดโม:รหัส".encode()).decode(),
                     "Basic " + "A" * 20000, "Basic a b c", "Bearer x", "Digest username=x",
                     "Basic " + base64.b64encode(b"demo-rp:demo-rp-secret-TEST-ONLY\x00").decode()]),
    st.builds(lambda raw: "Basic " + base64.b64encode(raw).decode(), st.binary(max_size=80)),
    st.builds(lambda t: "Basic " + t, st.text(alphabet=st.characters(max_codepoint=0xFF,
                                                                       blacklist_characters="\r\n\x00"),
                                                max_size=60)),
)


# --------------------------------------------------------------------------- "nothing changed"
def db_snapshot(engine, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), except the tables in ``skip``."""
    from sqlalchemy import inspect, text

    out = {}
    with engine.connect() as con:
        for name in sorted(inspect(con).get_table_names()):
            if name in skip:
                continue
            rows = con.execute(text(f'SELECT * FROM "{name}"')).all()
            out[name] = sorted((tuple(map(repr, r)) for r in rows))
    return out


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

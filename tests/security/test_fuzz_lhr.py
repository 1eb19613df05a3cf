"""Every route of the LHR demo fuzzed as each kind of user (anonymous, an owner, an HR
officer, a provincial supervisor): hostile path segments and identifiers (another person's
or garbage), huge / non-UTF-8 / repeated query parameters, the correction and decision
forms with Thai and emoji text, PIDs with bad checksums, dates that are not dates, random
files as evidence — with and without the session's CSRF token.

Each answer keeps :func:`sec_helpers.check_answer` (no 5xx, the demo's own HTML error page
for every error, anti-framing headers, no CORS), and no redirect leaves the site. One
property test per user, ``FUZZ_EXAMPLES`` examples each.
"""
from __future__ import annotations

import io
import re
from urllib.parse import quote, quote_from_bytes, urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lhr_files import pdf, png
from lhr_helpers import MALI, NARONG, SUNEE, TEST_PERSON, csrf, file_request, make_lhr, person_row, request_id
from sec_helpers import FUZZ, STATS, bad_checksum_pids, check_answer, counted, non_utf8, thai_emoji_text
from sqlalchemy import select

from lhr_demo import kp7, models as m

SECTIONS = ["PERSONAL", "EDUCATION", "POSITION_SALARY", "ABILITY", "UNPAID", "FAMILY", "DISCIPLINE", "nope", ""]
FIELDS = ["section", "row", "reason", "action", "decision", "note", "next", "f_major", "f_salary", "f_field",
          "f_detail", "f_start_date", "f_end_date", "f_effective_date", "f_honors", "f_institution", "f_description",
          "f_first_name_th", "f_pid", "csrf_token"]


class LHRWorld:
    def __init__(self, tmp, template, mock_url) -> None:
        self.t = make_lhr(tmp, template, mock_url)
        counted(self.t.app)
        self.clients = {"anonymous": self.t.client()}
        for role, pid in (("owner", MALI), ("officer", SUNEE), ("supervisor", NARONG), ("victim", TEST_PERSON)):
            self.clients[role], _ = self.t.login(pid)
        self.tokens = {role: csrf(c, "/me/record" if role in ("owner", "victim") else "/dashboard/" if role == "supervisor"
                                  else "/officer/") for role, c in self.clients.items() if role != "anonymous"}
        owner, victim = self.clients["owner"], self.clients["victim"]
        edu = person_row(self.t, MALI, kp7.Education)
        self.own_rid = request_id(file_request(owner, "EDUCATION", edu.public_id, {"major": "บัญชีดิจิทัล"},
                                               files=[("a.pdf", pdf())], token=self.tokens["owner"]))
        self.draft_rid = request_id(file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "ลาว"},
                                                 files=[("b.png", png())], action="draft", token=self.tokens["owner"]))
        other = person_row(self.t, TEST_PERSON, kp7.Education)
        self.other_rid = request_id(file_request(victim, "EDUCATION", other.public_id, {"major": "รัฐศาสตร์"},
                                                 files=[("c.pdf", pdf())], token=self.tokens["victim"]))
        with self.t.session() as s:
            reqs = {r.public_id: r for r in s.scalars(select(m.CorrectionRequest))}
            self.aids = [a.public_id for r in reqs.values() for a in r.attachments]
            self.person_ids = [r.person.public_id for r in reqs.values()]
            self.org_ids = [r.organization.public_id for r in reqs.values()]
        self.row_ids = [edu.public_id, other.public_id]

    def valid(self, arg: str) -> list[str]:
        return {"rid": [self.own_rid, self.draft_rid, self.other_rid], "aid": self.aids, "row_id": self.row_ids,
                "person_id": self.person_ids, "org_id": self.org_ids, "action": ["submit", "cancel", "approve", "x"],
                "code": ["en", "th", "fr"], "mode": ["thai", "arabic", "x"], "filename": ["style.css", "print.js"]
                }.get(arg, ["x"])


@pytest.fixture(scope="module")
def world(tmp_path_factory, sec_template_db, sec_mock):
    w = LHRWorld(tmp_path_factory.mktemp("lhr-fuzz"), sec_template_db, sec_mock.url)
    yield w
    w.t.thaid.close()
    w.t.db.engine.dispose()


def _rules(app):
    return sorted((r.rule, sorted(r.methods - {"HEAD", "OPTIONS"})) for r in app.url_map.iter_rules())


segment = st.one_of(thai_emoji_text.filter(bool), non_utf8, bad_checksum_pids(),
                    st.sampled_from(["..", "%2e%2e", "A" * 2000, "0", "-1", "1 OR 1=1", "'--"]))
text_value = st.one_of(thai_emoji_text, bad_checksum_pids(), st.sampled_from(
    ["31/02/2568", "๓๑ ก.พ. ๒๕๖๘", "9999-99-99", "-1", "1e309", "17,350", "๑๗,๓๕๐", "approve", "return", "reject",
     "submit", "draft", "missing", "//evil.example", "x" * 5000]))


@st.composite
def query(draw) -> str:
    pairs = draw(st.lists(st.tuples(st.sampled_from(["next", "status", "section", "row", "lang", "x"]),
                                    st.one_of(text_value, non_utf8)), max_size=5))
    pairs += pairs[: draw(st.integers(0, len(pairs)))]
    return "&".join(quote(k) + "=" + (quote_from_bytes(v) if isinstance(v, bytes) else quote(v)) for k, v in pairs)


@st.composite
def form(draw) -> dict:
    data = draw(st.dictionaries(st.sampled_from(FIELDS), st.one_of(text_value, st.sampled_from(SECTIONS)), max_size=8))
    if draw(st.booleans()):
        files = draw(st.lists(st.tuples(st.one_of(st.binary(max_size=300), st.sampled_from([pdf(), png()])),
                                        st.sampled_from(["e.pdf", "e.png", "e.jpg", "ไฟล์.pdf", "e", "../e.pdf"])),
                              max_size=3))
        data["evidence"] = [(io.BytesIO(content), name) for content, name in files]
    return data


@pytest.mark.parametrize("role", ["anonymous", "owner", "officer", "supervisor"])
def test_every_lhr_route_survives_hostile_input(world, role):
    rules = _rules(world.t.app)
    client = world.clients[role]

    @FUZZ
    @given(data=st.data())
    def run(data):
        STATS["examples"] += 1
        rule, methods = data.draw(st.sampled_from(rules), label="rule")
        method = data.draw(st.sampled_from(methods), label="method")
        path = rule
        for arg in re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule):
            value = data.draw(st.one_of(st.sampled_from(world.valid(arg)), segment), label=arg)
            enc = quote_from_bytes(value, safe="") if isinstance(value, bytes) else quote(value, safe="")
            path = re.sub(r"<(?:[a-z]+:)?" + arg + ">", enc.replace("\\", "\\\\"), path, count=1)
        qs = data.draw(query(), label="query")
        kwargs = {}
        if method == "POST":
            body = data.draw(form(), label="form")
            if role != "anonymous" and data.draw(st.integers(0, 3), label="csrf") > 0:
                body["csrf_token"] = world.tokens[role]
            kwargs = {"data": body, "content_type": "multipart/form-data", "headers": {"Origin": "http://localhost"}}
        r = client.open(path + ("?" + qs if qs else ""), method=method, **kwargs)
        check_answer(r, f"{role} {method} {path}?{qs[:200]} {str(kwargs)[:300]}", lhr=True)
        if r.status_code in (301, 302, 303, 307, 308):
            loc = r.headers["Location"]
            parts = urlsplit(urljoin("http://localhost" + path, loc))
            mock = urlsplit(world.t.mock_url).netloc
            assert parts.netloc in ("localhost", mock), f"redirect off the site: {loc}"
        if role != "anonymous" and path.startswith("/auth/thaid/logout") and r.status_code == 302:  # log in again
            world.clients[role], _ = world.t.login({"owner": MALI, "officer": SUNEE, "supervisor": NARONG}[role],
                                                   client=client)
            world.tokens[role] = csrf(client, "/me/record" if role == "owner" else "/officer/" if role == "officer"
                                      else "/dashboard/")

    run()
    if role != "anonymous":  # nobody reached anything of TEST_PERSON's through all that
        with world.t.session() as s:
            req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == world.other_rid))
            assert req.status == "SUBMITTED" and len(req.attachments) == 1

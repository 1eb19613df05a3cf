"""Uploads that are not what they claim: the card and selfie photos of the ThaiD app pages
and of /_mock/api/enrol, and the LHR demo's evidence. Random bytes behind real magic
numbers, other image formats, truncated and corrupt files, decompression bombs (pixel
bombs and a zTXt text bomb), and a 50 MB upload to every upload endpoint.

tests/mock_thaid/test_enrol_images.py already checks the image rules one by one (GIF, BMP,
WEBP, PDF, an empty file, 5 MB + 1, a PNG bomb, a truncated PNG) and
tests/lhr_demo/test_lhr_uploads.py the evidence rules as a unit; here the same endpoints
are fuzzed through HTTP, on the paths those tests do not take.
"""
from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from conftest import make_app
from hypothesis import given
from hypothesis import strategies as st
from lhr_files import bomb_png, jpeg, pdf, png
from lhr_helpers import MALI, csrf, file_request, request_id
from PIL import Image
from sec_helpers import FUZZ, STATS, check_answer, counted
from sqlalchemy import func, select
from test_enrol_pages import Phone, walk_self

from lhr_demo import models as m

HTML = {"Accept": "text/html"}
FIFTY_MB = 50 * 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def ztxt_bomb() -> bytes:
    """A real 640x400 PNG with a zTXt chunk that inflates to 64 MB."""
    buf = io.BytesIO()
    Image.effect_noise((640, 400), 60).convert("RGB").save(buf, "PNG")
    data = buf.getvalue()
    bomb = _chunk(b"zTXt", b"mock-thaid-card\x00\x00" + zlib.compress(b"\x00" * (64 * 1024 * 1024), 9))
    return data[:33] + bomb + data[33:]  # after IHDR


def jpeg_claiming(width: int, height: int) -> bytes:
    """A JPEG header whose SOF0 says width x height (the scan data is missing)."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof + b"\xff\xd9"


def _encode(fmt: str, size=(640, 400)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buf, fmt)
    return buf.getvalue()


NOT_IMAGES = {
    "html": b"<!doctype html><script>alert(1)</script>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "tiff": _encode("TIFF"),
    "ico": _encode("ICO", (64, 64)),
    "png-magic-then-garbage": b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
    "jpeg-magic-then-html": b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>",
    "jpeg-without-scan": jpeg_claiming(640, 400),
    "jpeg-65500-square": jpeg_claiming(65500, 65500),
    "png-ztxt-bomb": ztxt_bomb(),
    "png-pixel-bomb": bomb_png(),
    "zip": b"PK\x03\x04" + b"\x00" * 100,
    "thai-text": "ไม่ใช่รูปภาพ 😀".encode(),
}
MAGIC = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"GIF89a", b"%PDF-1.7\n",
         b"RIFF\x00\x00\x00\x00WEBP", b"BM", b"\x00\x00\x01\x00", b""]
garbage_files = st.builds(lambda magic, rest: magic + rest, st.sampled_from(MAGIC), st.binary(max_size=2000))


@pytest.fixture(scope="module")
def app():
    return counted(make_app())


def _api_enrolment(c, until: str = "card") -> str:
    e = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json
    if until == "selfie":
        c.post(f"/_mock/api/enrol/{e['id']}/card", json={"sample": "1153620226005"})
        c.post(f"/_mock/api/enrol/{e['id']}/check", json={})
    return e["id"]


def _refused_photo(r, what: str) -> None:
    check_answer(r, what)
    assert r.status_code == 400, (what, r.status_code)
    if r.is_json:
        assert r.json["error"] in {"image_type", "image_bomb", "image_too_large", "card_unreadable",
                                   "selfie_unreadable", "invalid_field", "image_missing"}, (what, r.json)


# ------------------------------------------------------------------------- the mock: JSON API
@pytest.mark.parametrize("name", sorted(NOT_IMAGES))
def test_the_api_refuses_files_that_are_not_photos(app, name):
    c = app.test_client()
    data = base64.b64encode(NOT_IMAGES[name]).decode()
    eid = _api_enrolment(c)
    _refused_photo(c.post(f"/_mock/api/enrol/{eid}/card", json={"front": data, "back": data}), f"card {name}")
    assert c.get(f"/_mock/api/enrol/{eid}").json["step"] == "card"
    eid = _api_enrolment(c, "selfie")
    _refused_photo(c.post(f"/_mock/api/enrol/{eid}/selfie", json={"image": "data:image/png;base64," + data}),
                   f"selfie {name}")
    assert c.get(f"/_mock/api/enrol/{eid}").json["step"] == "selfie"


@FUZZ
@given(front=garbage_files, back=garbage_files, selfie=garbage_files)
def test_random_bytes_behind_real_magic_numbers_never_pass_as_photos(app, front, back, selfie):
    STATS["examples"] += 1
    c = app.test_client()
    eid = _api_enrolment(c)
    r = c.post(f"/_mock/api/enrol/{eid}/card", json={"front": base64.b64encode(front).decode(),
                                                      "back": base64.b64encode(back).decode()})
    _refused_photo(r, "card")
    eid = _api_enrolment(c, "selfie")
    _refused_photo(c.post(f"/_mock/api/enrol/{eid}/selfie", json={"image": base64.b64encode(selfie).decode()}),
                   "selfie")


@pytest.mark.parametrize("field,step", [("front", "card"), ("image", "selfie")])
def test_fifty_megabytes_to_the_api_is_413_json(app, field, step):
    c = app.test_client()
    eid = _api_enrolment(c, step)
    body = b'{"' + field.encode() + b'": "' + b"A" * FIFTY_MB + b'"}'
    r = c.post(f"/_mock/api/enrol/{eid}/{step}", data=body, content_type="application/json")
    check_answer(r, f"50 MB {step}")
    assert r.status_code == 413 and r.json["error"] == "request_entity_too_large"
    assert c.get(f"/_mock/api/enrol/{eid}").json["step"] == step


def test_six_megabytes_in_the_body_is_image_too_large(app):
    c = app.test_client()
    eid = _api_enrolment(c)
    big = base64.b64encode(b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024)).decode()
    r = c.post(f"/_mock/api/enrol/{eid}/card", json={"front": big})
    check_answer(r, "6 MB")
    assert r.status_code == 400 and r.json["error"] == "image_too_large"


# ------------------------------------------------------------------------- the mock: app pages
@pytest.mark.parametrize("name", ["svg", "jpeg-magic-then-html", "jpeg-65500-square", "png-ztxt-bomb", "tiff"])
def test_the_app_pages_refuse_files_that_are_not_photos(app, name):
    phone = Phone(app, "en")
    walk_self(phone, until="card")
    r = phone.post("card", action="upload", front=(io.BytesIO(NOT_IMAGES[name]), "card.jpg"),
                   back=(io.BytesIO(NOT_IMAGES[name]), "card.png"))
    check_answer(r, f"card page {name}")
    assert r.status_code == 400 and phone.step == "card"
    assert phone.c.get("/app/enrol/photo/front").status_code == 404  # nothing kept


@pytest.mark.parametrize("page,field", [("card", "front"), ("selfie", "selfie")])
def test_fifty_megabytes_to_the_app_pages_is_the_413_page(app, page, field):
    phone = Phone(app, "en")
    walk_self(phone, until="card" if page == "card" else "selfie")
    r = phone.post(page, action="upload", **{field: (io.BytesIO(b"\xff\xd8\xff" + b"\x00" * FIFTY_MB), "x.jpg")})
    check_answer(r, f"50 MB to /app/enrol/{page}")
    assert r.status_code == 413 and 'id="error-code">request_entity_too_large<' in r.get_data(as_text=True)
    assert phone.step == page


@FUZZ
@given(data=garbage_files, name=st.sampled_from(["x.png", "x.jpg", "x.pdf", "x", "x.png.exe", "..\\..\\x.png"]))
def test_random_files_to_the_selfie_page(app, data, name):
    STATS["examples"] += 1
    phone = _selfie_phone(app)
    r = phone.post("selfie", action="upload", selfie=(io.BytesIO(data), name))
    check_answer(r, "selfie page")
    assert r.status_code == 400 and phone.step == "selfie"


_PHONES: dict = {}


def _selfie_phone(app):
    """One phone parked at the selfie step (refused uploads keep it there)."""
    phone = _PHONES.get(id(app))
    if phone is None or phone.step != "selfie":
        phone = Phone(app, "en")
        walk_self(phone, until="selfie")
        _PHONES[id(app)] = phone
    return phone


# ------------------------------------------------------------------------- LHR evidence
LIES = [  # (file name, content, what it really is)
    ("order.pdf", b"<html><body>not a pdf</body></html>", "html named pdf"),
    ("scan.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "svg named png"),
    ("scan.png", pdf(), "pdf named png"),
    ("order.pdf", png(), "png named pdf"),
    ("photo.jpg", png(), "png named jpg"),
    ("photo.jpg", b"\xff\xd8\xff\xe0<script>alert(1)</script>", "jpeg magic then html"),
    ("photo.png", bomb_png(), "decompression bomb"),
    ("photo.jpg", jpeg_claiming(65500, 65500), "jpeg claiming 65500x65500"),
    ("photo.gif", b"GIF89a" + b"\x00" * 100, "gif"),
    ("order.pdf.html", pdf(), "pdf named html"),
    ("order", pdf(), "no extension"),
]


def _attachments(lhr, rid: str) -> int:
    with lhr.session() as s:
        req = s.scalar(select(m.CorrectionRequest).where(m.CorrectionRequest.public_id == rid))
        return len(req.attachments)


def _stored_files(lhr) -> int:
    from pathlib import Path

    return sum(1 for p in Path(lhr.settings.upload_dir).rglob("*") if p.is_file())


def test_lhr_evidence_that_lies_about_its_type_is_refused_on_both_upload_routes(lhr):
    owner, _ = lhr.login(MALI)
    rid = request_id(file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "พม่า"}, action="draft"))
    token = csrf(owner, f"/me/requests/{rid}")
    stored = _stored_files(lhr)
    for name, content, what in LIES:
        for ctype in ("image/png", "application/pdf", "application/octet-stream"):
            r = owner.post(f"/me/requests/{rid}/attachments", content_type="multipart/form-data", data={
                "csrf_token": token, "evidence": [(io.BytesIO(content), name, ctype)]})
            check_answer(r, f"attach {what} as {ctype}", lhr=True)
            assert r.status_code == 302, what
        r = file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "พม่า"}, files=[(name, content)],
                         token=token)
        check_answer(r, f"new request with {what}", lhr=True)
        assert r.status_code == 400, what
    assert _attachments(lhr, rid) == 0 and _stored_files(lhr) == stored
    with lhr.session() as s:
        assert s.scalar(select(func.count()).select_from(m.CorrectionRequest)) == 1  # the draft only
    r = owner.post(f"/me/requests/{rid}/attachments", content_type="multipart/form-data",
                   data={"csrf_token": token, "evidence": [(io.BytesIO(jpeg()), "real.jpg", "image/jpeg")]})
    assert r.status_code == 302 and _attachments(lhr, rid) == 1  # a real file still goes through


@pytest.mark.parametrize("route", ["new", "attachments"])
def test_lhr_fifty_megabyte_evidence_is_the_413_page(lhr, route):
    owner, _ = lhr.login(MALI)
    rid = request_id(file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "พม่า"}, action="draft"))
    token = csrf(owner, f"/me/requests/{rid}")
    big = (io.BytesIO(b"%PDF-1.4\n" + b"0" * FIFTY_MB + b"\n%%EOF"), "big.pdf")
    if route == "new":
        r = owner.post("/me/requests/new", content_type="multipart/form-data", data={
            "csrf_token": token, "section": "ABILITY", "row": "missing", "reason": "x", "action": "submit",
            "f_field": "ภาษา", "f_detail": "x", "evidence": [big]})
    else:
        r = owner.post(f"/me/requests/{rid}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": token, "evidence": [big]})
    check_answer(r, f"50 MB to {route}", lhr=True)
    assert r.status_code == 413 and 'data-code="413"' in r.get_data(as_text=True)
    assert _attachments(lhr, rid) == 0


@FUZZ
@given(content=garbage_files, name=st.sampled_from(["e.pdf", "e.png", "e.jpg", "e.jpeg", "e.PDF", "e", "ไฟล์.pdf",
                                                    "😀.png", "../../e.pdf", "e.pdf\x00.png", "a" * 300 + ".pdf"]))
def test_lhr_random_evidence(lhr_owner, content, name):
    STATS["examples"] += 1
    lhr, owner, rid, token = lhr_owner
    before = _attachments(lhr, rid)
    r = owner.post(f"/me/requests/{rid}/attachments", content_type="multipart/form-data",
                   data={"csrf_token": token, "evidence": [(io.BytesIO(content), name)]})
    check_answer(r, "random evidence", lhr=True)
    assert r.status_code == 302
    if content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]:
        return  # a (minimal) PDF under a .pdf name is accepted by design
    assert _attachments(lhr, rid) == before, (name, content[:40])


@pytest.fixture(scope="module")
def lhr_owner(tmp_path_factory, sec_template_db, sec_mock):
    from lhr_helpers import make_lhr

    t = make_lhr(tmp_path_factory.mktemp("lhr-uploads"), sec_template_db, sec_mock.url)
    counted(t.app)
    owner, _ = t.login(MALI)
    rid = request_id(file_request(owner, "ABILITY", "missing", {"field": "ภาษา", "detail": "พม่า"}, action="draft"))
    yield t, owner, rid, csrf(owner, f"/me/requests/{rid}")
    t.thaid.close()
    t.db.engine.dispose()

"""Photos during registration: JPEG or PNG by content, ≤ 5 MB, no decompression bombs, the
sample cards recognised (SHA-256 registry and PNG/JPEG marker), kept only while the
registration runs, and never in the logs."""
from __future__ import annotations

import base64
import io
import logging
import struct
import sys
import zlib
from pathlib import Path

import pytest
from conftest import make_app
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from test_enrol_pages import PIN, WARAPORN, Phone, card_files, error_of, selfie_file, walk_self  # noqa: E402

from mock_thaid import cardimages  # noqa: E402
from mock_thaid.enrolment import images  # noqa: E402
from mock_thaid.store import enrolments  # noqa: E402


def encode(fmt: str, size=(640, 400), **kw) -> bytes:
    img = Image.effect_noise(size, 60).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_bomb(width=30000, height=30000) -> bytes:
    """A tiny PNG that claims (and really decompresses to) a huge picture."""
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 64, 9)  # a few rows suffice: the size check comes first

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("data", "code"), [
    (encode("JPEG"), None), (encode("PNG"), None),
    (encode("GIF"), "image_type"), (encode("BMP"), "image_type"), (encode("WEBP"), "image_type"),
    (b"%PDF-1.4 not an image", "image_type"), (b"", "image_missing"),
    (b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024), "image_too_large"),
    (png_bomb(), "image_bomb"), (encode("PNG")[:300], "image_corrupt"),
])
def test_check_by_content(data, code):
    if code is None:
        photo = images.check(data)
        assert photo.mime in ("image/jpeg", "image/png") and not photo.blank
    else:
        with pytest.raises(images.ImageRejected) as err:
            images.check(data)
        assert err.value.code == code


def test_the_file_name_does_not_matter():
    app = make_app()
    phone = Phone(app, "en")
    walk_self(phone, until="card")
    gif_named_png = (io.BytesIO(encode("GIF")), "card.png")
    r = phone.post("card", action="upload", front=gif_named_png)
    assert r.status_code == 400 and "not a JPEG or PNG" in error_of(r.get_data(as_text=True))
    front = card_files(phone, WARAPORN)["front"][0].getvalue()
    phone.ok("card", action="upload", front=(io.BytesIO(front), "photo.gif"))


@pytest.mark.parametrize(("data", "words"), [
    (b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024 + 10), "larger than 5 MB"),
    (png_bomb(), "abnormal number of pixels"),
])
def test_too_large_and_bombs_are_refused_in_the_app(data, words):
    phone = Phone(make_app(), "en")
    walk_self(phone, until="card")
    r = phone.post("card", action="upload", front=(io.BytesIO(data), "x.png"))
    assert r.status_code == 400 and words in error_of(r.get_data(as_text=True))


def test_samples_are_recognised_by_sha256_even_without_the_marker(monkeypatch):
    monkeypatch.setattr(images, "_marker", lambda img: None)
    phone = Phone(make_app())
    walk_self(phone, until="card")
    phone.ok("card", action="upload", **card_files(phone, WARAPORN))  # rendered by the gallery: registered
    phone.ok("card", action="confirm")
    assert phone.step == "card_check"


def test_samples_are_recognised_by_their_marker_without_the_registry():
    phone = Phone(make_app())
    walk_self(phone, until="card")
    cit = phone.c.get(f"/_mock/citizens/{WARAPORN}").get_json()
    files = {side: (io.BytesIO(cardimages.render(cit, side, fmt="jpeg")), side + ".jpg") for side in ("front", "back")}
    phone.ok("card", action="upload", **files)  # never rendered through the mock's registry
    phone.ok("card", action="confirm")
    assert phone.step == "card_check"


def test_wrong_side_and_different_cards():
    phone = Phone(make_app(), "en")
    walk_self(phone, until="card")
    files = card_files(phone, WARAPORN)
    r = phone.post("card", action="upload", front=files["back"])
    assert r.status_code == 400 and "other side" in error_of(r.get_data(as_text=True))
    other = card_files(phone, "3647798421261")
    phone.ok("card", action="upload", front=files["front"], back=other["back"])
    r = phone.post("card", action="confirm")
    assert r.status_code == 400 and "different cards" in error_of(r.get_data(as_text=True))
    assert phone.post("card", action="retake:back").status_code == 303
    r = phone.post("card", action="confirm")
    assert r.status_code == 400 and "both the front and the back" in error_of(r.get_data(as_text=True))


def _image_rows(app) -> int:
    with app.extensions["mock_thaid"].db.session() as s:
        return enrolments.image_count(s)


def test_photos_are_deleted_when_the_registration_is_done():
    app = make_app()
    phone = Phone(app)
    walk_self(phone, until="consent")
    assert _image_rows(app) == 3  # front, back, selfie
    phone.ok("consent", pin=PIN)
    assert _image_rows(app) == 0


def test_photos_are_deleted_when_it_fails_or_is_left_idle():
    app = make_app(enrol_lifetime=60)
    phone = Phone(app)
    walk_self(phone, pid="1368410540482", until="selfie")  # face: mismatch
    for _ in range(3):
        phone.ok("selfie", action="upload", selfie=selfie_file())
        phone.post("selfie", action="confirm")
    assert phone.step == "failed" and _image_rows(app) == 0
    idle = Phone(app, "en")
    walk_self(idle, until="selfie")
    assert _image_rows(app) == 2
    app.extensions["mock_thaid"].clock.advance(61)
    html = idle.page().get_data(as_text=True)
    assert "timed out" in html and _image_rows(app) == 0


def test_nothing_of_an_image_or_a_pin_in_the_logs(caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app()
    phone = Phone(app)
    walk_self(phone)
    c = app.test_client()
    e = c.post("/_mock/api/enrol", json={"channel": "self", "accept_terms": True}).json
    junk = base64.b64encode(b"GIF89a" + b"\x00" * 64).decode()
    c.post(f"/_mock/api/enrol/{e['id']}/card", json={"front": junk})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "iVBOR" not in text and "GIF89a" not in text and junk not in text and PIN not in text


def test_photos_of_another_phone_are_not_served():
    app = make_app()
    phone = Phone(app)
    walk_self(phone, until="card")
    phone.ok("card", action="upload", **card_files(phone, WARAPORN))
    assert phone.c.get("/app/enrol/photo/front").status_code == 200
    assert Phone(app).c.get("/app/enrol/photo/front").status_code == 404

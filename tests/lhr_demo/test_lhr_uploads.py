"""Evidence uploads: content magic, Pillow verify, size limit, decompression bombs, storage."""
from __future__ import annotations

import hashlib

import pytest

from lhr_demo import uploads
from lhr_demo.uploads import UploadRejected

from lhr_files import bomb_png, jpeg, pdf, png

MB = 1024 * 1024
LIMIT = 10 * MB


@pytest.mark.parametrize("make, name, mime", [(pdf, "คำสั่ง.pdf", "application/pdf"), (png, "scan.PNG", "image/png"),
                                              (jpeg, "photo.jpg", "image/jpeg"), (jpeg, "photo.jpeg", "image/jpeg")])
def test_real_files_are_accepted(make, name, mime):
    data = make()
    checked = uploads.inspect(data, name, LIMIT)
    assert checked.mime == mime and checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def refused(data: bytes, name: str, limit: int = LIMIT) -> str:
    with pytest.raises(UploadRejected) as e:
        uploads.inspect(data, name, limit)
    assert e.value.message("th") and e.value.message("en")
    return e.value.code


def test_a_png_that_is_really_text_is_refused():
    assert refused(b"this is not an image, just text\n" * 10, "evidence.png") == "unknown_type"


def test_an_html_file_named_pdf_is_refused():
    assert refused(b"<html><script>alert(1)</script></html>", "order.pdf") == "unknown_type"


def test_extension_must_match_the_content():
    assert refused(pdf(), "order.png") == "type_mismatch"
    assert refused(png(), "scan.jpg") == "type_mismatch"
    assert refused(png(), "scan.exe") == "unknown_type"


def test_more_than_10_mb_is_refused():
    data = png() + b"\x00" * (LIMIT + 1 - len(png()))
    assert len(data) == LIMIT + 1
    assert refused(data, "big.png") == "too_large"


def test_exactly_10_mb_is_allowed_by_size():
    data = pdf()
    data = data[:-6] + b" " * (LIMIT - len(data)) + b"%%EOF\n"
    assert len(data) == LIMIT
    assert uploads.inspect(data, "big.pdf", LIMIT).size == LIMIT


def test_a_decompression_bomb_png_is_refused():
    data = bomb_png()
    assert len(data) < 10_000
    assert refused(data, "bomb.png") == "image_too_large"


def test_a_damaged_png_is_refused():
    data = bytearray(png())
    data[40:60] = b"\xff" * 20  # corrupt the IDAT chunk (its CRC no longer matches)
    assert refused(bytes(data), "broken.png") == "bad_image"


def test_a_truncated_pdf_is_refused():
    assert refused(pdf()[:200], "cut.pdf") == "bad_pdf"


def test_empty_is_refused():
    assert refused(b"", "x.pdf") == "empty"


def test_file_names_are_made_safe():
    assert uploads.safe_filename("../../etc/passwd.pdf") == "passwd.pdf"
    assert uploads.safe_filename("C:\\Users\\a\\scan\x00.png") == "scan.png"


def test_store_by_hash_and_load_checks_it_again(tmp_path):
    data = png()
    checked = uploads.inspect(data, "a.png", LIMIT)
    path = uploads.store(tmp_path, data, checked)
    assert path == tmp_path / checked.sha256[:2] / checked.sha256
    assert uploads.load(tmp_path, checked.sha256) == data
    assert uploads.store(tmp_path, data, checked) == path  # same bytes, same file
    path.write_bytes(data + b"tampered")
    with pytest.raises(uploads.StoredFileCorrupt):
        uploads.load(tmp_path, checked.sha256)
    with pytest.raises(uploads.StoredFileCorrupt):
        uploads.load(tmp_path, "../../etc/passwd")

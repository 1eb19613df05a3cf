"""Evidence files: check what they really are, store them by SHA-256 outside the web root.

Accepted: PDF, PNG and JPEG, at most ``max_bytes`` each. The type comes from the content's
magic bytes (the file name's extension must agree); images must open in Pillow as that
format, stay under :data:`MAX_PIXELS` (a decompression bomb is refused before decoding)
and pass ``verify()``. Files are stored as ``<upload_dir>/<sha[:2]>/<sha>``, read back only
after their hash is checked again.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

MAX_PIXELS = 50_000_000  # 50 megapixels: more than any phone photo of a document
MAGIC = (("application/pdf", b"%PDF-"), ("image/png", b"\x89PNG\r\n\x1a\n"), ("image/jpeg", b"\xff\xd8\xff"))
EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
PIL_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG"}


class UploadRejected(ValueError):
    MESSAGES = {
        "empty": ("ไม่พบไฟล์ หรือไฟล์ว่างเปล่า", "No file, or the file is empty."),
        "too_large": ("ไฟล์ใหญ่เกินกำหนด (ไม่เกิน {mb} MB ต่อไฟล์)", "The file is too large (at most {mb} MB each)."),
        "unknown_type": ("รับเฉพาะไฟล์ PDF, JPEG หรือ PNG", "Only PDF, JPEG or PNG files are accepted."),
        "type_mismatch": ("นามสกุลไฟล์ไม่ตรงกับเนื้อหาไฟล์", "The file name's extension does not match its content."),
        "bad_image": ("ไฟล์ภาพเสียหายหรือเปิดไม่ได้", "The image is damaged or cannot be opened."),
        "image_too_large": ("ภาพมีขนาดพิกเซลใหญ่ผิดปกติ", "The image has an abnormally large pixel size."),
        "bad_pdf": ("ไฟล์ PDF ไม่สมบูรณ์", "The PDF file is incomplete."),
    }

    def __init__(self, code: str, **data) -> None:
        super().__init__(code)
        self.code, self.data = code, data

    def message(self, lang: str = "th") -> str:
        th, en = self.MESSAGES[self.code]
        return (th if lang == "th" else en).format(**self.data)


@dataclass(frozen=True)
class Checked:
    mime: str
    size: int
    sha256: str
    filename: str


def safe_filename(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip() or "file"
    return base[-120:]


def sniff(data: bytes) -> str | None:
    return next((mime for mime, magic in MAGIC if data.startswith(magic)), None)


def inspect(data: bytes, filename: str, max_bytes: int) -> Checked:
    if not data:
        raise UploadRejected("empty")
    if len(data) > max_bytes:
        raise UploadRejected("too_large", mb=max_bytes // (1024 * 1024))
    mime = sniff(data)
    if mime is None:
        raise UploadRejected("unknown_type")
    name = safe_filename(filename)
    ext = os.path.splitext(name)[1].lower()
    if ext not in EXTENSIONS:
        raise UploadRejected("unknown_type")
    if EXTENSIONS[ext] != mime:
        raise UploadRejected("type_mismatch")
    if mime in PIL_FORMAT:
        _check_image(data, PIL_FORMAT[mime])
    elif b"%%EOF" not in data[-2048:]:
        raise UploadRejected("bad_pdf")
    return Checked(mime=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(), filename=name)


def _check_image(data: bytes, fmt: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                width, height = im.size  # read from the header: nothing decoded yet
                if width * height > MAX_PIXELS:
                    raise UploadRejected("image_too_large")
                im.verify()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("image_too_large") from None
    except Exception:
        raise UploadRejected("bad_image") from None


def store(upload_dir: str | Path, data: bytes, checked: Checked) -> Path:
    path = Path(upload_dir) / checked.sha256[:2] / checked.sha256
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # One temporary name per writer: two threads storing the same evidence at once must not
        # write into (or rename away) each other's file. Flushed to disk before the rename, so
        # a stored name always holds the whole file, and the row committed after it finds it.
        tmp = path.with_suffix(f".tmp{os.getpid()}-{secrets.token_hex(6)}")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StoredFileCorrupt(Exception):
    """The bytes on disk no longer match the recorded SHA-256."""


def load(upload_dir: str | Path, sha256: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise StoredFileCorrupt(sha256)
    data = (Path(upload_dir) / sha256[:2] / sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StoredFileCorrupt(sha256)
    return data

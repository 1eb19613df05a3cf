"""Sample Thai ID card images (front and back) of the mock's synthetic citizens, drawn with Pillow.

Every image says "ตัวอย่าง / MOCK — ไม่ใช่บัตรจริง" across it and carries a marker (PNG text
chunk, JPEG comment) naming the citizen, the side and the variant, so the mock recognises
it when it is uploaded as a "photo" of the card. The ``blurred`` variant is what an
unreadable photo looks like: the mock refuses it, as the app refuses a blurry picture.
There is no state here; the caller records each image's SHA-256 (store/enrolments.py).
"""
from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from PIL.PngImagePlugin import PngInfo

from .domain.dates import en_date, th_date
from .domain.marker import MARKER_KEY, marker_text
from .pid import format_pid

W, H = 1000, 630  # ID-1 card proportions (85.6 x 54 mm)
SIDES = ("front", "back")
VARIANTS = ("clear", "blurred")
FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg")}
_FONT_DIRS = ("/usr/share/fonts/truetype/tlwg", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto")
_REGULAR = ("Garuda.ttf", "Loma.ttf", "NotoSansThai-Regular.ttf", "Waree.ttf")
_BOLD = ("Garuda-Bold.ttf", "Loma-Bold.ttf", "NotoSansThai-Bold.ttf", "Waree-Bold.ttf")
INK, MUTED, RED = (20, 30, 60), (70, 80, 110), (190, 20, 30)


@lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    for name in (_BOLD if bold else _REGULAR) + _REGULAR:
        for folder in _FONT_DIRS:
            path = Path(folder) / name
            if path.exists():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _background() -> Image.Image:
    return _background_once().copy()


@lru_cache(maxsize=1)
def _background_once() -> Image.Image:
    img = Image.new("RGB", (W, H), (235, 244, 252))
    d = ImageDraw.Draw(img)
    for y in range(H):  # pale blue to pale pink
        k = y / H
        d.line([(0, y), (W, y)], fill=(int(226 + 26 * k), int(238 - 6 * k), int(252 - 12 * k)))
    for i in range(0, W + H, 22):  # guilloche-like hatching
        d.line([(i, 0), (i - H, H)], fill=(214, 226, 242), width=1)
    return img


def _watermark(img: Image.Image) -> None:
    layer = _watermark_layer()
    img.paste(layer, (0, 0), layer)


@lru_cache(maxsize=1)
def _watermark_layer() -> Image.Image:
    """The same stamp on every card: drawn once."""
    layer = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    text = "ตัวอย่าง  MOCK — ไม่ใช่บัตรจริง"
    box = d.textbbox((0, 0), text, font=font(58, True))
    tw, th = box[2] - box[0], box[3] - box[1]
    stamp = Image.new("RGBA", (tw + 40, th + 40), (0, 0, 0, 0))
    ImageDraw.Draw(stamp).text((20, 20 - box[1]), text, font=font(58, True), fill=(200, 20, 30, 70))
    stamp = stamp.rotate(18, expand=True)
    layer.alpha_composite(stamp, ((W - stamp.width) // 2, (H - stamp.height) // 2))
    return layer


def _face(d: ImageDraw.ImageDraw, x: int, y: int, w: int, h: int) -> None:
    d.rounded_rectangle([x, y, x + w, y + h], radius=10, fill=(208, 216, 228), outline=(150, 160, 180), width=2)
    cx = x + w // 2
    d.ellipse([cx - w // 4, y + h // 6, cx + w // 4, y + h // 6 + w // 2], fill=(160, 170, 188))
    d.pieslice([x + w // 8, y + h // 2 + 20, x + w - w // 8, y + h + h // 2], 180, 360, fill=(160, 170, 188))
    d.text((cx, y + h - 18), "MOCK", font=font(20, True), fill=MUTED, anchor="mm")


def _wrap(d: ImageDraw.ImageDraw, text: str, fnt, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and d.textlength(candidate, font=fnt) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return lines + [line]


def _front(c: dict) -> Image.Image:
    img = _background()
    d = ImageDraw.Draw(img)
    d.ellipse([28, 22, 98, 92], outline=(120, 90, 30), width=4)
    d.text((63, 57), "ทร", font=font(26, True), fill=(120, 90, 30), anchor="mm")
    d.text((120, 22), "บัตรประจำตัวประชาชน", font=font(40, True), fill=INK)
    right = d.textbbox((120, 22), "บัตรประจำตัวประชาชน", font=font(40, True))[2]
    d.text((right + 24, 32), "Thai National ID Card", font=font(30, True), fill=INK)
    d.text((120, 100), "เลขประจำตัวประชาชน", font=font(24), fill=MUTED)
    d.text((120, 126), "Identification Number", font=font(20), fill=MUTED)
    d.text((400, 100), format_pid(c["pid"]).replace("-", " "), font=font(46, True), fill=INK)
    name_th = f"{c['title']} {c['given_name']} {c.get('middle_name') or ''} {c['family_name']}".replace("  ", " ")
    d.text((60, 180), "ชื่อตัวและชื่อสกุล", font=font(22), fill=MUTED)
    d.text((250, 168), name_th, font=font(38, True), fill=INK)
    given_en = f"{c['title_en']} {c['given_name_en']} {c.get('middle_name_en') or ''}".replace("  ", " ").strip()
    d.text((60, 236), "Name", font=font(22), fill=MUTED)
    d.text((250, 228), given_en, font=font(32, True), fill=INK)
    d.text((60, 280), "Last name", font=font(22), fill=MUTED)
    d.text((250, 272), c["family_name_en"], font=font(32, True), fill=INK)
    d.text((250, 324), f"เกิดวันที่  {th_date(c['birthdate'])}", font=font(28, True), fill=INK)
    d.text((250, 362), f"Date of Birth  {en_date(c['birthdate'])}", font=font(26, True), fill=INK)
    d.text((60, 420), "ที่อยู่", font=font(22), fill=MUTED)
    for i, line in enumerate(_wrap(d, c["address"], font(26), 620)[:2]):
        d.text((130, 414 + 32 * i), line, font=font(26), fill=INK)
    for x, label_th, label_en, value in ((60, "วันออกบัตร", "Date of Issue", c["date_of_issuance"]),
                                         (400, "วันบัตรหมดอายุ", "Date of Expiry", c["date_of_expiry"])):
        d.text((x, 500), th_date(value), font=font(26, True), fill=INK)
        d.text((x, 534), en_date(value), font=font(22, True), fill=INK)
        d.text((x, 566), f"{label_th} / {label_en}", font=font(18), fill=MUTED)
    _face(d, 770, 300, 190, 230)
    return img


def _back(c: dict) -> Image.Image:
    img = _background()
    d = ImageDraw.Draw(img)
    d.rectangle([0, 40, W, 130], fill=(40, 50, 70))
    d.text((40, 85), c["smartcard_code"], font=font(48, True), fill=(240, 240, 240), anchor="lm")
    digest = hashlib.sha256(c["pid"].encode()).digest() * 4
    x = 520
    for byte in digest:  # a barcode look-alike (not a real code)
        width = 1 + byte % 4
        d.rectangle([x, 370, x + width, 470], fill=INK)
        x += width + 2 + (byte >> 4) % 4
        if x > W - 40:
            break
    d.text((40, 180), "ตัวอย่างบัตรที่ระบบจำลอง ThaiD สร้างขึ้น ใช้ทดสอบและฝึกอบรมเท่านั้น", font=font(28, True), fill=INK)
    d.text((40, 225), "A sample card rendered by the ThaiD mock, for testing and training only.", font=font(24), fill=INK)
    d.text((40, 290), "บุคคลในบัตรนี้เป็นบุคคลสมมติ / The person on this card is invented.", font=font(24), fill=MUTED)
    d.text((40, 560), f"{MARKER_KEY} · {c['pid'][:1]}-xxxx-xxxxx-{c['pid'][10:12]}-{c['pid'][12:]}",
           font=font(20), fill=MUTED)
    return img


def render(citizen: dict, side: str, *, variant: str = "clear", fmt: str = "png") -> bytes:
    """The image file (PNG or JPEG bytes) of one side of a citizen's sample card."""
    if side not in SIDES or variant not in VARIANTS or fmt not in FORMATS:
        raise ValueError("side must be front|back, variant clear|blurred, fmt png|jpeg")
    return _render(tuple(sorted((k, str(v)) for k, v in citizen.items())), side, variant, fmt)


@lru_cache(maxsize=128)
def _render(items: tuple, side: str, variant: str, fmt: str) -> bytes:
    """Rendering is deterministic, so the same data gives the same bytes (and SHA-256): cache it."""
    citizen = dict(items)
    img = _front(citizen) if side == "front" else _back(citizen)
    _watermark(img)
    if variant == "blurred":
        img = img.filter(ImageFilter.GaussianBlur(9))
    marker = marker_text(citizen["pid"], side, variant)
    buf = io.BytesIO()
    if fmt == "png":
        info = PngInfo()
        info.add_text(MARKER_KEY, marker)
        img.save(buf, format="PNG", pnginfo=info, optimize=False, compress_level=1)  # ~4x faster than 6
    else:
        img.save(buf, format="JPEG", quality=88, comment=marker.encode())
    return buf.getvalue()


def render_selfie(fmt: str = "png") -> bytes:
    """A cartoon face for the selfie step (any JPEG/PNG is accepted; this is a convenience)."""
    img = Image.new("RGB", (480, 640), (226, 236, 248))
    d = ImageDraw.Draw(img)
    d.ellipse([110, 120, 370, 440], fill=(238, 205, 170), outline=(120, 90, 60), width=4)
    d.ellipse([175, 235, 205, 265], fill=INK)
    d.ellipse([275, 235, 305, 265], fill=INK)
    d.arc([190, 300, 290, 380], 20, 160, fill=RED, width=6)
    d.pieslice([40, 470, 440, 900], 180, 360, fill=(90, 120, 170))
    d.text((240, 60), "MOCK selfie / ภาพตัวอย่าง", font=font(30, True), fill=RED, anchor="mm")
    buf = io.BytesIO()
    img.save(buf, format=FORMATS[fmt][0])
    return buf.getvalue()

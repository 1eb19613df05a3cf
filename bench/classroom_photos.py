"""The photos of `make bench-classroom`: 12-MP phone-like JPEGs of 2-4 MB made once from the
mock's own sample card and selfie, and a per-upload copy so every upload is a different file."""
from __future__ import annotations

import io
import struct

import requests
from benchlib import PEERS

TIMEOUT = (10, 60)  # connect, read

def make_photos(base: str, pid: str) -> dict[str, bytes]:
    """12-MP phone-like JPEGs of 2-4 MB, made once from the mock's own sample card and selfie
    (cached in bench/.peers/photos). The mock cannot read them as its cards: "whose card is it"."""
    from PIL import Image, ImageChops

    folder = PEERS / "photos"
    names = {"front": "card-front.jpg", "back": "card-back.jpg", "selfie": "selfie.jpg"}
    if all((folder / n).exists() for n in names.values()):
        return {k: (folder / n).read_bytes() for k, n in names.items()}
    folder.mkdir(parents=True, exist_ok=True)
    print("classroom: making phone-size photos (once) ...", flush=True)
    sources = {"front": f"/app/cards/{pid}/front.png", "back": f"/app/cards/{pid}/back.png",
               "selfie": "/app/cards/selfie.png"}
    out = {}
    for kind, url in sources.items():
        src = Image.open(io.BytesIO(requests.get(base + url, timeout=TIMEOUT).content)).convert("RGB")
        if kind == "selfie":
            w, h = 3000, 4000
            canvas = src.resize((w, h), Image.BICUBIC)
        else:  # the card on a table, landscape
            w, h = 4000, 3000
            canvas = Image.new("RGB", (w, h), (118, 96, 74))
            card = src.resize((3200, int(3200 * src.height / src.width)), Image.BICUBIC).rotate(2, expand=True,
                                                                                                fillcolor=(118, 96, 74))
            canvas.paste(card, ((w - card.width) // 2, (h - card.height) // 2))
        sigma = 8.0
        for _ in range(6):  # sensor noise until the JPEG is the size a phone makes
            noisy = ImageChops.add(canvas, Image.effect_noise((w, h), sigma).convert("RGB"), scale=1.0, offset=-128)
            buf = io.BytesIO()
            noisy.save(buf, "JPEG", quality=85)
            size = buf.tell()
            if 2.2e6 <= size <= 3.8e6:
                break
            sigma *= 1.4 if size < 2.2e6 else 0.7
        out[kind] = buf.getvalue()
        (folder / names[kind]).write_bytes(out[kind])
    return out


def personal(jpeg: bytes, tag: str) -> bytes:
    """The same photo with a comment segment of its own: every upload is a different file."""
    text = f"classroom bench {tag}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]

"""The marker the mock writes into the sample ID cards it renders (a PNG text chunk, a JPEG
comment), so an uploaded photo of a sample card is recognised: what it says and how it is read."""
from __future__ import annotations

import json

MARKER_KEY = "mock-thaid-card"
"""PNG text chunk (JPEG: comment) the mock writes into the sample cards it renders."""


def marker_text(pid: str, side: str, variant: str) -> str:
    return json.dumps({"mock": MARKER_KEY, "pid": pid, "side": side, "variant": variant})


def read_marker(raw: str | None) -> dict | None:
    """``{"pid", "side", "variant"}`` from a marker's text, or None when it is not one of ours."""
    if not raw:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("mock") != MARKER_KEY:
        return None
    if not isinstance(doc.get("pid"), str) or doc.get("side") not in ("front", "back"):
        return None
    return {"pid": doc["pid"], "side": doc["side"], "variant": str(doc.get("variant") or "clear")}

"""The base class of every rp_client error (see ``rp_client.errors`` for the whole tree)."""
from __future__ import annotations

from typing import Any

_RESERVED = frozenset({"code", "data", "message", "message_th", "message_en", "args", "to_dict"})


class ThaiDError(Exception):
    """Base class. ``code`` is stable; ``data`` holds the details as a dict."""

    code: str = "thaid_error"
    #: One line a person can read, in Thai and English (the Flask error page shows it).
    message_th: str = "เข้าสู่ระบบด้วย ThaiD ไม่สำเร็จ"
    message_en: str = "Signing in with ThaiD did not work."

    def __init__(self, message: str = "", **data: Any) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.data: dict[str, Any] = dict(data)
        for key, value in data.items():
            if key in _RESERVED:
                raise TypeError(f"{key!r} cannot be an error data field")
            setattr(self, key, value)

    def to_dict(self) -> dict[str, Any]:
        """``{"code": ..., "message": ..., **data}`` — for JSON answers and logs."""
        return {"code": self.code, "message": self.message, **self.data}



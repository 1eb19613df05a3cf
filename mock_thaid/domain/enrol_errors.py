"""Every way a registration step can fail: one table of codes, each with a status and a message.

The steps raise ``EnrolError(code, **args)``; the app pages show ``message(lang)`` and the
JSON API answers ``{"error": code, "error_description": <English>, "message_th", "message_en"}``
with the table's HTTP status. Messages live in messages.py (Thai, English).
"""
from __future__ import annotations

from ..messages import MESSAGES

# code: (HTTP status, message key in messages.py)
TABLE: dict[str, tuple[int, str]] = {
    "invalid_body": (400, "enrol_err_invalid_body"),
    "invalid_field": (400, "enrol_err_invalid_field"),
    "not_found": (404, "enrol_err_not_found"),
    "wrong_step": (409, "enrol_err_wrong_step"),
    "closed": (409, "enrol_err_closed"),
    "camera_needed": (400, "enrol_err_camera_needed"),
    "terms_needed": (400, "enrol_err_terms_needed"),
    "image_missing": (400, "enrol_err_image_missing"),
    "image_type": (400, "enrol_err_image_type"),
    "image_too_large": (400, "enrol_err_image_too_large"),
    "image_bomb": (400, "enrol_err_image_bomb"),
    "card_unreadable": (400, "enrol_err_card_unreadable"),
    "card_wrong_side": (400, "enrol_err_card_wrong_side"),
    "card_sides_differ": (400, "enrol_err_card_sides_differ"),
    "card_incomplete": (400, "enrol_err_card_incomplete"),
    "card_expired": (422, "enrol_err_card_expired"),
    "selfie_unreadable": (400, "enrol_err_selfie_unreadable"),
    "face_mismatch": (422, "enrol_err_face_mismatch"),
    "liveness_fail": (422, "enrol_err_liveness_fail"),
    "face_failed": (422, "enrol_err_face_failed"),
    "fingerprint_mismatch": (422, "enrol_err_fingerprint_mismatch"),
    "fingerprint_failed": (422, "enrol_err_fingerprint_failed"),
    "pid_empty": (400, "pid_empty"),
    "pid_not_digits": (400, "pid_not_digits"),
    "pid_wrong_length": (400, "pid_wrong_length"),
    "pid_bad_first_digit": (400, "pid_bad_first_digit"),
    "pid_bad_checksum": (400, "pid_bad_checksum"),
    "pid_not_in_register": (404, "pid_not_in_register"),
    "qr_unknown": (404, "enrol_err_qr_unknown"),
    "qr_expired": (410, "enrol_err_qr_expired"),
    "qr_used": (409, "enrol_err_qr_used"),
    "qr_other": (409, "enrol_err_qr_other"),
    "pin_policy": (400, "enrol_err_pin_policy"),
    "pin_mismatch": (400, "enrol_err_pin_mismatch"),
    "pin_wrong": (401, "pin_wrong"),
    "pin_locked": (423, "pin_locked"),
    "current_pin_wrong": (401, "enrol_err_current_pin_wrong"),
    "reregister_officer_only": (403, "enrol_err_reregister_officer_only"),
    "expired": (409, "enrol_err_expired"),
    "officer_login": (403, "enrol_err_officer_login"),
}


class EnrolError(Exception):
    """One failed step. ``details`` are extra lines (e.g. every PIN rule broken), each (th, en)."""

    def __init__(self, code: str, details: list[tuple[str, str]] | None = None, **args) -> None:
        if code not in TABLE:
            raise KeyError(code)
        super().__init__(code)
        self.code = code
        self.params = args
        self.details = details or []

    @property
    def status(self) -> int:
        return TABLE[self.code][0]

    def message(self, lang: str) -> str:
        return message(self.code, lang, self.params)

    def detail_lines(self, lang: str) -> list[str]:
        return [th if lang == "th" else en for th, en in self.details]

    def as_json(self, step: str | None = None) -> dict:
        body = {"error": self.code, "error_description": self.message("en"),
                "message_th": self.message("th"), "message_en": self.message("en")}
        if self.details:
            body["details"] = [{"message_th": th, "message_en": en} for th, en in self.details]
        if step is not None:
            body["step"] = step
        return body


def message(code: str, lang: str, args: dict | None = None) -> str:
    th, en = MESSAGES[TABLE[code][1]]
    text = th if lang == "th" else en
    try:
        return text.format(**(args or {}))
    except (KeyError, IndexError):
        return text

"""create_app(settings): the LHR demo's Flask app — blueprints, CSRF, headers, one table of error pages."""
from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from . import access, auth, corrections, dashboard, health, officer, records
from .db import Database
from .settings import Settings
from .templating import install as install_templating
from .web import LHR, close_db, dbs, log

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def create_app(settings: Settings | None = None, db: Database | None = None) -> Flask:
    settings = settings or Settings.from_env()
    db = db or Database(settings.database_url)
    db.create_all()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=None)
    app.extensions["lhr"] = LHR(settings=settings, db=db)
    CSRFProtect(app)
    app.before_request(access.load_user)
    auth.init_thaid(app, settings)
    for bp in (health.bp, auth.bp, records.bp, corrections.bp, officer.bp, dashboard.bp):
        app.register_blueprint(bp)
    install_templating(app)
    app.teardown_appcontext(close_db)
    app.after_request(_headers)
    _errors(app)
    return app


def _headers(resp):
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "no-referrer")
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not request.path.startswith("/static/"):
        resp.headers["Cache-Control"] = "no-store"
    return resp


#: What LHR's error page says for each status it can answer (Thai first, then English). Every
#: other HTTP error still gets this page, with :data:`OTHER_ERROR`'s words and its own status.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("คำขอไม่ถูกต้อง กรุณากลับไปทำรายการใหม่", "The request was not valid. Please go back and try again."),
    403: ("คุณไม่มีสิทธิ์ทำรายการนี้", "You may not do this."),
    404: ("ไม่พบหน้าที่ต้องการ", "The page you asked for was not found."),
    405: ("ไม่รองรับวิธีการเรียกนี้", "This method is not allowed here."),
    409: ("ทำรายการนี้ในสถานะปัจจุบันไม่ได้", "This cannot be done in the current status."),
    413: ("ไฟล์ใหญ่เกินกำหนด (ไม่เกิน {mb} MB ต่อไฟล์)", "The upload is too large (at most {mb} MB per file)."),
    416: ("ไม่สามารถส่งไฟล์ช่วงที่ขอได้", "The part of the file asked for is not available."),
    500: ("ระบบขัดข้อง กรุณาลองใหม่ภายหลัง", "Something went wrong. Please try again later."),
}
OTHER_ERROR = ("ไม่สามารถดำเนินการตามคำขอนี้ได้ กรุณาลองใหม่", "This request could not be completed. Please try again.")
CSRF_ERROR = ("แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาลองใหม่", "The form has expired or is not valid. Please try again.")
#: Headers an error keeps on LHR's page (405's Allow, 416's Content-Range, ...).
_KEPT_HEADERS = frozenset({"allow", "content-range", "retry-after", "www-authenticate"})


def error_page(code: int, words: tuple[str, str], exc: HTTPException | None = None):
    """LHR's bilingual error page for ``code``."""
    mb = current_app.extensions["lhr"].settings.max_upload_mb
    th, en = (w.format(mb=mb) for w in words)
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() in _KEPT_HEADERS] if exc is not None else []
    return render_template("error.html", code=code, th=th, en=en), code, headers


def _errors(app: Flask) -> None:
    """One handler for every HTTP error (aborts, routing's 404/405, 413, unhandled 500s), and
    the CSRF refusal, which is audited too."""
    def http_error(e: HTTPException):
        return error_page(e.code, ERRORS.get(e.code, OTHER_ERROR), e)

    def csrf_error(e: CSRFError):
        log("CSRF_REJECTED", outcome="DENY", detail={"reason": e.description})
        dbs().commit()
        return error_page(400, CSRF_ERROR)

    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)

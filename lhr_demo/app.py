"""create_app(settings): the LHR demo's Flask app — blueprints, CSRF, headers, error pages."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import access, auth, corrections, dashboard, health, officer, records
from .db import Database
from .settings import Settings
from .templating import install as install_templating
from .web import LHR, close_db, log

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


def _errors(app: Flask) -> None:
    @app.errorhandler(400)
    def bad_request(_e):  # e.g. an officer's decision form without a known decision
        return render_template("error.html", code=400, th="คำขอไม่ถูกต้อง กรุณากลับไปทำรายการใหม่",
                               en="The request was not valid. Please go back and try again."), 400

    @app.errorhandler(404)
    def not_found(_e):
        return render_template("error.html", code=404, th="ไม่พบหน้าที่ต้องการ",
                               en="The page you asked for was not found."), 404

    @app.errorhandler(405)
    def not_allowed(_e):
        return render_template("error.html", code=405, th="ไม่รองรับวิธีการเรียกนี้",
                               en="This method is not allowed here."), 405

    @app.errorhandler(409)
    def conflict(_e):
        return render_template("error.html", code=409, th="ทำรายการนี้ในสถานะปัจจุบันไม่ได้",
                               en="This cannot be done in the current status."), 409

    @app.errorhandler(413)
    def too_large(_e):
        mb = app.extensions["lhr"].settings.max_upload_mb
        return render_template("error.html", code=413, th=f"ไฟล์ใหญ่เกินกำหนด (ไม่เกิน {mb} MB ต่อไฟล์)",
                               en=f"The upload is too large (at most {mb} MB per file)."), 413

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        log("CSRF_REJECTED", outcome="DENY", detail={"reason": e.description})
        return render_template("error.html", code=400, th="แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาลองใหม่",
                               en="The form has expired or is not valid. Please try again."), 400

    @app.errorhandler(500)
    def server_error(_e):
        return render_template("error.html", code=500, th="ระบบขัดข้อง กรุณาลองใหม่ภายหลัง",
                               en="Something went wrong. Please try again later."), 500

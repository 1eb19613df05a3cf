"""create_app(settings): the mock as a Flask application."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect, generate_csrf

from . import errorpages
from .i18n import current_lang, remember_lang, t
from .services import Services, SessionCookies
from .settings import Settings

MAX_BODY = 12 * 1024 * 1024  # uploads (card photos, selfies) are checked smaller per field


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    settings = settings or Settings.from_env()
    services = services or Services.build(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=services.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_NAME="mock_thaid_session",
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.session_interface = SessionCookies()  # issue 15: its serializer made once, not per request
    app.extensions["mock_thaid"] = services
    from . import guard

    guard.init_app(app, settings, services.secret_key)  # first hook: Host, cross-site, control token

    from .app_sim.views import bp as app_bp
    from .control.api import bp as control_bp
    from .control.faults_api import bp as faults_bp
    from .control.admin import bp as admin_bp
    from .enrolment.api import bp as enrol_api_bp
    from .enrolment.home import bp as enrol_home_bp
    from .enrolment.views import bp as enrol_bp
    from .login.views import bp as login_bp
    from .oidc.authorize import bp as authorize_bp
    from .oidc.discovery import bp as discovery_bp
    from .oidc.introspection import bp as introspection_bp
    from .oidc.logout import bp as logout_bp
    from .oidc.token_endpoint import bp as token_bp
    from .officer.views import bp as officer_bp

    csrf = CSRFProtect(app)
    for bp in (discovery_bp, token_bp, introspection_bp, control_bp, faults_bp):
        csrf.exempt(bp)  # machine endpoints: client authentication, not cookies
    csrf.exempt(enrol_api_bp)  # JSON registration API for CI (under /_mock/, no cookies)
    csrf.exempt(logout_bp)  # RP-initiated logout: a redirect from the RP, checked by id_token_hint
    for bp in (discovery_bp, authorize_bp, token_bp, introspection_bp, logout_bp, login_bp, app_bp):
        app.register_blueprint(bp)
    for bp in (enrol_bp, enrol_home_bp, officer_bp):  # registration: app pages, officer console
        app.register_blueprint(bp)
    if settings.control_api:
        from .callback import bp as callback_bp
        from .control.login import bp as control_login_bp

        app.register_blueprint(callback_bp)
        app.register_blueprint(control_login_bp)
        app.register_blueprint(control_bp)
        app.register_blueprint(faults_bp)
        app.register_blueprint(admin_bp)
        app.register_blueprint(enrol_api_bp)

    from . import inspector, trainer

    if settings.control_api:
        app.register_blueprint(inspector.bp)
        app.register_blueprint(trainer.bp)
    if settings.inspector:
        inspector.init_app(app)
    errorpages.register(app)
    app.wsgi_app = _ascii_query(app.wsgi_app)  # type: ignore[method-assign]

    @app.context_processor
    def _template_globals():
        lang = current_lang()
        args = request.args.to_dict()
        args["lang"] = "en" if lang == "th" else "th"
        return {"t": t, "lang": lang, "lang_url": request.path + "?" + urlencode(args),
                "csrf_token": generate_csrf, "settings": settings}

    @app.before_request
    def _sync_shared_state():
        if not request.path.startswith("/static/") and request.path != "/healthz":
            services.sync()

    @app.get("/healthz")
    def healthz():
        """Readiness for containers and pipelines: 200 once the database answers."""
        from sqlalchemy import text

        body = {"service": "mock-thaid", "issuer": settings.issuer, "profile": settings.profile}
        try:
            with services.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as e:  # noqa: BLE001 - any database failure means "not ready"
            logging.getLogger("mock_thaid").warning("healthz: database not reachable: %s", e.__class__.__name__)
            return {**body, "status": "error", "database": "unreachable"}, 503, {"Cache-Control": "no-store"}
        return {**body, "status": "ok", "database": "ok"}, 200, {"Cache-Control": "no-store"}

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        return remember_lang(resp)

    @app.get("/")
    def index():
        from flask import render_template
        return render_template("index.html")

    logging.getLogger("mock_thaid").setLevel(logging.INFO)
    return app


def _ascii_query(wsgi_app):
    """Raw non-ASCII bytes in the query string (a dev server lets them through; waitress and
    gunicorn answer 400) become %XX escapes: werkzeug's ``request.args`` would raise
    UnicodeDecodeError on them, a 500 even in the error page."""
    from urllib.parse import quote

    def app(environ, start_response):
        qs = environ.get("QUERY_STRING", "")
        if not qs.isascii():
            environ["QUERY_STRING"] = quote(qs.encode("latin-1", "replace"), safe="/?:@&=+$,;%!~*'()")
        return wsgi_app(environ, start_response)

    return app

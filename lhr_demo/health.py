"""``GET /healthz``: is the app up and its database reachable? For load balancers, container
health checks and monitoring: no login, no audit row, open before go-live, never cached."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .web import lhr

bp = Blueprint("health", __name__)
SERVICE = "lhr-demo"


@bp.get("/healthz")
def healthz():
    try:
        with lhr().db.engine.connect() as con:
            con.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        current_app.logger.warning("healthz: database unreachable (%s)", e.__class__.__name__)
        resp = jsonify(status="error", service=SERVICE, database="unreachable",
                       message_th="เชื่อมต่อฐานข้อมูลไม่ได้", message_en="The database cannot be reached.")
        resp.status_code = 503
    else:
        resp = jsonify(status="ok", service=SERVICE, database="ok")
    resp.headers["Cache-Control"] = "no-store"
    return resp

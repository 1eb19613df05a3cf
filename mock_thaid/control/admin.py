"""/_mock/admin — a small page listing the registered relying parties."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..services import svc
from ..store import clients

bp = Blueprint("admin", __name__, url_prefix="/_mock/admin")


@bp.get("/")
def index():
    with svc().db.session() as s:
        return render_template("admin_clients.html", clients=clients.list_all(s))

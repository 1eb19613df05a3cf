"""Relying parties."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Client

FIELDS = ("client_secret", "api_key", "require_api_key", "require_pkce", "redirect_uris",
          "scopes", "name", "name_en", "login_mode")


def get(s: Session, client_id: str) -> Client | None:
    return s.get(Client, client_id)


def list_all(s: Session) -> list[Client]:
    return list(s.scalars(select(Client).order_by(Client.client_id)))


def upsert(s: Session, data: dict) -> Client:
    cid = data.get("client_id") or secrets.token_urlsafe(32)[:43]
    cl = s.get(Client, cid)
    if cl is None:
        cl = Client(
            client_id=cid,
            client_secret=data.get("client_secret") or secrets.token_urlsafe(48)[:54],
            api_key=data.get("api_key") or secrets.token_hex(20),
            require_api_key=False, require_pkce=False, redirect_uris=[], scopes=[],
            name=cid, name_en=cid, login_mode="",
        )
        s.add(cl)
    for k in FIELDS:
        if k in data and data[k] is not None:
            setattr(cl, k, list(data[k]) if k in ("redirect_uris", "scopes") else data[k])
    s.flush()
    return cl

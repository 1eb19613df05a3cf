"""Relying parties."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import fast
from .models import Client

FIELDS = ("client_secret", "api_key", "require_api_key", "require_pkce", "redirect_uris",
          "scopes", "name", "name_en", "login_mode")


def get(s: Session, client_id: str) -> Client | None:
    return s.get(Client, client_id)


@dataclass(frozen=True)
class ClientView:
    """A client's row, read without the ORM (authorize and the token endpoint read it on every
    request). Same attribute names as :class:`Client`; to change a client, load the ORM object."""

    client_id: str
    client_secret: str
    api_key: str
    require_api_key: bool
    require_pkce: bool
    redirect_uris: list
    scopes: list
    name: str
    name_en: str
    login_mode: str
    next_decision: dict | None


_PEEK = ("SELECT client_id, client_secret, api_key, require_api_key, require_pkce, redirect_uris, scopes, "
         "name, name_en, login_mode, next_decision FROM clients WHERE client_id = ?")


def peek(s: Session, client_id: str) -> ClientView | None:
    """The client's row as a read-only :class:`ClientView`, or None."""
    row = fast.one(s, _PEEK, (client_id,))
    if row is None:
        return None
    return ClientView(
        client_id=row["client_id"], client_secret=row["client_secret"], api_key=row["api_key"] or "",
        require_api_key=bool(row["require_api_key"]), require_pkce=bool(row["require_pkce"]),
        redirect_uris=list(fast.json_value(row["redirect_uris"]) or []),
        scopes=list(fast.json_value(row["scopes"]) or []),
        name=row["name"] or "", name_en=row["name_en"] or "", login_mode=row["login_mode"] or "",
        next_decision=fast.json_value(row["next_decision"]) if row["next_decision"] is not None else None,
    )


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

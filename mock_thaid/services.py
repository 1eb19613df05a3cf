"""What a running mock holds: settings, database, signing keys and clock."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .clock import Clock
from .keys import KeyRing, generate_key
from .settings import Settings
from .store.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    keys: KeyRing
    clock: Clock

    @classmethod
    def build(cls, settings: Settings, keys: KeyRing | None = None) -> "Services":
        if keys is None:
            try:
                keys = KeyRing.from_dir(settings.keys_dir)
            except FileNotFoundError:
                keys = KeyRing([generate_key()])
        return cls(settings, Database(settings.database_url), keys, Clock())


def svc() -> Services:
    return current_app.extensions["mock_thaid"]

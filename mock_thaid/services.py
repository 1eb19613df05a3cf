"""What a running mock holds: settings, database, signing keys and clock.

Several worker processes can serve one database: the Flask secret, the signing keys and
the clock offset live in the database too, and each worker reloads its copies when the
shared version number changes (checked once per request by ``sync``).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app
from flask.sessions import SecureCookieSessionInterface

from .clock import Clock
from .keys import KeyRing, SigningKey, generate_key, key_to_pem
from .settings import Settings
from .store import shared
from .store.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    keys: KeyRing
    clock: Clock
    secret_key: str = ""
    version: int = field(default=-1)
    event_writer: object | None = None
    """The inspector's background writer (mock_thaid.store.events.EventWriter), made on first use."""
    officer_password: str = ""
    """The officer console's password: the setting, or a random one when it is empty."""
    faults_active: bool = True
    """Whether any fault was armed at the last sync (saves a query per hook point when not)."""

    @classmethod
    def build(cls, settings: Settings, keys: KeyRing | None = None) -> "Services":
        now = time.time()
        initial = ([(k, now + i * 1e-3) for i, k in enumerate(keys.keys)] if keys is not None
                   else _keys_from_dir(settings.keys_dir))
        services = cls(settings, Database(settings.database_url, create=False),
                       KeyRing([generate_key("placeholder")]), Clock(),
                       officer_password=settings.officer_password or secrets.token_urlsafe(12))
        # Replicas started together on one empty database take turns: schema, keys, secret, seed.
        with services.db.startup_lock():
            services.db.create_schema()
            services.bootstrap(initial)
            if settings.seed:
                services.seed_if_empty()
        return services

    def seed_if_empty(self) -> dict[str, int]:
        """Load the data files into whatever is empty (citizens, clients)."""
        from .store.seed import seed

        st = self.settings
        with self.db.session() as s:
            return seed(s, citizens_file=st.citizens_file, clients_file=st.clients_file,
                        demo_pin=st.demo_pin, now=self.clock.now(), kdf_n=st.pin_kdf_n, issuer=st.issuer)

    def bootstrap(self, initial: list[tuple[SigningKey, float]]) -> None:
        """Store the signing keys and the Flask secret unless the database has them already."""
        with self.db.session() as s:
            known = shared.all_kids(s)
            new = [(k, t) for k, t in initial if k.kid not in known]
            if not known and not new:
                new = [(generate_key(), time.time())]
            for key, created in new:
                shared.add_key(s, key.kid, key_to_pem(key).decode(), created)
            fresh = self.secret_key or self.settings.secret_key or secrets.token_hex(32)
            self.secret_key = shared.setdefault(s, "secret_key", fresh)
            if new:
                shared.bump(s)
        self.version = -1
        self.sync()

    def sync(self) -> None:
        """Reload keys and clock offset if another worker changed them (one small query)."""
        row = dict(self.db.raw_rows(shared.SYNC_SQL))  # every request: the driver's cursor, ~10 µs
        self.faults_active = int(row.get("faults") or 0) > 0
        if int(row.get("version") or 0) == self.version:
            return
        with self.db.session() as s:
            v = shared.version(s)
            stored = shared.keys(s)
            self.keys = KeyRing([
                SigningKey(k.kid, serialization.load_pem_private_key(k.pem.encode(), password=None))
                for k in stored
            ], used=shared.all_kids(s))
            self.clock.offset = float(shared.get(s, "clock_offset") or 0.0)
            self.version = v

    def rotate_keys(self, keep: int = 2, session=None) -> SigningKey:
        """A new signing key, published to every worker. With ``session``, the key is stored in
        that (the caller's) transaction and published when the caller commits (no other
        connection is touched meanwhile: the request synced when it began)."""
        if session is not None:
            key = self.keys.rotate(keep)
            self._publish_key(session, key)
            return key
        self.sync()
        key = self.keys.rotate(keep)
        with self.db.session() as s:
            self._publish_key(s, key)
        self.sync()
        return key

    def _publish_key(self, s, key: SigningKey) -> None:
        shared.add_key(s, key.kid, key_to_pem(key).decode(), time.time())
        kept = {k.kid for k in self.keys.keys}
        shared.retire_keys(s, [k.kid for k in shared.keys(s) if k.kid not in kept])
        shared.bump(s)

    def reset_to_seed(self) -> dict[str, int]:
        """Drop everything, store the same keys and session secret again, reload the data files."""
        kept = [(k, i * 1e-3) for i, k in enumerate(self.keys.keys)]
        self.db.reset()
        self.bootstrap(kept)
        self.set_clock_offset(0.0)
        return self.seed_if_empty()

    def set_clock_offset(self, offset: float) -> None:
        with self.db.session() as s:
            shared.put(s, "clock_offset", repr(float(offset)))
            shared.bump(s)
        self.sync()


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its serializer made once per secret key: Flask builds
    a new one (and test-serializes ``{}`` with it) on every request, ~6 % of a login's CPU."""

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_cached", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        serializer = super().get_signing_serializer(app)
        self._cached = (key, serializer)  # a serializer keeps no state between calls: threads share it
        return serializer


def _keys_from_dir(folder: str) -> list[tuple[SigningKey, float]]:
    try:
        ring = KeyRing.from_dir(folder)
    except FileNotFoundError:
        return []
    return [(k, Path(folder, k.kid + ".pem").stat().st_mtime) for k in ring.keys]


def svc() -> Services:
    return current_app.extensions["mock_thaid"]

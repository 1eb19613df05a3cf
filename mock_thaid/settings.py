"""Every setting of the mock, with its default, in one frozen dataclass.

``Settings.from_env()`` is the only place that reads ``os.environ``; the CLI flags
map onto the same field names (``--login-lifetime`` -> ``login_lifetime``), and
``tests/mock_thaid/test_settings.py`` keeps this table, the CLI and the README in step.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from typing import Any

import thaid_sandbox_data

ENV_PREFIX = "MOCK_THAID_"


@dataclass(frozen=True)
class Settings:
    # --- where it lives --------------------------------------------------------------
    issuer: str = "http://127.0.0.1:8000"
    """Base URL relying parties use; ``iss`` in tokens is exactly this (no trailing slash)."""
    database_url: str = "sqlite:///var/mock_thaid.sqlite3"
    """SQLAlchemy URL. ``sqlite://`` is in-memory (tests); PostgreSQL works too."""
    keys_dir: str = str(thaid_sandbox_data.path("keys"))
    """Folder of TEST-ONLY ES256 signing keys (``*.pem``); the newest signs. Default: the shipped key."""
    citizens_file: str = str(thaid_sandbox_data.path("citizens.yaml"))
    """Synthetic population register, shared with the LHR demo. Default: the shipped file."""
    clients_file: str = str(thaid_sandbox_data.path("clients.yaml"))
    """Relying parties registered at start. Default: the shipped file (``mock-thaid init`` copies it)."""
    # --- behaviour toward relying parties ---------------------------------------------
    profile: str = "thaid"
    """``thaid`` (faithful quirks) or ``oidc`` (RFC 6749 errors, duration expires_in, PKCE advertised)."""
    claim_naming: str = "thaid"
    """``thaid`` (title, smartcard_code, ...) or ``camel`` (titleTh, smartCardCode, ...)."""
    expires_in_field: str = "expires_in"
    """``expires_in`` (default), ``expire_in`` (the manual's spelling) or ``both``."""
    require_pkce: bool = False
    """Refuse authorization requests without ``code_challenge`` (S256)."""
    pkce: str = "auto"
    """How the token endpoint treats PKCE: ``ignore`` (ThaiD: a missing or wrong ``code_verifier``
    still gets tokens; the inspector warns), ``verify-when-sent``, ``require``. ``auto``: ``ignore``
    in the thaid profile, ``verify-when-sent`` (downgrade refused) in the oidc profile."""
    refresh_error: str = "invalid_refresh_token"
    """Error code for a bad refresh token: ``invalid_refresh_token`` (the manual) or ``invalid_token``
    (seen once on the real sandbox)."""
    response_type_error: str = "page"
    """A ``response_type`` other than ``code``: ``page`` (400 shown to the person, as observed on the
    sandbox) or ``redirect`` (``unsupported_response_type`` to the redirect URI, as the manual says)."""
    qr_page: str = "redirect"
    """The QR login page: ``redirect`` (authorize answers 302 to a separate QR page, as observed and
    drawn in the manual) or ``inline`` (the QR page is the authorize URL's 200 answer)."""
    reject_duplicate_state: bool = False
    """Answer ``duplicate_request`` when a client reuses the ``state`` of a finished login [I]."""
    token_lifetime: int = 900
    code_lifetime: int = 300
    refresh_lifetime: int = 30 * 24 * 3600
    ial: str = "2.3"
    """The ``ial`` claim (thaid-api.md §9), unless the person's registration channel has its own."""
    ial_self: str = ""
    """``ial`` of people who registered themselves (card photos + selfie); empty = ``ial``."""
    ial_officer: str = ""
    """``ial`` of people registered by an officer (fingerprint + QR); empty = ``ial``."""
    # --- the person's login ----------------------------------------------------------
    login_mode: str = "production"
    """``production`` (QR + app + PIN) or ``sandbox`` (type a PID, confirm); per client too."""
    login_lifetime: int = 120
    """Seconds a QR login session stays open."""
    pin_max_attempts: int = 5
    lockout_minutes: int = 15
    demo_pin: str = "13572468"
    """PIN given to every citizen seeded as registered (synthetic, documented)."""
    # --- registration in the ThaiD app (enrolment/, officer/) ---------------------------
    officer_password: str = ""
    """Password of the district-office officer console (/officer/). Empty: ``mock-thaid serve``
    makes a random one per start and prints it."""
    officer_max_attempts: int = 5
    """Wrong officer passwords (per office) before that office's console locks for ``lockout_minutes``."""
    officer_qr_lifetime: int = 300
    """Seconds the one-time QR code on the officer's screen stays valid."""
    enrol_lifetime: int = 1800
    """Seconds an unfinished registration is kept after its last step; then it is abandoned and its photos deleted."""
    # --- for CI and demos ------------------------------------------------------------
    control_api: bool = True
    """Serve ``/_mock/*`` (control API, RP admin). Turn off for anything shared."""
    control_token: str = ""
    """When set, every ``/_mock/*`` call needs ``Authorization: Bearer <token>`` (pages ask once).
    ``mock-thaid serve`` generates and prints one when it binds to anything but loopback."""
    allowed_hosts: str = ""
    """Extra hostnames (comma-separated) the mock answers to, besides loopback and the issuer's and
    public URL's hosts (DNS-rebinding guard); ``*`` answers any ``Host``."""
    inspector: bool = True
    """Record requests to the ThaiD endpoints for the transaction inspector (costs ~1 ms a login)."""
    auto_login: bool = True
    """Honour ``X-Mock-Persona`` / ``login_hint`` to approve at once as that citizen."""
    reregistration: str = "auto"
    """What registering an already-registered person again does on the self path: ``replace``
    (the new PIN replaces the old), ``require-pin`` (the current PIN is needed), ``officer-only``
    (only at a district office). ``auto``: ``replace`` on a laptop with the control API and
    headless login on; ``require-pin`` in classroom mode or when either is off (hardened).
    The officer path (fingerprint in person) always replaces and clears a PIN lock."""
    classroom: bool = False
    """Classroom mode (``mock-thaid serve --classroom``): listen on the LAN, control token required,
    headless login only from this machine, re-registration needs the current PIN."""
    seed: bool = True
    """Load citizens and clients from the data files when the database is empty."""
    public_url: str = ""
    """URL phones use to reach the mock (QR codes); defaults to ``issuer``."""
    secret_key: str = ""
    """Flask session key; random per start when empty."""
    pin_kdf_n: int = 2**14
    """scrypt cost for PIN hashes (tests may lower it)."""

    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.profile not in ("thaid", "oidc"):
            raise ValueError(f"profile must be 'thaid' or 'oidc', not {self.profile!r}")
        if self.claim_naming not in ("thaid", "camel"):
            raise ValueError(f"claim_naming must be 'thaid' or 'camel', not {self.claim_naming!r}")
        if self.expires_in_field not in ("expires_in", "expire_in", "both"):
            raise ValueError("expires_in_field must be expires_in, expire_in or both")
        for name, allowed in (("pkce", ("auto", "ignore", "verify-when-sent", "require")),
                              ("refresh_error", ("invalid_refresh_token", "invalid_token")),
                              ("response_type_error", ("page", "redirect")), ("qr_page", ("redirect", "inline"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        if self.reregistration not in ("auto", "replace", "require-pin", "officer-only"):
            raise ValueError("reregistration must be auto, replace, require-pin or officer-only")
        if self.login_mode not in ("production", "sandbox"):
            raise ValueError("login_mode must be 'production' or 'sandbox'")
        if self.issuer.endswith("/"):
            object.__setattr__(self, "issuer", self.issuer.rstrip("/"))

    @property
    def pkce_policy(self) -> str:
        """``pkce`` with ``auto`` resolved for the profile (``require_pkce`` forces ``require``)."""
        if self.require_pkce or self.pkce == "require":
            return "require"
        if self.pkce != "auto":
            return self.pkce
        return "ignore" if self.profile == "thaid" else "verify-when-sent"

    @property
    def reregistration_policy(self) -> str:
        """``reregistration`` with ``auto`` resolved for this mode."""
        if self.reregistration != "auto":
            return self.reregistration
        hardened = self.classroom or not self.control_api or not self.auto_login
        return "require-pin" if hardened else "replace"

    @property
    def phone_base_url(self) -> str:
        return (self.public_url or self.issuer).rstrip("/")

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _coerce(f.type, raw, f.name)
        if "database_url" not in values and env.get("DATABASE_URL"):
            values["database_url"] = env["DATABASE_URL"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _coerce(type_name: Any, raw: str, name: str) -> Any:
    t = str(type_name)
    if t == "bool":
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")
    if t == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be an integer, not {raw!r}") from None
    return raw


def set_in_env(name: str, environ: dict[str, str] | None = None) -> bool:
    """Whether the environment sets this setting (``MOCK_THAID_<NAME>``)."""
    env = os.environ if environ is None else environ
    return bool(env.get(ENV_PREFIX + name.upper()))


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings) if f.name != "extra"]

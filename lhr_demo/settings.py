"""Every setting of the LHR demo, in one frozen dataclass.

``Settings.from_env()`` is the only reader of the environment (``LHR_*`` variables);
the CLI and the tests build ``Settings(...)`` directly. Every field has a default.

| field                 | environment               | default                                      |
|-----------------------|---------------------------|----------------------------------------------|
| database_url          | LHR_DATABASE_URL          | sqlite:///var/lhr_demo.sqlite3 (WAL; relative to the working directory, folder created) |
| thaid_issuer          | LHR_THAID_ISSUER          | http://127.0.0.1:8000                        |
| thaid_backchannel_url | LHR_THAID_BACKCHANNEL_URL | "" (none); where this server reaches ThaiD when the browser's issuer URL does not work from here, e.g. http://mock:8000 in docker compose |
| client_id             | LHR_CLIENT_ID             | lhr-demo                                     |
| client_secret         | LHR_CLIENT_SECRET         | lhr-demo-secret-TEST-ONLY                    |
| redirect_uri          | LHR_REDIRECT_URI          | http://127.0.0.1:5001/auth/thaid/callback    |
| scopes                | LHR_SCOPES                | openid pid name name_en title given_name family_name |
| go_live               | LHR_GO_LIVE               | 2025-11-01 (1 พ.ย. 2568, the DLA letter)     |
| upload_dir            | LHR_UPLOAD_DIR            | var/uploads (relative to the working directory; outside the web root) |
| secret_key            | LHR_SECRET_KEY            | random per start                             |
| max_upload_mb         | LHR_MAX_UPLOAD_MB         | 10                                           |

The defaults are relative to the working directory, never to the package: installed from a
wheel, the package lives in site-packages, which is no place for a database or uploads.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Mapping

ENV_PREFIX = "LHR_"
DEFAULT_SCOPES = ("openid", "pid", "name", "name_en", "title", "given_name", "family_name")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/lhr_demo.sqlite3"
    thaid_issuer: str = "http://127.0.0.1:8000"
    thaid_backchannel_url: str = ""
    client_id: str = "lhr-demo"
    client_secret: str = "lhr-demo-secret-TEST-ONLY"
    redirect_uri: str = "http://127.0.0.1:5001/auth/thaid/callback"
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    go_live: date = date(2025, 11, 1)
    upload_dir: str = "var/uploads"
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    max_upload_mb: int = 10

    def __post_init__(self) -> None:
        if isinstance(self.go_live, str):
            object.__setattr__(self, "go_live", date.fromisoformat(self.go_live))
        if isinstance(self.scopes, str):
            object.__setattr__(self, "scopes", tuple(self.scopes.replace(",", " ").split()))
        for needed in ("openid", "pid", "name"):
            if needed not in self.scopes:
                raise ValueError(f"LHR_SCOPES must include {needed!r}")
        if self.max_upload_mb < 1:
            raise ValueError("LHR_MAX_UPLOAD_MB must be at least 1")
        if not self.secret_key:
            object.__setattr__(self, "secret_key", secrets.token_hex(32))

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = int(raw) if f.name == "max_upload_mb" else raw
        # The brief's names for the ThaiD settings.
        if env.get("LHR_THAID_ISSUER"):
            values["thaid_issuer"] = env["LHR_THAID_ISSUER"].rstrip("/")
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

"""SQLAlchemy 2.x models. Times are Unix seconds (floats) from the mock's Clock."""
from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Citizen(Base):
    """A person in the (synthetic) population register."""

    __tablename__ = "citizens"
    pid: Mapped[str] = mapped_column(String(13), primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    title_en: Mapped[str] = mapped_column(String(64))
    given_name: Mapped[str] = mapped_column(String(128))
    middle_name: Mapped[str] = mapped_column(String(128), default="")
    family_name: Mapped[str] = mapped_column(String(128))
    given_name_en: Mapped[str] = mapped_column(String(128))
    middle_name_en: Mapped[str] = mapped_column(String(128), default="")
    family_name_en: Mapped[str] = mapped_column(String(128))
    birthdate: Mapped[str] = mapped_column(String(10))
    gender: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(Text)
    smartcard_code: Mapped[str] = mapped_column(String(16))
    date_of_issuance: Mapped[str] = mapped_column(String(10))
    date_of_expiry: Mapped[str] = mapped_column(String(10))
    face: Mapped[str] = mapped_column(String(16), default="pass")
    fingerprint: Mapped[str] = mapped_column(String(16), default="pass")

    def as_claim_source(self) -> dict:
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


class Account(Base):
    """A ThaiD app registration: the citizen's PIN (scrypt hash) and lockout state."""

    __tablename__ = "accounts"
    pid: Mapped[str] = mapped_column(ForeignKey("citizens.pid"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(256))
    channel: Mapped[str] = mapped_column(String(16), default="self")
    registered_at: Mapped[float] = mapped_column(Float)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)


class Client(Base):
    """A relying party."""

    __tablename__ = "clients"
    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_secret: Mapped[str] = mapped_column(String(256))
    api_key: Mapped[str] = mapped_column(String(256), default="")
    require_api_key: Mapped[bool] = mapped_column(Boolean, default=False)
    require_pkce: Mapped[bool] = mapped_column(Boolean, default=False)
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(256), default="")
    name_en: Mapped[str] = mapped_column(String(256), default="")
    login_mode: Mapped[str] = mapped_column(String(16), default="")
    """'' = the server's login_mode; 'production' or 'sandbox' per client."""
    next_decision: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    """Set by the control API: the next authorize for this client completes at once."""

    def public_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "redirect_uris": list(self.redirect_uris),
            "scopes": list(self.scopes),
            "name": self.name,
            "name_en": self.name_en,
            "require_api_key": self.require_api_key,
            "require_pkce": self.require_pkce,
            "login_mode": self.login_mode or None,
            "next_decision": self.next_decision,
        }


class LoginSession(Base):
    """One authorization request waiting for the person (QR login)."""

    __tablename__ = "login_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Secret handle held by the browser that started the login."""
    ref: Mapped[str] = mapped_column(String(16), index=True, unique=True)
    """Short reference code shown under the QR code."""
    app_token: Mapped[str] = mapped_column(String(64), index=True, unique=True)
    """Secret in the QR code URL: whoever holds it acts as the phone."""
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text, nullable=True)
    nonce: Mapped[str | None] = mapped_column(Text, nullable=True)
    code_challenge: Mapped[str | None] = mapped_column(String(256), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    pid: Mapped[str | None] = mapped_column(String(13), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    finished_url: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuthCode(Base):
    __tablename__ = "auth_codes"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    pid: Mapped[str] = mapped_column(String(13))
    nonce: Mapped[str | None] = mapped_column(Text, nullable=True)
    code_challenge: Mapped[str | None] = mapped_column(String(256), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    auth_time: Mapped[int] = mapped_column(BigInteger)  # Unix seconds: past 2038 with a moved clock
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Token(Base):
    """An access or refresh token. ``family`` ties every token issued from one code."""

    __tablename__ = "tokens"
    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # access | refresh
    client_id: Mapped[str] = mapped_column(String(128), index=True)
    pid: Mapped[str] = mapped_column(String(13))
    scope: Mapped[str] = mapped_column(Text)
    family: Mapped[str] = mapped_column(String(64), index=True)
    auth_time: Mapped[int] = mapped_column(BigInteger)  # Unix seconds: past 2038 with a moved clock
    issued_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


# --- registration with the ThaiD app (mock_thaid/enrolment/, mock_thaid/officer/) -----------


class Enrolment(Base):
    """One registration in progress; its steps are mock_thaid/domain/machine.py's."""

    __tablename__ = "enrolments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Secret handle held by the phone (Flask session) or the CI pipeline."""
    ref: Mapped[str] = mapped_column(String(16), index=True, unique=True)
    """Short reference the person shows the officer."""
    channel: Mapped[str] = mapped_column(String(16), default="")
    step: Mapped[str] = mapped_column(String(24))
    pid: Mapped[str | None] = mapped_column(String(13), nullable=True)
    office: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    officer: Mapped[str | None] = mapped_column(String(128), nullable=True)
    camera: Mapped[bool] = mapped_column(Boolean, default=False)
    card_source: Mapped[str] = mapped_column(String(16), default="")
    """How the card was read: ``sample`` (a card the mock rendered) or ``typed`` (PID asked)."""
    face_attempts: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint_attempts: Mapped[int] = mapped_column(Integer, default=0)
    replaced: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error_args: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class EnrolmentImage(Base):
    """A photo taken during a registration (card front/back, selfie), deleted when it ends."""

    __tablename__ = "enrolment_images"
    enrolment_id: Mapped[str] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    mime: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    """Loaded only when read (the photo itself): the pages that list a registration's photos
    need their hashes, not 3 MB each."""
    sha256: Mapped[str] = mapped_column(String(64))
    recognised_pid: Mapped[str | None] = mapped_column(String(13), nullable=True)
    uploaded_at: Mapped[float] = mapped_column(Float)


class CardRender(Base):
    """A sample card image the mock rendered, by SHA-256, so an upload of it is recognised."""

    __tablename__ = "card_renders"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    pid: Mapped[str] = mapped_column(String(13))
    side: Mapped[str] = mapped_column(String(8))
    variant: Mapped[str] = mapped_column(String(16), default="clear")


class OfficerQr(Base):
    """The one-time QR code on the officer's screen (registration with an officer)."""

    __tablename__ = "officer_qrs"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    enrolment_id: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)

"""Citizens (the population register) and their ThaiD accounts (PIN, lockout)."""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..pinhash import hash_pin, verify_pin
from . import fast
from .models import Account, Citizen

CITIZEN_FIELDS = [c.name for c in Citizen.__table__.columns]


def get(s: Session, pid: str) -> Citizen | None:
    return s.get(Citizen, pid)


def exists(s: Session, pid: str) -> bool:
    """Whether the register knows ``pid`` (plain SQL: a Session or a plain transaction)."""
    return fast.scalar(s, "SELECT pid FROM citizens WHERE pid = ?", (pid,)) is not None


def claim_source(s: Session, pid: str) -> dict | None:
    """The citizen's columns as a dict (a Core select: this is on every token request)."""
    row = s.execute(select(Citizen.__table__).where(Citizen.__table__.c.pid == pid)).mappings().first()
    return dict(row) if row is not None else None


def channel(s: Session, pid: str) -> str | None:
    """The registration channel of the person's account, or None when not registered
    (plain SQL: authorize asks it on every headless login)."""
    return fast.scalar(s, "SELECT channel FROM accounts WHERE pid = ?", (pid,))


_CLAIMS_AND_CHANNEL = ("SELECT " + ", ".join("c." + name for name in CITIZEN_FIELDS)
                       + ", a.channel FROM citizens c LEFT JOIN accounts a ON a.pid = c.pid WHERE c.pid = ?")


def claims_and_channel(s: Session, pid: str) -> tuple[dict | None, str | None]:
    """The citizen's columns (as :func:`claim_source`) and their account's channel (as
    :func:`channel`), in one plain statement: this is on every token request."""
    row = fast.execute(s, _CLAIMS_AND_CHANNEL, (pid,)).fetchone()
    if row is None:
        return None, channel(s, pid)  # an account without a register entry: only the channel
    return dict(zip(CITIZEN_FIELDS, row)), row[-1]


def list_all(s: Session) -> list[Citizen]:
    return list(s.scalars(select(Citizen).order_by(Citizen.family_name_en, Citizen.given_name_en)))


def upsert(s: Session, data: dict) -> Citizen:
    values = {k: ("" if data.get(k) is None else str(data[k])) for k in CITIZEN_FIELDS if k in data}
    values.setdefault("face", "pass")
    values.setdefault("fingerprint", "pass")
    cit = s.get(Citizen, values["pid"])
    if cit is None:
        cit = Citizen(**values)
        s.add(cit)
    else:
        for k, v in values.items():
            setattr(cit, k, v)
    s.flush()
    return cit


def account(s: Session, pid: str) -> Account | None:
    return s.get(Account, pid)


def locked_until(s: Session, pid: str) -> float | None:
    """Until when the person's PIN is locked (0 when not), or None without an account."""
    return fast.scalar(s, "SELECT locked_until FROM accounts WHERE pid = ?", (pid,))


def _lock_account(s: Session, pid: str) -> None:
    """Take the write lock before reading the account, so concurrent workers queue here instead
    of reading the same row and overwriting each other. SQLite ignores FOR UPDATE, but a write
    statement makes the transaction the database's one writer. Elsewhere (PostgreSQL) the lock
    is the citizen's row, FOR UPDATE: it exists before the account does, so two registrations
    of one person queue too instead of both inserting the account (a duplicate key)."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(update(Account).where(Account.pid == pid).values(pid=Account.pid)
                  .execution_options(synchronize_session=False))
    else:
        s.execute(select(Citizen.pid).where(Citizen.pid == pid).with_for_update())


def register(s: Session, pid: str, pin: str, *, channel: str, now: float, kdf_n: int) -> tuple[Account, bool]:
    """Create or replace the account; returns (account, replaced_existing). The PIN is hashed
    (scrypt, tens of ms) before the write lock is taken: SQLite has one writer at a time."""
    pin_hash = hash_pin(pin, n=kdf_n)
    _lock_account(s, pid)
    acc = s.get(Account, pid, populate_existing=True)
    replaced = acc is not None
    if acc is None:
        acc = Account(pid=pid, pin_hash="", channel=channel, registered_at=now)
        s.add(acc)
    acc.pin_hash = pin_hash
    acc.channel = channel
    acc.registered_at = now
    acc.failed_pins = 0
    acc.locked_until = 0.0
    s.flush()
    return acc, replaced


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    locked: bool = False
    attempts_left: int = 0
    locked_until: float = 0.0


def check_pin(s: Session, pid: str, pin: str, *, now: float, max_attempts: int, lockout_s: float) -> PinCheck:
    """Verify a PIN with lockout, without losing counts between workers.

    The PIN is checked against the stored hash (scrypt, tens of ms) *before* the write lock is
    taken, so other requests are not held up by it; then the row is locked (FOR UPDATE; on
    SQLite, a write makes this transaction the one writer) and read again, and the outcome is
    counted on what is stored then. If the PIN was changed in between (registered again), it
    is checked again."""
    acc_table = Account.__table__
    for _ in range(3):
        seen = s.execute(select(acc_table.c.pin_hash, acc_table.c.locked_until, acc_table.c.failed_pins)
                         .where(acc_table.c.pid == pid)).one()
        if seen.locked_until > now:
            break  # locked: nothing to hash; the answer below reads the row under the lock
        ok = verify_pin(pin, seen.pin_hash)
        _lock_account(s, pid)
        acc = s.execute(select(Account).where(Account.pid == pid).with_for_update()
                        .execution_options(populate_existing=True)).scalar_one()
        if hmac.compare_digest(acc.pin_hash, seen.pin_hash):  # not registered again meanwhile
            return _count(acc, ok, now=now, max_attempts=max_attempts, lockout_s=lockout_s)
    _lock_account(s, pid)
    acc = s.execute(select(Account).where(Account.pid == pid).with_for_update()
                    .execution_options(populate_existing=True)).scalar_one()
    return _count(acc, verify_pin(pin, acc.pin_hash) if acc.locked_until <= now else False,
                  now=now, max_attempts=max_attempts, lockout_s=lockout_s)


def _count(acc: Account, ok: bool, *, now: float, max_attempts: int, lockout_s: float) -> PinCheck:
    """Apply one PIN attempt's outcome to the (locked, freshly read) account."""
    if acc.locked_until > now:
        return PinCheck(False, locked=True, locked_until=acc.locked_until)
    if acc.locked_until and acc.locked_until <= now and acc.failed_pins >= max_attempts:
        acc.failed_pins = 0
        acc.locked_until = 0.0
    if ok:
        acc.failed_pins = 0
        return PinCheck(True, attempts_left=max_attempts)
    acc.failed_pins += 1
    if acc.failed_pins >= max_attempts:
        acc.locked_until = now + lockout_s
        return PinCheck(False, locked=True, locked_until=acc.locked_until)
    return PinCheck(False, attempts_left=max_attempts - acc.failed_pins)

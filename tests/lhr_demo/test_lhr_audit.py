"""The audit log: hash-chained, append-only; tampering with raw SQL is caught by verify and
by ``python -m lhr_demo.cli audit-verify`` (exit 1, the first bad row named)."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import text

from lhr_demo import audit, cli
from lhr_demo.db import Database
from lhr_helpers import MALI


def test_each_row_hashes_its_predecessor_and_its_canonical_json():
    db = Database("sqlite://")
    db.create_all()
    with db.Session() as s:
        a = audit.record(s, "LOGIN", actor="acc1", detail={"ชื่อ": "มะลิ", "b": 1})
        b = audit.record(s, "VIEW_KP7", actor="acc1", subject="p1")
        assert a.prev_hash == audit.GENESIS and b.prev_hash == a.hash
        fields = {k: getattr(b, k) for k in audit.HASHED}
        canon = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert b.hash == hashlib.sha256(a.hash.encode() + canon).hexdigest()
        assert audit.verify(s).ok


def run_cli(monkeypatch, capsys, url: str, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("LHR_DATABASE_URL", url)
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_verify_passes_then_fails_after_tampering(lhr, monkeypatch, capsys):
    owner, _ = lhr.login(MALI)
    for _ in range(3):
        owner.get("/me/record")
    owner.get("/me/record/print")
    with lhr.session() as s:
        verdict = audit.verify(s)
    assert verdict.ok and verdict.rows >= 5
    code, out = run_cli(monkeypatch, capsys, lhr.settings.database_url, "audit-verify")
    assert code == 0 and "chain intact" in out

    with lhr.db.engine.begin() as con:  # an insider rewrites history: "that print never happened"
        con.execute(text("UPDATE audit_log SET action = 'VIEW_KP7' WHERE action = 'PRINT_KP7'"))
        bad = con.execute(text("SELECT id FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log "
                               "WHERE action = 'VIEW_KP7')")).scalar()
    with lhr.session() as s:
        verdict = audit.verify(s)
    assert not verdict.ok and verdict.bad_id == bad
    code, out = run_cli(monkeypatch, capsys, lhr.settings.database_url, "audit-verify")
    assert code == 1 and f"id={bad}" in out


def test_deleting_a_row_breaks_the_chain(lhr):
    owner, _ = lhr.login(MALI)
    owner.get("/me/record")
    owner.get("/me/record")
    with lhr.db.engine.begin() as con:
        con.execute(text("DELETE FROM audit_log WHERE id = 2"))
    with lhr.session() as s:
        verdict = audit.verify(s)
    assert not verdict.ok and verdict.bad_id == 3 and "prev_hash" in verdict.reason


def test_recomputing_one_row_is_not_enough(lhr):
    owner, _ = lhr.login(MALI)
    owner.get("/me/record")
    owner.get("/me/record")
    with lhr.session() as s:
        row = s.get(audit.AuditEntry, 2)
        row.ip = "10.6.6.6"
        row.hash = audit.row_hash(row.prev_hash, {k: getattr(row, k) for k in audit.HASHED})
        s.commit()
        verdict = audit.verify(s)
    assert not verdict.ok and verdict.bad_id == 3


def test_the_log_holds_no_citizen_ids(lhr):
    owner, _ = lhr.login(MALI)
    owner.get("/me/record")
    with lhr.db.engine.connect() as con:
        dump = " ".join(str(v) for row in con.execute(text("SELECT * FROM audit_log")) for v in row)
    assert MALI not in dump


def test_cli_seed_and_reset(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("LHR_UPLOAD_DIR", str(tmp_path / "up"))
    code, out = run_cli(monkeypatch, capsys, url, "seed")
    assert code == 0 and "seeded" in out
    code, out = run_cli(monkeypatch, capsys, url, "seed")
    assert code == 0 and "already seeded" in out
    code, out = run_cli(monkeypatch, capsys, url, "reset")
    assert code == 0 and "seeded" in out
    code, out = run_cli(monkeypatch, capsys, url, "logins")
    assert code == 0 and "1057830862719" in out and "HR_OFFICER" in out and "PROVINCE_SUPERVISOR" in out

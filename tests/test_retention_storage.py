"""R2, R3, X1: the archive is a separate SQLCipher file, unreadable without its own key;
after the end of a file nothing of it remains in either file, free pages included."""

import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.archiving import SENTINEL, old_patient, run_job, visible
from tests.conftest import traces


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_archive_is_unreadable_without_its_key(app, ctx, instance, make_patient, user):
    old_patient(app, make_patient, user)
    run_job(app, "2026-11-29")
    from cabinet.retention.archive import archive_database

    archive_database.close()
    raw = (instance / "archive.db").read_bytes()
    assert not raw.startswith(b"SQLite format 3") and SENTINEL.encode() not in raw
    from peewee import DatabaseError
    from playhouse.sqlcipher_ext import SqlCipherDatabase

    for key in ((instance / "keys" / "database.key").read_text().strip(), "ab" * 32):
        other = SqlCipherDatabase(str(instance / "archive.db"), passphrase=f"x'{key}'")
        with pytest.raises(DatabaseError):
            other.execute_sql("SELECT count(*) FROM sqlite_master")
        other.close()


def _decrypted_pages(path: Path, hex_key: str) -> bytes:
    """Decrypt every page of an SQLCipher 4 file (AES-256-CBC, 4096-byte pages, 80 bytes of
    IV and HMAC reserved), free pages included: what an attacker with the key could read."""
    key = bytes.fromhex(hex_key)
    data = path.read_bytes()
    out = []
    for start in range(0, len(data), 4096):
        page = data[start : start + 4096]
        offset = 16 if start == 0 else 0
        iv = page[4096 - 80 : 4096 - 64]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out.append(decryptor.update(page[offset : 4096 - 80]) + decryptor.finalize())
    return b"".join(out)


def test_decrypting_is_what_the_pages_hold(app, ctx, instance, make_patient, user):
    old_patient(app, make_patient, user)
    run_job(app, "2026-11-29")
    from cabinet.retention.archive import archive_database

    archive_database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    key = (instance / "keys" / "archive.key").read_text().strip()
    assert SENTINEL.encode() in _decrypted_pages(instance / "archive.db", key)


def test_after_the_end_nothing_remains_in_either_file(app, ctx, instance, make_patient, user):
    """Last care in 2006: on 29/11/2026 the file is archived then ended in the same run."""
    from cabinet.db import database
    from cabinet.retention.archive import AnonymousStat, archive_database
    from cabinet.retention.engine import statistics

    when = datetime.datetime(2006, 3, 2, 10)
    patient = old_patient(app, make_patient, user, when=when)
    for i in range(5):
        old_patient(app, make_patient, user, name=f"Autre{i}", when=when)
    summary = run_job(app, "2026-11-29")
    assert summary["archived"] == 6 and summary["deleted"] == 6
    assert visible(app)[1] == set() and patient.ref not in visible(app)[0]
    # Only anonymous counts remain: 6 patients with one session in 2006.
    stats = {(s.year, s.act_code): (s.patients, s.sessions) for s in AnonymousStat.select()}
    assert stats[(2006, "")] == (6, 6) and stats[(2006, "AMK 8")] == (6, 6)
    assert statistics()[0]["patients"] == 6
    for db in (archive_database, database):
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for file, key_name in (("archive.db", "archive"), ("cabinet.db", "database")):
        key = (instance / "keys" / f"{key_name}.key").read_text().strip()
        plain = _decrypted_pages(instance / file, key)
        assert SENTINEL.encode() not in plain, file
        assert b"06 99 88 77 66" not in plain, file
    actions = [t.action for t in traces(app, patient_ref=patient.ref)]
    assert "retention.archive" in actions and "retention.delete" in actions


def test_confirming_a_copy_rewrites_a_page_not_the_document(app, ctx, instance):
    """Step C of a move (R2) changes the status of a document already written: SQLite keeps
    the row in place when its size does not change, so the WAL gets a few pages, not the
    document's 50 again (issue 20: at 100,000 files, the second copy was half the archive's
    work)."""
    import os

    from cabinet.retention import engine
    from cabinet.retention.archive import AWAITING, ArchivedFile, archive_database, ensure_schema

    ensure_schema()
    ArchivedFile.create(
        ref="r-large",
        status=AWAITING,
        document=os.urandom(100_000).hex(),  # 200 kB: some 50 overflow pages
        seal="x",
        search_key="x",
        birth_date=datetime.date(2000, 1, 1),
        last_care_on=datetime.date(2020, 1, 1),
        delete_on=datetime.date(2040, 1, 1),
    )
    archive_database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(archive_database.database + "-wal")
    assert wal.stat().st_size == 0
    engine._confirm_archived(["r-large"], left=[])
    assert ArchivedFile.get(ArchivedFile.ref == "r-large").status == "archived"
    frames = wal.stat().st_size // (4096 + 24)
    assert 0 < frames < 8, frames

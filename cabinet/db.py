"""The SQLCipher database: one deferred handle, checked at start-up, one transaction per request.

Connections are thread-local and reused across requests (peewee keeps one per
thread): opening one costs 1–3 ms with a raw key, and a reused connection
doubles the throughput of a search page (DESIGN.md, "Data at rest").
"""

import datetime
from pathlib import Path

from flask import Flask, g, request
from peewee import DatabaseError, Model
from playhouse.migrations import Runner
from playhouse.sqlcipher_ext import SqlCipherDatabase
from sqlcipher3 import dbapi2 as sqlcipher

from cabinet.config import ROOT

MIGRATIONS_DIR = ROOT / "migrations"
PRAGMAS = {
    "journal_mode": "wal",
    # NORMAL is durable across application crashes in WAL mode, and 5x cheaper per commit.
    "synchronous": "normal",
    "foreign_keys": 1,
    # Deleted content is overwritten with zeros inside the (encrypted) pages.
    "secure_delete": 1,
    "busy_timeout": 5000,
}


class StartupError(SystemExit):
    """Refuse to start with one clear message and exit status 1, never a stack trace."""


class CabinetDatabase(SqlCipherDatabase):
    def _connect(self):
        """peewee's SqlCipherDatabase._connect, with SQLCipher's own log silenced first.

        SQLCipher prints decryption failures on stderr, in English, as soon as the key is
        tried (the pragmas after `PRAGMA key` read page 1): set afterwards, as peewee's
        hook would allow, the level comes too late. We report a wrong key ourselves, once,
        in French (check_readable)."""
        params = dict(self.connect_params)
        passphrase = params.pop("passphrase", "").replace("'", "''")
        conn = sqlcipher.connect(self.database, isolation_level=None, **params)
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            if passphrase:
                conn.execute(f"PRAGMA key='{passphrase}'")
            self._add_conn_hooks(conn)
        except Exception:
            conn.close()
            raise
        return conn


database = CabinetDatabase(None)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


def utcnow() -> datetime.datetime:
    """Naive UTC timestamp: every stored time is UTC, shown in Europe/Paris."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def raw_key(hex_key: str) -> str:
    # A raw key skips SQLCipher's PBKDF2 (256,000 iterations) on every connection.
    return f"x'{hex_key}'"


def configure(db: SqlCipherDatabase, path: Path, hex_key: str) -> None:
    db.init(str(path), passphrase=raw_key(hex_key), pragmas=PRAGMAS)


def check_readable(db: SqlCipherDatabase, label: str) -> None:
    """Open an existing file and read its schema; StartupError if the key or file is wrong."""
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as exc:
        db.close()
        raise StartupError(
            f"Impossible d'ouvrir {label} ({db.database}) : clé incorrecte ou fichier endommagé. "
            "Rien n'a été modifié. Vérifiez la clé (docs/operations.md) "
            "ou restaurez une sauvegarde."
        ) from exc


def migration_runner(db: SqlCipherDatabase = database) -> Runner:
    return Runner(db, directory=str(MIGRATIONS_DIR))


def migrate(db: SqlCipherDatabase = database, target: str | None = None) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; return their names."""
    return migration_runner(db).up(target=target)


def pending_migrations(db: SqlCipherDatabase = database) -> list[str]:
    return [m.name for m in migration_runner(db).status() if not m.applied and m.path]


def init_app(app: Flask) -> None:
    """Wrap every request in one transaction: a crash mid-request leaves nothing half-done.

    IMMEDIATE takes SQLite's write lock at the start: nearly every request writes (a
    trace for each read of patient data), and a deferred transaction that read first
    could not upgrade to a writer once another process committed (SQLITE_BUSY, no
    retry). Waiting for the lock (busy_timeout) serialises writers instead.
    """

    @app.before_request
    def _begin():
        if request.endpoint == "static" or not app.config["DATABASE_READY"]:
            return
        database.connect(reuse_if_open=True)
        g.transaction = database.atomic(lock_type="IMMEDIATE")
        g.transaction.__enter__()

    @app.after_request
    def _commit(response):
        transaction = g.pop("transaction", None)
        if transaction is not None:
            # A failed commit raises here, before the response leaves: the user sees an error.
            transaction.__exit__(None, None, None)
        return response

    @app.teardown_request
    def _rollback(exc):
        transaction = g.pop("transaction", None)
        if transaction is not None:
            _abort(transaction)


def _abort(transaction) -> None:
    # peewee's atomic() rolls back when its __exit__ receives an exception type.
    transaction.__exit__(RuntimeError, RuntimeError("request failed"), None)


def rollback_request() -> None:
    """Undo the request's writes now (used by the error handler before it traces the error)."""
    transaction = g.pop("transaction", None)
    if transaction is not None:
        _abort(transaction)
    g.transaction = database.atomic(lock_type="IMMEDIATE")
    g.transaction.__enter__()

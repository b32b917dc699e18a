"""The SQLCipher database: one deferred handle, checked at start-up, short write transactions.

Connections are thread-local and reused across requests (peewee keeps one per
thread): opening one costs 1–3 ms with a raw key, and a reused connection
doubles the throughput of a search page (DESIGN.md, "Data at rest").
"""

import datetime
import functools
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, abort, render_template, request
from peewee import DatabaseError, Model, OperationalError
from playhouse.migrations import Runner
from playhouse.sqlcipher_ext import SqlCipherDatabase
from sqlcipher3 import dbapi2 as sqlcipher

from cabinet import keys, locks
from cabinet.config import ROOT

MIGRATIONS_DIR = ROOT / "migrations"
T = TypeVar("T")
PRAGMAS = {
    "journal_mode": "wal",
    # NORMAL is durable across application crashes in WAL mode, and 5x cheaper per commit.
    "synchronous": "normal",
    "foreign_keys": 1,
    # Deleted content is overwritten with zeros inside the (encrypted) pages.
    "secure_delete": 1,
    "busy_timeout": 5000,
    # 64 MiB of decrypted pages per connection (the default, 2 MiB, re-decrypts the indexes a
    # search or an agenda walks on every request: 3× the cost of a plain file; measured in
    # docs/operations.md). A few connections per worker: well within a practice's server.
    "cache_size": -65536,
}


class StartupError(SystemExit):
    """Refuse to start with one clear message and exit status 1, never a stack trace."""


class CabinetDatabase(SqlCipherDatabase):
    """Every top-level transaction is IMMEDIATE (see `init_app`); nested ones are savepoints."""

    def __init__(self, database, **kwargs):
        kwargs.setdefault("lock_type", "IMMEDIATE")
        super().__init__(database, **kwargs)

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
# The archive (R2): its own file, possibly on another disk, its own key. Its models are in
# retention/archive.py; the handle is here so the stores open in one place.
archive_database = CabinetDatabase(None)
# The journals of readings (T1, issue 20): the traces of pages that only show data, in files
# of their own beside the active database, under the same key. A commit to a file empties
# the page cache of every other connection to it (SQLite), and SQLCipher decrypts each page
# read again: with each page view committing its trace in the active file, every request of
# the other worker started cold; with both workers committing to one journal of readings,
# each still found that journal's pages emptied by the other's trace, and waited for its
# lock. So each writing process has a journal of its own (`writing_slot`): `lectures.db` is
# the first, `lectures-2.db` the second… The traces written with a change stay in the
# change's transaction, in the active file (audit/journals.py).
readings_database = CabinetDatabase(None)
# Every journal of readings this process has opened, by number (1 = lectures.db).
_readings_stores: dict[int, CabinetDatabase] = {1: readings_database}
# Where the journals of readings of the open instance are, and their key (`_open_readings`).
_readings_place: dict = {}
# The journal of readings each process writes to, per instance: {lectures.db: (pid, number)}.
_writing: dict[Path, tuple[int, int]] = {}
# A process finding every journal held by another writes in the last one: SQLite keeps it
# right, only slower. Two gunicorn workers, the CLI and the tests need far fewer.
READINGS_SLOTS = 8


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False

    @classmethod
    def get_or_404(cls, *query):
        """The row matching `query`, or the French 404 page (a stranger's ref, a typo)."""
        row = cls.get_or_none(*query)
        if row is None:
            abort(404)
        return row


def fetch_one(model, where: str, *params):
    """The first row of `model` matching a fixed SQL condition (`'"id" = ?'`), as a model
    instance. peewee compiles a query each time it runs one — about 100-250 µs for a row
    of a dozen columns, a tenth of an authenticated page's budget — so the lookups every
    request makes (its session, its account, a setting, the journal's head) use a plain
    statement instead (issue 20). Only constant conditions: values are always bound."""
    return next(iter(fetch_all(model, where, *params, limit=1)), None)


def fetch_all(model, where: str, *params, order_by: str = "", limit: int | None = None):
    """The rows of `model` matching a fixed condition, in a fixed order (`'"changed_at"
    DESC'`), as a list of model instances: what `fetch_one` does, for the few rows of a
    patient page's panels (its changes, payments, rights requests), read on every visit
    (issue 20). Condition and order are constants of the code; values are always bound.

    Each row becomes an instance as peewee's own cursor wrapper makes it (each column
    through its field's `python_value`, then `model(__no_default__=1, **values)`, nothing
    left dirty), from a reading prepared once per model: peewee's raw query worked out the
    columns' fields and converters again on every statement (a patient page runs seven)."""
    columns, readers = _reading(model)
    sql = f'SELECT {columns} FROM "{model._meta.table_name}" WHERE {where}'  # noqa: S608
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    found = []
    for row in model._meta.database.execute_sql(sql, params).fetchall():
        instance = model(
            __no_default__=1,
            **{name: read(value) for (name, read), value in zip(readers, row, strict=True)},
        )
        instance._dirty.clear()
        found.append(instance)
    return found


def fetch_by_id(model, ids) -> dict:
    """The rows of `model` with these ids, by id, in one plain statement (none asked, none
    read): the people and types of a list's rows, read at once rather than one lazy query
    per row as a page names them (issue 20)."""
    ids = list(ids)
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return {row.id: row for row in fetch_all(model, f'"id" IN ({marks})', *ids)}


@functools.cache
def _reading(model) -> tuple[str, tuple]:
    """The columns a plain statement selects for `model`, and each one's (field name,
    conversion from the stored value)."""
    fields = model._meta.sorted_fields
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    return columns, tuple((field.name, field.python_value) for field in fields)


def insert_rows(model, rows: list[dict], replace: bool = False) -> None:
    """Insert many rows of one shape with one prepared statement (`executemany`): what
    peewee's `insert_many` writes, without building a query node per value — the
    retention job and the journal insert thousands of rows a batch (issue 20). Each value
    goes through its field's `db_value`, as peewee would send it."""
    if not rows:
        return
    shape = (model, tuple(rows[0]), replace)
    if shape not in _INSERTS:
        fields = [model._meta.fields[name] for name in rows[0]]
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        sql = (
            f'{verb} INTO "{model._meta.table_name}" ({columns}) '
            f"VALUES ({', '.join('?' * len(fields))})"
        )
        _INSERTS[shape] = sql, [(field.name, field.db_value) for field in fields]
    sql, converters = _INSERTS[shape]
    params = [[convert(row[name]) for name, convert in converters] for row in rows]
    model._meta.database.cursor().executemany(sql, params)


# Each shape of insert's statement and converters, worked out once: the journal's insert
# runs on every page view (issue 20).
_INSERTS: dict[tuple, tuple[str, list]] = {}


def utcnow() -> datetime.datetime:
    """Naive UTC timestamp: every stored time is UTC, shown in Europe/Paris."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def raw_key(hex_key: str) -> str:
    # A raw key skips SQLCipher's PBKDF2 (256,000 iterations) on every connection.
    return f"x'{hex_key}'"


def configure(db: SqlCipherDatabase, path: Path, hex_key: str) -> None:
    """Point a store at its file with its raw key. There is no keyless mode (X1)."""
    if not hex_key:
        raise ValueError("An encrypted store is never opened without its key.")
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


def open_stores(app: Flask, create: bool = False) -> None:
    """Load the keys and open the encrypted databases, or refuse to start with one message.

    A database without its key, or a key that does not open it, stops here: nothing ever
    creates a fresh database over an existing one. Only `flask init` passes `create`.
    """
    keys_dir = app.config["KEYS_PATH"]
    try:
        found = keys.load_all(keys_dir)
    except keys.KeyMaterialError as exc:
        raise StartupError(str(exc)) from None
    path = app.config["DATABASE_PATH"]
    exists = path.exists() and path.stat().st_size > 0
    if path.exists() and not exists:
        raise StartupError(f"Le fichier {path} est vide : restaurez une sauvegarde.")
    if exists and (found["database"] is None or found["audit"] is None):
        missing = "de la base" if found["database"] is None else "du journal (audit)"
        raise StartupError(
            f"La base {path} existe mais la clé {missing} est introuvable "
            f"(dossier {keys_dir} ou variable d'environnement). Sans elle les données sont "
            "illisibles : restaurez la clé depuis votre sauvegarde des clés (docs/operations.md)."
        )
    if exists or create:
        configure(database, path, found["database"])
        if not exists:
            database.connect(reuse_if_open=True)  # connecting creates the encrypted file
        check_readable(database, "la base active")
    app.config["DATABASE_READY"] = exists or create
    database_key, audit_key = found["database"], found["audit"]
    app.secret_key = (
        keys.derive(database_key, b"flask session") if database_key else secrets.token_hex(32)
    )
    app.extensions["cabinet.audit_key"] = bytes.fromhex(audit_key) if audit_key else None
    if exists or create:
        _open_readings(app, database_key)
    _open_archive(app, found["archive"])


def close_stores() -> None:
    """Close this thread's connection to every store (before a fork, a restore, a wipe)."""
    for store in (database, *_readings_stores.values(), archive_database):
        store.close()
    # Which journal of readings this process writes to is decided again at its next reading:
    # a restore may have brought back files from before it had one (the lock stays held).
    _writing.clear()


READINGS_MARK = "readings_journal"  # the active base's record of its journals of readings


def readings_path(slot: int, first: Path | None = None) -> Path:
    """The file of journal of readings `slot`: `lectures.db`, then `lectures-2.db`…"""
    first = Path(first or _readings_place["first"])
    return first if slot == 1 else first.with_name(f"{first.stem}-{slot}{first.suffix}")


def readings_files(first: Path) -> list[tuple[int, Path]]:
    """(number, file) of every journal of readings found beside `first` (lectures.db), in
    order — what a backup carries and a restore sets aside."""
    pattern = re.compile(rf"^{re.escape(first.stem)}-([1-9][0-9]{{0,3}}){re.escape(first.suffix)}$")
    found = [(1, first)] if first.exists() and first.stat().st_size > 0 else []
    if first.parent.is_dir():
        for path in first.parent.iterdir():
            match = pattern.match(path.name)
            if match and path.stat().st_size > 0:
                found.append((int(match[1]), path))
    return sorted(found)


def _readings_lock(slot: int) -> Path:
    """Held by the process that writes in journal `slot` (locks.hold), for its life."""
    path = readings_path(slot)
    return path.with_name(f"{path.stem}.lock")


def readings_store(slot: int) -> CabinetDatabase:
    """This process's handle on journal of readings `slot`, pointed at the open instance
    (its connection opens at first use)."""
    store = _readings_stores.get(slot)
    first = _readings_place["first"]
    if store is not None and _pointed.get(slot) is first:
        return store  # every reading of a second worker asks (issue 20)
    store = _readings_stores.setdefault(slot, CabinetDatabase(None))
    path = readings_path(slot)
    if store.database != str(path):
        configure(store, path, _readings_place["key"])
    _pointed[slot] = first
    return store


# The instance (its first journal's path, the very object) each store was last pointed at.
_pointed: dict[int, Path] = {}


def _missing_readings(path: Path) -> StartupError:
    return StartupError(
        f"Le journal des consultations {path} est introuvable ou vide, alors que la base "
        "active en a un : les traces des consultations seraient perdues. Rien n'a été "
        "modifié. Restaurez une sauvegarde (docs/operations.md)."
    )


def _open_readings(app: Flask, database_key: str) -> None:
    """Open the first journal of readings, or create it — only when the active base has
    never had one: a journal that went missing would take the traces of every reading with
    it. Every other journal the base records must be there too; each opens at first use."""
    path = app.config["READINGS_PATH"]
    _readings_place.update(first=path, key=database_key)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and readings_recorded():
        raise _missing_readings(path)
    for slot in readings_slots()[1:]:
        other = readings_path(slot)
        if not (other.exists() and other.stat().st_size > 0):
            raise _missing_readings(other)
    configure(readings_database, path, database_key)
    readings_database.connect(reuse_if_open=True)  # connecting creates the encrypted file
    check_readable(readings_database, "le journal des consultations")
    from cabinet.audit.models import READINGS_MODELS  # the models need this module first

    readings_database.create_tables(READINGS_MODELS, safe=True)
    # What migration 0021 does to the active base's journal (the file has no migrations of
    # its own): no index on the time of a trace.
    readings_database.execute_sql('DROP INDEX IF EXISTS "trace_at"')
    path.chmod(0o600)
    record_readings()


def readings_slots() -> list[int]:
    """The numbers of the instance's journals of readings, in order: the first always, then
    each one the active base records (`writing_slot` adds them)."""
    if not _readings_place:
        return []
    if not _has_readings_mark():
        return [1]
    recorded = database.execute_sql(
        f'SELECT "id" FROM "{READINGS_MARK}" WHERE "id" > 1 ORDER BY "id"'  # noqa: S608
    ).fetchall()
    return [1, *(slot for (slot,) in recorded)]


def writing_slot() -> int:
    """The journal of readings this process writes its readings to: the first one no other
    living process holds, claimed at the first reading traced and kept for the life of the
    process (a lock file the kernel frees when the process ends, however it ends). One
    writer per file: no other process's commit empties this one's pages, no lock to wait
    for. A journal claimed for the first time is created and recorded in the active base."""
    first = _readings_place["first"]
    pid = os.getpid()
    claimed = _writing.get(first)
    if claimed and claimed[0] == pid:
        return claimed[1]
    slot = next(
        (n for n in range(1, READINGS_SLOTS) if locks.hold(_readings_lock(n))), READINGS_SLOTS
    )
    if slot > 1:
        _create_readings(slot)
    _writing[first] = (pid, slot)
    return slot


def _create_readings(slot: int) -> None:
    """Open journal `slot`, creating its file and recording it when it is new."""
    path = readings_path(slot)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and slot in readings_slots():
        raise _missing_readings(path)
    store = readings_store(slot)
    store.connect(reuse_if_open=True)
    check_readable(store, f"le journal des consultations n° {slot}")
    from cabinet.audit.models import reading_models

    store.create_tables(reading_models(slot), safe=True)
    path.chmod(0o600)
    if _has_readings_mark():
        with database.atomic():
            database.execute_sql(
                f'INSERT OR IGNORE INTO "{READINGS_MARK}" ("id", "created_at") VALUES (?, ?)',  # noqa: S608
                (slot, utcnow().isoformat(sep=" ")),
            )


def _has_readings_mark() -> bool:
    """Whether the active base has the table (migration 0020) that records the journal."""
    return bool(
        database.execute_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            (READINGS_MARK,),
        ).fetchone()[0]
    )


def readings_recorded() -> bool:
    """Whether the active base records that its first journal of readings was created."""
    if not _has_readings_mark():
        return False
    return bool(database.execute_sql(f'SELECT count(*) FROM "{READINGS_MARK}"').fetchone()[0])  # noqa: S608


def record_readings() -> None:
    """Record in the active base that it has its first journal of readings (once, after the
    migration that makes the table: an older base records it when migrated). It is row 1;
    row n records journal n (`writing_slot`)."""
    if readings_database.database is None or not _has_readings_mark() or readings_recorded():
        return
    with database.atomic():
        database.execute_sql(
            f'INSERT INTO "{READINGS_MARK}" ("id", "created_at") VALUES (1, ?)',  # noqa: S608
            (utcnow().isoformat(sep=" "),),
        )


def _open_archive(app: Flask, archive_key: str | None) -> None:
    """The archive file is created on first use; an existing one needs its own key."""
    path = app.config["ARCHIVE_PATH"]
    if path.exists() and path.stat().st_size > 0 and archive_key is None:
        raise StartupError(
            f"L'archive {path} existe mais sa clé est introuvable (archive.key ou "
            "CABINET_ARCHIVE_KEY) : restaurez la clé depuis votre sauvegarde des clés."
        )
    app.extensions["cabinet.archive_key"] = (
        bytes.fromhex(keys.derive(archive_key, b"archive seal")) if archive_key else None
    )
    if archive_key is not None:
        configure(archive_database, path, archive_key)
        if path.exists() and path.stat().st_size > 0:
            check_readable(archive_database, "l'archive")


def migration_runner(db: SqlCipherDatabase = database) -> Runner:
    return Runner(db, directory=str(MIGRATIONS_DIR))


def migrate(db: SqlCipherDatabase = database, target: str | None = None) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; return their names."""
    applied = migration_runner(db).up(target=target)
    if db is database:
        record_readings()
    return applied


def pending_migrations(db: SqlCipherDatabase = database) -> list[str]:
    return [m.name for m in migration_runner(db).status() if not m.applied and m.path]


def init_app(app: Flask) -> None:
    """Open the thread's connection for the request; transactions are the services' own.

    No transaction spans the request: reads run in autocommit (WAL readers never block
    writers), and each change opens a short IMMEDIATE transaction around its rows and its
    trace (`database.atomic()`), so the write lock is held for milliseconds — never while
    a password is hashed, a PDF built or a template rendered. IMMEDIATE takes the lock at
    BEGIN: a transaction that read first could not upgrade to a writer once another
    process committed (SQLITE_BUSY, no retry), while waiting at BEGIN honours busy_timeout.
    """

    @app.before_request
    def _connect():
        if request.endpoint == "static":
            return None
        if not app.config["DATABASE_READY"]:
            # Nothing but `flask init` ever creates the database: every page says so.
            return render_template("errors/not_initialised.html"), 503
        database.connect(reuse_if_open=True)
        return None

    @app.teardown_request
    def _end(exc):
        if app.config["DATABASE_READY"]:
            abandon_transactions(database)
            for store in _readings_stores.values():
                abandon_transactions(store)


def abandon_transactions(db: SqlCipherDatabase = database) -> None:
    """Roll back whatever is still open and forget peewee's stack of transactions.

    Safe in any state (none open, open, half-failed): the error handler and the end of
    every request call it, so a bug that leaves a transaction open cannot hold the write
    lock past its request.
    """
    if db.is_closed():
        return
    while db.transaction_depth():
        db.pop_transaction()
    connection = db.connection()
    if connection.in_transaction:
        connection.rollback()


BUSY_MESSAGES = ("database is locked", "database is busy")


def is_busy(exc: Exception) -> bool:
    return isinstance(exc, OperationalError) and any(m in str(exc) for m in BUSY_MESSAGES)


def retrying(work: Callable[[], T], attempts: int = 6, first_wait: float = 0.5) -> T:
    """Run `work` (one whole transaction) again when the database stays busy beyond
    busy_timeout, waiting twice as long each time: jobs yield to the practice's requests."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if not is_busy(exc) or attempt == attempts - 1:
                raise
            time.sleep(first_wait * 2**attempt)
    raise AssertionError("unreachable")

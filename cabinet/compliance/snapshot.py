"""SQLCipher files for backups: a consistent encrypted snapshot, a read-only copy, checks,
and re-encryption under other keys for a restore.

Route (measured with the pinned sqlcipher3-binary 0.6.0 = SQLCipher 4.12.0 community,
docs/continuity.md): `ATTACH DATABASE … KEY` then `SELECT sqlcipher_export(…)`. VACUUM
INTO and the SQLite backup API also work in this build, but VACUUM INTO can only write
under the source's own key, and the backup API's behaviour with encrypted databases has
changed between SQLCipher releases; `sqlcipher_export` is SQLCipher's documented way to
write a database under another key, so the backup never shares a key with the instance.

Every connection here is our own raw `sqlcipher3` connection, never peewee's thread-local
one: the app keeps serving while a snapshot is taken.
"""

import os
from pathlib import Path
from urllib.parse import quote

from sqlcipher3 import dbapi2 as sqlcipher

from cabinet.db import raw_key

DatabaseError = sqlcipher.DatabaseError
MIGRATIONS_TABLE = "schema_migration"


def connect(path: Path, hex_key: str, read_only: bool = False) -> sqlcipher.Connection:
    """A raw connection under `hex_key`; read-only ones never write a byte (no WAL switch)."""
    target = f"file:{quote(str(path))}?mode=ro" if read_only else str(path)
    conn = sqlcipher.connect(target, uri=read_only, isolation_level=None, check_same_thread=False)
    try:
        # SQLCipher's English diagnostics on stderr say no more than our French message.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f'PRAGMA key = "{raw_key(hex_key)}"')
        conn.execute("PRAGMA busy_timeout = 5000")
    except Exception:
        conn.close()
        raise
    return conn


def _tables(conn: sqlcipher.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        f"SELECT name FROM {schema}.sqlite_master "  # noqa: S608 - our own schema names
        "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    return [name for (name,) in rows]


def counts(conn: sqlcipher.Connection, schema: str = "main") -> dict[str, int]:
    """Rows per table (SQLite's own tables aside)."""
    return {
        table: conn.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0]  # noqa: S608
        for table in _tables(conn, schema)
    }


def applied_migrations(conn: sqlcipher.Connection, schema: str = "main") -> list[str]:
    """The schema level: the names of the migrations applied to this file, in order."""
    if MIGRATIONS_TABLE not in _tables(conn, schema):
        return []
    rows = conn.execute(f"SELECT name FROM {schema}.{MIGRATIONS_TABLE} ORDER BY name")  # noqa: S608
    return [name for (name,) in rows]


def export(sources: list[tuple[str, Path, str]], targets: dict[str, tuple[Path, str]]) -> dict:
    """Write each source database, as one consistent snapshot, into its target file.

    `sources` is [(label, path, key)], the active database first; `targets` maps each
    label to (new file, its key). Returns {label: {"tables": counts, "schema": migrations}}
    read inside the same read transaction as the export.

    ATTACH cannot run inside a transaction, so every file is attached first; then one
    BEGIN, one statement reading every source (their WAL snapshots start together, the
    active one first: a patient moved to the archive meanwhile can appear twice, never be
    missing), the counts and the exports. Writers go on meanwhile: WAL readers block no one.
    """
    (_, first_path, first_key), others = sources[0], sources[1:]
    conn = connect(first_path, first_key)
    schemas = {sources[0][0]: "main"}
    try:
        for index, (label, path, key) in enumerate(others):
            schemas[label] = f"source{index}"
            conn.execute(f"ATTACH DATABASE ? AS source{index} KEY ?", (str(path), raw_key(key)))
        for index, label in enumerate(schemas):
            path, key = targets[label]
            conn.execute(f"ATTACH DATABASE ? AS target{index} KEY ?", (str(path), raw_key(key)))
        conn.execute("BEGIN")
        # Our own schema names only.
        probe = ", ".join(f"(SELECT count(*) FROM {s}.sqlite_master)" for s in schemas.values())  # noqa: S608
        conn.execute(f"SELECT {probe}").fetchone()
        result = {}
        for index, (label, schema) in enumerate(schemas.items()):
            result[label] = {
                "tables": counts(conn, schema),
                "schema": applied_migrations(conn, schema),
            }
            conn.execute(f"SELECT sqlcipher_export('target{index}', '{schema}')")
        conn.execute("COMMIT")
    finally:
        conn.close()
    return result


def reencrypt(source: Path, source_key: str, target: Path, target_key: str) -> None:
    """Write `source` (opened read-only) into the new file `target` under `target_key`."""
    conn = connect(target, target_key)
    try:
        conn.execute(
            "ATTACH DATABASE ? AS source KEY ?",
            (f"file:{quote(str(source))}?mode=ro", raw_key(source_key)),
        )
        conn.execute("SELECT sqlcipher_export('main', 'source')")
        conn.execute("DETACH DATABASE source")
    finally:
        conn.close()


def check(path: Path, hex_key: str, expected: dict[str, int], schema: list[str] | None) -> list:
    """What is wrong with a copy (French sentences), or []: it opens with its key, every
    page's HMAC holds (cipher_integrity_check), SQLite's own check passes, each table has
    the rows the manifest counted, and the schema level is the one recorded."""
    name = path.name
    try:
        conn = connect(path, hex_key, read_only=True)
    except DatabaseError:
        return [f"{name} : impossible à ouvrir."]
    problems = []
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        pages = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if pages:
            problems.append(f"{name} : {len(pages)} page(s) altérée(s) ({pages[0][0]}).")
            return problems
        verdict = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        if verdict != ["ok"]:
            problems.append(f"{name} : contrôle d'intégrité SQLite en échec ({verdict[0]}).")
            return problems
        found = counts(conn)
        for table in sorted(set(expected) | set(found)):
            if expected.get(table) != found.get(table):
                problems.append(
                    f"{name} : table {table}, {found.get(table, 0)} ligne(s) au lieu de "
                    f"{expected.get(table, 0)}."
                )
        if schema is not None and applied_migrations(conn) != schema:
            problems.append(f"{name} : niveau de schéma différent du manifeste.")
    except DatabaseError:
        problems.append(f"{name} : illisible avec la clé de la sauvegarde (clé ou fichier).")
    finally:
        conn.close()
    return problems


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (the directory entry itself)."""
    fsync_file(path)

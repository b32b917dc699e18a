"""The last-name search key's index also holds the columns a search result shows (issue 20).

A search read up to twenty patient rows after its index scan, each on a page of its own
(patients are not stored in name order). Another worker's commit empties a connection's
page cache (SQLite), and with SQLCipher each page read again is decrypted again: at
100,000 patients, the scan for the first page of "mar" took 0.69 ms after such a commit,
0.25 ms from an index holding the columns (a one-off measure of the statements on the
bench instance); the whole search page after a commit, 3.14 ms before, 2.6 to 3.0 ms
after (`python -m bench.cache_invalidation`, docs/operations.md).
The new index replaces the one on the key alone (the same number of b-trees to write on
each change of a file); it is led by the key, so every query ordered by it keeps an index.
"""

LISTED = (
    "search_key",
    "ref",
    "last_name",
    "birth_name",
    "first_names",
    "used_first_name",
    "birth_date",
    "city",
)


def up(migrator, db):
    columns = ", ".join(f'"{name}"' for name in LISTED)
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "patient_search_listed" ON "patient" ({columns})')
    db.execute_sql('DROP INDEX IF EXISTS "patient_search_key"')

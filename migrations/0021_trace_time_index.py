"""Drop the journals' index on the time of each trace (issue 20).

A journal's entries are stamped under its write lock, so their times follow their numbers:
a period is found as a range of numbers by halving the range (audit/services.py,
`first_seq_from`), and the index on `at` only cost every trace one more b-tree to write —
about a third of a page view's trace once the other worker has committed its own. The
journal of readings (lectures.db), which has no migrations of its own, loses its index each
time it is opened, before any migration runs (db.py, `_open_readings`).
"""


def up(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "trace_at"')

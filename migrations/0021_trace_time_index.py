"""Drop the journals' index on the time of each trace (issue 20).

A journal's entries are stamped under its write lock, so their times follow their numbers:
a period is found as a range of numbers by halving the range (audit/services.py,
`first_seq_from`), and the index on `at` only cost every trace one more b-tree to write —
about a third of a page view's trace once the other worker has committed its own. The
journal of readings (lectures.db), open beside the base while it migrates, loses its own
here too (and, should a copy still hold it, when it is next opened: db.py).
"""


def up(migrator, db):
    from cabinet.db import readings_database

    db.execute_sql('DROP INDEX IF EXISTS "trace_at"')
    if readings_database.database is not None and not readings_database.is_closed():
        readings_database.execute_sql('DROP INDEX IF EXISTS "trace_at"')

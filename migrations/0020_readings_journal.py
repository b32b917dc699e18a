"""The active base records that it has a journal of readings (`lectures.db`, issue 20).

The traces of pages that only show data are written in a file of their own
(cabinet/db.py, `readings_database`): one row here, written when that file is first
created beside this base, lets the start-up refuse to open the base if the file later
goes missing, instead of creating an empty one that would hide every reading traced.
"""


def up(migrator, db):
    db.execute_sql(
        'CREATE TABLE IF NOT EXISTS "readings_journal" '
        '("id" INTEGER NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL)'
    )

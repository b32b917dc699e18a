"""Care team (A2): how each practitioner joined it; existing appointments and care become
explicit memberships, since an appointment alone no longer opens a care record."""

from peewee import CharField, ForeignKeyField, Model

# Whoever had an appointment (not cancelled), a session, or wrote an item keeps her access.
EXISTING = [
    "SELECT patient_id, practitioner_id, MIN(created_at), 'migration', '', '' FROM appointment "
    "WHERE status != 'cancelled' GROUP BY patient_id, practitioner_id",
    "SELECT patient_id, practitioner_id, MIN(created_at), 'migration', '', '' FROM care_session "
    "GROUP BY patient_id, practitioner_id",
    "SELECT patient_id, created_by_id, MIN(created_at), 'migration', '', '' FROM record_item "
    "GROUP BY patient_id, created_by_id",
]


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    migrator.migrate(
        migrator.add_column("care_assignment", "source", CharField(default="assigned")),
        migrator.add_column(
            "care_assignment",
            "added_by_id",
            ForeignKeyField(User, null=True, on_delete="SET NULL", field=User.id),
        ),
        migrator.add_column("care_assignment", "reason", CharField(default="")),
        migrator.add_column("care_assignment", "note", CharField(default="")),
    )
    for query in EXISTING:
        db.execute_sql(
            "INSERT OR IGNORE INTO care_assignment "
            f"(patient_id, practitioner_id, created_at, source, reason, note) {query}"
        )

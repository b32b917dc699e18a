"""The locum's handover (A2, T1): a practitioner hands her patients of a period over to a locum
account; each patient's care-team scope is lent by a dated grant (care_grant, 0012)."""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Handover(Model):
        ref = CharField(unique=True)
        practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        locum = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        starts = DateField()
        ends = DateField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "handover"
            indexes = ((("locum", "ends"), False), (("practitioner", "ends"), False))

    db.create_tables([Handover])

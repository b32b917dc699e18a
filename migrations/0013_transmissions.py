"""Transmissions between the members of a care team (P2, A2): short notes in the nursing
"transmissions ciblées" format (target, data, actions, results), kept in versions like the
record's items, with a read mark per colleague. Part of the care record."""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def _frozen(db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Patient(Model):
        class Meta:
            database = db
            table_name = "patient"

    class Transmission(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="+")
        author = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        version = IntegerField(default=1)
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "transmission"
            indexes = ((("patient", "created_at"), False),)

    class TransmissionVersion(Model):
        transmission = ForeignKeyField(Transmission, on_delete="CASCADE", backref="+")
        number = IntegerField()
        target = CharField()
        data = CharField(default="")
        actions = CharField(default="")
        results = CharField(default="")
        author = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        author_name = CharField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "transmission_version"
            indexes = ((("transmission", "number"), True),)

    class TransmissionRead(Model):
        transmission = ForeignKeyField(Transmission, on_delete="CASCADE", backref="+")
        reader = ForeignKeyField(User, on_delete="CASCADE", backref="+")
        version = IntegerField()
        read_at = DateTimeField()

        class Meta:
            database = db
            table_name = "transmission_read"
            indexes = ((("transmission", "reader"), True),)

    return [Transmission, TransmissionVersion, TransmissionRead]


def up(migrator, db):
    db.create_tables(_frozen(db))

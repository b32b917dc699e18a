"""The home-visit round (P3): the order a practitioner set for her day's home visits and the
kilometres of that day; the patients' access notes for a home visit (administrative, X6);
care-team scope granted for a period (A2: a locum's handover)."""

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
)


def _frozen(db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Patient(Model):
        class Meta:
            database = db
            table_name = "patient"

    class Appointment(Model):
        class Meta:
            database = db
            table_name = "appointment"

    class Round(Model):
        practitioner = ForeignKeyField(User, on_delete="CASCADE", backref="+")
        day = DateField()
        kilometres = DecimalField(max_digits=6, decimal_places=1, null=True)
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

        class Meta:
            database = db
            table_name = "round"
            indexes = ((("practitioner", "day"), True),)

    class RoundStop(Model):
        round = ForeignKeyField(Round, on_delete="CASCADE", backref="+")
        appointment = ForeignKeyField(Appointment, unique=True, on_delete="CASCADE", backref="+")
        position = IntegerField()

        class Meta:
            database = db
            table_name = "round_stop"

    class AccessNote(Model):
        patient = ForeignKeyField(Patient, unique=True, on_delete="CASCADE", backref="+")
        door_code = CharField(default="")
        key_box = CharField(default="")
        floor = CharField(default="")
        parking = CharField(default="")
        animal = CharField(default="")
        contact = CharField(default="")
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

        class Meta:
            database = db
            table_name = "access_note"

    class CareGrant(Model):
        patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="+")
        grantee = ForeignKeyField(User, on_delete="CASCADE", backref="+")
        granted_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        starts = DateField()
        ends = DateField()
        handover_ref = CharField(default="", index=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "care_grant"
            indexes = ((("grantee", "patient"), False),)

    return [Round, RoundStop, AccessNote, CareGrant]


def up(migrator, db):
    db.create_tables(_frozen(db))

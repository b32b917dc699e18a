"""Patients' administrative file and its rectification history."""

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class Patient(Model):
        ref = CharField(unique=True)
        birth_name = CharField()
        last_name = CharField()
        first_names = CharField()
        used_first_name = CharField(default="")
        birth_date = DateField()
        sex = CharField(max_length=1)
        birthplace_code = CharField(default="")
        address = CharField(default="")
        postcode = CharField(default="")
        city = CharField(default="")
        phone = CharField(default="")
        email = CharField(default="")
        ins_number = CharField(default="")
        ins_oid = CharField(default="")
        identity_status = CharField(default="provisoire")
        nir = CharField(default="")
        family_situation = CharField(default="")
        profession = CharField(default="")
        search_key = CharField(index=True, default="")
        search_key_birth = CharField(index=True, default="")
        search_key_first = CharField(index=True, default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        contact_checked_at = DateTimeField()
        last_care_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "patient"

    class PatientChange(Model):
        patient = ForeignKeyField(Patient, on_delete="CASCADE")
        changed_at = DateTimeField()
        actor_id = IntegerField(null=True)
        actor_name = CharField(default="")
        field = CharField()
        old_value = TextField(default="")
        new_value = TextField(default="")

        class Meta:
            database = db
            table_name = "patient_change"

    db.create_tables([Patient, PatientChange])

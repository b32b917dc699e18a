"""Appointments: types, opening hours, absences, care series, appointments and their events."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    TimeField,
)


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Patient(Model):
        class Meta:
            database = db
            table_name = "patient"

    class AppointmentType(Model):
        name = CharField(unique=True)
        duration_minutes = IntegerField()
        is_home_visit = BooleanField(default=False)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "appointment_type"

    class OpeningHours(Model):
        practitioner = ForeignKeyField(User, on_delete="CASCADE")
        weekday = IntegerField()
        opens = TimeField()
        closes = TimeField()

        class Meta:
            database = db
            table_name = "opening_hours"

    class Absence(Model):
        practitioner = ForeignKeyField(User, on_delete="CASCADE")
        kind = CharField()
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "absence"
            indexes = ((("practitioner", "starts_at"), False),)

    class Series(Model):
        ref = CharField(unique=True)
        practitioner = ForeignKeyField(User, on_delete="RESTRICT")
        patient = ForeignKeyField(Patient, on_delete="CASCADE")
        appointment_type = ForeignKeyField(AppointmentType, on_delete="RESTRICT")
        count = IntegerField()
        weekdays = CharField()
        local_time = TimeField()
        first_date = DateField()
        created_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "series"

    class Appointment(Model):
        ref = CharField(unique=True)
        practitioner = ForeignKeyField(User, on_delete="RESTRICT")
        patient = ForeignKeyField(Patient, on_delete="CASCADE")
        appointment_type = ForeignKeyField(AppointmentType, on_delete="RESTRICT")
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        status = CharField(default="booked")
        cancel_reason = CharField(default="")
        location = CharField(default="practice")
        visit_address = CharField(default="")
        access_info = CharField(default="")
        note = CharField(default="")
        series = ForeignKeyField(Series, null=True, on_delete="SET NULL")
        leaflet_given_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "appointment"
            indexes = (
                (("practitioner", "starts_at"), False),
                (("patient", "starts_at"), False),
                (("starts_at",), False),
            )

    class AppointmentEvent(Model):
        appointment = ForeignKeyField(Appointment, on_delete="CASCADE")
        at = DateTimeField()
        actor_id = IntegerField(null=True)
        actor_name = CharField(default="")
        kind = CharField()
        detail = TextField(default="")

        class Meta:
            database = db
            table_name = "appointment_event"

    db.create_tables(
        [AppointmentType, OpeningHours, Absence, Series, Appointment, AppointmentEvent]
    )
    # A starting list the admin can change: durations are the usual ones of a paramedical practice.
    AppointmentType.insert_many(
        [
            {"name": "Première consultation", "duration_minutes": 45, "is_home_visit": False},
            {"name": "Séance", "duration_minutes": 30, "is_home_visit": False},
            {"name": "Bilan", "duration_minutes": 60, "is_home_visit": False},
            {"name": "Soin à domicile", "duration_minutes": 30, "is_home_visit": True},
            {"name": "Séance courte", "duration_minutes": 15, "is_home_visit": False},
        ]
    ).execute()

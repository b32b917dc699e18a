"""Appointments (P1, P3): types kept by the admin, opening hours and absences per
practitioner, appointments and care series, and each appointment's event log.

Times are stored in UTC (naive) and shown in Europe/Paris; a series keeps its
local time so every occurrence lands at "18 h" on both sides of a DST change.
"""

import secrets

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    TextField,
    TimeField,
)

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow
from cabinet.patients.models import Patient

STATUSES = {
    "booked": "Prévu",
    "honoured": "Honoré",
    "missed": "Non honoré",
    "cancelled": "Annulé",
}
ACTIVE_STATUSES = ("booked", "honoured")  # these occupy the slot
CANCEL_REASONS = {
    "patient": "Annulé par le patient",
    "practice": "Annulé par le cabinet",
    "hospital": "Patient hospitalisé",
    "mistake": "Erreur de saisie",
    "other": "Autre motif",
}
LOCATIONS = {"practice": "Au cabinet", "home": "À domicile"}
ABSENCE_KINDS = {"holiday": "Congés", "training": "Formation", "other": "Autre absence"}


def new_ref() -> str:
    return secrets.token_urlsafe(16)


class AppointmentType(BaseModel):
    """A reason for booking chosen from a list (X6: no free-text health reason)."""

    name = CharField(unique=True)
    duration_minutes = IntegerField()
    is_home_visit = BooleanField(default=False)
    active = BooleanField(default=True)

    class Meta:
        table_name = "appointment_type"


class OpeningHours(BaseModel):
    practitioner = ForeignKeyField(User, backref="opening_hours", on_delete="CASCADE")
    weekday = IntegerField()  # 0 = Monday
    opens = TimeField()
    closes = TimeField()

    class Meta:
        table_name = "opening_hours"


class Absence(BaseModel):
    practitioner = ForeignKeyField(User, backref="absences", on_delete="CASCADE")
    kind = CharField()
    starts_at = DateTimeField()  # UTC
    ends_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "absence"
        indexes = ((("practitioner", "starts_at"), False),)


class Series(BaseModel):
    """A care series: N sessions on given weekdays at a local time, from a date (P3)."""

    ref = CharField(unique=True, default=new_ref)
    practitioner = ForeignKeyField(User, on_delete="RESTRICT")
    patient = ForeignKeyField(Patient, backref="series", on_delete="CASCADE")
    appointment_type = ForeignKeyField(AppointmentType, on_delete="RESTRICT")
    count = IntegerField()
    weekdays = CharField()  # "0,3" = Monday and Thursday
    local_time = TimeField()
    first_date = DateField()
    # The prescription it was proposed from (an opaque ref: the agenda knows nothing more
    # of it; cabinet/prescriptions counts the honoured sessions against it).
    prescription_ref = CharField(default="")
    created_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "series"


class Appointment(BaseModel):
    ref = CharField(unique=True, default=new_ref)
    # Found through (practitioner, starts_at) and (patient, starts_at) below: no index of their
    # own (migration 0018).
    practitioner = ForeignKeyField(User, backref="appointments", on_delete="RESTRICT", index=False)
    patient = ForeignKeyField(Patient, backref="appointments", on_delete="CASCADE", index=False)
    # Types are deactivated, never deleted: no index for a check that never runs (0018).
    appointment_type = ForeignKeyField(AppointmentType, on_delete="RESTRICT", index=False)
    starts_at = DateTimeField()  # UTC
    ends_at = DateTimeField()
    status = CharField(default="booked")
    cancel_reason = CharField(default="")
    location = CharField(default="practice")
    visit_address = CharField(default="")  # a home visit elsewhere than the file's address
    access_info = CharField(default="")  # digicode, floor, key box: bounded, administrative
    note = CharField(default="")  # bounded and framed (X6)
    series = ForeignKeyField(Series, null=True, backref="appointments", on_delete="SET NULL")
    leaflet_given_at = DateTimeField(null=True)  # information leaflet handed at a home visit
    # Accounts are disabled, never deleted (0018).
    created_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+", index=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "appointment"
        indexes = (
            (("practitioner", "starts_at"), False),
            (("patient", "starts_at"), False),
            (("starts_at",), False),
        )


class AppointmentEvent(BaseModel):
    """What happened to an appointment: booked, moved, cancelled, honoured… never erased."""

    appointment = ForeignKeyField(Appointment, backref="events", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    actor_id = IntegerField(null=True)
    actor_name = CharField(default="")
    kind = CharField()
    detail = TextField(default="")

    class Meta:
        table_name = "appointment_event"


class Round(BaseModel):
    """A practitioner's home-visit round of one day (P3): the order she set for the visits
    (its stops) and the kilometres of the day, entered once (they prefill the IK)."""

    practitioner = ForeignKeyField(User, backref="rounds", on_delete="CASCADE")
    day = DateField()
    kilometres = DecimalField(max_digits=6, decimal_places=1, null=True)
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "round"
        indexes = ((("practitioner", "day"), True),)


class RoundStop(BaseModel):
    """One home visit's place in its round; a visit moved to another day leaves it."""

    round = ForeignKeyField(Round, backref="stops", on_delete="CASCADE")
    appointment = ForeignKeyField(Appointment, unique=True, backref="+", on_delete="CASCADE")
    position = IntegerField()

    class Meta:
        table_name = "round_stop"

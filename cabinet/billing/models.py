"""The nomenclature (NGAP acts and their coefficients) and the tariffs (letter keys,
majorations, allowances) as versioned data, each row with the date it takes effect and its
source; and the priced visits of the pre-bill (health data: the acts of a visit)."""

import json
import secrets

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    TextField,
    TimeField,
)

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow
from cabinet.patients.models import Patient
from cabinet.prescriptions.models import Prescription
from cabinet.records.models import Receipt

TARIFF_KINDS = {
    "key": "Lettre clé",
    "travel": "Indemnité de déplacement",
    "mileage": "Indemnité kilométrique (par km)",
    "deductible": "Abattement kilométrique (km)",
    "night": "Majoration de nuit",
    "sunday": "Majoration de dimanche et jour férié",
    "single_act": "Majoration pour acte unique",
    "coordination": "Majoration de coordination",
}
CUMULATIONS = {
    "11B": "Article 11B (100 %, 50 %, puis non facturé)",
    "full_rate": "Toujours à taux plein (exception à l'art. 11B)",
}


def new_ref() -> str:
    return secrets.token_urlsafe(16)


class Tariff(BaseModel):
    """A tariff from a date: the row with the latest `effective_from` on or before a visit's
    day is in force for it (an avenant adds a row, never edits one)."""

    profession = CharField()
    code = CharField()
    kind = CharField()
    label = CharField()
    amount = DecimalField(max_digits=10, decimal_places=2)
    starts = TimeField(null=True)  # a night majoration's window, local time
    ends = TimeField(null=True)
    effective_from = DateField()
    source = CharField()
    confirmed = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "tariff"
        indexes = ((("profession", "code", "effective_from"), True),)


class NgapAct(BaseModel):
    """An act of the nomenclature, versioned like the tariffs (a coefficient changes by
    avenant). `cumulation`: "11B", "full_rate" or "group:<name>" (pricing.py)."""

    ident = CharField()
    profession = CharField()
    label = CharField()
    key = CharField()
    coefficient = DecimalField(max_digits=6, decimal_places=2)
    cumulation = CharField(default="11B")
    full_rate_with = CharField(default="")
    opens_mci = BooleanField(default=False)
    rule = CharField(default="")
    effective_from = DateField()
    source = CharField()
    confirmed = BooleanField(default=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "ngap_act"
        indexes = ((("ident", "effective_from"), True),)


class PricedVisit(BaseModel):
    """A visit priced by the aid: a line of the pre-bill (an aid, not a care sheet)."""

    ref = CharField(unique=True, default=new_ref)
    patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="priced_visits")
    practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    prescription = ForeignKeyField(
        Prescription, null=True, on_delete="SET NULL", backref="priced_visits"
    )
    visit_at = DateTimeField()  # UTC
    visit_day = DateField(index=True)  # the local (Paris) day of the visit
    profession = CharField()
    home = BooleanField(default=False)
    km = DecimalField(max_digits=6, decimal_places=1, default=0)
    zone = CharField(default="plain")
    acts = CharField()  # "AMI 4, AMI 1"
    steps = TextField()  # JSON: the explained steps and billed lines
    notes = TextField(default="[]")  # JSON: the warnings shown when it was priced
    total = DecimalField(max_digits=10, decimal_places=2)
    paid_mode = CharField(default="")
    receipt = ForeignKeyField(Receipt, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "priced_visit"
        indexes = ((("patient", "visit_at"), False),)

    @property
    def step_list(self) -> list[dict]:
        return json.loads(self.steps)

    @property
    def note_list(self) -> list[str]:
        return json.loads(self.notes)

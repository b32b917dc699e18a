"""Prescriptions (ordonnances) of the care record (P3, §5 f: health data): prescriber, date,
kind, the acts in words and as codes, sessions and rhythm, validity; the photo of the paper
prescription (re-encoded, stored in the encrypted database, never on disk); the BSI of a
dependent patient with its renewal date.

Free text is bounded (X6): the acts in words (300), the codes (120), the rhythm (120).
"""

import secrets

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
)

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow
from cabinet.patients.models import Patient

KINDS = {
    "nursing": "Soins infirmiers",
    "physiotherapy": "Masso-kinésithérapie",
    "speech": "Orthophonie",
}
# The nomenclature's profession for each kind of prescription (billing.pricing.PROFESSIONS).
PROFESSION_OF_KIND = {"nursing": "nurse", "physiotherapy": "physio", "speech": "speech"}
BSI_LEVELS = {
    "BSA": "BSA — dépendance légère",
    "BSB": "BSB — dépendance intermédiaire",
    "BSC": "BSC — dépendance lourde",
}


def new_ref() -> str:
    return secrets.token_urlsafe(16)


class Prescription(BaseModel):
    ref = CharField(unique=True, default=new_ref)
    patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="prescriptions")
    practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="+")  # who recorded it
    prescriber_name = CharField()  # the prescribing doctor, as written
    prescriber_rpps = CharField(default="")  # 11 digits, optional
    prescribed_on = DateField()
    kind = CharField()
    acts_text = CharField()  # the prescribed acts in words (health data)
    act_codes = CharField(default="")  # "AMI 4, AMI 1" (health data)
    sessions_count = IntegerField()
    per_week = IntegerField(default=2)  # sessions a week (7: every day)
    rhythm = CharField(default="")  # "2 passages par jour pendant 15 jours"
    starts_on = DateField()
    valid_until = DateField(index=True)
    renewable = BooleanField(default=False)
    night_required = BooleanField(default=False)  # "nécessité impérieuse de nuit" (art. 14 B)
    home_care = BooleanField(default=False)  # "soins à domicile": IFD and IK are due
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "prescription"
        indexes = ((("patient", "prescribed_on"), False),)

    @classmethod
    def of_patient(cls, patient):
        """The patient's prescriptions, the latest first."""
        return (
            cls.select().where(cls.patient == patient.id).order_by(cls.prescribed_on.desc(), cls.id)
        )

    @property
    def codes(self) -> list[str]:
        """The prescribed act codes, normalised ("AMI4" and "AMI 4" alike)."""
        parts = self.act_codes.replace(";", ",").split(",")
        return [normalise_code(part) for part in parts if part.strip()]


def normalise_code(code: str) -> str:
    return "".join(code.upper().split()).replace(".", ",")


class PrescriptionPhoto(BaseModel):
    """The re-encoded JPEG of the paper prescription: metadata stripped, size bounded."""

    prescription = ForeignKeyField(Prescription, unique=True, on_delete="CASCADE", backref="photos")
    data = BlobField()
    width = IntegerField()
    height = IntegerField()
    size = IntegerField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "prescription_photo"


class NursingAssessment(BaseModel):
    """A BSI (bilan de soins infirmiers) of a dependent patient and its dependency level."""

    ref = CharField(unique=True, default=new_ref)
    patient = ForeignKeyField(Patient, on_delete="CASCADE", backref="nursing_assessments")
    nurse = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    done_on = DateField()
    level = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "nursing_assessment"
        indexes = ((("patient", "done_on"), False),)

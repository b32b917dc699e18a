"""Transmissions (P2, §5 f: health data): dated, signed notes between the members of a
patient's care team in the "transmissions ciblées" format — a target, then data, actions and
results, each bounded (X6). A correction is a new version (D5); each colleague's read mark
names the version she read, so a correction is unread again."""

import secrets

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow
from cabinet.patients.models import Patient

# field: (label, maximum length, help)
FIELDS = {
    "target": (
        "Cible",
        80,
        "Le problème ou l'objectif suivi : « douleur », « pansement du talon ».",
    ),
    "data": ("Données", 300, "Ce qui a été observé ou dit, de façon factuelle."),
    "actions": ("Actions", 300, "Ce qui a été fait, ou est à faire au prochain passage."),
    "results": ("Résultats", 300, "L'effet des actions, quand il est connu."),
}


def new_ref() -> str:
    return secrets.token_urlsafe(16)


class Transmission(BaseModel):
    ref = CharField(unique=True, default=new_ref)
    patient = ForeignKeyField(Patient, backref="transmissions", on_delete="CASCADE")
    author = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    version = IntegerField(default=1)  # the number of its latest version
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "transmission"
        indexes = ((("patient", "created_at"), False),)

    @classmethod
    def of_patient(cls, patient):
        """The patient's transmissions, the latest first (a query)."""
        return (
            cls.select()
            .where(cls.patient == patient.id)
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    def latest_version(self) -> "TransmissionVersion":
        return self.versions.order_by(TransmissionVersion.number.desc()).first()


class TransmissionVersion(BaseModel):
    transmission = ForeignKeyField(Transmission, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    target = CharField()
    data = CharField(default="")
    actions = CharField(default="")
    results = CharField(default="")
    author = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    author_name = CharField()  # the signature, as it was when written
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "transmission_version"
        indexes = ((("transmission", "number"), True),)


class TransmissionRead(BaseModel):
    """A colleague's read mark: the version she read, and when."""

    transmission = ForeignKeyField(Transmission, backref="reads", on_delete="CASCADE")
    reader = ForeignKeyField(User, on_delete="CASCADE", backref="+")
    version = IntegerField()
    read_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "transmission_read"
        indexes = ((("transmission", "reader"), True),)

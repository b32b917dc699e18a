from peewee import BooleanField, CharField, DateField, DateTimeField, TextField

from cabinet.db import BaseModel, utcnow
from cabinet.patients.models import new_ref

KINDS = {
    "medical_access": "Accès au dossier médical",
    "access": "Accès aux données (autres que médicales)",
    "rectification": "Rectification",
    "erasure": "Effacement",
    "restriction": "Limitation",
    "objection": "Opposition",
    "portability": "Portabilité",
}
STATUSES = {"open": "En cours", "answered": "Répondu", "refused": "Refusé"}


class RightsRequest(BaseModel):
    """A request from a patient about their data (I8), with its legal deadline."""

    ref = CharField(unique=True, default=new_ref)
    patient_ref = CharField(default="")
    requester = CharField()  # who asked (the patient, a parent, an heir…)
    kind = CharField()
    received_on = DateField()
    identity_checked = BooleanField(default=False)
    old_information = BooleanField(default=False)  # medical information older than 5 years
    earliest_on = DateField(null=True)  # medical record: not before 48 hours
    due_on = DateField()
    status = CharField(default="open")
    answered_on = DateField(null=True)
    answer = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "rights_request"
        indexes = ((("status", "due_on"), False),)

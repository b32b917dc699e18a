"""A handover (A2): the practitioner who leaves, the locum who replaces her, the dates. The
patients handed over and their dated scope are `patients.models.CareGrant` rows naming it."""

import secrets

from peewee import CharField, DateField, DateTimeField, ForeignKeyField

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow


def new_ref() -> str:
    return secrets.token_urlsafe(16)


class Handover(BaseModel):
    ref = CharField(unique=True, default=new_ref)
    practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    locum = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    starts = DateField()
    ends = DateField()  # included
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "handover"
        indexes = ((("locum", "ends"), False), (("practitioner", "ends"), False))

    def is_open(self, today) -> bool:
        return self.starts <= today <= self.ends

    def is_cancelled(self) -> bool:
        """Stopped before its first day or on it (services.end_now): it opens no day."""
        return self.ends < self.starts

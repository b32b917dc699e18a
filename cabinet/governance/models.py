"""Governance (T5, A5, G2): the breach register, the annual review of accounts, the
practice's own confirmations of the organisational measures.

Everything here is append-only: an incident is recorded at discovery (`Incident`, never
changed afterwards) and completed by dated additions (`IncidentUpdate`), each adding what
became known; the incident's current state is the latest value of each field. A review is
signed once with a line per account. A confirmation is a dated tick; a newer one supersedes it.
"""

import secrets

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow

NATURES = {
    "confidentiality": "Confidentialité (données vues ou emportées par qui ne devait pas)",
    "integrity": "Intégrité (données modifiées ou altérées)",
    "availability": "Disponibilité (données perdues ou inaccessibles)",
}
DECISIONS = {
    "kept": "Conservé tel quel",
    "changed": "Modifié (rôle, date de fin)",
    "disabled": "Désactivé",
}


def new_ref() -> str:
    """Opaque reference in URLs (X3)."""
    return secrets.token_urlsafe(12)


class Incident(BaseModel):
    """What is known at discovery. The 72-hour clock runs from `discovered_at` (UTC)."""

    ref = CharField(unique=True, default=new_ref)
    discovered_at = DateTimeField(index=True)
    began_at = DateTimeField(null=True)  # when it started, if known
    noticed_by = CharField()  # who noticed it, as told (a person, a patient, the software)
    natures = CharField()  # comma-separated keys of NATURES
    description = TextField()
    recorded_at = DateTimeField(default=utcnow)
    recorded_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "incident"


class IncidentUpdate(BaseModel):
    """One addition to an incident: any of the fields below, the others left empty."""

    incident = ForeignKeyField(Incident, on_delete="RESTRICT", backref="updates")
    recorded_at = DateTimeField(default=utcnow)
    recorded_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    persons_categories = TextField(null=True)
    persons_count = IntegerField(null=True)
    records_categories = TextField(null=True)
    records_count = IntegerField(null=True)
    consequences = TextField(null=True)
    measures_taken = TextField(null=True)
    measures_planned = TextField(null=True)
    cnil_required = BooleanField(null=True)  # a risk for the persons: the CNIL is notified
    cnil_reason = TextField(null=True)
    persons_required = BooleanField(null=True)  # a high risk: the persons are told
    persons_reason = TextField(null=True)
    notified_at = DateTimeField(null=True)  # the CNIL notified (UTC)
    notification_reference = CharField(null=True)
    delay_reason = TextField(null=True)  # past the 72 hours: why
    persons_informed_on = DateField(null=True)

    class Meta:
        table_name = "incident_update"


class AccessReview(BaseModel):
    """The annual review of permissions (A5), signed by an admin."""

    ref = CharField(unique=True, default=new_ref)
    signed_at = DateTimeField(default=utcnow, index=True)
    signed_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    signer_name = CharField()
    note = TextField(default="")

    class Meta:
        table_name = "access_review"


class AccessReviewLine(BaseModel):
    """An account as the review saw it, and what was decided."""

    review = ForeignKeyField(AccessReview, on_delete="CASCADE", backref="lines")
    account = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    display_name = CharField()
    role = CharField()
    second_factors = IntegerField()
    last_used_at = DateTimeField(null=True)
    end_date = DateField(null=True)
    open_sessions = IntegerField()
    decision = CharField()

    class Meta:
        table_name = "access_review_line"


class MeasureConfirmation(BaseModel):
    """The practice ticks an organisational measure of the report as in place (G2)."""

    measure = CharField(index=True)
    item = IntegerField()
    confirmed_on = DateField()
    confirmed_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    confirmer_name = CharField()

    class Meta:
        table_name = "measure_confirmation"

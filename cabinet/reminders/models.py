"""The outgoing mail queue (issue 17): to whom, when, outcome — never the content."""

import hashlib

from peewee import CharField, DateTimeField, IntegerField

from cabinet.db import BaseModel, utcnow

KINDS = {"reminder": "Rappel", "card": "Confirmation", "test": "Essai"}
STATUSES = {
    "queued": "En attente",
    "sending": "En cours d'envoi",
    "sent": "Envoyé",
    "failed": "Échec",
    "cancelled": "Annulé",
    # A crash between the server's acceptance and its record: maybe sent, never sent again.
    "uncertain": "Interrompu (peut-être envoyé, jamais renvoyé)",
}


def message_id(key: str, domain: str) -> str:
    """The Message-ID of a queued message, derived from its idempotent key: the same
    reminder always carries the same one (a receiving server may then drop a copy)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain or 'cabinet.invalid'}>"


class OutgoingMail(BaseModel):
    key = CharField(unique=True)
    message_id = CharField(unique=True)
    kind = CharField()
    lead_hours = IntegerField(null=True)
    appointment_ref = CharField(default="")
    patient_ref = CharField(default="", index=True)
    recipient = CharField(default="")
    status = CharField(default="queued")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = CharField(default="")
    created_by_id = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "outgoing_mail"
        indexes = ((("status", "next_attempt_at"), False),)

"""The care record (P2, P4, P5, D3, D5): structured items kept in versions, care sessions
with acts from the practice's list, copies of care sheets, the receipts journal, the
care team and break-glass accesses.

Free text is rare and bounded (X6): an item's label (120 characters) and a note
(300 characters) framed by a reminder of what may be written.
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
)

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow
from cabinet.patients.models import Patient

# §5 f (health) and g (lifestyle, only with the patient's recorded agreement).
ITEM_KINDS = {
    "antecedent": "Antécédent",
    "allergy": "Allergie",
    "treatment": "Traitement en cours",
    "diagnosis": "Diagnostic / indication",
    "measurement": "Mesure",
    "exam": "Résultat d'examen",
    "lifestyle": "Habitude de vie",
}
MEASUREMENT_UNITS = {
    "kg": "kg",
    "cm": "cm",
    "mmHg": "mmHg",
    "bpm": "batt./min",
    "°C": "°C",
    "%": "%",
    "mg/dL": "mg/dL",
    "°": "degrés",
}
PAYMENT_MODES = {
    "cash": "Espèces",
    "cheque": "Chèque",
    "card": "Carte bancaire",
    "transfer": "Virement",
    "third_party": "Tiers payant",
}


def new_ref() -> str:
    return secrets.token_urlsafe(16)


class Act(BaseModel):
    """The practice's acts, with their nomenclature code and fee."""

    code = CharField(unique=True)
    label = CharField()
    fee = DecimalField(max_digits=8, decimal_places=2)
    insurer_rate = IntegerField(default=60)  # percentage paid by the health insurance
    active = BooleanField(default=True)

    class Meta:
        table_name = "act"


class RecordItem(BaseModel):
    ref = CharField(unique=True, default=new_ref)
    patient = ForeignKeyField(Patient, backref="record_items", on_delete="CASCADE")
    kind = CharField()
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "record_item"
        indexes = ((("patient", "kind"), False),)

    @classmethod
    def of_patient(cls, patient):
        return cls.select().where(cls.patient == patient.id).order_by(cls.id)

    def latest_version(self) -> "RecordItemVersion":
        return self.versions.order_by(RecordItemVersion.number.desc()).first()


class RecordItemVersion(BaseModel):
    """A correction is a new version; older versions stay readable (D5, I4)."""

    item = ForeignKeyField(RecordItem, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    label = CharField()
    value = DecimalField(max_digits=10, decimal_places=2, null=True)
    unit = CharField(default="")
    observed_on = DateField(null=True)
    note = CharField(default="")
    author = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    author_name = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "record_item_version"
        indexes = ((("item", "number"), True),)

    @classmethod
    def of_patient(cls, patient):
        """Every version of every item of the patient's record, oldest first."""
        return (
            cls.select(cls, RecordItem)
            .join(RecordItem)
            .where(RecordItem.patient == patient.id)
            .order_by(cls.number)
        )


class LifestyleConsent(BaseModel):
    """The patient's agreement to record lifestyle items (§5 g)."""

    patient = ForeignKeyField(
        Patient, backref="lifestyle_consents", on_delete="CASCADE", unique=True
    )
    recorded_at = DateTimeField(default=utcnow)
    recorded_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "lifestyle_consent"


class CareSession(BaseModel):
    ref = CharField(unique=True, default=new_ref)
    patient = ForeignKeyField(Patient, backref="care_sessions", on_delete="CASCADE")
    practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="care_sessions")
    session_date = DateField()
    pain_score = IntegerField(null=True)  # 0–10
    range_of_motion = IntegerField(null=True)  # degrees
    note = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "care_session"
        indexes = ((("patient", "session_date"), False),)

    @classmethod
    def of_patient(cls, patient):
        """The patient's sessions, the latest first."""
        return cls.select().where(cls.patient == patient.id).order_by(cls.session_date.desc())


class SessionAct(BaseModel):
    session = ForeignKeyField(CareSession, backref="acts", on_delete="CASCADE")
    act = ForeignKeyField(Act, on_delete="RESTRICT")
    quantity = IntegerField(default=1)
    fee = DecimalField(max_digits=8, decimal_places=2)  # the fee at the time

    class Meta:
        table_name = "session_act"


class CareSheet(BaseModel):
    """Copy of a care sheet (feuille de soins): deleted 3 months after creation (P4, R4)."""

    ref = CharField(unique=True, default=new_ref)
    patient = ForeignKeyField(Patient, backref="care_sheets", on_delete="CASCADE")
    session = ForeignKeyField(CareSession, null=True, backref="care_sheets", on_delete="SET NULL")
    care_date = DateField()
    acts = TextField()  # "AMK 8 × 1 = 17,20 €; …"
    total = DecimalField(max_digits=10, decimal_places=2)
    insurer_share = DecimalField(max_digits=10, decimal_places=2)
    patient_share = DecimalField(max_digits=10, decimal_places=2)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "care_sheet"

    @classmethod
    def of_patient(cls, patient):
        """The patient's care-sheet copies, the latest first."""
        return cls.select().where(cls.patient == patient.id).order_by(cls.created_at.desc())


class Receipt(BaseModel):
    """A line of the receipts journal (P5): kept 6 years, no care content."""

    ref = CharField(unique=True, default=new_ref)
    # Kept for the books (6 years) even after the patient's file is archived: SET NULL,
    # and the name written on the line.
    patient = ForeignKeyField(Patient, null=True, backref="receipts", on_delete="SET NULL")
    patient_name = CharField(default="")
    session = ForeignKeyField(CareSession, null=True, backref="receipts", on_delete="SET NULL")
    received_on = DateField(index=True)
    act_codes = CharField()
    amount = DecimalField(max_digits=10, decimal_places=2)
    payment_mode = CharField()
    recorded_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "receipt"

    @classmethod
    def of_patient(cls, patient):
        """The patient's lines of the journal, the latest first."""
        return cls.select().where(cls.patient == patient.id).order_by(cls.received_on.desc())

    @classmethod
    def between(cls, first, last):
        """The journal from `first` to `last` included, in the order received."""
        return (
            cls.select()
            .where((cls.received_on >= first) & (cls.received_on <= last))
            .order_by(cls.received_on, cls.id)
        )


class BreakGlass(BaseModel):
    """An access outside the care team, with its stated reason, valid for one session."""

    patient = ForeignKeyField(Patient, backref="break_glasses", on_delete="CASCADE")
    practitioner = ForeignKeyField(User, on_delete="CASCADE", backref="break_glasses")
    session_id = IntegerField()
    reason = CharField()
    note = CharField(default="")
    at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "break_glass"
        indexes = ((("practitioner", "patient", "session_id"), False),)

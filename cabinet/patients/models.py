"""The patient's administrative file (D1, D2, D5).

Each field names its category in §5 of the référentiel: a) identity and
contact, b) INS, c) social security number, d) family situation,
e) professional situation. Health data (f, g) lives in `records/`, traces (h)
in `audit/`. No other category is collected.
"""

import datetime
import json
import secrets

from peewee import (
    OP,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Expression,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from cabinet.auth.models import User
from cabinet.db import BaseModel, fetch_all, utcnow
from cabinet.patients.identity import search_key

SEXES = {"F": "Féminin", "M": "Masculin", "I": "Indéterminé"}


def new_ref() -> str:
    """Opaque reference used in URLs instead of the row id (X3)."""
    return secrets.token_urlsafe(16)


class Patient(BaseModel):
    ref = CharField(unique=True, default=new_ref)
    # a) identity — strict traits of the INS first (birth name, birth first names, date, sex).
    birth_name = CharField()  # nom de naissance
    last_name = CharField()  # nom utilisé (usage)
    first_names = CharField()  # prénoms de naissance, dans l'ordre de l'état civil
    used_first_name = CharField(default="")  # prénom utilisé
    birth_date = DateField()
    sex = CharField(max_length=1)
    birthplace_code = CharField(default="")  # code INSEE du lieu de naissance (trait strict INS)
    # a) contact details
    address = CharField(default="")
    postcode = CharField(default="")
    city = CharField(default="")
    phone = CharField(default="")
    email = CharField(default="")
    # b) INS: matricule (NIR or NIA), its OID and the identity status (RNIV).
    ins_number = CharField(default="")
    ins_oid = CharField(default="")
    identity_status = CharField(default="provisoire")
    # c) social security number, for billing.
    nir = CharField(default="")
    # d) family and e) professional situation: short, structured answers.
    family_situation = CharField(default="")
    profession = CharField(default="")
    # Bookkeeping: search keys (derived), creation, last contact check, last care (retention).
    # Indexed with the columns a search result shows (migration 0019): the first page of
    # results is read from the index alone.
    search_key = CharField(default="")
    search_key_birth = CharField(index=True, default="")
    search_key_first = CharField(index=True, default="")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    contact_checked_at = DateTimeField(default=utcnow)
    last_care_at = DateTimeField(null=True)
    # I7: objection to sharing the record within a group practice (the record itself is
    # not subject to objection: it is a legal obligation).
    objects_to_sharing = BooleanField(default=False)
    # Retention (R1–R3): date of death, suspension while a dispute or restriction lasts,
    # and when a returning patient was restored from the archive (the clock restarts).
    deceased_on = DateField(null=True)
    retention_suspended = BooleanField(default=False)
    retention_restarted_at = DateTimeField(null=True)
    # I6: a frozen file (restriction while a dispute is checked): read-only, banner.
    restricted_at = DateTimeField(null=True)
    # I7 / X5: no reminder until the patient agrees (objection is the default).
    objects_to_reminders = BooleanField(default=True)

    class Meta:
        table_name = "patient"

    def refresh_search_keys(self) -> None:
        first = self.used_first_name or self.first_names
        self.search_key = search_key(self.last_name, first)
        self.search_key_birth = search_key(self.birth_name, first)
        self.search_key_first = search_key(first, self.last_name)

    @property
    def display_name(self) -> str:
        first = self.used_first_name or self.first_names.split(" ")[0]
        return f"{self.last_name.upper()} {first}"

    def changes(self):
        """The file's rectifications, the latest first (a plain statement: db.fetch_all)."""
        return fetch_all(
            PatientChange, '"patient_id" = ?', self.id, order_by='"changed_at" DESC, "id" DESC'
        )

    def touch_last_care(self, when: datetime.datetime) -> None:
        """The retention clock counts from the last intervention on the file (R1): a session,
        a record change, an honoured appointment moves it forward, never back."""
        Patient.update(last_care_at=when).where(
            (Patient.id == self.id)
            & (Patient.last_care_at.is_null() | (Patient.last_care_at < when))
        ).execute()

    @classmethod
    def touch_last_care_from(cls, latest) -> int:
        """The same rule for many files at once: `latest` is a correlated subquery giving
        each file's last intervention (bulk demo data)."""
        return (
            cls.update(last_care_at=latest)
            .where(
                Expression(latest, OP.IS_NOT, None)
                & (cls.last_care_at.is_null() | (cls.last_care_at < latest))
            )
            .execute()
        )


class PatientChange(BaseModel):
    """One rectified field: who, when, which field, the value before (D5, I4)."""

    patient = ForeignKeyField(Patient, backref="change_set", on_delete="CASCADE")
    changed_at = DateTimeField(default=utcnow)
    actor_id = IntegerField(null=True)
    actor_name = CharField(default="")
    field = CharField()
    old_value = TextField(default="")
    new_value = TextField(default="")

    class Meta:
        table_name = "patient_change"


class CareAssignment(BaseModel):
    """A practitioner in the patient's care team (A2), and how they joined it: who may read
    the care record without a reason is decided here, never by an appointment alone."""

    # Found through the (patient, practitioner) index below (migration 0018).
    patient = ForeignKeyField(Patient, backref="assignments", on_delete="CASCADE", index=False)
    practitioner = ForeignKeyField(User, on_delete="CASCADE", backref="assignments")
    created_at = DateTimeField(default=utcnow)
    source = CharField(default="assigned")  # one of care_team.SOURCES
    added_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    reason = CharField(default="")  # a care_team.REASONS key when joined under break-glass
    note = CharField(default="")

    class Meta:
        table_name = "care_assignment"
        indexes = ((("patient", "practitioner"), True),)


class PatientImport(BaseModel):
    """A file from the previous software waiting for the admin's decision: its cells and the
    columns' mapping, kept in the encrypted database (never on disk in clear) and erased
    once the import is done or abandoned. `status`: pending, done, abandoned."""

    ref = CharField(unique=True, default=new_ref)
    kind = CharField(default="patients")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    byte_count = IntegerField(default=0)
    encoding = CharField(default="")
    separator = CharField(default="")
    headers = TextField(default="[]")  # JSON list of the file's column names
    rows = TextField(default="[]")  # JSON list of rows (lists of cells)
    mapping = TextField(default="{}")  # JSON {column index: our field}
    status = CharField(default="pending")
    finished_at = DateTimeField(null=True)
    created_count = IntegerField(default=0)
    skipped_count = IntegerField(default=0)

    class Meta:
        table_name = "patient_import"

    @property
    def header_list(self) -> list[str]:
        return json.loads(self.headers)

    @property
    def row_list(self) -> list[list[str]]:
        return json.loads(self.rows)

    @property
    def mapping_dict(self) -> dict[int, str]:
        return {int(index): name for index, name in json.loads(self.mapping).items()}


class AccessNote(BaseModel):
    """How to reach the patient at home (administrative, §5 a–c): door code, key box, floor,
    parking, animal, whom to call. Each field bounded (X6); read by the secretary and the care
    team only, and every reading traced (patients/access_notes.py)."""

    patient = ForeignKeyField(Patient, unique=True, backref="access_notes", on_delete="CASCADE")
    door_code = CharField(default="")
    key_box = CharField(default="")
    floor = CharField(default="")
    parking = CharField(default="")
    animal = CharField(default="")
    contact = CharField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "access_note"


class CareGrant(BaseModel):
    """Care-team scope lent for a period (A2): a locum reads the patient's record as a member
    from `starts` to `ends` included, and not a day outside (care_team.is_member). Made by a
    handover (`handover_ref`: cabinet/handover, which sits above this domain)."""

    patient = ForeignKeyField(Patient, backref="care_grants", on_delete="CASCADE")
    grantee = ForeignKeyField(User, on_delete="CASCADE", backref="care_grants")
    granted_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    starts = DateField()
    ends = DateField()
    handover_ref = CharField(default="", index=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "care_grant"
        indexes = ((("grantee", "patient"), False),)

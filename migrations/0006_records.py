"""Care record: acts, versioned record items, lifestyle consent, care sessions and their
acts, care-sheet copies, receipts, care team and break-glass; patients' objection flag."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Patient(Model):
        class Meta:
            database = db
            table_name = "patient"

    class Act(Model):
        code = CharField(unique=True)
        label = CharField()
        fee = DecimalField(max_digits=8, decimal_places=2)
        insurer_rate = IntegerField(default=60)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "act"

    class RecordItem(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, backref="record_items", on_delete="CASCADE")
        kind = CharField()
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")

        class Meta:
            database = db
            table_name = "record_item"
            indexes = ((("patient", "kind"), False),)

    class RecordItemVersion(Model):
        item = ForeignKeyField(RecordItem, backref="versions", on_delete="CASCADE")
        number = IntegerField()
        label = CharField()
        value = DecimalField(max_digits=10, decimal_places=2, null=True)
        unit = CharField(default="")
        observed_on = DateField(null=True)
        note = CharField(default="")
        author = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        author_name = CharField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "record_item_version"
            indexes = ((("item", "number"), True),)

    class LifestyleConsent(Model):
        patient = ForeignKeyField(
            Patient, backref="lifestyle_consents", on_delete="CASCADE", unique=True
        )
        recorded_at = DateTimeField()
        recorded_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")

        class Meta:
            database = db
            table_name = "lifestyle_consent"

    class CareSession(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, backref="care_sessions", on_delete="CASCADE")
        practitioner = ForeignKeyField(User, on_delete="RESTRICT", backref="care_sessions")
        session_date = DateField()
        pain_score = IntegerField(null=True)
        range_of_motion = IntegerField(null=True)
        note = CharField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "care_session"
            indexes = ((("patient", "session_date"), False),)

    class SessionAct(Model):
        session = ForeignKeyField(CareSession, backref="acts", on_delete="CASCADE")
        act = ForeignKeyField(Act, on_delete="RESTRICT")
        quantity = IntegerField(default=1)
        fee = DecimalField(max_digits=8, decimal_places=2)

        class Meta:
            database = db
            table_name = "session_act"

    class CareSheet(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, backref="care_sheets", on_delete="CASCADE")
        session = ForeignKeyField(
            CareSession, null=True, backref="care_sheets", on_delete="SET NULL"
        )
        care_date = DateField()
        acts = TextField()
        total = DecimalField(max_digits=10, decimal_places=2)
        insurer_share = DecimalField(max_digits=10, decimal_places=2)
        patient_share = DecimalField(max_digits=10, decimal_places=2)
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "care_sheet"

    class Receipt(Model):
        ref = CharField(unique=True)
        patient = ForeignKeyField(Patient, null=True, backref="receipts", on_delete="SET NULL")
        patient_name = CharField(default="")
        session = ForeignKeyField(CareSession, null=True, backref="receipts", on_delete="SET NULL")
        received_on = DateField(index=True)
        act_codes = CharField()
        amount = DecimalField(max_digits=10, decimal_places=2)
        payment_mode = CharField()
        recorded_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "receipt"

    class CareAssignment(Model):
        patient = ForeignKeyField(Patient, backref="assignments", on_delete="CASCADE")
        practitioner = ForeignKeyField(User, on_delete="CASCADE", backref="assignments")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "care_assignment"
            indexes = ((("patient", "practitioner"), True),)

    class BreakGlass(Model):
        patient = ForeignKeyField(Patient, backref="break_glasses", on_delete="CASCADE")
        practitioner = ForeignKeyField(User, on_delete="CASCADE", backref="break_glasses")
        session_id = IntegerField()
        reason = CharField()
        note = CharField(default="")
        at = DateTimeField()

        class Meta:
            database = db
            table_name = "break_glass"
            indexes = ((("practitioner", "patient", "session_id"), False),)

    db.create_tables(
        [
            Act,
            RecordItem,
            RecordItemVersion,
            LifestyleConsent,
            CareSession,
            SessionAct,
            CareSheet,
            Receipt,
            CareAssignment,
            BreakGlass,
        ]
    )
    migrator.migrate(
        # I7: the patient objects to sharing their record within a group practice.
        migrator.add_column("patient", "objects_to_sharing", BooleanField(default=False)),
    )
    Act.insert_many(
        [
            {"code": "AMK 7", "label": "Rééducation (kinésithérapie), cotation 7", "fee": "15.05"},
            {"code": "AMK 8", "label": "Rééducation (kinésithérapie), cotation 8", "fee": "17.20"},
            {"code": "AMI 1", "label": "Acte infirmier, cotation 1", "fee": "3.15"},
            {
                "code": "AMI 4",
                "label": "Acte infirmier, cotation 4 (pansement lourd)",
                "fee": "12.60",
            },
            {"code": "IFD", "label": "Indemnité forfaitaire de déplacement", "fee": "2.75"},
            {"code": "AMO 12", "label": "Orthophonie, cotation 12", "fee": "31.20"},
            {"code": "G", "label": "Consultation de médecine générale", "fee": "30.00"},
        ]
    ).execute()

"""Governance (T5, A4, A5, G2): the breach register, why an account was disabled, the
annual review of accounts, the practice's confirmations of organisational measures."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
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

    class Incident(Model):
        ref = CharField(unique=True)
        discovered_at = DateTimeField(index=True)
        began_at = DateTimeField(null=True)
        noticed_by = CharField()
        natures = CharField()
        description = TextField()
        recorded_at = DateTimeField()
        recorded_by = ForeignKeyField(User, on_delete="RESTRICT", field=User.id)

        class Meta:
            database = db
            table_name = "incident"

    class IncidentUpdate(Model):
        incident = ForeignKeyField(Incident, on_delete="RESTRICT")
        recorded_at = DateTimeField()
        recorded_by = ForeignKeyField(User, on_delete="RESTRICT", field=User.id)
        persons_categories = TextField(null=True)
        persons_count = IntegerField(null=True)
        records_categories = TextField(null=True)
        records_count = IntegerField(null=True)
        consequences = TextField(null=True)
        measures_taken = TextField(null=True)
        measures_planned = TextField(null=True)
        cnil_required = BooleanField(null=True)
        cnil_reason = TextField(null=True)
        persons_required = BooleanField(null=True)
        persons_reason = TextField(null=True)
        notified_at = DateTimeField(null=True)
        notification_reference = CharField(null=True)
        delay_reason = TextField(null=True)
        persons_informed_on = DateField(null=True)

        class Meta:
            database = db
            table_name = "incident_update"

    class AccessReview(Model):
        ref = CharField(unique=True)
        signed_at = DateTimeField(index=True)
        signed_by = ForeignKeyField(User, on_delete="RESTRICT", field=User.id)
        signer_name = CharField()
        note = TextField(default="")

        class Meta:
            database = db
            table_name = "access_review"

    class AccessReviewLine(Model):
        review = ForeignKeyField(AccessReview, on_delete="CASCADE")
        account = ForeignKeyField(User, on_delete="RESTRICT", field=User.id)
        display_name = CharField()
        role = CharField()
        second_factors = IntegerField()
        last_used_at = DateTimeField(null=True)
        end_date = DateField(null=True)
        open_sessions = IntegerField()
        decision = CharField()

        class Meta:
            database = db
            table_name = "access_review_line"

    class MeasureConfirmation(Model):
        measure = CharField(index=True)
        item = IntegerField()
        confirmed_on = DateField()
        confirmed_by = ForeignKeyField(User, on_delete="RESTRICT", field=User.id)
        confirmer_name = CharField()

        class Meta:
            database = db
            table_name = "measure_confirmation"

    db.create_tables(
        [Incident, IncidentUpdate, AccessReview, AccessReviewLine, MeasureConfirmation]
    )
    migrator.migrate(
        migrator.add_column("user", "disabled_reason", CharField(default="")),
        migrator.add_column("user", "reenabled_at", DateTimeField(null=True)),
    )

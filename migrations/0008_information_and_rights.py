"""Notices printed, rights requests; patients' restriction and objection to reminders."""

from peewee import BooleanField, CharField, DateField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class NoticePrint(Model):
        kind = CharField()
        printed_at = DateTimeField()
        actor_id = IntegerField(null=True)
        actor_name = CharField(default="")
        appointment_ref = CharField(default="")

        class Meta:
            database = db
            table_name = "notice_print"

    class RightsRequest(Model):
        ref = CharField(unique=True)
        patient_ref = CharField(default="")
        requester = CharField()
        kind = CharField()
        received_on = DateField()
        identity_checked = BooleanField(default=False)
        old_information = BooleanField(default=False)
        earliest_on = DateField(null=True)
        due_on = DateField()
        status = CharField(default="open")
        answered_on = DateField(null=True)
        answer = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "rights_request"
            indexes = ((("status", "due_on"), False),)

    db.create_tables([NoticePrint, RightsRequest])
    migrator.migrate(
        migrator.add_column("patient", "restricted_at", DateTimeField(null=True)),
        migrator.add_column("patient", "objects_to_reminders", BooleanField(default=True)),
    )

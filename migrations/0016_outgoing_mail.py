"""E-mail reminders (issue 17; I7, T1): the outgoing mail queue. Each row says to whom,
when and with what outcome a message went, never its content (built at send time from the
appointment, so a moved or cancelled one is seen). `key` is unique: a reminder is queued
once per appointment, time and lead; `message_id` derives from it."""

from peewee import CharField, DateTimeField, IntegerField, Model


def up(migrator, db):
    class OutgoingMail(Model):
        key = CharField(unique=True)
        message_id = CharField(unique=True)
        kind = CharField()
        lead_hours = IntegerField(null=True)
        appointment_ref = CharField(default="")
        patient_ref = CharField(default="", index=True)
        recipient = CharField(default="")
        status = CharField(default="queued")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        last_error = CharField(default="")
        created_by_id = IntegerField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        sent_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "outgoing_mail"
            indexes = ((("status", "next_attempt_at"), False),)

    db.create_tables([OutgoingMail])

"""Accounts and the audit trace."""

import datetime

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class User(Model):
        login = CharField(unique=True)
        display_name = CharField()
        role = CharField()
        password_hash = CharField()
        must_change_password = BooleanField(default=False)
        end_date = DateField(null=True)
        disabled_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_login_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "user"

    class Trace(Model):
        seq = AutoField()
        at = DateTimeField()
        actor_id = IntegerField(null=True)
        actor_name = CharField(default="")
        role = CharField(default="")
        action = CharField()
        patient_ref = CharField(null=True)
        target = CharField(default="")
        detail = TextField(default="")
        client_address = CharField(default="")
        outcome = CharField(default="ok")
        seal = CharField(default="")

        class Meta:
            database = db
            table_name = "trace"
            indexes = (
                (("at",), False),
                (("patient_ref", "at"), False),
                (("actor_id", "at"), False),
                (("action", "at"), False),
            )

    db.create_tables([User, Trace])

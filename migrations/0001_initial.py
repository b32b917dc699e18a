"""Accounts and the audit trace."""

import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    IntegerField,
    Model,
    TextField,
)
from playhouse.sqlite_ext import AutoIncrementField


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
        seq = AutoIncrementField()
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
                (("patient_ref", "seq"), False),
                (("actor_id", "seq"), False),
                (("action", "seq"), False),
            )

    db.create_tables([User, Trace])

"""Accounts: one per person (S1), never deleted (A4), so their traces stay readable."""

import datetime
import secrets

from flask_login import UserMixin
from peewee import BooleanField, CharField, DateField, DateTimeField

from cabinet.db import BaseModel, utcnow


class User(UserMixin, BaseModel):
    ref = CharField(unique=True, default=lambda: secrets.token_urlsafe(16))
    login = CharField(unique=True)
    display_name = CharField()
    role = CharField()
    password_hash = CharField()
    must_change_password = BooleanField(default=False)
    end_date = DateField(null=True)  # a locum's last day; after it the account cannot log in
    disabled_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)
    locked_at = DateTimeField(null=True)  # after too many failures; the admin unlocks (S3)
    password_changed_at = DateTimeField(null=True)

    class Meta:
        table_name = "user"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and not self.is_expired()

    def is_expired(self, today: datetime.date | None = None) -> bool:
        today = today or datetime.date.today()
        return self.end_date is not None and self.end_date < today

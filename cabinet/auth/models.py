"""Accounts and what authenticates them: the user (one per person, S1; never deleted, A4, so
their traces stay readable), server-side sessions, login attempts, WebAuthn credentials and
challenges, recovery codes. `users/` manages accounts through this module."""

import datetime
import secrets

from flask_login import UserMixin
from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

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
    disabled_reason = CharField(default="")  # why, when the software disabled it (A4)
    reenabled_at = DateTimeField(null=True)  # the inactivity delay counts from here too
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

    @classmethod
    def all_by_name(cls):
        """Every account, the disabled ones last, by name (a query)."""
        return cls.select().order_by(cls.disabled_at.is_null(False), cls.display_name)

    def authenticators(self):
        """The user's WebAuthn credentials, oldest first (a query)."""
        return self.credentials.order_by(WebAuthnCredential.created_at)

    def open_sessions(self):
        """The account's sessions not revoked, latest activity first (a query)."""
        return self.sessions.where(UserSession.revoked_at.is_null()).order_by(
            UserSession.last_seen_at.desc()
        )


class UserSession(BaseModel):
    """One row per browser session. The cookie holds a random token; only its hash is stored."""

    token_hash = CharField(unique=True)
    user = ForeignKeyField(User, null=True, backref="sessions", on_delete="CASCADE")
    data = TextField(default="{}")  # Flask session dict as JSON: CSRF token, flashes, stage…
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    client_address = CharField(default="")
    user_agent = CharField(default="")
    revoked_at = DateTimeField(null=True)
    revoked_reason = CharField(default="")

    class Meta:
        table_name = "user_session"
        indexes = ((("user", "revoked_at"), False), (("last_seen_at",), False))


class LoginAttempt(BaseModel):
    """Each password attempt, keyed by a keyed hash of the typed login (existing or not)."""

    at = DateTimeField(default=utcnow)
    login_key = CharField()
    client_address = CharField(default="")
    outcome = CharField()  # "failure" | "success" | "unlock"

    class Meta:
        table_name = "login_attempt"
        indexes = ((("login_key", "at"), False), (("client_address", "at"), False))


class WebAuthnCredential(BaseModel):
    user = ForeignKeyField(User, backref="credentials", on_delete="CASCADE")
    credential_id = BlobField(unique=True)
    public_key = BlobField()
    sign_count = IntegerField(default=0)
    name = CharField()
    transports = CharField(default="")
    aaguid = CharField(default="")
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)

    class Meta:
        table_name = "webauthn_credential"


class WebAuthnChallenge(BaseModel):
    """Server-side, single use, short-lived: a replayed or stale challenge finds nothing here."""

    challenge = BlobField(unique=True)
    user = ForeignKeyField(User, backref="challenges", on_delete="CASCADE")
    session = ForeignKeyField(UserSession, on_delete="CASCADE")
    purpose = CharField()  # "register" | "authenticate"
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "webauthn_challenge"


class RecoveryCode(BaseModel):
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField()
    created_at = DateTimeField(default=utcnow)
    used_at = DateTimeField(null=True)
    is_current = BooleanField(default=True)

    class Meta:
        table_name = "recovery_code"

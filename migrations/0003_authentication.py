"""Settings, server-side sessions, login attempts, WebAuthn and recovery codes; user lock."""

import secrets

from peewee import (
    BlobField,
    BooleanField,
    CharField,
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

    class Setting(Model):
        key = CharField(primary_key=True)
        value = TextField()

        class Meta:
            database = db
            table_name = "setting"

    class UserSession(Model):
        token_hash = CharField(unique=True)
        user = ForeignKeyField(User, null=True, on_delete="CASCADE")
        data = TextField(default="{}")
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        client_address = CharField(default="")
        user_agent = CharField(default="")
        revoked_at = DateTimeField(null=True)
        revoked_reason = CharField(default="")

        class Meta:
            database = db
            table_name = "user_session"
            indexes = ((("user", "revoked_at"), False), (("last_seen_at",), False))

    class LoginAttempt(Model):
        at = DateTimeField()
        login_key = CharField()
        client_address = CharField(default="")
        outcome = CharField()

        class Meta:
            database = db
            table_name = "login_attempt"
            indexes = ((("login_key", "at"), False), (("client_address", "at"), False))

    class WebAuthnCredential(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        credential_id = BlobField(unique=True)
        public_key = BlobField()
        sign_count = IntegerField(default=0)
        name = CharField()
        transports = CharField(default="")
        aaguid = CharField(default="")
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "webauthn_credential"

    class WebAuthnChallenge(Model):
        challenge = BlobField(unique=True)
        user = ForeignKeyField(User, on_delete="CASCADE")
        session = ForeignKeyField(UserSession, on_delete="CASCADE")
        purpose = CharField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "webauthn_challenge"

    class RecoveryCode(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        code_hash = CharField()
        created_at = DateTimeField()
        used_at = DateTimeField(null=True)
        is_current = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "recovery_code"

    db.create_tables(
        [Setting, UserSession, LoginAttempt, WebAuthnCredential, WebAuthnChallenge, RecoveryCode]
    )
    migrator.migrate(
        migrator.add_column("user", "locked_at", DateTimeField(null=True)),
        migrator.add_column("user", "password_changed_at", DateTimeField(null=True)),
        migrator.add_column("user", "ref", CharField(null=True)),
    )
    # Accounts get an opaque reference for URLs, like patients.
    for (user_id,) in db.execute_sql("SELECT id FROM user").fetchall():
        db.execute_sql("UPDATE user SET ref = ? WHERE id = ?", (secrets.token_urlsafe(16), user_id))
    migrator.migrate(migrator.add_index("user", ("ref",), unique=True))

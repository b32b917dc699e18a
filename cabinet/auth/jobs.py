"""Housekeeping of authentication data: a plain function the scheduler will call daily."""

import datetime

from cabinet.auth.models import LoginAttempt, UserSession, WebAuthnChallenge
from cabinet.db import database, retrying

SESSION_KEPT = datetime.timedelta(days=2)  # after expiry or revocation
ATTEMPTS_KEPT = datetime.timedelta(days=2)  # the limits look back 24 hours at most


def run(now: datetime.datetime, session_lifetime: datetime.timedelta) -> dict:
    """Delete expired sessions, old login attempts and used or stale challenges (retried
    while the practice keeps the database busy)."""
    return retrying(lambda: _purge(now, session_lifetime))


def _purge(now: datetime.datetime, session_lifetime: datetime.timedelta) -> dict:
    with database.atomic():
        challenges = (
            WebAuthnChallenge.delete()
            .where(WebAuthnChallenge.used_at.is_null(False) | (WebAuthnChallenge.expires_at < now))
            .execute()
        )
        sessions = (
            UserSession.delete()
            .where(
                (UserSession.created_at < now - session_lifetime - SESSION_KEPT)
                | (UserSession.revoked_at < now - SESSION_KEPT)
            )
            .execute()
        )
        attempts = (
            LoginAttempt.delete()
            .where((LoginAttempt.at < now - ATTEMPTS_KEPT) & (LoginAttempt.outcome != "unlock"))
            .execute()
        )
    return {"sessions": sessions, "login_attempts": attempts, "challenges": challenges}

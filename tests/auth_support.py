"""Helpers shared by the session and WebAuthn tests: the session cookie and its row, the
idle clock, a user's authenticators, and how a refused ceremony answers."""

import datetime
import hashlib

from cabinet.db import utcnow
from tests.conftest import traces

COOKIE = "cabinet_session"
REFUSED_STATUS = 400


def session_token(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def with_cookie(app, value: str):
    """A brand-new browser that was handed someone's cookie value."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


def session_row(app, value: str):
    """The stored session a cookie value points to (read afresh), or None."""
    from cabinet.auth.models import UserSession

    with app.app_context():
        return UserSession.get_or_none(
            UserSession.token_hash == hashlib.sha256(value.encode()).hexdigest()
        )


def pretend_idle(client, minutes: float) -> None:
    """Pretend the user has not touched the page for `minutes`."""
    with client.session_transaction() as session:
        session["last_activity"] = (utcnow() - datetime.timedelta(minutes=minutes)).isoformat()


def credentials(app, username):
    """The account's authenticators as stored, oldest first."""
    from cabinet.auth.models import User, WebAuthnCredential

    with app.app_context():
        return list(
            WebAuthnCredential.select()
            .join(User)
            .where(User.login == username)
            .order_by(WebAuthnCredential.id)
        )


def refused(response, fragment: str):
    """A WebAuthn endpoint's refusal: 400, JSON status "error", the French message."""
    assert response.status_code == REFUSED_STATUS, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "error"
    assert fragment in body["message"], body


def failed_second_factors(app, username):
    from cabinet.auth.models import User

    with app.app_context():
        user_id = User.get(User.login == username).id
    return traces(app, action="auth.second_factor_failed", target=f"user:{user_id}")

"""Server-side sessions (S6, X3): the cookie carries a random token, the data stays in the
encrypted database, and a session is revoked by marking its row.

Only the SHA-256 of the token is stored, so a copy of the database does not
yield usable cookies. `rotate()` gives the session a new token at every step up
(password, second factor, unlock), which makes session fixation impossible.
"""

import datetime
import hashlib
import json
import secrets

from flask import Flask, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from cabinet.db import database, utcnow


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, row_id=None, last_seen_at=None):
        def on_update(_):
            self.modified = True

        super().__init__(initial, on_update)
        self.row_id = row_id
        self.last_seen_at = last_seen_at
        self.modified = False
        self.rotate_requested = False
        self.permanent = True


def start_afresh(session) -> None:
    """Forget the (revoked) row: whatever the session holds next goes into a new one."""
    session.clear()
    session.row_id = None
    session.rotate_requested = False


def rotate(session) -> None:
    """Give this session a new token at the end of the request (the old one stops working)."""
    session.rotate_requested = True
    session.modified = True


class ServerSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request_):
        from cabinet.auth.models import UserSession

        if not app.config.get("DATABASE_READY") or request_.endpoint == "static":
            return ServerSession()
        token = request_.cookies.get(app.config["SESSION_COOKIE_NAME"])
        if not token or len(token) > 100:
            return ServerSession()
        database.connect(reuse_if_open=True)
        row = UserSession.get_or_none(
            (UserSession.token_hash == token_hash(token)) & UserSession.revoked_at.is_null()
        )
        if row is None or self._expired(app, row):
            return ServerSession()
        return ServerSession(json.loads(row.data), row_id=row.id, last_seen_at=row.last_seen_at)

    @staticmethod
    def _expired(app: Flask, row) -> bool:
        lifetime = datetime.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
        return row.created_at + lifetime < utcnow()

    def save_session(self, app: Flask, session: ServerSession, response) -> None:
        from cabinet.auth.models import UserSession

        if not app.config.get("DATABASE_READY") or request.endpoint == "static":
            return
        name = app.config["SESSION_COOKIE_NAME"]
        if session.row_id is None and not session:
            return  # nothing worth a row: no cookie either
        now = utcnow()
        user_id = session.get("_user_id") or (session.get("pending") or {}).get("user_id")
        fields = {
            UserSession.data: json.dumps(dict(session)),
            UserSession.last_seen_at: now,
            UserSession.user: int(user_id) if user_id else None,
        }
        token = None
        with database.atomic():
            if session.row_id is None:
                token = secrets.token_urlsafe(32)
                UserSession.create(
                    token_hash=token_hash(token),
                    data=json.dumps(dict(session)),
                    user=int(user_id) if user_id else None,
                    client_address=request.remote_addr or "",
                    user_agent=(request.user_agent.string or "")[:200],
                )
            else:
                if session.rotate_requested:
                    token = secrets.token_urlsafe(32)
                    fields[UserSession.token_hash] = token_hash(token)
                UserSession.update(fields).where(UserSession.id == session.row_id).execute()
        if token is not None:
            response.set_cookie(
                name,
                token,
                httponly=True,
                # Over HTTPS always, whatever the setting: the token must never travel in clear.
                secure=app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
                samesite=app.config["SESSION_COOKIE_SAMESITE"],
                path="/",
            )


def revoke(
    row_id: int | None = None, user_id: int | None = None, reason: str = "", keep: int | None = None
) -> int:
    """Revoke one session, or all of a user's sessions (but `keep`). Returns how many."""
    from cabinet.auth.models import UserSession

    query = UserSession.update(revoked_at=utcnow(), revoked_reason=reason).where(
        UserSession.revoked_at.is_null()
    )
    if row_id is not None:
        query = query.where(UserSession.id == row_id)
    if user_id is not None:
        query = query.where(UserSession.user == user_id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return query.execute()


def init_app(app: Flask) -> None:
    app.session_interface = ServerSessionInterface()


def current_row_id() -> int | None:
    from flask import session

    return getattr(session, "row_id", None)


def idle_delay() -> datetime.timedelta:
    from cabinet import settings

    return datetime.timedelta(minutes=settings.get("idle_lock_minutes"))

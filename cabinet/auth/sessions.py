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
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict

from cabinet.auth.models import UserSession
from cabinet.db import database, fetch_one, utcnow

ANONYMOUS_COOKIE = "cabinet_visit"
# A session row is rewritten only when its data changed, or to note activity this often.
TOUCH_INTERVAL = datetime.timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, row_id=None, last_seen_at=None):
        def on_update(_):
            self.modified = True

        super().__init__(initial, on_update)
        self.row_id = row_id
        self.last_seen_at = last_seen_at
        self.rotate_requested = False
        self.permanent = True  # writes "_permanent" into the dict, hence `modified` after it
        # Freshly read is not modified: the row is rewritten only when the data changes or
        # every TOUCH_INTERVAL (issue 20: it was rewritten on every request, taking the
        # database's write lock for each page view).
        self.modified = False


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
    """Signed-in and pending sessions live in the database; an anonymous visitor's (its CSRF
    token, a flash) in a signed cookie, so a page view before any login stores nothing."""

    def open_session(self, app: Flask, request_):
        if not app.config.get("DATABASE_READY") or request_.endpoint == "static":
            return ServerSession()
        token = request_.cookies.get(app.config["SESSION_COOKIE_NAME"])
        if token and len(token) <= 100:
            database.connect(reuse_if_open=True)
            row = fetch_one(
                UserSession, '"token_hash" = ? AND "revoked_at" IS NULL', token_hash(token)
            )
            if row is not None and not self._expired(app, row):
                return ServerSession(
                    json.loads(row.data), row_id=row.id, last_seen_at=row.last_seen_at
                )
        return ServerSession(self._anonymous_data(app, request_))

    @staticmethod
    def _expired(app: Flask, row) -> bool:
        lifetime = datetime.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
        return row.created_at + lifetime < utcnow()

    @staticmethod
    def _serializer(app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key, salt="cabinet anonymous session")

    def _anonymous_data(self, app: Flask, request_) -> dict:
        value = request_.cookies.get(ANONYMOUS_COOKIE)
        if not value or len(value) > 4000:
            return {}
        try:
            data = self._serializer(app).loads(
                value, max_age=app.config["PERMANENT_SESSION_LIFETIME"]
            )
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def _cookie(self, app: Flask, response, name: str, value: str | None) -> None:
        if value is None:
            response.delete_cookie(name, path="/")
            return
        response.set_cookie(
            name,
            value,
            httponly=True,
            secure=app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
            samesite=app.config["SESSION_COOKIE_SAMESITE"],
            path="/",
        )

    def save_session(self, app: Flask, session: ServerSession, response) -> None:
        if not app.config.get("DATABASE_READY") or request.endpoint == "static":
            return
        name = app.config["SESSION_COOKIE_NAME"]
        user_id = session.get("_user_id") or (session.get("pending") or {}).get("user_id")
        if session.row_id is None and not user_id:
            # Nobody has signed in: no row; the little there is travels signed in a cookie.
            if session:
                if session.modified or ANONYMOUS_COOKIE not in request.cookies:
                    self._cookie(
                        app, response, ANONYMOUS_COOKIE, self._serializer(app).dumps(dict(session))
                    )
            elif ANONYMOUS_COOKIE in request.cookies:
                self._cookie(app, response, ANONYMOUS_COOKIE, None)
            if name in request.cookies:
                self._cookie(app, response, name, None)  # a revoked or expired token
            return
        now = utcnow()
        recently_seen = session.last_seen_at and now - session.last_seen_at < TOUCH_INTERVAL
        if session.row_id is not None and not session.modified and recently_seen:
            return  # nothing new: no write at all
        token = None
        data = json.dumps(dict(session))
        with database.atomic():
            if session.row_id is None:
                token = secrets.token_urlsafe(32)
                UserSession.create(
                    token_hash=token_hash(token),
                    data=data,
                    user=int(user_id),
                    client_address=request.remote_addr or "",
                    user_agent=(request.user_agent.string or "")[:200],
                )
            else:
                fields = {
                    UserSession.data: data,
                    UserSession.last_seen_at: now,
                    UserSession.user: int(user_id) if user_id else None,
                }
                if session.rotate_requested:
                    token = secrets.token_urlsafe(32)
                    fields[UserSession.token_hash] = token_hash(token)
                UserSession.update(fields).where(UserSession.id == session.row_id).execute()
        if token is not None:
            self._cookie(app, response, name, token)
            if ANONYMOUS_COOKIE in request.cookies:
                self._cookie(app, response, ANONYMOUS_COOKIE, None)


def revoke(
    row_id: int | None = None, user_id: int | None = None, reason: str = "", keep: int | None = None
) -> int:
    """Revoke one session, or all of a user's sessions (but `keep`). Returns how many."""
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

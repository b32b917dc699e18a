"""Authentication: passwords, (later) lockout, WebAuthn, recovery codes, session lock."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from cabinet.auth import views  # noqa: E402,F401

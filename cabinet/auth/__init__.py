"""Authentication: passwords (CNIL policy), attempt limits, WebAuthn second factor,
recovery codes, server-side sessions and the idle lock."""

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask_login import LoginManager, current_user

from cabinet import htmx
from cabinet.db import fetch_one
from cabinet.urls import local_path

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

from cabinet.auth import services, sessions, views, views_security, views_webauthn  # noqa: E402
from cabinet.auth.models import User  # noqa: E402


@login_manager.user_loader
def _load_user(user_id: str):
    """The signed-in account, while it may still be used (not disabled, expired or locked)."""
    user = fetch_one(User, '"id" = ?', int(user_id))
    return user if user is not None and user.is_active and user.locked_at is None else None


def _enforce_idle_lock():
    """S6: past the idle delay every request but unlock/logout gets the lock screen."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "allowed_when_locked", False) or not services.lock_if_idle():
        return None
    if not request.htmx:
        if request.method == "GET":
            session["resume_url"] = request.full_path.rstrip("?")
        return redirect(url_for("auth.lock"))
    if request.htmx.current_url:
        # Back to the page the user was on, not to the fragment the page was asking for.
        session["resume_url"] = local_path(urlsplit(request.htmx.current_url).path)
    return htmx.redirect_away(url_for("auth.lock"))


def init_app(app: Flask) -> None:
    """Server-side sessions and the account loader; the idle lock runs after the access check
    (its hook is added after security's)."""
    sessions.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    app.before_request(_enforce_idle_lock)


__all__ = ["bp", "init_app", "login_manager", "views", "views_security", "views_webauthn"]

"""Authentication: passwords (CNIL policy), attempt limits, WebAuthn second factor,
recovery codes, server-side sessions and the idle lock."""

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask_login import current_user

from cabinet import htmx
from cabinet.urls import local_path

bp = Blueprint("auth", __name__)

from cabinet.auth import services, sessions, views, views_security, views_webauthn  # noqa: E402


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
    sessions.init_app(app)
    app.before_request(_enforce_idle_lock)


__all__ = ["bp", "init_app", "views", "views_security", "views_webauthn"]

"""Authentication: passwords (CNIL policy), attempt limits, WebAuthn second factor,
recovery codes, server-side sessions and the idle lock."""

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask_login import current_user

from cabinet.urls import local_path

bp = Blueprint("auth", __name__)

from cabinet.auth import views, views_security, views_webauthn  # noqa: E402,F401


def _enforce_idle_lock():
    """S6: past the idle delay every request but unlock/logout gets the lock screen."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    from cabinet.auth import services

    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "allowed_when_locked", False):
        return None
    if not services.lock_if_idle():
        return None
    is_htmx = request.headers.get("HX-Request") == "true"
    if request.method == "GET" and not is_htmx:
        session["resume_url"] = request.full_path.rstrip("?")
    elif is_htmx and request.headers.get("HX-Current-URL"):
        # Back to the page the user was on, not to the fragment the page was asking for.
        from urllib.parse import urlsplit

        current = urlsplit(request.headers["HX-Current-URL"])
        session["resume_url"] = local_path(current.path)
    if is_htmx:
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = url_for("auth.lock")
        return response
    return redirect(url_for("auth.lock"))


def init_app(app: Flask) -> None:
    from cabinet.auth import sessions

    sessions.init_app(app)
    app.before_request(_enforce_idle_lock)

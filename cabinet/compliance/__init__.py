"""Continuity (X2, X8): backups tested by a restore, restore, maintenance log, full export
and secure wipe; the admin's page "Sauvegardes et continuité"."""

from flask import Blueprint, current_app, render_template, request

from cabinet.compliance import locks
from cabinet.security import declare

bp = Blueprint("compliance", __name__)
declare(bp, "settings.manage")


@bp.before_app_request
def _hold_instance():
    """Every serving process holds the instance (shared) from its first request, so a
    restore in place or a wipe is refused while it runs; while one of them runs, pages
    answer 503 (the process cannot take its share)."""
    if request.endpoint == "static" or not current_app.config.get("DATABASE_READY"):
        return None
    if locks.hold_serving(current_app._get_current_object()):
        return None
    return render_template("compliance/unavailable.html"), 503


from cabinet.compliance import views  # noqa: E402,F401

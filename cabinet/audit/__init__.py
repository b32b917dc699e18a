"""Audit trail: `trace()` for every domain; sealed chain, verification, viewer, retention.

This package imports no domain: it knows patients only by their opaque ref, and
the list of accounts for its filter is handed to it by `create_app`.
"""

from flask import Blueprint

from cabinet.audit.services import trace
from cabinet.security import declare

bp = Blueprint("audit", __name__)
declare(bp, "audit.read")

from cabinet.audit import views  # noqa: E402,F401

__all__ = ["bp", "trace"]

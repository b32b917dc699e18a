"""Retention (R1–R8): policy, archive, end of life, purges, the nightly job and its pages."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("retention", __name__)
declare(bp, "archive.read")

from cabinet.retention import views  # noqa: E402,F401

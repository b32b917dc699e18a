"""Accounts and their lifecycle (S1, A4, A7): admin-only pages."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("users", __name__)
declare(bp, "users.manage")

from cabinet.users import views  # noqa: E402,F401

"""The signed-in user's home page: what their role can do today."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("home", __name__)
declare(bp, None)  # any signed-in user

from cabinet.home import views  # noqa: E402,F401

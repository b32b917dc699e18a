"""The signed-in home page."""

import datetime

from flask import render_template
from flask_login import current_user

from cabinet.home import bp, services


@bp.route("/")
def index():
    """Home page with the actions of the user's role. Any signed-in user."""
    today = datetime.date.today()
    page = services.home_page(current_user, today)
    return render_template("home/index.html", today=today, **page)

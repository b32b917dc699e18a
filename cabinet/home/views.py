from flask import render_template

from cabinet.home import bp


@bp.route("/")
def index():
    """Home page with the actions of the user's role. Any signed-in user."""
    return render_template("home/index.html")

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user, logout_user

from cabinet.auth import bp, services
from cabinet.auth.forms import LoginForm
from cabinet.security import authenticated, public


@bp.route("/connexion", methods=["GET", "POST"])
@public
def login():
    """Password login. Everyone."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data)
        except services.LoginRefused as refused:
            error = str(refused)
        else:
            login_user(user)
            return redirect(url_for("home.index"))
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/deconnexion", methods=["POST"])
@authenticated
def logout():
    """End the session. Any signed-in user."""
    services.logout(current_user)
    logout_user()
    flash("Vous êtes déconnecté.")
    return redirect(url_for("auth.login"))

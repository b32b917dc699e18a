"""Login journey, second factor, idle lock, and the user's own security page."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from cabinet.auth import bp, recovery, services
from cabinet.auth.forms import ChangePasswordForm, LoginForm, RecoveryForm, UnlockForm
from cabinet.auth.sessions import revoke, start_afresh
from cabinet.security import allowed_when_locked, authenticated, pending, public
from cabinet.urls import local_path


def _continue(user):
    """Send a pending user to their next step, or finish the login."""
    step = services.next_step(user)
    if step == "complete":
        services.complete_login(user, "mot de passe (second facteur non exigé pour ce rôle)")
        return redirect(url_for("home.index"))
    return redirect(url_for(step))


@bp.route("/connexion", methods=["GET", "POST"])
@public
def login():
    """Password step. Everyone."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.check_password(form.login.data, form.password.data)
        except services.LoginRefused as refused:
            error = str(refused)
        else:
            services.start_pending(user)
            return _continue(user)
    from cabinet import settings

    return render_template(
        "auth/login.html",
        form=form,
        error=error,
        retention_days=settings.get("trace_retention_days"),
    ), 200 if error is None else 401


@bp.route("/deconnexion", methods=["POST"])
@pending
@allowed_when_locked
def logout():
    """End the session (also from the lock screen, or half-way through login). Any user."""
    if current_user.is_authenticated:
        services.logout(current_user)
    else:
        revoke(row_id=services.session_row(), reason="connexion abandonnée")
    logout_user()
    start_afresh(session)
    flash("Vous êtes déconnecté.")
    return redirect(url_for("auth.login"))


@bp.route("/politique-utilisation")
@public
def usage_policy():
    """What is traced and for how long, and the rules of use (T3). Everyone."""
    from cabinet import settings

    return render_template(
        "auth/usage_policy.html", retention_days=settings.get("trace_retention_days")
    )


def _step_user(step: str):
    """The pending user if `step` is the one due now; else a redirect to where they belong."""
    if current_user.is_authenticated:
        return None, redirect(url_for("home.index"))
    user = services.pending_user()
    if user is None:
        return None, redirect(url_for("auth.login"))
    due = services.next_step(user)
    if due != step:
        return None, _continue(user)
    return user, None


def _journey_user():
    """The user going through the login journey, or the signed-in user."""
    if current_user.is_authenticated:
        return current_user
    return services.pending_user()


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@pending
def change_password():
    """Choose a new password (forced after a reset or a first login). Pending or signed-in user."""
    user = _journey_user()
    if user is None:
        return redirect(url_for("auth.login"))
    form = ChangePasswordForm()
    problems = []
    if form.validate_on_submit():
        problems = services.password_problems(user, form.password.data, form.confirmation.data)
        if not problems:
            services.change_password(user, form.password.data)
            flash("Mot de passe modifié.")
            if current_user.is_authenticated:
                return redirect(url_for("auth.security"))
            return _continue(user)
    status = 200 if request.method == "GET" else 422
    return render_template(
        "auth/change_password.html",
        form=form,
        problems=problems,
        forced=user.must_change_password,
        minimum=services.minimum_bits(),
    ), status


@bp.route("/mot-de-passe/verifier", methods=["POST"])
@pending
def check_password():
    """Say what the typed password lacks, as you type (same rule as on submit). Journey users."""
    user = _journey_user()
    if user is None:
        return "", 204
    form = ChangePasswordForm()
    password = form.password.data or ""
    problems = services.password_problems(user, password) if password else []
    from cabinet.auth.policy import entropy_bits

    return render_template(
        "auth/_password_feedback.html",
        problems=problems,
        bits=entropy_bits(password),
        minimum=services.minimum_bits(),
        typed=bool(password),
    )


@bp.route("/second-facteur")
@pending
def second_factor():
    """Touch the authenticator (WebAuthn). Pending user with an authenticator."""
    user, elsewhere = _step_user("auth.second_factor")
    if elsewhere:
        return elsewhere
    return render_template("auth/second_factor.html", user=user)


@bp.route("/code-de-secours", methods=["GET", "POST"])
@pending
def recovery_code():
    """Log in with a one-time recovery code instead of the authenticator. Pending user."""
    user, elsewhere = _step_user("auth.second_factor")
    if elsewhere:
        return elsewhere
    form = RecoveryForm()
    error = None
    if form.validate_on_submit():
        if services.use_recovery_code(user, form.code.data):
            services.complete_login(user, "code de secours")
            left = recovery.remaining(user)
            flash(
                f"Code de secours utilisé : il vous en reste {left}. "
                "Pensez à enregistrer un nouvel authentificateur ou à régénérer vos codes."
            )
            return redirect(url_for("auth.security"))
        error = "Code invalide ou déjà utilisé."
    return render_template("auth/recovery.html", form=form, error=error), 200 if not error else 401


@bp.route("/enregistrement")
@pending
def enrol():
    """Register a first authenticator; nothing else is reachable before. Pending user."""
    user, elsewhere = _step_user("auth.enrol")
    if elsewhere:
        return elsewhere
    from cabinet.auth.forms import AuthenticatorNameForm

    return render_template("auth/enrol.html", user=user, form=AuthenticatorNameForm())


@bp.route("/codes-de-secours")
@authenticated
def recovery_codes():
    """Show freshly generated recovery codes, once. Signed-in user."""
    codes = session.pop("fresh_recovery_codes", None)
    if not codes:
        return redirect(url_for("auth.security"))
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/verrou")
@authenticated
@allowed_when_locked
def lock():
    """Lock screen: unlock with the authenticator or the password. The signed-in user.

    The page comes here by itself when its own idle timer fires (`?retour=` says where it
    was); the server applies its own rule at the same moment."""
    back = local_path(request.args.get("retour"))
    if not services.lock_if_idle():
        return redirect(back or url_for("home.index"))
    if back:
        session.setdefault("resume_url", back)
    return render_template("auth/lock.html", form=UnlockForm())


@bp.route("/verrou/mot-de-passe", methods=["POST"])
@authenticated
@allowed_when_locked
def unlock_password():
    """Unlock with the password (same attempt limits as a login). The signed-in user."""
    form = UnlockForm()
    error = "Mot de passe incorrect."
    if form.validate_on_submit():
        try:
            if services.check_unlock_password(current_user, form.password.data):
                services.unlock(current_user, "mot de passe")
                return redirect(_resume_url())
        except services.LoginRefused as refused:
            error = str(refused)
    return render_template("auth/lock.html", form=form, error=error), 401


def _resume_url() -> str:
    return local_path(session.pop("resume_url", None)) or url_for("home.index")


@bp.route("/activite", methods=["POST"])
@authenticated
def keepalive():
    """The page reports user activity (typing, touching) so the server lock follows it."""
    return "", 204

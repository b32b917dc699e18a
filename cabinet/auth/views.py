"""Login journey, second factor, idle lock, confirmation of identity."""

from functools import wraps

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from cabinet import settings
from cabinet.auth import bp, recovery, services
from cabinet.auth.forms import (
    AuthenticatorNameForm,
    ChangePasswordForm,
    LoginForm,
    RecoveryForm,
    UnlockForm,
)
from cabinet.auth.policy import entropy_bits
from cabinet.auth.sessions import start_afresh
from cabinet.security import allowed_when_locked, authenticated, pending, public
from cabinet.urls import local_path


def _continue(user):
    """Send a pending user to their next step, or finish the login."""
    step = services.next_step(user)
    if step == "complete":
        services.complete_login(user, "mot de passe (second facteur non exigé pour ce rôle)")
        return redirect(url_for("home.index"))
    return redirect(url_for(step))


def _due(step: str):
    """The pending user if `step` is the one due now; otherwise the request ends with a
    redirect to where the journey really is (every step checks it, S5)."""
    if current_user.is_authenticated:
        abort(redirect(url_for("home.index")))
    user = services.pending_user()
    if user is None:
        abort(redirect(url_for("auth.login")))
    if services.next_step(user) != step:
        abort(_continue(user))
    return user


def confirmation_required(as_json: bool = False):
    """The answer to a security change without a recent proof of identity (S5)."""
    if as_json or request.is_json:
        response = jsonify(
            status="error",
            message="Confirmez d'abord votre identité.",
            next=url_for("auth.reauthenticate"),
        )
        response.status_code = 403
        return response
    flash("Confirmez votre identité pour modifier vos réglages de sécurité.", "error")
    back = request.path if request.method == "GET" else url_for("auth.security")
    return redirect(url_for("auth.reauthenticate", retour=back))


def recent_authentication(view):
    """Changing what protects the account needs a fresh proof of identity (S5)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not services.recently_authenticated():
            return confirmation_required()
        return view(*args, **kwargs)

    return wrapper


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
    services.logout(current_user)
    logout_user()
    start_afresh(session)
    flash("Vous êtes déconnecté.")
    return redirect(url_for("auth.login"))


@bp.route("/politique-utilisation")
@public
def usage_policy():
    """What is traced and for how long, and the rules of use (T3). Everyone."""
    return render_template(
        "auth/usage_policy.html", retention_days=settings.get("trace_retention_days")
    )


def _password_changer():
    """A pending user whose forced change is due, or a signed-in user who confirmed their
    identity recently; nobody else reaches the password form."""
    if current_user.is_authenticated:
        return current_user
    return _due("auth.change_password")


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@pending
def change_password():
    """Choose a new password: forced after a reset or a first login (pending user at that
    step), or by choice (signed-in user, identity confirmed recently)."""
    if current_user.is_authenticated and not services.recently_authenticated():
        return confirmation_required()
    user = _password_changer()
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
    """Say what the typed password lacks, as you type (the submit's rule, without comparing
    with the current password). Same users as the password form."""
    user = _password_changer()
    password = ChangePasswordForm().password.data or ""
    return render_template(
        "auth/_password_feedback.html",
        problems=services.password_problems(user, password, compare_current=False)
        if password
        else [],
        bits=entropy_bits(password),
        minimum=services.minimum_bits(),
        typed=bool(password),
    )


@bp.route("/second-facteur")
@pending
def second_factor():
    """Touch the authenticator (WebAuthn). Pending user with an authenticator."""
    return render_template("auth/second_factor.html", user=_due("auth.second_factor"))


@bp.route("/code-de-secours", methods=["GET", "POST"])
@pending
def recovery_code():
    """Log in with a one-time recovery code instead of the authenticator, under the
    attempt limits of a password. Pending user."""
    user = _due("auth.second_factor")
    form = RecoveryForm()
    error = None
    if form.validate_on_submit():
        try:
            accepted = services.use_recovery_code(user, form.code.data)
        except services.LoginRefused as refused:
            error = str(refused)
        else:
            if accepted:
                services.complete_login(user, "code de secours")
                flash(
                    f"Code de secours utilisé : il vous en reste {recovery.remaining(user)}. "
                    "Pensez à enregistrer un nouvel authentificateur ou à régénérer vos codes."
                )
                return redirect(url_for("auth.security"))
            error = "Code invalide ou déjà utilisé."
        if services.pending_user() is None:
            # The limit locked the account: the journey ends here.
            flash(error, "error")
            return redirect(url_for("auth.login"))
    return render_template("auth/recovery.html", form=form, error=error), 200 if not error else 401


@bp.route("/enregistrement")
@pending
def enrol():
    """Register a first authenticator; nothing else is reachable before. Pending user."""
    user = _due("auth.enrol")
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
            if services.confirm_with_password(current_user, form.password.data, "déverrouillage"):
                services.unlock(current_user, "mot de passe")
                return redirect(resume_url())
        except services.LoginRefused as refused:
            error = str(refused)
    return render_template("auth/lock.html", form=form, error=error), 401


def resume_url() -> str:
    return local_path(session.pop("resume_url", None)) or url_for("home.index")


@bp.route("/confirmer-identite", methods=["GET", "POST"])
@authenticated
def reauthenticate():
    """Confirm who you are (authenticator or password) before changing your password or
    second factors. The signed-in user."""
    back = local_path(request.args.get("retour")) or url_for("auth.security")
    form = UnlockForm()
    error = None
    if form.validate_on_submit():
        try:
            if services.confirm_with_password(current_user, form.password.data):
                services.confirm_identity(current_user, "mot de passe")
                return redirect(back)
            error = "Mot de passe incorrect."
        except services.LoginRefused as refused:
            error = str(refused)
    session["reauth_back"] = back
    status = 200 if request.method == "GET" else 401
    return render_template("auth/reauthenticate.html", form=form, error=error, back=back), status


@bp.route("/activite", methods=["POST"])
@authenticated
def keepalive():
    """The page reports user activity (typing, touching) so the server lock follows it."""
    return "", 204

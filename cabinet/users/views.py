"""Admin pages for accounts and security settings (A7: admin only)."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from cabinet import settings
from cabinet.auth.models import User
from cabinet.forms import FrenchForm
from cabinet.users import bp, services
from cabinet.users.forms import AccountForm, NewAccountForm, SecuritySettingsForm


def _account_page(user: User, form: AccountForm, password: str | None = None) -> str:
    return render_template(
        "users/show.html",
        user=user,
        form=form,
        password=password,
        sessions=list(user.open_sessions()),
        action_form=FrenchForm(),
    )


def _act(user_ref: str, action, done: str):
    """Run one of the admin's actions on an account (`action(user, actor)`), say how it went
    and go back to the account's page."""
    user = User.get_or_404(User.ref == user_ref)
    if not FrenchForm().validate_on_submit():
        abort(400)
    try:
        result = action(user, current_user)
    except services.AccountError as refused:
        flash(str(refused), "error")
    else:
        flash(done)
        if isinstance(result, str):  # a password reset: the one-time password, shown once
            session["fresh_password"] = {"ref": user.ref, "password": result}
    return redirect(url_for("users.show", user_ref=user.ref))


@bp.route("/")
def index():
    """Every account with its role, state, last use and end date. Admin."""
    return render_template("users/index.html", users=list(User.all_by_name()))


@bp.route("/nouveau", methods=["GET", "POST"])
def new():
    """Create an account with a one-time password shown once. Admin."""
    form = NewAccountForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_with_one_time_password(
                current_user,
                form.login.data,
                form.role.data,
                form.display_name.data,
                form.end_date.data,
            )
        except services.AccountError as refused:
            form.login.errors.append(str(refused))
        else:
            session["fresh_password"] = {"ref": user.ref, "password": password}
            return redirect(url_for("users.show", user_ref=user.ref))
    return render_template("users/new.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/<user_ref>")
def show(user_ref):
    """An account: details, active sessions, and the admin's actions. Admin."""
    user = User.get_or_404(User.ref == user_ref)
    fresh = session.pop("fresh_password", None)
    password = fresh["password"] if fresh and fresh["ref"] == user.ref else None
    return _account_page(user, AccountForm(obj=user), password)


@bp.route("/<user_ref>/modifier", methods=["POST"])
def edit(user_ref):
    """Change name, role or end date (a role change closes the account's sessions). Admin."""
    user = User.get_or_404(User.ref == user_ref)
    form = AccountForm()
    if not form.validate_on_submit():
        return _account_page(user, form), 422
    try:
        changed = services.update(
            user, current_user, form.display_name.data, form.role.data, form.end_date.data
        )
    except services.AccountError as refused:
        flash(str(refused), "error")
    else:
        flash("Compte modifié." if changed else "Aucune modification.")
    return redirect(url_for("users.show", user_ref=user.ref))


@bp.route("/<user_ref>/desactiver", methods=["POST"])
def disable(user_ref):
    """Disable an account (never deleted: its traces stay readable). Admin."""
    return _act(user_ref, services.disable, "Compte désactivé.")


@bp.route("/<user_ref>/reactiver", methods=["POST"])
def enable(user_ref):
    """Re-enable a disabled account. Admin."""
    return _act(user_ref, services.enable, "Compte réactivé.")


@bp.route("/<user_ref>/mot-de-passe", methods=["POST"])
def reset_password(user_ref):
    """Issue a one-time password; the user must choose a new one at next login. Admin."""
    done = "Mot de passe réinitialisé : transmettez-le à la personne en main propre."
    return _act(user_ref, services.reset_password, done)


@bp.route("/<user_ref>/authentificateurs", methods=["POST"])
def reset_authenticators(user_ref):
    """Remove all authenticators: the user enrols again at next login. Admin."""
    done = "Authentificateurs supprimés : un nouvel enregistrement sera demandé."
    return _act(user_ref, services.reset_authenticators, done)


@bp.route("/<user_ref>/deverrouiller", methods=["POST"])
def unlock(user_ref):
    """Unlock an account locked after too many failures. Admin."""
    return _act(user_ref, services.unlock, "Compte déverrouillé.")


@bp.route("/<user_ref>/sessions/<int:session_id>/revoquer", methods=["POST"])
def revoke_session(user_ref, session_id):
    """Close one of the account's sessions at once. Admin."""
    close = partial(services.revoke_session, session_id=session_id)
    return _act(user_ref, close, "Session fermée.")


@bp.route("/parametres-securite", methods=["GET", "POST"])
def security_settings():
    """Idle delay, password requirement, trace retention, shared record, second-factor
    exemption. Admin."""
    form = SecuritySettingsForm()
    if form.validate_on_submit():
        changed = services.save_security_settings(current_user, form.values())
        flash("Paramètres enregistrés." if changed else "Aucune modification.")
        return redirect(url_for("users.security_settings"))
    exempt = settings.get("secretary_second_factor_exempt")
    page = render_template("users/security_settings.html", form=form, exempt=exempt)
    return page, 200 if request.method == "GET" else 422

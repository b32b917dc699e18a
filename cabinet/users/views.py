"""Admin pages for accounts and security settings (A7: admin only)."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from cabinet import settings
from cabinet.auth import models as auth_models  # module import: auth.models imports users
from cabinet.auth.models import User
from cabinet.forms import FrenchForm
from cabinet.users import bp, services
from cabinet.users.forms import AccountForm, NewAccountForm, SecuritySettingsForm


def get_user_or_404(user_ref: str) -> User:
    user = User.get_or_none(User.ref == user_ref)
    if user is None:
        abort(404)
    return user


@bp.route("/")
def index():
    """Every account with its role, state, last use and end date. Admin."""
    users = User.select().order_by(User.disabled_at.is_null(False), User.display_name)
    return render_template("users/index.html", users=list(users))


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
    user = get_user_or_404(user_ref)
    fresh = session.pop("fresh_password", None)
    password = fresh["password"] if fresh and fresh["ref"] == user.ref else None
    sessions = (
        auth_models.UserSession.select()
        .where(
            (auth_models.UserSession.user == user.id) & auth_models.UserSession.revoked_at.is_null()
        )
        .order_by(auth_models.UserSession.last_seen_at.desc())
    )
    form = AccountForm(obj=user)
    return render_template(
        "users/show.html",
        user=user,
        form=form,
        password=password,
        sessions=list(sessions),
        action_form=FrenchForm(),
    )


@bp.route("/<user_ref>/modifier", methods=["POST"])
def edit(user_ref):
    """Change name, role or end date (a role change closes the account's sessions). Admin."""
    user = get_user_or_404(user_ref)
    form = AccountForm()
    if form.validate_on_submit():
        try:
            changed = services.update(
                user,
                current_user,
                form.display_name.data.strip(),
                form.role.data,
                form.end_date.data,
            )
        except services.AccountError as refused:
            flash(str(refused), "error")
        else:
            flash("Compte modifié." if changed else "Aucune modification.")
        return redirect(url_for("users.show", user_ref=user.ref))
    return render_template(
        "users/show.html",
        user=user,
        form=form,
        password=None,
        sessions=[],
        action_form=FrenchForm(),
    ), 422


def _action(user_ref, do, done_message):
    user = get_user_or_404(user_ref)
    if not FrenchForm().validate_on_submit():
        abort(400)
    try:
        result = do(user)
    except services.AccountError as refused:
        flash(str(refused), "error")
    else:
        flash(done_message)
        if isinstance(result, str):
            session["fresh_password"] = {"ref": user.ref, "password": result}
    return redirect(url_for("users.show", user_ref=user.ref))


@bp.route("/<user_ref>/desactiver", methods=["POST"])
def disable(user_ref):
    """Disable an account (never deleted: its traces stay readable). Admin."""
    return _action(user_ref, lambda u: services.disable(u, current_user), "Compte désactivé.")


@bp.route("/<user_ref>/reactiver", methods=["POST"])
def enable(user_ref):
    """Re-enable a disabled account. Admin."""
    return _action(user_ref, lambda u: services.enable(u, current_user), "Compte réactivé.")


@bp.route("/<user_ref>/mot-de-passe", methods=["POST"])
def reset_password(user_ref):
    """Issue a one-time password; the user must choose a new one at next login. Admin."""
    return _action(
        user_ref,
        lambda u: services.reset_password(u, current_user),
        "Mot de passe réinitialisé : transmettez-le à la personne en main propre.",
    )


@bp.route("/<user_ref>/authentificateurs", methods=["POST"])
def reset_authenticators(user_ref):
    """Remove all authenticators: the user enrols again at next login. Admin."""
    return _action(
        user_ref,
        lambda u: services.reset_authenticators(u, current_user),
        "Authentificateurs supprimés : un nouvel enregistrement sera demandé.",
    )


@bp.route("/<user_ref>/deverrouiller", methods=["POST"])
def unlock(user_ref):
    """Unlock an account locked after too many failures. Admin."""
    return _action(user_ref, lambda u: services.unlock(u, current_user), "Compte déverrouillé.")


@bp.route("/<user_ref>/sessions/<int:session_id>/revoquer", methods=["POST"])
def revoke_session(user_ref, session_id):
    """Close one of the account's sessions at once. Admin."""
    return _action(
        user_ref, lambda u: services.revoke_session(u, session_id, current_user), "Session fermée."
    )


@bp.route("/parametres-securite", methods=["GET", "POST"])
def security_settings():
    """Idle delay, password requirement, second-factor exemption. Admin."""
    form = SecuritySettingsForm(
        data={
            key: settings.get(key)
            for key in (
                "idle_lock_minutes",
                "password_min_entropy",
                "trace_retention_days",
                "shared_record",
                "secretary_second_factor_exempt",
            )
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            changed = services.save_security_settings(
                current_user,
                {
                    "idle_lock_minutes": form.idle_lock_minutes.data,
                    "password_min_entropy": int(form.password_min_entropy.data),
                    "trace_retention_days": form.trace_retention_days.data,
                    "shared_record": form.shared_record.data,
                    "secretary_second_factor_exempt": form.secretary_second_factor_exempt.data,
                },
            )
        except settings.SettingError as refused:
            flash(str(refused), "error")
            return render_template("users/security_settings.html", form=form), 422
        flash("Paramètres enregistrés." if changed else "Aucune modification.")
        return redirect(url_for("users.security_settings"))
    status = 200 if request.method == "GET" else 422
    return render_template(
        "users/security_settings.html",
        form=form,
        exempt=settings.get("secretary_second_factor_exempt"),
    ), status

"""The signed-in user's own security page: authenticators, recovery codes, password."""

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user

from cabinet.auth import authenticators, bp, recovery, services
from cabinet.auth.forms import AuthenticatorNameForm
from cabinet.auth.views import recent_authentication
from cabinet.forms import FrenchForm
from cabinet.security import authenticated


@bp.route("/securite")
@authenticated
def security():
    """My authenticators (name, last use), recovery codes, password; changing them needs a
    recent confirmation of identity. Any signed-in user."""
    return render_template(
        "auth/security.html",
        credentials=list(current_user.authenticators()),
        remaining=recovery.remaining(current_user),
        form=AuthenticatorNameForm(),
        action_form=FrenchForm(),
        recent=services.recently_authenticated(),
    )


@bp.route("/securite/authentificateurs/<int:credential_id>/supprimer", methods=["POST"])
@authenticated
@recent_authentication
def remove_authenticator(credential_id):
    """Remove one of my authenticators, never the last one. Any signed-in user."""
    try:
        removed = authenticators.remove(current_user, credential_id)
    except authenticators.AuthenticatorRefused as refused:
        flash(str(refused), "error")
    else:
        flash(f"Authentificateur « {removed.name} » supprimé.")
    return redirect(url_for("auth.security"))


@bp.route("/securite/codes-de-secours", methods=["POST"])
@authenticated
@recent_authentication
def regenerate_recovery_codes():
    """Replace my ten recovery codes (the old ones stop working). Any signed-in user."""
    session["fresh_recovery_codes"] = authenticators.regenerate_codes(current_user)
    return redirect(url_for("auth.recovery_codes"))

"""The signed-in user's own security page: authenticators, recovery codes, password."""

from flask import abort, flash, redirect, render_template, session, url_for
from flask_login import current_user

from cabinet.audit import trace
from cabinet.auth import bp, recovery, services
from cabinet.auth.forms import AuthenticatorNameForm
from cabinet.auth.models import WebAuthnCredential
from cabinet.auth.views import recent_authentication
from cabinet.db import database
from cabinet.forms import FrenchForm
from cabinet.security import authenticated


@bp.route("/securite")
@authenticated
def security():
    """My authenticators (name, last use), recovery codes, password; changing them needs a
    recent confirmation of identity. Any signed-in user."""
    credentials = current_user.credentials.order_by(WebAuthnCredential.created_at)
    return render_template(
        "auth/security.html",
        credentials=list(credentials),
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
    credential = WebAuthnCredential.get_or_none(
        (WebAuthnCredential.id == credential_id) & (WebAuthnCredential.user == current_user.id)
    )
    if credential is None:
        abort(404)
    if current_user.credentials.count() <= 1:
        flash(
            "Impossible de supprimer votre dernier authentificateur : enregistrez-en d'abord un autre.",
            "error",
        )
        return redirect(url_for("auth.security"))
    with database.atomic():
        credential.delete_instance()
        trace(
            current_user,
            "auth.authenticator_removed",
            target=f"user:{current_user.id}",
            detail=credential.name,
        )
    flash(f"Authentificateur « {credential.name} » supprimé.")
    return redirect(url_for("auth.security"))


@bp.route("/securite/codes-de-secours", methods=["POST"])
@authenticated
@recent_authentication
def regenerate_recovery_codes():
    """Replace my ten recovery codes (the old ones stop working). Any signed-in user."""
    with database.atomic():
        session["fresh_recovery_codes"] = recovery.regenerate(current_user)
        trace(current_user, "auth.recovery_codes_generated", target=f"user:{current_user.id}")
    return redirect(url_for("auth.recovery_codes"))

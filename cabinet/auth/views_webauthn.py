"""WebAuthn ceremonies as small JSON endpoints called by static/js/webauthn.js."""

from flask import abort, current_app, jsonify, request, session, url_for
from flask_login import current_user

from cabinet.audit import trace
from cabinet.auth import bp, recovery, services, webauthn
from cabinet.auth.forms import AuthenticatorNameForm
from cabinet.auth.views import confirmation_required, resume_url
from cabinet.db import database
from cabinet.security import allowed_when_locked, authenticated, pending


def _json_options(options_json: str):
    return current_app.response_class(options_json, mimetype="application/json")


def _error(message: str, status: int = 400):
    return jsonify({"status": "error", "message": message}), status


def _credential() -> dict | None:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        return None
    return body


def _session_id() -> int | None:
    return services.session_row()


def _registrant():
    """Who may register an authenticator: a signed-in user who confirmed their identity
    recently, or a pending one whose due step is the first enrolment."""
    if current_user.is_authenticated:
        if not services.recently_authenticated():
            abort(confirmation_required(as_json=True))
        return current_user
    return services.pending_at("auth.enrol")


@bp.route("/webauthn/enregistrement/options", methods=["POST"])
@pending
def webauthn_register_options():
    """Registration options (challenge kept server-side). Journey or signed-in user."""
    user = _registrant()
    if user is None or _session_id() is None:
        return _error("Session expirée : reconnectez-vous.", 401)
    return _json_options(webauthn.registration_options(user, _session_id()))


@bp.route("/webauthn/enregistrement", methods=["POST"])
@pending
def webauthn_register():
    """Verify and store a new authenticator; a first one completes the login. Same users."""
    user = _registrant()
    body = _credential()
    if user is None or _session_id() is None:
        return _error("Session expirée : reconnectez-vous.", 401)
    if body is None:
        return _error("Réponse de l'authentificateur illisible.")
    form = AuthenticatorNameForm(data={"name": body.get("name", "")}, meta={"csrf": False})
    if not form.validate():
        return _error(form.name.errors[0])
    first = not user.credentials.exists()
    try:
        # Verified before the write lock is taken; stored with its trace in one transaction.
        verified = webauthn.verify_registration(user, _session_id(), body["credential"])
        with database.atomic():
            credential = webauthn.store_credential(user, verified, form.name.data.strip())
            trace(
                user, "auth.authenticator_added", target=f"user:{user.id}", detail=credential.name
            )
            if first:
                session["fresh_recovery_codes"] = recovery.regenerate(user)
                trace(user, "auth.recovery_codes_generated", target=f"user:{user.id}")
    except webauthn.WebAuthnRefused as refused:
        trace(
            user,
            "auth.second_factor_failed",
            target=f"user:{user.id}",
            detail=f"enregistrement : {refused.reason}",
            outcome="refused",
        )
        return _error(str(refused))
    if first and not current_user.is_authenticated:
        services.complete_login(user, "authentificateur (premier enregistrement)")
    next_url = url_for("auth.recovery_codes") if first else url_for("auth.security")
    return jsonify({"status": "ok", "next": next_url})


@bp.route("/webauthn/connexion/options", methods=["POST"])
@pending
def webauthn_login_options():
    """Authentication options for the pending user's authenticators. Pending user."""
    user = services.pending_at("auth.second_factor")
    if user is None or _session_id() is None:
        return _error("Session expirée : reconnectez-vous.", 401)
    return _json_options(webauthn.authentication_options(user, _session_id()))


def _verify(user, purpose: str):
    body = _credential()
    if body is None:
        return None, _error("Réponse de l'authentificateur illisible.")
    try:
        credential = webauthn.verify_authentication(
            user, _session_id(), body["credential"], purpose
        )
    except webauthn.WebAuthnRefused as refused:
        action = "auth.authenticator_cloned" if refused.clone else "auth.second_factor_failed"
        trace(user, action, target=f"user:{user.id}", detail=refused.reason, outcome="refused")
        return None, _error(str(refused))
    return credential, None


@bp.route("/webauthn/connexion", methods=["POST"])
@pending
def webauthn_login():
    """Verify the second factor and complete the login. Pending user."""
    user = services.pending_at("auth.second_factor")
    if user is None or _session_id() is None:
        return _error("Session expirée : reconnectez-vous.", 401)
    credential, error = _verify(user, "authenticate")
    if error:
        return error
    services.complete_login(user, f"authentificateur « {credential.name} »")
    return jsonify({"status": "ok", "next": url_for("home.index")})


@bp.route("/webauthn/deverrouillage/options", methods=["POST"])
@authenticated
@allowed_when_locked
def webauthn_unlock_options():
    """Options to unlock a locked session with the authenticator. The signed-in user."""
    if not current_user.credentials.exists():
        return _error("Aucun authentificateur enregistré : utilisez votre mot de passe.")
    return _json_options(webauthn.authentication_options(current_user, _session_id(), "unlock"))


@bp.route("/webauthn/deverrouillage", methods=["POST"])
@authenticated
@allowed_when_locked
def webauthn_unlock():
    """Unlock with one touch, by the same user only. The signed-in user."""
    credential, error = _verify(current_user, "unlock")
    if error:
        return error
    services.unlock(current_user, f"authentificateur « {credential.name} »")
    return jsonify({"status": "ok", "next": resume_url()})


@bp.route("/webauthn/confirmation/options", methods=["POST"])
@authenticated
def webauthn_reauth_options():
    """Options to confirm one's identity with the authenticator. The signed-in user."""
    if not current_user.credentials.exists():
        return _error("Aucun authentificateur enregistré : utilisez votre mot de passe.")
    return _json_options(webauthn.authentication_options(current_user, _session_id(), "reauth"))


@bp.route("/webauthn/confirmation", methods=["POST"])
@authenticated
def webauthn_reauth():
    """Confirm one's identity with one touch before a security change. The signed-in user."""
    credential, error = _verify(current_user, "reauth")
    if error:
        return error
    services.confirm_identity(current_user, f"authentificateur « {credential.name} »")
    back = session.pop("reauth_back", None)
    return jsonify({"status": "ok", "next": back or url_for("auth.security")})

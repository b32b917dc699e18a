"""WebAuthn ceremonies as small JSON endpoints called by static/js/webauthn.js.

A refusal ends the request with `{"status": "error", "message": …}` (`_refuse`, or a
`WebAuthnRefused` from the checks, answered by the handler below); the page shows the
message."""

from typing import NoReturn

from flask import abort, current_app, jsonify, request, session, url_for
from flask_login import current_user

from cabinet.auth import authenticators, bp, services, webauthn
from cabinet.auth.forms import AuthenticatorNameForm
from cabinet.auth.views import confirmation_required, resume_url
from cabinet.security import allowed_when_locked, authenticated, pending

SESSION_EXPIRED = "Session expirée : reconnectez-vous."


def _json_options(options_json: str):
    return current_app.response_class(options_json, mimetype="application/json")


def _ok(next_url: str):
    return jsonify({"status": "ok", "next": next_url})


def _refuse(message: str, status: int = 400) -> NoReturn:
    response = jsonify({"status": "error", "message": message})
    response.status_code = status
    abort(response)


@bp.errorhandler(webauthn.WebAuthnRefused)
def _refused(refused: webauthn.WebAuthnRefused):
    return jsonify({"status": "error", "message": str(refused)}), 400


def _credential() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        _refuse("Réponse de l'authentificateur illisible.")
    return body


def _session_id() -> int:
    row = services.session_row()
    if row is None:
        _refuse(SESSION_EXPIRED, 401)
    return row


def _pending_at(step: str):
    """The pending user whose due step is `step`; anyone else is told to log in again."""
    user = services.pending_at(step)
    if user is None:
        _refuse(SESSION_EXPIRED, 401)
    return user


def _registrant():
    """Who may register an authenticator: a signed-in user who confirmed their identity
    recently, or a pending one whose due step is the first enrolment."""
    if current_user.is_authenticated:
        if not services.recently_authenticated():
            abort(confirmation_required(as_json=True))
        return current_user
    return _pending_at("auth.enrol")


def _my_options(purpose: str):
    """Options for the signed-in user's own authenticators (unlock, confirmation)."""
    if not current_user.credentials.exists():
        _refuse("Aucun authentificateur enregistré : utilisez votre mot de passe.")
    return _json_options(webauthn.authentication_options(current_user, _session_id(), purpose))


def _verify(user, purpose: str):
    return authenticators.verify(user, _session_id(), _credential()["credential"], purpose)


@bp.route("/webauthn/enregistrement/options", methods=["POST"])
@pending
def webauthn_register_options():
    """Registration options (challenge kept server-side). Journey or signed-in user."""
    user = _registrant()
    return _json_options(webauthn.registration_options(user, _session_id()))


@bp.route("/webauthn/enregistrement", methods=["POST"])
@pending
def webauthn_register():
    """Verify and store a new authenticator; a first one completes the login. Same users."""
    user, session_id = _registrant(), _session_id()
    body = _credential()
    form = AuthenticatorNameForm(data={"name": body.get("name", "")}, meta={"csrf": False})
    if not form.validate():
        _refuse(form.name.errors[0])
    codes = authenticators.register(user, session_id, body["credential"], form.name.data)
    if codes is None:
        return _ok(url_for("auth.security"))
    session["fresh_recovery_codes"] = codes
    if not current_user.is_authenticated:
        services.complete_login(user, "authentificateur (premier enregistrement)")
    return _ok(url_for("auth.recovery_codes"))


@bp.route("/webauthn/connexion/options", methods=["POST"])
@pending
def webauthn_login_options():
    """Authentication options for the pending user's authenticators. Pending user."""
    user = _pending_at("auth.second_factor")
    return _json_options(webauthn.authentication_options(user, _session_id()))


@bp.route("/webauthn/connexion", methods=["POST"])
@pending
def webauthn_login():
    """Verify the second factor and complete the login. Pending user."""
    user = _pending_at("auth.second_factor")
    credential = _verify(user, "authenticate")
    services.complete_login(user, f"authentificateur « {credential.name} »")
    return _ok(url_for("home.index"))


@bp.route("/webauthn/deverrouillage/options", methods=["POST"])
@authenticated
@allowed_when_locked
def webauthn_unlock_options():
    """Options to unlock a locked session with the authenticator. The signed-in user."""
    return _my_options("unlock")


@bp.route("/webauthn/deverrouillage", methods=["POST"])
@authenticated
@allowed_when_locked
def webauthn_unlock():
    """Unlock with one touch, by the same user only. The signed-in user."""
    credential = _verify(current_user, "unlock")
    services.unlock(current_user, f"authentificateur « {credential.name} »")
    return _ok(resume_url())


@bp.route("/webauthn/confirmation/options", methods=["POST"])
@authenticated
def webauthn_reauth_options():
    """Options to confirm one's identity with the authenticator. The signed-in user."""
    return _my_options("reauth")


@bp.route("/webauthn/confirmation", methods=["POST"])
@authenticated
def webauthn_reauth():
    """Confirm one's identity with one touch before a security change. The signed-in user."""
    credential = _verify(current_user, "reauth")
    services.confirm_identity(current_user, f"authentificateur « {credential.name} »")
    return _ok(session.pop("reauth_back", None) or url_for("auth.security"))

"""S5, S3: every step of the login journey checks where the journey is; changing what protects
an account needs a recent proof of identity; recovery codes are guesses like passwords; a
page view before any login stores no session."""

import datetime

import pytest

from cabinet.db import utcnow
from tests.conftest import AUTHENTICATORS, PASSWORDS, RECOVERY_CODES, login, password_step, traces

NEW_PASSWORD = "nouvelle phrase de passe pour le cabinet du quartier"


def _password_hash(app, user_id):
    from cabinet.auth.models import User

    with app.app_context():
        return User.get_by_id(user_id).password_hash


def _age_authentication(client, minutes=6):
    with client.session_transaction() as session:
        stamp = utcnow() - datetime.timedelta(minutes=minutes)
        session["authenticated_at"] = stamp.isoformat()


# The password alone reaches nothing (finding 0) ---------------------------------------------


def test_pending_user_cannot_change_the_password_before_the_second_factor(app, anon_client, user):
    secretary = user("secretary")
    before = _password_hash(app, secretary.id)
    assert password_step(anon_client, "secretaire").headers["Location"] == "/second-facteur"

    page = anon_client.get("/mot-de-passe")
    assert page.status_code == 302 and page.headers["Location"] == "/second-facteur"
    posted = anon_client.post(
        "/mot-de-passe", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert posted.headers["Location"] == "/second-facteur"
    feedback = anon_client.post("/mot-de-passe/verifier", data={"password": NEW_PASSWORD})
    assert feedback.headers["Location"] == "/second-facteur"

    assert _password_hash(app, secretary.id) == before
    assert traces(app, action="auth.password_changed") == []
    # The owner's own password still works.
    assert password_step(app.test_client(), "secretaire").headers["Location"] == "/second-facteur"


def test_forced_change_is_the_only_step_a_reset_user_reaches(app, user):
    from cabinet.users.services import reset_password

    with app.test_request_context():
        temporary = reset_password(user("locum"), user("admin"))
    client = app.test_client()
    assert password_step(client, "remplacant", temporary).headers["Location"] == "/mot-de-passe"
    assert client.get("/second-facteur").headers["Location"] == "/mot-de-passe"
    assert client.post("/webauthn/connexion/options").status_code == 401
    changed = client.post(
        "/mot-de-passe", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert changed.headers["Location"] == "/second-facteur"
    # Done once: the form is no longer reachable before the second factor.
    assert client.get("/mot-de-passe").headers["Location"] == "/second-facteur"


def test_second_factor_page_refused_to_a_user_whose_step_is_enrolment(app, anon_client, user):
    from cabinet.auth.models import WebAuthnCredential

    with app.app_context():
        WebAuthnCredential.delete().where(WebAuthnCredential.user == user("secretary").id).execute()
    password_step(anon_client, "secretaire")
    assert anon_client.get("/second-facteur").headers["Location"] == "/enregistrement"
    assert anon_client.get("/code-de-secours").headers["Location"] == "/enregistrement"
    refused = anon_client.post("/webauthn/connexion/options")
    assert refused.status_code == 401


# Re-authentication before a security change -------------------------------------------------


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("get", "/mot-de-passe", None),
        ("post", "/mot-de-passe", {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}),
        ("post", "/securite/codes-de-secours", {}),
        ("post", "/securite/authentificateurs/{credential}/supprimer", {}),
    ],
)
def test_security_changes_need_a_recent_confirmation(
    app, practitioner_client, user, method, url, data
):
    from cabinet.auth.models import RecoveryCode, WebAuthnCredential

    doctor = user("practitioner")
    with app.app_context():
        spare = WebAuthnCredential.create(
            user=doctor.id, credential_id=b"spare-key", public_key=b"x", name="Clé de réserve"
        )
        codes_before = RecoveryCode.select().where(RecoveryCode.is_current).count()
    before = _password_hash(app, doctor.id)
    generated = len(traces(app, action="auth.recovery_codes_generated"))
    _age_authentication(practitioner_client)

    response = getattr(practitioner_client, method)(url.format(credential=spare.id), data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/confirmer-identite")
    assert _password_hash(app, doctor.id) == before
    with app.app_context():
        assert WebAuthnCredential.get_or_none(WebAuthnCredential.id == spare.id) is not None
        assert RecoveryCode.select().where(RecoveryCode.is_current).count() == codes_before
    assert len(traces(app, action="auth.recovery_codes_generated")) == generated


def test_adding_an_authenticator_needs_a_recent_confirmation(app, practitioner_client):
    _age_authentication(practitioner_client)
    refused = practitioner_client.post("/webauthn/enregistrement/options")
    assert refused.status_code == 403
    assert refused.get_json()["next"] == "/confirmer-identite"
    page = practitioner_client.get("/securite").get_data(as_text=True)
    assert "Confirmer mon identité" in page and 'data-webauthn="register"' not in page


def test_confirming_with_the_password_opens_the_changes_for_five_minutes(
    app, practitioner_client, user
):
    doctor = user("practitioner")
    _age_authentication(practitioner_client)
    wrong = practitioner_client.post("/confirmer-identite", data={"password": "pas ça"})
    assert wrong.status_code == 401 and "Mot de passe incorrect." in wrong.get_data(as_text=True)
    assert practitioner_client.get("/mot-de-passe").status_code == 302

    confirmed = practitioner_client.post(
        "/confirmer-identite?retour=/mot-de-passe", data={"password": PASSWORDS["praticien"]}
    )
    assert confirmed.headers["Location"] == "/mot-de-passe"
    assert practitioner_client.get("/mot-de-passe").status_code == 200
    changed = practitioner_client.post(
        "/mot-de-passe", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert changed.headers["Location"] == "/securite"
    assert traces(app, action="auth.reauthenticated", actor_id=doctor.id)[-1].detail == (
        "mot de passe"
    )
    (failed,) = traces(app, action="auth.login_failed", actor_id=doctor.id)
    assert failed.detail == "confirmation : mot de passe incorrect"


def test_confirming_with_the_authenticator(app, practitioner_client):
    _age_authentication(practitioner_client)
    practitioner_client.get("/confirmer-identite?retour=/securite")
    options = practitioner_client.post("/webauthn/confirmation/options").get_json()
    credential = AUTHENTICATORS["praticien"].get(options)
    result = practitioner_client.post("/webauthn/confirmation", json={"credential": credential})
    assert result.get_json() == {"status": "ok", "next": "/securite"}
    assert practitioner_client.post("/securite/codes-de-secours").headers["Location"] == (
        "/codes-de-secours"
    )


def test_an_unlock_challenge_does_not_confirm_identity(app, practitioner_client):
    """Each ceremony's challenge serves its own purpose only."""
    _age_authentication(practitioner_client)
    options = practitioner_client.post("/webauthn/deverrouillage/options").get_json()
    credential = AUTHENTICATORS["praticien"].get(options)
    refused = practitioner_client.post("/webauthn/confirmation", json={"credential": credential})
    assert refused.status_code == 400


def test_password_feedback_never_compares_with_the_current_password(practitioner_client):
    """As you type there is no attempt limit: the feedback must not be a password oracle."""
    practitioner_client.get("/mot-de-passe")
    answer = practitioner_client.post(
        "/mot-de-passe/verifier", data={"password": PASSWORDS["praticien"]}
    ).get_data(as_text=True)
    assert "différent de l'actuel" not in answer


# Recovery codes are guesses (S3) ------------------------------------------------------------


def test_recovery_codes_share_the_attempt_limits_and_lock_the_account(app, user):
    from cabinet.auth.models import User

    client = app.test_client()
    password_step(client, "secretaire")
    statuses = []
    for attempt in range(25):
        response = client.post("/code-de-secours", data={"code": f"AAAA-BBBB-{attempt:04d}"})
        statuses.append(response.status_code)
        if response.status_code == 302:
            break
        if "nouvel essai possible" in response.get_data(as_text=True):
            # Delayed after five failures, as for a password: wait it out.
            from tests.test_lockout import _age_failures

            _age_failures(app, 60)
    with app.app_context():
        assert User.get_by_id(user("secretary").id).locked_at is not None, statuses
    assert response.headers["Location"] == "/connexion"
    # Even a valid code is refused now, and the password step says the account is locked.
    again = app.test_client()
    locked = password_step(again, "secretaire")
    assert "verrouillé" in locked.get_data(as_text=True)
    assert traces(app, action="auth.lockout")
    assert len(traces(app, action="auth.second_factor_failed")) == 10


def test_a_valid_recovery_code_is_refused_during_the_delay(app, user):
    client = app.test_client()
    password_step(client, "secretaire")
    for attempt in range(5):
        client.post("/code-de-secours", data={"code": f"AAAA-BBBB-{attempt:04d}"})
    delayed = client.post("/code-de-secours", data={"code": RECOVERY_CODES["secretaire"][0]})
    assert delayed.status_code == 401
    assert "nouvel essai possible" in delayed.get_data(as_text=True)
    assert traces(app, action="auth.recovery_code_used") == []


# Sessions before the login (finding: a row per cookie-less GET) ----------------------------


def test_no_session_row_before_a_login_is_posted(app):
    from cabinet.auth.models import UserSession

    with app.app_context():
        before = UserSession.select().count()
    for _ in range(50):
        app.test_client().get("/connexion")
    failed = app.test_client()
    failed.post("/connexion", data={"login": "inconnu", "password": "x"})
    with app.app_context():
        assert UserSession.select().count() == before
    login(app.test_client(), "secretary")
    with app.app_context():
        assert UserSession.select().count() == before + 1

"""S6, A4: sessions end for real, server-side: logout, the absolute lifetime, a password
change (other sessions), an admin's disabling of the account or revocation of one session
(traced, T1)."""

import datetime

from cabinet.db import utcnow
from tests.auth_support import (
    is_signed_in,
    session_row,
    session_token,
    with_cookie,
)
from tests.conftest import (
    password_step,
    traces,
)

NEW_PASSWORD = "Lavande orbite crayon marmite falaise"


def test_logout_revokes_the_session_server_side(app, secretary_client):
    token = session_token(secretary_client)
    assert is_signed_in(with_cookie(app, token))
    response = secretary_client.post("/deconnexion")
    assert response.headers["Location"] == "/connexion"

    replayed = with_cookie(app, token)
    assert replayed.get("/").headers.get("Location") == "/connexion"
    assert replayed.get("/patients/").headers.get("Location") == "/connexion"
    row = session_row(app, token)
    assert row.revoked_at is not None and row.revoked_reason == "déconnexion"
    (logout,) = traces(app, action="auth.logout")
    assert logout.actor_name == "Sophie Accueil"


def test_logout_tells_the_user_they_are_logged_out(app, secretary_client):
    """The view flashes "Vous êtes déconnecté." for the login page it redirects to."""
    page = secretary_client.post("/deconnexion", follow_redirects=True)
    assert page.request.path == "/connexion"
    assert "Vous êtes déconnecté." in page.get_data(as_text=True)


def test_session_ends_after_its_absolute_lifetime(app, secretary_client):
    from cabinet.auth.models import UserSession

    row = session_row(app, session_token(secretary_client))
    lifetime = datetime.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    with app.app_context():
        UserSession.update(created_at=utcnow() - lifetime - datetime.timedelta(minutes=1)).where(
            UserSession.id == row.id
        ).execute()
    assert secretary_client.get("/").headers.get("Location") == "/connexion"


def test_password_change_closes_my_other_sessions_but_keeps_this_one(app, role_client, user):
    here = role_client("practitioner")
    elsewhere = role_client("practitioner")
    elsewhere_token = session_token(elsewhere)
    assert is_signed_in(here) and is_signed_in(elsewhere)

    response = here.post(
        "/mot-de-passe", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert response.headers["Location"] == "/securite", response.get_data(as_text=True)
    assert is_signed_in(here)
    assert here.get("/patients/").status_code == 200
    assert elsewhere.get("/").headers.get("Location") == "/connexion"
    assert session_row(app, elsewhere_token).revoked_reason == "changement de mot de passe"
    (changed,) = traces(app, action="auth.password_changed")
    assert changed.actor_name == "Dr Paul Soignant"
    assert session_row(app, session_token(here)).revoked_at is None
    practitioner = user("practitioner")
    assert practitioner.password_changed_at is not None and not practitioner.must_change_password

    assert password_step(app.test_client(), "praticien").status_code == 401
    fresh = app.test_client()
    assert password_step(fresh, "praticien", NEW_PASSWORD).headers["Location"] == "/second-facteur"


def test_disabled_account_loses_its_open_session_at_once(app, admin_client, secretary_client, user):
    assert is_signed_in(secretary_client)
    secretary = user("secretary")
    open_token = session_token(secretary_client)
    response = admin_client.post(f"/comptes/{secretary.ref}/desactiver")
    assert response.headers["Location"] == f"/comptes/{secretary.ref}"
    assert user("secretary").disabled_at is not None
    assert session_row(app, open_token).revoked_reason == "compte désactivé"

    assert secretary_client.get("/patients/").headers.get("Location") == "/connexion"
    htmx = secretary_client.post(
        "/patients/recherche", data={"q": "a"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/connexion"
    assert password_step(app.test_client(), "secretaire").status_code == 401
    (disabled,) = traces(app, action="user.disable")
    assert disabled.target == f"user:{secretary.id}"
    # Re-enabling the account does not bring the closed session back.
    admin_client.post(f"/comptes/{secretary.ref}/reactiver")
    assert user("secretary").disabled_at is None
    assert secretary_client.get("/").headers.get("Location") == "/connexion"


def test_admin_revokes_one_session_and_only_that_one(app, admin_client, role_client, user):
    first = role_client("practitioner")
    second = role_client("practitioner")
    practitioner = user("practitioner")
    first_token, second_token = session_token(first), session_token(second)
    row = session_row(app, second_token)
    page = admin_client.get(f"/comptes/{practitioner.ref}").get_data(as_text=True)
    revoke_url = f"/comptes/{practitioner.ref}/sessions/{row.id}/revoquer"
    assert revoke_url in page

    response = admin_client.post(revoke_url)
    assert response.headers["Location"] == f"/comptes/{practitioner.ref}"
    revoked_row = session_row(app, second_token)
    assert revoked_row.revoked_at is not None
    assert revoked_row.revoked_reason == "révoquée par l'administrateur"
    assert session_row(app, first_token).revoked_at is None
    assert second.get("/").headers.get("Location") == "/connexion"
    assert is_signed_in(first)
    assert revoke_url not in admin_client.get(f"/comptes/{practitioner.ref}").get_data(as_text=True)
    (revoked,) = traces(app, action="auth.session_revoked")
    assert revoked.target == f"user:{practitioner.id}" and revoked.actor_name == "Camille Admin"


def test_a_session_cannot_be_revoked_through_another_account(app, admin_client, role_client, user):
    practitioner_client = role_client("practitioner")
    open_token = session_token(practitioner_client)
    row = session_row(app, open_token)
    secretary = user("secretary")
    admin_client.post(f"/comptes/{secretary.ref}/sessions/{row.id}/revoquer")
    assert session_row(app, open_token).revoked_at is None
    assert is_signed_in(practitioner_client)
    assert traces(app, action="auth.session_revoked") == []

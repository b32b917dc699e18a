"""S5: registering authenticators through the real endpoints and py_webauthn checks: the
enrolment stores the credential for its user, only the due journey step or a recently
confirmed user may register, the admin's reset, and the user's own authenticators (add,
remove, never the last, never someone else's)."""

import re

from cabinet.formatting import local_datetime
from tests.auth_support import (
    REFUSED_STATUS,
    credentials,
    is_signed_in,
    refused,
    session_row,
    session_token,
)
from tests.conftest import (
    ACCOUNTS,
    AUTHENTICATORS,
    password_step,
    second_factor,
    traces,
)
from tests.soft_webauthn import SoftAuthenticator


def test_enrolment_stores_the_credential_for_its_user_under_its_name(app, user):
    for role, (username, _) in ACCOUNTS.items():
        (credential,) = credentials(app, username)
        assert credential.user_id == user(role).id
        assert credential.name == "Clé de test"
        assert bytes(credential.credential_id) == AUTHENTICATORS[username].credential_id
    added = traces(app, action="auth.authenticator_added")
    assert {t.actor_name for t in added} == {name for _, name in ACCOUNTS.values()}


# Who may register an authenticator ------------------------------------------------------------


def test_pending_user_with_an_authenticator_cannot_register_another(app, anon_client):
    """Someone with the password alone must not be able to add their own key."""
    assert password_step(anon_client, "praticien").headers["Location"] == "/second-facteur"
    response = anon_client.post("/webauthn/enregistrement/options")
    assert response.status_code == 401
    assert response.get_json()["status"] == "error"

    intruder = SoftAuthenticator()
    # Even with options obtained some other way, the registration itself is refused.
    fake_options = {"challenge": "AAAA", "rp": {"id": "localhost"}}
    result = anon_client.post(
        "/webauthn/enregistrement",
        json={"credential": intruder.create(fake_options), "name": "Clé pirate"},
    )
    assert result.status_code == 401 and result.get_json()["status"] == "error"
    assert len(credentials(app, "praticien")) == 1
    assert anon_client.get("/enregistrement").headers["Location"] == "/second-facteur"
    assert not is_signed_in(anon_client)
    assert (
        traces(app, action="auth.authenticator_added", actor_name="Dr Paul Soignant")[-1].detail
        == "Clé de test"
    )  # only the enrolment of the template


def test_admin_reset_of_authenticators_closes_sessions_and_asks_for_a_new_enrolment(
    app, admin_client, practitioner_client, user
):
    practitioner = user("practitioner")
    assert is_signed_in(practitioner_client)
    open_token = session_token(practitioner_client)
    response = admin_client.post(f"/comptes/{practitioner.ref}/authentificateurs")
    assert response.headers["Location"] == f"/comptes/{practitioner.ref}"
    assert session_row(app, open_token).revoked_reason == "authentificateurs réinitialisés"

    assert practitioner_client.get("/").headers.get("Location") == "/connexion"
    assert credentials(app, "praticien") == []
    (reset,) = traces(app, action="user.authenticators_reset")
    assert reset.target == f"user:{practitioner.id}" and reset.actor_name == "Camille Admin"
    assert "1 authentificateur" in reset.detail

    again = app.test_client()
    assert password_step(again, "praticien").headers["Location"] == "/enregistrement"
    assert not is_signed_in(again)
    # The old key is gone for good, and a new one can be enrolled.
    # The old key is no way back in, whether or not a second-factor challenge is offered.
    offered = again.post("/webauthn/connexion/options").get_json()
    old_key = AUTHENTICATORS["praticien"].get({"challenge": offered.get("challenge", "AAAA")})
    refused = again.post("/webauthn/connexion", json={"credential": old_key})
    assert refused.status_code in (400, 401) and refused.get_json()["status"] == "error"
    assert not is_signed_in(again)
    new_key = SoftAuthenticator()
    options = again.post("/webauthn/enregistrement/options").get_json()
    result = again.post(
        "/webauthn/enregistrement",
        json={"credential": new_key.create(options), "name": "Nouvelle clé"},
    )
    assert result.get_json() == {"status": "ok", "next": "/codes-de-secours"}
    assert [c.name for c in credentials(app, "praticien")] == ["Nouvelle clé"]


# My own authenticators ----------------------------------------------------------------------


def _add_authenticator(client, name: str) -> SoftAuthenticator:
    key = SoftAuthenticator()
    options = client.post("/webauthn/enregistrement/options").get_json()
    result = client.post(
        "/webauthn/enregistrement", json={"credential": key.create(options), "name": name}
    )
    assert result.get_json() == {"status": "ok", "next": "/securite"}, result.get_json()
    return key


def _row_of(page: str, name: str) -> str:
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    (row,) = [r for r in rows if name in r]
    return row


def test_my_last_authenticator_cannot_be_removed(app, practitioner_client):
    (only,) = credentials(app, "praticien")
    response = practitioner_client.post(f"/securite/authentificateurs/{only.id}/supprimer")
    assert response.headers["Location"] == "/securite"
    page = practitioner_client.get("/securite").get_data(as_text=True)
    assert "Impossible de supprimer votre dernier authentificateur" in page
    assert len(credentials(app, "praticien")) == 1
    assert traces(app, action="auth.authenticator_removed") == []


def test_a_second_authenticator_can_be_added_then_one_removed(app, practitioner_client):
    key = _add_authenticator(practitioner_client, "Clé USB de secours")
    original, added = credentials(app, "praticien")
    assert added.name == "Clé USB de secours" and added.last_used_at is None
    assert original.last_used_at is not None  # used by the fixture's login

    page = practitioner_client.get("/securite").get_data(as_text=True)
    assert "jamais" in _row_of(page, "Clé USB de secours")
    original_row = _row_of(page, "Clé de test")
    assert "jamais" not in original_row
    assert local_datetime(original.last_used_at) in original_row
    added_trace = traces(app, action="auth.authenticator_added")[-1]
    assert (
        added_trace.detail == "Clé USB de secours" and added_trace.actor_name == "Dr Paul Soignant"
    )

    response = practitioner_client.post(f"/securite/authentificateurs/{original.id}/supprimer")
    assert response.headers["Location"] == "/securite"
    assert [c.name for c in credentials(app, "praticien")] == ["Clé USB de secours"]
    (removed,) = traces(app, action="auth.authenticator_removed")
    assert removed.detail == "Clé de test" and removed.actor_name == "Dr Paul Soignant"
    page = practitioner_client.get("/securite").get_data(as_text=True)
    assert "Authentificateur « Clé de test » supprimé." in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    assert not [r for r in rows if "Clé de test" in r]

    # The remaining key logs in; the removed one no longer does.
    fresh = app.test_client()
    password_step(fresh, "praticien")
    refused(second_factor(fresh, "praticien"), "n'est pas enregistré")
    assert second_factor(fresh, "praticien", authenticator=key).get_json()["status"] == "ok"


def test_registering_an_already_registered_authenticator_is_refused_cleanly(
    app, practitioner_client
):
    """A client that ignores excludeCredentials sends a known credential id: a French refusal,
    not a crash."""
    options = practitioner_client.post("/webauthn/enregistrement/options").get_json()
    same_key = AUTHENTICATORS["praticien"].create(options)
    response = practitioner_client.post(
        "/webauthn/enregistrement", json={"credential": same_key, "name": "Encore elle"}
    )
    assert response.status_code == REFUSED_STATUS
    assert response.get_json()["status"] == "error"
    assert [c.name for c in credentials(app, "praticien")] == ["Clé de test"]
    assert is_signed_in(practitioner_client)


def test_i_cannot_remove_someone_elses_authenticator(app, practitioner_client):
    (theirs,) = credentials(app, "secretaire")
    _add_authenticator(practitioner_client, "Deuxième clé")
    response = practitioner_client.post(f"/securite/authentificateurs/{theirs.id}/supprimer")
    assert response.status_code == 404
    assert len(credentials(app, "secretaire")) == 1

"""S5: the WebAuthn second factor through the real endpoints and the real py_webauthn checks.

Enrolment and recovery codes (stored hashed, each usable once), challenges single use and
short-lived, replayed / cloned / unverified / foreign-origin / foreign-user assertions
refused and traced (T1), the admin's reset, the user's own authenticators, and the
secretary exemption setting.
"""

import copy
import datetime
import re

from cabinet.db import utcnow
from cabinet.formatting import local_datetime
from tests.conftest import (
    ACCOUNTS,
    AUTHENTICATORS,
    PASSWORDS,
    RECOVERY_CODES,
    login,
    password_step,
    second_factor,
    traces,
)
from tests.soft_webauthn import SoftAuthenticator, unb64url

REFUSED_STATUS = 400


def _credentials(app, username):
    from cabinet.auth.models import User, WebAuthnCredential

    with app.app_context():
        return list(
            WebAuthnCredential.select()
            .join(User)
            .where(User.login == username)
            .order_by(WebAuthnCredential.id)
        )


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _refused(response, fragment: str):
    assert response.status_code == REFUSED_STATUS, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "error"
    assert fragment in body["message"], body


def _failed_second_factors(app, username):
    from cabinet.auth.models import User

    with app.app_context():
        user_id = User.get(User.login == username).id
    return traces(app, action="auth.second_factor_failed", target=f"user:{user_id}")


# Enrolment ----------------------------------------------------------------------------------


def test_enrolment_stores_the_credential_for_its_user_under_its_name(app, user):
    for role, (username, _) in ACCOUNTS.items():
        (credential,) = _credentials(app, username)
        assert credential.user_id == user(role).id
        assert credential.name == "Clé de test"
        assert bytes(credential.credential_id) == AUTHENTICATORS[username].credential_id
    added = traces(app, action="auth.authenticator_added")
    assert {t.actor_name for t in added} == {name for _, name in ACCOUNTS.values()}


def test_enrolment_gives_ten_recovery_codes_stored_only_as_hashes(app, user):
    from cabinet.auth.models import RecoveryCode
    from cabinet.db import database

    secretary = user("secretary")
    codes = RECOVERY_CODES["secretaire"]
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        rows = list(RecoveryCode.select().where(RecoveryCode.user == secretary.id))
        raw_table = repr(database.execute_sql("SELECT * FROM recovery_code").fetchall())
    assert len(rows) == 10
    assert all(r.is_current and r.used_at is None for r in rows)
    for code in codes:
        bare = code.replace("-", "")
        assert code not in raw_table and bare not in raw_table
        assert bare.lower() not in raw_table.lower()
    hashes = {r.code_hash for r in rows}
    assert len(hashes) == 10
    assert all(len(h) >= 32 and h not in {c.replace("-", "") for c in codes} for h in hashes)


# Refused assertions ---------------------------------------------------------------------------


def test_replayed_login_assertion_is_refused_and_traced(app, anon_client):
    password_step(anon_client, "praticien")
    options = anon_client.post("/webauthn/connexion/options").get_json()
    captured = AUTHENTICATORS["praticien"].get(options)
    first = anon_client.post("/webauthn/connexion", json={"credential": captured})
    assert first.get_json()["status"] == "ok"

    # Someone who knows the password replays the captured assertion in their own session.
    attacker = app.test_client()
    assert password_step(attacker, "praticien").headers["Location"] == "/second-facteur"
    attacker.post("/webauthn/connexion/options")  # a live challenge of their own
    replay = attacker.post("/webauthn/connexion", json={"credential": captured})
    _refused(replay, "déjà servi")
    assert not _signed_in(attacker)
    (failure,) = _failed_second_factors(app, "praticien")
    assert failure.outcome == "refused" and "réutilisé" in failure.detail


def test_replayed_assertion_in_the_same_session_is_refused(app, practitioner_client):
    """The same JSON sent twice in one session: the challenge was spent by the first."""
    from cabinet.auth.models import WebAuthnChallenge

    client = practitioner_client
    with client.session_transaction() as session:
        session["locked"] = True
    options = client.post("/webauthn/deverrouillage/options").get_json()
    credential = AUTHENTICATORS["praticien"].get(options)
    assert (
        client.post("/webauthn/deverrouillage", json={"credential": credential}).get_json()[
            "status"
        ]
        == "ok"
    )
    with app.app_context():
        spent = WebAuthnChallenge.get(WebAuthnChallenge.challenge == unb64url(options["challenge"]))
        assert spent.used_at is not None
    with client.session_transaction() as session:
        session["locked"] = True
    replay = client.post("/webauthn/deverrouillage", json={"credential": credential})
    _refused(replay, "déjà servi")
    assert client.get("/patients/").headers.get("Location") == "/verrou"
    assert len(_failed_second_factors(app, "praticien")) == 1


def test_expired_challenge_is_refused(app, anon_client):
    from cabinet.auth.models import WebAuthnChallenge

    password_step(anon_client, "secretaire")
    options = anon_client.post("/webauthn/connexion/options").get_json()
    with app.app_context():
        updated = (
            WebAuthnChallenge.update(expires_at=utcnow() - datetime.timedelta(seconds=1))
            .where(WebAuthnChallenge.challenge == unb64url(options["challenge"]))
            .execute()
        )
    assert updated == 1
    credential = AUTHENTICATORS["secretaire"].get(options)
    _refused(anon_client.post("/webauthn/connexion", json={"credential": credential}), "expiré")
    assert not _signed_in(anon_client)
    assert len(_failed_second_factors(app, "secretaire")) == 1


def test_cloned_authenticator_is_refused_and_the_genuine_one_still_works(app, anon_client):
    genuine = AUTHENTICATORS["praticien"]
    login(app.test_client(), "practitioner")  # the stored counter is now above zero
    (stored,) = _credentials(app, "praticien")
    assert stored.sign_count == genuine.sign_count > 0

    clone = genuine.clone()
    assert clone.sign_count == 0
    password_step(anon_client, "praticien")
    _refused(second_factor(anon_client, "praticien", authenticator=clone), "copié")
    assert not _signed_in(anon_client)
    (cloned,) = traces(app, action="auth.authenticator_cloned")
    assert cloned.outcome == "refused" and cloned.actor_name == "Dr Paul Soignant"
    assert _credentials(app, "praticien")[0].sign_count == stored.sign_count

    fresh = app.test_client()
    password_step(fresh, "praticien")
    assert second_factor(fresh, "praticien").get_json()["status"] == "ok"
    assert _signed_in(fresh)


def test_assertion_without_user_verification_is_refused(app, anon_client):
    unverified = copy.copy(AUTHENTICATORS["secretaire"])
    unverified.user_verified = False
    password_step(anon_client, "secretaire")
    response = second_factor(anon_client, "secretaire", authenticator=unverified)
    _refused(response, "a échoué")
    assert not _signed_in(anon_client)
    (failure,) = _failed_second_factors(app, "secretaire")
    assert "verif" in failure.detail.lower()


def test_assertion_for_another_origin_is_refused(app, anon_client):
    password_step(anon_client, "secretaire")
    response = second_factor(anon_client, "secretaire", origin="http://evil.example")
    _refused(response, "a échoué")
    assert not _signed_in(anon_client)
    (failure,) = _failed_second_factors(app, "secretaire")
    assert "origin" in failure.detail.lower()


def test_authenticator_of_another_user_is_refused(app, anon_client):
    password_step(anon_client, "praticien")
    options = anon_client.post("/webauthn/connexion/options").get_json()
    credential = AUTHENTICATORS["secretaire"].get(options)
    response = anon_client.post("/webauthn/connexion", json={"credential": credential})
    _refused(response, "n'est pas enregistré pour ce compte")
    assert not _signed_in(anon_client)
    assert len(_failed_second_factors(app, "praticien")) == 1


# Recovery codes -----------------------------------------------------------------------------


def test_recovery_code_completes_the_login_once(app, anon_client, user):
    from cabinet.auth import recovery

    code = RECOVERY_CODES["secretaire"][0]
    password_step(anon_client, "secretaire")
    response = anon_client.post("/code-de-secours", data={"code": code})
    assert response.headers["Location"] == "/securite"
    page = anon_client.get("/securite").get_data(as_text=True)
    assert "il vous en reste 9" in page and "<strong>9</strong>" in page
    with app.app_context():
        assert recovery.remaining(user("secretary")) == 9
    (used,) = traces(app, action="auth.recovery_code_used")
    assert used.detail == "9 code(s) restant(s)" and code not in used.detail
    assert traces(app, action="auth.login")[-1].detail == "code de secours"
    anon_client.post("/deconnexion")

    again = app.test_client()
    password_step(again, "secretaire")
    refused = again.post("/code-de-secours", data={"code": code})
    assert refused.status_code == 401
    assert "Code invalide ou déjà utilisé." in refused.get_data(as_text=True)
    assert not _signed_in(again)
    assert len(_failed_second_factors(app, "secretaire")) == 1

    # Another code, typed in lower case without the dashes, still works.
    other = RECOVERY_CODES["secretaire"][1].replace("-", "").lower()
    assert again.post("/code-de-secours", data={"code": other}).headers["Location"] == "/securite"
    with app.app_context():
        assert recovery.remaining(user("secretary")) == 8


def test_recovery_code_needs_the_password_step_first(app, anon_client):
    response = anon_client.post("/code-de-secours", data={"code": RECOVERY_CODES["secretaire"][0]})
    assert response.headers["Location"] == "/connexion"
    assert traces(app, action="auth.recovery_code_used") == []


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
    assert len(_credentials(app, "praticien")) == 1
    assert anon_client.get("/enregistrement").headers["Location"] == "/second-facteur"
    assert not _signed_in(anon_client)
    assert (
        traces(app, action="auth.authenticator_added", actor_name="Dr Paul Soignant")[-1].detail
        == "Clé de test"
    )  # only the enrolment of the template


def test_admin_reset_of_authenticators_closes_sessions_and_asks_for_a_new_enrolment(
    app, admin_client, practitioner_client, user
):
    practitioner = user("practitioner")
    assert _signed_in(practitioner_client)
    response = admin_client.post(f"/comptes/{practitioner.ref}/authentificateurs")
    assert response.headers["Location"] == f"/comptes/{practitioner.ref}"

    assert practitioner_client.get("/").headers.get("Location") == "/connexion"
    assert _credentials(app, "praticien") == []
    (reset,) = traces(app, action="user.authenticators_reset")
    assert reset.target == f"user:{practitioner.id}" and reset.actor_name == "Camille Admin"
    assert "1 authentificateur" in reset.detail

    again = app.test_client()
    assert password_step(again, "praticien").headers["Location"] == "/enregistrement"
    assert not _signed_in(again)
    # The old key is gone for good, and a new one can be enrolled.
    # The old key is no way back in, whether or not a second-factor challenge is offered.
    offered = again.post("/webauthn/connexion/options").get_json()
    old_key = AUTHENTICATORS["praticien"].get({"challenge": offered.get("challenge", "AAAA")})
    refused = again.post("/webauthn/connexion", json={"credential": old_key})
    assert refused.status_code in (400, 401) and refused.get_json()["status"] == "error"
    assert not _signed_in(again)
    new_key = SoftAuthenticator()
    options = again.post("/webauthn/enregistrement/options").get_json()
    result = again.post(
        "/webauthn/enregistrement",
        json={"credential": new_key.create(options), "name": "Nouvelle clé"},
    )
    assert result.get_json() == {"status": "ok", "next": "/codes-de-secours"}
    assert [c.name for c in _credentials(app, "praticien")] == ["Nouvelle clé"]


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
    (only,) = _credentials(app, "praticien")
    response = practitioner_client.post(f"/securite/authentificateurs/{only.id}/supprimer")
    assert response.headers["Location"] == "/securite"
    page = practitioner_client.get("/securite").get_data(as_text=True)
    assert "Impossible de supprimer votre dernier authentificateur" in page
    assert len(_credentials(app, "praticien")) == 1
    assert traces(app, action="auth.authenticator_removed") == []


def test_a_second_authenticator_can_be_added_then_one_removed(app, practitioner_client):
    key = _add_authenticator(practitioner_client, "Clé USB de secours")
    original, added = _credentials(app, "praticien")
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
    assert [c.name for c in _credentials(app, "praticien")] == ["Clé USB de secours"]
    (removed,) = traces(app, action="auth.authenticator_removed")
    assert removed.detail == "Clé de test" and removed.actor_name == "Dr Paul Soignant"
    page = practitioner_client.get("/securite").get_data(as_text=True)
    assert "Authentificateur « Clé de test » supprimé." in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    assert not [r for r in rows if "Clé de test" in r]

    # The remaining key logs in; the removed one no longer does.
    fresh = app.test_client()
    password_step(fresh, "praticien")
    _refused(second_factor(fresh, "praticien"), "n'est pas enregistré")
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
    assert [c.name for c in _credentials(app, "praticien")] == ["Clé de test"]
    assert _signed_in(practitioner_client)


def test_i_cannot_remove_someone_elses_authenticator(app, practitioner_client):
    (theirs,) = _credentials(app, "secretaire")
    _add_authenticator(practitioner_client, "Deuxième clé")
    response = practitioner_client.post(f"/securite/authentificateurs/{theirs.id}/supprimer")
    assert response.status_code == 404
    assert len(_credentials(app, "secretaire")) == 1


# Secretary exemption (setting) ----------------------------------------------------------------


EXEMPT = {
    "idle_lock_minutes": "5",
    "password_min_entropy": "50",
    "trace_retention_days": "365",
    "secretary_second_factor_exempt": "y",
}


def test_secretary_exemption_lets_only_the_secretary_in_with_the_password(app, admin_client):
    assert "dispensé du second facteur" not in admin_client.get(
        "/comptes/parametres-securite"
    ).get_data(as_text=True)
    response = admin_client.post("/comptes/parametres-securite", data=EXEMPT)
    assert response.headers["Location"] == "/comptes/parametres-securite"
    (changed,) = traces(
        app, action="settings.update", target="setting:secretary_second_factor_exempt"
    )
    assert changed.actor_name == "Camille Admin"

    secretary = app.test_client()
    assert password_step(secretary, "secretaire").headers["Location"] == "/"
    assert "Bonjour Sophie Accueil" in secretary.get("/").get_data(as_text=True)
    assert traces(app, action="auth.login")[-1].detail.startswith("mot de passe")

    practitioner = app.test_client()
    assert password_step(practitioner, "praticien").headers["Location"] == "/second-facteur"
    assert not _signed_in(practitioner)

    page = admin_client.get("/comptes/parametres-securite").get_data(as_text=True)
    assert "Attention : le rôle secrétaire est dispensé du second facteur" in page


def test_secretary_needs_the_second_factor_by_default(app):
    client = app.test_client()
    response = client.post(
        "/connexion", data={"login": "secretaire", "password": PASSWORDS["secretaire"]}
    )
    assert response.headers["Location"] == "/second-facteur"
    assert not _signed_in(client)

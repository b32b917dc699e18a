"""S5: the WebAuthn second factor at login, through the real endpoints and py_webauthn checks:
challenges single use and short-lived; replayed, cloned, unverified, foreign-origin and
foreign-user assertions refused and traced (T1); the secretary exemption setting."""

import copy
import datetime

import pytest

from cabinet import settings
from cabinet.db import utcnow
from tests.auth_support import (
    credentials,
    failed_second_factors,
    is_signed_in,
    refused,
)
from tests.conftest import (
    AUTHENTICATORS,
    PASSWORDS,
    login,
    password_step,
    second_factor,
    traces,
)
from tests.soft_webauthn import unb64url


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
    refused(replay, "déjà servi")
    assert not is_signed_in(attacker)
    (failure,) = failed_second_factors(app, "praticien")
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
    refused(replay, "déjà servi")
    assert client.get("/patients/").headers.get("Location") == "/verrou"
    assert len(failed_second_factors(app, "praticien")) == 1


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
    refused(anon_client.post("/webauthn/connexion", json={"credential": credential}), "expiré")
    assert not is_signed_in(anon_client)
    assert len(failed_second_factors(app, "secretaire")) == 1


def test_cloned_authenticator_is_refused_and_the_genuine_one_still_works(app, anon_client):
    genuine = AUTHENTICATORS["praticien"]
    login(app.test_client(), "practitioner")  # the stored counter is now above zero
    (stored,) = credentials(app, "praticien")
    assert stored.sign_count == genuine.sign_count > 0

    clone = genuine.clone()
    assert clone.sign_count == 0
    password_step(anon_client, "praticien")
    refused(second_factor(anon_client, "praticien", authenticator=clone), "copié")
    assert not is_signed_in(anon_client)
    (cloned,) = traces(app, action="auth.authenticator_cloned")
    assert cloned.outcome == "refused" and cloned.actor_name == "Dr Paul Soignant"
    assert credentials(app, "praticien")[0].sign_count == stored.sign_count

    fresh = app.test_client()
    password_step(fresh, "praticien")
    assert second_factor(fresh, "praticien").get_json()["status"] == "ok"
    assert is_signed_in(fresh)


@pytest.mark.parametrize(
    ("flaw", "traced"),
    [("user not verified", "verif"), ("another origin", "origin")],
)
def test_assertion_failing_a_check_is_refused_and_traced(app, anon_client, flaw, traced):
    """Without user verification, or signed for another origin (phishing): refused, traced."""
    if flaw == "user not verified":
        unverified = copy.copy(AUTHENTICATORS["secretaire"])
        unverified.user_verified = False
        overrides = {"authenticator": unverified}
    else:
        overrides = {"origin": "http://evil.example"}
    password_step(anon_client, "secretaire")
    response = second_factor(anon_client, "secretaire", **overrides)
    refused(response, "a échoué")
    assert not is_signed_in(anon_client)
    (failure,) = failed_second_factors(app, "secretaire")
    assert traced in failure.detail.lower()


def test_authenticator_of_another_user_is_refused(app, anon_client):
    password_step(anon_client, "praticien")
    options = anon_client.post("/webauthn/connexion/options").get_json()
    credential = AUTHENTICATORS["secretaire"].get(options)
    response = anon_client.post("/webauthn/connexion", json={"credential": credential})
    refused(response, "n'est pas enregistré pour ce compte")
    assert not is_signed_in(anon_client)
    assert len(failed_second_factors(app, "praticien")) == 1


# Secretary exemption (setting) ----------------------------------------------------------------


EXEMPT = {
    "idle_lock_minutes": "5",
    "password_min_entropy": "50",
    "trace_retention_days": "365",
    "account_inactivity_months": "6",
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
    with app.app_context():
        assert settings.get("secretary_second_factor_exempt") is True

    secretary = app.test_client()
    assert password_step(secretary, "secretaire").headers["Location"] == "/"
    assert "Bonjour Sophie Accueil" in secretary.get("/").get_data(as_text=True)
    assert traces(app, action="auth.login")[-1].detail.startswith("mot de passe")

    practitioner = app.test_client()
    assert password_step(practitioner, "praticien").headers["Location"] == "/second-facteur"
    assert not is_signed_in(practitioner)

    page = admin_client.get("/comptes/parametres-securite").get_data(as_text=True)
    assert "Attention : le rôle secrétaire est dispensé du second facteur" in page


def test_secretary_needs_the_second_factor_by_default(app):
    client = app.test_client()
    response = client.post(
        "/connexion", data={"login": "secretaire", "password": PASSWORDS["secretaire"]}
    )
    assert response.headers["Location"] == "/second-facteur"
    assert not is_signed_in(client)

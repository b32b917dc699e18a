"""S6, X3: server-side sessions and the idle lock.

The cookie is an opaque random token whose SHA-256 alone is stored; it changes at every
step up (no session fixation); logout, a password change, an admin's disabling or
revocation end sessions at once (traced, T1). Past the idle delay (a setting) the server
locks the session: nothing but unlock and logout answers until the same user unlocks,
with the password (counted like a login attempt) or the authenticator.
"""

import datetime
import hashlib
import re

from cabinet.db import utcnow
from tests.conftest import (
    ACCOUNTS,
    AUTHENTICATORS,
    PASSWORDS,
    password_step,
    second_factor,
    traces,
)

COOKIE = "cabinet_session"
NEW_PASSWORD = "Lavande orbite crayon marmite falaise"


def _token(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def _with_cookie(app, token: str):
    """A brand-new browser that was handed someone's cookie value."""
    other = app.test_client()
    other.set_cookie(COOKIE, token)
    return other


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _row_for(app, token: str):
    from cabinet.auth.models import UserSession

    with app.app_context():
        return UserSession.get_or_none(
            UserSession.token_hash == hashlib.sha256(token.encode()).hexdigest()
        )


def _idle(client, minutes: float) -> None:
    """Pretend the user has not touched the page for `minutes`."""
    with client.session_transaction() as session:
        session["last_activity"] = (utcnow() - datetime.timedelta(minutes=minutes)).isoformat()


def _settings(admin_client, idle_lock_minutes: int) -> None:
    response = admin_client.post(
        "/comptes/parametres-securite",
        data={
            "idle_lock_minutes": str(idle_lock_minutes),
            "password_min_entropy": "50",
            "trace_retention_days": "365",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


# The cookie --------------------------------------------------------------------------------


def test_cookie_is_an_opaque_token_of_which_only_the_hash_is_stored(app, anon_client, user):
    from cabinet.auth.models import UserSession
    from cabinet.db import database

    password_step(anon_client, "secretaire")
    response = second_factor(anon_client, "secretaire")
    (set_cookie,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE)]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/" in set_cookie

    token = _token(anon_client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)  # 32 random bytes, no signed payload
    secretary = user("secretary")
    assert "secretaire" not in token and str(secretary.id) != token
    row = _row_for(app, token)
    assert row is not None and row.user_id == secretary.id and row.revoked_at is None
    with app.app_context():
        raw_table = repr(database.execute_sql("SELECT * FROM user_session").fetchall())
        assert UserSession.select().where(UserSession.token_hash == token).count() == 0
    assert token not in raw_table
    assert hashlib.sha256(token.encode()).hexdigest() in raw_table


def test_cookie_changes_at_each_step_so_a_planted_session_is_never_promoted(csrf_app):
    """Session fixation: the pre-login, pending and signed-in tokens all differ."""
    from cabinet.auth.models import UserSession

    client = csrf_app.test_client()
    with csrf_app.app_context():
        rows_before = UserSession.select().count()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # Before any login nothing is stored: the CSRF token travels in a signed cookie.
    assert _token(client) is None and client.get_cookie("cabinet_visit") is not None
    with csrf_app.app_context():
        assert UserSession.select().count() == rows_before
    anonymous = client.get_cookie("cabinet_visit").value

    client.post(
        "/connexion",
        data={"csrf_token": token, "login": "secretaire", "password": PASSWORDS["secretaire"]},
    )
    pending = _token(client)
    assert pending not in (None, anonymous)
    assert client.get_cookie("cabinet_visit") is None  # replaced by the server-side session

    step = client.get("/second-facteur").get_data(as_text=True)
    header = {"X-CSRFToken": re.search(r'"X-CSRFToken": "([^"]+)"', step).group(1)}
    options = client.post("/webauthn/connexion/options", headers=header).get_json()
    credential = AUTHENTICATORS["secretaire"].get(options)
    result = client.post("/webauthn/connexion", json={"credential": credential}, headers=header)
    assert result.get_json()["status"] == "ok"
    signed_in = _token(client)
    assert signed_in not in (None, anonymous, pending)
    assert _signed_in(client)

    # Whoever kept (or planted) an earlier value holds nothing.
    for old in (anonymous, pending):
        stale = _with_cookie(csrf_app, old)
        assert stale.get("/").headers.get("Location") == "/connexion"
        assert stale.get("/second-facteur").headers.get("Location") == "/connexion"


def test_unknown_cookie_value_is_ignored_and_replaced(app, anon_client):
    anon_client.set_cookie(COOKIE, "valeur-choisie-par-un-attaquant")
    password_step(anon_client, "secretaire")
    second_factor(anon_client, "secretaire")
    assert _token(anon_client) != "valeur-choisie-par-un-attaquant"
    assert _row_for(app, "valeur-choisie-par-un-attaquant") is None
    assert _signed_in(anon_client)


# Ending sessions ---------------------------------------------------------------------------


def test_logout_revokes_the_session_server_side(app, secretary_client):
    token = _token(secretary_client)
    assert _signed_in(_with_cookie(app, token))
    response = secretary_client.post("/deconnexion")
    assert response.headers["Location"] == "/connexion"

    replayed = _with_cookie(app, token)
    assert replayed.get("/").headers.get("Location") == "/connexion"
    assert replayed.get("/patients/").headers.get("Location") == "/connexion"
    row = _row_for(app, token)
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

    row = _row_for(app, _token(secretary_client))
    lifetime = datetime.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    with app.app_context():
        UserSession.update(created_at=utcnow() - lifetime - datetime.timedelta(minutes=1)).where(
            UserSession.id == row.id
        ).execute()
    assert secretary_client.get("/").headers.get("Location") == "/connexion"


def test_password_change_closes_my_other_sessions_but_keeps_this_one(app, role_client):
    here = role_client("practitioner")
    elsewhere = role_client("practitioner")
    elsewhere_token = _token(elsewhere)
    assert _signed_in(here) and _signed_in(elsewhere)

    response = here.post(
        "/mot-de-passe", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert response.headers["Location"] == "/securite", response.get_data(as_text=True)
    assert _signed_in(here)
    assert here.get("/patients/").status_code == 200
    assert elsewhere.get("/").headers.get("Location") == "/connexion"
    assert _row_for(app, elsewhere_token).revoked_reason == "changement de mot de passe"
    (changed,) = traces(app, action="auth.password_changed")
    assert changed.actor_name == "Dr Paul Soignant"

    assert password_step(app.test_client(), "praticien").status_code == 401
    fresh = app.test_client()
    assert password_step(fresh, "praticien", NEW_PASSWORD).headers["Location"] == "/second-facteur"


def test_disabled_account_loses_its_open_session_at_once(app, admin_client, secretary_client, user):
    assert _signed_in(secretary_client)
    secretary = user("secretary")
    response = admin_client.post(f"/comptes/{secretary.ref}/desactiver")
    assert response.headers["Location"] == f"/comptes/{secretary.ref}"

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
    assert secretary_client.get("/").headers.get("Location") == "/connexion"


def test_admin_revokes_one_session_and_only_that_one(app, admin_client, role_client, user):
    first = role_client("practitioner")
    second = role_client("practitioner")
    practitioner = user("practitioner")
    row = _row_for(app, _token(second))
    page = admin_client.get(f"/comptes/{practitioner.ref}").get_data(as_text=True)
    revoke_url = f"/comptes/{practitioner.ref}/sessions/{row.id}/revoquer"
    assert revoke_url in page

    response = admin_client.post(revoke_url)
    assert response.headers["Location"] == f"/comptes/{practitioner.ref}"
    assert second.get("/").headers.get("Location") == "/connexion"
    assert _signed_in(first)
    assert revoke_url not in admin_client.get(f"/comptes/{practitioner.ref}").get_data(as_text=True)
    (revoked,) = traces(app, action="auth.session_revoked")
    assert revoked.target == f"user:{practitioner.id}" and revoked.actor_name == "Camille Admin"


def test_a_session_cannot_be_revoked_through_another_account(app, admin_client, role_client, user):
    practitioner_client = role_client("practitioner")
    row = _row_for(app, _token(practitioner_client))
    secretary = user("secretary")
    admin_client.post(f"/comptes/{secretary.ref}/sessions/{row.id}/revoquer")
    assert _signed_in(practitioner_client)
    assert traces(app, action="auth.session_revoked") == []


# Idle lock ---------------------------------------------------------------------------------


def _patient_form(patient, **changes):
    form = {
        "birth_name": patient.birth_name,
        "last_name": patient.last_name,
        "first_names": patient.first_names,
        "used_first_name": "",
        "birth_date": patient.birth_date.isoformat(),
        "sex": patient.sex,
        "birthplace_code": "",
        "address": patient.address,
        "postcode": patient.postcode,
        "city": patient.city,
        "phone": patient.phone,
        "email": "",
        "ins_number": "",
        "ins_oid": "",
        "identity_status": "provisoire",
        "nir": "",
        "family_situation": "",
        "profession": "",
    }
    form.update(changes)
    return form


def test_idle_session_is_locked_by_the_server(app, practitioner_client):
    client = practitioner_client
    assert client.get("/patients/").status_code == 200
    _idle(client, 10)

    response = client.get("/patients/")
    assert response.headers["Location"] == "/verrou"
    (locked,) = traces(app, action="auth.session_locked")
    assert locked.actor_name == "Dr Paul Soignant"
    htmx = client.get("/patients/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/verrou"
    assert client.get("/").headers["Location"] == "/verrou"
    assert client.get("/securite").headers["Location"] == "/verrou"

    page = client.get("/verrou")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Session verrouillée" in text and "Dr Paul Soignant" in text
    assert "/verrou/mot-de-passe" in text and "/webauthn/deverrouillage" in text


def test_locked_session_refuses_writes_and_changes_nothing(app, practitioner_client, make_patient):
    from cabinet.patients.models import Patient, PatientChange

    patient = make_patient(phone="01 11 11 11 11")
    client = practitioner_client
    _idle(client, 10)
    edit = client.post(
        f"/patients/{patient.ref}/modifier", data=_patient_form(patient, phone="06 99 99 99 99")
    )
    assert edit.headers["Location"] == "/verrou"
    htmx_edit = client.post(
        f"/patients/{patient.ref}/modifier",
        data=_patient_form(patient, phone="06 99 99 99 99"),
        headers={"HX-Request": "true"},
    )
    assert htmx_edit.status_code == 401 and htmx_edit.headers["HX-Redirect"] == "/verrou"
    search = client.post(
        "/patients/recherche", data={"q": patient.birth_name}, headers={"HX-Request": "true"}
    )
    assert search.status_code == 401 and patient.birth_name not in search.get_data(as_text=True)
    # Nor can a locked session add an authenticator or change the password.
    assert client.post("/webauthn/enregistrement/options").headers.get("Location") == "/verrou"
    changed = client.post(
        "/mot-de-passe", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert changed.headers.get("Location") == "/verrou"

    with app.app_context():
        assert Patient.get_by_id(patient.id).phone == "01 11 11 11 11"
        assert PatientChange.select().count() == 0
    assert traces(app, action="patient.update") == []
    assert traces(app, action="auth.password_changed") == []
    assert len(traces(app, action="auth.authenticator_added")) == len(ACCOUNTS)  # template


def test_logout_still_works_when_locked(app, practitioner_client):
    client = practitioner_client
    token = _token(client)
    _idle(client, 10)
    assert client.get("/patients/").headers["Location"] == "/verrou"
    response = client.post("/deconnexion")
    assert response.headers["Location"] == "/connexion"
    assert _row_for(app, token).revoked_at is not None
    assert client.get("/verrou").headers["Location"] == "/connexion"
    assert len(traces(app, action="auth.logout")) == 1


def test_unlock_with_the_password_resumes_the_page_i_was_on(app, practitioner_client, make_patient):
    from cabinet.patients.models import Patient

    patient = make_patient(phone="01 11 11 11 11")
    client = practitioner_client
    before = _token(client)
    _idle(client, 10)
    assert client.get("/patients/").headers["Location"] == "/verrou"

    response = client.post("/verrou/mot-de-passe", data={"password": PASSWORDS["praticien"]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/patients/"
    assert _token(client) != before  # a new token after the step up
    assert client.get("/patients/").status_code == 200
    (unlocked,) = traces(app, action="auth.session_unlocked")
    assert unlocked.detail == "mot de passe" and unlocked.actor_name == "Dr Paul Soignant"

    edit = client.post(
        f"/patients/{patient.ref}/modifier", data=_patient_form(patient, phone="06 99 99 99 99")
    )
    assert edit.headers["Location"] == f"/patients/{patient.ref}"
    with app.app_context():
        assert Patient.get_by_id(patient.id).phone == "06 99 99 99 99"


def test_htmx_request_remembers_the_page_not_the_fragment(app, practitioner_client):
    client = practitioner_client
    _idle(client, 10)
    response = client.post(
        "/patients/recherche",
        data={"q": "a"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/patients/"},
    )
    assert response.status_code == 401
    unlocked = client.post("/verrou/mot-de-passe", data={"password": PASSWORDS["praticien"]})
    assert unlocked.headers["Location"] == "/patients/"


def test_unlock_with_the_authenticator(app, practitioner_client):
    client = practitioner_client
    _idle(client, 10)
    assert client.get("/patients/").headers["Location"] == "/verrou"

    options = client.post("/webauthn/deverrouillage/options")
    assert options.status_code == 200
    credential = AUTHENTICATORS["praticien"].get(options.get_json())
    result = client.post("/webauthn/deverrouillage", json={"credential": credential})
    assert result.get_json() == {"status": "ok", "next": "/patients/"}
    assert client.get("/patients/").status_code == 200
    (unlocked,) = traces(app, action="auth.session_unlocked")
    assert "Clé de test" in unlocked.detail


def test_only_the_same_user_can_unlock(app, practitioner_client):
    client = practitioner_client
    _idle(client, 10)
    client.get("/patients/")
    options = client.post("/webauthn/deverrouillage/options").get_json()
    credential = AUTHENTICATORS["secretaire"].get(options)
    result = client.post("/webauthn/deverrouillage", json={"credential": credential})
    assert result.status_code == 400 and result.get_json()["status"] == "error"
    refused = client.post("/verrou/mot-de-passe", data={"password": PASSWORDS["secretaire"]})
    assert refused.status_code == 401
    assert client.get("/patients/").headers["Location"] == "/verrou"
    assert traces(app, action="auth.session_unlocked") == []


def test_wrong_password_at_unlock_is_refused_and_counted(app, practitioner_client):
    from cabinet.auth import lockout
    from cabinet.auth.models import LoginAttempt

    client = practitioner_client
    _idle(client, 10)
    client.get("/patients/")
    with app.test_request_context():
        key = lockout.login_key("praticien")
    with app.app_context():
        failures_before = (
            LoginAttempt.select()
            .where((LoginAttempt.login_key == key) & (LoginAttempt.outcome == "failure"))
            .count()
        )

    response = client.post("/verrou/mot-de-passe", data={"password": "pas le bon mot de passe"})
    assert response.status_code == 401
    assert "Mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/patients/").headers["Location"] == "/verrou"
    with app.app_context():
        assert lockout.consecutive_failures(key) == 1
        assert (
            LoginAttempt.select()
            .where((LoginAttempt.login_key == key) & (LoginAttempt.outcome == "failure"))
            .count()
            == failures_before + 1
        )
    (failed,) = traces(app, action="auth.login_failed")
    assert failed.outcome == "refused" and "déverrouillage" in failed.detail
    assert traces(app, action="auth.session_unlocked") == []


def test_unlock_attempts_share_the_login_attempt_limits(app, practitioner_client):
    from cabinet.auth import lockout

    client = practitioner_client
    _idle(client, 10)
    client.get("/patients/")
    for _ in range(lockout.DELAY_FROM):
        assert client.post("/verrou/mot-de-passe", data={"password": "faux"}).status_code == 401
    # Past the threshold even the right password must wait, here and at the login page.
    held = client.post("/verrou/mot-de-passe", data={"password": PASSWORDS["praticien"]})
    assert held.status_code == 401
    assert "nouvel essai possible dans" in held.get_data(as_text=True)
    assert client.get("/patients/").headers["Location"] == "/verrou"
    elsewhere = password_step(app.test_client(), "praticien")
    assert elsewhere.status_code == 401
    assert "nouvel essai possible dans" in elsewhere.get_data(as_text=True)


def test_lock_is_per_session(app, role_client):
    idle = role_client("practitioner")
    busy = role_client("practitioner")
    _idle(idle, 10)
    assert idle.get("/patients/").headers["Location"] == "/verrou"
    assert busy.get("/patients/").status_code == 200


def test_activity_keeps_the_session_unlocked(app, practitioner_client):
    client = practitioner_client
    _idle(client, 4)  # default delay: 5 minutes
    assert client.get("/patients/").status_code == 200
    _idle(client, 4)
    assert client.get("/patients/").status_code == 200
    assert traces(app, action="auth.session_locked") == []


def test_idle_delay_comes_from_the_setting(app, admin_client, role_client):
    _settings(admin_client, 1)
    client = role_client("secretary")
    _idle(client, 2)
    assert client.get("/patients/").headers["Location"] == "/verrou"

    _settings(admin_client, 30)
    other = role_client("secretary")
    _idle(other, 2)
    assert other.get("/patients/").status_code == 200
    _idle(other, 29)
    assert other.get("/patients/").status_code == 200
    _idle(other, 31)
    assert other.get("/patients/").headers["Location"] == "/verrou"


def test_verrou_page_sends_an_active_session_home(practitioner_client):
    assert practitioner_client.get("/verrou").headers["Location"] == "/"

"""S6: past the idle delay (a setting) the server locks the session: nothing but unlock and
logout answers until the same user unlocks, with the password (counted like a login
attempt, S3) or the authenticator; the page then resumes where it was."""

from cabinet import settings
from tests.auth_support import (
    pretend_idle,
    session_row,
    session_token,
)
from tests.conftest import (
    ACCOUNTS,
    AUTHENTICATORS,
    PASSWORDS,
    password_step,
    traces,
)

NEW_PASSWORD = "Lavande orbite crayon marmite falaise"


def _settings(admin_client, idle_lock_minutes: int) -> None:
    response = admin_client.post(
        "/comptes/parametres-securite",
        data={
            "idle_lock_minutes": str(idle_lock_minutes),
            "password_min_entropy": "50",
            "trace_retention_days": "365",
            "account_inactivity_months": "6",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with admin_client.application.app_context():
        assert settings.get("idle_lock_minutes") == idle_lock_minutes


# What the patient's edit page posts: every field of the form, as stored.
PATIENT_FIELDS = (
    "birth_name",
    "last_name",
    "first_names",
    "used_first_name",
    "birth_date",
    "sex",
    "birthplace_code",
    "address",
    "postcode",
    "city",
    "phone",
    "email",
    "ins_number",
    "ins_oid",
    "identity_status",
    "nir",
    "family_situation",
    "profession",
)


def _patient_form(patient, **changes):
    form = {name: getattr(patient, name) for name in PATIENT_FIELDS}
    form["birth_date"] = patient.birth_date.isoformat()
    return form | changes


def test_idle_session_is_locked_by_the_server(app, practitioner_client):
    client = practitioner_client
    assert client.get("/patients/").status_code == 200
    pretend_idle(client, 10)

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
    pretend_idle(client, 10)
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
    token = session_token(client)
    pretend_idle(client, 10)
    assert client.get("/patients/").headers["Location"] == "/verrou"
    response = client.post("/deconnexion")
    assert response.headers["Location"] == "/connexion"
    assert session_row(app, token).revoked_at is not None
    assert client.get("/verrou").headers["Location"] == "/connexion"
    assert len(traces(app, action="auth.logout")) == 1


def test_unlock_with_the_password_resumes_the_page_i_was_on(app, practitioner_client, make_patient):
    from cabinet.patients.models import Patient

    patient = make_patient(phone="01 11 11 11 11")
    client = practitioner_client
    before = session_token(client)
    pretend_idle(client, 10)
    assert client.get("/patients/").headers["Location"] == "/verrou"

    response = client.post("/verrou/mot-de-passe", data={"password": PASSWORDS["praticien"]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/patients/"
    assert session_token(client) != before  # a new token after the step up
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
    pretend_idle(client, 10)
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
    pretend_idle(client, 10)
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
    pretend_idle(client, 10)
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
    pretend_idle(client, 10)
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
    pretend_idle(client, 10)
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
    pretend_idle(idle, 10)
    assert idle.get("/patients/").headers["Location"] == "/verrou"
    assert busy.get("/patients/").status_code == 200


def test_activity_keeps_the_session_unlocked(app, practitioner_client):
    client = practitioner_client
    pretend_idle(client, 4)  # default delay: 5 minutes
    assert client.get("/patients/").status_code == 200
    pretend_idle(client, 4)
    assert client.get("/patients/").status_code == 200
    assert traces(app, action="auth.session_locked") == []


def test_idle_delay_comes_from_the_setting(app, admin_client, role_client):
    _settings(admin_client, 1)
    client = role_client("secretary")
    pretend_idle(client, 2)
    assert client.get("/patients/").headers["Location"] == "/verrou"

    _settings(admin_client, 30)
    other = role_client("secretary")
    pretend_idle(other, 2)
    assert other.get("/patients/").status_code == 200
    pretend_idle(other, 29)
    assert other.get("/patients/").status_code == 200
    pretend_idle(other, 31)
    assert other.get("/patients/").headers["Location"] == "/verrou"


def test_verrou_page_sends_an_active_session_home(practitioner_client):
    assert practitioner_client.get("/verrou").headers["Location"] == "/"

"""Fixtures: a real SQLCipher instance per test (copied from a template built once), one
logged-in client per role, and small factories. No mocked database."""

import datetime
import secrets
import shutil
from pathlib import Path

import pytest

from cabinet import create_app
from cabinet.db import close_stores, database
from tests.soft_webauthn import SoftAuthenticator

# Accounts of the test instance; passwords are generated at run time, never written down.
ACCOUNTS = {
    "admin": ("admin", "Camille Admin"),
    "practitioner": ("praticien", "Dr Paul Soignant"),
    "locum": ("remplacant", "Léa Remplaçante"),
    "secretary": ("secretaire", "Sophie Accueil"),
}
PASSWORDS = {login: secrets.token_urlsafe(16) for login, _ in ACCOUNTS.values()}
# Each test account enrols a software authenticator while the template instance is built.
AUTHENTICATORS = {login: SoftAuthenticator() for login, _ in ACCOUNTS.values()}
RECOVERY_CODES: dict[str, list[str]] = {}
ORIGIN = "http://localhost:5000"
# Cheap Argon2 for tests only: the production cost is measured in `make bench`.
FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8192, "ARGON2_PARALLELISM": 1}


def instance_config(folder: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": folder,
        "DATABASE_PATH": folder / "cabinet.db",
        "ARCHIVE_PATH": folder / "archive.db",
        "KEYS_PATH": folder / "keys",
        "RP_ID": "localhost",
        "ORIGINS": [ORIGIN],
        **FAST_ARGON2,
        **extra,
    }


@pytest.fixture(autouse=True)
def _no_key_from_environment(monkeypatch):
    for name in (
        "CABINET_DB_KEY",
        "CABINET_ARCHIVE_KEY",
        "CABINET_AUDIT_KEY",
        "CABINET_BACKUP_KEY",
        "CABINET_INSTANCE",
        "CABINET_BACKUP_DIR",
        "CABINET_BACKUP_COPY_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def template_instance(tmp_path_factory) -> Path:
    """An initialised instance with the test accounts, built once and copied per test."""
    import os

    for name in (
        "CABINET_DB_KEY",
        "CABINET_ARCHIVE_KEY",
        "CABINET_AUDIT_KEY",
        "CABINET_BACKUP_KEY",
    ):
        os.environ.pop(name, None)
    return build_instance(tmp_path_factory.mktemp("template"))


def build_instance(folder: Path) -> Path:
    """Initialise an instance in `folder` with the test accounts, each with its enrolled
    software authenticator (also what `bench/journeys.py` serves)."""
    app = create_app(instance_config(folder))
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from cabinet.users.services import create_user

        for role, (login, name) in ACCOUNTS.items():
            extra = {}
            if role == "locum":
                extra["end_date"] = datetime.date.today() + datetime.timedelta(days=30)
            create_user(
                login,
                "practitioner" if role == "locum" else role,
                PASSWORDS[login],
                display_name=name,
                **extra,
            )
    for login_name, _ in ACCOUNTS.values():
        enrol(app.test_client(), login_name)
    database.close()
    return folder


def enrol(client, username: str, name: str = "Clé de test"):
    """First login of an account: password, then registration of its software authenticator."""
    response = client.post("/connexion", data={"login": username, "password": PASSWORDS[username]})
    assert response.headers["Location"] == "/enregistrement", response.get_data(as_text=True)
    options = client.post("/webauthn/enregistrement/options").get_json()
    credential = AUTHENTICATORS[username].create(options)
    result = client.post("/webauthn/enregistrement", json={"credential": credential, "name": name})
    assert result.get_json()["status"] == "ok", result.get_json()
    with client.session_transaction() as session:
        RECOVERY_CODES[username] = session["fresh_recovery_codes"]
    return client


@pytest.fixture
def instance(template_instance, tmp_path) -> Path:
    folder = tmp_path / "instance"
    shutil.copytree(template_instance, folder)
    return folder


@pytest.fixture
def app(instance):
    app = create_app(instance_config(instance))
    yield app
    close_stores()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def password_step(client, username: str, password: str | None = None):
    return client.post(
        "/connexion", data={"login": username, "password": password or PASSWORDS[username]}
    )


def second_factor(client, username: str, authenticator=None, **overrides):
    """Run the WebAuthn step through the real endpoints; returns the verification response."""
    options = client.post("/webauthn/connexion/options").get_json()
    credential = (authenticator or AUTHENTICATORS[username]).get(options, **overrides)
    return client.post("/webauthn/connexion", json={"credential": credential})


def login(client, role: str):
    """Password, then the account's authenticator: a fully signed-in client."""
    username = ACCOUNTS[role][0]
    response = password_step(client, username)
    assert response.headers.get("Location") == "/second-facteur", response.get_data(as_text=True)
    result = second_factor(client, username)
    assert result.get_json()["status"] == "ok", result.get_json()
    return client


@pytest.fixture
def anon_client(app):
    return app.test_client()


@pytest.fixture
def admin_client(app):
    return login(app.test_client(), "admin")


@pytest.fixture
def practitioner_client(app):
    return login(app.test_client(), "practitioner")


@pytest.fixture
def secretary_client(app):
    return login(app.test_client(), "secretary")


@pytest.fixture
def role_client(app):
    """Build a logged-in client for any role (or None for anonymous)."""

    def build(role):
        client = app.test_client()
        return client if role is None else login(client, role)

    return build


@pytest.fixture
def csrf_app(instance):
    app = create_app(instance_config(instance, WTF_CSRF_ENABLED=True))
    yield app
    database.close()


@pytest.fixture
def user(app):
    def get(role: str):
        from cabinet.auth.models import User

        with app.app_context():
            return User.get(User.login == ACCOUNTS[role][0])

    return get


@pytest.fixture
def make_patient(app, user):
    """Create a patient through the service (traced like a real creation)."""
    from faker import Faker

    fake = Faker("fr_FR")
    fake.seed_instance(4321)

    def make(treated_by: str | None = None, **overrides):
        """`treated_by` (a role of ACCOUNTS) puts that practitioner in the care team."""
        from cabinet.patients import care_team, services

        data = {
            "birth_name": fake.last_name(),
            "last_name": "",
            "first_names": fake.first_name(),
            "used_first_name": "",
            "birth_date": datetime.date(1950, 3, 14),
            "sex": "F",
            "birthplace_code": "",
            "address": fake.street_address(),
            "postcode": "75011",
            "city": "Paris",
            "phone": "01 23 45 67 89",
            "email": "",
            "ins_number": "",
            "ins_oid": "",
            "identity_status": "provisoire",
            "nir": "",
            "family_situation": "",
            "profession": "",
        }
        data.update(overrides)
        data["last_name"] = data["last_name"] or data["birth_name"]
        with app.test_request_context():
            with database.atomic():
                patient = services.create_patient(data, user("secretary"))
                if treated_by:
                    care_team.join(patient, user(treated_by), None, "assigned")
                return patient

    return make


@pytest.fixture
def ctx(app):
    """A request around the test, for calling services directly (a trace reads the request)."""
    with app.test_request_context():
        yield


@pytest.fixture
def kinds(app):
    """The appointment types of a new instance, by name ("Séance", "Bilan"…)."""
    from cabinet.appointments.models import AppointmentType

    with app.app_context():
        return {t.name: t for t in AppointmentType.select()}


def traces(app, **filters):
    """Trace rows of every journal (newest last) matching field=value filters; each row's
    `journal` says which ("principal", "consultations", "consultations-2"…)."""
    from cabinet.audit import journals

    found = []
    with app.app_context():
        for journal in journals.every():
            query = journal.model.select().order_by(journal.model.seq)
            for name, value in filters.items():
                query = query.where(getattr(journal.model, name) == value)
            for row in query:
                row.journal = journal.name
                found.append(row)
    return sorted(found, key=lambda row: (row.at, row.journal, row.seq))


@pytest.fixture
def backup_dir(tmp_path) -> Path:
    """The backups' folder, outside the instance ("another disk", X2)."""
    return tmp_path / "disque-sauvegardes"


@pytest.fixture
def backup_app(instance, backup_dir):
    app = create_app(instance_config(instance, BACKUP_DIR=backup_dir))
    yield app
    database.close()

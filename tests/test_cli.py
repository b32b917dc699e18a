"""Commands: create-user reads the password from stdin, never an argument; seed-demo."""

from tests.conftest import traces


def test_create_user_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["create-user", "kine", "--role", "practitioner", "--name", "Kiné Test"],
        input="une phrase de passe assez longue pour ce cabinet\n",
    )
    assert result.exit_code == 0, result.output
    assert "une phrase" not in result.output
    from cabinet.auth.models import User

    with app.app_context():
        created = User.get(User.login == "kine")
    assert created.role == "practitioner" and created.password_hash.startswith("$argon2id$")
    assert traces(app, action="user.create")[-1].target == f"user:{created.id}"


def test_create_user_has_no_password_option(runner):
    result = runner.invoke(args=["create-user", "x", "--role", "admin", "--password", "abc"])
    assert result.exit_code != 0


def test_create_user_refuses_bad_input_in_french(runner):
    result = runner.invoke(
        args=["create-user", "x", "--role", "chef"], input="assez long mot de passe\n"
    )
    assert result.exit_code == 1 and "Rôle inconnu" in result.output
    result = runner.invoke(args=["create-user", "y", "--role", "admin"], input="court\n")
    assert result.exit_code == 1 and "Trop faible" in result.output
    result = runner.invoke(
        args=["create-user", "secretaire", "--role", "admin"], input="assez long mot de passe\n"
    )
    assert result.exit_code == 1 and "existe déjà" in result.output


def test_seed_demo_is_deterministic_and_fictitious(app, runner):
    result = runner.invoke(args=["seed-demo", "--patients", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    from cabinet.auth.models import User
    from cabinet.patients.identity import nir_problem
    from cabinet.patients.models import Patient

    with app.app_context():
        first = [
            (p.birth_name, p.first_names, p.birth_date, p.nir)
            for p in Patient.select().order_by(Patient.id)
        ]
        assert {u.login for u in User.select()} >= {
            "admin",
            "secretaire",
            "praticien",
            "remplacant",
        }
        Patient.delete().execute()
    runner.invoke(args=["seed-demo", "--patients", "40", "--seed", "3"])
    with app.app_context():
        second = [
            (p.birth_name, p.first_names, p.birth_date, p.nir)
            for p in Patient.select().order_by(Patient.id)
        ]
    assert first == second and len(first) == 40
    assert all(nir_problem(nir) is None for *_, nir in first)
    ages = sorted((2026 - birth.year) for _, _, birth, _ in first)
    assert ages[0] < 18 and ages[-1] >= 65


def test_auth_purge_deletes_expired_sessions_and_spent_challenges(app, runner, secretary_client):
    import datetime

    from cabinet.auth.models import UserSession, WebAuthnChallenge

    with app.app_context():
        old = datetime.datetime(2020, 1, 1)
        UserSession.update(created_at=old, last_seen_at=old).execute()
        assert WebAuthnChallenge.select().count() > 0
    result = runner.invoke(args=["auth-purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert UserSession.select().count() == 0
        assert WebAuthnChallenge.select().count() == 0
    assert secretary_client.get("/").headers["Location"] == "/connexion"

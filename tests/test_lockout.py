"""S3: exponential delay after 5 failures, lock after 10, 25 a day, a limit per address —
the same answers whether the login exists or not; the admin unlocks."""

import datetime

import pytest

from cabinet.auth import lockout
from tests.conftest import PASSWORDS, password_step, traces

T0 = datetime.datetime(2026, 3, 1, 12, 0)
MIN = datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (8, 8), (9, 16)],
)
def test_delay_schedule_doubles_after_five_failures(failures, delay):
    assert lockout.delay_after(failures) == delay * MIN


def test_decide_applies_the_delay_then_lets_the_next_attempt_through():
    five = [T0 + i * datetime.timedelta(seconds=5) for i in range(5)]
    refused = lockout.decide(five[-1] + datetime.timedelta(seconds=30), five, five, [])
    assert not refused.allowed and "1 min" in refused.message
    assert lockout.decide(five[-1] + MIN + datetime.timedelta(seconds=1), five, five, []).allowed


def test_decide_locks_after_ten_consecutive_failures():
    ten = [T0 + i * datetime.timedelta(hours=1) for i in range(10)]
    verdict = lockout.decide(T0 + datetime.timedelta(days=2), ten, [], [])
    assert verdict.locked and "verrouillé" in verdict.message


def test_decide_caps_failures_per_day_and_per_address():
    day = [T0 + i * datetime.timedelta(minutes=30) for i in range(25)]
    later = day[-1] + datetime.timedelta(minutes=1)
    assert "24 heures" in lockout.decide(later, [], day, []).message
    assert lockout.decide(day[0] + lockout.DAY + MIN, [], day[1:], []).allowed
    address = [later - datetime.timedelta(seconds=i) for i in range(30)][::-1]
    assert "ce poste" in lockout.decide(later, [], [], address).message


def _age_failures(app, minutes: int):
    """Move every recorded attempt back in time, as if the user had waited."""
    from cabinet.auth.models import LoginAttempt

    with app.app_context():
        for attempt in LoginAttempt.select():
            attempt.at -= datetime.timedelta(minutes=minutes)
            attempt.save()


def _fail(client, login, times):
    for _ in range(times):
        response = client.post("/connexion", data={"login": login, "password": "mauvais"})
        assert response.status_code == 401


def test_sixth_attempt_waits_even_with_the_right_password(app, anon_client):
    _fail(anon_client, "secretaire", 5)
    response = password_step(anon_client, "secretaire")
    assert response.status_code == 401
    assert "nouvel essai possible dans 1 min" in response.get_data(as_text=True)
    _age_failures(app, 2)
    assert password_step(anon_client, "secretaire").headers["Location"] == "/second-facteur"


def test_ten_failures_lock_the_account_until_the_admin_unlocks(
    app, anon_client, admin_client, user
):
    for _ in range(10):
        _fail(anon_client, "secretaire", 1)
        _age_failures(app, 600)  # wait out each delay: the lock counts failures, not speed
    from cabinet.auth.models import User

    with app.app_context():
        assert User.get(User.login == "secretaire").locked_at is not None
    locked = password_step(anon_client, "secretaire")
    assert "verrouillé" in locked.get_data(as_text=True)
    assert len(traces(app, action="auth.lockout")) == 1
    # An unknown login gets exactly the same answers.
    for _ in range(10):
        _fail(anon_client, "inconnu", 1)
        _age_failures(app, 600)
    unknown = anon_client.post("/connexion", data={"login": "inconnu", "password": "x"})
    assert unknown.get_data(as_text=True).count("verrouillé") == locked.get_data(
        as_text=True
    ).count("verrouillé")
    response = admin_client.post(f"/comptes/{user('secretary').ref}/deverrouiller")
    assert response.status_code == 302
    assert password_step(anon_client, "secretaire").headers["Location"] == "/second-facteur"
    assert traces(app, action="user.unlock")


def test_no_more_than_25_failures_a_day_even_with_successes_between(app, anon_client):
    for _ in range(6):
        _fail(anon_client, "praticien", 4)
        # A success in between resets the consecutive count, not the daily one.
        assert password_step(anon_client, "praticien").status_code == 302
        anon_client.post("/deconnexion")
    _fail(anon_client, "praticien", 1)  # the 25th failure of the day
    response = password_step(anon_client, "praticien")
    assert response.status_code == 401
    assert "24 heures" in response.get_data(as_text=True)
    _age_failures(app, 24 * 60 + 1)
    assert password_step(anon_client, "praticien").headers["Location"] == "/second-facteur"


def test_too_many_failures_from_one_address(app, anon_client):
    for index in range(30):
        _fail(anon_client, f"essai{index}", 1)
    response = password_step(anon_client, "admin")
    assert response.status_code == 401
    assert "depuis ce poste" in response.get_data(as_text=True)


def test_failures_are_traced_without_the_typed_password(app, anon_client):
    _fail(anon_client, "secretaire", 2)
    failures = traces(app, action="auth.login_failed")
    assert len(failures) == 2
    assert all(
        "mauvais" not in f.detail and PASSWORDS["secretaire"] not in f.detail for f in failures
    )


# A flood cannot lock the staff out (finding 2) ---------------------------------------------


def test_a_flood_from_one_address_spares_a_known_device_and_refuses_a_new_one(app):
    from tests.conftest import login

    staff = login(app.test_client(), "secretary")  # this tablet has signed in before
    assert staff.get_cookie("cabinet_device") is not None
    staff.post("/deconnexion")
    attacker = app.test_client()
    for index in range(31):
        _fail(attacker, f"inconnu{index}", 1)

    newcomer = password_step(app.test_client(), "praticien")
    assert newcomer.status_code == 401
    assert "depuis ce poste" in newcomer.get_data(as_text=True)
    assert password_step(staff, "secretaire").headers["Location"] == "/second-facteur"

    # The known device's own failures still count against the account.
    staff.post("/deconnexion")
    _fail(staff, "secretaire", 5)
    delayed = password_step(staff, "secretaire")
    assert delayed.status_code == 401 and "nouvel essai possible" in delayed.get_data(as_text=True)


def test_a_device_cookie_only_vouches_for_its_own_accounts_and_cannot_be_forged(app):
    from tests.conftest import login

    staff = login(app.test_client(), "secretary")
    staff.post("/deconnexion")
    attacker = app.test_client()
    for index in range(30):
        _fail(attacker, f"inconnu{index}", 1)
    # The secretary's tablet vouches for the secretary, not for the practitioner.
    assert "depuis ce poste" in password_step(staff, "praticien").get_data(as_text=True)
    forged = app.test_client()
    forged.set_cookie("cabinet_device", staff.get_cookie("cabinet_device").value[:-2] + "xx")
    assert "depuis ce poste" in password_step(forged, "secretaire").get_data(as_text=True)


def _proxied_app(instance, hops):
    from cabinet import create_app
    from tests.conftest import instance_config

    return create_app(instance_config(instance, PROXY_HOPS=hops))


def test_behind_one_trusted_proxy_the_client_address_is_the_forwarded_one(instance):
    app = _proxied_app(instance, 1)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # A forged first hop is not believed: only the one the trusted proxy appended counts.
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}
    response = client.post(
        "/connexion",
        data={"login": "inconnu", "password": "x"},
        headers=headers,
        environ_base=proxy,
    )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    (failure,) = traces(app, action="auth.login_failed")
    assert failure.client_address == "203.0.113.9"
    # Each staff member behind the proxy is told apart: one flooded address spares another.
    for index in range(30):
        client.post(
            "/connexion",
            data={"login": f"inconnu{index}", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.9"},
            environ_base=proxy,
        )
    other = client.post(
        "/connexion",
        data={"login": "praticien", "password": PASSWORDS["praticien"]},
        headers={"X-Forwarded-For": "198.51.100.7"},
        environ_base=proxy,
    )
    assert other.headers["Location"] == "/second-facteur"


def test_without_a_configured_proxy_forwarded_headers_are_ignored(app, anon_client):
    anon_client.post(
        "/connexion",
        data={"login": "inconnu", "password": "x"},
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    (failure,) = traces(app, action="auth.login_failed")
    assert failure.client_address == "127.0.0.1"

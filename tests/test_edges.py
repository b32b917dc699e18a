"""Inputs at the edges (issue 19, point 5): return targets stay on this site, CSV cells
cannot run as formulas, out-of-range numbers and dates get a French answer (X3, X4)."""

import datetime

import pytest

from cabinet.csvsafe import neutralise
from cabinet.db import utcnow
from cabinet.urls import local_path
from tests.conftest import PASSWORDS


def _idle(client, minutes: float) -> None:
    """Pretend the user has not touched the page for `minutes` (the server then locks)."""
    with client.session_transaction() as session:
        session["last_activity"] = (utcnow() - datetime.timedelta(minutes=minutes)).isoformat()


# --- Return targets --------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/", "/patients/", "/agenda/?jour=2026-03-02&vue=semaine", "/soins/abc-_DEF", "/%09/x"],
)
def test_return_target_keeps_paths_of_this_site(target):
    assert local_path(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\t/evil.example",  # browsers drop the tab: //evil.example
        "/\r\n/evil.example",
        "/\n/evil.example",
        "/\\evil.example",  # browsers read \ as /
        "\\\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/ /evil.example",
        "/\x00/evil.example",
        "evil.example",
        "",
        None,
        "/" + "a" * 3000,
    ],
)
def test_return_target_refuses_anything_a_browser_could_send_elsewhere(target):
    assert local_path(target) is None


def test_lock_page_never_redirects_to_another_host(app, practitioner_client):
    client = practitioner_client
    response = client.get("/verrou?retour=/%09/evil.example")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    newline = client.get("/verrou?retour=/%0A/evil.example")
    assert newline.status_code == 302 and newline.headers["Location"] == "/"


def test_lock_page_does_not_keep_a_foreign_return_target(app, practitioner_client):
    client = practitioner_client
    _idle(client, 10)
    page = client.get("/verrou?retour=/%09/evil.example")
    assert page.status_code == 200
    with client.session_transaction() as session:
        assert "resume_url" not in session
    unlocked = client.post("/verrou/mot-de-passe", data={"password": PASSWORDS["praticien"]})
    assert unlocked.headers["Location"] == "/"


def test_lock_page_keeps_a_local_return_target(app, practitioner_client):
    client = practitioner_client
    _idle(client, 10)
    client.get("/verrou?retour=/agenda/%3Fvue%3Dsemaine")
    unlocked = client.post("/verrou/mot-de-passe", data={"password": PASSWORDS["praticien"]})
    assert unlocked.headers["Location"] == "/agenda/?vue=semaine"


# --- CSV formula injection -------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            '=HYPERLINK("http://evil.example/?x";"clic")',
            '\'=HYPERLINK("http://evil.example/?x";"clic")',
        ),
        ("+33 6 00 00 00 00", "'+33 6 00 00 00 00"),
        ("-DURAND Anne", "'-DURAND Anne"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-1+2", "'-1+2"),
        ("-12,50", "-12,50"),  # a plain number stays a number
        ("17,20", "17,20"),
        ("DURAND-MARTIN", "DURAND-MARTIN"),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_cells_that_would_run_as_formulas_are_quoted(cell, expected):
    assert neutralise(cell) == expected


def test_journal_csv_neutralises_an_authenticator_name(app, admin_client, user):
    from cabinet.audit import trace

    name = '=HYPERLINK("http://evil.example/?x";"clic")'
    with app.test_request_context():
        # What registering an authenticator of that name writes (views_webauthn).
        trace(user("practitioner"), "auth.authenticator_added", target="user:2", detail=name)
    export = admin_client.get("/journal/export.csv?action=auth.authenticator_added")
    text = export.get_data(as_text=True)
    assert ';"\'=HYPERLINK(""http://evil.example/?x"";""clic"")";' in text, text
    assert ';"=HYPERLINK' not in text and ";=HYPERLINK" not in text


def test_receipts_csv_neutralises_a_patient_name(app, secretary_client, make_patient):
    from cabinet.records.models import Act

    patient = make_patient(birth_name="-Durand", last_name="-Durand", first_names="Anne")
    with app.app_context():
        act = Act.get(Act.code == "AMK 8")
    today = datetime.date.today()
    secretary_client.post(
        "/soins/recettes/paiement",
        data={
            "patient_ref": patient.ref,
            "received_on": today.isoformat(),
            "act": str(act.id),
            "amount": "17.20",
            "payment_mode": "card",
        },
    )
    text = secretary_client.get(f"/soins/recettes/export.csv?month={today:%Y-%m}").get_data(
        as_text=True
    )
    lines = [line for line in text.splitlines() if "DURAND" in line]
    assert len(lines) == 1 and ";'-DURAND" in lines[0], text
    assert lines[0].split(";")[3].startswith("17")  # the amount is left a number


# --- Numbers and dates out of range ----------------------------------------------------


@pytest.mark.parametrize("number", [2**63, 2**64 + 1, int("9" * 30)])
def test_ids_beyond_64_bits_are_the_french_404(admin_client, user, number):
    response = admin_client.get(f"/conservation/{number}")
    assert response.status_code == 404 and "Page introuvable" in response.get_data(as_text=True)
    revoke = admin_client.post(f"/comptes/{user('locum').ref}/sessions/{number}/revoquer")
    assert revoke.status_code == 404


def test_journal_filters_beyond_64_bits_are_ignored(admin_client):
    response = admin_client.get(f"/journal/?actor={2**64}&avant={2**63}")
    assert response.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_agenda_day_out_of_range_shows_today(secretary_client, day):
    response = secretary_client.get(f"/agenda/?jour={day}")
    assert response.status_code == 200
    assert datetime.date.today().strftime("%d/%m/%Y") in response.get_data(as_text=True)


def test_form_date_out_of_range_gets_a_french_message(admin_client, make_patient):
    patient = make_patient()
    response = admin_client.get(f"/patients/{patient.ref}/acces?start=0001-01-01&end=9999-12-31")
    assert response.status_code == 422
    assert "Date hors de la plage permise (1900 à 2199)." in response.get_data(as_text=True)


@pytest.mark.parametrize("command", [["retention", "run"], ["audit", "prune"]])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_commands_refuse_a_reference_date_out_of_range(app, runner, command, day):
    from cabinet.audit.models import TraceCheckpoint
    from cabinet.retention.models import RetentionRun

    result = runner.invoke(args=[*command, "--as-of", day])
    assert result.exit_code == 1
    assert "Date invalide" in result.output and "entre 1900 et 2199" in result.output
    with app.app_context():
        assert RetentionRun.select().count() == 0 and TraceCheckpoint.select().count() == 0

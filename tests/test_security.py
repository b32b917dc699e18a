"""X3, X4: headers, CSRF on every state change (htmx included), French error pages."""

import re

import pytest
from flask import Flask

from tests.conftest import AUTHENTICATORS, PASSWORDS, traces


def test_security_headers_on_every_response(anon_client, secretary_client, make_patient):
    patient = make_patient()
    responses = [
        anon_client.get("/connexion"),
        secretary_client.get(f"/patients/{patient.ref}"),
        secretary_client.get("/nexiste-pas"),
    ]
    for response in responses:
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(anon_client):
    response = anon_client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_pages_need_no_inline_script_or_style(secretary_client, make_patient):
    patient = make_patient()
    for url in [
        "/",
        "/patients/",
        f"/patients/{patient.ref}",
        f"/patients/{patient.ref}/modifier",
        "/patients/nouveau",
    ]:
        page = secretary_client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert " style=" not in page and "<style" not in page, url
        assert re.search(r"\son[a-z]+=", page) is None, url


def test_htmx_is_vendored_with_its_licence(app):
    from pathlib import Path

    vendor = Path(app.static_folder) / "vendor" / "htmx"
    assert (vendor / "htmx.min.js").stat().st_size > 10_000
    assert "Zero-Clause BSD" in (vendor / "LICENSE").read_text()


def test_post_without_csrf_token_is_refused(csrf_app, make_patient):
    client = csrf_app.test_client()
    login_page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    response = client.post(
        "/connexion", data={"login": "secretaire", "password": PASSWORDS["secretaire"]}
    )
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    response = client.post(
        "/connexion",
        data={"csrf_token": token, "login": "secretaire", "password": PASSWORDS["secretaire"]},
    )
    assert response.status_code == 302
    # JSON and htmx requests carry the token in a header, taken from the page.
    step = client.get("/second-facteur").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', step).group(1)
    assert client.post("/webauthn/connexion/options").status_code == 400
    options = client.post("/webauthn/connexion/options", headers={"X-CSRFToken": token})
    credential = AUTHENTICATORS["secretaire"].get(options.get_json())
    assert client.post("/webauthn/connexion", json={"credential": credential}).status_code == 400
    verified = client.post(
        "/webauthn/connexion", json={"credential": credential}, headers={"X-CSRFToken": token}
    )
    assert verified.get_json()["status"] == "ok"
    page = client.get("/patients/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert (
        client.post(
            "/patients/recherche", data={"q": "a"}, headers={"HX-Request": "true"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/patients/recherche",
            data={"q": "a"},
            headers={"HX-Request": "true", "X-CSRFToken": header_token},
        ).status_code
        == 200
    )
    # Without JavaScript the search form posts its hidden token (the form itself no longer
    # checks it: CSRFProtect does, for every POST).
    field_token = re.search(
        r'class="search".*?name="csrf_token" value="([^"]+)"', page, re.S
    ).group(1)
    assert client.post("/patients/recherche", data={"q": "a"}).status_code == 400
    assert (
        client.post("/patients/recherche", data={"q": "a", "csrf_token": field_token}).status_code
        == 200
    )
    assert client.post("/deconnexion").status_code == 400


def test_error_pages_are_french_and_leak_nothing(app, secretary_client):
    response = secretary_client.get("/nexiste-pas")
    assert response.status_code == 404 and "Page introuvable" in response.get_data(as_text=True)
    response = secretary_client.delete("/patients/")
    assert response.status_code == 405
    assert "Action impossible" in response.get_data(as_text=True)


def _crashing_app(instance, crash):
    """An app with one route that writes a patient, then fails the way `crash` says."""
    from cabinet import create_app
    from cabinet.patients.models import Patient
    from cabinet.security import authenticated
    from tests.conftest import instance_config

    app: Flask = create_app(instance_config(instance, PROPAGATE_EXCEPTIONS=False))

    @app.route("/boom")
    @authenticated
    def boom():
        def ghost():
            Patient.create(
                birth_name="Fantôme",
                last_name="Fantôme",
                first_names="X",
                birth_date="2000-01-01",
                sex="F",
            )

        crash(ghost)

    return app


def _left_open(write):
    from cabinet.db import database

    database.atomic().__enter__()  # a bug: a transaction never closed
    write()
    raise RuntimeError("boom")


def _inside_a_transaction(write):
    from cabinet.db import database

    with database.atomic():
        write()
        raise RuntimeError("boom")


def _after_commit(write):
    from cabinet.db import database

    with database.atomic():
        write()
    raise RuntimeError("boom")


def _failed_statement(write):
    from cabinet.db import database

    with database.atomic():
        write()
        database.execute_sql("INSERT INTO no_such_table VALUES (1)")


@pytest.mark.parametrize(
    "crash, kept",
    [(_left_open, 0), (_inside_a_transaction, 0), (_failed_statement, 0), (_after_commit, 1)],
)
def test_error_handler_whatever_the_transaction_state(instance, crash, kept):
    """19.3: an open, a failed or a committed transaction — the French page, the error traced,
    the unfinished change rolled back (a committed one is a finished change: it stays)."""
    from cabinet.db import database
    from cabinet.patients.models import Patient
    from tests.conftest import login

    app = _crashing_app(instance, crash)
    client = login(app.test_client(), "secretary")
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Erreur du logiciel" in page and "boom" not in page and "Traceback" not in page
    with app.app_context():
        assert Patient.select().where(Patient.birth_name == "Fantôme").count() == kept
        assert not database.in_transaction()
    (error,) = traces(app, action="system.error")
    assert error.outcome == "error" and error.detail in ("RuntimeError", "OperationalError")
    # The worker is not left holding the write lock: another connection can write at once.
    with app.app_context():
        database.execute_sql("BEGIN IMMEDIATE")
        database.execute_sql("ROLLBACK")
    assert client.get("/").status_code == 200
    database.close()

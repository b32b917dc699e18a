"""Login journey (S1, S5, S7): password then second factor; failures say nothing of the login."""

import datetime

from tests.conftest import PASSWORDS, password_step, second_factor, traces


def test_password_alone_reaches_no_page(app, anon_client):
    response = password_step(anon_client, "secretaire")
    assert response.headers["Location"] == "/second-facteur"
    for url in ["/", "/patients/", "/securite", "/comptes/"]:
        assert anon_client.get(url).headers.get("Location") == "/connexion", url
    assert anon_client.post("/patients/recherche", data={"q": "a"}).status_code == 302


def test_password_then_authenticator_reaches_home(app, anon_client):
    password_step(anon_client, "secretaire")
    result = second_factor(anon_client, "secretaire")
    assert result.get_json() == {"status": "ok", "next": "/"}
    assert "Bonjour Sophie Accueil" in anon_client.get("/").get_data(as_text=True)
    actions = [t.action for t in traces(app, actor_name="Sophie Accueil")]
    assert actions[-2:] == ["auth.password_ok", "auth.login"]


def test_failure_message_does_not_reveal_whether_the_login_exists(app, anon_client):
    wrong_password = anon_client.post("/connexion", data={"login": "secretaire", "password": "x"})
    no_such_login = anon_client.post("/connexion", data={"login": "personne", "password": "x"})
    assert wrong_password.status_code == no_such_login.status_code == 401
    message = "Identifiant ou mot de passe incorrect."
    assert message in wrong_password.get_data(as_text=True)
    assert message in no_such_login.get_data(as_text=True)
    failures = traces(app, action="auth.login_failed")
    assert [f.outcome for f in failures] == ["refused", "refused"]
    assert all("personne" not in f.detail + f.target for f in failures)


def test_passwords_are_stored_as_argon2id(app, user):
    stored = user("secretary").password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORDS["secretaire"] not in stored


def test_account_past_its_end_date_is_refused(app, anon_client):
    from cabinet.auth.models import User

    with app.app_context():
        User.update(end_date=datetime.date.today() - datetime.timedelta(days=1)).where(
            User.login == "remplacant"
        ).execute()
    response = password_step(anon_client, "remplacant")
    assert response.status_code == 401
    assert "date de fin" in response.get_data(as_text=True)


def test_logout_ends_the_session(app, secretary_client):
    assert secretary_client.get("/").status_code == 200
    response = secretary_client.post("/deconnexion")
    assert response.status_code == 302
    assert secretary_client.get("/").status_code == 302
    assert len(traces(app, action="auth.logout")) == 1


def test_logout_is_post_only(secretary_client):
    assert secretary_client.get("/deconnexion").status_code == 405


def test_navigation_shows_only_what_the_role_may_use(secretary_client, admin_client):
    page = secretary_client.get("/").get_data(as_text=True)
    assert "Patients" in page and "Nouveau patient" in page and "Comptes" not in page
    assert "Comptes" in admin_client.get("/").get_data(as_text=True)


def test_navigation_links_routed_once_follow_the_script_root(app, secretary_client):
    """Issue 20: templates route a link without arguments once per process, keyed by the
    script root, so an app mounted under a prefix (a reverse proxy's SCRIPT_NAME) gets its
    own links, and links with arguments are still built for each call."""
    import re

    from flask import render_template_string

    def agenda_links(**environ) -> set[str]:
        page = secretary_client.get("/", environ_overrides=environ).get_data(as_text=True)
        return set(re.findall(r'href="([^"]*agenda/)"', page))

    assert agenda_links() == {"/agenda/"}
    assert agenda_links(SCRIPT_NAME="/cabinet") == {"/cabinet/agenda/"}
    assert agenda_links() == {"/agenda/"}
    with app.test_request_context("/"):
        assert (
            render_template_string(
                "{{ url_for('appointments.show', appointment_ref='a') }} "
                "{{ url_for('appointments.show', appointment_ref='b') }}"
            )
            == "/agenda/rdv/a /agenda/rdv/b"
        )


def test_links_routed_once_are_those_flask_builds(app):
    """Issue 20: a static file's link, a link with one ref and a page's link with only a
    query, routed once per process (cabinet/formatting.py), are exactly what Flask's url_for
    builds, under a script root too; a number or a text a path must quote, a list, or
    Flask's own arguments are built each time."""
    from flask import render_template_string, url_for
    from markupsafe import escape

    links = [
        ("static", {"filename": "css/app.css"}),
        ("patients.show", {"patient_ref": "aB3_-x9"}),
        ("patients.show", {"patient_ref": "Zz0"}),
        ("appointments.new", {"patient": "aB3_-x9"}),
        ("appointments.new", {"patient": "a b&c=d"}),  # quoted: built each time
        ("appointments.new", {"praticien": "p1", "jour": "2026-12-03"}),
        ("retention.run_report", {"run_id": 7}),
        ("retention.run_report", {"run_id": "8"}),
        # A page without path arguments: its path routed once, its query written each time.
        ("appointments.index", {"jour": "2026-12-03", "vue": "semaine", "praticien": None}),
        ("appointments.index", {"praticien": "p1", "groupe": 2, "vue": "jour"}),
        ("appointments.index", {"jour": None, "groupe": None}),
        ("appointments.new", {"patient": "é à/ç:?@!$'()*,;+", "heure": "08:30", "n": 0}),
        ("appointments.new", {"praticien": ["p1", "p2"], "jour": "2026-12-03"}),  # a list
        ("appointments.new", {"jour": "2026-12-03", "_anchor": "haut"}),
        ("patients.show", {"patient_ref": "aB3", "onglet": "soins"}),  # a path argument
    ]
    template = " ".join(
        "{{ url_for(%r, **%r) }}" % (endpoint, values)  # noqa: UP031 - a Jinja call
        for endpoint, values in links
    )
    for root in ("", "/cabinet"):
        for _ in range(2):  # the second time from what the first routed
            with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
                expected = " ".join(url_for(e, **v) for e, v in links)
                assert render_template_string(template) == escape(expected)  # "&" as "&amp;"
    assert "?v=" in expected and "/cabinet/patients/aB3_-x9" in expected
    assert "patient=a+b%26c%3Dd" in expected
    assert "/cabinet/agenda/?jour=2026-12-03&vue=semaine " in expected
    assert "/cabinet/agenda/ " in expected and "praticien=p1&praticien=p2" in expected
    # A link to no route still fails loudly, the second time as the first.
    import pytest
    from werkzeug.routing import BuildError

    with app.test_request_context("/"):
        for _ in range(2):
            with pytest.raises(BuildError):
                render_template_string("{{ url_for('no.such_page') }}")


def test_login_page_and_policy_page_say_actions_are_traced(anon_client):
    login_page = anon_client.get("/connexion").get_data(as_text=True)
    assert "enregistrées dans un journal" in login_page
    policy = anon_client.get("/politique-utilisation").get_data(as_text=True)
    assert "365 jours" in policy and "journal" in policy

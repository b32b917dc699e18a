"""A3, A7: every endpoint declares its policy; a role × route matrix pins who may do what."""

import pytest

from cabinet.security import ROLE_PERMISSIONS, policy_for

ROLES = ["admin", "practitioner", "secretary"]
# Who may reach each endpoint. A new route must be added here, or test_matrix_covers fails.
MATRIX = {
    "static": {"public"},
    "auth.login": {"public"},
    "auth.logout": {"admin", "practitioner", "secretary"},
    "home.index": {"admin", "practitioner", "secretary"},
    "patients.index": {"admin", "practitioner", "secretary"},
    "patients.search": {"admin", "practitioner", "secretary"},
    "patients.new": {"admin", "practitioner", "secretary"},
    "patients.show": {"admin", "practitioner", "secretary"},
    "patients.edit": {"admin", "practitioner", "secretary"},
}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules()]


def _url(rule, values):
    from flask import url_for

    args = {name: values[name] for name in rule.arguments}
    return url_for(rule.endpoint, **args)


@pytest.fixture
def url_values(make_patient):
    patient = make_patient()
    return {"patient_ref": patient.ref, "filename": "css/app.css"}


def test_every_endpoint_declares_a_policy(app):
    missing = [rule.endpoint for rule in _rules(app) if policy_for(app, rule.endpoint) is None]
    assert missing == []


def test_matrix_covers_every_endpoint(app):
    assert {rule.endpoint for rule in _rules(app)} == set(MATRIX)


def test_an_undeclared_endpoint_is_refused(app, role_client):
    @app.route("/sans-politique")
    def undeclared():
        return "should never be served"

    response = role_client("admin").get("/sans-politique")
    assert response.status_code == 403
    assert b"should never be served" not in response.data


def _fetch(client, url, method):
    response = client.open(url, method=method)
    response.close()  # static files stream from an open file
    return response


def _requests(app, values):
    with app.test_request_context():
        for rule in _rules(app):
            url = _url(rule, values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def test_anonymous_is_sent_to_login_everywhere_but_public(app, anon_client, url_values):
    for endpoint, method, url in _requests(app, url_values):
        response = _fetch(anon_client, url, method)
        if "public" in MATRIX[endpoint]:
            assert response.status_code in (200, 302), (endpoint, method)
        else:
            assert response.status_code == 302, (endpoint, method)
            assert response.headers["Location"].endswith("/connexion"), endpoint


def test_anonymous_htmx_request_gets_a_redirect_header(anon_client):
    response = anon_client.post("/patients/recherche", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/connexion"


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, role_client, role, url_values):
    client = role_client(role)
    for endpoint, method, url in _requests(app, url_values):
        if endpoint == "auth.logout":
            continue  # would end the session the loop relies on; covered in test_auth
        response = _fetch(client, url, method)
        allowed = role in MATRIX[endpoint] or "public" in MATRIX[endpoint]
        if allowed:
            assert response.status_code not in (401, 403), (role, endpoint, method)
        else:
            assert response.status_code == 403, (role, endpoint, method)
            assert "Accès refusé".encode() in response.data


def test_roles_only_hold_declared_permissions():
    for role, permissions in ROLE_PERMISSIONS.items():
        assert permissions, role
    assert "record.read" not in ROLE_PERMISSIONS["secretary"]
    assert "users.manage" in ROLE_PERMISSIONS["admin"]
    assert "users.manage" not in ROLE_PERMISSIONS["practitioner"] | ROLE_PERMISSIONS["secretary"]

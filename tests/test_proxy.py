"""X3 behind a hosted reverse proxy (`CABINET_BEHIND_PROXY=1`): exactly one trusted hop.
The scheme the proxy saw (`X-Forwarded-Proto: https`) gives HSTS and Secure cookies; a
value forged by the client in front of the proxy's own is not believed (issue 13)."""

from werkzeug.test import Client

from cabinet import create_app
from cabinet.redirect import application_for
from tests.conftest import PASSWORDS, instance_config, traces

PROXY = {"REMOTE_ADDR": "10.0.0.2"}
LOGIN = {"login": "praticien", "password": PASSWORDS["praticien"]}


def _proxied(instance):
    return create_app(instance_config(instance, PROXY_HOPS=1)).test_client()


def _cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_behind_one_proxy_https_gives_hsts_and_secure_cookies(instance):
    client = _proxied(instance)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    page = client.get("/connexion", headers=headers, environ_base=PROXY)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert all("; Secure" in c for c in _cookies(page))
    signed = client.post("/connexion", data=LOGIN, headers=headers, environ_base=PROXY)
    assert signed.headers["Location"] == "/second-facteur"
    (session,) = [c for c in _cookies(signed) if c.startswith("cabinet_session=")]
    assert "; Secure" in session


def test_a_forged_second_hop_is_not_trusted(instance):
    """The client wrote `https` and an address; the proxy appended what it really saw."""
    client = _proxied(instance)
    forged = {
        "X-Forwarded-Proto": "https, http",
        "X-Forwarded-For": "6.6.6.6, 203.0.113.9",
    }
    response = client.post(
        "/connexion", data={"login": "inconnu", "password": "x"}, headers=forged, environ_base=PROXY
    )
    assert "Strict-Transport-Security" not in response.headers
    assert not any("; Secure" in c for c in _cookies(response))
    (failure,) = traces(client.application, action="auth.login_failed")
    assert failure.client_address == "203.0.113.9"


def test_without_a_proxy_a_forwarded_https_is_ignored(client):
    response = client.get("/connexion", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_the_redirect_port_sends_every_method_to_https_without_reading_it():
    client = Client(application_for("https://cabinet.local:5000"))
    for method in ("GET", "POST", "PUT", "DELETE"):
        response = client.open("/patients/?q=1", method=method, data=LOGIN)
        assert response.status_code == 301
        assert response.headers["Location"] == "https://cabinet.local:5000/patients/?q=1"
        assert "Set-Cookie" not in response.headers
        assert "connexion sécurisée" in response.get_data(as_text=True)

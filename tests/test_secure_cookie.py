"""X3: the session cookie is `Secure` whenever the request came over HTTPS, even when
CABINET_SECURE_COOKIES was forgotten; over plain http (`make run`) it cannot be."""

from tests.conftest import PASSWORDS


def _session_cookie(response) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if "cabinet_session=" in c]
    return cookie


def test_session_cookie_is_secure_over_https(app, client):
    assert app.config["SESSION_COOKIE_SECURE"] is False
    response = client.post(
        "/connexion",
        data={"login": "praticien", "password": PASSWORDS["praticien"]},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_session_cookie_over_plain_http_follows_the_setting(client):
    response = client.post(
        "/connexion", data={"login": "praticien", "password": PASSWORDS["praticien"]}
    )
    assert "; Secure" not in _session_cookie(response)

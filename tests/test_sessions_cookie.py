"""S6, X3: the session cookie is an opaque random token whose SHA-256 alone is stored; it
changes at every step up (no session fixation); an unknown value is ignored."""

import hashlib
import re

from tests.auth_support import (
    COOKIE,
    is_signed_in,
    session_row,
    session_token,
    with_cookie,
)
from tests.conftest import (
    AUTHENTICATORS,
    PASSWORDS,
    password_step,
    second_factor,
)


def test_cookie_is_an_opaque_token_of_which_only_the_hash_is_stored(app, anon_client, user):
    from cabinet.auth.models import UserSession
    from cabinet.db import database

    password_step(anon_client, "secretaire")
    response = second_factor(anon_client, "secretaire")
    (set_cookie,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE)]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/" in set_cookie

    token = session_token(anon_client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)  # 32 random bytes, no signed payload
    secretary = user("secretary")
    assert "secretaire" not in token and str(secretary.id) != token
    row = session_row(app, token)
    assert row is not None and row.user_id == secretary.id and row.revoked_at is None
    with app.app_context():
        raw_table = repr(database.execute_sql("SELECT * FROM user_session").fetchall())
        assert UserSession.select().where(UserSession.token_hash == token).count() == 0
    assert token not in raw_table
    assert hashlib.sha256(token.encode()).hexdigest() in raw_table


def test_cookie_changes_at_each_step_so_a_planted_session_is_never_promoted(csrf_app):
    """Session fixation: the pre-login, pending and signed-in tokens all differ."""
    from cabinet.auth.models import UserSession

    client = csrf_app.test_client()
    with csrf_app.app_context():
        rows_before = UserSession.select().count()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # Before any login nothing is stored: the CSRF token travels in a signed cookie.
    assert session_token(client) is None and client.get_cookie("cabinet_visit") is not None
    with csrf_app.app_context():
        assert UserSession.select().count() == rows_before
    anonymous = client.get_cookie("cabinet_visit").value

    client.post(
        "/connexion",
        data={"csrf_token": token, "login": "secretaire", "password": PASSWORDS["secretaire"]},
    )
    pending = session_token(client)
    assert pending not in (None, anonymous)
    assert client.get_cookie("cabinet_visit") is None  # replaced by the server-side session

    step = client.get("/second-facteur").get_data(as_text=True)
    header = {"X-CSRFToken": re.search(r'"X-CSRFToken": "([^"]+)"', step).group(1)}
    options = client.post("/webauthn/connexion/options", headers=header).get_json()
    credential = AUTHENTICATORS["secretaire"].get(options)
    result = client.post("/webauthn/connexion", json={"credential": credential}, headers=header)
    assert result.get_json()["status"] == "ok"
    signed_in = session_token(client)
    assert signed_in not in (None, anonymous, pending)
    assert is_signed_in(client)

    # Whoever kept (or planted) an earlier value holds nothing.
    for old in (anonymous, pending):
        stale = with_cookie(csrf_app, old)
        assert stale.get("/").headers.get("Location") == "/connexion"
        assert stale.get("/second-facteur").headers.get("Location") == "/connexion"


def test_unknown_cookie_value_is_ignored_and_replaced(app, anon_client):
    anon_client.set_cookie(COOKIE, "valeur-choisie-par-un-attaquant")
    password_step(anon_client, "secretaire")
    second_factor(anon_client, "secretaire")
    assert session_token(anon_client) != "valeur-choisie-par-un-attaquant"
    assert session_row(app, "valeur-choisie-par-un-attaquant") is None
    assert is_signed_in(anon_client)

"""Strong authentication on a tablet: first login journey, later login with the authenticator,
idle lock (client and server), and a missing authenticator refused cleanly.

Every ceremony runs in Chromium against the real endpoints, with a virtual WebAuthn
authenticator added through the DevTools protocol (docs/authentication.md).
"""

import base64
import datetime
import json
import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import CDPSession, Page, expect

from tests.browser.conftest import ACTION_TIMEOUT_MS, TABLET, login, scripts_ready, shot
from tests.conftest import ACCOUNTS, AUTHENTICATORS, PASSWORDS

pytestmark = pytest.mark.browser

NEW_LOGIN = "infirmiere"
NEW_NAME = "Inès Infirmière"
WEAK_PASSWORD = "soleil"
PASSPHRASE = "lune cactus violon marée"
# Words of an English interface that must never show on these French pages.
ENGLISH = re.compile(
    r"\b(password|login|log in|sign in|sign out|submit|cancel|save|error|next|back|"
    r"loading|welcome|hello|security key|recovery|locked|unlock)\b",
    re.IGNORECASE,
)
VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


# Helpers ---------------------------------------------------------------------------------


def virtual_authenticator(page: Page, credential: dict | None = None) -> tuple[CDPSession, str]:
    """An empty (or preloaded) virtual platform authenticator, with the CDP session that owns it."""
    cdp = page.context.new_cdp_session(page)
    # Always first: without it the WebAuthn promises never settle in headless Chromium.
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator_id = cdp.send(
        "WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR}
    )["authenticatorId"]
    if credential is not None:
        cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": authenticator_id, "credential": credential},
        )
    return cdp, authenticator_id


def soft_credential(username: str) -> dict:
    """The test account's enrolled credential, in the form WebAuthn.addCredential takes."""
    from cryptography.hazmat.primitives import serialization

    soft = AUTHENTICATORS[username]
    key = soft.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "credentialId": base64.b64encode(soft.credential_id).decode(),
        "isResidentCredential": False,
        "rpId": soft.rp_id,
        "privateKey": base64.b64encode(key).decode(),
        "signCount": soft.sign_count,
    }


def browser_credentials(cdp: CDPSession, authenticator_id: str) -> list[dict]:
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def stored_credentials(app, login_name: str) -> list:
    from cabinet.auth.models import User, WebAuthnCredential

    with app.app_context():
        user = User.get(User.login == login_name)
        return list(WebAuthnCredential.select().where(WebAuthnCredential.user == user.id))


def heading(page: Page):
    return page.locator("h1")


def assert_french(page: Page, title: str, h1: str | re.Pattern) -> None:
    """Spot-check of the language: lang attribute, title, heading, no English UI word."""
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_title(f"{title} · Cabinet")
    expect(heading(page)).to_have_text(h1)
    visible = page.locator("body").inner_text()
    found = ENGLISH.findall(visible)
    assert not found, f"English words on {page.url}: {found}"


def password_step(page: Page, base_url: str, login_name: str, password: str) -> None:
    if page.url != f"{base_url}/connexion":
        page.goto(f"{base_url}/connexion")
    page.fill("#login", login_name)
    page.fill("#password", password)
    page.get_by_role("button", name="Se connecter").click()


def log_out(page: Page, base_url: str) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{base_url}/connexion")
    expect(page.locator(".flash")).to_have_text("Vous êtes déconnecté.")


def fresh_tablet(new_context, console_watch) -> Page:
    """Another tablet, sharing nothing with the first (cookies, authenticators)."""
    context = new_context(**TABLET)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", console_watch.on_console)
    page.on("pageerror", console_watch.on_page_error)
    return page


def create_account(page: Page, base_url: str) -> str:
    """As the admin: create the nurse's account; returns the one-time password shown once."""
    login(page, base_url, "admin")
    page.goto(f"{base_url}/comptes/nouveau")
    assert_french(page, "Nouveau compte", "Nouveau compte")
    page.fill("#login", NEW_LOGIN)
    page.fill("#display_name", NEW_NAME)
    page.select_option("#role", "practitioner")
    page.get_by_role("button", name="Créer le compte").click()
    expect(heading(page)).to_have_text(NEW_NAME)
    one_time = page.locator("[data-one-time-password] code")
    expect(one_time).to_have_text(re.compile(r"^[a-z0-9]{5}(-[a-z0-9]{5}){3}$"))
    expect(page.locator(".page-head .badge")).to_have_text("Mot de passe à choisir")
    shot(page, "auth-01-compte-cree")
    password = one_time.text_content()
    # Shown once: the same page reloaded no longer shows it.
    page.reload()
    expect(heading(page)).to_have_text(NEW_NAME)
    expect(page.locator("[data-one-time-password]")).to_have_count(0)
    log_out(page, base_url)
    return password


def first_login_journey(page: Page, base_url: str, one_time_password: str):
    """One-time password → own password → authenticator → recovery codes → home.

    Returns the virtual authenticator (CDP session, id) and the seconds it took from the
    click on « Se connecter » to the home page.
    """
    page.goto(f"{base_url}/connexion")
    assert_french(page, "Connexion", "Connexion")
    page.fill("#login", NEW_LOGIN)
    page.fill("#password", one_time_password)
    started = time.perf_counter()
    page.get_by_role("button", name="Se connecter").click()

    # Forced password change, with the inline feedback as the user types.
    expect(page).to_have_url(f"{base_url}/mot-de-passe")
    assert_french(page, "Mot de passe", "Choisissez votre mot de passe")
    feedback = page.locator("#password-feedback")
    expect(feedback).to_have_attribute("data-status", "empty")
    scripts_ready(page)
    with page.expect_response(lambda r: r.url.endswith("/mot-de-passe/verifier")) as checked:
        page.locator("#password").press_sequentially(WEAK_PASSWORD)
    assert checked.value.request.method == "POST"
    expect(page.locator('#password-feedback[data-status="error"]')).to_be_visible()
    expect(feedback.locator(".error").first).to_contain_text("Trop faible")
    expect(feedback).to_contain_text("bits d'entropie (au moins 50 exigés)")
    shot(page, "auth-02-mot-de-passe-trop-faible")
    # Retyped from scratch; htmx queues the last check, so the feedback ends on the full text.
    page.locator("#password").clear()
    page.locator("#password").press_sequentially(PASSPHRASE)
    expect(page.locator('#password-feedback[data-status="ok"]')).to_be_visible()
    expect(feedback).to_contain_text("Ce mot de passe convient.")
    expect(feedback.locator(".error")).to_have_count(0)
    page.fill("#confirmation", PASSPHRASE)
    shot(page, "auth-03-mot-de-passe-convient")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()

    # Enrolment of the tablet's authenticator.
    expect(page).to_have_url(f"{base_url}/enregistrement")
    assert_french(page, "Enregistrer un authentificateur", "Enregistrez votre authentificateur")
    expect(page.locator(".flash")).to_have_text("Mot de passe modifié.")
    expect(page.locator("[data-webauthn-name]")).to_have_value("Tablette")
    cdp, authenticator_id = virtual_authenticator(page)
    assert browser_credentials(cdp, authenticator_id) == []
    shot(page, "auth-04-enregistrement")
    page.get_by_role("button", name="Enregistrer l'authentificateur").click()

    # Ten recovery codes, shown once.
    expect(page).to_have_url(f"{base_url}/codes-de-secours")
    assert_french(page, "Codes de secours", "Vos codes de secours")
    codes = page.locator("[data-recovery-codes] li")
    expect(codes).to_have_count(10)
    texts = codes.all_text_contents()
    assert len(set(texts)) == 10, texts
    shot(page, "auth-05-codes-de-secours")
    page.get_by_role("link", name="J'ai mis mes codes à l'abri").click()

    expect(heading(page)).to_have_text(f"Bonjour {NEW_NAME}")
    elapsed = time.perf_counter() - started
    assert page.url == f"{base_url}/"
    assert_french(page, "Accueil", f"Bonjour {NEW_NAME}")
    return cdp, authenticator_id, elapsed, texts


# 1. First login -------------------------------------------------------------------------


def test_first_login_journey_from_one_time_password_to_home(
    tablet, live_server, new_context, console_watch, capsys
):
    base = live_server.url
    one_time_password = create_account(tablet, base)

    page = fresh_tablet(new_context, console_watch)
    cdp, authenticator_id, elapsed, codes = first_login_journey(page, base, one_time_password)
    with capsys.disabled():
        print(f"\nPremière connexion (clic « Se connecter » → accueil) : {elapsed:.1f} s")
    shot(page, "auth-06-accueil")

    # The browser's authenticator and the server agree on the credential and its counter.
    [in_browser] = browser_credentials(cdp, authenticator_id)
    assert in_browser["rpId"] == "localhost"
    [stored] = stored_credentials(live_server.app, NEW_LOGIN)
    assert bytes(stored.credential_id) == base64.b64decode(in_browser["credentialId"])
    assert stored.sign_count == in_browser["signCount"]
    assert stored.name == "Tablette"

    from cabinet.auth.models import RecoveryCode, User
    from cabinet.auth.passwords import verify_password

    with live_server.app.app_context():
        user = User.get(User.login == NEW_LOGIN)
        assert user.role == "practitioner"
        assert not user.must_change_password
        assert verify_password(user.password_hash, PASSPHRASE)
        assert not verify_password(user.password_hash, one_time_password)
        current = RecoveryCode.select().where(
            (RecoveryCode.user == user.id)
            & RecoveryCode.is_current
            & RecoveryCode.used_at.is_null()
        )
        assert current.count() == 10
        assert user.last_login_at is not None

    # The codes are never shown again.
    page.goto(f"{base}/codes-de-secours")
    expect(page).to_have_url(f"{base}/securite")
    expect(page.locator("[data-recovery-codes]")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(codes[0])
    page.context.close()


# 2. Later login -------------------------------------------------------------------------


def test_later_login_with_the_enrolled_authenticator(
    tablet, live_server, new_context, console_watch
):
    base = live_server.url
    one_time_password = create_account(tablet, base)
    page = fresh_tablet(new_context, console_watch)
    cdp, authenticator_id, _, _ = first_login_journey(page, base, one_time_password)
    [enrolled] = browser_credentials(cdp, authenticator_id)
    log_out(page, base)

    password_step(page, base, NEW_LOGIN, PASSPHRASE)
    expect(page).to_have_url(f"{base}/second-facteur")
    assert_french(page, "Second facteur", "Confirmez votre identité")
    expect(page.locator("main")).to_contain_text(NEW_NAME)
    shot(page, "auth-07-second-facteur")
    # The password alone opens nothing.
    page.goto(f"{base}/patients/")
    expect(page).to_have_url(f"{base}/connexion")
    page.goto(f"{base}/second-facteur")
    page.get_by_role("button", name="Utiliser mon authentificateur").click()
    expect(heading(page)).to_have_text(f"Bonjour {NEW_NAME}")
    assert page.url == f"{base}/"

    [used] = browser_credentials(cdp, authenticator_id)
    assert used["credentialId"] == enrolled["credentialId"]
    assert used["signCount"] > enrolled["signCount"]
    [stored] = stored_credentials(live_server.app, NEW_LOGIN)
    assert stored.sign_count == used["signCount"]
    assert stored.last_used_at is not None
    page.context.close()


# 3. Idle lock ---------------------------------------------------------------------------


def set_idle_lock(app, minutes: int) -> None:
    from cabinet import settings

    with app.app_context():
        settings.put("idle_lock_minutes", minutes)


def browser_session_row(page: Page, app):
    """The server's row for this page's session (the cookie holds the token, the row its hash)."""
    from cabinet.auth.models import UserSession
    from cabinet.auth.sessions import token_hash

    name = app.config["SESSION_COOKIE_NAME"]
    [token] = [c["value"] for c in page.context.cookies() if c["name"] == name]
    with app.app_context():
        return UserSession.get(
            (UserSession.token_hash == token_hash(token)) & UserSession.revoked_at.is_null()
        )


def age_server_session(page: Page, app, seconds: int) -> None:
    """Move the server's `last_activity` of the page's session `seconds` back in time.

    The server runs on real time: this is what the same seconds would have done to it.
    """
    from cabinet.auth.models import UserSession
    from cabinet.db import utcnow

    row = browser_session_row(page, app)
    data = json.loads(row.data)
    assert "last_activity" in data and not data.get("locked"), data
    data["last_activity"] = (utcnow() - datetime.timedelta(seconds=seconds)).isoformat()
    with app.app_context():
        UserSession.update(data=json.dumps(data)).where(UserSession.id == row.id).execute()


def server_session_data(page: Page, app) -> dict:
    return json.loads(browser_session_row(page, app).data)


def open_patients(page: Page, base_url: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Patients").click()
    expect(heading(page)).to_have_text("Patients")
    assert page.url == f"{base_url}/patients/"
    expect(page.locator("body")).to_have_attribute("data-idle-seconds", "60")


def idle_secretary_on_patients(page: Page, live_server) -> None:
    """Lock after 1 minute; the page's clock is Playwright's, installed before any page."""
    set_idle_lock(live_server.app, 1)
    page.clock.install()
    login(page, live_server.url, "secretary")
    open_patients(page, live_server.url)


def lock_state(page: Page) -> dict:
    """What the page shows, as computed by the browser."""
    return page.evaluate(LOCK_STATE)


LOCK_STATE = """() => ({
    locked: document.body.classList.contains("is-locked"),
    page: getComputedStyle(document.getElementById("page")).visibility,
    curtain: getComputedStyle(document.querySelector(".lock-curtain")).display,
    curtainText: document.querySelector(".lock-curtain").innerText,
    path: location.pathname,
})"""
HIDDEN = {
    "locked": True,
    "page": "hidden",
    "curtain": "flex",
    "curtainText": "Session verrouillée",
    "path": "/patients/",
}


def lock_url(base_url: str) -> re.Pattern:
    """The lock screen's address (a query string, such as the page to return to, allowed)."""
    return re.compile(rf"^{re.escape(base_url)}/verrou(\?.*)?$")


def htmx_request(page: Page, url: str) -> dict:
    """What an htmx request of the page gets from the server: status and HX-Redirect."""
    return page.evaluate(
        """async (url) => {
            const r = await fetch(url, {headers: {"HX-Request": "true"}, redirect: "manual"});
            return {status: r.status, redirect: r.headers.get("HX-Redirect")};
        }""",
        url,
    )


def unlock_with_authenticator(page: Page) -> None:
    page.get_by_role("button", name="Déverrouiller avec mon authentificateur").click()


def test_idle_tablet_hides_the_page_then_the_lock_screen_returns_to_it(
    tablet, live_server, console_watch
):
    """The page's clock jumps 65 s: it hides itself and loads the lock screen on its own.

    Unlocking takes the user back to the page they were on (docs/authentication.md).
    """
    base = live_server.url
    page = tablet
    idle_secretary_on_patients(page, live_server)
    # While a navigation is pending Chromium runs no script of the page (nor screenshots):
    # the page records what it showed at the moment it locked, in its tab's sessionStorage.
    page.evaluate(
        """(state) => new MutationObserver((_, observer) => {
            if (!document.body.classList.contains("is-locked")) return;
            sessionStorage.setItem("lock-state", JSON.stringify((0, eval)(state)()));
            observer.disconnect();
        }).observe(document.body, {attributes: true, attributeFilter: ["class"]})""",
        LOCK_STATE,
    )
    # The server runs on real time: its session row is given the same 65 seconds.
    age_server_session(page, live_server.app, 65)

    with page.expect_request(lambda r: urlsplit(r.url).path == "/verrou"):
        page.clock.fast_forward("01:05")
    expect(page).to_have_url(lock_url(base))
    assert_french(page, "Session verrouillée", "Session verrouillée")
    expect(page.locator("[data-lock-screen]")).to_contain_text("Sophie Accueil")
    shot(page, "auth-09-ecran-verrouillage")
    assert json.loads(page.evaluate("sessionStorage.getItem('lock-state')")) == HIDDEN
    assert server_session_data(page, live_server.app).get("locked") is True

    # The server refuses the patient list to an htmx request as well.
    console_watch.allow_status(401, "/patients/")
    assert htmx_request(page, f"{base}/patients/") == {"status": 401, "redirect": "/verrou"}

    unlock_with_authenticator(page)
    expect(heading(page)).to_have_text("Patients")
    assert page.url == f"{base}/patients/"
    assert not server_session_data(page, live_server.app).get("locked")


def test_after_the_client_lock_the_server_refuses_the_page_until_unlocked(tablet, live_server):
    """The page hides itself at the delay; the server, past the same delay, shows only the
    lock screen; one touch of the authenticator brings the patient list back."""
    base = live_server.url
    page = tablet
    idle_secretary_on_patients(page, live_server)
    age_server_session(page, live_server.app, 65)

    # The page's own trip to the lock screen is stopped, to look at the hidden page.
    page.route(lock_url(base), lambda route: route.abort("aborted"))
    with page.expect_event("requestfailed", lambda r: urlsplit(r.url).path == "/verrou"):
        page.clock.fast_forward("01:05")
    page.unroute(lock_url(base))
    expect(page.locator("body")).to_have_class(re.compile(r"\bis-locked\b"))
    expect(page.locator("#page")).to_be_hidden()
    expect(page.locator(".lock-curtain")).to_be_visible()
    expect(page.locator(".lock-curtain")).to_have_text("Session verrouillée")
    assert lock_state(page) == HIDDEN
    shot(page, "auth-08-rideau-verrouillage")

    # Server side: the patient list is refused, the lock screen shown instead.
    page.goto(f"{base}/patients/")
    expect(page).to_have_url(lock_url(base))
    expect(heading(page)).to_have_text("Session verrouillée")
    expect(page.locator("#patient-results")).to_have_count(0)
    assert server_session_data(page, live_server.app).get("locked") is True

    unlock_with_authenticator(page)
    expect(heading(page)).to_have_text("Patients")
    assert page.url == f"{base}/patients/"
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bis-locked\b"))
    expect(page.locator("#page")).to_be_visible()


# 4. Missing authenticator ---------------------------------------------------------------


def test_login_without_the_authenticator_fails_in_french_and_stays_out(tablet, live_server):
    base = live_server.url
    page = tablet
    # The browser waits for the options' timeout before giving up: keep it short here.
    live_server.app.config["WEBAUTHN_TIMEOUT_MS"] = 3000
    username = ACCOUNTS["practitioner"][0]

    password_step(page, base, username, PASSWORDS[username])
    expect(page).to_have_url(f"{base}/second-facteur")
    cdp, authenticator_id = virtual_authenticator(page, soft_credential(username))
    page.get_by_role("button", name="Utiliser mon authentificateur").click()
    expect(heading(page)).to_have_text("Bonjour Dr Paul Soignant")

    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator_id})
    log_out(page, base)
    password_step(page, base, username, PASSWORDS[username])
    expect(page).to_have_url(f"{base}/second-facteur")
    box = page.locator("[data-webauthn]")
    button = page.get_by_role("button", name="Utiliser mon authentificateur")
    button.click()
    expect(box).to_have_attribute("data-status", "pending")
    expect(button).to_be_disabled()
    status = page.locator("[data-webauthn-status]")
    expect(status).to_have_text("Opération annulée ou délai dépassé. Réessayez.", timeout=10_000)
    expect(page.locator('[data-webauthn][data-status="error"]')).to_be_visible()
    expect(button).to_be_enabled()
    assert page.url == f"{base}/second-facteur"
    assert_french(page, "Second facteur", "Confirmez votre identité")
    shot(page, "auth-10-authentificateur-absent")

    # Still only pending: nothing behind the login is reachable.
    assert "_user_id" not in server_session_data(page, live_server.app)
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/connexion")
    expect(heading(page)).to_have_text("Connexion")

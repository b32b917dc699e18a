"""Issue 13, X3, S5: a tablet on the practice network, for real.

gunicorn serves `https://cabinet.local:<port>` as `make serve` does (its own authority,
created at its first start); Chromium trusts that authority through an NSS database made
with `certutil` in a temporary HOME (never `ignore_https_errors`), reaches the name through
`--host-resolver-rules` (mapped to the loopback), and registers then uses a WebAuthn
credential with its virtual authenticator. Over plain HTTP under the same name, WebAuthn
does not even exist: the page is not a secure context.

Measured here (Chromium 156): the RP ID `cabinet.local` is accepted over HTTPS; the same
name over `http://` gives `isSecureContext === false` and no `PublicKeyCredential`.
"""

import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from cabinet import create_app
from cabinet.db import database
from tests.browser.conftest import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, TABLET, shot
from tests.conftest import instance_config
from tests.serving import gunicorn, serving_env

HOSTNAME = "cabinet.local"
NURSE, NURSE_NAME = "infirmiere", "Inès Infirmière"
NURSE_PASSWORD = "lune cactus violon marée tablette"
VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _instance_with_nurse(template: Path, folder: Path) -> Path:
    """A copy of the test instance with a nurse who has a password and no authenticator."""
    shutil.copytree(template, folder)
    app = create_app(instance_config(folder))
    with app.app_context():
        from cabinet.users.services import create_user

        create_user(NURSE, "practitioner", NURSE_PASSWORD, display_name=NURSE_NAME)
    database.close()
    return folder


@pytest.fixture
def https_server(template_instance, tmp_path):
    """gunicorn with gunicorn.conf.py on 127.0.0.1, HTTPS on its own authority, plus the
    plain-HTTP port that only redirects."""
    folder = _instance_with_nurse(template_instance, tmp_path / "instance")
    port, http_port = _free_port(), _free_port()
    env = serving_env(
        folder,
        CABINET_SCHEDULER="0",
        CABINET_HTTP_PORT=str(http_port),
        HOST="127.0.0.1",
        PORT=str(port),
    )
    with gunicorn(env, tmp_path / "gunicorn.log", 2, ready=lambda: _listening(http_port)):
        yield {"port": port, "http_port": http_port, "instance": folder}


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _home_trusting(ca_certificate: Path, home: Path) -> Path:
    """A HOME whose NSS database (where Chromium on Linux looks) trusts this CA for TLS."""
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-d",
            f"sql:{nssdb}",
            "-A",
            "-t",
            "C,,",
            "-n",
            "Cabinet",
            "-i",
            ca_certificate,
        ],
        check=True,
    )
    return home


@pytest.fixture
def launch_tablet(playwright, console_watch, tmp_path):
    """Open a tablet-sized page in a Chromium whose HOME trusts `ca` (or nothing) and which
    resolves cabinet.local to the loopback. Console errors fail the test, except those
    matching `expected` (Chromium's own notes on a plain-HTTP page)."""
    browsers = []

    def launch(ca: Path | None, expected: str | None = None) -> Page:
        home = tmp_path / f"home-{len(browsers)}"
        home.mkdir()
        if ca is not None:
            _home_trusting(ca, home)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOSTNAME} 127.0.0.1"],
            env={**os.environ, "HOME": str(home)},
        )
        browsers.append(browser)
        context = browser.new_context(**TABLET)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()

        def on_console(message):
            if expected is None or not re.search(expected, message.text):
                console_watch.on_console(message)

        page.on("console", on_console)
        page.on("pageerror", console_watch.on_page_error)
        return page

    yield launch
    for browser in browsers:
        browser.close()
    console_watch.check()


def _virtual_authenticator(page: Page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})  # always first (docs/authentication.md)
    options = {"options": VIRTUAL_AUTHENTICATOR}
    return cdp, cdp.send("WebAuthn.addVirtualAuthenticator", options)["authenticatorId"]


def _password_step(page: Page, base: str) -> None:
    page.goto(f"{base}/connexion")
    page.fill("#login", NURSE)
    page.fill("#password", NURSE_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_a_tablet_trusting_the_instance_ca_registers_and_logs_in_on_cabinet_local(
    https_server, launch_tablet
):
    base = f"https://{HOSTNAME}:{https_server['port']}"
    page = launch_tablet(https_server["instance"] / "tls" / "ca.crt")

    # The plain-HTTP port only redirects, to the name and the HTTPS port.
    page.goto(f"http://{HOSTNAME}:{https_server['http_port']}/connexion")
    expect(page).to_have_url(f"{base}/connexion")
    # A verified certificate (no interstitial, nothing ignored), hence a secure context.
    assert page.evaluate("window.isSecureContext") is True
    response = page.goto(f"{base}/connexion")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.security_details()["subjectName"] == HOSTNAME

    _password_step(page, base)
    expect(page).to_have_url(f"{base}/enregistrement")
    cdp, authenticator = _virtual_authenticator(page)
    page.get_by_role("button", name="Enregistrer l'authentificateur").click()
    expect(page).to_have_url(f"{base}/codes-de-secours")
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    assert credential["rpId"] == HOSTNAME  # the RP ID derived from CABINET_HOSTNAME
    page.get_by_role("link", name="J'ai mis mes codes à l'abri").click()
    expect(page.locator("h1")).to_have_text(f"Bonjour {NURSE_NAME}")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["cabinet_session"]["secure"] and cookies["cabinet_session"]["httpOnly"]

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{base}/connexion")
    _password_step(page, base)
    expect(page).to_have_url(f"{base}/second-facteur")
    page.get_by_role("button", name="Utiliser mon authentificateur").click()
    expect(page.locator("h1")).to_have_text(f"Bonjour {NURSE_NAME}")
    (used,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used["signCount"] > credential["signCount"]
    shot(page, "tablette-https-accueil")


def test_a_tablet_that_does_not_trust_the_ca_gets_no_page(https_server, launch_tablet):
    page = launch_tablet(None)
    with pytest.raises(Exception, match="ERR_CERT_AUTHORITY_INVALID"):
        page.goto(f"https://{HOSTNAME}:{https_server['port']}/connexion")


@pytest.fixture
def plain_http_on_the_name(template_instance, tmp_path):
    """The same app over plain HTTP under the name (what `HOST=0.0.0.0 make run` would
    give a tablet), with the relying party and origin that name would need."""
    folder = _instance_with_nurse(template_instance, tmp_path / "instance")
    app = create_app(instance_config(folder, RP_ID=HOSTNAME, ORIGINS=[]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://{HOSTNAME}:{server.server_port}"
    app.config["ORIGINS"] = [base]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        database.close()


def test_over_plain_http_on_the_name_the_login_cannot_happen(plain_http_on_the_name, launch_tablet):
    base = plain_http_on_the_name
    # Chromium says it ignores Cross-Origin-Opener-Policy on an untrustworthy origin.
    page = launch_tablet(None, expected="origin was untrustworthy")
    _password_step(page, base)
    expect(page).to_have_url(f"{base}/enregistrement")
    assert page.evaluate("window.isSecureContext") is False
    assert page.evaluate("typeof window.PublicKeyCredential") == "undefined"
    page.get_by_role("button", name="Enregistrer l'authentificateur").click()
    status = page.locator('[data-webauthn="register"]')
    expect(status).to_have_attribute("data-status", "error")
    expect(status).to_contain_text("ne permet pas l'authentification forte")
    expect(page).to_have_url(f"{base}/enregistrement")  # nothing past the password step

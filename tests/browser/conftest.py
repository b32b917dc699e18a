"""Browser layer: Debian's Chromium driven by Playwright against the app served on localhost.

Every test gets its own copy of the test instance (`instance` from tests/conftest.py),
served by a real threaded werkzeug server, and a tablet-sized browser context.
"""

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Flask
from playwright.sync_api import ConsoleMessage, Error, Page, expect
from werkzeug.serving import make_server

import tests.conftest as root_conftest
from cabinet import create_app
from cabinet.db import database
from tests.conftest import ACCOUNTS, AUTHENTICATORS, PASSWORDS, instance_config

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Keep Chromium quiet and offline: no update checks, no sync, no GPU process.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
TABLET = {
    "viewport": {"width": 820, "height": 1180},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "fr-FR",
    "timezone_id": "Europe/Paris",
}
# Fail fast: every wait in these tests is on a local server.
ACTION_TIMEOUT_MS = 5_000


def pytest_configure(config):
    """Refuse to run if `tests.conftest` is not the module whose fixtures built the instance.

    Its PASSWORDS are drawn at import time: should tests/ stop being a package, pytest
    would import tests/conftest.py as `conftest` and `from tests.conftest import ...` would
    load the file a second time, with other passwords than those of the test accounts.
    """
    wanted = Path(root_conftest.__file__).resolve()
    loaded = [
        plugin
        for plugin in config.pluginmanager.get_plugins()
        if Path(getattr(plugin, "__file__", None) or "/").resolve() == wanted
    ]
    if loaded and loaded[0] is not root_conftest:
        raise pytest.UsageError(
            f"{wanted} is loaded twice (tests/__init__.py missing?): passwords would differ."
        )


def pytest_collection_modifyitems(items):
    """Every test under tests/browser/ is a browser test (`-m "not browser"` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """The system Chromium (never a downloaded one); Playwright adds headless and sandboxing."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@dataclass
class LiveServer:
    url: str
    app: Flask


@contextmanager
def serving(instance: Path) -> Iterator[LiveServer]:
    """The app of `instance` on http://localhost:<free port>, in a daemon thread (also used by
    bench/journeys.py, which times the journeys these tests check)."""
    app = create_app(instance_config(instance, RP_ID="localhost", ORIGINS=[]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://localhost:{server.server_port}"
    # WebAuthn checks the origin, port included: known only once the socket is bound.
    app.config["ORIGINS"] = [url]
    # A short poll interval: shutdown() waits for the serving loop to notice it.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        database.close()


@pytest.fixture
def live_server(instance):
    """The app on http://localhost:<free port>, in a daemon thread, for one test."""
    with serving(instance) as served:
        yield served


@pytest.fixture
def app(live_server):
    """The served app, so tests/conftest.py factories (`make_patient`, `user`) write to it."""
    return live_server.app


@dataclass
class ConsoleWatch:
    """Console errors, uncaught exceptions and CSP violations seen by a page.

    Chromium logs every 4xx/5xx answer as a console error ("Failed to load resource").
    A test that provokes one on purpose (a 422 on an invalid form) declares it with
    `allow_status(422, "/modifier")`; anything else fails the test.
    """

    problems: list[str] = field(default_factory=list)
    allowed: list[tuple[int, str]] = field(default_factory=list)

    def allow_status(self, status: int, path_suffix: str) -> None:
        self.allowed.append((status, path_suffix))

    def _expected(self, text: str, url: str) -> bool:
        return any(
            f"status of {status} " in text and url.split("?")[0].endswith(path)
            for status, path in self.allowed
        )

    def on_console(self, message: ConsoleMessage) -> None:
        text, url = message.text, message.location.get("url", "")
        if "Content Security Policy" in text:
            self.problems.append(f"CSP violation: {text}")
        elif message.type == "error" and not self._expected(text, url):
            self.problems.append(f"console error: {text} ({url})")

    def on_page_error(self, error: Error) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def console_watch():
    return ConsoleWatch()


@pytest.fixture
def tablet(live_server, new_context, console_watch) -> Page:
    """A page in an iPad-Air-like portrait context (820×1180 CSS px, touch, 2× pixels).

    The test fails if the page logs a console error or a CSP violation. The page is set
    up after the server and closed before it: a request still in flight (the favicon)
    never meets a closed socket.
    """
    context = new_context(**TABLET)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", console_watch.on_console)
    page.on("pageerror", console_watch.on_page_error)
    yield page
    context.close()  # delivers the events still queued, then the check sees them all
    console_watch.check()


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-output/screenshots/<name>.png, for people to see.

    At CSS scale (820 px wide): four times fewer pixels to encode than at the tablet's 2×,
    which keeps each screenshot under 0.1 s.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True, scale="css")
    return path


def add_authenticator(page: Page, username: str) -> str:
    """Give the page a virtual platform authenticator holding the account's credential.

    The test accounts enrolled a software authenticator (tests/soft_webauthn.py) while the
    template instance was built; its key and credential id go into Chromium's virtual
    authenticator, so the browser runs the real ceremony of static/js/webauthn.js.
    """
    soft = AUTHENTICATORS[username]
    cdp = page.context.new_cdp_session(page)
    # Always first: without it navigator.credentials.get() never settles in headless Chromium.
    cdp.send("WebAuthn.enable", {"enableUI": False})
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    private_key = soft.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    credential = {
        "credentialId": base64.b64encode(soft.credential_id).decode(),
        "isResidentCredential": False,
        "rpId": soft.rp_id,
        "privateKey": base64.b64encode(private_key).decode(),
        "signCount": soft.sign_count,
    }
    cdp.send(
        "WebAuthn.addCredential",
        {"authenticatorId": authenticator["authenticatorId"], "credential": credential},
    )
    return authenticator["authenticatorId"]


def scripts_ready(page: Page) -> Page:
    """Wait until htmx listens to what was just put on screen, before typing into one of
    its fields. On a full load the scripts are deferred and htmx binds on DOMContentLoaded;
    after a boosted navigation it binds the new content only when it settles, 20 ms after
    the swap. In both gaps the heading is already there and keys typed send nothing."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-swapping, .htmx-settling')"
    )
    return page


def login(page: Page, base_url: str, role: str) -> Page:
    """Log in through the French login form (and the second factor) up to the home page."""
    username = ACCOUNTS[role][0]
    if page.url != f"{base_url}/connexion":
        page.goto(f"{base_url}/connexion")
    page.fill("#login", username)
    page.fill("#password", PASSWORDS[username])
    page.get_by_role("button", name="Se connecter").click()
    heading = page.locator("h1")
    expect(heading).to_have_text(re.compile(r"^(Bonjour|Confirmez votre identité)"))
    if heading.text_content().startswith("Confirmez"):
        add_authenticator(page, username)
        page.get_by_role("button", name="Utiliser mon authentificateur").click()
    expect(heading).to_have_text(re.compile(r"^Bonjour"))
    return page

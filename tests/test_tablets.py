"""Issue 13, A7, X3: the admin's page "Installer une tablette" with its QR codes drawn on
the server, the public downloads of the authority's certificate (.crt and the iPadOS
.mobileconfig, public certificate only), and the web app manifest."""

import plistlib
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cabinet import create_app, tls
from cabinet.db import database
from cabinet.tablets import services
from tests.conftest import ORIGIN, instance_config, login

SERVED = "https://cabinet.local:5000"


@pytest.fixture
def tls_app(instance):
    """The instance as `make serve` leaves it: its authority created, HTTPS on its name."""
    tls.ensure(instance / "tls", "cabinet.local", [])
    # The served origin first (the QR codes' addresses); the test accounts' authenticators
    # still sign for http://localhost:5000.
    app = create_app(
        instance_config(instance, TLS=True, HOSTNAME="cabinet.local", ORIGINS=[SERVED, ORIGIN])
    )
    yield app
    database.close()


def _client(app, role=None):
    client = app.test_client()
    return login(client, role) if role else client


def test_admin_page_shows_the_three_steps_and_the_fingerprint(tls_app, instance):
    page = _client(tls_app, "admin").get("/tablettes/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Installer une tablette" in html
    assert "Réglages &gt; Général &gt; Informations &gt; Réglages des certificats" in html
    assert "Certificat CA" in html
    assert tls.fingerprint(tls.ca_certificate(instance / "tls")) in html
    for target in ("ipad", "android", "application"):
        assert f'src="/tablettes/qr/{target}.svg"' in html
    assert f"{SERVED}/" in html


@pytest.mark.parametrize("role", ["practitioner", "secretary"])
def test_only_the_admin_reaches_the_page_and_its_qr_codes(tls_app, role):
    client = _client(tls_app, role)
    assert client.get("/tablettes/").status_code == 403
    assert client.get("/tablettes/qr/ipad.svg").status_code == 403


def test_anonymous_is_sent_to_login(tls_app):
    response = _client(tls_app).get("/tablettes/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("ipad", "/tablettes/cabinet.mobileconfig"),
        ("android", "/tablettes/cabinet-ca.crt"),
        ("application", "/"),
    ],
)
def test_each_qr_code_is_an_svg_image_of_the_served_address(tls_app, target, path):
    response = _client(tls_app, "admin").get(f"/tablettes/qr/{target}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    # segno draws the same symbol for the same text: this image encodes exactly that address.
    assert response.data == services.qr_svg(SERVED + path)
    root = ET.fromstring(response.data)  # noqa: S314 - our own image
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags <= {"svg", "title", "path"}, tags  # no script, no foreign content
    assert not any(a.startswith("on") for e in root.iter() for a in e.attrib)


def test_an_unknown_qr_code_is_404(tls_app):
    assert _client(tls_app, "admin").get("/tablettes/qr/autre.svg").status_code == 404


def test_the_profile_is_public_and_holds_only_the_public_certificate(tls_app, instance):
    response = _client(tls_app).get("/tablettes/cabinet.mobileconfig")
    assert response.status_code == 200
    assert response.mimetype == "application/x-apple-aspen-config"
    assert 'filename="cabinet.mobileconfig"' in response.headers["Content-Disposition"]
    profile = plistlib.loads(response.data)
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.security.root"
    assert payload["PayloadContent"] == tls.der(tls.ca_certificate(instance / "tls"))
    assert b"PRIVATE" not in response.data
    for private in ("ca.key", "server.pem"):
        body = b"".join((instance / "tls" / private).read_bytes().splitlines()[1:4])
        assert body not in response.data


def test_the_android_certificate_is_public_der(tls_app, instance):
    response = _client(tls_app).get("/tablettes/cabinet-ca.crt")
    assert response.status_code == 200 and response.mimetype == "application/x-x509-ca-cert"
    assert response.data == tls.der(tls.ca_certificate(instance / "tls"))


def test_without_https_the_page_says_how_to_serve_it_and_offers_nothing(admin_client):
    html = admin_client.get("/tablettes/").get_data(as_text=True)
    assert "n'est pas servi en HTTPS" in html and "HOST=0.0.0.0 make serve" in html
    assert "qr/ipad.svg" not in html
    assert admin_client.get("/tablettes/cabinet.mobileconfig").status_code == 404
    assert admin_client.get("/tablettes/cabinet-ca.crt").status_code == 404


def test_before_the_first_start_the_page_says_the_certificate_is_missing(instance):
    app = create_app(instance_config(instance, TLS=True, ORIGINS=[SERVED, ORIGIN]))
    try:
        html = _client(app, "admin").get("/tablettes/").get_data(as_text=True)
    finally:
        database.close()
    assert "n'existe pas encore" in html and "qr/ipad.svg" not in html


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_cabinet_installable_without_a_service_worker(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["display"] == "standalone" and manifest["lang"] == "fr"
    assert manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon
        if icon["type"] == "image/png":
            size = int(icon["sizes"].split("x")[0])
            assert _png_size(image.data) == (size, size)
        image.close()
    page = client.get("/connexion").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    scripts = (Path(__file__).resolve().parent.parent / "static" / "js").glob("*.js")
    assert not any("serviceWorker" in script.read_text() for script in scripts)

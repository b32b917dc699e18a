"""What the page "Installer une tablette" shows: the addresses a tablet opens, the state of
the instance's authority, and the QR codes (drawn here as SVG, no request to anyone)."""

import io
from dataclasses import dataclass

import segno
from flask import current_app, url_for

from cabinet import tls

# What each QR code opens, by the name used in its URL.
TARGETS = {
    "ipad": "tablets.profile",
    "android": "tablets.certificate",
    "application": "home.index",
}


@dataclass(frozen=True)
class Serving:
    """How Cabinet is reached, as far as enrolling a tablet is concerned."""

    origin: str
    is_https: bool
    own_authority: bool  # HTTPS with the instance's authority (not a proxy's public one)
    fingerprint: str | None
    expires: str | None


def serving() -> Serving:
    config = current_app.config
    own = bool(config["TLS"])
    certificate = tls.ca_certificate(config["TLS_PATH"]) if own else None
    return Serving(
        origin=config["ORIGINS"][0].rstrip("/"),
        is_https=own or config["PROXY_HOPS"] > 0,
        own_authority=own,
        fingerprint=tls.fingerprint(certificate) if certificate else None,
        expires=certificate.not_valid_after_utc.strftime("%d/%m/%Y") if certificate else None,
    )


def address_of(target: str) -> str:
    """The full address a QR code opens: the served origin (never the address this page
    happened to be requested on), then the path."""
    return serving().origin + url_for(TARGETS[target])


def qr_svg(text: str) -> bytes:
    """A QR code as a standalone SVG image: paths only, no script, no style element."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=6, border=4, title="QR code", svgclass=None, lineclass=None
    )
    return buffer.getvalue()


def authority():
    """The instance authority's public certificate, or None when Cabinet never served HTTPS
    itself (gunicorn creates it at its first start)."""
    return tls.ca_certificate(current_app.config["TLS_PATH"])

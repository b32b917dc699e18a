"""The page "Installer une tablette" (admin) and what a tablet fetches before any login."""

import json

from flask import Response, abort, current_app, render_template, url_for

from cabinet import tls
from cabinet.security import public
from cabinet.tablets import bp, services

PROFILE_TYPE = "application/x-apple-aspen-config"
CERTIFICATE_TYPE = "application/x-x509-ca-cert"


@bp.route("/tablettes/")
def index():
    """Step-by-step enrolment of an iPad or an Android tablet, with QR codes. Admin."""
    return render_template(
        "tablets/index.html",
        serving=services.serving(),
        app_address=services.address_of("application"),
    )


@bp.route("/tablettes/qr/<target>.svg")
def qr_code(target):
    """The QR code of one address of the page (certificate, profile, app). Admin."""
    if target not in services.TARGETS:
        abort(404)
    return Response(services.qr_svg(services.address_of(target)), mimetype="image/svg+xml")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/tablettes/cabinet.mobileconfig")
@public
def profile():
    """The iPadOS profile holding the authority's public certificate only. Public: the
    tablet fetches it before it can trust the server, let alone sign in."""
    certificate = services.authority()
    if certificate is None:
        abort(404)
    body = tls.mobileconfig(certificate, current_app.config["HOSTNAME"])
    return _download(body, PROFILE_TYPE, "cabinet.mobileconfig")


@bp.route("/tablettes/cabinet-ca.crt")
@public
def certificate():
    """The authority's public certificate (DER), for Android. Public, like the profile."""
    certificate = services.authority()
    if certificate is None:
        abort(404)
    return _download(tls.der(certificate), CERTIFICATE_TYPE, "cabinet-ca.crt")


@bp.route("/manifest.webmanifest")
@public
def manifest():
    """The web app manifest: Cabinet on the home screen, full screen. Public (browsers
    fetch it without cookies). No service worker: nothing of a page is ever cached."""
    icon = "icons/icon-{}.png"
    data = {
        "name": "Cabinet",
        "short_name": "Cabinet",
        "description": "Dossiers et agenda du cabinet",
        "lang": "fr",
        "dir": "ltr",
        "start_url": url_for("home.index"),
        "scope": url_for("home.index"),
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f4f6f9",
        "theme_color": "#1d2733",
        "icons": [
            {
                "src": url_for("static", filename="icons/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            },
            *(
                {
                    "src": url_for("static", filename=icon.format(size)),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                }
                for size in (192, 512)
            ),
            {
                "src": url_for("static", filename=icon.format(512)),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")

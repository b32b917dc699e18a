"""Putting a tablet on Cabinet (issue 13): the admin's page "Installer une tablette" (the
instance authority's certificate to trust, then the app's address, as QR codes), the
public downloads of that certificate, and the web app manifest that makes Cabinet
installable on the tablet's home screen.

A domain of its own rather than a page of `users/`: it is about devices and the network,
not accounts, and it needs the public routes a tablet reaches before anyone signs in.
"""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("tablets", __name__)
declare(bp, "settings.manage")  # the page and its QR codes; the downloads are @public

from cabinet.tablets import views  # noqa: E402,F401

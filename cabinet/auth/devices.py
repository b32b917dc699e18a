"""Known devices (S3): OWASP's device-cookie pattern against a lock-out by flooding.

A signed cookie is issued to the browser at each completed login; it names (by keyed
hash) the accounts that have signed in on that device. An attempt for one of those
accounts from that device is not held back by the per-address limit — so a script
flooding the practice's address (or its reverse proxy's) cannot lock the staff out —
while its failures still count against the account's own limits (delay, lock at 10).
"""

import datetime

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "cabinet_device"
LIFETIME = datetime.timedelta(days=180)
KEPT = 8  # accounts remembered per device (a shared tablet at the front desk)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="cabinet known device")


def known_logins() -> list[str]:
    """The login keys this browser has completed a login for (empty if none or forged)."""
    value = request.cookies.get(COOKIE)
    if not value or len(value) > 2000:
        return []
    try:
        keys = _serializer().loads(value, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return []
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


def is_known(login_key: str) -> bool:
    return login_key in known_logins()


def remember(response: Response, login_key: str) -> Response:
    """Add the account to the device's cookie (most recent first)."""
    keys = [login_key] + [k for k in known_logins() if k != login_key]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(keys[:KEPT]),
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
        samesite="Strict",
        path="/",
    )
    return response

"""Roles, permissions, default-deny route policies and security headers.

Every endpoint must declare its policy, either on the view (`@public`,
`@authenticated`, `@require("perm")`) or once for its whole blueprint
(`declare(bp, "perm")`). One `before_request` hook enforces it; an endpoint
with no declared policy is refused, and `tests/test_access.py` fails on it.
Code asks for permissions, never for roles: the only role table is below.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from cabinet import htmx

ROLES = {
    "admin": "Administrateur (responsable du traitement)",
    "practitioner": "Praticien",
    "secretary": "Secrétaire",
}

# Rights requests (I3, art. L1111-7 CSP): whoever receives a request registers it
# (`rights.register`); the administrative part of the file is answered by the data
# controller (`rights.answer`); the medical part is released only by a practitioner, from the
# request, after its legal delay and within the care team or break-glass (`rights.release`).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "patient.admin.read",
            "patient.admin.write",
            "patient.access_report",
            # Patients brought from the previous software (issue 17): the data controller's act.
            "patient.import",
            "audit.read",
            "users.manage",
            "settings.manage",
            "care_team.refer",
            "care_team.manage",
            "rights.register",
            "rights.answer",
            "compliance.manage",
        }
    ),
    "practitioner": frozenset(
        {
            "patient.admin.read",
            "patient.admin.write",
            "appointment.manage",
            "patient.access_report",
            "record.read",
            "record.write",
            "archive.read",
            "payment.record",
            "care_team.refer",
            "rights.register",
            "rights.release",
            "prescription.renewals",
            # A home visit's access notes (door code, key box…), for the care team's patients.
            "access_note.read",
            "access_note.write",
        }
    ),
    "secretary": frozenset(
        {
            "patient.admin.read",
            "patient.admin.write",
            "appointment.manage",
            "payment.record",
            "rights.register",
            # Patient, prescriber and date of the prescriptions to renew, never the acts (A1).
            "prescription.renewals",
            # Access notes are administrative: the secretary reads and keeps them for every
            # patient; a practitioner only for her care team's (patients/access_notes.py).
            "access_note.read",
            "access_note.write",
            "access_note.any_patient",
        }
    ),
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


@dataclass(frozen=True)
class Policy:
    """Who may reach an endpoint: everyone, any signed-in user, or holders of a permission."""

    kind: str  # "public" | "authenticated" | "permission"
    permission: str | None = None

    def __str__(self) -> str:
        return self.permission or self.kind


PUBLIC = Policy("public")
AUTHENTICATED = Policy("authenticated")
# Between the password and the second factor: only the steps of the login journey.
PENDING = Policy("pending")
_blueprint_policies: dict[str, Policy] = {}


def permissions_of(user) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(getattr(user, "role", None), frozenset())


def has_permission(user, permission: str) -> bool:
    return permission in permissions_of(user)


def _mark(policy: Policy) -> Callable:
    def decorator(view):
        view.policy = policy
        return view

    return decorator


public = _mark(PUBLIC)
authenticated = _mark(AUTHENTICATED)
pending = _mark(PENDING)


def allowed_when_locked(view):
    """Mark a view reachable while the session is locked for inactivity (unlock, logout)."""
    view.allowed_when_locked = True
    return view


def require(permission: str) -> Callable:
    """Decorator for a view that needs more than its blueprint's permission."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"Unknown permission {permission!r}")
    return _mark(Policy("permission", permission))


def declare(bp: Blueprint, permission: str | None) -> None:
    """Set the policy of every view of a blueprint that does not declare its own."""
    if permission is not None and permission not in ALL_PERMISSIONS:
        raise ValueError(f"Unknown permission {permission!r}")
    _blueprint_policies[bp.name] = (
        AUTHENTICATED if permission is None else Policy("permission", permission)
    )


def policy_for(app: Flask, endpoint: str) -> Policy | None:
    """The declared policy of an endpoint, or None when it has none (then it is refused)."""
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions.get(endpoint)
    policy = getattr(view, "policy", None)
    if policy is None and "." in endpoint:
        policy = _blueprint_policies.get(endpoint.rsplit(".", 1)[0])
    return policy


def _enforce():
    if request.endpoint is None:
        return None  # 404/405: let Flask answer with the error page.
    policy = policy_for(current_app, request.endpoint)
    if policy is None:
        current_app.logger.error("Endpoint without an access policy refused: %s", request.endpoint)
        abort(403)
    if policy.kind == "public":
        return None
    if policy.kind == "pending" and (current_user.is_authenticated or session.get("pending")):
        return None
    if not current_user.is_authenticated:
        if request.htmx:
            return htmx.redirect_away(url_for("auth.login"))
        return redirect(url_for("auth.login"))
    if policy.kind == "permission" and not has_permission(current_user, policy.permission):
        abort(403)
    return None


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static":
        # Every dynamic page may show patient data: never keep it in a cache or history.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
    app.after_request(_headers)

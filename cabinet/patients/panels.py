"""Sections of the patient page supplied by the domains above `patients` (A1).

`patients` must not import `appointments`, `records` or `rights`, yet the patient page shows
appointments, payments and the care record. The composition root registers each section
with the permission it needs; the page shows those the user holds — so the secretary's page
and the practitioner's are two different pages from one route, and nothing of the care
record is even computed for the secretary.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from cabinet.security import has_permission


@dataclass(frozen=True)
class Panel:
    permission: str
    template: str
    provider: Callable  # (patient, user) -> the template's context (and its traces)


def register(app: Flask, permission: str, template: str, provider: Callable) -> None:
    app.extensions.setdefault("cabinet.patient_panels", []).append(
        Panel(permission, template, provider)
    )


def for_user(patient, user) -> list[tuple[str, dict]]:
    """(template, context) of each section this user may see, in registration order."""
    return [
        (panel.template, panel.provider(patient, user))
        for panel in current_app.extensions.get("cabinet.patient_panels", [])
        if has_permission(user, panel.permission)
    ]

"""Notes under the agenda's appointments supplied by the domains above `appointments`
("séance 7/10" from a prescription), registered by the composition root with the
permission they need, as the patient page's panels are (patients/panels.py)."""

from collections.abc import Callable

from flask import Flask, current_app

from cabinet.security import has_permission


def register(app: Flask, permission: str, provider: Callable) -> None:
    """`provider(user, appointments)` returns {appointment id: note} (and traces its reads)."""
    app.extensions.setdefault("cabinet.agenda_notes", []).append((permission, provider))


def for_user(user, appointments: list) -> dict[int, list[str]]:
    notes: dict[int, list[str]] = {}
    for permission, provider in current_app.extensions.get("cabinet.agenda_notes", []):
        if appointments and has_permission(user, permission):
            for appointment_id, note in provider(user, appointments).items():
                notes.setdefault(appointment_id, []).append(note)
    return notes

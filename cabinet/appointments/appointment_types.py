"""Appointment types and their durations: a list the admin keeps, so that no booking carries
a free-text health reason (X6)."""

from cabinet.appointments.models import AppointmentType
from cabinet.audit import trace
from cabinet.db import database


def every():
    return AppointmentType.select().order_by(AppointmentType.name)


def offered():
    """The types proposed when booking."""
    return every().where(AppointmentType.active)


def get_or_404(type_id: str) -> AppointmentType:
    return AppointmentType.get_or_404(AppointmentType.id == int(type_id))


def save(actor, name: str, duration_minutes: int, is_home_visit: bool, active: bool) -> None:
    """Add a type, or change the one of that name (never deleted: appointments point at it)."""
    fields = {
        "duration_minutes": duration_minutes,
        "is_home_visit": is_home_visit,
        "active": active,
    }
    existing = AppointmentType.get_or_none(AppointmentType.name == name)
    with database.atomic():
        if existing:
            AppointmentType.update(**fields).where(AppointmentType.id == existing.id).execute()
        else:
            AppointmentType.create(name=name, **fields)
        trace(
            actor,
            "settings.update",
            target="appointment_type",
            detail=f"{name} : {duration_minutes} min",
        )

"""Changes and traced reads of the notices' domain: the practice's settings, the prints of
a notice (I1), the register of processing (I2)."""

from cabinet import settings
from cabinet.appointments import services as appointments
from cabinet.audit import trace
from cabinet.db import database, utcnow
from cabinet.notices import content
from cabinet.notices.models import NoticePrint


def save_practice_settings(actor, values: dict) -> list[str]:
    """Store the practice's settings; each change traced."""
    with database.atomic():
        changed = settings.put_changed(values)
        for key in changed:
            trace(actor, "settings.update", target=f"setting:{key}")
    return changed


def record_print(kind: str, appointment_ref: str, actor) -> None:
    """A notice is being printed; a leaflet may be handed at a home visit (`appointment_ref`),
    which the appointment then records."""
    with database.atomic():
        NoticePrint.create(
            kind=kind,
            actor_id=actor.id,
            actor_name=actor.display_name,
            appointment_ref=appointment_ref,
        )
        if kind == "leaflet" and appointment_ref:
            appointments.record_leaflet_given(appointment_ref, actor)
        trace(actor, "notice.print", target=f"notice:{kind}")


def register(actor) -> dict:
    """The register of processing activities (art. 30) as its page shows it; read traced."""
    trace(actor, "notice.register_view", target="register")
    return {
        "practice": content.practice(),
        "purposes": content.purposes(),
        "measures": content.security_measures(),
        "missing": content.missing(),
        "generated_at": utcnow(),
        "prints": list(NoticePrint.latest(30)),
    }


def register_export(actor) -> dict:
    """The register as the JSON file for the practice's records; the export traced."""
    trace(actor, "notice.register_export", target="register")
    return {
        "controller": content.practice(),
        "generated_at": utcnow().isoformat() + "Z",
        "activities": content.purposes(),
        "security_measures": content.security_measures(),
    }

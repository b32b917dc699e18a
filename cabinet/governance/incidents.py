"""The breach register (T5, GDPR art. 33 and 34) and its 72-hour clock.

An incident is recorded at discovery; it is then completed, never edited nor deleted:
each addition is an `IncidentUpdate` row, and `state` folds them (the latest value of each
field wins, the earlier ones stay readable). The clock runs from the discovery, in real
hours (stored UTC: a change of time in between neither adds nor removes an hour), and
stops when the CNIL notification is recorded, or the decision not to notify with its
reason. A notification after the 72 hours needs the reason of the delay (art. 33.1).

Sources (read 2026-12-02): GDPR art. 33 and 34; CNIL, « Notifier une violation de données
personnelles » (cnil.fr, 24/05/2018) and CNIL Direct « Quand faut-il notifier une
violation de données à la CNIL ? » (notification in two steps allowed; téléservice
notifications.cnil.fr/notifications/violation).
"""

import datetime
from dataclasses import dataclass

from cabinet.audit import trace
from cabinet.db import database, utcnow
from cabinet.governance.models import NATURES, Incident, IncidentUpdate

DEADLINE = datetime.timedelta(hours=72)
# The fields an addition may carry, in the order the incident page shows them.
COMPLETION_FIELDS = (
    "persons_categories",
    "persons_count",
    "records_categories",
    "records_count",
    "consequences",
    "measures_taken",
    "measures_planned",
    "cnil_required",
    "cnil_reason",
    "persons_required",
    "persons_reason",
    "persons_informed_on",
)
NOTIFICATION_FIELDS = ("notified_at", "notification_reference", "delay_reason")


class IncidentRefused(Exception):
    """A French message for the page; nothing was written."""


@dataclass(frozen=True)
class Clock:
    """Where an incident stands against the 72 hours."""

    deadline: datetime.datetime  # UTC
    state: str  # "running" | "overdue" | "notified" | "late" | "not_notified"
    remaining: datetime.timedelta  # until the deadline (negative once past)

    @property
    def stopped(self) -> bool:
        return self.state in ("notified", "late", "not_notified")

    @property
    def label(self) -> str:
        if self.state == "notified":
            return "CNIL notifiée dans les 72 heures"
        if self.state == "late":
            return "CNIL notifiée après les 72 heures (motif du retard indiqué)"
        if self.state == "not_notified":
            return "Pas de notification à la CNIL (décision motivée)"
        hours, minutes = divmod(int(abs(self.remaining).total_seconds()) // 60, 60)
        if self.state == "overdue":
            return f"Délai de 72 heures dépassé de {hours} h {minutes:02d}"
        return f"Reste {hours} h {minutes:02d} pour notifier la CNIL"


def state(incident: Incident) -> dict:
    """The incident as known today: discovery facts plus the latest value of each field."""
    known = {name: None for name in COMPLETION_FIELDS + NOTIFICATION_FIELDS}
    for update in incident.updates.order_by(IncidentUpdate.id):
        for name in known:
            value = getattr(update, name)
            if value is not None and value != "":
                known[name] = value
    return known


def clock(incident: Incident, now: datetime.datetime, known: dict | None = None) -> Clock:
    known = known if known is not None else state(incident)
    deadline = incident.discovered_at + DEADLINE
    if known["notified_at"] is not None:
        late = known["notified_at"] > deadline
        return Clock(deadline, "late" if late else "notified", deadline - known["notified_at"])
    if known["cnil_required"] is False:
        return Clock(deadline, "not_notified", deadline - now)
    return Clock(deadline, "running" if now <= deadline else "overdue", deadline - now)


def natures_of(incident: Incident) -> list[str]:
    return [NATURES[key] for key in incident.natures.split(",") if key in NATURES]


# Recording ---------------------------------------------------------------------------------


def record(actor, fields: dict, now: datetime.datetime | None = None) -> Incident:
    """The incident at its discovery; its clock starts at `discovered_at`."""
    now = now or utcnow()
    natures = [key for key in fields.get("natures") or [] if key in NATURES]
    if not natures:
        raise IncidentRefused("Indiquez la nature de la violation (au moins une).")
    if fields["discovered_at"] > now:
        raise IncidentRefused("La date de découverte ne peut pas être dans le futur.")
    began = fields.get("began_at")
    if began is not None and began > fields["discovered_at"]:
        raise IncidentRefused("Le début de la violation ne peut pas suivre sa découverte.")
    with database.atomic():
        incident = Incident.create(
            discovered_at=fields["discovered_at"],
            began_at=began,
            noticed_by=fields["noticed_by"],
            natures=",".join(natures),
            description=fields["description"],
            recorded_by=actor.id,
        )
        trace(actor, "incident.record", target=f"incident:{incident.ref}")
    return incident


def complete(actor, incident: Incident, fields: dict) -> IncidentUpdate | None:
    """Add what became known (categories and numbers, consequences, measures, the risk
    assessment). Empty fields add nothing; an empty addition is not written."""
    given = {
        name: fields.get(name)
        for name in COMPLETION_FIELDS
        if fields.get(name) is not None and fields.get(name) != ""
    }
    if not given:
        return None
    if given.get("cnil_required") is False and not given.get("cnil_reason"):
        raise IncidentRefused(
            "Une décision de ne pas notifier la CNIL doit être motivée (risque improbable)."
        )
    if given.get("persons_required") is False and not given.get("persons_reason"):
        raise IncidentRefused(
            "Indiquez pourquoi les personnes ne sont pas informées (risque non élevé, "
            "données chiffrées…)."
        )
    if state(incident)["notified_at"] is not None and given.get("cnil_required") is False:
        raise IncidentRefused("La CNIL a déjà été notifiée pour cet incident.")
    with database.atomic():
        update = IncidentUpdate.create(incident=incident, recorded_by=actor.id, **given)
        trace(
            actor,
            "incident.complete",
            target=f"incident:{incident.ref}",
            detail=", ".join(sorted(given)),
        )
    return update


def record_notification(
    actor,
    incident: Incident,
    notified_at: datetime.datetime,
    reference: str,
    delay_reason: str,
    now: datetime.datetime | None = None,
) -> IncidentUpdate:
    """The CNIL notified; after the 72 hours, only with the reason of the delay."""
    now = now or utcnow()
    if notified_at > now:
        raise IncidentRefused("La date de notification ne peut pas être dans le futur.")
    if notified_at < incident.discovered_at:
        raise IncidentRefused("La notification ne peut pas précéder la découverte.")
    if state(incident)["notified_at"] is not None:
        raise IncidentRefused("La notification à la CNIL est déjà enregistrée.")
    late = notified_at > incident.discovered_at + DEADLINE
    if late and not delay_reason:
        raise IncidentRefused(
            "La notification intervient après les 72 heures : indiquez le motif du retard "
            "(RGPD art. 33.1)."
        )
    with database.atomic():
        update = IncidentUpdate.create(
            incident=incident,
            recorded_by=actor.id,
            cnil_required=True,
            notified_at=notified_at,
            notification_reference=reference or None,
            delay_reason=delay_reason or None,
        )
        trace(
            actor,
            "incident.notify",
            target=f"incident:{incident.ref}",
            detail="après 72 heures" if late else "dans les 72 heures",
        )
    return update


# Reading -----------------------------------------------------------------------------------


def register():
    """Every incident, latest discovery first (a query)."""
    return Incident.select().order_by(Incident.discovered_at.desc())


def open_clocks(now: datetime.datetime) -> list[tuple[Incident, Clock]]:
    """Incidents whose clock still runs (or ran out): the admin's home page shows them."""
    found = []
    for incident in register():
        running = clock(incident, now)
        if not running.stopped:
            found.append((incident, running))
    return found


def summary(incident: Incident, now: datetime.datetime) -> dict:
    known = state(incident)
    return {
        "incident": incident,
        "known": known,
        "clock": clock(incident, now, known),
        "natures": natures_of(incident),
        "updates": list(incident.updates.order_by(IncidentUpdate.id)),
    }


def get_or_none(actor, ref: str) -> Incident | None:
    incident = Incident.get_or_none(Incident.ref == ref)
    if incident is not None:
        trace(actor, "incident.view", target=f"incident:{incident.ref}")
    return incident

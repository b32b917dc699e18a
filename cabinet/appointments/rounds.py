"""The home-visit round (P3, A6, T1): a practitioner's home visits of a day in the order she
set (saved per practitioner and day), the tour sheet following that order, and the
kilometres of the day, entered once (`day_kilometres` prefills the IK of the cotation aid).

A visit booked after the order was set comes last, by its time, until she places it; a visit
moved to another day or cancelled leaves the round.
"""

import datetime
from decimal import Decimal
from urllib.parse import quote

from cabinet.appointments import agenda
from cabinet.appointments.models import Appointment, Round, RoundStop
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, fetch_all, fetch_one, utcnow

MAX_KILOMETRES = Decimal("999.9")


class RoundRefused(Exception):
    """A French message: why the round was not changed."""


def _round(practitioner: User, day: datetime.date) -> Round | None:
    # A plain statement (db.fetch_one): the round and the tour sheet ask it on every visit.
    return fetch_one(Round, '"practitioner_id" = ? AND "day" = ?', practitioner.id, day.isoformat())


def ordered(practitioner: User, day: datetime.date) -> list[Appointment]:
    """The day's home visits (booked or honoured) in the round's order."""
    visits = agenda.tour(practitioner, day)
    saved = _round(practitioner, day)
    positions = {}
    if saved is not None:
        positions = {
            stop.appointment_id: stop.position
            for stop in fetch_all(RoundStop, '"round_id" = ?', saved.id)
        }
    placed = sorted((v for v in visits if v.id in positions), key=lambda v: positions[v.id])
    rest = [v for v in visits if v.id not in positions]  # already in time order
    return placed + rest


def is_ordered(practitioner: User, day: datetime.date) -> bool:
    saved = _round(practitioner, day)
    return saved is not None and RoundStop.select().where(RoundStop.round == saved.id).exists()


def day_kilometres(practitioner: User, day: datetime.date) -> Decimal | None:
    """The kilometres of the practitioner's round that day, or None if not entered."""
    saved = _round(practitioner, day)
    return saved.kilometres if saved is not None else None


def _round_for_change(actor, practitioner: User, day: datetime.date) -> Round:
    saved = _round(practitioner, day) or Round(practitioner=practitioner.id, day=day)
    saved.updated_at, saved.updated_by = utcnow(), actor.id
    saved.save()
    return saved


def save_order(actor, practitioner: User, day: datetime.date, refs: list[str]) -> list:
    """Set the round's order to `refs` (every home visit of the day, each once); traced."""
    visits = {v.ref: v for v in agenda.tour(practitioner, day)}
    if sorted(refs) != sorted(visits):
        raise RoundRefused(
            "La tournée a changé entre-temps (visite ajoutée, déplacée ou annulée) : "
            "voici la liste à jour, recommencez."
        )
    with database.atomic():
        saved = _round_for_change(actor, practitioner, day)
        ids = [visits[ref].id for ref in refs]
        # A visit moved from another day leaves that day's round.
        RoundStop.delete().where(
            (RoundStop.round == saved.id) | RoundStop.appointment.in_(ids)
        ).execute()
        RoundStop.insert_many(
            [{"round": saved.id, "appointment": pk, "position": n} for n, pk in enumerate(ids)]
        ).execute()
        trace(
            actor,
            "round.order",
            target=f"round:{practitioner.ref}",
            detail=f"tournée du {day:%d/%m/%Y}, {len(ids)} visite(s)",
        )
    return [visits[ref] for ref in refs]


def move(actor, practitioner: User, day: datetime.date, ref: str, step: int) -> list:
    """Move one visit a place up (step -1) or down (+1) in the round; traced."""
    refs = [v.ref for v in ordered(practitioner, day)]
    if ref not in refs:
        raise RoundRefused("Cette visite n'est plus dans la tournée de ce jour.")
    index = refs.index(ref)
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(refs):
        raise RoundRefused("Cette visite est déjà à ce bout de la tournée.")
    refs[index], refs[target] = refs[target], refs[index]
    return save_order(actor, practitioner, day, refs)


def set_kilometres(actor, practitioner: User, day: datetime.date, km: Decimal | None) -> None:
    """Record the kilometres of the day (None clears them); traced."""
    if km is not None and not Decimal("0") <= km <= MAX_KILOMETRES:
        raise RoundRefused("Indiquez entre 0 et 999,9 km.")
    with database.atomic():
        saved = _round_for_change(actor, practitioner, day)
        saved.kilometres = km
        saved.save()
        trace(
            actor,
            "round.kilometres",
            target=f"round:{practitioner.ref}",
            detail=f"tournée du {day:%d/%m/%Y}",
        )


def open_round(actor, ref: str | None, day: datetime.date) -> tuple[User, list[Appointment]]:
    """The practitioner and her ordered visits for the round screen, traced per patient."""
    practitioner = agenda.tour_holder(actor, ref)
    visits = ordered(practitioner, day)
    with database.atomic():
        for visit in visits:
            trace(
                actor,
                "round.view",
                patient=visit.patient,
                target=f"appointment:{visit.ref}",
                detail=f"tournée du {day:%d/%m/%Y}",
            )
    return practitioner, visits


def tour_sheet(actor, ref: str | None, day: datetime.date) -> tuple[User, list[Appointment]]:
    """The practitioner and the home visits of a tour sheet, in the round's order; printing
    it is traced for each patient on it (A6)."""
    practitioner = agenda.tour_holder(actor, ref)
    visits = ordered(practitioner, day)
    with database.atomic():
        for visit in visits:
            trace(
                actor,
                "appointment.tour_print",
                patient=visit.patient,
                target=f"appointment:{visit.ref}",
                detail=f"tournée du {day:%d/%m/%Y}",
            )
    return practitioner, visits


def geo_uri(address: str) -> str:
    """A `geo:` link the device's own maps app opens (RFC 5870 with the common `q` query):
    the app itself makes no request to any map service."""
    return "geo:0,0?q=" + quote(address, safe="")

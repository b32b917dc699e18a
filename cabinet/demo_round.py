"""Fictitious demo data of the round and the handover (issue 16, X7): tomorrow's home visits
of the demo practitioner, their access notes, transmissions between her and the locum, and a
handover to the locum from today — so the issue's "done means" runs on demo data.

Written through the services, like a user would (traced, care team joined)."""

import datetime
import random
from decimal import Decimal

from cabinet.appointments import agenda, rounds, schedule
from cabinet.appointments.models import Appointment, AppointmentType
from cabinet.auth.models import User
from cabinet.handover import services as handovers
from cabinet.patients import access_notes, care_team
from cabinet.patients.models import CareAssignment, Patient
from cabinet.transmissions import services as transmissions

ROUND_SIZE = 5
ACCESS_NOTES = [
    {"door_code": "4521B", "floor": "3e étage sans ascenseur", "animal": "Chat, fermer la porte"},
    {"key_box": "Boîte grise à droite du portail, code 0815", "contact": "Fille : 06 12 34 56 78"},
    {"door_code": "1968", "parking": "Place livraison devant la boulangerie"},
    {"floor": "Rez-de-chaussée, porte du fond", "animal": "Chien calme, aboie à la sonnette"},
    {"key_box": "Code 2207", "contact": "Voisine, Mme Roux : 01 23 45 67 89"},
]
TRANSMISSIONS = [
    {
        "target": "Pansement du talon",
        "data": "Plaie propre, bords rosés, pas d'écoulement",
        "actions": "Pansement refait, à revoir après-demain",
        "results": "",
    },
    {
        "target": "Glycémie du matin",
        "data": "1,85 g/L à jeun, patiente a peu dîné",
        "actions": "Insuline selon le protocole, appel au médecin si > 2,5 g/L",
        "results": "",
    },
    {
        "target": "Douleur",
        "data": "EVA 6 au lever, 3 après la toilette",
        "actions": "Antalgique pris à 8 h, installation au fauteuil",
        "results": "Soulagé en fin de passage",
    },
]


def _nurse_and_locum() -> tuple[User | None, User | None]:
    holders = agenda.practitioners()
    nurse = next((u for u in holders if u.login == "praticien"), None)
    locum = next((u for u in holders if u.login == "remplacant"), None)
    return nurse, locum


def _tomorrows_visits(nurse: User, tomorrow: datetime.date, rng: random.Random) -> list:
    """Tomorrow's home visits of the nurse: some of her appointments of that day become
    home visits, or new ones are booked when she has none that day (a Sunday)."""
    home_kind = AppointmentType.get_or_none(AppointmentType.is_home_visit == True)  # noqa: E712
    if home_kind is None:
        return []
    start, end = schedule.local_day_bounds(tomorrow)
    day = list(
        Appointment.select()
        .where(
            (Appointment.practitioner == nurse.id)
            & (Appointment.starts_at >= start)
            & (Appointment.starts_at < end)
            & (Appointment.status == "booked")
        )
        .order_by(Appointment.starts_at)
    )
    if day:
        chosen = [a.id for a in day[:ROUND_SIZE]]
        Appointment.update(location="home", appointment_type=home_kind).where(
            Appointment.id.in_(chosen)
        ).execute()
    else:
        mine = [
            row.patient_id
            for row in CareAssignment.select().where(CareAssignment.practitioner == nurse.id)
        ]
        patients = rng.sample(mine, min(ROUND_SIZE, len(mine)))
        for hour, patient_id in zip(range(8, 8 + ROUND_SIZE), patients, strict=False):
            at = schedule.to_utc(tomorrow, datetime.time(hour))
            Appointment.create(
                practitioner=nurse,
                patient=patient_id,
                appointment_type=home_kind,
                starts_at=at,
                ends_at=at + datetime.timedelta(minutes=home_kind.duration_minutes),
                location="home",
                created_by=nurse.id,
            )
    return agenda.tour(nurse, tomorrow)


def seed(rng: random.Random) -> dict:
    """The round of tomorrow, access notes, transmissions and an open handover."""
    nurse, locum = _nurse_and_locum()
    if nurse is None:
        return {}
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    visits = _tomorrows_visits(nurse, tomorrow, rng)
    secretary = User.get_or_none(User.login == "secretaire") or nurse
    patients = [Patient.get_by_id(v.patient_id) for v in visits]
    for patient, note in zip(patients, ACCESS_NOTES, strict=False):
        care_team.join(patient, nurse, secretary, "booking")
        access_notes.save(secretary, patient, note)
    if visits:
        # Tomorrow's kilometres; the order is left to her (time order until she moves one).
        rounds.set_kilometres(nurse, nurse, tomorrow, Decimal(rng.choice(["24.5", "31", "38.5"])))
    if locum is None or not patients:
        return {"visits": len(visits)}
    for patient in patients[:2]:
        care_team.join(patient, locum, nurse, "referral")
    for patient, note in zip(patients, TRANSMISSIONS, strict=False):
        transmissions.write(nurse, patient, note)
    # The locum wrote one too: unread on the nurse's home page.
    transmissions.write(locum, patients[0], {**TRANSMISSIONS[2], "target": "Toilette"})
    ends = min(today + datetime.timedelta(days=6), locum.end_date or today)
    period = handovers.period_patients(nurse, today, ends)
    if period:
        handovers.prepare(nurse, locum, today, ends, period[:4])
    return {"visits": len(visits), "handed_over": len(period[:4])}

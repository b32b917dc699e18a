"""Fictitious demo data (X7): Faker fr_FR, deterministic for a given seed.

Demo passwords are generated at seeding time and kept only in the git-ignored
instance folder (`instance/demo-accounts.txt`, mode 0600): no password lives in
the repository.
"""

import datetime
import os
import random
import secrets

from faker import Faker
from flask import current_app
from peewee import Value, fn

from cabinet import settings
from cabinet.appointments import agenda
from cabinet.appointments.models import Appointment, AppointmentType, OpeningHours, Series
from cabinet.appointments.schedule import to_local, to_utc
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, utcnow
from cabinet.patients.identity import OID_BY_KIND, make_nir
from cabinet.patients.models import CareAssignment, Patient
from cabinet.records import services as record_services
from cabinet.records.models import Act
from cabinet.users.services import create_user

DEMO_ACCOUNTS = [
    ("admin", "admin", "Camille Administratrice"),
    ("secretaire", "secretary", "Sophie Secrétaire"),
    ("praticien", "practitioner", "Dr Julien Praticien"),
    ("remplacant", "practitioner", "Léa Remplaçante"),
]
FAMILY_SITUATIONS = ["célibataire", "marié·e", "pacsé·e", "en concubinage", "divorcé·e", "veuf·ve"]
# Age bands of a paramedical practice's patients: many elderly (home care), some children.
AGE_BANDS = [((0, 17), 12), ((18, 39), 20), ((40, 64), 30), ((65, 84), 28), ((85, 100), 10)]
DEPARTMENTS = ["75", "69", "13", "33", "59", "67", "31", "44", "2A", "2B", "35", "06", "974"]


def has_accounts() -> bool:
    return User.select().exists()


def _accounts_file():
    return current_app.config["INSTANCE_PATH"] / "demo-accounts.txt"


def accounts_text() -> str:
    path = _accounts_file()
    if not path.exists():
        return "Aucun compte de démonstration dans cette instance."
    return path.read_text()


def _seed_accounts() -> int:
    lines = ["Comptes de démonstration (données fictives) :"]
    created = 0
    for login, role, name in DEMO_ACCOUNTS:
        if User.select().where(User.login == login).exists():
            continue
        # Never from the seed: the data is reproducible, a password must not be.
        password = secrets.token_urlsafe(12)
        extra = {}
        if login == "remplacant":
            extra["end_date"] = datetime.date.today() + datetime.timedelta(days=60)
        create_user(login, role, password, display_name=name, **extra)
        lines.append(f"  {login:<11} {password}   ({name})")
        created += 1
    if created:
        path = _accounts_file()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(lines) + "\n")
    return created


def _birth_date(rng: random.Random, today: datetime.date) -> datetime.date:
    ((low, high),) = rng.choices([band for band, _ in AGE_BANDS], [w for _, w in AGE_BANDS])
    age_days = rng.randint(low * 365, high * 365 + 364)
    return today - datetime.timedelta(days=age_days)


def _nir(rng: random.Random, sex: str, birth: datetime.date, department: str) -> str:
    commune = f"{rng.randint(1, 999):03d}" if len(department) == 2 else f"{rng.randint(1, 99):02d}"
    order = f"{rng.randint(1, 999):03d}"
    sex_digit = 1 if sex == "M" else 2
    first13 = f"{sex_digit}{birth.year % 100:02d}{birth.month:02d}{department}{commune}{order}"
    return make_nir(first13)


def fake_patient(fake: Faker, rng: random.Random, today: datetime.date) -> dict:
    sex = rng.choice("FFM")
    first = fake.first_name_female() if sex == "F" else fake.first_name_male()
    second = fake.first_name_female() if sex == "F" else fake.first_name_male()
    birth_name = fake.last_name()
    married = sex == "F" and rng.random() < 0.3
    birth = _birth_date(rng, today)
    department = rng.choice(DEPARTMENTS)
    nir = _nir(rng, sex, birth, department)
    status = rng.choice(["provisoire", "recuperee", "validee", "qualifiee"])
    now = utcnow()
    patient = {
        "birth_name": birth_name,
        "last_name": fake.last_name() if married else birth_name,
        "first_names": f"{first} {second}" if rng.random() < 0.6 else first,
        "used_first_name": "",
        "birth_date": birth,
        "sex": sex,
        "birthplace_code": f"{department}{rng.randint(1, 999):03d}"[:5],
        "address": fake.street_address(),
        "postcode": fake.postcode(),
        "city": fake.city(),
        "phone": fake.phone_number(),
        "email": fake.email() if rng.random() < 0.6 else "",
        "ins_number": nir if status != "provisoire" else "",
        "ins_oid": OID_BY_KIND["démonstration"] if status != "provisoire" else "",
        "identity_status": status,
        "nir": nir,
        "family_situation": rng.choice(FAMILY_SITUATIONS),
        "profession": fake.job()[:80] if 18 <= (today - birth).days // 365 < 65 else "",
        "created_at": now,
        "updated_at": now,
        "contact_checked_at": now,
    }
    return patient


def seed(patients: int = 200, seed: int = 1, batch: int = 500, appointments: int = 0) -> dict:
    """Create the demo accounts (if missing), `patients` fictitious patients and about
    `appointments` appointments spread over the past years and the coming weeks."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    today = datetime.date.today()
    with database.atomic():
        accounts = _seed_accounts()
    for start in range(0, patients, batch):
        rows = []
        for _ in range(min(batch, patients - start)):
            row = fake_patient(fake, rng, today)
            holder = Patient(**row)
            holder.refresh_search_keys()
            row.update(
                ref=holder.ref,
                search_key=holder.search_key,
                search_key_birth=holder.search_key_birth,
                search_key_first=holder.search_key_first,
            )
            rows.append(row)
        with database.atomic():
            Patient.insert_many(rows).execute()
    booked = seed_appointments(appointments, rng) if appointments and patients else 0
    if booked:
        seed_records(rng)
    seed_practice_settings()
    with database.atomic():
        trace(
            None, "system.seed_demo", detail=f"{patients} patients et {booked} rendez-vous fictifs"
        )
    return {"patients": patients, "accounts": accounts, "appointments": booked}


def seed_appointments(wanted: int, rng: random.Random, batch: int = 5000) -> int:
    """Fill the practitioners' agendas backwards from a few weeks ahead: no overlaps for a
    practitioner (consecutive slots) nor a patient (each patient sees one practitioner);
    about one in five at home, and care series of weekly sessions."""
    holders = agenda.practitioners()
    kinds = list(AppointmentType.select().where(AppointmentType.active))
    if not holders or not kinds:
        return 0
    with database.atomic():
        for holder in holders:
            if not OpeningHours.select().where(OpeningHours.practitioner == holder.id).exists():
                OpeningHours.insert_many(
                    [
                        {
                            "practitioner": holder.id,
                            "weekday": d,
                            "opens": datetime.time(8),
                            "closes": datetime.time(19),
                        }
                        for d in range(5)
                    ]
                    + [
                        {
                            "practitioner": holder.id,
                            "weekday": 5,
                            "opens": datetime.time(8),
                            "closes": datetime.time(12),
                        }
                    ]
                ).execute()
    patient_ids = [p.id for p in Patient.select(Patient.id).order_by(Patient.id)]
    mine = {h.id: patient_ids[i :: len(holders)] for i, h in enumerate(holders)}
    home_kind = next((k for k in kinds if k.is_home_visit), kinds[0])
    session_kind = next((k for k in kinds if k.name == "Séance"), kinds[0])
    per_holder = wanted // len(holders)
    # Slots of 30 minutes from 08:00 to 19:00 (22 a day), six days a week.
    slots_per_day = 22
    last_day = datetime.date.today() + datetime.timedelta(days=42)
    created, now = 0, utcnow()
    rows = []
    for holder in holders:
        series_of = {}
        day, made = last_day, 0
        while made < per_holder:
            if day.weekday() == 6 or (day.weekday() == 5 and rng.random() < 0.5):
                day -= datetime.timedelta(days=1)
                continue
            for slot in range(slots_per_day if day.weekday() < 5 else 8):
                if made >= per_holder:
                    break
                patient_id = rng.choice(mine[holder.id])
                at_home = rng.random() < 0.2
                kind = (
                    home_kind
                    if at_home
                    else session_kind
                    if rng.random() < 0.7
                    else rng.choice(kinds)
                )
                start = to_utc(day, datetime.time(8 + slot // 2, 30 * (slot % 2)))
                duration = datetime.timedelta(minutes=min(kind.duration_minutes, 30))
                past = start < now
                series_id = None
                if rng.random() < 0.3:
                    if patient_id not in series_of:
                        series_of[patient_id] = Series.create(
                            practitioner=holder.id,
                            patient=patient_id,
                            appointment_type=session_kind,
                            count=10,
                            weekdays=str(day.weekday()),
                            local_time=datetime.time(8),
                            first_date=day,
                            created_by=holder.id,
                        ).id
                    series_id = series_of[patient_id]
                rows.append(
                    {
                        "ref": secrets.token_urlsafe(16),
                        "practitioner": holder.id,
                        "patient": patient_id,
                        "appointment_type": kind.id,
                        "starts_at": start,
                        "ends_at": start + duration,
                        "status": ("honoured" if rng.random() < 0.93 else "missed")
                        if past
                        else "booked",
                        "location": "home" if at_home else "practice",
                        "access_info": rng.choice(
                            ["", "", "Digicode 4587A", "3e étage gauche", "Clé dans la boîte"]
                        )
                        if at_home
                        else "",
                        "series": series_id,
                        "created_by": holder.id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                made += 1
                if len(rows) >= batch:
                    created += _flush(Appointment, rows)
            day -= datetime.timedelta(days=1)
    created += _flush(Appointment, rows)
    _care_teams_from_bookings()
    _fit_series_to_their_sessions()
    # The retention clock of each patient counts from their last honoured appointment.
    Patient.touch_last_care_from(
        Appointment.select(fn.MAX(Appointment.starts_at)).where(
            (Appointment.patient == Patient.id) & (Appointment.status == "honoured")
        )
    )
    return created


def _care_teams_from_bookings() -> None:
    """The demo's bookings are the practice's own: each booked practitioner treats the patient
    (A2), as if the secretary had made the bookings."""

    booked = (
        Appointment.select(
            Appointment.patient,
            Appointment.practitioner,
            fn.MIN(Appointment.created_at),
            Value("assigned"),
            Value(""),
            Value(""),
        )
        .where(Appointment.status != "cancelled")
        .group_by(Appointment.patient, Appointment.practitioner)
    )
    fields = [
        CareAssignment.patient,
        CareAssignment.practitioner,
        CareAssignment.created_at,
        CareAssignment.source,
        CareAssignment.reason,
        CareAssignment.note,
    ]
    with database.atomic():
        CareAssignment.insert_from(booked, fields).on_conflict_ignore().execute()


def _fit_series_to_their_sessions() -> None:
    """Sessions join a demo series at random while the agendas fill: afterwards each series
    announces what it holds (number of sessions, first day, weekdays, time of the first)."""

    held: dict[int, list[datetime.datetime]] = {}
    query = (
        Appointment.select(Appointment.series, Appointment.starts_at)
        .where(Appointment.series.is_null(False))
        .order_by(Appointment.starts_at)
        .tuples()
    )
    for series_id, starts_at in query.iterator():
        held.setdefault(series_id, []).append(to_local(starts_at))
    with database.atomic():
        for series_id, starts in held.items():
            Series.update(
                count=len(starts),
                first_date=starts[0].date(),
                weekdays=",".join(sorted({str(start.weekday()) for start in starts})),
                local_time=starts[0].time(),
            ).where(Series.id == series_id).execute()


def _flush(model, rows: list) -> int:
    count = len(rows)
    if rows:
        with database.atomic():
            model.insert_many(rows).execute()
        rows.clear()
    return count


DEMO_PRACTICE = {
    "practice_name": "Cabinet paramédical de démonstration",
    "practice_practitioners": "Dr Julien Praticien, masseur-kinésithérapeute\n"
    "Léa Remplaçante, infirmière (remplaçante)",
    "practice_address": "1 rue de l'Exemple, 69000 Lyon",
    "practice_phone": "04 00 00 00 00",
    "practice_email": "contact@cabinet-demo.invalid",
    "privacy_contact": "Camille Administratrice, contact@cabinet-demo.invalid",
    "software_provider": "Cabinet (logiciel installé au cabinet)",
}


def seed_practice_settings() -> None:
    """Fictitious practice details, so the demo's notices print at once."""
    with database.atomic():
        for key, value in DEMO_PRACTICE.items():
            if not settings.get(key):
                settings.put(key, value)


def seed_records(rng: random.Random, count: int = 30) -> None:
    """A few filled care records for the practitioner's most recent patients: items,
    sessions with acts, care sheets and receipts — through the services, like a user."""
    acts = list(Act.select().where(Act.active))
    items = [
        ("allergy", "Allergie à la pénicilline"),
        ("treatment", "Paracétamol 1 g si douleur"),
        ("diagnosis", "Lombalgie commune"),
        ("antecedent", "Entorse de cheville droite"),
        ("diagnosis", "Rééducation après prothèse de genou"),
    ]
    recent = (
        Appointment.select(Appointment.patient, Appointment.practitioner)
        .where(Appointment.status == "honoured")
        .order_by(Appointment.starts_at.desc())
        .limit(count * 4)
    )
    seen = set()
    for appointment in recent:
        if appointment.patient_id in seen or len(seen) >= count:
            continue
        seen.add(appointment.patient_id)
        patient = Patient.get_by_id(appointment.patient_id)
        practitioner = User.get_by_id(appointment.practitioner_id)
        kind, label = rng.choice(items)
        record_services.add_item(practitioner, patient, kind, label)
        record_services.add_item(
            practitioner,
            patient,
            "measurement",
            "Poids",
            value=rng.randint(450, 950) / 10,
            unit="kg",
        )
        for days_ago in (21, 7):
            record_services.record_session(
                practitioner,
                patient,
                datetime.date.today() - datetime.timedelta(days=days_ago),
                [(rng.choice(acts), 1)],
                pain_score=rng.randint(1, 7),
                paid_mode=rng.choice(["card", "cheque", "third_party"]),
            )

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
from peewee import DecimalField, TimeField, Value, fn

from cabinet import demo_round, settings
from cabinet.appointments import agenda
from cabinet.appointments.models import Appointment, AppointmentType, OpeningHours, Series
from cabinet.appointments.schedule import to_local, to_utc
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, utcnow
from cabinet.patients.identity import OID_BY_KIND, make_nir, search_key
from cabinet.patients.models import CareAssignment, Patient
from cabinet.prescriptions import services as prescription_services
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


class Pools:
    """Names, streets, places, phones and jobs drawn once from Faker (fr_FR), then picked
    with the seeded generator: Faker's providers cost a millisecond a call, too much for
    100,000 patients, and the data stays deterministic for a seed."""

    def __init__(self, fake: Faker):
        self.female = [fake.first_name_female() for _ in range(400)]
        self.male = [fake.first_name_male() for _ in range(400)]
        self.last = [fake.last_name() for _ in range(2000)]
        self.street = [fake.street_address() for _ in range(3000)]
        self.place = [(fake.postcode(), fake.city()) for _ in range(1000)]
        self.phone = [fake.phone_number() for _ in range(3000)]
        self.email = [fake.email() for _ in range(3000)]
        self.job = [fake.job()[:80] for _ in range(300)]


def fake_patient(pools: Pools, rng: random.Random, today: datetime.date) -> dict:
    sex = rng.choice("FFM")
    names = pools.female if sex == "F" else pools.male
    first, second = rng.sample(names, 2)
    birth_name = rng.choice(pools.last)
    married = sex == "F" and rng.random() < 0.3
    birth = _birth_date(rng, today)
    department = rng.choice(DEPARTMENTS)
    nir = _nir(rng, sex, birth, department)
    status = rng.choice(["provisoire", "recuperee", "validee", "qualifiee"])
    postcode, city = rng.choice(pools.place)
    now = utcnow()
    patient = {
        "ref": secrets.token_urlsafe(16),
        "birth_name": birth_name,
        "last_name": rng.choice(pools.last) if married else birth_name,
        "first_names": f"{first} {second}" if rng.random() < 0.6 else first,
        "used_first_name": "",
        "birth_date": birth,
        "sex": sex,
        "birthplace_code": f"{department}{rng.randint(1, 999):03d}"[:5],
        "address": rng.choice(pools.street),
        "postcode": postcode,
        "city": city,
        "phone": rng.choice(pools.phone),
        "email": rng.choice(pools.email) if rng.random() < 0.6 else "",
        "ins_number": nir if status != "provisoire" else "",
        "ins_oid": OID_BY_KIND["démonstration"] if status != "provisoire" else "",
        "identity_status": status,
        "nir": nir,
        "family_situation": rng.choice(FAMILY_SITUATIONS),
        "profession": rng.choice(pools.job) if 18 <= (today - birth).days // 365 < 65 else "",
        "created_at": now,
        "updated_at": now,
        "contact_checked_at": now,
    }
    # The search keys, as Patient.refresh_search_keys computes them.
    first_used = patient["first_names"]
    patient["search_key"] = search_key(patient["last_name"], first_used)
    patient["search_key_birth"] = search_key(birth_name, first_used)
    patient["search_key_first"] = search_key(first_used, patient["last_name"])
    return patient


def seed(patients: int = 200, seed: int = 1, batch: int = 5000, appointments: int = 0) -> dict:
    """Create the demo accounts (if missing), `patients` fictitious patients and about
    `appointments` appointments over the last years and the coming weeks."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    today = datetime.date.today()
    with database.atomic():
        accounts = _seed_accounts()
    pools = Pools(fake)
    # Two in three accept reminders (I7): with none, the demo's reminder list and its e-mails
    # stayed empty (found in a walk-through). Drawn apart, so that the rest of the demo and
    # the import example keep their draws. The addresses are Faker's reserved example.*
    # domains: a demo with a mail server set up writes to nobody.
    consent = random.Random(seed + 1)
    for start in range(0, patients, batch):
        _insert(
            Patient,
            [
                fake_patient(pools, rng, today) | {"objects_to_reminders": consent.random() < 1 / 3}
                for _ in range(min(batch, patients - start))
            ],
        )
    booked = seed_appointments(appointments, rng, pools) if appointments and patients else 0
    if booked:
        seed_records(rng)
        seed_prescriptions(rng, pools)
        demo_round.seed(rng)
    seed_practice_settings()
    with database.atomic():
        trace(
            None, "system.seed_demo", detail=f"{patients} patients et {booked} rendez-vous fictifs"
        )
    return {"patients": patients, "accounts": accounts, "appointments": booked}


# A practice's size: a practitioner sees at most ~50,000 appointments in the demo's years
# (about six years of full days); a larger practice has more practitioners, up to twenty.
APPOINTMENTS_PER_PRACTITIONER = 50_000
MOST_PRACTITIONERS = 20


def _agenda_holders(wanted: int, pools: Pools, rng: random.Random) -> list:
    """The practitioners whose agendas the demo fills: the demo accounts, and colleagues
    when the demo is a large group practice (their passwords are random and kept nowhere:
    the admin resets one to use it)."""
    needed = min(MOST_PRACTITIONERS, -(-wanted // APPOINTMENTS_PER_PRACTITIONER))
    holders = agenda.practitioners()
    for number in range(len(holders) + 1, needed + 1):
        name = f"Dr {rng.choice(pools.female + pools.male)} {rng.choice(pools.last)}"
        login = f"praticien{number}"
        if not User.select().where(User.login == login).exists():
            create_user(login, "practitioner", secrets.token_urlsafe(16), display_name=name)
    return agenda.practitioners()


def _opening_hours(holders) -> None:
    rows = [
        {"practitioner": holder.id, "weekday": day, "opens": datetime.time(8), "closes": closes}
        for holder in holders
        if not OpeningHours.select().where(OpeningHours.practitioner == holder.id).exists()
        for day, closes in [(d, datetime.time(19)) for d in range(5)] + [(5, datetime.time(12))]
    ]
    _insert(OpeningHours, rows)


def seed_appointments(wanted: int, rng: random.Random, pools: Pools, batch: int = 20_000) -> int:
    """Fill the practitioners' agendas backwards from a few weeks ahead: no overlaps for a
    practitioner (consecutive slots) nor a patient (each patient sees one practitioner);
    about one in five at home, and care series of weekly sessions."""
    holders = _agenda_holders(wanted, pools, rng)
    kinds = list(AppointmentType.select().where(AppointmentType.active))
    if not holders or not kinds:
        return 0
    _opening_hours(holders)
    patient_ids = [p.id for p in Patient.select(Patient.id).order_by(Patient.id)]
    mine = {h.id: patient_ids[i :: len(holders)] for i, h in enumerate(holders)}
    home_kind = next((k for k in kinds if k.is_home_visit), kinds[0])
    session_kind = next((k for k in kinds if k.name == "Séance"), kinds[0])
    # At the practice, a type that is not a home visit (found in a walk-through: the demo
    # showed « Soin à domicile — Au cabinet »).
    practice_kinds = [k for k in kinds if not k.is_home_visit] or kinds
    per_holder = wanted // len(holders)
    # Slots of 30 minutes from 08:00 to 19:00 (22 a day), six days a week.
    slots_per_day = 22
    last_day = datetime.date.today() + datetime.timedelta(days=42)
    created, now = 0, utcnow()
    next_series = (Series.select(fn.MAX(Series.id)).scalar() or 0) + 1
    rows, series_rows = [], []
    for holder in holders:
        series_of = {}
        in_care = _CareEpisodes(mine[holder.id], per_holder, rng)
        day, made = last_day, 0
        while made < per_holder:
            if day.weekday() == 6 or (day.weekday() == 5 and rng.random() < 0.5):
                day -= datetime.timedelta(days=1)
                continue
            for slot in range(slots_per_day if day.weekday() < 5 else 8):
                if made >= per_holder:
                    break
                patient_id = in_care.next_patient()
                at_home = rng.random() < 0.2
                kind = (
                    home_kind
                    if at_home
                    else session_kind
                    if rng.random() < 0.7
                    else rng.choice(practice_kinds)
                )
                start = to_utc(day, datetime.time(8 + slot // 2, 30 * (slot % 2)))
                series_id = None
                if rng.random() < 0.3:
                    if patient_id not in series_of:
                        series_of[patient_id] = next_series
                        # Count, days and time are fitted to their sessions at the end.
                        series_rows.append(
                            {
                                "id": next_series,
                                "ref": secrets.token_urlsafe(16),
                                "practitioner": holder.id,
                                "patient": patient_id,
                                "appointment_type": session_kind.id,
                                "count": 1,
                                "weekdays": str(day.weekday()),
                                "local_time": datetime.time(8),
                                "first_date": day,
                                "created_by": holder.id,
                                "created_at": now,
                            }
                        )
                        next_series += 1
                    series_id = series_of[patient_id]
                rows.append(
                    {
                        "ref": secrets.token_urlsafe(16),
                        "practitioner": holder.id,
                        "patient": patient_id,
                        "appointment_type": kind.id,
                        "starts_at": start,
                        "ends_at": start
                        + datetime.timedelta(minutes=min(kind.duration_minutes, 30)),
                        "status": ("honoured" if rng.random() < 0.93 else "missed")
                        if start < now
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
                    _insert(Series, series_rows)
                    created += _insert(Appointment, rows)
            day -= datetime.timedelta(days=1)
    _insert(Series, series_rows)
    created += _insert(Appointment, rows)
    _care_teams_from_bookings()
    _fit_series_to_their_sessions()
    # The retention clock of each patient counts from their last honoured appointment.
    Patient.touch_last_care_from(
        Appointment.select(fn.MAX(Appointment.starts_at)).where(
            (Appointment.patient == Patient.id) & (Appointment.status == "honoured")
        )
    )
    return created


class _CareEpisodes:
    """Who a practitioner sees, slot after slot, walking her agenda back in time: a few dozen
    patients in care at once, each for an episode of a few weeks (a series of sessions, a
    course of dressings), then the next one. The files are numbered in the order patients
    first came, so the oldest episodes go to the lowest numbers; a patient whose turn comes
    again (more appointments than one episode each) had an earlier episode too. A real
    practice's files look like this, and the retention job, which moves files in the order of
    their numbers, then finds the appointments of the files it moves side by side (issue 20:
    a patient's ten appointments were spread over the whole six years)."""

    IN_CARE_AT_ONCE = 50

    def __init__(self, patient_ids: list[int], appointments: int, rng: random.Random):
        self.patient_ids, self.rng = patient_ids, rng
        per_patient = max(1, appointments // max(1, len(patient_ids)))
        self.longest = 2 * per_patient - 1  # episodes of 1 to 2n-1 appointments: n on average
        self.waiting: list[int] = []
        self.left: dict[int, int] = {}  # patient in care -> appointments left in the episode
        while len(self.left) < min(self.IN_CARE_AT_ONCE, len(patient_ids)):
            self._admit()

    def _admit(self) -> None:
        if not self.waiting:  # everyone had a turn: start again from the newest files
            self.waiting = [p for p in self.patient_ids if p not in self.left]
        self.left[self.waiting.pop()] = self.rng.randint(1, self.longest)

    def next_patient(self) -> int:
        patient_id = self.rng.choice(list(self.left))
        self.left[patient_id] -= 1
        if not self.left[patient_id]:
            del self.left[patient_id]
            self._admit()
        return patient_id


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
    fitted = [
        (
            len(starts),
            starts[0].date().isoformat(),
            ",".join(sorted({str(start.weekday()) for start in starts})),
            starts[0].time().isoformat(),
            series_id,
        )
        for series_id, starts in held.items()
    ]
    with database.atomic():
        database.cursor().executemany(
            "UPDATE series SET count = ?, first_date = ?, weekdays = ?, local_time = ? "
            "WHERE id = ?",
            fitted,
        )


def _insert(model, rows: list[dict]) -> int:
    """Many rows at once through the driver, in one transaction, then `rows` is emptied:
    peewee's insert_many builds its SQL value by value, which was most of the seeding time
    at 100,000 patients. Fields a row leaves out get their model default, as with peewee."""
    if not rows:
        return 0
    given = set(rows[0])
    fields = [
        field
        for field in model._meta.sorted_fields
        if field.name in given or (field.default is not None and not field.primary_key)
    ]

    def reader(field):
        # The driver stores str, int, float, date and datetime as peewee would; only the
        # other types go through the field's own conversion.
        plain = not isinstance(field, TimeField | DecimalField)
        if field.name in given:
            name = field.name
            return (lambda row: row[name]) if plain else (lambda row: field.db_value(row[name]))
        if callable(field.default):
            return lambda row: field.db_value(field.default())
        constant = field.db_value(field.default)
        return lambda row: constant

    readers = [reader(field) for field in fields]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    marks = ", ".join("?" for _ in fields)
    # Names from our own models; every value is bound.
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'  # noqa: S608
    with database.atomic():
        database.cursor().executemany(sql, [[read(row) for read in readers] for row in rows])
    count = len(rows)
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


# A few prescriptions per practitioner (issue 15): nursing ones at home with a night
# passage, physiotherapy series of AMK sessions; some near their end, so the renewals
# list and "sessions left" have something to show.
DEMO_PRESCRIPTIONS = [
    {
        "kind": "nursing",
        "acts_text": "Pansement complexe d'ulcère de jambe, tous les deux jours",
        "act_codes": "AMI 4",
        "sessions_count": 15,
        "per_week": 3,
        "home_care": True,
    },
    {
        "kind": "nursing",
        "acts_text": "Injection d'insuline matin et soir, surveillance glycémique",
        "act_codes": "AMI 1",
        "sessions_count": 60,
        "per_week": 7,
        "rhythm": "2 passages par jour pendant 30 jours",
        "home_care": True,
        "night_required": True,
    },
    {
        "kind": "physiotherapy",
        "acts_text": "Rééducation après prothèse totale de genou",
        "act_codes": "AMK 8",
        "sessions_count": 20,
        "per_week": 2,
    },
    {
        "kind": "physiotherapy",
        "acts_text": "Rééducation du rachis lombaire",
        "act_codes": "AMK 7,5",
        "sessions_count": 10,
        "per_week": 2,
        "renewable": True,
    },
]


def seed_prescriptions(rng: random.Random, pools: Pools, per_practitioner: int = 4) -> None:
    """Fictitious prescriptions for the demo practitioners' recent patients, recorded
    through the service like a user would (traced, care team joined)."""
    today = datetime.date.today()
    for practitioner in agenda.practitioners()[:2]:
        recent = (
            Appointment.select(Appointment.patient)
            .where(Appointment.practitioner == practitioner, Appointment.status == "honoured")
            .order_by(Appointment.starts_at.desc())
            .limit(per_practitioner * 10)
        )
        patient_ids = list(dict.fromkeys(a.patient_id for a in recent))[:per_practitioner]
        for number, patient_id in enumerate(patient_ids):
            fields = dict(DEMO_PRESCRIPTIONS[number % len(DEMO_PRESCRIPTIONS)])
            prescribed = today - datetime.timedelta(days=rng.randint(10, 40))
            fields.update(
                prescriber_name=f"Dr {rng.choice(pools.female + pools.male)} "
                f"{rng.choice(pools.last)}",
                prescribed_on=prescribed,
                starts_on=prescribed + datetime.timedelta(days=2),
                # By rank, not drawn: the draws before depend on the day and the hour (what is
                # already past), and each practitioner's first must fall due within the week.
                valid_until=today + datetime.timedelta(days=(5, 12, 60)[number % 3]),
            )
            patient = Patient.get_by_id(patient_id)
            prescription_services.create(practitioner, patient, fields)


# The example export of a previous software (docs/switching.md): its headers as such software
# writes them, Windows-1252, ";" separated, French dates.
IMPORT_EXAMPLE_HEADERS = [
    "Civilité",
    "Nom",
    "Nom d'usage",
    "Prénom",
    "Date de naissance",
    "Lieu de naissance",
    "Adresse",
    "CP",
    "Ville",
    "Téléphone",
    "Email",
    "N° Sécu",
    "Accepte les rappels",
]


def import_example(seed: int = 17, rows: int = 20) -> bytes:
    """A fictitious export (Faker fr_FR, valid NIR keys, addresses at example.org) with the
    problems an import meets: a wrong NIR key, a missing birth date, an impossible date and
    the same person twice. Dates are drawn against a fixed day, so a seed gives one file."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    pools = Pools(fake)
    lines = [IMPORT_EXAMPLE_HEADERS]
    for _ in range(rows):
        person = fake_patient(pools, rng, datetime.date(2026, 1, 1))
        agrees = rng.random() < 0.5
        first = search_key(person["first_names"].split(" ")[0]).replace(" ", "-")
        email = f"{first}.{search_key(person['birth_name']).replace(' ', '-')}@example.org"
        lines.append(
            [
                "Mme" if person["sex"] == "F" else "M.",
                person["birth_name"].upper(),
                person["last_name"].upper() if person["last_name"] != person["birth_name"] else "",
                person["first_names"],
                f"{person['birth_date']:%d/%m/%Y}",
                person["birthplace_code"] if len(person["birthplace_code"]) == 5 else "",
                person["address"],
                person["postcode"],
                person["city"],
                person["phone"],
                email if agrees or rng.random() < 0.5 else "",
                person["nir"],
                "oui" if agrees else "non",
            ]
        )
    wrong_key, no_date, impossible = (list(line) for line in lines[1:4])
    wrong_key[11] = wrong_key[11][:13] + f"{(int(wrong_key[11][13:]) % 97) + 1:02d}"
    wrong_key[1] = "ERREUR-" + wrong_key[1]
    no_date[4], no_date[1] = "", "SANSDATE"
    impossible[4], impossible[1] = "30/02/1975", "IMPOSSIBLE"
    lines += [wrong_key, no_date, impossible, list(lines[5])]
    text = "\r\n".join(";".join(cell.replace(";", ",") for cell in line) for line in lines)
    return (text + "\r\n").encode("cp1252")

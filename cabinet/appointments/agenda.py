"""Reading the agenda (P1, A6): who holds one, the day and week views, a day's home visits
(their round and tour sheet: rounds.py), the reminders list, one appointment. Every read of patients' appointments is traced here.
"""

import datetime
from dataclasses import dataclass

from flask import abort

from cabinet.appointments import annotations, schedule
from cabinet.appointments.models import (
    ACTIVE_STATUSES,
    LOCATIONS,
    STATUSES,
    Absence,
    Appointment,
    AppointmentEvent,
    AppointmentType,
    Series,
)
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, fetch_all, fetch_by_id, fetch_one
from cabinet.patients.models import Patient
from cabinet.security import ROLE_PERMISSIONS, has_permission

PATIENT_PANEL_LIMIT = 12

# A landscape tablet shows five or six agendas side by side (220 px each, app.css): a larger
# practice's day view pages through its agendas six at a time, rather than stacking twenty
# of them in one page of a thousand cells that no one can read at once (issue 20).
AGENDAS_PER_PAGE = 6

# Lookups ----------------------------------------------------------------------------------

# The roles whose accounts hold an agenda: those allowed to write a care record.
AGENDA_ROLES = tuple(sorted(r for r, held in ROLE_PERMISSIONS.items() if "record.write" in held))


# Accounts not disabled, of the roles that hold an agenda (their expiry is checked after).
_HOLDING = f'"disabled_at" IS NULL AND "role" IN ({", ".join("?" * len(AGENDA_ROLES))})'


def practitioners() -> list[User]:
    """Accounts that hold an agenda: practitioners (locums included), active ones."""
    # A plain statement (db.fetch_all), only the roles that hold one: every booking form
    # asks it, and the secretaries' and the admin's rows are not read.
    active = fetch_all(User, _HOLDING, *AGENDA_ROLES, order_by='"display_name"')
    return [user for user in active if not user.is_expired()]


@dataclass(frozen=True, slots=True)
class AgendaHolder:
    """An agenda as the day and week views list it: its column, its choice in the filter."""

    id: int
    ref: str
    display_name: str


_HOLDERS = (
    f'SELECT "id", "ref", "display_name", "end_date" FROM "user" WHERE {_HOLDING} '  # noqa: S608 - placeholders only
    'ORDER BY "display_name"'
)


def agenda_holders() -> list[AgendaHolder]:
    """What `practitioners()` lists, as three plain values each: the agenda views ask it
    on every page, and an account's model instance (fifteen fields) cost eight times the
    statement (0.44 against 0.05 ms for 21 agendas; issue 20). Dates are compared as
    stored ("2026-12-31"), as `User.is_expired` does with the date."""
    today = datetime.date.today().isoformat()
    return [
        AgendaHolder(id_, ref, name)
        for id_, ref, name, end_date in database.execute_sql(_HOLDERS, AGENDA_ROLES).fetchall()
        if end_date is None or end_date >= today
    ]


def get_practitioner_or_404(ref: str) -> User:
    user = User.get_or_404(User.ref == ref)
    if not has_permission(user, "record.write"):
        abort(404)
    return user


def get_appointment_or_404(ref: str) -> Appointment:
    """The appointment with its patient, agenda holder, type and series, each by a plain
    statement (db.fetch_one): every tap on an agenda slot opens one, and peewee compiled a
    query for it and one for each of them as the page named them (issue 20)."""
    appointment = fetch_one(Appointment, '"ref" = ?', ref)
    if appointment is None:
        abort(404)
    appointment.patient = fetch_one(Patient, '"id" = ?', appointment.patient_id)
    appointment.practitioner = fetch_one(User, '"id" = ?', appointment.practitioner_id)
    appointment.appointment_type = fetch_one(
        AppointmentType, '"id" = ?', appointment.appointment_type_id
    )
    if appointment.series_id is not None:
        appointment.series = fetch_one(Series, '"id" = ?', appointment.series_id)
    return appointment


def events_of(appointment: Appointment) -> list[AppointmentEvent]:
    """Its history, in order (a plain statement, as above)."""
    return fetch_all(AppointmentEvent, '"appointment_id" = ?', appointment.id, order_by='"id"')


def open_appointment(ref: str, actor, action: str = "appointment.view") -> Appointment:
    """Fetch an appointment to show or print it, and trace the read."""
    appointment = get_appointment_or_404(ref)
    trace(actor, action, patient=appointment.patient, target=f"appointment:{appointment.ref}")
    return appointment


def picked_patient(ref: str | None) -> Patient | None:
    """The patient chosen in a booking form, or None while none is (or the ref is stale)."""
    return Patient.get_or_none(Patient.ref == ref) if ref else None


def visit_address(appointment: Appointment) -> str:
    if appointment.visit_address:
        return appointment.visit_address
    patient = appointment.patient
    return f"{patient.address}, {patient.postcode} {patient.city}".strip(", ")


@dataclass(slots=True, frozen=True)
class PanelAppointment:
    """A line of the patient page's appointments panel: what it shows, nothing more."""

    ref: str
    starts_at: datetime.datetime  # UTC, as stored
    location: str
    status: str
    practitioner_name: str
    type_name: str


# Practitioner and type joined in the same statement (no query per row), only the columns
# the panel shows, and a plain statement: the patient page runs it on every visit, and
# peewee would compile the three-table query each time (issue 20).
_PATIENT_APPOINTMENTS = """
    SELECT a."ref", a."starts_at", a."location", a."status", u."display_name", t."name"
    FROM "appointment" AS a
    JOIN "user" AS u ON u."id" = a."practitioner_id"
    JOIN "appointment_type" AS t ON t."id" = a."appointment_type_id"
    WHERE a."patient_id" = ?
    ORDER BY a."starts_at" DESC
    LIMIT ?
"""


def patient_appointments(patient: Patient) -> list[PanelAppointment]:
    """The latest appointments of a patient, newest first (the patient page's panel)."""
    rows = database.execute_sql(_PATIENT_APPOINTMENTS, (patient.id, PATIENT_PANEL_LIMIT))
    return [
        PanelAppointment(ref, datetime.datetime.fromisoformat(starts), place, status, who, kind)
        for ref, starts, place, status, who, kind in rows.fetchall()
    ]


# Day and week views -------------------------------------------------------------------------


def appointments_between(
    practitioner_ids: list[int], start: datetime.datetime, end: datetime.datetime
) -> list[Appointment]:
    """Appointments of these practitioners in [start, end), in time order, each with its
    patient, agenda holder and type: plain statements, the related rows read in one each
    for all of them (the round, the tour sheet and the reminders list ask it; peewee
    compiled the joined query each time and the list named each agenda holder by a query of
    its own, issue 20). Times are compared as stored, str(datetime)."""
    marks = ", ".join("?" * len(practitioner_ids))
    found = fetch_all(
        Appointment,
        f'"practitioner_id" IN ({marks}) AND "starts_at" >= ? AND "starts_at" < ?',
        *practitioner_ids,
        str(start),
        str(end),
        order_by='"starts_at", "id"',
    )
    patients = fetch_by_id(Patient, {a.patient_id for a in found})
    holders = fetch_by_id(User, {a.practitioner_id for a in found})
    kinds = fetch_by_id(AppointmentType, {a.appointment_type_id for a in found})
    for a in found:
        a.patient, a.practitioner = patients[a.patient_id], holders[a.practitioner_id]
        a.appointment_type = kinds[a.appointment_type_id]
    return found


@dataclass(slots=True)
class Cell:
    """One appointment as the agenda grid shows it, its times already in Paris: a day of
    twenty agendas holds a few hundred, built from plain rows rather than three joined model
    instances each, and the template only prints them (issue 20)."""

    id: int
    ref: str
    practitioner_id: int
    patient_id: int
    patient_ref: str
    who: str  # "DUPONT Marie": the name in capitals, the first name used
    type_name: str
    prescription_ref: str | None  # of the care series, when proposed from a prescription
    status: str
    location: str
    starts_at: datetime.datetime  # UTC, as stored
    ends_at: datetime.datetime
    day: datetime.date  # Paris
    start_text: str  # "08:30", Paris
    end_text: str
    hours: str  # "08:30–09:00"
    look: str  # its classes: "status-booked place-home"
    what: str  # "Soins infirmiers · À domicile · Honoré"
    notes: tuple[str, ...] = ()  # from the domains above ("séance 7/10"), set by agenda_page
    free_after: bool = False  # the slot after it is free in its column (set per column)
    # How long that slot is free: until the next appointment of the column or the end of the
    # opening hours, None when neither bounds it (set per column with free_after).
    free_minutes: int | None = None
    free_for: str = ""  # the same, as the agenda says it: « 15 min », « 1 h 30 »
    href: str = ""  # its page, and the free slot's booking page: set by the view (CellLinks)
    free_href: str = ""


# Times are compared as stored: peewee writes str(datetime), "2026-12-02 08:30:00".
_GRID = """
    SELECT a."id", a."ref", a."practitioner_id", a."patient_id", p."ref", p."last_name",
           p."used_first_name", p."first_names", t."name", s."prescription_ref",
           a."status", a."location", a."starts_at", a."ends_at"
    FROM "appointment" AS a
    JOIN "patient" AS p ON p."id" = a."patient_id"
    JOIN "appointment_type" AS t ON t."id" = a."appointment_type_id"
    LEFT JOIN "series" AS s ON s."id" = a."series_id"
    WHERE a."practitioner_id" IN ({marks}) AND a."starts_at" >= ? AND a."starts_at" < ?
    ORDER BY a."practitioner_id", a."starts_at"
"""


def grid_between(
    practitioner_ids: list[int], start: datetime.datetime, end: datetime.datetime
) -> list[Cell]:
    """The agenda grid's appointments in [start, end), agenda by agenda, each in time
    order: only the columns its cells show (the patient's name, the type's name, the
    series' prescription), in one plain statement (every agenda page runs it; peewee
    compiled the four-table query each time). In the index's order, (practitioner, start):
    SQLite reads each agenda's range in turn and sorts nothing, where ordering by the time
    alone gathered the rows of six agendas into a temporary b-tree (a sixth of the
    statement, issue 20)."""
    marks = ", ".join("?" * len(practitioner_ids))
    rows = database.execute_sql(
        _GRID.format(marks=marks), (*practitioner_ids, str(start), str(end))
    ).fetchall()
    cells = []
    # The driver's values as stored (texts and integers): peewee would parse each datetime
    # with strptime; fromisoformat reads what peewee wrote, str(datetime), at a tenth the
    # cost. Agendas side by side share their slots' times, and their cells a few kinds of
    # care: each time and each description is worked out once per page.
    moments: dict[str, tuple[datetime.datetime, datetime.date, str]] = {}
    kinds: dict[tuple[str, str, str], tuple[str, str]] = {}
    # Paris's offset to UTC, looked up once per UTC hour ("2026-12-02 08"): it changes only
    # on the hour (01:00 UTC on DST days), and a week's cells share a few dozen hours where
    # each time of theirs is its own (the zone conversion was a twelfth of the week view).
    offsets: dict[str, datetime.timedelta] = {}

    def moment(stored: str) -> tuple[datetime.datetime, datetime.date, str]:
        utc = datetime.datetime.fromisoformat(stored)
        hour = stored[:13]
        if hour not in offsets:
            offsets[hour] = schedule.to_local(utc).utcoffset()
        local = utc + offsets[hour]
        moments[stored] = (utc, local.date(), f"{local.hour:02d}:{local.minute:02d}")
        return moments[stored]

    def kind_of(kind: tuple[str, str, str]) -> tuple[str, str]:
        type_name, location, status = kind
        kinds[kind] = (_what(type_name, location, status), f"status-{status} place-{location}")
        return kinds[kind]

    for row in rows:
        (id_, ref, practitioner_id, patient_id, patient_ref, last, used, firsts) = row[:8]
        type_name, prescription_ref, status, location, starts, ends = row[8:]
        starts_at, day, start_text = moments.get(starts) or moment(starts)
        ends_at, _, end_text = moments.get(ends) or moment(ends)
        kind = (type_name, location, status)
        what, look = kinds.get(kind) or kind_of(kind)
        # Positional, in the order of Cell's fields: a dataclass's generated __init__ takes
        # 1.8 µs for these eighteen keywords and 0.4 µs for the same values by position.
        cells.append(
            Cell(
                id_,
                ref,
                practitioner_id,
                patient_id,
                patient_ref,
                f"{last.upper()} {used or firsts.split(' ')[0]}",  # who
                type_name,
                prescription_ref or None,
                status,
                location,
                starts_at,
                ends_at,
                day,
                start_text,
                end_text,
                f"{start_text}–{end_text}",  # hours
                look,
                what,
            )
        )
    return cells


def _what(type_name: str, location: str, status: str) -> str:
    what = f"{type_name} · {LOCATIONS[location]}"
    return what if status == "booked" else f"{what} · {STATUSES[status]}"


def absences_between(practitioner_ids: list[int], start, end) -> list[Absence]:
    """Absences of these practitioners overlapping [start, end): a plain statement, as the
    grid's (every agenda page asks it, and most find none; peewee compiled the query each
    time: a twentieth of the day view under load, issue 20)."""
    marks = ", ".join("?" * len(practitioner_ids))
    overlapping = f'"practitioner_id" IN ({marks}) AND "starts_at" < ? AND "ends_at" > ?'
    return list(fetch_all(Absence, overlapping, *practitioner_ids, str(end), str(start)))


@dataclass
class Column:
    """One column of the grid: a practitioner's day (day view) or a day of her week."""

    title: str
    day: datetime.date
    practitioner: AgendaHolder
    cells: list[Cell]
    absences: list[Absence]  # those overlapping this day
    book_href: str = ""  # booking in this column: set by the view (CellLinks)


@dataclass
class AgendaPage:
    """What the agenda page shows; `view` and `chosen_ref` are the URL's own words."""

    day: datetime.date
    view: str  # "jour" or "semaine"
    chosen_ref: str
    practitioners: list[AgendaHolder]
    shown: list[AgendaHolder]
    days: list[datetime.date]
    appointments: list[Cell]
    absences: list[Absence]
    previous: datetime.date
    following: datetime.date
    group: int  # which six agendas of the day view (1, 2, …), `groupe` in the URL
    groups: int  # how many such groups: 1 for a week, one agenda, or a small practice
    group_label: str  # "Agendas 7 à 12 sur 21", "" when there is one group
    # Built once here, free slots marked, rather than filtered per column in the template
    # (issue 20: those filters and lookups were most of the page's time).
    columns: list[Column]


def _grouped(rows, key) -> dict:
    groups: dict = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def opening_hours_of(practitioner_ids: list[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Each practitioner's opening intervals, (weekday, "08:00:00", "19:00:00"): a plain
    statement (the day and week views ask it to offer free slots only within them)."""
    marks = ", ".join("?" * len(practitioner_ids))
    rows = database.execute_sql(
        'SELECT "practitioner_id", "weekday", "opens", "closes" FROM "opening_hours" '  # noqa: S608
        f'WHERE "practitioner_id" IN ({marks})',
        practitioner_ids,
    ).fetchall()
    hours: dict[int, list[tuple[int, str, str]]] = {}
    for practitioner_id, weekday, opens, closes in rows:
        hours.setdefault(practitioner_id, []).append((weekday, opens, closes))
    return hours


def _open_at(hours: list[tuple[int, str, str]] | None, day: datetime.date, time: str) -> bool:
    """Whether a slot may start at `time` ("18:30", Paris) on `day`: within one of the
    day's intervals, or at any time for a practitioner who recorded none (the booking
    rules read them so: rules.conflicts)."""
    return not hours or _closing_at(hours, day, time) is not None


def _closing_at(hours: list[tuple[int, str, str]] | None, day: datetime.date, time: str):
    """When the opening interval holding `time` ("18:30", Paris) on `day` closes ("19:00:00"),
    or None without one."""
    at = f"{time}:00"
    weekday = day.weekday()
    return next((c for w, o, c in hours or () if w == weekday and o <= at < c), None)


def _minutes(time: str) -> int:
    return int(time[:2]) * 60 + int(time[3:5])


def _free_minutes(cell: Cell, following: Cell | None, hours) -> int | None:
    """How long the slot after `cell` stays free: until the next appointment or closing."""
    bounds = []
    if following is not None:
        bounds.append(int((following.starts_at - cell.ends_at).total_seconds()) // 60)
    closes = _closing_at(hours, cell.day, cell.end_text)
    if closes is not None:
        bounds.append(_minutes(closes) - _minutes(cell.end_text))
    return min(bounds) if bounds else None


def free_length(minutes: int | None) -> str:
    """« 15 min », « 1 h », « 1 h 30 »; "" when nothing bounds the slot."""
    if minutes is None:
        return ""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _column(title, day, practitioner, cells: list[Cell], absences, hours=None) -> Column:
    for cell, following in zip(cells, [*cells[1:], None], strict=False):
        # A free slot follows a kept appointment when nothing starts right after it and
        # the agenda is open then (found in a walk-through: « Libre à 19:00 » was offered
        # at closing time, and booking it refused).
        cell.free_after = (
            cell.status in ACTIVE_STATUSES
            and (following is None or following.starts_at > cell.ends_at)
            and _open_at(hours, cell.day, cell.end_text)
        )
        if cell.free_after:
            # Said on the agenda and given to the booking form, which then proposes a type
            # that fits (found in a walk-through: a 15-minute gap opened the form on a
            # 30-minute type, and booking it refused).
            cell.free_minutes = _free_minutes(cell, following, hours)
            cell.free_for = free_length(cell.free_minutes)
    away = []
    if absences:  # most columns have none: no zone conversion for them
        start, end = schedule.local_day_bounds(day)
        away = [a for a in absences if a.starts_at < end and a.ends_at > start]
    return Column(title, day, practitioner, cells, away)


def _columns(weekly: bool, shown, days, appointments, absences, hours) -> list[Column]:
    if weekly:
        practitioner, by_day = shown[0], _grouped(appointments, lambda a: a.day)
        return [
            _column(
                f"{schedule.WEEKDAYS[d.weekday()].capitalize()} {d:%d/%m}",
                d,
                practitioner,
                by_day.get(d, []),
                absences,
                hours.get(practitioner.id),
            )
            for d in days
        ]
    by_practitioner = _grouped(appointments, lambda a: a.practitioner_id)
    away = _grouped(absences, lambda a: a.practitioner_id)
    return [
        _column(
            p.display_name,
            days[0],
            p,
            by_practitioner.get(p.id, []),
            away.get(p.id, []),
            hours.get(p.id),
        )
        for p in shown
    ]


def _shown(
    everyone: list[AgendaHolder], actor_id: int, weekly: bool, chosen_ref: str
) -> list[AgendaHolder]:
    """The chosen practitioner's column; a week without a choice is mine, or the first
    agenda's (the secretary holds none); a day without a choice shows everyone (in groups
    of AGENDAS_PER_PAGE: `_group`)."""
    chosen = [p for p in everyone if p.ref == chosen_ref]
    if weekly and not chosen:
        chosen = [p for p in everyone if p.id == actor_id] or everyone[:1]
    return chosen or everyone


def _group(
    shown: list[AgendaHolder], actor_id: int, asked: int | None
) -> tuple[list[AgendaHolder], int, int]:
    """The agendas of group `asked` (1-based, kept within range), the group, how many
    groups; without one asked, the group holding my own agenda, else the first."""
    groups = max(1, -(-len(shown) // AGENDAS_PER_PAGE))
    if asked is None:
        mine = next((i for i, p in enumerate(shown) if p.id == actor_id), 0)
        asked = mine // AGENDAS_PER_PAGE + 1
    group = min(max(asked, 1), groups)
    first = (group - 1) * AGENDAS_PER_PAGE
    return shown[first : first + AGENDAS_PER_PAGE], group, groups


def _group_label(
    shown: list[AgendaHolder], group: int, groups: int, everyone: list[AgendaHolder]
) -> str:
    if groups == 1:
        return ""
    first = (group - 1) * AGENDAS_PER_PAGE + 1
    return f"Agendas {first} à {first + len(shown) - 1} sur {len(everyone)}"


def agenda_page(
    actor, day: datetime.date, view: str, chosen_ref: str, group: int | None = None
) -> AgendaPage:
    """The day view (practitioners side by side, six at a time) or the week view of one,
    traced once."""
    weekly = view == "semaine"
    everyone = agenda_holders()
    # The account's number read once: through flask-login's proxy, each `actor.id` in the
    # loops below went through werkzeug's LocalProxy (a hundredth of the page, issue 20).
    actor_id = actor.id
    shown, group, groups = _group(_shown(everyone, actor_id, weekly, chosen_ref), actor_id, group)
    first = schedule.week_start(day) if weekly else day
    days = [first + datetime.timedelta(days=i) for i in range(7 if weekly else 1)]
    start, _ = schedule.local_day_bounds(days[0])
    _, end = schedule.local_day_bounds(days[-1])
    ids = [p.id for p in shown]
    appointments = grid_between(ids, start, end) if ids else []
    absences = absences_between(ids, start, end) if ids else []
    hours = opening_hours_of(ids) if ids else {}
    notes = annotations.for_user(actor, appointments)
    for cell in appointments:
        cell.notes = tuple(notes.get(cell.id, ()))
    page = AgendaPage(
        day=day,
        view="semaine" if weekly else "jour",
        chosen_ref=chosen_ref,
        practitioners=everyone,
        shown=shown,
        days=days,
        appointments=appointments,
        absences=absences,
        previous=day - datetime.timedelta(days=7 if weekly else 1),
        following=day + datetime.timedelta(days=7 if weekly else 1),
        group=group,
        groups=groups,
        group_label=_group_label(shown, group, groups, everyone),
        columns=_columns(weekly, shown, days, appointments, absences, hours) if shown else [],
    )
    trace(
        actor,
        "appointment.agenda_view",
        target="agenda",
        detail=", ".join(
            part
            for part in (
                f"{page.view} du {days[0]:%d/%m/%Y}",
                page.group_label.lower(),
                f"{len(appointments)} rendez-vous",
            )
            if part
        ),
    )
    return page


# Printed lists ------------------------------------------------------------------------------


def tour(practitioner: User, day: datetime.date) -> list[Appointment]:
    """Home visits of a practitioner's day, in order (A6: the tour sheet's only content)."""
    start, end = schedule.local_day_bounds(day)
    return [
        a
        for a in appointments_between([practitioner.id], start, end)
        if a.location == "home" and a.status in ACTIVE_STATUSES
    ]


def tour_holder(actor, ref: str | None) -> User:
    """The practitioner asked for; else mine if I hold an agenda, else (the secretary) the
    first practitioner's."""
    if ref:
        return get_practitioner_or_404(ref)
    everyone = practitioners()
    holder = next((p for p in everyone if p.id == actor.id), everyone[0] if everyone else None)
    if holder is None:
        abort(404)
    return holder


def reminders(actor, day: datetime.date) -> tuple[list[Appointment], int]:
    """The day's booked appointments whose patient accepts reminders (I7, X5), and how many
    others are left out; the list is traced."""
    start, end = schedule.local_day_bounds(day)
    holders = [p.id for p in practitioners()]
    booked = [a for a in appointments_between(holders, start, end) if a.status == "booked"]
    to_remind = [a for a in booked if not a.patient.objects_to_reminders]
    trace(
        actor,
        "appointment.reminders",
        target="agenda",
        detail=f"{len(to_remind)} rappel(s) le {day:%d/%m/%Y}",
    )
    return to_remind, len(booked) - len(to_remind)

"""The care team (A2, T1): the practitioners who read a patient's care record without giving
a reason, and the only ways to join it.

Nobody can give herself access to a record written by others without a stated, traced
reason or another person's act:
- a booking made by someone else (the secretary, a colleague) for a practitioner puts that
  practitioner in the team — another person's act, traced;
- a practitioner booking a patient for herself joins freely only when the patient has no
  care team yet (new to the practice); otherwise she states a reason (break-glass), which is
  traced and shown to the treating practitioners;
- a practitioner of the team, or the admin, refers the patient to a colleague;
- recording care (a session, an item) puts its author in the team — she could only do it
  with access already (team, shared record, or break-glass with its reason).

Appointments alone never count: they are the door this rule closes. Lives with `patients`
because both `appointments` and `records` ask it.

A locum's handover lends the scope for a period (`CareGrant`): during its dates she counts as
a member of those patients' teams, and not a day before or after; a refusal because of the
dates is traced (`trace_refused_grant`). A grant never makes her a member for good.
"""

import datetime
from dataclasses import dataclass

from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, fetch_all
from cabinet.patients.models import CareAssignment, CareGrant, Patient
from cabinet.security import has_permission

# Why a practitioner outside the team opens a record or takes the patient on.
REASONS = {
    "replacement": "Remplacement d'un confrère",
    "emergency": "Urgence",
    "continuity": "Continuité des soins (absence du praticien)",
    "patient_request": "Demande du patient",
}
SOURCES = {
    "assigned": "désigné",
    "booking": "rendez-vous pris par un tiers",
    "first_booking": "premier rendez-vous au cabinet",
    "break_glass": "prise en charge motivée (accès exceptionnel)",
    "referral": "adressé par l'équipe de soins ou l'administrateur",
    "record": "soins enregistrés",
    "migration": "reprise des rendez-vous et soins existants",
}
REASON_NEEDED = "reason_needed"


class CareTeamRefused(Exception):
    """A French message: why the practitioner cannot join the team this way."""


def _today(today: datetime.date | None) -> datetime.date:
    return today or datetime.date.today()


def is_member(user, patient: Patient, today: datetime.date | None = None) -> bool:
    """In the team: joined it, or holding a grant whose dates include `today`."""
    return is_joined(user, patient) or active_grant(user, patient, today) is not None


def is_joined(user, patient: Patient) -> bool:
    """A member for good (joined the team), whatever grant she holds. A plain statement:
    every opening of a record asks it (peewee compiled the query each time, issue 20)."""
    return database.execute_sql(_JOINED, (patient.id, user.id)).fetchone() is not None


_JOINED = 'SELECT 1 FROM "care_assignment" WHERE "patient_id" = ? AND "practitioner_id" = ?'


def _grants(user, patient: Patient):
    return CareGrant.select().where(
        (CareGrant.grantee == user.id) & (CareGrant.patient == patient.id)
    )


def active_grant(user, patient: Patient, today: datetime.date | None = None) -> CareGrant | None:
    day = _today(today)
    if getattr(user, "is_expired", None) and user.is_expired(day):
        return None
    return (
        _grants(user, patient)
        .where((CareGrant.starts <= day) & (CareGrant.ends >= day))
        .order_by(CareGrant.ends.desc())
        .first()
    )


def trace_refused_grant(user, patient: Patient, what: str, today=None) -> CareGrant | None:
    """If `user` holds a grant on `patient` that is not valid today, trace the refusal (T1):
    a locum before or after her handover's dates. The grant, or None (nothing traced)."""
    day = _today(today)
    if user is None or not getattr(user, "id", None) or active_grant(user, patient, day):
        return None
    grant = _grants(user, patient).order_by(CareGrant.ends.desc()).first()
    if grant is None:
        return None
    if grant.ends < grant.starts:
        when = "arrêtée"  # stopped on or before its first day (handover.services.end_now)
    else:
        when = "pas encore commencée" if day < grant.starts else "terminée"
    trace(
        user,
        "care_grant.refused",
        patient=patient,
        target="care_grant",
        detail=f"{what} : passation du {grant.starts:%d/%m/%Y} au {grant.ends:%d/%m/%Y} {when}",
        outcome="refused",
    )
    return grant


@dataclass(slots=True, frozen=True)
class TeamMember:
    """A line of the care team as the patient page shows it."""

    practitioner_id: int
    practitioner_name: str
    created_at: datetime.datetime  # UTC, as stored
    source: str  # one of SOURCES
    reason: str  # a REASONS key, or ""


# A plain statement: the patient page shows the team on every visit (issue 20).
_MEMBERS = """
    SELECT u."id", u."display_name", c."created_at", c."source", c."reason"
    FROM "care_assignment" AS c JOIN "user" AS u ON u."id" = c."practitioner_id"
    WHERE c."patient_id" = ?
    ORDER BY c."created_at", c."id"
"""


def members(patient: Patient) -> list[TeamMember]:
    """The patient's care team, in the order they joined it."""
    rows = database.execute_sql(_MEMBERS, (patient.id,)).fetchall()
    return [
        TeamMember(who, name, datetime.datetime.fromisoformat(joined), source, reason)
        for who, name, joined, source, reason in rows
    ]


def member_names(patient: Patient) -> list[str]:
    return [member.practitioner_name for member in members(patient)]


def has_members(patient: Patient) -> bool:
    return CareAssignment.select().where(CareAssignment.patient == patient.id).exists()


def join(
    patient: Patient, practitioner, actor, source: str, reason: str = "", note: str = ""
) -> CareAssignment | None:
    """Put the practitioner in the team (traced); None if she already is."""
    if source not in SOURCES:
        raise ValueError(f"Unknown care-team source {source!r}")
    if reason and reason not in REASONS:
        raise CareTeamRefused("Choisissez un motif dans la liste.")
    with database.atomic():
        if is_joined(practitioner, patient):
            return None
        assignment = CareAssignment.create(
            patient=patient,
            practitioner=practitioner.id,
            source=source,
            added_by=getattr(actor, "id", None),
            reason=reason,
            note=note[:200],
        )
        detail = f"{practitioner.display_name} — {SOURCES[source]}"
        if reason:
            detail += f" : {REASONS[reason]}"
        # In the patient's access report; the treating practitioners see it on their home page.
        trace(actor, "care_team.join", patient=patient, target="care_team", detail=detail)
    return assignment


def booking_source(actor, practitioner, patient: Patient) -> str | None:
    """How a booking of `patient` with `practitioner` made by `actor` affects the team:
    None (already in it), a join source, or REASON_NEEDED (break-glass first)."""
    if is_member(practitioner, patient):
        return None
    if actor.id != practitioner.id:
        return "booking"
    if not has_members(patient):
        return "first_booking"
    return REASON_NEEDED


def refer(actor, patient: Patient, practitioner_ref: str) -> CareAssignment | None:
    """A treating practitioner, or the admin, adds a colleague to the team."""
    practitioner = User.get_or_none(User.ref == practitioner_ref)
    if practitioner is None or practitioner not in colleagues_outside(patient):
        raise CareTeamRefused(
            "Choisissez un praticien du cabinet qui n'est pas déjà dans l'équipe."
        )
    if not may_refer(actor, patient):
        raise CareTeamRefused(
            "Seul un praticien de l'équipe de soins, ou l'administrateur, peut adresser ce "
            "patient à un confrère."
        )
    return join(patient, practitioner, actor, "referral")


def may_refer(actor, patient: Patient) -> bool:
    return has_permission(actor, "care_team.manage") or (
        has_permission(actor, "care_team.refer") and is_member(actor, patient)
    )


def colleagues_outside(patient: Patient) -> list[User]:
    """Active practitioners (locums included) not yet in the team: whom one may refer to."""
    # A plain statement: the practitioner's patient page asks on every visit (peewee
    # compiled the query each time, issue 20).
    candidates = fetch_all(User, _OUTSIDE, patient.id, order_by='"display_name", "id"')
    return [
        user
        for user in candidates
        if has_permission(user, "record.write") and not user.is_expired()
    ]


_OUTSIDE = """
    "disabled_at" IS NULL
    AND "id" NOT IN (SELECT "practitioner_id" FROM "care_assignment" WHERE "patient_id" = ?)
"""


def joined_my_patients(user, since: datetime.datetime, limit: int) -> list[CareAssignment]:
    """The latest colleagues who joined the team of a patient I treat, other than by my own
    act (home page: a plain statement, db.fetch_all — peewee compiled the query on every
    visit, issue 20). Times are compared as stored, str(datetime)."""
    return fetch_all(
        CareAssignment,
        _JOINED_MINE,
        str(since),
        user.id,
        user.id,
        user.id,
        order_by='"created_at" DESC, "id" DESC',
        limit=limit,
    )


_JOINED_MINE = """
    "created_at" >= ? AND "practitioner_id" != ?
    AND "patient_id" IN (SELECT "patient_id" FROM "care_assignment" WHERE "practitioner_id" = ?)
    AND ("added_by_id" IS NULL OR "added_by_id" != ?)
"""

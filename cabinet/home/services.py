"""What the home page tells each signed-in user today, per permission: the practice's
security warnings, accesses to her patients' records and newcomers to their care teams
(A2), her colleagues' transmissions she has not read yet, rights requests falling due (I8), a failed retention night (R8), the backups (X2)."""

import datetime

from cabinet import settings
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.compliance import backups
from cabinet.db import fetch_by_id, utcnow
from cabinet.governance import incidents, reviews
from cabinet.handover import services as handovers
from cabinet.patients import care_team
from cabinet.patients.models import Patient
from cabinet.records import scope
from cabinet.reminders import services as reminders
from cabinet.retention import jobs as retention_jobs
from cabinet.rights import services as rights
from cabinet.security import has_permission
from cabinet.transmissions import services as transmissions

NOTICE_DAYS = 30  # how long a break-glass access or a team newcomer stays on the home page
NOTICE_LIMIT = 20
SECOND_FACTOR_WARNING = (
    "Le rôle secrétaire est dispensé du second facteur : le référentiel demande une "
    "authentification forte pour tout accès aux données de santé."
)


def _warnings() -> list[str]:
    return [SECOND_FACTOR_WARNING] if settings.get("secretary_second_factor_exempt") else []


def _care_notices(user) -> tuple[list, list]:
    """Break-glass accesses to my patients and who joined their teams (traced when shown)."""
    since = utcnow() - datetime.timedelta(days=NOTICE_DAYS)
    accesses = scope.break_glass_on_my_patients(user, since, NOTICE_LIMIT)
    joins = care_team.joined_my_patients(user, since, NOTICE_LIMIT)
    _with_people([*accesses, *joins])
    if accesses or joins:
        trace(
            user,
            "patient.list",
            target="break_glass_notices",
            detail=f"{len(accesses)} accès exceptionnel(s) et {len(joins)} entrée(s) dans "
            "l'équipe de soins signalés",
        )
    return accesses, joins


def _with_people(rows) -> None:
    """Each notice's practitioner and patient, read in two statements for all of them rather
    than one per row and name when the page prints it."""
    if not rows:
        return
    users = fetch_by_id(User, {row.practitioner_id for row in rows})
    patients = fetch_by_id(Patient, {row.patient_id for row in rows})
    for row in rows:
        row.practitioner, row.patient = users[row.practitioner_id], patients[row.patient_id]


def _due_requests(today: datetime.date) -> list:
    return [(row, state) for row, state in rights.pending(today) if state in ("overdue", "soon")]


def home_page(user, today: datetime.date) -> dict:
    """The home page's data: each part only for the permission it needs."""
    accesses, joins = _care_notices(user) if has_permission(user, "record.read") else ([], [])
    return {
        "warnings": _warnings(),
        "accesses": accesses,
        "joins": joins,
        # A count only: no patient and no content on the home page itself.
        "unread_transmissions": (
            transmissions.unread_count(user, today) if has_permission(user, "record.read") else None
        ),
        "handovers": handovers.mine(user, today) if has_permission(user, "record.read") else None,
        "requests": _due_requests(today) if has_permission(user, "rights.register") else [],
        "failed_run": (
            retention_jobs.unresolved_failure() if has_permission(user, "settings.manage") else None
        ),
        "waiting": (
            reminders.waiting_without_server() if has_permission(user, "settings.manage") else 0
        ),
        # X2: the age of the last verified backup, green, orange or red.
        "backup_status": backups.status() if has_permission(user, "settings.manage") else None,
        **(_governance(today) if has_permission(user, "compliance.manage") else {}),
    }


def _governance(today: datetime.date) -> dict:
    """T5: the incidents whose 72 hours run; A5: the annual review when a year has passed."""
    last, due, overdue = reviews.next_due(today)
    return {
        "incident_clocks": incidents.open_clocks(utcnow()),
        "review_due": {"last": last, "due": due} if overdue else None,
    }

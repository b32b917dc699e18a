"""The outgoing mail queue (issue 17; I7, X5, T1): what is due, sending with retries and
back-off, and the record of each message (to whom, when, outcome, never the content).

At most once: a row is marked `sending` (and committed) before the server is asked, and a
row found `sending` afterwards — the process died between the server's answer and its
record — is never sent again (`uncertain`). The unique `key` of a reminder (appointment,
time, lead) keeps it from being queued twice; its Message-ID derives from that key.
"""

import datetime
import secrets

from peewee import IntegrityError

from cabinet import settings
from cabinet.appointments.models import Appointment
from cabinet.appointments.schedule import to_local
from cabinet.audit import trace
from cabinet.config import TIMEZONE
from cabinet.db import database, utcnow
from cabinet.patients.models import Patient
from cabinet.reminders import mail, messages
from cabinet.reminders.models import OutgoingMail, message_id

# A reminder is due from its time until this much later (a scheduler stopped longer skips it:
# a reminder after the appointment's eve is no reminder).
GRACE = datetime.timedelta(hours=12)
# Waits before the 2nd, 3rd… attempt; then the message is given up (`failed`).
BACKOFF = [
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
    datetime.timedelta(hours=3),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 50
# Longer than any exchange with the server (SMTP_TIMEOUT per step): a row still `sending`
# after this was left by a process that died mid-send (or a test button in another worker
# is still at it, before this delay).
INTERRUPTED_AFTER = datetime.timedelta(minutes=5)


class MailRefused(Exception):
    """Why a message cannot be queued (French)."""


def leads() -> list[int]:
    """The set leads, in hours (setting `reminder_hours`)."""
    return sorted(int(hours) for hours in settings.get("reminder_hours").split(",") if hours)


def due_at(starts_at: datetime.datetime, lead_hours: int) -> datetime.datetime:
    """When a reminder `lead_hours` before is due (naive UTC): the same Paris wall-clock
    time so many days before, whatever the DST change between (23 or 25 hours then)."""
    local = to_local(starts_at).replace(tzinfo=None) - datetime.timedelta(hours=lead_hours)
    aware = local.replace(tzinfo=TIMEZONE)
    return aware.astimezone(datetime.UTC).replace(tzinfo=None)


def may_receive(patient: Patient) -> bool:
    """Agreed to reminders, has not objected since (I7, X5), and gave an address."""
    return not patient.objects_to_reminders and bool(patient.email.strip())


def _domain() -> str:
    sender = settings.get("smtp_sender")
    return sender.rsplit("@", 1)[-1] if "@" in sender else ""


def _reminder_key(appointment: Appointment, lead: int) -> str:
    return f"reminder:{lead}:{appointment.ref}:{appointment.starts_at:%Y%m%dT%H%M}"


def _queue(key: str, kind: str, recipient: str, now, **fields) -> OutgoingMail | None:
    """Insert a message unless its key is queued already (then None)."""
    try:
        with database.atomic():
            return OutgoingMail.create(
                key=key,
                message_id=message_id(key, _domain()),
                kind=kind,
                recipient=recipient,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
                **fields,
            )
    except IntegrityError:
        return None


def queue_due_reminders(now: datetime.datetime) -> int:
    """Queue the reminders due at `now` for booked appointments of consenting patients."""
    wanted = leads()
    if not wanted:
        return 0
    horizon = now + datetime.timedelta(hours=max(wanted) + 2)
    candidates = (
        Appointment.select(Appointment, Patient)
        .join(Patient)
        .where(
            (Appointment.status == "booked")
            & (Appointment.starts_at > now)
            & (Appointment.starts_at <= horizon)
            & (Patient.objects_to_reminders == False)  # noqa: E712
            & (Patient.email != "")
        )
    )
    queued = 0
    for appointment in candidates:
        for lead in wanted:
            due = due_at(appointment.starts_at, lead)
            if not (due <= now < due + GRACE):
                continue
            row = _queue(
                _reminder_key(appointment, lead),
                "reminder",
                appointment.patient.email.strip(),
                now,
                lead_hours=lead,
                appointment_ref=appointment.ref,
                patient_ref=appointment.patient.ref,
            )
            queued += row is not None
    return queued


def queue_card(actor, appointment: Appointment) -> OutgoingMail:
    """E-mail the confirmation of an appointment (sent by the scheduler within minutes)."""
    patient = appointment.patient
    if not may_receive(patient):
        raise MailRefused(
            "Le patient n'a pas accepté les courriels de rendez-vous ou n'a pas d'adresse : "
            "remettez-lui la confirmation imprimée."
        )
    if appointment.status != "booked" or appointment.starts_at <= utcnow():
        raise MailRefused("Seul un rendez-vous à venir peut être confirmé.")
    now = utcnow()
    with database.atomic():
        row = _queue(
            f"card:{appointment.ref}:{secrets.token_hex(8)}",
            "card",
            patient.email.strip(),
            now,
            appointment_ref=appointment.ref,
            patient_ref=patient.ref,
            created_by_id=actor.id,
        )
        trace(
            actor,
            "mail.card_queued",
            patient=patient,
            target=f"appointment:{appointment.ref}",
        )
    return row


def _still_wanted(row: OutgoingMail, now) -> tuple[Appointment | None, str]:
    """The appointment a queued message is about, or why it is no longer to be sent."""
    appointment = (
        Appointment.select(Appointment, Patient)
        .join(Patient)
        .where(Appointment.ref == row.appointment_ref)
        .first()
    )
    if appointment is None or appointment.status != "booked":
        return None, "rendez-vous annulé"
    if row.kind == "reminder" and not row.key.endswith(f"{appointment.starts_at:%Y%m%dT%H%M}"):
        return None, "rendez-vous déplacé"
    if not may_receive(appointment.patient):
        return None, "le patient s'oppose désormais aux rappels"
    if appointment.patient.email.strip() != row.recipient:
        return None, "adresse du patient modifiée"
    if appointment.starts_at <= now:
        return None, "rendez-vous passé"
    return appointment, ""


def _finish(row: OutgoingMail, now, status: str, error: str = "", **fields) -> None:
    OutgoingMail.update(status=status, last_error=error[:200], updated_at=now, **fields).where(
        OutgoingMail.id == row.id
    ).execute()


def _record(row: OutgoingMail, action: str, detail: str, outcome: str = "ok", actor=None) -> None:
    trace(
        actor,
        action,
        patient=row.patient_ref or None,
        target=f"mail:{row.kind}",
        detail=detail,
        outcome=outcome,
    )


def give_up_interrupted(now: datetime.datetime) -> int:
    """Rows left `sending` by a process that died mid-send: maybe sent, so never again."""
    rows = list(
        OutgoingMail.select().where(
            (OutgoingMail.status == "sending")
            & (OutgoingMail.updated_at <= now - INTERRUPTED_AFTER)
        )
    )
    for row in rows:
        with database.atomic():
            _finish(row, now, "uncertain", "envoi interrompu : peut-être parti, jamais renvoyé")
            _record(row, "mail.failed", "envoi interrompu (jamais renvoyé)", "error")
    return len(rows)


def _attempt(row: OutgoingMail, now: datetime.datetime, smtp: mail.Account, actor=None) -> str:
    """One attempt at one message; its new status."""
    appointment, why_not = _still_wanted(row, now) if row.appointment_ref else (None, "")
    if why_not:
        with database.atomic():
            _finish(row, now, "cancelled", why_not)
            _record(row, "mail.cancelled", why_not, actor=actor)
        return "cancelled"
    try:
        message = messages.build(
            row.kind, appointment, row.recipient, smtp.sender, row.message_id, now
        )
    except messages.NotReady as not_ready:
        return _retry_or_fail(row, now, str(not_ready), actor)
    # Committed before the server is asked: a crash from here on never sends it twice.
    OutgoingMail.update(status="sending", attempts=row.attempts + 1, updated_at=now).where(
        OutgoingMail.id == row.id
    ).execute()
    row.attempts += 1
    try:
        mail.send(message, smtp)
    except mail.MailFailed as failed:
        return _retry_or_fail(row, now, str(failed), actor)
    with database.atomic():
        _finish(row, now, "sent", sent_at=now)
        _record(row, "mail.sent", f"{row.kind}, essai {row.attempts}", actor=actor)
    return "sent"


def _retry_or_fail(row: OutgoingMail, now, error: str, actor=None) -> str:
    with database.atomic():
        if row.attempts >= MAX_ATTEMPTS or row.kind == "test":
            _finish(row, now, "failed", error)
            _record(row, "mail.failed", f"{row.kind} : {error}", "error", actor)
            return "failed"
        wait = BACKOFF[max(row.attempts - 1, 0)]
        _finish(row, now, "queued", error, next_attempt_at=now + wait)
    return "queued"


def send_due(now: datetime.datetime) -> dict[str, int]:
    """Send the queued messages whose time has come; {sent, retry, failed, cancelled,
    uncertain: count}."""
    counts = {"uncertain": give_up_interrupted(now)}
    smtp = mail.account()
    if not smtp.is_complete:
        return counts
    rows = list(
        OutgoingMail.select()
        .where((OutgoingMail.status == "queued") & (OutgoingMail.next_attempt_at <= now))
        .order_by(OutgoingMail.next_attempt_at)
        .limit(BATCH)
    )
    for row in rows:
        status = _attempt(row, now, smtp)
        key = "retry" if status == "queued" else status
        counts[key] = counts.get(key, 0) + 1
    return counts


def send_test(actor, recipient: str) -> str | None:
    """Send a test message now (the admin waits for the answer); None, or why it failed."""
    now = utcnow()
    row = _queue(f"test:{secrets.token_hex(8)}", "test", recipient, now, created_by_id=actor.id)
    smtp = mail.account()
    status = _attempt(row, now, smtp, actor) if smtp.is_complete else None
    if status is None:
        with database.atomic():
            _finish(row, now, "failed", "compte SMTP incomplet")
        return "Compte SMTP incomplet : indiquez le serveur et l'adresse d'expédition."
    return None if status == "sent" else OutgoingMail.get_by_id(row.id).last_error


def outbox(actor, limit: int = 200) -> list[tuple[OutgoingMail, str]]:
    """The latest messages with their patient's name (to whom, when, outcome); traced."""
    rows = list(OutgoingMail.select().order_by(OutgoingMail.id.desc()).limit(limit))
    refs = {row.patient_ref for row in rows if row.patient_ref}
    names = {p.ref: p.display_name for p in Patient.select().where(Patient.ref.in_(list(refs)))}
    trace(actor, "mail.outbox_view", target="mail", detail=f"{len(rows)} message(s)")
    return [(row, names.get(row.patient_ref, "")) for row in rows]


def waiting_without_server() -> int:
    """How many messages wait because no mail server is set (0 once one is): reminders are
    on by default (24 h), so a practice that has not set its account yet piles them up
    unseen — said on the outbox and the admin's home page (found in a walk-through)."""
    if mail.account().is_complete:
        return 0
    return OutgoingMail.select().where(OutgoingMail.status == "queued").count()


def save_settings(actor, values: dict, password: str | None) -> list[str]:
    """Store the SMTP account and the reminders' timing; a new password only when typed."""
    values = {key: value for key, value in values.items() if key not in settings.SECRET_KEYS}
    if password:
        values["smtp_password"] = password
    with database.atomic():
        changed = settings.put_changed(values)
        for key in changed:
            trace(actor, "settings.update", target=f"setting:{key}")
    return changed


def password_is_set() -> bool:
    """Whether a password is stored (the page says so; it never shows it)."""
    return bool(settings.get("smtp_password"))


def local_time(moment: datetime.datetime | None) -> str:
    return f"{to_local(moment):%d/%m/%Y %H:%M}" if moment else ""

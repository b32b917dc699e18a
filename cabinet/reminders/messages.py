"""What a reminder or an e-mailed confirmation says (issue 17; I1, I7): the practice's name,
the date and time, the address, how to cancel, and the short information text — never the
reason, the act, the type of appointment or the practitioner (health data, or a hint of it)."""

import datetime
import html
import re
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app, has_request_context, render_template

from cabinet.appointments.models import Appointment
from cabinet.appointments.schedule import WEEKDAYS, to_local
from cabinet.notices import content

SUBJECTS = {
    "reminder": "Rappel de votre rendez-vous du {day} à {time}",
    "card": "Confirmation de votre rendez-vous du {day} à {time}",
    "test": "Essai d'envoi depuis Cabinet",
}


class NotReady(Exception):
    """The practice's settings lack what every message must say (French)."""


def _text_of(markup: str) -> str:
    """The words of an HTML fragment, for a plain-text e-mail."""
    words = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return " ".join(words.split())


def _render(template: str, **context) -> str:
    """Templates read the request (the signed-in user's permissions); the scheduler and
    the commands have none, so they render in an empty one, as the restitution does."""
    if has_request_context():
        return render_template(template, **context)
    with current_app.test_request_context():
        return render_template(template, **context)


def short_information() -> str:
    """The short information text of the notices (I1), as plain text: its one wording."""
    return _text_of(_render("notices/_short_text.html"))


def _place(appointment: Appointment, practice: dict) -> str:
    if appointment.location == "home":
        return "À votre domicile."
    return f"Au cabinet : {practice['practice_address']}."


def _how_to_cancel(practice: dict) -> str:
    ways = [w for w in (practice["practice_phone"], practice["practice_email"]) if w.strip()]
    return (
        "Pour annuler ou déplacer ce rendez-vous, prévenez le cabinet : " + " ou ".join(ways) + "."
    )


def _when(appointment: Appointment) -> tuple[str, str, str]:
    local = to_local(appointment.starts_at)
    return WEEKDAYS[local.weekday()], f"{local:%d/%m/%Y}", f"{local:%H:%M}".replace(":", " h ")


def build(
    kind: str,
    appointment: Appointment | None,
    recipient: str,
    sender: str,
    message_id: str,
    now: datetime.datetime,
) -> EmailMessage:
    """The message, built at send time; NotReady when the practice's settings are incomplete."""
    gaps = content.missing()
    if gaps:
        raise NotReady("Paramètres du cabinet incomplets : " + ", ".join(gaps) + ".")
    practice = content.practice()
    message = EmailMessage()
    message["From"] = f"{practice['practice_name']} <{sender}>"
    message["To"] = recipient
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(now.replace(tzinfo=datetime.UTC))
    if appointment is None:
        message["Subject"] = SUBJECTS["test"]
        body = _render("reminders/test.txt", practice=practice)
    else:
        weekday, day, time = _when(appointment)
        message["Subject"] = SUBJECTS[kind].format(day=day, time=time)
        body = _render(
            "reminders/message.txt",
            kind=kind,
            practice=practice,
            weekday=weekday,
            day=day,
            time=time,
            place=_place(appointment, practice),
            how_to_cancel=_how_to_cancel(practice),
            information=short_information(),
        )
    message.set_content(body)
    return message

"""E-mail reminders and confirmations (issue 17; I1, I7, X5, T1): the practice's SMTP
account, the queue sent by the scheduler, and the record of each message.

A domain above `appointments`, `patients` and `notices` (whose short text every message
carries); nothing below imports it."""

from flask import Blueprint

from cabinet.reminders import models
from cabinet.security import declare

bp = Blueprint("reminders", __name__)
declare(bp, "settings.manage")

from cabinet.reminders import views  # noqa: E402,F401


@bp.context_processor
def _labels():
    return {"mail_kinds": models.KINDS, "mail_statuses": models.STATUSES}

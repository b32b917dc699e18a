"""The locum's handover (A2, A6, T1): a practitioner sets a replacement for a period, hands
over the patients of that period with their current prescriptions and series, access notes
and latest transmissions; the locum reads exactly those files during the dates (dated
care-team grants, expiring by themselves) and prints a minimal handover sheet. Above
`prescriptions`, `transmissions` and `appointments`."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("handover", __name__)
declare(bp, "record.read")

from cabinet.appointments.schedule import WEEKDAYS  # noqa: E402
from cabinet.handover import models, services, views  # noqa: E402,F401


@bp.context_processor
def _labels():
    return {"weekday_names": WEEKDAYS}

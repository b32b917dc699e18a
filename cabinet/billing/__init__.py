"""The cotation aid (P4, P5): NGAP nomenclature and tariffs as versioned data, the pricing
engine (pure, pricing.py), the day's pre-bill with its CSV and printed sheet. Above
`prescriptions`, `records` and `appointments`."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("billing", __name__)
declare(bp, "record.read")

from cabinet.billing import models, views, views_tariffs  # noqa: E402,F401
from cabinet.billing.pricing import PROFESSIONS, ZONES  # noqa: E402


@bp.app_context_processor
def _labels():
    return {"professions": PROFESSIONS, "ik_zones": ZONES, "tariff_kinds": models.TARIFF_KINDS}

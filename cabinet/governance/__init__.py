"""Governance (T5, A4, A5, G1, G2): the breach register and its 72-hour clock, the annual
review of accounts, the DPIA indicator and the compliance report. Admin only."""

from flask import Blueprint

from cabinet.governance.models import DECISIONS, NATURES
from cabinet.governance.report import STATUSES
from cabinet.security import declare

bp = Blueprint("governance", __name__)
declare(bp, "compliance.manage")


@bp.app_context_processor
def _wording():
    return {
        "incident_natures": NATURES,
        "review_decisions": DECISIONS,
        "measure_statuses": STATUSES,
    }


from cabinet.governance import views  # noqa: E402,F401

"""Patient information (I1, I2, P7): practice settings, notices, register of processing."""

from flask import Blueprint

from cabinet.notices import content
from cabinet.security import declare

bp = Blueprint("notices", __name__)
declare(bp, None)  # any signed-in user prints the notices; settings and register: admin

from cabinet.notices import views  # noqa: E402,F401


@bp.app_context_processor
def _notice_helpers():
    def notice_practice():
        return None if content.missing() else content.practice()

    return {
        "notice_practice": notice_practice,
        "notice_retention": content.retention,
        "notice_purposes": content.purposes,
    }

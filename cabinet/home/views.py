import datetime

from flask import render_template
from flask_login import current_user

from cabinet import settings
from cabinet.db import utcnow
from cabinet.home import bp
from cabinet.security import has_permission


@bp.route("/")
def index():
    """Home page with the actions of the user's role. Any signed-in user."""
    warnings = []
    if settings.get("secretary_second_factor_exempt"):
        warnings.append(
            "Le rôle secrétaire est dispensé du second facteur : le référentiel demande une "
            "authentification forte pour tout accès aux données de santé."
        )
    accesses, joins = [], []
    if has_permission(current_user, "record.read"):
        from cabinet.patients import care_team
        from cabinet.records import services as records

        since = utcnow() - datetime.timedelta(days=30)
        accesses = list(records.break_glass_on_my_patients(current_user, since).limit(20))
        joins = list(care_team.joined_my_patients(current_user, since).limit(20))
        if accesses or joins:
            from cabinet.audit import trace

            trace(
                current_user,
                "patient.list",
                target="break_glass_notices",
                detail=f"{len(accesses)} accès exceptionnel(s) et {len(joins)} entrée(s) dans "
                "l'équipe de soins signalés",
            )
    requests = []
    if has_permission(current_user, "rights.register"):
        from cabinet.rights import services as rights

        requests = [
            (row, state)
            for row, state in rights.pending(datetime.date.today())
            if state in ("overdue", "soon")
        ]
    failed_run = None
    if has_permission(current_user, "settings.manage"):
        from cabinet.retention import jobs as retention_jobs

        failed_run = retention_jobs.unresolved_failure()
    return render_template(
        "home/index.html",
        warnings=warnings,
        accesses=accesses,
        joins=joins,
        requests=requests,
        failed_run=failed_run,
    )

"""Notices printed from the practice's settings, and the register of processing."""

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cabinet.notices import bp, content, services
from cabinet.notices.forms import PracticeForm, PrintForm
from cabinet.notices.models import KINDS
from cabinet.security import require

# Each printable notice: its page, and the endpoint that shows it.
NOTICES = {
    "poster": ("notices/poster.html", "notices.poster"),
    "leaflet": ("notices/leaflet.html", "notices.leaflet"),
    "short": ("notices/short.html", "notices.short_text"),
}


@bp.route("/parametres", methods=["GET", "POST"])
@require("settings.manage")
def practice_settings():
    """The practice's identity, contacts and processors, for every notice. Admin."""
    form = PracticeForm()
    if form.validate_on_submit():
        changed = services.save_practice_settings(current_user, form.values())
        flash("Paramètres du cabinet enregistrés." if changed else "Aucune modification.")
        return redirect(url_for("notices.practice_settings"))
    page = render_template("notices/settings.html", form=form, missing=content.missing())
    return page, 200 if request.method == "GET" else 422


def _document(kind: str):
    gaps = content.missing()
    if gaps:
        return render_template("notices/missing.html", gaps=gaps, kind=KINDS[kind]), 409
    return render_template(
        NOTICES[kind][0],
        kind=kind,
        practice=content.practice(),
        retention=content.retention(),
        purposes=content.purposes(),
        autoprint=request.args.get("imprimer") == "1",
        appointment_ref=request.args.get("rdv", ""),
        print_form=PrintForm(),
    )


@bp.route("/affiche")
def poster():
    """Waiting-room poster, A4 portrait, large type. Any signed-in user."""
    return _document("poster")


@bp.route("/depliant")
def leaflet():
    """Home-visit leaflet, A5, two pages. Any signed-in user."""
    return _document("leaflet")


@bp.route("/texte-court")
def short_text():
    """Short text for appointment confirmations. Any signed-in user."""
    return _document("short")


@bp.route("/imprimer/<kind>", methods=["POST"])
def record_print(kind):
    """Record that a notice is being printed (and handed at a home visit), then print it.
    Any signed-in user."""
    if kind not in NOTICES or content.missing():
        return redirect(url_for("notices.practice_settings"))
    appointment_ref = PrintForm().rdv.data
    services.record_print(kind, appointment_ref, current_user)
    return redirect(url_for(NOTICES[kind][1], imprimer="1", rdv=appointment_ref or None))


@bp.route("/registre")
@require("settings.manage")
def register():
    """The register of processing activities (art. 30), from the settings. Admin."""
    return render_template("notices/register.html", kinds=KINDS, **services.register(current_user))


@bp.route("/registre.json")
@require("settings.manage")
def register_export():
    """The register as JSON, for the practice's files. Admin."""
    body = services.register_export(current_user)
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="registre-traitements.json"'
    return response

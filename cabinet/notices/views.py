"""Notices printed from the practice's settings, and the register of processing."""

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cabinet import settings
from cabinet.appointments import services as appointments
from cabinet.audit import trace
from cabinet.db import database, utcnow
from cabinet.forms import FrenchForm
from cabinet.notices import bp, content
from cabinet.notices.forms import PracticeForm
from cabinet.notices.models import KINDS, NoticePrint
from cabinet.security import require

PAGES = {
    "poster": "notices/poster.html",
    "leaflet": "notices/leaflet.html",
    "short": "notices/short.html",
}


@bp.route("/parametres", methods=["GET", "POST"])
@require("settings.manage")
def practice_settings():
    """The practice's identity, contacts and processors, for every notice. Admin."""
    form = PracticeForm(data=content.page_values() if request.method == "GET" else None)
    if form.validate_on_submit():
        with database.atomic():
            changed = []
            for key in content.PAGE_KEYS:
                value = getattr(form, key).data or ""
                if settings.get(key) != settings.validate(key, value):
                    settings.put(key, value)
                    changed.append(key)
                    trace(current_user, "settings.update", target=f"setting:{key}")
        flash("Paramètres du cabinet enregistrés." if changed else "Aucune modification.")
        return redirect(url_for("notices.practice_settings"))
    return render_template("notices/settings.html", form=form, missing=content.missing()), (
        200 if request.method == "GET" else 422
    )


def _document(kind: str):
    gaps = content.missing()
    if gaps:
        return render_template("notices/missing.html", gaps=gaps, kind=KINDS[kind]), 409
    return render_template(
        PAGES[kind],
        kind=kind,
        practice=content.practice(),
        retention=content.retention(),
        purposes=content.purposes(),
        autoprint=request.args.get("imprimer") == "1",
        appointment_ref=request.args.get("rdv", ""),
        print_form=FrenchForm(),
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
    """Record that a notice is being printed (and handed at a home visit), then print it."""
    if kind not in PAGES or content.missing():
        return redirect(url_for("notices.practice_settings"))
    appointment_ref = request.form.get("rdv", "")[:40]
    with database.atomic():
        NoticePrint.create(
            kind=kind,
            actor_id=current_user.id,
            actor_name=current_user.display_name,
            appointment_ref=appointment_ref,
        )
        if kind == "leaflet" and appointment_ref:
            appointments.record_leaflet_given(appointment_ref, current_user)
        trace(current_user, "notice.print", target=f"notice:{kind}")
    endpoint = {
        "poster": "notices.poster",
        "leaflet": "notices.leaflet",
        "short": "notices.short_text",
    }[kind]
    return redirect(url_for(endpoint, imprimer="1", rdv=appointment_ref or None))


@bp.route("/registre")
@require("settings.manage")
def register():
    """The register of processing activities (art. 30), from the settings. Admin."""
    trace(current_user, "notice.register_view", target="register")
    return render_template(
        "notices/register.html",
        practice=content.practice(),
        purposes=content.purposes(),
        measures=content.security_measures(),
        missing=content.missing(),
        generated_at=utcnow(),
        prints=list(NoticePrint.select().order_by(NoticePrint.id.desc()).limit(30)),
        kinds=KINDS,
    )


@bp.route("/registre.json")
@require("settings.manage")
def register_export():
    """The register as JSON, for the practice's files. Admin."""
    trace(current_user, "notice.register_export", target="register")
    body = {
        "controller": content.practice(),
        "generated_at": utcnow().isoformat() + "Z",
        "activities": content.purposes(),
        "security_measures": content.security_measures(),
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="registre-traitements.json"'
    return response

"""Cabinet: patient management for a French liberal practice, by the CNIL référentiel.

`create_app` composes: each piece lives in its module (stores in `db`, keys in `keys`, error
pages in `errors`, the account loader in `auth`, commands beside their domain), and the
factory wires the domains together where a lower one must not know a higher one (the
patient page's sections, the journal's names).
"""

import os

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from cabinet import (
    appointments,
    audit,
    auth,
    billing,
    cli,
    compliance,
    config,
    db,
    errors,
    formatting,
    governance,
    handover,
    home,
    notices,
    patients,
    prescriptions,
    records,
    reminders,
    retention,
    rights,
    scheduler,
    security,
    static_files,
    tablets,
    templating,
    transmissions,
    uploads,
    urls,
    users,
)
from cabinet.appointments import annotations
from cabinet.audit import lookups
from cabinet.auth.models import User
from cabinet.compliance import rotation
from cabinet.governance import dpia
from cabinet.notices import content as notices_content
from cabinet.patients import access_notes, panels
from cabinet.retention import archive

csrf = CSRFProtect()


def create_app(overrides: dict | None = None) -> Flask:
    # Whatever the shell's umask, every file Cabinet creates (databases and their -wal and
    # -shm, archive, keys, lock and demo files) is 0600 and every folder 0700 (R2, X1).
    os.umask(0o077)
    settings = config.load(overrides)
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
        instance_path=str(settings["INSTANCE_PATH"]),
    )
    app.jinja_environment = templating.Environment  # before anything renders (issue 20)
    # Before any blueprint adds its rules: an id SQLite cannot hold is a 404, not a 500.
    app.url_map.converters["int"] = urls.BoundedIntConverter
    app.config.update(settings)
    if app.config["PROXY_HOPS"]:
        # The client address in traces and attempt limits is the one the proxy saw.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    db.open_stores(app)
    Htmx(app)
    uploads.keep_uploads_in_memory(app)
    csrf.init_app(app)
    # Order matters: the connection, then the access check, then the idle lock.
    db.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    auth.init_app(app)
    _register_blueprints(app)
    _compose(app)
    errors.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    scheduler.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(patients.bp, url_prefix="/patients")
    app.register_blueprint(users.bp, url_prefix="/comptes")
    app.register_blueprint(audit.bp, url_prefix="/journal")
    app.register_blueprint(appointments.bp, url_prefix="/agenda")
    app.register_blueprint(records.bp, url_prefix="/soins")
    app.register_blueprint(retention.bp)
    app.register_blueprint(notices.bp, url_prefix="/information")
    app.register_blueprint(rights.bp, url_prefix="/droits")
    app.register_blueprint(compliance.bp, url_prefix="/continuite")
    app.register_blueprint(tablets.bp)
    app.register_blueprint(prescriptions.bp, url_prefix="/ordonnances")
    app.register_blueprint(billing.bp, url_prefix="/cotation")
    app.register_blueprint(governance.bp, url_prefix="/conformite")
    app.register_blueprint(reminders.bp, url_prefix="/rappels")
    app.register_blueprint(transmissions.bp, url_prefix="/transmissions")
    app.register_blueprint(handover.bp, url_prefix="/passations")


def _compose(app: Flask) -> None:
    """What a lower domain shows of the higher ones, handed to it here."""
    # The patient page's sections, each for the holders of its permission (A1).
    panels.register(
        app, "access_note.read", "patients/_access_note_panel.html", access_notes.patient_panel
    )
    panels.register(
        app, "appointment.manage", "appointments/_patient_panel.html", appointments.patient_panel
    )
    panels.register(app, "payment.record", "records/_payments_panel.html", records.payments_panel)
    panels.register(app, "record.read", "records/_panel.html", records.patient_panel)
    panels.register(app, "record.read", "prescriptions/_panel.html", prescriptions.patient_panel)
    panels.register(app, "record.read", "transmissions/_panel.html", transmissions.patient_panel)
    # The agenda's "séance 7/10", for those whose record of the patient is open.
    annotations.register(app, "record.read", prescriptions.agenda_notes)
    panels.register(
        app, "patient.admin.write", "rights/_preferences_panel.html", rights.preferences_panel
    )
    panels.register(app, "rights.register", "rights/_patient_panel.html", rights.patient_panel)
    # The register of processing states how long backups may keep a deleted file.
    notices_content.provide_backup_measures(app, rotation.register_sentence)
    # … and the DPIA indicator (G1): `governance` too sits above `notices`.
    notices_content.provide_dpia_sentence(app, dpia.register_sentence)
    # `audit` imports no domain: the journal names accounts and patients through these.
    lookups.provide(
        app,
        accounts=lambda: {user.id: (user.ref, user.display_name) for user in User.select()},
        patient_names=archive.display_names,
    )

"""Cabinet: patient management for a French liberal practice, by the CNIL référentiel."""

import hashlib
import hmac
import os
import secrets

from flask import Flask, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from cabinet import config, db, keys, security, urls

csrf = CSRFProtect()
login_manager = LoginManager()


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
    # Before any blueprint adds its rules: an id SQLite cannot hold is a 404, not a 500.
    app.url_map.converters["int"] = urls.BoundedIntConverter
    app.config.update(settings)
    if app.config["PROXY_HOPS"]:
        # The client address in traces and attempt limits is the one the proxy saw.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    open_stores(app)

    Htmx(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    _register_request_pipeline(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_templates(app)

    from cabinet import cli, scheduler

    cli.init_app(app)
    scheduler.init_app(app)
    return app


def open_stores(app: Flask, create: bool = False) -> None:
    """Load the keys and open the encrypted database, or refuse to start with one message.

    A database without its key, or a key that does not open it, stops here:
    nothing ever creates a fresh database over an existing one.
    """
    keys_dir = app.config["KEYS_PATH"]
    path = app.config["DATABASE_PATH"]
    try:
        db_key = keys.load(keys_dir, "database")
        audit_key = keys.load(keys_dir, "audit")
        archive_key = keys.load(keys_dir, "archive")
    except keys.KeyMaterialError as exc:
        raise db.StartupError(str(exc)) from None
    exists = path.exists() and path.stat().st_size > 0
    if path.exists() and not exists:
        raise db.StartupError(f"Le fichier {path} est vide : restaurez une sauvegarde.")
    if exists and (db_key is None or audit_key is None):
        missing = "de la base" if db_key is None else "du journal (audit)"
        raise db.StartupError(
            f"La base {path} existe mais la clé {missing} est introuvable "
            f"(dossier {keys_dir} ou variable d'environnement). Sans elle les données sont "
            "illisibles : restaurez la clé depuis votre sauvegarde des clés (docs/operations.md)."
        )
    if create and not exists:
        # Only `flask init` gets here: connecting creates the encrypted file.
        db.configure(db.database, path, db_key)
        db.database.connect(reuse_if_open=True)
        exists = True
    app.config["DATABASE_READY"] = exists
    app.secret_key = _derive(db_key, b"flask session") if db_key else secrets.token_hex(32)
    app.extensions["cabinet.audit_key"] = bytes.fromhex(audit_key) if audit_key else None
    if exists:
        db.configure(db.database, path, db_key)
        db.check_readable(db.database, "la base active")
    _open_archive(app, archive_key)


def _open_archive(app: Flask, archive_key: str | None) -> None:
    """The archive file is created on first use; an existing one needs its own key."""
    from cabinet.retention import archive

    path = app.config["ARCHIVE_PATH"]
    if path.exists() and path.stat().st_size > 0 and archive_key is None:
        raise db.StartupError(
            f"L'archive {path} existe mais sa clé est introuvable (archive.key ou "
            "CABINET_ARCHIVE_KEY) : restaurez la clé depuis votre sauvegarde des clés."
        )
    app.extensions["cabinet.archive_key"] = (
        bytes.fromhex(_derive(archive_key, b"archive seal")) if archive_key else None
    )
    if archive_key is not None:
        archive.configure(path, archive_key)
        if path.exists() and path.stat().st_size > 0:
            db.check_readable(archive.archive_database, "l'archive")


def _derive(hex_key: str, label: bytes) -> str:
    # A purpose-bound subkey, so the database key itself never signs a cookie.
    return hmac.new(bytes.fromhex(hex_key), label, hashlib.sha256).hexdigest()


def _register_request_pipeline(app: Flask) -> None:
    @app.before_request
    def _require_initialised_instance():
        if not app.config["DATABASE_READY"] and request.endpoint != "static":
            return render_template("errors/not_initialised.html"), 503
        return None

    db.init_app(app)
    security.init_app(app)
    from cabinet import auth

    auth.init_app(app)  # server-side sessions, then the idle lock after the access check

    from cabinet.auth.models import User

    @login_manager.user_loader
    def _load_user(user_id: str):
        user = User.get_or_none(User.id == int(user_id))
        usable = user is not None and user.is_active and user.locked_at is None
        return user if usable else None


def _register_blueprints(app: Flask) -> None:
    from cabinet.appointments import bp as appointments_bp
    from cabinet.audit import bp as audit_bp
    from cabinet.auth import bp as auth_bp
    from cabinet.home import bp as home_bp
    from cabinet.notices import bp as notices_bp
    from cabinet.patients import bp as patients_bp
    from cabinet.records import bp as records_bp
    from cabinet.retention import bp as retention_bp
    from cabinet.rights import bp as rights_bp
    from cabinet.users import bp as users_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(patients_bp, url_prefix="/patients")
    app.register_blueprint(users_bp, url_prefix="/comptes")
    app.register_blueprint(audit_bp, url_prefix="/journal")
    app.register_blueprint(appointments_bp, url_prefix="/agenda")
    app.register_blueprint(records_bp, url_prefix="/soins")
    app.register_blueprint(retention_bp)
    app.register_blueprint(notices_bp, url_prefix="/information")
    app.register_blueprint(rights_bp, url_prefix="/droits")
    _register_patient_panels(app)

    from cabinet.auth.models import User

    # `audit` imports no domain: the composition root hands it the accounts and the patients'
    # names, so the journal names them rather than showing their ids and refs.
    app.extensions["cabinet.accounts"] = lambda: {
        user.id: (user.ref, user.display_name) for user in User.select()
    }
    app.extensions["cabinet.patient_names"] = _patient_names


def _patient_names(refs: set[str]) -> dict[str, str]:
    """Names for the journal: "DUPONT Marie" in the active base, "DUPONT MARIE (archivé)"
    for an archived file; an erased file has no name left."""
    from cabinet.patients.models import Patient
    from cabinet.retention.archive import ArchivedFile, ensure_schema

    rows = Patient.select(Patient.ref, Patient.last_name, Patient.first_names).where(
        Patient.ref.in_(list(refs))
    )
    names = {p.ref: f"{p.last_name.upper()} {p.first_names}" for p in rows}
    missing = list(refs - set(names))
    if missing:
        ensure_schema()
        archived = ArchivedFile.select(ArchivedFile.ref, ArchivedFile.search_key).where(
            ArchivedFile.ref.in_(missing)
        )
        names.update({a.ref: f"{a.search_key.upper()} (archivé)" for a in archived})
    return names


def _register_patient_panels(app: Flask) -> None:
    """Sections of the patient page supplied by the domains above `patients`, each shown only
    to holders of its permission: the secretary's page and the practitioner's differ here."""
    from cabinet.appointments import patient_panel as appointments_panel
    from cabinet.records import patient_panel as record_panel
    from cabinet.records import payments_panel
    from cabinet.rights import patient_panel as rights_panel
    from cabinet.rights import preferences_panel

    app.extensions["cabinet.patient_panels"] = [
        ("appointment.manage", "appointments/_patient_panel.html", appointments_panel),
        ("payment.record", "records/_payments_panel.html", payments_panel),
        ("record.read", "records/_panel.html", record_panel),
        ("patient.admin.write", "rights/_preferences_panel.html", preferences_panel),
        ("rights.register", "rights/_patient_panel.html", rights_panel),
    ]


ERROR_MESSAGES = {
    400: (
        "Requête invalide",
        "La demande n'a pas pu être comprise. Rechargez la page et réessayez.",
    ),
    403: ("Accès refusé", "Votre profil ne permet pas d'accéder à cette page."),
    404: ("Page introuvable", "Cette page n'existe pas, ou plus."),
    405: ("Action impossible", "Cette action n'est pas permise à cette adresse."),
    413: ("Envoi trop volumineux", "Les données envoyées dépassent la taille permise."),
    500: (
        "Erreur du logiciel",
        "Une erreur est survenue ; rien n'a été enregistré. L'incident est tracé.",
    ),
}


def _register_errors(app: Flask) -> None:
    def render_error(status: int, message: str | None = None):
        title, text = ERROR_MESSAGES[status]
        return render_template("errors/error.html", title=title, text=message or text), status

    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, lambda exc, s=status: render_error(s))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return render_error(
            400, "Le formulaire a expiré ou n'est pas authentique. Rechargez la page et réessayez."
        )

    from cabinet.audit import trace

    @app.errorhandler(500)
    def _server_error(exc):
        # Whatever state the failed request left (no transaction, one open, one half-failed):
        # roll it back, then keep a durable trace of the error alone, in its own transaction.
        cause = getattr(exc, "original_exception", None) or exc
        if app.config["DATABASE_READY"]:
            try:
                db.abandon_transactions()
                with db.database.atomic():
                    trace(
                        _actor_or_none(),
                        "system.error",
                        target=request.endpoint or "",
                        detail=type(cause).__name__,
                        outcome="error",
                    )
            except Exception:
                app.logger.exception("The error could not be traced")
        try:
            return render_error(500)
        except Exception:
            # The page itself needs the database (menu, settings): say it plainly without it.
            app.logger.exception("The error page could not be rendered")
            return FALLBACK_ERROR_PAGE, 500, {"Content-Type": "text/html; charset=utf-8"}


def _actor_or_none():
    from flask_login import current_user

    try:
        return current_user._get_current_object() if current_user.is_authenticated else None
    except Exception:
        return None


FALLBACK_ERROR_PAGE = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur · Cabinet</title>'
    "<h1>Erreur du logiciel</h1><p>Une erreur est survenue ; rien n'a été enregistré. "
    "Rechargez la page dans un instant.</p></html>"
)


def _register_templates(app: Flask) -> None:
    from cabinet import formatting

    formatting.init_app(app)

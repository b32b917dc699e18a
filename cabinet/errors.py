"""French error pages (400, 403, 404, 405, 413, 500), and the trace of a software error."""

from flask import Flask, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from cabinet import db, htmx
from cabinet.audit import lookups, trace

MESSAGES = {
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
CSRF_MESSAGE = "Le formulaire a expiré ou n'est pas authentique. Rechargez la page et réessayez."
# When even the page cannot be rendered (its menu needs the database): said plainly.
FALLBACK_PAGE = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur · Cabinet</title>'
    "<h1>Erreur du logiciel</h1><p>Une erreur est survenue ; rien n'a été enregistré. "
    "Rechargez la page dans un instant.</p></html>"
)


def render_error(status: int, message: str | None = None):
    """The French error page; to an htmx request, only its message, in place of the page's
    main content: the whole page swapped into the small target that asked (a search's
    results, an agenda) would nest a page in a page (found in a walk-through)."""
    title, text = MESSAGES[status]
    response = htmx.render(
        "errors/error.html", "errors/_error.html", status=status, title=title, text=message or text
    )
    if htmx.is_fragment_request():
        htmx.retarget(response, "#main", "innerHTML")
    return response


def _actor():
    try:
        return current_user._get_current_object() if current_user.is_authenticated else None
    except Exception:  # the user loader itself may be what failed
        return None


def _server_error(app: Flask, exc):
    # Whatever state the failed request left (no transaction, one open, one half-failed):
    # roll it back, then keep a durable trace of the error alone, in its own transaction.
    cause = getattr(exc, "original_exception", None) or exc
    if app.config["DATABASE_READY"]:
        try:
            db.abandon_transactions()
            with db.database.atomic():
                trace(
                    _actor(),
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
        app.logger.exception("The error page could not be rendered")
        return FALLBACK_PAGE, 500, {"Content-Type": "text/html; charset=utf-8"}


def _refused(app: Flask):
    """A page refused to a signed-in account is a technical trace (T1): who asked, which
    page, about which patient when its address names one. Written alone, after the request
    rolled back whatever it had begun. (A view that traces a refusal of its own answers it
    itself — a closed handover's page — and never comes here.)"""
    user = _actor()
    if user is not None and app.config["DATABASE_READY"]:
        try:
            db.abandon_transactions()
            # The patient the address names, if it names one: a ref typed wrong would
            # otherwise read « Dossier effacé » in the journal.
            ref = (request.view_args or {}).get("patient_ref")
            trace(
                user,
                "access.refused",
                patient=ref if ref and lookups.patient_names({ref}) else None,
                target=request.endpoint or "",
                detail="page demandée" if request.method == "GET" else "formulaire envoyé",
                outcome="refused",
            )
        except Exception:
            app.logger.exception("The refusal could not be traced")
    return render_error(403)


def init_app(app: Flask) -> None:
    for status in (400, 404, 405, 413):
        app.register_error_handler(status, lambda exc, s=status: render_error(s))
    app.register_error_handler(403, lambda exc: _refused(app))
    app.register_error_handler(CSRFError, lambda exc: render_error(400, CSRF_MESSAGE))
    app.register_error_handler(500, lambda exc: _server_error(app, exc))

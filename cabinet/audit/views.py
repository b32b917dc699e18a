"""The journal viewer and its CSV export (admin: audit.read)."""

from flask import current_app, render_template, request, stream_with_context, url_for
from flask_login import current_user

from cabinet.audit import bp, services, targets
from cabinet.audit.actions import label
from cabinet.audit.forms import TraceFilterForm
from cabinet.db import READINGS_SLOTS
from cabinet.htmx import render


def _accounts() -> dict:
    return current_app.extensions.get("cabinet.accounts", lambda: {})()


def _form(accounts: dict) -> TraceFilterForm:
    form = TraceFilterForm(request.args)
    ordered = sorted(accounts.items(), key=lambda item: item[1][1])
    form.actor.choices = [("", "Tous")] + [(str(i), name) for i, (_, name) in ordered]
    return form


def _patient_names(refs) -> dict[str, str]:
    # `audit` knows no patient model: the composition root looks the names up (admin only:
    # the journal's readers may see identities, never care content).
    refs = {ref for ref in refs if ref}
    lookup = current_app.extensions.get("cabinet.patient_names", lambda refs: {})
    return lookup(refs) if refs else {}


def _context(form, rows, accounts, more_url=None) -> dict:
    names = _patient_names([row.patient_ref for row in rows] + [form.patient.data])
    return {
        "form": form,
        "rows": rows,
        "more_url": more_url,
        "label": label,
        "names": names,
        "chosen_patient": names.get(form.patient.data) if form.patient.data else None,
        "all_patients_url": url_for(
            "audit.index",
            **{k: v for k, v in request.args.items() if k not in ("patient", "avant")},
        ),
        "target": lambda row: targets.describe(row.target, accounts),
        "detail": lambda row: targets.detail(row.action, row.detail),
    }


def _more_url(following: tuple | None) -> str | None:
    if following is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "avant"}
    return url_for("audit.index", **args, avant="-".join(str(seq or 0) for seq in following))


def _before(value: str | None) -> tuple | None:
    """Where a page starts: per journal (`journals.every()` order), the number to page back
    from ("120-4518-77"; 0 for none yet). Anything else is the first page."""
    parts = (value or "").split("-")
    if not 2 <= len(parts) <= 1 + READINGS_SLOTS or not all(
        part.isdigit() and len(part) < 19 for part in parts
    ):
        return None
    return tuple(int(part) or None for part in parts)


@bp.route("/")
def index():
    """Search the traces by period, user, patient and action, newest first. Admin."""
    accounts = _accounts()
    form = _form(accounts)
    rows, following = [], None
    if form.validate():
        before = _before(request.args.get("avant"))
        rows, following = services.journal(current_user, form.filters(), before)
    context = _context(form, rows, accounts, _more_url(following))
    return render("audit/index.html", "audit/_rows.html", **context)


@bp.route("/export.csv")
def export():
    """The selected traces as CSV, raw values for auditors (the export itself is traced).
    Admin."""
    accounts = _accounts()
    form = _form(accounts)
    if not form.validate():
        return render_template("audit/index.html", **_context(form, [], accounts)), 422
    filters = form.filters()
    actor = accounts.get(filters["actor_id"], (None, None))[1]
    rows = services.export(current_user, filters, form.described(actor)[:200])
    response = current_app.response_class(
        stream_with_context(services.csv_lines(rows)), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="journal-cabinet.csv"'
    return response

"""The journal viewer and its CSV export (admin: audit.read)."""

from flask import current_app, render_template, request, stream_with_context, url_for
from flask_login import current_user

from cabinet.audit import bp, services
from cabinet.audit.actions import label
from cabinet.audit.forms import TraceFilterForm
from cabinet.htmx import render
from cabinet.urls import query_int


def _form() -> TraceFilterForm:
    form = TraceFilterForm(request.args)
    actors = current_app.extensions.get("cabinet.actor_choices", lambda: [])()
    form.actor.choices = [("", "Tous")] + [(str(i), name) for i, name in actors]
    return form


@bp.route("/")
def index():
    """Search the traces by period, user, patient ref and action, newest first. Admin."""
    form = _form()
    rows, next_seq = [], None
    if form.validate():
        before = request.args.get("avant", type=query_int)
        rows = list(
            services.search(**form.filters(), before_seq=before, limit=services.PAGE_SIZE + 1)
        )
        if len(rows) > services.PAGE_SIZE:
            rows = rows[: services.PAGE_SIZE]
            next_seq = rows[-1].seq
        services.trace(
            current_user, "audit.view", target="trace", detail=f"{len(rows)} trace(s) affichée(s)"
        )
    more_url = None
    if next_seq is not None:
        args = {k: v for k, v in request.args.items() if k != "avant"}
        more_url = url_for("audit.index", **args, avant=next_seq)
    return render(
        "audit/index.html", "audit/_rows.html", form=form, rows=rows, more_url=more_url, label=label
    )


@bp.route("/export.csv")
def export():
    """The selected traces as CSV (the export itself is traced). Admin."""
    form = _form()
    if not form.validate():
        return render_template(
            "audit/index.html", form=form, rows=[], more_url=None, label=label
        ), 422
    filters = form.filters()
    described = ", ".join(f"{k}={v}" for k, v in filters.items() if v is not None) or "tout"
    services.trace(current_user, "audit.export", target="trace", detail=described[:200])
    rows = services.search(**filters, limit=None)
    response = current_app.response_class(
        stream_with_context(services.csv_lines(rows.iterator())), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="journal-cabinet.csv"'
    return response

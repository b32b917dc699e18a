import datetime

from wtforms import HiddenField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from cabinet.audit.actions import ACTIONS
from cabinet.formatting import paris_midnight_utc
from cabinet.forms import DateField, FrenchForm, choices
from cabinet.urls import query_int


class TraceFilterForm(FrenchForm):
    """Filters of the journal viewer. GET, so no name is ever typed into the URL: the patient
    is chosen by a link (a row of the journal, the patient's page), which carries the ref."""

    class Meta:
        csrf = False

    start = DateField("Du", validators=[Optional()])
    end = DateField("Au (inclus)", validators=[Optional()])
    actor = SelectField("Utilisateur", choices=[], validate_choice=False, default="")
    patient = HiddenField(validators=[Optional(), Length(max=40)])
    action = SelectField(
        "Action",
        choices=choices([("", "Toutes")] + sorted(ACTIONS.items(), key=lambda a: a[1])),
        default="",
    )

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("La fin de la période précède son début.")

    def period(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """UTC bounds [start, end) from the dates chosen in Paris time."""
        start = paris_midnight_utc(self.start.data) if self.start.data else None
        end = (
            paris_midnight_utc(self.end.data + datetime.timedelta(days=1))
            if self.end.data
            else None
        )
        return start, end

    def described(self, actor_name: str | None) -> str:
        """The filters in French, for the trace of an export (the patient, if chosen, goes in
        the trace's own patient column)."""
        parts = []
        if self.start.data:
            parts.append(f"du {self.start.data:%d/%m/%Y}")
        if self.end.data:
            parts.append(f"au {self.end.data:%d/%m/%Y}")
        if actor_name:
            parts.append(f"utilisateur {actor_name}")
        if self.patient.data:
            parts.append("un patient")
        if self.action.data:
            parts.append(f"action « {ACTIONS.get(self.action.data, self.action.data)} »")
        return ", ".join(parts) or "tout le journal"

    def filters(self) -> dict:
        start, end = self.period()
        try:
            actor_id = query_int(self.actor.data or "")
        except ValueError:
            actor_id = None
        return {
            "start": start,
            "end": end,
            "actor_id": actor_id,
            "patient_ref": (self.patient.data or "").strip() or None,
            "action": self.action.data or None,
        }

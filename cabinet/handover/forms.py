"""The handover form: the locum, the dates, then the patients of the period to confide."""

from wtforms import SelectField, SelectMultipleField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from cabinet.forms import DateField, FrenchForm


class HandoverForm(FrenchForm):
    # The service says why an unknown or ended account cannot be chosen.
    locum = SelectField(
        "Remplaçant", validators=[DataRequired("Choisissez un remplaçant.")], validate_choice=False
    )
    starts = DateField("Du", validators=[DataRequired("Indiquez une date de début valide.")])
    ends = DateField("Au (inclus)", validators=[DataRequired("Indiquez une date de fin valide.")])
    # The choices are the period's patients, known only once the dates are: checked by the
    # service against that list, not by WTForms.
    patients = SelectMultipleField(
        "Patients confiés",
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def __init__(self, locums, **kwargs):
        super().__init__(**kwargs)
        self.locum.choices = [("", "— Choisir —")] + [
            (u.ref, f"{u.display_name} (compte jusqu'au {u.end_date:%d/%m/%Y})") for u in locums
        ]

    def offer(self, patients, confirming: bool) -> list:
        """Show the period's patients as checkboxes (all checked at first); the chosen ones."""
        self.patients.choices = [
            (p.ref, f"{p.last_name.upper()} {p.used_first_name or p.first_names}") for p in patients
        ]
        if not confirming:
            self.patients.data = [p.ref for p in patients]
        chosen = set(self.patients.data or [])
        return [p for p in patients if p.ref in chosen]

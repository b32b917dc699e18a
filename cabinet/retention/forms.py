"""Forms of the retention pages: finding an archived file, the reason to read it, a dry
run."""

import datetime

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from cabinet.forms import DateField, FrenchForm, choices
from cabinet.patients.identity import search_key

READ_REASONS = {
    "returning": "Le patient revient consulter",
    "request": "Demande du patient (droit d'accès)",
    "continuity": "Continuité des soins (demande d'un confrère)",
    "legal": "Demande d'une autorité ou contentieux",
}


class ArchiveSearchForm(FrenchForm):
    q = StringField("Nom du patient", validators=[DataRequired("Indiquez un nom."), Length(max=80)])

    def validate_q(self, field):
        if not search_key(field.data):
            raise ValidationError("Indiquez un nom : des lettres ou des chiffres.")


class ReasonForm(FrenchForm):
    reason = SelectField(
        "Motif de la consultation",
        choices=choices([("", "— Choisir —")] + list(READ_REASONS.items())),
        validators=[DataRequired("Choisissez un motif : la consultation est tracée.")],
    )


class SimulationForm(FrenchForm):
    as_of = DateField("À la date du", validators=[DataRequired("Indiquez une date valide.")])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.is_submitted():
            self.as_of.data = datetime.date.today()

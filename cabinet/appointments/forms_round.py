"""The round's forms: which visit moves, which way; the kilometres of the day."""

from wtforms import DecimalField, HiddenField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import TextInput

from cabinet.forms import DateField, FrenchForm, choices

DIRECTIONS = {"up": -1, "down": 1}


class CommaDecimalField(DecimalField):
    """A decimal typed the French way ("42,5") or the other ("42.5"): a text box (a number
    box refuses the comma on some tablets), with the decimal keypad."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        super().process_formdata([value.replace(",", ".").strip() for value in valuelist])


class RoundDayForm(FrenchForm):
    """Whose round, which day (hidden fields of every round form)."""

    praticien = HiddenField(validators=[DataRequired("Praticien manquant.")])
    jour = DateField(validators=[DataRequired("Indiquez une date valide.")])


class MoveForm(RoundDayForm):
    rdv = HiddenField(validators=[DataRequired("Visite manquante.")])
    sens = SelectField(choices=choices({"up": "Monter", "down": "Descendre"}))

    @property
    def step(self) -> int:
        return DIRECTIONS[self.sens.data]


class KilometresForm(RoundDayForm):
    km = CommaDecimalField(
        "Kilomètres parcourus ce jour-là",
        validators=[Optional(), NumberRange(0, 999.9, "Entre 0 et 999,9 km.")],
        places=1,
        description="Saisis une fois pour la journée : ils préremplissent les IK de la cotation.",
    )

"""The transmission form: a target and three short texts, each bounded, framed by the
reminder of what may be written (X6)."""

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cabinet.forms import FrenchForm
from cabinet.transmissions.models import FIELDS

REMINDER = (
    "Transmission ciblée : une cible, puis ce qui a été observé, fait et obtenu. Seulement ce "
    "qui sert à la continuité des soins, factuel et sans jugement : le patient peut demander "
    "à la lire, et seule l'équipe de soins la voit."
)


def _clean(value):
    return " ".join((value or "").split())


def _text(name: str, required: bool = False):
    label, maximum, help_text = FIELDS[name]
    kind = StringField if name == "target" else TextAreaField
    first = DataRequired("Indiquez la cible de la transmission.") if required else Optional()
    return kind(
        label,
        validators=[first, Length(max=maximum, message=f"{maximum} caractères au plus.")],
        filters=[_clean],
        render_kw={"maxlength": maximum, "rows": 3}
        if kind is TextAreaField
        else {"maxlength": maximum},
        description=f"{help_text} {maximum} caractères au plus.",
    )


class TransmissionForm(FrenchForm):
    target = _text("target", required=True)
    data = _text("data")
    actions = _text("actions")
    results = _text("results")

    def validate_results(self, field):
        if not (self.data.data or self.actions.data or field.data):
            raise ValidationError("Écrivez au moins les données, les actions ou les résultats.")

    def cleaned(self) -> dict:
        return {name: getattr(self, name).data or "" for name in FIELDS}

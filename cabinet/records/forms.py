"""Care-record forms: lists first; the few free texts are bounded and framed (X6)."""

import datetime

from wtforms import (
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from cabinet import dates
from cabinet.formatting import euros
from cabinet.forms import DateField, FrenchForm, choices
from cabinet.patients.forms import care_team_note, care_team_reason
from cabinet.records.models import ITEM_KINDS, MEASUREMENT_UNITS, PAYMENT_MODES

REMINDER = (
    "Écrivez seulement ce qui est utile aux soins, de façon objective et sans jugement : "
    "le patient peut demander à lire son dossier."
)


def _clean(value):
    return " ".join((value or "").split())


def errors_of(form: FrenchForm) -> str:
    """Every message of a refused form on one line (for a flash after a redirect)."""
    return " ".join(message for messages in form.errors.values() for message in messages)


class ItemForm(FrenchForm):
    kind = SelectField("Type", choices=choices(ITEM_KINDS))
    label = StringField(
        "Intitulé",
        validators=[DataRequired("Indiquez un intitulé."), Length(max=120)],
        filters=[_clean],
        description="120 caractères au plus.",
    )
    value = DecimalField("Valeur (mesures)", validators=[Optional()], places=2)
    unit = SelectField(
        "Unité", choices=choices([("", "—")] + list(MEASUREMENT_UNITS.items())), default=""
    )
    observed_on = DateField("Date", validators=[Optional()])
    note = StringField(
        "Précision",
        validators=[Optional(), Length(max=300)],
        filters=[_clean],
        description=f"300 caractères au plus. {REMINDER}",
    )

    @classmethod
    def for_correction(cls, item) -> "ItemForm":
        """Prefilled with the latest version; the kind is the item's, whatever is posted."""
        form = cls(obj=item.latest_version(), kind=item.kind)
        form.kind.data = item.kind
        return form

    def version(self) -> dict:
        """What a version holds, as the services take it."""
        return {
            "label": self.label.data,
            "value": self.value.data,
            "unit": self.unit.data,
            "observed_on": self.observed_on.data,
            "note": self.note.data,
        }

    def cleaned(self) -> dict:
        return {"kind": self.kind.data, **self.version()}

    def validate_observed_on(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("La date ne peut pas être dans le futur.")

    def validate_value(self, field):
        if self.kind.data == "measurement" and field.data is None:
            raise ValidationError("Une mesure a besoin d'une valeur.")
        if field.data is not None and not self.unit.data:
            raise ValidationError("Précisez l'unité de la mesure.")


class SessionForm(FrenchForm):
    session_date = DateField(
        "Date de la séance", validators=[DataRequired("Indiquez une date valide.")]
    )
    acts = SelectMultipleField(
        "Actes réalisés", choices=[], validators=[DataRequired("Choisissez au moins un acte.")]
    )
    pain_score = IntegerField(
        "Douleur (EVA 0 à 10)", validators=[Optional(), NumberRange(0, 10, "Entre 0 et 10.")]
    )
    range_of_motion = IntegerField(
        "Amplitude articulaire (degrés)",
        validators=[Optional(), NumberRange(0, 360, "Entre 0 et 360 degrés.")],
    )
    weight = DecimalField(
        "Poids (kg)", validators=[Optional(), NumberRange(0.3, 400, "Poids invalide.")], places=1
    )
    note = StringField(
        "Observation",
        validators=[Optional(), Length(max=300)],
        filters=[_clean],
        description=f"300 caractères au plus. {REMINDER}",
    )
    paid = SelectField(
        "Paiement",
        choices=choices([("", "Pas encore réglé")] + list(PAYMENT_MODES.items())),
        default="",
    )

    def __init__(self, acts, **kwargs):
        super().__init__(**kwargs)
        self._acts = {str(act.id): act for act in acts}
        self.acts.choices = [
            (key, f"{act.code} — {act.label} ({euros(act.fee)})") for key, act in self._acts.items()
        ]
        if not self.is_submitted():
            self.session_date.data = datetime.date.today()

    def cleaned(self) -> dict:
        """The session as `services.record_session` takes it (each act done once)."""
        return {
            "session_date": self.session_date.data,
            "acts": [(self._acts[key], 1) for key in self.acts.data if key in self._acts],
            "pain_score": self.pain_score.data,
            "range_of_motion": self.range_of_motion.data,
            "note": self.note.data,
            "paid_mode": self.paid.data or None,
            "weight": self.weight.data,
        }

    def validate_session_date(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("Une séance ne peut pas être enregistrée à l'avance.")


class BreakGlassForm(FrenchForm):
    reason = care_team_reason("Motif", "Choisissez un motif : l'accès est tracé et signalé.")
    note = care_team_note()


class PaymentForm(FrenchForm):
    patient_ref = StringField(validators=[DataRequired("Choisissez le patient.")])
    received_on = DateField("Date", validators=[DataRequired("Indiquez une date valide.")])
    act = SelectField("Acte", choices=[])
    amount = DecimalField(
        "Montant (€)",
        validators=[
            InputRequired("Indiquez le montant."),
            NumberRange(0.01, 100000, "Montant invalide."),
        ],
        places=2,
    )
    payment_mode = SelectField("Mode de paiement", choices=choices(PAYMENT_MODES))

    def __init__(self, acts, **kwargs):
        super().__init__(**kwargs)
        self._acts = {str(act.id): act for act in acts}
        self.act.choices = [
            (key, f"{act.code} ({euros(act.fee)})") for key, act in self._acts.items()
        ]

    def cleaned(self) -> dict:
        """The payment as `billing.record_payment` takes it (the patient apart)."""
        return {
            "received_on": self.received_on.data,
            "act": self._acts[self.act.data],
            "amount": self.amount.data,
            "mode": self.payment_mode.data,
        }


class MonthForm(FrenchForm):
    class Meta:
        csrf = False

    month = StringField("Mois (AAAA-MM)", validators=[Optional(), Length(max=7)])

    def period(self) -> tuple[datetime.date, datetime.date]:
        first = dates.parse_day((self.month.data or "") + "-01")
        first = first or datetime.date.today().replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return first, following - datetime.timedelta(days=1)

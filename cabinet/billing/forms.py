"""Cotation forms: the visit to price, a payment, a new tariff version (admin)."""

import datetime

from wtforms import (
    BooleanField,
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from cabinet.appointments import rounds
from cabinet.billing import tariffs
from cabinet.billing.pricing import PROFESSIONS, ZONES, euros, number
from cabinet.billing.services import Visit
from cabinet.forms import DateField, FrenchForm, choices
from cabinet.prescriptions.models import Prescription
from cabinet.records.models import PAYMENT_MODES


class VisitForm(FrenchForm):
    day = DateField("Date de la visite", validators=[DataRequired("Indiquez une date valide.")])
    time = TimeField("Heure du passage", validators=[DataRequired("Indiquez une heure valide.")])
    acts = SelectMultipleField(
        "Actes réalisés",
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Choisissez au moins un acte.")],
    )
    prescription = SelectField("Ordonnance", choices=[])
    home = BooleanField("Visite à domicile (IFD)")
    km = DecimalField(
        "Distance du cabinet au domicile, aller (km)",
        validators=[Optional(), NumberRange(0, 300, "Entre 0 et 300 km.")],
        places=1,
    )
    zone = SelectField("Zone des IK", choices=choices(ZONES), default="plain")
    urgent = BooleanField("Appel urgent (majoration du dimanche dès le samedi 8 h)")
    palliative = BooleanField("Soins palliatifs à domicile (MCI)")

    def __init__(self, acts, prescriptions, day_km=None, **kwargs):
        super().__init__(**kwargs)
        self.day_km = day_km
        self._prescriptions = {p.ref: p for p in prescriptions}
        self.acts.choices = [
            (
                row.ident,
                f"{row.key} {number(row.coefficient)} — {row.label} ({PROFESSIONS[row.profession]})"
                + ("" if row.confirmed else " [à confirmer]"),
            )
            for row in sorted(acts, key=lambda r: (r.profession, r.key, r.coefficient))
        ]
        self.prescription.choices = [("", "— Sans ordonnance —")] + [
            (p.ref, f"{p.prescriber_name}, {p.prescribed_on:%d/%m/%Y}") for p in prescriptions
        ]
        if not self.is_submitted():
            now = datetime.datetime.now()
            self.day.data, self.time.data = now.date(), now.time().replace(second=0, microsecond=0)
            if prescriptions:
                self.prescription.data = prescriptions[0].ref
                self.home.data = prescriptions[0].home_care
            # The kilometres of today's round, entered once on the round (rounds.py).
            if day_km is not None:
                self.km.data = day_km

    @classmethod
    def for_patient(cls, user, patient) -> "VisitForm":
        """The acts in force today, the patient's prescriptions, and the kilometres of the
        user's round today (entered once on the round) as the IK's starting value."""
        today = datetime.date.today()
        return cls(
            tariffs.acts_in_force(today).values(),
            list(Prescription.of_patient(patient)),
            day_km=rounds.day_kilometres(user, today),
        )

    def visit(self) -> Visit:
        return Visit(
            day=self.day.data,
            time=self.time.data,
            act_idents=list(self.acts.data),
            prescription=self._prescriptions.get(self.prescription.data),
            home=self.home.data,
            km=self.km.data or 0,
            zone=self.zone.data,
            urgent=self.urgent.data,
            palliative=self.palliative.data,
        )


class PaidForm(FrenchForm):
    mode = SelectField("Mode de paiement", choices=choices(PAYMENT_MODES))


class TariffForm(FrenchForm):
    tariff = SelectField("Tarif", choices=[])
    amount = DecimalField(
        "Nouvelle valeur (€ ou km)",
        validators=[InputRequired("Indiquez la valeur."), NumberRange(0, 1000, "Valeur invalide.")],
        places=2,
    )
    effective_from = DateField(
        "En vigueur à partir du", validators=[DataRequired("Indiquez une date valide.")]
    )
    source = StringField(
        "Source (avenant, arrêté, date de publication)",
        validators=[DataRequired("Indiquez la source publiée."), Length(max=200)],
    )
    confirmed = BooleanField("Valeur vérifiée sur le texte publié", default=True)

    def __init__(self, tariff_choices, **kwargs):
        super().__init__(**kwargs)
        self.tariff.choices = tariff_choices


def money_label(value) -> str:
    return euros(value)

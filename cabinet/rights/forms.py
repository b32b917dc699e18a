"""Forms of the rights pages: a new request, closing it, the patient's preferences."""

import datetime

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cabinet.forms import DateField, FrenchForm, choices
from cabinet.rights.models import KINDS


class RequestForm(FrenchForm):
    requester = StringField(
        "Demandeur", validators=[DataRequired("Indiquez qui fait la demande."), Length(max=120)]
    )
    kind = SelectField("Droit exercé", choices=choices(KINDS))
    received_on = DateField("Reçue le", validators=[DataRequired("Indiquez une date valide.")])
    identity_checked = BooleanField("Identité du demandeur vérifiée")
    old_information = BooleanField("Informations médicales de plus de 5 ans (délai de 2 mois)")
    patient_ref = StringField(validators=[Optional(), Length(max=40)])

    def __init__(self, patient_ref: str = "", **kwargs):
        super().__init__(**kwargs)
        if not self.is_submitted():
            # A new request: received today, attached to the file it was opened from.
            self.received_on.data = datetime.date.today()
            self.patient_ref.data = patient_ref

    def cleaned(self) -> dict:
        """The request as `services.create_request` takes it."""
        return {
            "requester": self.requester.data.strip(),
            "kind": self.kind.data,
            "received_on": self.received_on.data,
            "identity_checked": self.identity_checked.data,
            "old_information": self.old_information.data,
            "patient_ref": self.patient_ref.data or "",
        }

    def validate_received_on(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("La date de réception ne peut pas être dans le futur.")


class CloseForm(FrenchForm):
    status = SelectField("Issue", choices=choices({"answered": "Répondu", "refused": "Refusé"}))
    answer = TextAreaField(
        "Réponse (résumé)",
        validators=[Optional(), Length(max=2000)],
        description="Ce qui a été remis et comment ; aucune information médicale ici.",
    )


class PreferencesForm(FrenchForm):
    reminders = BooleanField("Le patient accepte les rappels de rendez-vous")
    sharing_objection = BooleanField(
        "Le patient s'oppose au partage de son dossier au sein du cabinet"
    )

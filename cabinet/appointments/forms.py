"""Booking forms: every reason is picked from a list; the only free texts are short,
bounded and framed as administrative (X6)."""

import datetime

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from cabinet.appointments.models import ABSENCE_KINDS, CANCEL_REASONS, LOCATIONS
from cabinet.appointments.schedule import WEEKDAYS
from cabinet.forms import DateField, FrenchForm, choices
from cabinet.patients import care_team

NOTE_HELP = (
    "Note administrative, 140 caractères au plus (ex. « sonner deux fois »). "
    "Aucune information médicale : elle est visible par le secrétariat."
)
ACCESS_HELP = "Digicode, étage, boîte à clés… 120 caractères au plus. Aucune information médicale."
SCOPES = {
    "one": "Ce rendez-vous seulement",
    "following": "Ce rendez-vous et les suivants de la série",
}


def _clean(value):
    return " ".join((value or "").split())


class _Place(FrenchForm):
    location = RadioField("Lieu", choices=choices(LOCATIONS), default="practice")
    visit_address = StringField(
        "Autre adresse pour cette visite",
        validators=[Optional(), Length(max=200)],
        filters=[_clean],
        description="Laisser vide pour l'adresse de la fiche du patient.",
    )
    access_info = StringField(
        "Informations d'accès",
        validators=[Optional(), Length(max=120)],
        description=ACCESS_HELP,
        filters=[_clean],
    )
    note = StringField(
        "Note", validators=[Optional(), Length(max=140)], description=NOTE_HELP, filters=[_clean]
    )


class _TakingOn(FrenchForm):
    """Asked when a practitioner books herself a patient followed by colleagues: taking the
    patient on opens the care record, so the reason is stated and traced (A2)."""

    team_reason = SelectField(
        "Motif de la prise en charge",
        choices=choices([("", "— Choisir —")] + list(care_team.REASONS.items())),
        validators=[Optional()],
    )
    team_note = StringField(
        "Précision (facultatif)", validators=[Optional(), Length(max=200)], filters=[_clean]
    )


class AppointmentForm(_Place, _TakingOn):
    patient_ref = HiddenField(validators=[DataRequired("Choisissez le patient.")])
    practitioner = SelectField("Praticien", choices=[])
    appointment_type = SelectField("Type de rendez-vous", choices=[])
    day = DateField("Date", validators=[DataRequired("Indiquez une date valide.")])
    time = TimeField("Heure", validators=[DataRequired("Indiquez une heure valide.")])

    def validate_day(self, field):
        if field.data and field.data < datetime.date.today() - datetime.timedelta(days=1):
            raise ValidationError("Cette date est passée.")


class SeriesForm(_Place, _TakingOn):
    patient_ref = HiddenField(validators=[DataRequired("Choisissez le patient.")])
    practitioner = SelectField("Praticien", choices=[])
    appointment_type = SelectField("Type de séance", choices=[])
    count = IntegerField(
        "Nombre de séances",
        validators=[
            InputRequired("Indiquez le nombre de séances."),
            NumberRange(1, 60, "Entre 1 et 60 séances."),
        ],
        default=10,
    )
    weekdays = SelectMultipleField(
        "Jours",
        choices=choices([(str(i), d.capitalize()) for i, d in enumerate(WEEKDAYS)]),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Cochez au moins un jour.")],
    )
    time = TimeField("Heure", validators=[DataRequired("Indiquez une heure valide.")])
    first_date = DateField("À partir du", validators=[DataRequired("Indiquez une date valide.")])
    confirm = BooleanField()

    def validate_first_date(self, field):
        if field.data and field.data < datetime.date.today():
            raise ValidationError("La série ne peut pas commencer dans le passé.")


class MoveForm(FrenchForm):
    day = DateField("Nouvelle date", validators=[DataRequired("Indiquez une date valide.")])
    time = TimeField("Nouvelle heure", validators=[DataRequired("Indiquez une heure valide.")])
    scope = RadioField("Portée", choices=choices(SCOPES), default="one")


class CancelForm(FrenchForm):
    reason = SelectField(
        "Motif",
        choices=choices([("", "— Choisir —")] + list(CANCEL_REASONS.items())),
        validators=[DataRequired("Choisissez un motif d'annulation.")],
    )
    scope = RadioField("Portée", choices=choices(SCOPES), default="one")


class MarkForm(FrenchForm):
    status = SelectField("Statut", choices=choices({"honoured": "Honoré", "missed": "Non honoré"}))


class QuickPatientForm(FrenchForm):
    """The minimum identity to book a new patient; the file is completed later."""

    birth_name = StringField(
        "Nom de naissance", validators=[DataRequired("Indiquez le nom."), Length(max=80)]
    )
    first_names = StringField(
        "Prénom(s)", validators=[DataRequired("Indiquez le prénom."), Length(max=120)]
    )
    birth_date = DateField(
        "Date de naissance", validators=[DataRequired("Indiquez une date de naissance valide.")]
    )
    sex = SelectField(
        "Sexe", choices=choices({"F": "Féminin", "M": "Masculin", "I": "Indéterminé"})
    )
    phone = StringField("Téléphone", validators=[Optional(), Length(max=25)])

    def validate_birth_date(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("La date de naissance ne peut pas être dans le futur.")


class AbsenceForm(FrenchForm):
    practitioner = SelectField("Praticien", choices=[])
    kind = SelectField("Motif", choices=choices(ABSENCE_KINDS))
    first_day = DateField("Du", validators=[DataRequired("Indiquez une date valide.")])
    last_day = DateField("Au (inclus)", validators=[DataRequired("Indiquez une date valide.")])

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError("La fin de l'absence précède son début.")


class OpeningHoursForm(FrenchForm):
    practitioner = SelectField("Praticien", choices=[])
    weekday = SelectField(
        "Jour", choices=choices([(str(i), d.capitalize()) for i, d in enumerate(WEEKDAYS)])
    )
    opens = TimeField("Ouverture", validators=[DataRequired("Indiquez une heure valide.")])
    closes = TimeField("Fermeture", validators=[DataRequired("Indiquez une heure valide.")])

    def validate_closes(self, field):
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError("La fermeture doit suivre l'ouverture.")


class AppointmentTypeForm(FrenchForm):
    name = StringField("Nom", validators=[DataRequired("Indiquez un nom."), Length(max=60)])
    duration_minutes = IntegerField(
        "Durée (minutes)",
        validators=[
            InputRequired("Indiquez une durée."),
            NumberRange(5, 480, "Entre 5 et 480 minutes."),
        ],
    )
    is_home_visit = BooleanField("Visite à domicile par défaut")
    active = BooleanField("Proposé à la prise de rendez-vous", default=True)

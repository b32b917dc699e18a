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
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from cabinet import dates
from cabinet.appointments.models import ABSENCE_KINDS, CANCEL_REASONS, LOCATIONS
from cabinet.appointments.schedule import WEEKDAYS
from cabinet.forms import DateField, FrenchForm, choices
from cabinet.patients.forms import care_team_note, care_team_reason, sex_field

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


def _strip(value):
    return (value or "").strip()


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

    team_reason = care_team_reason("Motif de la prise en charge")
    team_note = care_team_note()


class _Booking(_Place, _TakingOn):
    """What both booking forms share: the patient, the practitioner, the type, and what is
    said about the place and the taking on."""

    patient_ref = HiddenField(validators=[DataRequired("Choisissez le patient.")])
    practitioner = SelectField("Praticien", choices=[])

    def offer(self, practitioners, types) -> None:
        """The agendas and appointment types to choose from ("Séance" unless one is chosen)."""
        self.practitioner.choices = [(p.ref, p.display_name) for p in practitioners]
        types = self.offered_types = list(types)
        # A home-visit type ticks "À domicile" in the page (static/js/app.js).
        self.appointment_type.choices = [
            SelectChoice(
                str(t.id),
                f"{t.name} ({t.duration_minutes} min)",
                render_kw={"data-home": "1"} if t.is_home_visit else {},
            )
            for t in types
        ]
        if self.appointment_type.data is None:
            usual = next((t for t in types if t.name == "Séance"), types[0] if types else None)
            self.appointment_type.data = str(usual.id) if usual else None

    def prefill(self, args) -> None:
        """From a patient page (?patient=) or an agenda column (?praticien=)."""
        if args.get("praticien"):
            self.practitioner.data = args["praticien"]
        if args.get("patient"):
            self.patient_ref.data = args["patient"]

    def details(self) -> dict:
        """The place and the taking-on reason, as the booking services take them."""
        return {
            "location": self.location.data,
            "access_info": self.access_info.data,
            "note": self.note.data,
            "team_reason": self.team_reason.data or "",
            "team_note": self.team_note.data or "",
        }


class AppointmentForm(_Booking):
    appointment_type = SelectField("Type de rendez-vous", choices=[])
    day = DateField("Date", validators=[DataRequired("Indiquez une date valide.")])
    time = TimeField("Heure", validators=[DataRequired("Indiquez une heure valide.")])

    def validate_day(self, field):
        if field.data and field.data < datetime.date.today() - datetime.timedelta(days=1):
            raise ValidationError("Cette date est passée.")

    def prefill(self, args) -> None:
        """Also from a free slot of the agenda (?jour=&heure=)."""
        super().prefill(args)
        self.day.data = dates.parse_day(args.get("jour")) or datetime.date.today()
        try:
            self.time.data = datetime.time.fromisoformat(args.get("heure", ""))
        except ValueError:
            pass
        free = args.get("libre", "")
        if free.isdigit() and len(free) <= 4:
            self.fit_type(int(free))

    def fit_type(self, minutes: int) -> None:
        """A free slot of `minutes` (?libre=): keep the chosen type if it fits, else propose
        the longest one that does (the first offered, between equals); none fitting, the
        choice stays and the booking explains why it cannot be made."""
        types = self.offered_types  # set by offer(), which booking_form calls first
        chosen = next((t for t in types if str(t.id) == self.appointment_type.data), None)
        if chosen is not None and chosen.duration_minutes <= minutes:
            return
        fitting = [t for t in types if t.duration_minutes <= minutes]
        if fitting:
            longest = max(fitting, key=lambda t: t.duration_minutes)
            self.appointment_type.data = str(longest.id)

    def details(self) -> dict:
        return {**super().details(), "visit_address": self.visit_address.data}


class SeriesForm(_Booking):
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
    # Set when the series is proposed from a prescription (?ordonnance=): an opaque ref.
    prescription_ref = HiddenField(validators=[Optional(), Length(max=40)])

    def validate_first_date(self, field):
        if field.data and field.data < datetime.date.today():
            raise ValidationError("La série ne peut pas commencer dans le passé.")

    def prefill(self, args) -> None:
        """Also from a prescription: ?ordonnance=&seances=&jours=0,3&debut=."""
        super().prefill(args)
        self.first_date.data = datetime.date.today()
        first = dates.parse_day(args.get("debut"))
        if first and first > self.first_date.data:
            self.first_date.data = first
        if args.get("seances", "").isdigit() and len(args["seances"]) <= 3:
            self.count.data = min(60, max(1, int(args["seances"])))
        days = [d for d in args.get("jours", "").split(",") if d in {str(i) for i in range(7)}]
        if days:
            self.weekdays.data = days
        self.prescription_ref.data = args.get("ordonnance", "")[:40]

    def details(self) -> dict:
        return {**super().details(), "prescription_ref": self.prescription_ref.data or ""}

    def rhythm(self) -> tuple:
        """First date, weekdays, local time and count: when the sessions fall."""
        weekdays = {int(d) for d in self.weekdays.data}
        return self.first_date.data, weekdays, self.time.data, self.count.data


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
        "Nom de naissance",
        validators=[DataRequired("Indiquez le nom."), Length(max=80)],
        filters=[_clean],
    )
    first_names = StringField(
        "Prénom(s)",
        validators=[DataRequired("Indiquez le prénom."), Length(max=120)],
        filters=[_clean],
    )
    birth_date = DateField(
        "Date de naissance", validators=[DataRequired("Indiquez une date de naissance valide.")]
    )
    sex = sex_field()
    phone = StringField("Téléphone", validators=[Optional(), Length(max=25)], filters=[_strip])

    def validate_birth_date(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("La date de naissance ne peut pas être dans le futur.")

    def identity(self) -> dict:
        """The new file's fields: the birth name is also the used name until told otherwise."""
        return {
            "birth_name": self.birth_name.data,
            "last_name": self.birth_name.data,
            "first_names": self.first_names.data,
            "birth_date": self.birth_date.data,
            "sex": self.sex.data,
            "phone": self.phone.data,
        }


class _Availability(FrenchForm):
    """One of the two forms of the availability page, both posted to the same address and
    told apart by their prefix."""

    practitioner = SelectField("Praticien", choices=[])

    def offer(self, practitioners) -> None:
        self.practitioner.choices = [(p.ref, p.display_name) for p in practitioners]

    def values(self) -> dict:
        """The fields as the availability service takes them (the practitioner by ref)."""
        values = {field.short_name: field.data for field in self._own_fields()}
        values["practitioner_ref"] = values.pop("practitioner")
        return values

    def is_posted(self) -> bool:
        """Whether the request posted this form (its fields came with their prefix)."""
        return self.is_submitted() and any(field.raw_data for field in self._own_fields())

    def _own_fields(self):
        return [field for field in self if field.type != "CSRFTokenField"]


class AbsenceForm(_Availability):
    kind = SelectField("Motif", choices=choices(ABSENCE_KINDS))
    first_day = DateField("Du", validators=[DataRequired("Indiquez une date valide.")])
    last_day = DateField("Au (inclus)", validators=[DataRequired("Indiquez une date valide.")])

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError("La fin de l'absence précède son début.")


class OpeningHoursForm(_Availability):
    weekday = SelectField(
        "Jour",
        choices=choices([(str(i), d.capitalize()) for i, d in enumerate(WEEKDAYS)]),
        coerce=int,
    )
    opens = TimeField("Ouverture", validators=[DataRequired("Indiquez une heure valide.")])
    closes = TimeField("Fermeture", validators=[DataRequired("Indiquez une heure valide.")])

    def validate_closes(self, field):
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError("La fermeture doit suivre l'ouverture.")


class AppointmentTypeForm(FrenchForm):
    name = StringField(
        "Nom", validators=[DataRequired("Indiquez un nom."), Length(max=60)], filters=[_clean]
    )
    duration_minutes = IntegerField(
        "Durée (minutes)",
        validators=[
            InputRequired("Indiquez une durée."),
            NumberRange(5, 480, "Entre 5 et 480 minutes."),
        ],
    )
    is_home_visit = BooleanField("Visite à domicile par défaut")
    active = BooleanField("Proposé à la prise de rendez-vous", default=True)

"""Input validation for the administrative file: one form per use case, French messages."""

import datetime
import re

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cabinet import settings
from cabinet.forms import DateField, FrenchForm, choices, stripped
from cabinet.patients import access_notes, care_team
from cabinet.patients.identity import (
    IDENTITY_STATUSES,
    OID_BY_KIND,
    birth_date_problem,
    clean_nir,
    nir_problem,
)
from cabinet.patients.models import SEXES

FAMILY_SITUATIONS = [
    ("", "Non renseignée"),
    ("célibataire", "Célibataire"),
    ("marié·e", "Marié·e"),
    ("pacsé·e", "Pacsé·e"),
    ("en concubinage", "En concubinage"),
    ("divorcé·e", "Divorcé·e"),
    ("veuf·ve", "Veuf·ve"),
]
PHONE = re.compile(r"^\+?[0-9 ().-]{6,25}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POSTCODE = re.compile(r"^\d{5}$")
BIRTHPLACE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
NAME = re.compile(r"^[^\d<>{}\[\]@#$%^*=+_|\\/~`]+$")


def _required(message: str):
    return [DataRequired(message)]


def _name_chars(form, field):
    if field.data and not NAME.match(field.data):
        raise ValidationError("Seuls les lettres, espaces, tirets et apostrophes sont acceptés.")


def sex_field() -> SelectField:
    """The patient's sex, chosen by whoever types the identity: none in advance, since a
    form left as it came would record every patient as a woman, on the identity the INS is
    checked against (found in a walk-through). The patient's form and the booking's."""
    return SelectField(
        "Sexe",
        choices=choices({"": "— Choisissez —", **SEXES}),
        validators=[DataRequired("Indiquez le sexe de l'état civil.")],
    )


class PatientForm(FrenchForm):
    birth_name = StringField(
        "Nom de naissance",
        validators=_required("Indiquez le nom de naissance.") + [Length(max=80), _name_chars],
    )
    last_name = StringField(
        "Nom utilisé",
        validators=[Optional(), Length(max=80), _name_chars],
        description="Si différent du nom de naissance.",
    )
    first_names = StringField(
        "Prénoms de naissance",
        validators=_required("Indiquez au moins un prénom.") + [Length(max=120), _name_chars],
        description="Tous les prénoms de l'état civil, dans l'ordre.",
    )
    used_first_name = StringField(
        "Prénom utilisé", validators=[Optional(), Length(max=60), _name_chars]
    )
    birth_date = DateField(
        "Date de naissance",
        validators=[DataRequired("Indiquez une date de naissance valide (jj/mm/aaaa).")],
    )
    sex = sex_field()
    birthplace_code = StringField(
        "Code INSEE du lieu de naissance",
        validators=[Optional(), Length(max=5)],
        description="5 caractères, par exemple 75056 ou 2A004.",
    )
    address = StringField("Adresse", validators=[Optional(), Length(max=200)])
    postcode = StringField("Code postal", validators=[Optional(), Length(max=5)])
    city = StringField("Commune", validators=[Optional(), Length(max=80)])
    phone = StringField("Téléphone", validators=[Optional(), Length(max=25)])
    email = StringField("Courriel", validators=[Optional(), Length(max=120)])
    ins_number = StringField("Matricule INS (NIR ou NIA)", validators=[Optional(), Length(max=21)])
    ins_oid = SelectField(
        "Type de matricule (OID)",
        choices=choices(
            [("", "—")] + [(oid, f"{kind} ({oid})") for kind, oid in OID_BY_KIND.items()]
        ),
        validate_choice=True,
    )
    identity_status = SelectField("Statut de l'identité", choices=choices(IDENTITY_STATUSES))
    nir = StringField("Numéro de sécurité sociale (NIR)", validators=[Optional(), Length(max=21)])
    family_situation = SelectField("Situation familiale", choices=choices(FAMILY_SITUATIONS))
    profession = StringField("Profession", validators=[Optional(), Length(max=80)])

    def validate_birth_date(self, field):
        if field.data > datetime.date.today():
            raise ValidationError("La date de naissance ne peut pas être dans le futur.")
        if field.data.year < 1900:
            raise ValidationError("La date de naissance doit être postérieure à 1900.")

    def validate_birthplace_code(self, field):
        if field.data and not BIRTHPLACE.match(field.data.strip().upper()):
            raise ValidationError("Le code INSEE compte 5 caractères (ex. 75056, 2A004).")

    def validate_postcode(self, field):
        if field.data and not POSTCODE.match(field.data.strip()):
            raise ValidationError("Le code postal compte 5 chiffres.")

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data.strip()):
            raise ValidationError("Numéro de téléphone invalide.")

    def validate_email(self, field):
        if field.data and not EMAIL.match(field.data.strip()):
            raise ValidationError("Adresse de courriel invalide.")

    def validate_nir(self, field):
        if field.data and (problem := nir_problem(field.data)):
            raise ValidationError(problem)

    def validate_ins_number(self, field):
        if field.data and (problem := nir_problem(field.data)):
            raise ValidationError(problem.replace("Le NIR", "Le matricule INS"))
        if field.data and not self.ins_oid.data:
            raise ValidationError("Précisez le type de matricule (OID).")

    def validate_identity_status(self, field):
        # RNIV: an identity is "récupérée" or "qualifiée" only once the INS was retrieved.
        if field.data in {"recuperee", "qualifiee"} and not self.ins_number.data:
            raise ValidationError("Ce statut suppose un matricule INS récupéré par le téléservice.")

    def cleaned(self) -> dict:
        """The validated values, normalised as stored."""
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = " ".join(value.split())
        data["last_name"] = data["last_name"] or data["birth_name"]
        data["nir"] = clean_nir(data["nir"])
        data["ins_number"] = clean_nir(data["ins_number"])
        data["birthplace_code"] = data["birthplace_code"].upper()
        return data


class SearchForm(FrenchForm):
    # The search is posted at every keystroke: CSRFProtect already checks each POST's token
    # (cabinet/__init__.py), and the form's own second check was a twentieth of the
    # search's time (issue 20). Its templates write the token with `csrf_token()`.
    class Meta:
        csrf = False

    q = StringField(
        "Rechercher un patient",
        validators=[Length(max=80, message="Recherche trop longue (80 caractères au plus).")],
    )

    def validate_q(self, field):
        problem = birth_date_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ReferralForm(FrenchForm):
    """Add a colleague to the patient's care team (A2): one of `colleagues`, the
    practitioners not in it yet."""

    practitioner = SelectField(
        "Praticien à ajouter", choices=[], validators=[DataRequired("Choisissez un praticien.")]
    )

    def __init__(self, colleagues, **kwargs):
        super().__init__(**kwargs)
        self.practitioner.choices = [(user.ref, user.display_name) for user in colleagues]


class PeriodForm(FrenchForm):
    """The period of a patient's access report (T4): by default, as far back as traces are
    kept (setting `trace_retention_days`), until today."""

    class Meta:
        csrf = False

    start = DateField("Du", validators=[Optional()])
    end = DateField("Au (inclus)", validators=[Optional()])

    def __init__(self, formdata, **kwargs):
        today = datetime.date.today()
        first = today - datetime.timedelta(days=settings.get("trace_retention_days"))
        super().__init__(formdata, data={"start": first, "end": today}, **kwargs)
        self._defaults = (first, today)

    def period(self) -> tuple[datetime.date, datetime.date]:
        """(first day, last day included); an emptied field falls back to its default."""
        return self.start.data or self._defaults[0], self.end.data or self._defaults[1]

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("La fin de la période précède son début.")


def care_team_reason(label: str, required: str | None = None) -> SelectField:
    """Why a practitioner outside the care team opens the record or takes the patient on
    (A2): one list, for break-glass and for a booking."""
    validators = [DataRequired(required)] if required else [Optional()]
    return SelectField(
        label,
        choices=choices([("", "— Choisir —")] + list(care_team.REASONS.items())),
        validators=validators,
    )


def care_team_note() -> StringField:
    return StringField(
        "Précision (facultatif)",
        validators=[Optional(), Length(max=200)],
        filters=[lambda value: " ".join((value or "").split())],
    )


# Our columns an import may fill, with their French label (the mapping's choices).
IMPORT_FIELDS = {
    "birth_name": "Nom de naissance",
    "last_name": "Nom utilisé",
    "first_names": "Prénoms de naissance",
    "used_first_name": "Prénom utilisé",
    "birth_date": "Date de naissance",
    "sex": "Sexe",
    "birthplace_code": "Lieu de naissance (code INSEE)",
    "address": "Adresse",
    "postcode": "Code postal",
    "city": "Commune",
    "phone": "Téléphone",
    "email": "Courriel",
    "nir": "NIR",
    "profession": "Profession",
    "accepts_reminders": "Accepte les rappels (oui/non)",
}


class ImportUploadForm(FrenchForm):
    """The CSV export of the previous software (read in memory, never kept on disk)."""

    file = FileField(
        "Fichier CSV du logiciel précédent",
        description="Séparateur « ; » ou « , », encodage UTF-8 ou Windows-1252, une ligne "
        "d'en-têtes. Taille limitée à 4 Mio.",
    )

    def raw_file(self) -> bytes | None:
        storage = self.file.data
        if not storage or not getattr(storage, "filename", ""):
            return None
        return storage.read()

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Choisissez le fichier à importer.")


def import_mapping_form(headers: list[str], mapping: dict[int, str], fields=None):
    """One select per column of the file: which of our fields it gives (or none)."""
    fields = IMPORT_FIELDS if fields is None else fields
    options = choices([("", "— ne pas importer —")] + list(fields.items()))

    class ImportMappingForm(FrenchForm):
        def mapping(self) -> dict[int, str]:
            return {
                int(name.removeprefix("column_")): field.data
                for name, field in self._fields.items()
                if name.startswith("column_") and field.data
            }

    for index, header in enumerate(headers):
        select = SelectField(header or f"Colonne {index + 1}", choices=options, default="")
        setattr(ImportMappingForm, f"column_{index}", select)
    data = {f"column_{index}": name for index, name in mapping.items()}
    return ImportMappingForm(data=data)


class ImportRunForm(FrenchForm):
    leave_out_refused = BooleanField("Écarter les lignes refusées et importer les autres")


def _access_field(name: str):
    label, maximum, example = access_notes.FIELDS[name]
    return StringField(
        label,
        validators=[Optional(), Length(max=maximum, message=f"{maximum} caractères au plus.")],
        filters=[stripped],
        render_kw={"maxlength": maximum, "placeholder": example},
        description=f"{maximum} caractères au plus.",
    )


class AccessNoteForm(FrenchForm):
    """The access notes of a home visit: six short fields, framed by the reminder (X6)."""

    door_code = _access_field("door_code")
    key_box = _access_field("key_box")
    floor = _access_field("floor")
    parking = _access_field("parking")
    animal = _access_field("animal")
    contact = _access_field("contact")

    def cleaned(self) -> dict:
        return {name: getattr(self, name).data or "" for name in access_notes.FIELDS}

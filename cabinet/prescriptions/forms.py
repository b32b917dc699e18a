"""Prescription forms: the few free texts are bounded and framed (X6)."""

import datetime

from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from cabinet.forms import DateField, FrenchForm, choices
from cabinet.prescriptions.models import BSI_LEVELS, KINDS
from cabinet.prescriptions.photos import MAX_BYTES


def _clean(value):
    return " ".join((value or "").split())


class PhotoForm(FrenchForm):
    photo = FileField(
        "Photo de l'ordonnance (facultatif)",
        description="Prise avec l'appareil photo de la tablette. Recodée sans ses métadonnées "
        "(position GPS, appareil), conservée chiffrée.",
    )

    def raw_photo(self) -> bytes | None:
        """The sent file's bytes (at most one byte past the bound, so it is refused)."""
        storage = self.photo.data
        if not storage or not getattr(storage, "filename", ""):
            return None
        return storage.read(MAX_BYTES + 1)


class PrescriptionForm(PhotoForm):
    prescriber_name = StringField(
        "Prescripteur",
        validators=[DataRequired("Indiquez le prescripteur."), Length(max=120)],
        filters=[_clean],
        description="Nom du médecin, tel qu'il figure sur l'ordonnance.",
    )
    prescriber_rpps = StringField(
        "N° RPPS (facultatif)",
        validators=[Optional(), Regexp(r"^\d{11}$", message="Le numéro RPPS a 11 chiffres.")],
        filters=[lambda v: "".join((v or "").split())],
    )
    prescribed_on = DateField(
        "Date de l'ordonnance", validators=[DataRequired("Indiquez une date valide.")]
    )
    kind = SelectField("Nature des soins", choices=choices(KINDS))
    acts_text = StringField(
        "Actes prescrits (en toutes lettres)",
        validators=[DataRequired("Indiquez les actes prescrits."), Length(max=300)],
        filters=[_clean],
        description="300 caractères au plus, recopiés de l'ordonnance.",
    )
    act_codes = StringField(
        "Cotation prévue (codes)",
        validators=[Optional(), Length(max=120)],
        filters=[_clean],
        description="Par exemple « AMI 4, AMI 1 » : sert à vérifier la cotation des séances.",
    )
    sessions_count = IntegerField(
        "Nombre de séances ou de passages",
        validators=[
            InputRequired("Indiquez le nombre de séances."),
            NumberRange(1, 400, "Entre 1 et 400."),
        ],
    )
    per_week = IntegerField(
        "Séances par semaine",
        validators=[
            InputRequired("Indiquez le rythme."),
            NumberRange(1, 7, "Entre 1 et 7 (7 : tous les jours)."),
        ],
        default=2,
    )
    rhythm = StringField(
        "Rythme (tel que prescrit)",
        validators=[Optional(), Length(max=120)],
        filters=[_clean],
        description="Par exemple « 2 passages par jour pendant 15 jours ».",
    )
    starts_on = DateField("Début des soins", validators=[DataRequired("Indiquez une date valide.")])
    valid_until = DateField(
        "Valable jusqu'au", validators=[DataRequired("Indiquez une date valide.")]
    )
    renewable = BooleanField("Renouvelable")
    night_required = BooleanField("Nécessité d'une exécution de nuit indiquée")
    home_care = BooleanField("Soins à domicile indiqués")

    def validate_prescribed_on(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("L'ordonnance ne peut pas être datée dans le futur.")

    def validate_valid_until(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("La fin de validité précède le début des soins.")

    def fields(self) -> dict:
        """The prescription as `services.create` takes it (the photo apart)."""
        names = (
            "prescriber_name prescriber_rpps prescribed_on kind acts_text act_codes "
            "sessions_count per_week rhythm starts_on valid_until renewable night_required "
            "home_care"
        ).split()
        return {name: getattr(self, name).data for name in names}


class AssessmentForm(FrenchForm):
    done_on = DateField("Date du BSI", validators=[DataRequired("Indiquez une date valide.")])
    level = SelectField("Niveau de dépendance", choices=choices(BSI_LEVELS))

    def validate_done_on(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("Un BSI ne peut pas être daté dans le futur.")

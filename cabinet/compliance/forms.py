"""Forms of the continuity page: backup settings, maintenance entries and their notes."""

import datetime
from pathlib import PurePosixPath

from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from cabinet.forms import DateField, FrenchForm, choices
from cabinet.settings import BACKUP_TIMES, DECLARED

NO_PATIENT_DATA = "Décrivez l'intervention ; n'écrivez ici aucune donnée de patient."


def _folder(field) -> None:
    if field.data and not PurePosixPath(field.data).is_absolute():
        raise ValidationError("Indiquez un chemin complet, commençant par « / ».")


def _keep(key: str) -> IntegerField:
    declared = DECLARED[key]
    return IntegerField(
        declared.label,
        validators=[
            InputRequired("Indiquez un nombre."),
            NumberRange(declared.minimum, declared.maximum, "Entre %(min)s et %(max)s."),
        ],
    )


class BackupSettingsForm(FrenchForm):
    backup_dir = StringField(
        DECLARED["backup_dir"].label,
        validators=[Length(max=300)],
        description="Un disque ou un partage distinct du disque des données (vide : "
        "dossier de l'instance, déconseillé).",
    )
    backup_copy_dir = StringField(
        DECLARED["backup_copy_dir"].label,
        validators=[Length(max=300)],
        description="Chaque sauvegarde vérifiée y est copiée puis vérifiée à nouveau.",
    )
    backup_time = SelectField(
        DECLARED["backup_time"].label, choices=choices([(t, t) for t in BACKUP_TIMES])
    )
    backup_keep_daily = _keep("backup_keep_daily")
    backup_keep_weekly = _keep("backup_keep_weekly")
    backup_keep_monthly = _keep("backup_keep_monthly")

    def validate_backup_dir(self, field):
        _folder(field)

    def validate_backup_copy_dir(self, field):
        _folder(field)


class MaintenanceForm(FrenchForm):
    occurred_on = DateField(
        "Date de l'intervention", validators=[DataRequired("Indiquez une date valide.")]
    )
    who = StringField(
        "Intervenant",
        validators=[DataRequired("Indiquez qui est intervenu."), Length(max=120)],
    )
    provider = StringField("Société (prestataire)", validators=[Length(max=120)])
    what = TextAreaField(
        "Intervention",
        validators=[DataRequired("Décrivez ce qui a été fait."), Length(max=1000)],
        description=NO_PATIENT_DATA,
    )
    data_touched = RadioField(
        "Des données de patients ont-elles été touchées ou rendues accessibles ?",
        choices=choices({"yes": "Oui", "no": "Non"}),
        validators=[InputRequired("Répondez oui ou non.")],
    )

    def validate_occurred_on(self, field):
        if field.data and field.data > datetime.date.today():
            raise ValidationError("L'intervention ne peut pas être dans le futur.")


class NoteForm(FrenchForm):
    text = TextAreaField(
        "Note",
        validators=[DataRequired("Écrivez la note."), Length(max=1000)],
        description=NO_PATIENT_DATA,
    )

import datetime

from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from cabinet.forms import DateField, FrenchForm, choices
from cabinet.security import ROLES


class AccountForm(FrenchForm):
    display_name = StringField(
        "Nom affiché", validators=[DataRequired("Indiquez le nom de la personne."), Length(max=80)]
    )
    role = SelectField("Rôle", choices=choices(ROLES))
    end_date = DateField(
        "Date de fin (remplaçant, personnel temporaire)",
        validators=[Optional()],
        description="Après cette date, le compte ne peut plus se connecter.",
    )

    def validate_end_date(self, field):
        if field.data and field.data < datetime.date.today():
            raise ValidationError("La date de fin ne peut pas être déjà passée.")


class NewAccountForm(AccountForm):
    login = StringField(
        "Identifiant",
        validators=[
            DataRequired("Choisissez un identifiant."),
            Length(max=40),
            Regexp(
                r"^[a-zA-Z0-9._-]+$", message="Lettres, chiffres, « . », « - » ou « _ » seulement."
            ),
        ],
        description="Un identifiant par personne : jamais de compte partagé.",
    )


class SecuritySettingsForm(FrenchForm):
    idle_lock_minutes = IntegerField(
        "Verrouillage après inactivité (minutes, de 1 à 30)",
        validators=[DataRequired("Indiquez un nombre de minutes.")],
    )
    password_min_entropy = SelectField(
        "Exigence sur les mots de passe",
        choices=choices(
            [
                (
                    "50",
                    "50 bits — mot de passe avec limitation des essais et second facteur (cas 2 CNIL)",
                ),
                ("80", "80 bits — comme un mot de passe seul (cas 1 CNIL, plus exigeant)"),
            ]
        ),
    )
    trace_retention_days = IntegerField(
        "Conservation des traces (jours, de 183 à 1095)",
        validators=[DataRequired("Indiquez une durée en jours.")],
        description="Recommandation CNIL : 6 mois à 1 an ; jusqu'à 3 ans pour un besoin de "
        "contrôle interne documenté.",
    )
    shared_record = BooleanField(
        "Dossier partagé au sein du cabinet (tous les praticiens lisent tous les dossiers, "
        "sauf opposition du patient)"
    )
    secretary_second_factor_exempt = BooleanField(
        "Dispenser le rôle secrétaire du second facteur (déconseillé)"
    )

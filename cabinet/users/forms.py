import datetime

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from cabinet.forms import DateField, FrenchForm, SettingsForm, choices, setting_field, stripped
from cabinet.security import ROLES


class AccountForm(FrenchForm):
    display_name = StringField(
        "Nom affiché",
        validators=[DataRequired("Indiquez le nom de la personne."), Length(max=80)],
        filters=[stripped],
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


class SecuritySettingsForm(SettingsForm):
    """The admin's security choices; label, bounds and help of each come from
    `settings.DECLARED`."""

    idle_lock_minutes = setting_field("idle_lock_minutes")
    password_min_entropy = setting_field("password_min_entropy")
    trace_retention_days = setting_field("trace_retention_days")
    account_inactivity_months = setting_field("account_inactivity_months")
    shared_record = setting_field("shared_record")
    secretary_second_factor_exempt = setting_field("secretary_second_factor_exempt")

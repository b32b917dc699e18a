"""The SMTP account and the reminders' timing (settings), the test, the e-mailed card."""

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from cabinet.forms import FrenchForm, SettingsForm, setting_field
from cabinet.patients.forms import EMAIL

SETTING_KEYS = [
    "reminder_hours",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_login",
    "smtp_sender",
]


class MailSettingsForm(SettingsForm):
    """The password is never rendered back: an empty field keeps the stored one."""

    smtp_password = PasswordField(
        "Mot de passe SMTP",
        validators=[Length(max=200)],
        description="Conservé dans la base chiffrée et jamais réaffiché ; laissez vide pour "
        "garder celui qui est enregistré.",
    )

    def validate_smtp_sender(self, field):
        if field.data and not EMAIL.match(field.data.strip()):
            raise ValidationError("Adresse d'expédition invalide.")


for _key in SETTING_KEYS:
    setattr(MailSettingsForm, _key, setting_field(_key))


class MailTestForm(FrenchForm):
    recipient = StringField(
        "Envoyer un message d'essai à",
        validators=[DataRequired("Indiquez une adresse."), Length(max=120)],
    )

    def validate_recipient(self, field):
        if not EMAIL.match(field.data.strip()):
            raise ValidationError("Adresse de courriel invalide.")


class CardForm(FrenchForm):
    """The button that e-mails an appointment's confirmation."""

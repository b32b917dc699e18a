from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cabinet.auth.policy import MAX_LENGTH
from cabinet.forms import FrenchForm, stripped

TOO_LONG = f"Au plus {MAX_LENGTH} caractères (le mot de passe n'est jamais tronqué)."


class LoginForm(FrenchForm):
    login = StringField(
        "Identifiant", validators=[DataRequired("Indiquez votre identifiant."), Length(max=64)]
    )
    password = PasswordField(
        "Mot de passe",
        validators=[
            DataRequired("Indiquez votre mot de passe."),
            Length(max=MAX_LENGTH, message=TOO_LONG),
        ],
    )


class ChangePasswordForm(FrenchForm):
    password = PasswordField(
        "Nouveau mot de passe",
        validators=[
            DataRequired("Choisissez un mot de passe."),
            Length(max=MAX_LENGTH, message=TOO_LONG),
        ],
        description=f"Une phrase de passe de plusieurs mots convient très bien. {MAX_LENGTH} caractères au plus.",
    )
    confirmation = PasswordField(
        "Confirmation", validators=[DataRequired("Saisissez-le une seconde fois.")]
    )


class RecoveryForm(FrenchForm):
    code = StringField(
        "Code de secours",
        validators=[DataRequired("Saisissez un de vos codes de secours."), Length(max=20)],
        description="Un des dix codes remis lors de l'enregistrement (ex. ABCD-EFGH-JKMN).",
    )


class UnlockForm(FrenchForm):
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired("Indiquez votre mot de passe."), Length(max=MAX_LENGTH)],
    )


class AuthenticatorNameForm(FrenchForm):
    name = StringField(
        "Nom de l'authentificateur",
        validators=[
            DataRequired("Donnez-lui un nom (ex. « Tablette du cabinet »)."),
            Length(max=60),
        ],
        filters=[stripped],
        default="Tablette",
    )

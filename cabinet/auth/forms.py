from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cabinet.auth.passwords import MAX_LENGTH
from cabinet.forms import FrenchForm


class LoginForm(FrenchForm):
    login = StringField(
        "Identifiant", validators=[DataRequired("Indiquez votre identifiant."), Length(max=64)]
    )
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired("Indiquez votre mot de passe."), Length(max=MAX_LENGTH)],
    )

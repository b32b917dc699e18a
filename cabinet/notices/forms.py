"""The practice settings form: identity, contacts, processors, and the legal basis of
each purpose (P7) with the référentiel's choice marked."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cabinet import settings
from cabinet.forms import FrenchForm, choices
from cabinet.notices import content


class PracticeForm(FrenchForm):
    practice_name = StringField("Nom du cabinet", validators=[Length(max=120)])
    practice_practitioners = TextAreaField(
        "Praticiens (un par ligne, avec leur profession)", validators=[Length(max=600)]
    )
    practice_address = StringField("Adresse du cabinet", validators=[Length(max=200)])
    practice_phone = StringField("Téléphone", validators=[Length(max=30)])
    practice_email = StringField("Courriel", validators=[Length(max=120)])
    privacy_contact = StringField(
        "Contact pour les données personnelles",
        validators=[Length(max=200)],
        description="Qui répond aux demandes des patients (nom, courriel ou adresse).",
    )
    dpo_name = StringField(
        "Délégué à la protection des données (si désigné)", validators=[Length(max=200)]
    )
    software_provider = StringField(
        "Éditeur du logiciel (sous-traitant)", validators=[Length(max=200)]
    )
    health_data_host = StringField(
        "Hébergeur certifié de données de santé (si hébergé)", validators=[Length(max=200)]
    )
    reminder_channels = StringField(
        "Rappels de rendez-vous (canaux)",
        validators=[Length(max=120)],
        description="Par exemple « SMS ». Envoyés seulement aux patients qui l'acceptent.",
    )
    backup_location = StringField("Lieu des sauvegardes chiffrées", validators=[Length(max=200)])
    legal_basis_justification = TextAreaField(
        "Justification des bases légales choisies hors référentiel",
        validators=[Length(max=600)],
        default=lambda: settings.get("legal_basis_justification"),
        description="Obligatoire dès qu'une base diffère de celle que propose le référentiel "
        "de la CNIL : la réflexion que le cabinet a menée et documentée (§4). Figure au registre.",
    )

    def basis_fields(self) -> list:
        return [self[key] for key in content.BASIS_KEYS]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        departs = [
            field
            for field, purpose in zip(self.basis_fields(), content.PURPOSES, strict=True)
            if field.data != content.referentiel_basis(purpose.key)
        ]
        if departs and not (self.legal_basis_justification.data or "").strip():
            self.legal_basis_justification.errors.append(
                "Une base légale diffère du référentiel ("
                + ", ".join(f"« {field.label.text} »" for field in departs)
                + ") : indiquez la justification documentée de ce choix."
            )
            return False
        return True


def _basis_choices(purpose_key: str):
    default = content.referentiel_basis(purpose_key)
    return choices(
        (
            key,
            f"{basis.label} ({basis.article})"
            + (" — proposée par le référentiel" if key == default else ""),
        )
        for key, basis in content.BASES.items()
    )


def _current(key: str):
    return lambda: settings.get(key)


# One select per purpose, declared from the purposes list so a new purpose gets its field.
# A post without it keeps the stored choice (the default is read at each request).
for _purpose in content.PURPOSES:
    _key = f"legal_basis_{_purpose.key}"
    setattr(
        PracticeForm,
        _key,
        SelectField(_purpose.name, choices=_basis_choices(_purpose.key), default=_current(_key)),
    )

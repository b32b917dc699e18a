"""Forms of the governance pages: an incident at discovery and its additions, the CNIL
notification, the annual review, a tick of the report's checklist."""

import datetime

from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from cabinet.formatting import paris_to_utc
from cabinet.forms import DateField, FrenchForm, choices, stripped
from cabinet.governance.models import NATURES

X6 = (
    "Décrivez les faits sans nommer de patient : le registre peut être montré à la CNIL. "
    "{n} caractères au plus."
)
YES_NO = {"": "Pas encore décidé", "yes": "Oui", "no": "Non"}


def _moment(day: datetime.date | None, at: datetime.time | None) -> datetime.datetime | None:
    if day is None or at is None:
        return None
    return paris_to_utc(day, at)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class IncidentForm(FrenchForm):
    discovered_on = DateField("Découvert le", validators=[DataRequired("Indiquez la date.")])
    discovered_time = TimeField("à (heure)", validators=[DataRequired("Indiquez l'heure.")])
    began_on = DateField("Début de la violation, si connu", validators=[Optional()])
    began_time = TimeField("à (heure)", validators=[Optional()])
    noticed_by = StringField(
        "Qui l'a constatée, et comment",
        validators=[DataRequired("Indiquez qui a constaté l'incident."), Length(max=200)],
        filters=[stripped],
    )
    natures = SelectMultipleField(
        "Nature de la violation",
        choices=choices(NATURES),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    description = TextAreaField(
        "Ce qui s'est passé",
        validators=[DataRequired("Décrivez ce qui s'est passé."), Length(max=2000)],
        filters=[stripped],
        description=X6.format(n=2000),
    )

    def fields_for_record(self) -> dict:
        return {
            "discovered_at": _moment(self.discovered_on.data, self.discovered_time.data),
            "began_at": _moment(self.began_on.data, self.began_time.data or datetime.time(0)),
            "noticed_by": self.noticed_by.data,
            "natures": self.natures.data,
            "description": self.description.data,
        }


def _text(label: str, n: int = 1000, help: str = "") -> TextAreaField:
    return TextAreaField(
        label, validators=[Optional(), Length(max=n)], filters=[stripped], description=help
    )


class CompletionForm(FrenchForm):
    persons_categories = _text("Catégories de personnes concernées", 300, "Patients, personnel…")
    persons_count = IntegerField(
        "Nombre approximatif de personnes", validators=[Optional(), NumberRange(0, 10_000_000)]
    )
    records_categories = _text(
        "Catégories de données concernées", 300, "Identité, coordonnées, dossier de soins, NIR…"
    )
    records_count = IntegerField(
        "Nombre approximatif d'enregistrements",
        validators=[Optional(), NumberRange(0, 100_000_000)],
    )
    consequences = _text("Conséquences probables pour les personnes")
    measures_taken = _text("Mesures prises")
    measures_planned = _text("Mesures envisagées")
    cnil_required = SelectField(
        "Notification à la CNIL (risque pour les personnes)", choices=choices(YES_NO), default=""
    )
    cnil_reason = _text("Pourquoi", 1000, "Obligatoire si la CNIL n'est pas notifiée.")
    persons_required = SelectField(
        "Information des personnes (risque élevé)", choices=choices(YES_NO), default=""
    )
    persons_reason = _text("Pourquoi", 1000, "Obligatoire si les personnes ne sont pas informées.")
    persons_informed_on = DateField("Personnes informées le", validators=[Optional()])

    def fields_for_completion(self) -> dict:
        values = {
            name: getattr(self, name).data
            for name in (
                "persons_categories",
                "persons_count",
                "records_categories",
                "records_count",
                "consequences",
                "measures_taken",
                "measures_planned",
                "cnil_reason",
                "persons_reason",
                "persons_informed_on",
            )
        }
        values["cnil_required"] = _yes_no(self.cnil_required.data)
        values["persons_required"] = _yes_no(self.persons_required.data)
        return values


class NotificationForm(FrenchForm):
    notified_on = DateField("CNIL notifiée le", validators=[DataRequired("Indiquez la date.")])
    notified_time = TimeField("à (heure)", validators=[DataRequired("Indiquez l'heure.")])
    reference = StringField(
        "Numéro de la notification (donné par la CNIL)",
        validators=[Optional(), Length(max=80)],
        filters=[stripped],
    )
    delay_reason = _text(
        "Motif du retard", 1000, "Obligatoire si la notification intervient après 72 heures."
    )

    def notified_at(self) -> datetime.datetime:
        return _moment(self.notified_on.data, self.notified_time.data)


class ReviewForm(FrenchForm):
    """The decisions come as `decision-<account ref>` fields, one per account listed."""

    note = _text("Observations", 1000)


class ConfirmForm(FrenchForm):
    measure = StringField(validators=[DataRequired()])
    item = IntegerField(validators=[NumberRange(0, 20)])
    confirmed_on = DateField("Confirmé le", validators=[DataRequired("Indiquez une date valide.")])

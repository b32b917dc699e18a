"""Shared form plumbing: French built-in messages, select choices, bounded dates, and the
fields of the practice's settings, built from their declaration."""

import wtforms
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from cabinet import dates, settings


class FrenchForm(FlaskForm):
    """Base form: WTForms' built-in messages in French."""

    class Meta:
        locales = ["fr_FR", "fr"]

        def render_field(self, field, render_kw):
            # A page often holds several forms, each with its hidden CSRF field: WTForms
            # would give every one the id "csrf_token", and an id must be unique in a page.
            # Nothing points at that field by id (no label, no script), so it gets none.
            if field.type == "CSRFTokenField":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


def stripped(value: str | None) -> str | None:
    """A field filter: the text without its surrounding spaces."""
    return value.strip() if value else value


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs or a dict -> the SelectChoice list WTForms 3.3 expects."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class DateField(wtforms.DateField):
    """WTForms' DateField, refusing dates outside `dates.FIRST_DAY`…`dates.LAST_DAY`.

    The check runs as the value is read, so `field.data` never holds such a date, even
    in a view that looks at it before validating."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not dates.in_range(self.data):
            self.data = None
            raise ValueError(dates.OUT_OF_RANGE)


class SettingValue:
    """The setting's own rule (`settings.validate`: bounds, length, choices) as a field
    validator, so the form refuses exactly what the store would refuse, in its words. Its
    bounds also become the field's `min`/`max`/`maxlength` attributes."""

    def __init__(self, key: str):
        self.key = key
        declared = settings.DECLARED[key]
        if declared.kind is str:
            self.field_flags = {"maxlength": declared.maximum or 200}
        elif declared.kind is int and not declared.choices:
            bounds = {"min": declared.minimum, "max": declared.maximum}
            self.field_flags = {flag: value for flag, value in bounds.items() if value is not None}
        else:
            self.field_flags = {}

    def __call__(self, form, field):
        if field.errors:
            return  # the field could not even read the value: it already says why
        try:
            settings.validate(self.key, field.data)
        except settings.SettingError as refused:
            raise ValidationError(str(refused)) from None


def setting_field(key: str, wording=None):
    """The form field of one setting, from `settings.DECLARED`: label, help, bounds and
    choices said once. It shows the stored value, and a post that leaves it out keeps it.
    `wording`: the choices as (value, label) pairs, when their words live in a higher domain
    (the legal bases, worded by the notices)."""
    declared = settings.DECLARED[key]
    options = {
        "label": declared.label,
        "description": declared.help,
        "default": lambda: settings.get(key),
        "validators": [SettingValue(key)],
    }
    if declared.kind is bool:
        return wtforms.BooleanField(**options)
    if declared.choices:
        if wording is None:
            allowed = declared.choices
            wording = (
                allowed.items() if isinstance(allowed, dict) else ((c, str(c)) for c in allowed)
            )
        return wtforms.SelectField(choices=choices(wording), coerce=declared.kind, **options)
    if declared.kind is int:
        if declared.minimum is not None and declared.maximum is not None:
            bounds = f"De {declared.minimum} à {declared.maximum}."
            options["description"] = f"{bounds} {declared.help}".strip()
        options["validators"].insert(0, InputRequired("Indiquez une valeur."))
        return wtforms.IntegerField(**options)
    if declared.multiline:
        return wtforms.TextAreaField(**options)
    return wtforms.StringField(**options)


class SettingsForm(FrenchForm):
    """A form whose fields are settings, each named after its key (`setting_field`)."""

    def values(self) -> dict:
        return {field.name: field.data for field in self if field.name in settings.DECLARED}

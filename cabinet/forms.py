"""Shared form plumbing: French built-in messages, select choices, bounded dates."""

import wtforms
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from cabinet import dates


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

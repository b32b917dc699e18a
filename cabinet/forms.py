"""Shared form plumbing: French built-in messages and select choices."""

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


class FrenchForm(FlaskForm):
    """Base form: WTForms' built-in messages in French."""

    class Meta:
        locales = ["fr_FR", "fr"]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs or a dict -> the SelectChoice list WTForms 3.3 expects."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]

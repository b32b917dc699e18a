"""A setting is declared once, in `settings.DECLARED` (X5: its privacy-friendly default, its
bounds): the admin's security form (S2, S5, S6, T6, A2) and the practice settings form (I1,
I2, P7) take each field's label, help, bounds and choices from there, and refuse what the
store would refuse, in the same words, changing nothing."""

import html

import pytest

from cabinet import settings
from tests.conftest import traces
from tests.test_notices import PRACTICE

SECURITY = {
    "idle_lock_minutes": "5",
    "password_min_entropy": "50",
    "trace_retention_days": "365",
    "account_inactivity_months": "6",
}


def test_every_field_of_the_settings_forms_is_its_declaration(app):
    from cabinet.notices.forms import PracticeForm
    from cabinet.users.forms import SecuritySettingsForm

    with app.test_request_context():
        for form in (SecuritySettingsForm(), PracticeForm()):
            assert {field.name for field in form} <= set(settings.DECLARED)
            for field in form:
                declared = settings.DECLARED[field.name]
                assert field.label.text == declared.label, field.name
                assert declared.help in field.description, field.name
                assert field.data == declared.default, field.name  # nothing stored yet
                if declared.kind is str:
                    assert field.flags.maxlength == (declared.maximum or 200), field.name
                elif declared.kind is int and not declared.choices:
                    assert (field.flags.min, field.flags.max) == (
                        declared.minimum,
                        declared.maximum,
                    )
                if declared.choices:
                    assert [choice.value for choice in field.choices] == list(declared.choices)


def test_the_pages_show_the_declared_bounds_and_choices(admin_client):
    security = admin_client.get("/comptes/parametres-securite").get_data(as_text=True)
    assert 'max="30" min="1" name="idle_lock_minutes"' in security
    assert 'max="1095" min="183" name="trace_retention_days"' in security
    assert '<option value="80">80 bits — comme un mot de passe seul' in security
    practice = admin_client.get("/information/parametres").get_data(as_text=True)
    assert 'maxlength="120" name="practice_name"' in practice
    assert 'maxlength="600" name="practice_practitioners"' in practice


@pytest.mark.parametrize(
    ("url", "data", "key", "message"),
    [
        (
            "/comptes/parametres-securite",
            SECURITY | {"idle_lock_minutes": "0"},
            "idle_lock_minutes",
            "Verrouillage après inactivité (minutes) : au moins 1.",
        ),
        (
            "/comptes/parametres-securite",
            SECURITY | {"trace_retention_days": "90"},
            "trace_retention_days",
            "Durée de conservation des traces (jours) : au moins 183.",
        ),
        (
            "/information/parametres",
            PRACTICE | {"practice_name": "x" * 121},
            "practice_name",
            "Nom du cabinet : 120 caractères au plus.",
        ),
    ],
)
def test_a_value_the_store_refuses_is_refused_in_its_words(
    app, admin_client, url, data, key, message
):
    with app.app_context():
        before = settings.get(key)
    response = admin_client.post(url, data=data)
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        assert settings.get(key) == before
    assert traces(app, action="settings.update") == []


def test_saving_the_same_values_changes_and_traces_nothing(app, admin_client):
    with app.app_context():
        stored = list(settings.Setting.select().tuples())
    response = admin_client.post(
        "/comptes/parametres-securite", data=SECURITY, follow_redirects=True
    )
    assert "Aucune modification." in response.get_data(as_text=True)
    assert traces(app, action="settings.update") == []
    with app.app_context():
        assert list(settings.Setting.select().tuples()) == stored

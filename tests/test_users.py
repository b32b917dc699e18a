"""S1, A4, A7: the admin creates, edits, disables and resets accounts; every change traced."""

import datetime

from tests.conftest import password_step, traces


def test_account_list_shows_role_state_and_last_use(admin_client):
    page = admin_client.get("/comptes/").get_data(as_text=True)
    for name in ["Camille Admin", "Dr Paul Soignant", "Sophie Accueil", "Léa Remplaçante"]:
        assert name in page
    assert "Secrétaire" in page and "Actif" in page


def test_new_account_refuses_a_duplicate_login_and_changes_nothing(app, admin_client):
    from cabinet.auth.models import User

    with app.app_context():
        before = User.select().count()
    response = admin_client.post(
        "/comptes/nouveau", data={"login": "secretaire", "display_name": "Double", "role": "admin"}
    )
    assert response.status_code == 422
    assert "existe déjà" in response.get_data(as_text=True)
    bad = admin_client.post(
        "/comptes/nouveau", data={"login": "a b", "display_name": "", "role": "x"}
    )
    assert bad.status_code == 422
    with app.app_context():
        assert User.select().count() == before


def test_role_change_is_traced_and_closes_the_sessions(app, admin_client, secretary_client, user):
    target = user("secretary")
    response = admin_client.post(
        f"/comptes/{target.ref}/modifier",
        data={"display_name": "Sophie Accueil", "role": "practitioner", "end_date": ""},
    )
    assert response.status_code == 302
    assert user("secretary").role == "practitioner"
    (change,) = traces(app, action="user.update")
    assert "Secrétaire → Praticien" in change.detail
    assert secretary_client.get("/").headers["Location"] == "/connexion"


def test_end_date_in_the_past_is_refused_and_a_future_one_kept(app, admin_client, user):
    target = user("locum")
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    refused = admin_client.post(
        f"/comptes/{target.ref}/modifier",
        data={"display_name": target.display_name, "role": "practitioner", "end_date": yesterday},
    )
    assert refused.status_code == 422
    assert "déjà passée" in refused.get_data(as_text=True)
    assert user("locum").end_date == target.end_date
    soon = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    admin_client.post(
        f"/comptes/{target.ref}/modifier",
        data={"display_name": target.display_name, "role": "practitioner", "end_date": soon},
    )
    assert user("locum").end_date.isoformat() == soon


def test_disabled_account_cannot_log_in_and_is_never_deleted(app, admin_client, anon_client, user):
    target = user("secretary")
    assert admin_client.post(f"/comptes/{target.ref}/desactiver").status_code == 302
    response = password_step(anon_client, "secretaire")
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in response.get_data(as_text=True)
    assert user("secretary").disabled_at is not None
    assert traces(app, action="user.disable")[-1].target == f"user:{target.id}"
    admin_client.post(f"/comptes/{target.ref}/reactiver")
    assert user("secretary").disabled_at is None
    assert password_step(anon_client, "secretaire").headers["Location"] == "/second-facteur"


def test_admin_cannot_disable_or_demote_themself(app, admin_client, user):
    me = user("admin")
    admin_client.post(f"/comptes/{me.ref}/desactiver")
    assert user("admin").disabled_at is None
    admin_client.post(
        f"/comptes/{me.ref}/modifier",
        data={"display_name": me.display_name, "role": "secretary", "end_date": ""},
    )
    assert user("admin").role == "admin"


def test_security_settings_are_validated_and_traced(app, admin_client):
    bad = admin_client.post(
        "/comptes/parametres-securite",
        data={
            "idle_lock_minutes": "45",
            "password_min_entropy": "50",
            "trace_retention_days": "365",
        },
    )
    assert bad.status_code == 422 and "au plus 30" in bad.get_data(as_text=True)
    good = admin_client.post(
        "/comptes/parametres-securite",
        data={
            "idle_lock_minutes": "10",
            "password_min_entropy": "80",
            "trace_retention_days": "365",
            "account_inactivity_months": "6",
        },
    )
    assert good.status_code == 302
    from cabinet import settings

    with app.app_context():
        assert settings.get("idle_lock_minutes") == 10
        assert settings.get("password_min_entropy") == 80
    assert {t.target for t in traces(app, action="settings.update")} == {
        "setting:idle_lock_minutes",
        "setting:password_min_entropy",
    }


def test_unknown_account_ref_is_404(admin_client):
    assert admin_client.get("/comptes/inconnu").status_code == 404


def test_security_settings_page_shows_the_current_values(app, admin_client):
    page = admin_client.get("/comptes/parametres-securite").get_data(as_text=True)
    assert 'name="trace_retention_days" required type="number" value="365"' in page
    assert 'name="idle_lock_minutes" required type="number" value="5"' in page


def test_a_refused_edit_still_lists_the_open_sessions(app, admin_client, secretary_client, user):
    """The account page shown again with the form's errors is the whole page, sessions too."""
    target = user("secretary")
    refused = admin_client.post(
        f"/comptes/{target.ref}/modifier",
        data={"display_name": "  ", "role": "secretary", "end_date": ""},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Indiquez le nom de la personne." in page
    assert f"/comptes/{target.ref}/sessions/" in page
    assert user("secretary").display_name == "Sophie Accueil"


def test_a_display_name_is_kept_without_its_surrounding_spaces(app, admin_client, user):
    target = user("locum")
    admin_client.post(
        f"/comptes/{target.ref}/modifier",
        data={
            "display_name": "  Léa Remplaçante  ",
            "role": "practitioner",
            "end_date": target.end_date.isoformat(),
        },
    )
    assert user("locum").display_name == "Léa Remplaçante"
    assert traces(app, action="user.update") == []  # the same name: nothing changed

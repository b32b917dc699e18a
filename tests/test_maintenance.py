"""X8: the maintenance log ("main courante"): the admin records interventions (traced),
corrects them during 24 hours, annotates them afterwards; the software's own migrations
appear by themselves. A7: the continuity pages are the admin's alone."""

import datetime

import pytest

from cabinet.compliance.models import MaintenanceEntry, MaintenanceNote
from cabinet.db import utcnow
from tests.conftest import traces

TODAY = datetime.date.today()
ENTRY = {
    "occurred_on": TODAY.isoformat(),
    "who": "Jean Technicien",
    "provider": "Informatique du Centre",
    "what": "Remplacement du disque de sauvegarde USB.",
    "data_touched": "no",
}


def _entries(app):
    with app.app_context():
        return list(MaintenanceEntry.select().order_by(MaintenanceEntry.id))


def _manual(app):
    return [e for e in _entries(app) if e.source == "manual"]


def test_admin_records_an_intervention_traced(app, admin_client):
    response = admin_client.post("/continuite/main-courante", data=ENTRY)
    assert response.status_code == 302
    [entry] = _manual(app)
    assert (entry.who, entry.provider, entry.data_touched) == (
        "Jean Technicien",
        "Informatique du Centre",
        False,
    )
    assert [t.target for t in traces(app, action="maintenance.create")][-1] == (
        f"maintenance:{entry.ref}"
    )
    page = admin_client.get("/continuite/main-courante").get_data(as_text=True)
    assert "Remplacement du disque de sauvegarde USB." in page and "Informatique du Centre" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"who": ""}, "Indiquez qui est intervenu."),
        ({"what": " "}, "Décrivez ce qui a été fait."),
        ({"data_touched": ""}, "Répondez oui ou non."),
        ({"occurred_on": (TODAY + datetime.timedelta(days=2)).isoformat()}, "dans le futur"),
        ({"occurred_on": "9999-99-99"}, "Indiquez une date valide."),
        ({"what": "x" * 1001}, "1000"),
    ],
)
def test_bad_input_is_refused_in_french_and_changes_nothing(app, admin_client, change, message):
    response = admin_client.post("/continuite/main-courante", data={**ENTRY, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _manual(app) == []


def test_an_entry_is_corrected_within_24_hours_then_only_annotated(app, admin_client):
    admin_client.post("/continuite/main-courante", data=ENTRY)
    [entry] = _manual(app)
    url = f"/continuite/main-courante/{entry.ref}/modifier"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, data={**ENTRY, "data_touched": "yes"})
    assert response.status_code == 302
    [entry] = _manual(app)
    assert entry.data_touched is True and entry.updated_at is not None
    assert traces(app, action="maintenance.update")
    with app.app_context():
        MaintenanceEntry.update(recorded_at=utcnow() - datetime.timedelta(hours=25)).execute()
    response = admin_client.post(url, data={**ENTRY, "what": "Réécrit après coup"})
    assert response.status_code == 302
    assert _manual(app)[0].what == ENTRY["what"]
    page = admin_client.get("/continuite/main-courante", follow_redirects=True)
    assert "Corriger (possible pendant 24 heures)" not in page.get_data(as_text=True)
    note = admin_client.post(
        f"/continuite/main-courante/{entry.ref}/note", data={"text": "Disque testé le lendemain."}
    )
    assert note.status_code == 302
    with app.app_context():
        [written] = list(MaintenanceNote.select())
        assert written.text == "Disque testé le lendemain." and written.author_name
    assert traces(app, action="maintenance.annotate")
    page = admin_client.get("/continuite/main-courante").get_data(as_text=True)
    assert "Disque testé le lendemain." in page


def test_a_blank_note_is_refused(app, admin_client):
    admin_client.post("/continuite/main-courante", data=ENTRY)
    [entry] = _manual(app)
    response = admin_client.post(f"/continuite/main-courante/{entry.ref}/note", data={"text": ""})
    assert response.status_code == 302
    follow = admin_client.get("/continuite/main-courante").get_data(as_text=True)
    assert "Écrivez la note." in follow
    with app.app_context():
        assert MaintenanceNote.select().count() == 0


def test_system_entries_are_never_edited(app, admin_client):
    """`flask init` applied the migrations: the log says so, and that entry stays as written."""
    system = [e for e in _entries(app) if e.source == "system"]
    assert system and "Mise à jour du schéma" in system[0].what
    assert "0010_continuity" in system[0].what
    response = admin_client.post(f"/continuite/main-courante/{system[0].ref}/modifier", data=ENTRY)
    assert response.status_code == 302
    assert _entries(app)[0].what == system[0].what


def test_unknown_entry_is_404_and_note_needs_post(admin_client):
    assert admin_client.get("/continuite/main-courante/inconnu/modifier").status_code == 404
    assert (
        admin_client.post("/continuite/main-courante/inconnu/note", data={"text": "x"}).status_code
        == 404
    )
    assert admin_client.get("/continuite/main-courante/inconnu/note").status_code == 405


@pytest.mark.parametrize("role", ["practitioner", "secretary"])
def test_only_the_admin_reaches_the_continuity_pages(role_client, role):
    client = role_client(role)
    for url in ("/continuite/", "/continuite/procedure", "/continuite/main-courante"):
        assert client.get(url).status_code == 403
    assert client.post("/continuite/main-courante", data=ENTRY).status_code == 403


def test_anonymous_is_sent_to_login(anon_client):
    response = anon_client.get("/continuite/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")


def test_backup_settings_are_validated_and_traced(app, admin_client, tmp_path):
    from cabinet import settings

    data = {
        "backup_dir": str(tmp_path / "usb"),
        "backup_copy_dir": "",
        "backup_time": "03:00",
        "backup_keep_daily": "10",
        "backup_keep_weekly": "4",
        "backup_keep_monthly": "12",
    }
    assert admin_client.post("/continuite/parametres", data=data).status_code == 302
    with app.app_context():
        assert settings.get("backup_dir") == str(tmp_path / "usb")
        assert settings.get("backup_time") == "03:00"
        assert settings.get("backup_keep_daily") == 10
    assert {t.target for t in traces(app, action="settings.update")} >= {
        "setting:backup_dir",
        "setting:backup_time",
        "setting:backup_keep_daily",
    }
    for change, message in (
        ({"backup_dir": "relatif/usb"}, "chemin complet"),
        ({"backup_keep_daily": "0"}, "Entre 1 et 60"),
        ({"backup_time": "03:17"}, "pas un choix valide"),
    ):
        response = admin_client.post("/continuite/parametres", data={**data, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        assert settings.get("backup_dir") == str(tmp_path / "usb")


def test_the_page_shows_the_status_the_list_and_the_same_disk_warning(app, admin_client):
    page = admin_client.get("/continuite/").get_data(as_text=True)
    assert 'data-level="red"' in page and "Aucune sauvegarde vérifiée." in page
    assert "même disque que les données" in page
    assert "Aucune sauvegarde." in page


def test_the_procedure_names_the_keys_the_disk_and_the_two_commands(app, admin_client):
    page = admin_client.get("/continuite/procedure").get_data(as_text=True)
    for words in ("enveloppe des clés", "backup.key", "backup restore", "--to", "make serve"):
        assert words in page
    for key in ("database", "audit", "archive", "backup"):
        secret = (app.config["KEYS_PATH"] / f"{key}.key").read_text().strip()
        assert secret not in page

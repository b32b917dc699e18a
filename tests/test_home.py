"""The home page (A2, I8, R8): each part only for the permission it needs — break-glass
accesses and newcomers to the care teams of my patients (traced when shown), rights
requests falling due, the admin's warnings."""

import datetime

from tests.care import assign
from tests.conftest import traces

EXEMPTION = "Le rôle secrétaire est dispensé du second facteur"


def test_each_part_of_the_home_page_goes_to_its_permission_only(
    app, role_client, user, make_patient
):
    from cabinet import settings
    from cabinet.rights.models import RightsRequest

    patient = make_patient()
    assign(app, patient, user("practitioner"))
    locum = role_client("locum")
    locum.post(f"/soins/{patient.ref}/acces-exceptionnel", data={"reason": "emergency"})
    clients = {role: role_client(role) for role in ("practitioner", "secretary", "admin")}
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    # Set after the logins: the exemption changes how the secretary signs in.
    with app.app_context():
        settings.put("secretary_second_factor_exempt", True)
        RightsRequest.create(
            requester="Demandeur en retard", kind="access", received_on=yesterday, due_on=yesterday
        )
    practitioner = clients["practitioner"].get("/").get_data(as_text=True)
    assert "Léa Remplaçante a ouvert le dossier" in practitioner
    assert "Demandeur en retard" in practitioner and EXEMPTION not in practitioner
    (shown,) = traces(app, target="break_glass_notices")
    assert shown.actor_name == "Dr Paul Soignant" and shown.detail.startswith(
        "1 accès exceptionnel(s) et 0 entrée(s)"
    )
    secretary = clients["secretary"].get("/").get_data(as_text=True)
    assert "a ouvert le dossier" not in secretary and "Demandeur en retard" in secretary
    admin = clients["admin"].get("/").get_data(as_text=True)
    assert EXEMPTION in admin and "a ouvert le dossier" not in admin
    assert len(traces(app, target="break_glass_notices")) == 1  # nothing shown, nothing traced


def test_the_admin_sees_the_age_of_the_last_verified_backup(admin_client, secretary_client):
    """X2: without any verified backup the admin's home page says so in red; the secretary's
    page says nothing of backups."""
    page = admin_client.get("/").get_data(as_text=True)
    assert 'id="backup-status"' in page and 'data-level="red"' in page
    assert "Aucune sauvegarde vérifiée." in page
    assert "backup-status" not in secretary_client.get("/").get_data(as_text=True)

"""A3, A7: every endpoint declares its policy; a role × route matrix pins who may do what."""

import pytest

from cabinet.security import ROLE_PERMISSIONS, policy_for

ROLES = ["admin", "practitioner", "secretary"]
EVERYONE = {"admin", "practitioner", "secretary"}
ADMIN = {"admin"}
CARE = {"practitioner", "secretary"}
PRACTITIONERS = {
    "practitioner"
}  # the care record  # the agenda: the secretary's job and the practitioners'

# Who may reach each endpoint. A new route must be added here, or test_matrix_covers fails.
# "pending" endpoints are the steps between the password and the second factor.
MATRIX = {
    "static": {"public"},
    "auth.login": {"public"},
    "auth.usage_policy": {"public"},
    "auth.logout": EVERYONE | {"pending"},
    "auth.change_password": EVERYONE | {"pending"},
    "auth.check_password": EVERYONE | {"pending"},
    "auth.second_factor": EVERYONE | {"pending"},
    "auth.recovery_code": EVERYONE | {"pending"},
    "auth.enrol": EVERYONE | {"pending"},
    "auth.webauthn_register_options": EVERYONE | {"pending"},
    "auth.webauthn_register": EVERYONE | {"pending"},
    "auth.webauthn_login_options": EVERYONE | {"pending"},
    "auth.webauthn_login": EVERYONE | {"pending"},
    "auth.webauthn_unlock_options": EVERYONE,
    "auth.webauthn_unlock": EVERYONE,
    "auth.recovery_codes": EVERYONE,
    "auth.lock": EVERYONE,
    "auth.unlock_password": EVERYONE,
    "auth.keepalive": EVERYONE,
    "auth.reauthenticate": EVERYONE,
    "auth.webauthn_reauth_options": EVERYONE,
    "auth.webauthn_reauth": EVERYONE,
    "auth.security": EVERYONE,
    "auth.remove_authenticator": EVERYONE,
    "auth.regenerate_recovery_codes": EVERYONE,
    "home.index": EVERYONE,
    "patients.index": EVERYONE,
    "patients.search": EVERYONE,
    "patients.new": EVERYONE,
    "patients.show": EVERYONE,
    "patients.edit": EVERYONE,
    "patients.access_report": {"admin", "practitioner"},
    "patients.refer": {"admin", "practitioner"},
    "patients.import_new": ADMIN,
    "patients.import_show": ADMIN,
    "patients.import_mapping": ADMIN,
    "patients.import_run": ADMIN,
    "patients.import_abandon": ADMIN,
    # Access notes are administrative: the secretary and the care team, never the admin.
    "patients.access_note": CARE,
    "appointments.index": CARE,
    "appointments.new": CARE,
    "appointments.patient_picker": CARE,
    "appointments.quick_patient": CARE,
    "appointments.show": CARE,
    "appointments.move": CARE,
    "appointments.cancel": CARE,
    "appointments.mark": CARE,
    "appointments.new_series": CARE,
    "appointments.tour_sheet": CARE,
    "appointments.import_new": ADMIN,
    "appointments.import_show": ADMIN,
    "appointments.import_mapping": ADMIN,
    "appointments.import_run": ADMIN,
    "appointments.import_abandon": ADMIN,
    # Issue 16: the round (order, kilometres) is the agenda's: secretary and practitioners.
    "appointments.round_order": CARE,
    "appointments.round_move": CARE,
    "appointments.round_kilometres": CARE,
    "appointments.confirmation": CARE,
    "appointments.availability": CARE,
    "appointments.delete_hours": CARE,
    "appointments.delete_absence": CARE,
    "appointments.types": ADMIN,
    "appointments.reminders": CARE,
    "records.show": PRACTITIONERS,
    "records.break_glass": PRACTITIONERS,
    "records.add_item": PRACTITIONERS,
    "records.correct_item": PRACTITIONERS,
    "records.delete_item": PRACTITIONERS,
    "records.lifestyle_consent": PRACTITIONERS,
    "records.new_session": PRACTITIONERS,
    "records.print_summary": PRACTITIONERS,
    "records.receipts": CARE,
    "records.record_payment": CARE,
    "records.export_receipts": CARE,
    "retention.archives": PRACTITIONERS,
    "retention.archived_file": PRACTITIONERS,
    "retention.restore": PRACTITIONERS,
    "retention.report": ADMIN,
    "retention.run_report": ADMIN,
    "notices.practice_settings": ADMIN,
    "notices.poster": EVERYONE,
    "notices.leaflet": EVERYONE,
    "notices.short_text": EVERYONE,
    "notices.record_print": EVERYONE,
    "notices.register": ADMIN,
    "notices.register_export": ADMIN,
    # A1, I3: whoever receives a request registers it; the administrative part is answered
    # by the admin; the medical part is released by practitioners only, from a request.
    "rights.index": EVERYONE,
    "rights.show": EVERYONE,
    "rights.check_identity": EVERYONE,
    "rights.export": ADMIN,
    "rights.export_ready": ADMIN,
    "rights.download": ADMIN,
    "rights.print_file": ADMIN,
    "rights.release_print": PRACTITIONERS,
    "rights.release_export": PRACTITIONERS,
    "rights.release_ready": PRACTITIONERS,
    "rights.release_download": PRACTITIONERS,
    "rights.erase": ADMIN,
    "rights.erase_optional": ADMIN,
    "rights.restrict": ADMIN,
    "rights.lift": ADMIN,
    "rights.preferences": EVERYONE,
    "audit.index": ADMIN,
    "audit.export": ADMIN,
    "users.index": ADMIN,
    "users.new": ADMIN,
    "users.show": ADMIN,
    "users.edit": ADMIN,
    "users.disable": ADMIN,
    "users.enable": ADMIN,
    "users.reset_password": ADMIN,
    "users.reset_authenticators": ADMIN,
    "users.unlock": ADMIN,
    "users.revoke_session": ADMIN,
    "users.security_settings": ADMIN,
    # X2, X8: backups, restore procedure and maintenance log are the admin's (A7).
    "compliance.index": ADMIN,
    "compliance.backup_settings": ADMIN,
    "compliance.procedure": ADMIN,
    "compliance.maintenance_log": ADMIN,
    "compliance.maintenance_edit": ADMIN,
    "compliance.maintenance_annotate": ADMIN,
    "governance.index": ADMIN,
    "governance.new_incident": ADMIN,
    "governance.incident": ADMIN,
    "governance.complete_incident": ADMIN,
    "governance.notify_incident": ADMIN,
    "governance.cnil_text": ADMIN,
    "governance.persons_letter": ADMIN,
    "governance.incident_register": ADMIN,
    "governance.review": ADMIN,
    "governance.past_review": ADMIN,
    "governance.compliance_report": ADMIN,
    "governance.confirm_measure": ADMIN,
    # Issue 13: the tablet fetches the authority's public certificate and the manifest
    # before anyone signs in on it; the enrolment page and its QR codes are the admin's.
    "tablets.index": ADMIN,
    "tablets.qr_code": ADMIN,
    "tablets.profile": {"public"},
    "tablets.certificate": {"public"},
    "tablets.manifest": {"public"},
    # Prescriptions and the cotation aid (issue 15): care-record data for practitioners; the
    # secretary's renewal calls list holds patient, prescriber and date only (A1).
    "prescriptions.new": PRACTITIONERS,
    "prescriptions.show": PRACTITIONERS,
    "prescriptions.add_photo": PRACTITIONERS,
    "prescriptions.photo": PRACTITIONERS,
    "prescriptions.propose_series": PRACTITIONERS,
    "prescriptions.renewals": PRACTITIONERS,
    "prescriptions.renewal_calls": CARE,
    "prescriptions.record_bsi": PRACTITIONERS,
    "billing.price_visit": PRACTITIONERS,
    "billing.prebill": PRACTITIONERS,
    "billing.export_prebill": PRACTITIONERS,
    "billing.print_prebill": PRACTITIONERS,
    "billing.mark_paid": PRACTITIONERS,
    "billing.tariffs_page": ADMIN,
    "reminders.settings_page": ADMIN,
    "reminders.send_test": ADMIN,
    "reminders.outbox": ADMIN,
    "reminders.email_card": CARE,
    # Transmissions (issue 16): care record, the care team only (never the secretary, A1).
    "transmissions.index": PRACTITIONERS,
    "transmissions.patient": PRACTITIONERS,
    "transmissions.new": PRACTITIONERS,
    "transmissions.correct": PRACTITIONERS,
    "transmissions.mark_read": PRACTITIONERS,
    # The locum's handover: practitioners (its own rules decide who opens which one).
    "handover.index": PRACTITIONERS,
    "handover.new": PRACTITIONERS,
    "handover.show": PRACTITIONERS,
    "handover.print_sheet": PRACTITIONERS,
    "handover.end": PRACTITIONERS,
}
# Endpoints that would end the very session the walk relies on: covered in test_auth.
SESSION_ENDING = {"auth.logout"}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules()]


def _url(rule, values):
    from flask import url_for

    args = {name: values[name] for name in rule.arguments}
    return url_for(rule.endpoint, **args)


@pytest.fixture
def url_values(make_patient, user):
    patient = make_patient()
    return {
        "patient_ref": patient.ref,
        "filename": "css/app.css",
        "user_ref": user("locum").ref,  # the admin's actions fall on the locum's account
        "credential_id": 999_999,
        "session_id": 999_999,
        "appointment_ref": "inconnu",
        "item_ref": "inconnu",
        "run_id": 999_999,
        "request_ref": "inconnu",
        "kind": "poster",
        "hours_id": 999_999,
        "absence_id": 999_999,
        "entry_ref": "inconnu",
        "target": "application",
        "prescription_ref": "inconnu",
        "visit_ref": "inconnu",
        "incident_ref": "inconnu",
        "review_ref": "inconnu",
        "import_ref": "inconnu",
        "transmission_ref": "inconnu",
        "handover_ref": "inconnu",
    }


def _refused(response) -> bool:
    """Refused by the access layer: 403, or sent to the login page."""
    if response.status_code == 403:
        return True
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    return response.status_code in (302, 401) and location.endswith("/connexion")


def test_every_endpoint_declares_a_policy(app):
    missing = [rule.endpoint for rule in _rules(app) if policy_for(app, rule.endpoint) is None]
    assert missing == []


def test_matrix_covers_every_endpoint(app):
    assert {rule.endpoint for rule in _rules(app)} == set(MATRIX)


def test_an_undeclared_endpoint_is_refused(app, role_client):
    @app.route("/sans-politique")
    def undeclared():
        return "should never be served"

    response = role_client("admin").get("/sans-politique")
    assert response.status_code == 403
    assert b"should never be served" not in response.data


def _fetch(client, url, method):
    response = client.open(url, method=method)
    response.close()  # static files stream from an open file
    return response


def _requests(app, values):
    with app.test_request_context():
        for rule in _rules(app):
            url = _url(rule, values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def test_anonymous_is_sent_to_login_everywhere_but_public(app, anon_client, url_values):
    for endpoint, method, url in _requests(app, url_values):
        response = _fetch(anon_client, url, method)
        if "public" in MATRIX[endpoint]:
            assert not _refused(response), (endpoint, method)
        else:
            assert response.status_code == 302, (endpoint, method)
            assert response.headers["Location"].endswith("/connexion"), endpoint


def test_anonymous_htmx_request_gets_a_redirect_header(anon_client):
    response = anon_client.post("/patients/recherche", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/connexion"


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, role_client, role, url_values):
    client = role_client(role)
    for endpoint, method, url in _requests(app, url_values):
        if endpoint in SESSION_ENDING:
            continue
        response = _fetch(client, url, method)
        allowed = role in MATRIX[endpoint] or "public" in MATRIX[endpoint]
        assert response.status_code < 500, (role, endpoint, method, response.status_code)
        if allowed:
            assert not _refused(response), (role, endpoint, method, response.status_code)
        else:
            assert response.status_code == 403, (role, endpoint, method)
            assert "Accès refusé".encode() in response.data


def test_roles_only_hold_declared_permissions():
    for role, permissions in ROLE_PERMISSIONS.items():
        assert permissions, role
    assert "record.read" not in ROLE_PERMISSIONS["secretary"]
    assert "users.manage" in ROLE_PERMISSIONS["admin"]
    assert "users.manage" not in ROLE_PERMISSIONS["practitioner"] | ROLE_PERMISSIONS["secretary"]


def test_a_refusal_to_htmx_is_its_message_in_place_of_the_main_content(
    secretary_client, make_patient
):
    """Found in a walk-through: htmx swaps every answer into the element that asked, and a
    refusal came back as a whole page (its menu, its header) to be nested there. To htmx it
    is the message alone, retargeted to the page's main content; a page load still gets the
    whole page."""
    patient = make_patient()
    hx = secretary_client.get(f"/soins/{patient.ref}", headers={"HX-Request": "true"})
    body = hx.get_data(as_text=True)
    assert hx.status_code == 403 and "<html" not in body and "<nav" not in body
    assert body.lstrip().startswith('<section class="card narrow" data-status="error"')
    assert "Votre profil ne permet pas d'accéder à cette page." in body.replace("&#39;", "'")
    assert (hx.headers["HX-Retarget"], hx.headers["HX-Reswap"]) == ("#main", "innerHTML")
    page = secretary_client.get(f"/soins/{patient.ref}")
    assert page.status_code == 403 and "<html" in page.get_data(as_text=True)
    assert "HX-Retarget" not in page.headers
    missing = secretary_client.get("/nulle-part", headers={"HX-Request": "true"})
    assert missing.status_code == 404 and "<html" not in missing.get_data(as_text=True)

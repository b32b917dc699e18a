"""R6, R8, T1: the archives (found by name, read after a stated reason, restored) and the
admin's retention report, each page traced."""

import datetime

from tests.archiving import SENTINEL, old_patient, run_job, visible
from tests.conftest import traces


def test_archives_page_needs_a_reason_and_traces_the_reading(
    app, practitioner_client, make_patient, user
):
    patient = old_patient(app, make_patient, user)
    run_job(app, "2026-11-29")
    found = practitioner_client.post("/archives/", data={"q": "zebulon"}).get_data(as_text=True)
    assert "ZEBULON ARCHIVE" in found.upper()
    page = practitioner_client.get(f"/archives/{patient.ref}").get_data(as_text=True)
    assert "Motif de la consultation" in page and "Allergie" not in page
    refused = practitioner_client.post(f"/archives/{patient.ref}", data={"reason": ""})
    assert refused.status_code == 422
    shown = practitioner_client.post(f"/archives/{patient.ref}", data={"reason": "returning"})
    assert f"Allergie {SENTINEL}" in shown.get_data(as_text=True)
    assert traces(app, action="retention.archive_view")[-1].patient_ref == patient.ref
    restored = practitioner_client.post(f"/archives/{patient.ref}/restaurer")
    assert restored.headers["Location"] == f"/patients/{patient.ref}"
    active, archived = visible(app)
    assert patient.ref in active and patient.ref not in archived


def test_archive_search_is_traced_by_its_count_never_the_name(
    app, practitioner_client, make_patient, user
):
    old_patient(app, make_patient, user)
    run_job(app, "2026-11-29")
    practitioner_client.post("/archives/", data={"q": "zeb"})
    practitioner_client.post("/archives/", data={"q": "inconnu"})
    searches = traces(app, action="retention.archive_search")
    assert [t.detail for t in searches] == ["1 résultat(s)", "0 résultat(s)"]
    assert not any("zeb" in t.detail.lower() or "inconnu" in t.detail for t in searches)
    empty = practitioner_client.post("/archives/", data={"q": "--"})
    assert "Indiquez un nom : des lettres ou des chiffres." in empty.get_data(as_text=True)
    assert len(traces(app, action="retention.archive_search")) == 2


def test_an_unknown_or_restored_file_is_not_in_the_archives(app, practitioner_client, make_patient):
    patient = make_patient()
    assert practitioner_client.get(f"/archives/{patient.ref}").status_code == 404
    assert practitioner_client.post(f"/archives/{patient.ref}/restaurer").status_code == 404


def test_the_admin_simulates_a_date_and_reads_the_run_report(app, admin_client, make_patient, user):
    from cabinet.retention.models import RetentionRun

    patient = old_patient(app, make_patient, user)
    page = admin_client.get("/conservation/")
    assert f'value="{datetime.date.today().isoformat()}"' in page.get_data(as_text=True)
    assert traces(app, action="retention.report")[-1].target == "retention"
    response = admin_client.post("/conservation/", data={"as_of": "2026-11-29"})
    with app.app_context():
        (run,) = RetentionRun.select()
    assert run.dry_run and run.as_of == datetime.date(2026, 11, 29) and run.outcome == "ok"
    assert response.headers["Location"] == f"/conservation/{run.id}"
    report = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Simulation de la conservation au 29/11/2026" in report
    assert f"{patient.last_name.upper()} {patient.first_names}" in report and "Archivage" in report
    assert traces(app, action="retention.report")[-1].target == f"retention_run:{run.id}"
    assert patient.ref in visible(app)[0]  # a dry run moves nothing
    bad = admin_client.post("/conservation/", data={"as_of": ""})
    assert bad.status_code == 422 and "Indiquez une date valide." in bad.get_data(as_text=True)
    with app.app_context():
        assert RetentionRun.select().count() == 1
    assert admin_client.get("/conservation/999999").status_code == 404

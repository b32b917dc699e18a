"""R1, R3–R5, R8, T6: the retention job archives and restores a file unchanged, ends it
with anonymous counts only, purges care sheets and receipts, waits for suspended files,
records each run; a dry run changes nothing. Encryption of what is kept:
test_retention_storage.py; crash safety: test_retention_crash.py; the pages:
test_retention_pages.py."""

import datetime
import json

import pytest

from tests.archiving import old_patient, run_job, visible
from tests.conftest import traces


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_archive_then_restore_gives_back_the_same_file(app, ctx, make_patient, user):
    from cabinet.patients.models import Patient
    from cabinet.retention import documents, engine

    patient = old_patient(app, make_patient, user)
    before = documents.comparable(documents.dump_many([patient.id])[patient.id])
    summary = run_job(app, "2026-11-29")
    assert summary["archived"] == 1
    active, archived = visible(app)
    assert patient.ref not in active and patient.ref in archived
    restored = engine.restore(patient.ref, user("practitioner"))
    after = documents.comparable(documents.dump_many([restored.id])[restored.id])
    # Everything identical but the restart of the clock, which is the point of restoring.
    assert after["patient"][0].pop("retention_restarted_at") is not None
    before["patient"][0].pop("retention_restarted_at")
    assert after == before
    active, archived = visible(app)
    assert patient.ref in active and patient.ref not in archived
    assert Patient.get(Patient.ref == patient.ref).retention_restarted_at is not None
    actions = [t.action for t in traces(app, patient_ref=patient.ref)]
    assert "retention.archive" in actions and "retention.restore" in actions


def test_restored_patient_is_not_archived_again_at_once(app, ctx, make_patient, user):
    from cabinet.retention import engine

    patient = old_patient(app, make_patient, user)
    run_job(app, "2026-11-29")
    engine.restore(patient.ref, user("practitioner"))
    assert run_job(app, "2026-11-30")["archived"] == 0


def test_dry_run_changes_nothing_and_says_why(app, ctx, make_patient, user):
    patient = old_patient(app, make_patient, user)
    before = visible(app)
    summary = run_job(app, "2026-11-29", dry_run=True)
    assert summary["archived"] == 1 and visible(app) == before
    (item,) = [i for i in summary["items"] if i["ref"] == patient.ref]
    assert item["action"] == "archive" and "02/03/2020" in item["reason"]


def test_dry_run_counts_files_archived_and_ended_in_the_same_run(app, ctx, make_patient, user):
    old_patient(app, make_patient, user, when=datetime.datetime(2006, 3, 2, 10))
    dry = run_job(app, "2026-11-29", dry_run=True)
    real = run_job(app, "2026-11-29")
    assert (dry["archived"], dry["deleted"]) == (real["archived"], real["deleted"]) == (1, 1)


def test_small_counts_are_suppressed(app, ctx, make_patient, user):
    from cabinet.retention.engine import statistics

    old_patient(app, make_patient, user, when=datetime.datetime(2006, 3, 2, 10))
    run_job(app, "2026-11-29")
    assert statistics()[0]["patients"] == "< 5"


def test_care_sheets_after_three_months_and_receipts_after_six_years(app, ctx, make_patient, user):
    from cabinet.records import services
    from cabinet.records.models import Act, CareSheet, Receipt

    patient = make_patient(treated_by="practitioner")
    services.record_session(
        user("practitioner"),
        patient,
        datetime.date.today(),
        [(Act.get(Act.code == "AMK 8"), 1)],
        paid_mode="cash",
    )
    CareSheet.update(created_at=datetime.datetime.now() - datetime.timedelta(days=91)).execute()
    Receipt.update(received_on=datetime.date.today() - datetime.timedelta(days=6 * 366)).execute()
    summary = run_job(app, datetime.datetime.now().isoformat())
    assert summary["care_sheets_purged"] == 1 and summary["receipts_purged"] == 1
    assert CareSheet.select().count() == 0 and Receipt.select().count() == 0


def test_suspended_files_wait(app, ctx, make_patient, user):
    from cabinet.patients.models import Patient

    patient = old_patient(app, make_patient, user)
    Patient.update(retention_suspended=True).where(Patient.id == patient.id).execute()
    summary = run_job(app, "2045-01-01")
    assert summary["archived"] == 0 and summary["suspended"] == 1


def test_each_run_is_recorded(app, ctx, make_patient, user):
    from cabinet.retention.models import RetentionRun

    run_job(app, "2026-11-29", dry_run=True)
    run_job(app, "2026-11-29")
    runs = list(RetentionRun.select().order_by(RetentionRun.id))
    assert [(r.dry_run, r.outcome) for r in runs] == [(True, "ok"), (False, "ok")]
    assert json.loads(runs[1].summary)["as_of"] == "2026-11-29"
    assert len(traces(app, action="system.retention_run")) == 2

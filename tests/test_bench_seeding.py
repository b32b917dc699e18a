"""The benchmark's bulk traces (bench/seeding.py, issue 20) are a journal a practice could
hold: each journal's chain verifies, and its times follow its numbers and stay in the past,
also when written after the pages' own traces."""

from bench.seeding import bulk_traces, second_readings_journal
from cabinet.audit import journals
from cabinet.audit.verification import verify_journals
from cabinet.db import utcnow


def test_bulk_traces_keep_each_journal_verifiable_and_in_time_order(app, secretary_client):
    assert secretary_client.get("/agenda/").status_code == 200  # a reading of the page's own
    with app.app_context():
        heads = {j.name: j.model.select().count() for j in journals.every()}
    assert heads["consultations"] >= 1
    bulk_traces(app, heads["principal"] + 40)
    bulk_traces(app, heads["consultations"] + 60, journals.READINGS_JOURNAL)
    bulk_traces(app, 30, second_readings_journal(app))  # the second worker's, created
    with app.app_context():
        counts = verify_journals(app.extensions["cabinet.audit_key"])
        for journal in journals.every():
            times = [row.at for row in journal.model.select().order_by(journal.model.seq)]
            assert times == sorted(times) and times[-1] <= utcnow()
    assert counts == {
        "principal": heads["principal"] + 40,
        "consultations": heads["consultations"] + 60,
        "consultations-2": 30,
    }

"""T1, T2, X1 (issue 20): a page that only shows data traces in the journal of readings,
`lectures.db`; a change's trace stays in its transaction in the active base. Both journals
are encrypted, sealed, verified, paged through together, pruned, backed up and restored;
a missing journal of readings stops the start instead of being silently recreated."""

import datetime
import json

import pytest

from cabinet import create_app
from cabinet.audit import journals, trace
from cabinet.db import StartupError, close_stores, database
from tests.conftest import instance_config, traces
from tests.continuity import all_keys, make_backup


def test_a_reading_goes_to_the_journal_of_readings_and_a_change_stays_with_its_change(
    app, secretary_client, make_patient
):
    patient = make_patient()
    assert [t.journal for t in traces(app, action="patient.create")] == ["principal"]
    secretary_client.get(f"/patients/{patient.ref}")
    (view,) = traces(app, action="patient.view", patient_ref=patient.ref)
    assert view.journal == "consultations"
    with app.app_context():
        # The same reading traced inside a transaction is written with it, in the base.
        with database.atomic():
            inside = trace(None, "patient.view", patient=patient.ref, target="patient")
        alone = trace(None, "patient.view", patient=patient.ref, target="patient")
    assert (inside.journal, alone.journal) == ("principal", "consultations")
    assert journals.for_action("patient.update") is journals.MAIN


def test_a_reading_commits_nothing_to_the_active_base(
    app, instance, secretary_client, make_patient
):
    """What the journal of readings is for: a page view leaves the active file unchanged, so
    the other worker's page cache survives it (bench/cache_invalidation.py measures it)."""
    from cabinet.compliance import snapshot

    patient = make_patient()
    secretary_client.get(f"/patients/{patient.ref}")  # the session's first writes
    # Another connection, as the other worker's: its data_version moves when someone else
    # commits to the file.
    other = snapshot.connect(instance / "cabinet.db", all_keys(instance)["database"], True)
    try:
        before = other.execute("PRAGMA data_version").fetchone()[0]
        assert secretary_client.get(f"/patients/{patient.ref}").status_code == 200
        assert secretary_client.get("/agenda/").status_code == 200
        assert secretary_client.post("/patients/recherche", data={"q": "a"}).status_code == 200
        assert other.execute("PRAGMA data_version").fetchone()[0] == before
        make_patient()  # a change does commit there: the check above can fail
        assert other.execute("PRAGMA data_version").fetchone()[0] != before
    finally:
        other.close()
    assert len(traces(app, action="patient.view", patient_ref=patient.ref)) == 2
    assert traces(app, action="appointment.agenda_view")[-1].journal == "consultations"


def test_the_journal_of_readings_is_encrypted_under_the_database_key(app, instance):
    path = instance / "lectures.db"
    assert path.stat().st_mode & 0o777 == 0o600
    assert not path.read_bytes()[:16].startswith(b"SQLite format 3")
    from cabinet.compliance import snapshot

    conn = snapshot.connect(path, all_keys(instance)["database"], read_only=True)
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert {"trace", "trace_checkpoint"} <= tables


def test_a_missing_journal_of_readings_stops_the_start(app, instance):
    close_stores()
    for suffix in ("", "-wal", "-shm"):
        (instance / f"lectures.db{suffix}").unlink(missing_ok=True)
    with pytest.raises(StartupError) as refused:
        create_app(instance_config(instance))
    assert "journal des consultations" in str(refused.value)
    assert "Restaurez une sauvegarde" in str(refused.value)
    assert not (instance / "lectures.db").exists()  # nothing recreated over the loss


def test_an_instance_from_before_the_journal_gets_one_and_records_it(app, instance):
    """An instance migrated before this version has no lectures.db and no record of one: it
    starts, creates the journal, and from then on records that it has one."""
    with app.app_context():
        with database.atomic():
            database.execute_sql('DELETE FROM "readings_journal"')
    close_stores()
    for suffix in ("", "-wal", "-shm"):
        (instance / f"lectures.db{suffix}").unlink(missing_ok=True)
    again = create_app(instance_config(instance))
    with again.app_context():
        assert (instance / "lectures.db").exists()
        count = database.execute_sql('SELECT count(*) FROM "readings_journal"').fetchone()[0]
        assert count == 1
    close_stores()


def test_the_viewer_pages_through_both_journals_newest_first(app, admin_client, make_patient):
    """Each journal numbers its entries from 1: a page ends at a number per journal, and
    following the link shows every entry once, in time order — also when a whole page
    holds entries of one journal only (the other keeps its place)."""
    with app.app_context():
        for index in range(30):
            trace(None, "patient.view", patient=f"ref-{index}", target="patient")
        for index in range(100):
            trace(None, "settings.update", target=f"setting:n{index}")
        for index in range(10):
            trace(None, "patient.view", patient=f"ref-{index}", target="patient")
    page = admin_client.get("/journal/").get_data(as_text=True)
    seen = []
    while True:
        seen += [
            ("consultations" if reading else "principal", int(seq))
            for reading, seq in _numbers(page)
        ]
        following = _more(page)
        if following is None:
            break
        page = admin_client.get(following).get_data(as_text=True)
    expected = [(t.journal, t.seq) for t in reversed(traces(app))]
    # The viewer's own traces (audit.view) are written as it pages: compare what was there.
    assert [entry for entry in seen if entry in expected] == [
        entry for entry in expected if entry in seen
    ]
    assert len(seen) == len(set(seen))
    written = {(t.journal, t.seq) for t in traces(app) if t.action != "audit.view"}
    assert written <= set(seen)


def _numbers(page: str):
    import re

    return re.findall(r"<small>(?:(consultation) )?n° (\d+)</small>", page)


def _more(page: str):
    import html
    import re

    found = re.search(r'href="([^"]+)" hx-get="[^"]+" hx-target="closest tr"', page)
    return html.unescape(found.group(1)) if found else None


def test_prune_cuts_both_journals_and_each_still_verifies(app, runner, make_patient):
    from cabinet.audit import jobs, verification

    with app.app_context():
        for index in range(6):
            trace(None, "patient.view", patient=f"ref-{index}", target="patient")
            trace(None, "settings.update", target=f"setting:n{index}")
    everything = traces(app)
    mine = [t for t in everything if (t.patient_ref or t.target).startswith(("ref-", "setting:n"))]
    boundary = mine[len(mine) // 2].at
    older = [t for t in everything if t.at < boundary]
    assert {t.journal for t in older} == {"principal", "consultations"}
    with app.test_request_context():
        summary = jobs.run(boundary + datetime.timedelta(days=365))
    assert summary["pruned"] == len(older)
    with app.app_context():
        for journal in journals.every():
            assert journal.checkpoint.select().count() >= 1, journal.name
        counts = verification.verify_journals(app.extensions["cabinet.audit_key"])
    assert counts["consultations"] > 0
    assert all(t.at >= boundary for t in traces(app) if t.action != "system.audit_prune")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "au journal des consultations" in result.output


def test_a_backup_without_the_journal_of_readings_fails_its_restore_test(
    backup_app, backup_dir, make_patient
):
    from cabinet.compliance import checks, manifest

    summary = make_backup(backup_app)
    folder = backup_dir / summary["name"]
    with backup_app.app_context():
        key = manifest.backup_key()
        audit_key = backup_app.extensions["cabinet.audit_key"]
        assert checks.problems(folder, key, audit_key) == []
        document = json.loads((folder / manifest.MANIFEST).read_text(encoding="utf-8"))
        body = document["manifest"]
        body["files"] = [f for f in body["files"] if f["name"] != "lectures.db"]
        (folder / "lectures.db").unlink()
        resealed = {"manifest": body, "seal": manifest.seal(key, body)}
        (folder / manifest.MANIFEST).write_text(json.dumps(resealed), encoding="utf-8")
        problems = checks.problems(folder, key, audit_key)
    assert problems == ["La sauvegarde ne contient pas le journal des consultations (lectures.db)."]


def test_a_tampered_journal_of_readings_in_a_backup_fails_its_restore_test(
    backup_app, backup_dir, make_patient
):
    """The readings chain is checked on the copy itself, like the main one."""
    from cabinet.compliance import checks, manifest, snapshot

    patient = make_patient()
    with backup_app.app_context():
        trace(None, "patient.view", patient=patient.ref, target="patient")
        trace(None, "patient.view", patient=patient.ref, target="patient")
    summary = make_backup(backup_app)
    folder = backup_dir / summary["name"]
    with backup_app.app_context():
        key = manifest.backup_key()
        copy_key = manifest.file_key(key, summary["name"], "lectures.db")
        problems = checks.chain_problems(
            folder / "lectures.db", copy_key, backup_app.extensions["cabinet.audit_key"]
        )
        assert problems == []
        conn = snapshot.connect(folder / "lectures.db", copy_key)
        conn.execute("UPDATE trace SET actor_name = 'Personne' WHERE seq = 1")
        conn.close()
        problems = checks.chain_problems(
            folder / "lectures.db", copy_key, backup_app.extensions["cabinet.audit_key"]
        )
    assert problems and "journal des traces altéré" in problems[0]


def test_a_reading_chains_after_whatever_else_wrote_its_journal(app, instance):
    """T2: a reading written alone keeps the chain's head it left last time (issue 20),
    unless the journal changed since: another connection's entries (another process), an
    entry written by this connection another way, a prune. The chain verifies after each."""
    from cabinet.audit import jobs, verification
    from cabinet.audit.chain import seal
    from cabinet.compliance import snapshot
    from cabinet.db import insert_rows, utcnow

    key = app.extensions["cabinet.audit_key"]

    def by_hand(db):
        """One sealed entry appended as another writer would, through `db`."""
        seq, previous = db.execute(
            "SELECT seq, seal FROM trace ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        fields = {
            "seq": seq + 1,
            "at": utcnow(),
            "actor_id": None,
            "actor_name": "autre",
            "role": "",
            "action": "patient.view",
            "patient_ref": "ref-autre",
            "target": "patient",
            "detail": "",
            "client_address": "",
            "outcome": "ok",
        }
        fields["seal"] = seal(key, fields, previous)
        return fields

    with app.app_context():
        first = trace(None, "patient.view", patient="ref-1", target="patient")
        # Another connection to the file, as another process would write.
        other = snapshot.connect(instance / "lectures.db", all_keys(instance)["database"])
        fields = by_hand(other)
        other.execute(
            f"INSERT INTO trace ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",  # noqa: S608
            [str(v) if k == "at" else v for k, v in fields.items()],
        )
        other.close()
        second = trace(None, "patient.view", patient="ref-2", target="patient")
        assert second.seq == first.seq + 2
        # This connection, another way (peewee's own transaction).
        with journals.READINGS_JOURNAL.db.atomic():
            row = by_hand(journals.READINGS_JOURNAL.db.connection())
            insert_rows(journals.READINGS_JOURNAL.model, [row])
        third = trace(None, "patient.view", patient="ref-3", target="patient")
        assert third.seq == second.seq + 2
        assert verification.verify_journals(key)["consultations"] == third.seq
    with app.test_request_context():
        jobs.run(utcnow() + datetime.timedelta(days=4000))  # everything pruned
    with app.app_context():
        last = trace(None, "patient.view", patient="ref-4", target="patient")
        assert last.seq == third.seq + 1
        assert verification.verify_journals(key)["consultations"] == 1

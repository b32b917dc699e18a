"""T1, T2, T4, X2 (issue 20): each process writes its readings in a journal of its own.

The first process to trace a reading holds `lectures.db` (its lock file, for its life); a
second one, while the first lives, writes `lectures-2.db`, created and recorded in the
active base. Every journal is read together (viewer, export, access report, retention
guard), verified, pruned, backed up and restored; a recorded journal that went missing
stops the start. Here "another worker" is a real second process holding the first lock.
"""

import datetime
import json
import os
import subprocess
import sys

import pytest

from cabinet import create_app, locks
from cabinet.audit import journals, trace
from cabinet.db import StartupError, close_stores, database
from tests.conftest import instance_config, traces
from tests.continuity import all_keys, make_backup

HOLD = (
    "import fcntl, sys, time\n"
    "handle = open(sys.argv[1], 'a')\n"
    "fcntl.flock(handle, fcntl.LOCK_EX)\n"
    "print('held', flush=True)\n"
    "sys.stdin.read()\n"
)


@pytest.fixture
def other_worker(instance):
    """Another living process holding the first journal of readings, as the other gunicorn
    worker does once it traced a reading. Taken before this test's app traces anything."""
    holder = subprocess.Popen(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", HOLD, str(instance / "lectures.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    yield holder
    _release(holder)


def _release(holder):
    holder.stdin.close()
    holder.wait(timeout=10)
    holder.stdout.close()


def _recorded(app) -> list[int]:
    with app.app_context():
        return [
            row[0]
            for row in database.execute_sql('SELECT "id" FROM "readings_journal" ORDER BY "id"')
        ]


def test_a_second_process_writes_its_readings_in_a_journal_of_its_own(
    other_worker, app, instance, secretary_client, make_patient
):
    patient = make_patient()
    assert _recorded(app) == [1]
    assert secretary_client.get(f"/patients/{patient.ref}").status_code == 200
    (view,) = traces(app, action="patient.view", patient_ref=patient.ref)
    assert view.journal == "consultations-2"
    assert _recorded(app) == [1, 2]
    path = instance / "lectures-2.db"
    assert path.stat().st_mode & 0o777 == 0o600
    assert not path.read_bytes()[:16].startswith(b"SQLite format 3")  # encrypted
    # The change's trace stays with its change, in the active base.
    assert [t.journal for t in traces(app, action="patient.create")] == ["principal"]
    # The first journal holds none of this process's readings.
    with app.app_context():
        assert journals.READINGS_JOURNAL.model.select().count() == 0


def test_the_first_process_keeps_the_first_journal(app, instance, secretary_client, make_patient):
    """Without another writer, readings go to lectures.db and no further file is made."""
    patient = make_patient()
    secretary_client.get(f"/patients/{patient.ref}")
    (view,) = traces(app, action="patient.view", patient_ref=patient.ref)
    assert view.journal == "consultations"
    assert not (instance / "lectures-2.db").exists() and _recorded(app) == [1]


def test_a_lock_taken_before_a_fork_is_not_the_childs(tmp_path):
    """gunicorn forks its workers: a child must not count its parent's lock as its own, or
    both would write the same journal believing they are alone."""
    path = tmp_path / "x.lock"
    assert locks.hold(path)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write, b"1" if locks.hold(path) else b"0")
        os._exit(0)
    os.waitpid(child, 0)
    answer = os.read(read, 1)
    os.close(read)
    os.close(write)
    assert answer == b"0"


def test_every_journal_is_read_together(other_worker, app, admin_client, make_patient):
    """The viewer lists the second journal's readings, numbered "n° 2.<n>", pages through
    three journals, and the patient's access report and the CSV export include them."""
    patient = make_patient()
    with app.app_context():
        for _ in range(3):
            trace(None, "patient.view", patient=patient.ref, target="patient")
    page = admin_client.get(f"/journal/?patient={patient.ref}").get_data(as_text=True)
    assert page.count("consultation n° 2.") == 3
    report = admin_client.get(f"/patients/{patient.ref}/acces").get_data(as_text=True)
    assert report.count("Consultation de la fiche administrative") >= 3
    export = admin_client.get(f"/journal/export.csv?patient={patient.ref}")
    lines = export.get_data(as_text=True).splitlines()
    assert sum(line.startswith("consultations-2;") for line in lines) == 3


def test_the_viewer_pages_through_three_journals_once_each(
    other_worker, app, admin_client, instance
):
    """A cursor holds one number per journal; a cursor written before a journal existed
    shows none of its (newer) entries."""
    import html
    import re

    with app.app_context():
        for index in range(40):
            trace(None, "patient.view", patient=f"ref-{index}", target="patient")
            trace(None, "settings.update", target=f"setting:n{index}")
    # The first journal's entries, as the other worker would have written them.
    with app.app_context():
        rows = [
            {
                "seq": n,
                "at": datetime.datetime(2026, 1, 1, 12, 0, n),
                "actor_name": "système",
                "action": "patient.view",
                "patient_ref": f"old-{n}",
                "target": "patient",
            }
            for n in range(1, 4)
        ]
        _chain(app, journals.READINGS_JOURNAL, rows)
    seen, page = [], admin_client.get("/journal/").get_data(as_text=True)
    while True:
        # "n° 12" (main journal), "consultation n° 12" (first), "consultation n° 2.12".
        seen += re.findall(r"<small>((?:consultation )?n° [0-9.]+)</small>", page)
        found = re.search(r'href="([^"]+)" hx-get="[^"]+" hx-target="closest tr"', page)
        if not found:
            break
        assert len(html.unescape(found.group(1)).split("avant=")[1].split("-")) == 3
        page = admin_client.get(html.unescape(found.group(1))).get_data(as_text=True)
    assert len(seen) == len(set(seen))  # each entry once
    assert {f"consultation n° 2.{n}" for n in range(1, 41)} <= set(seen)
    assert {f"consultation n° {n}" for n in range(1, 4)} <= set(seen)
    from cabinet.audit import services

    with app.app_context():
        everything = list(services.search(limit=None))
        older = list(services.search(before=(10**9, 10**9), limit=None))
    assert {row.journal for row in everything} == {"principal", "consultations", "consultations-2"}
    assert "consultations-2" not in {row.journal for row in older}


def _chain(app, journal, rows):
    """Append sealed rows to a journal as the application writes them."""
    from cabinet.audit.chain import seal
    from cabinet.audit.services import _head
    from cabinet.db import insert_rows

    key = app.extensions["cabinet.audit_key"]
    with journal.db.atomic():
        seq, previous = _head(journal)
        for row in rows:
            seq += 1
            fields = {
                "actor_id": None,
                "role": "",
                "detail": "",
                "client_address": "",
                "outcome": "ok",
                **row,
                "seq": seq,
            }
            fields["seal"] = previous = seal(key, fields, previous)
            insert_rows(journal.model, [fields])


def test_verify_and_prune_cover_every_journal(other_worker, app, runner):
    from cabinet.audit import jobs, verification

    with app.app_context():
        for index in range(6):
            trace(None, "patient.view", patient=f"ref-{index}", target="patient")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "au journal des consultations, en 2 fichiers" in result.output
    second = [t for t in traces(app) if t.journal == "consultations-2"]
    boundary = second[3].at
    with app.test_request_context():
        jobs.run(boundary + datetime.timedelta(days=365))
    with app.app_context():
        journal = journals.readings(2)
        assert journal.checkpoint.select().count() == 1
        assert [t.patient_ref for t in journal.model.select().order_by(journal.model.seq)] == [
            "ref-3",
            "ref-4",
            "ref-5",
        ]
        counts = verification.verify_journals(app.extensions["cabinet.audit_key"])
    assert counts["consultations-2"] == 3
    # A row edited in the second journal is found and named.
    from cabinet.compliance import snapshot

    conn = snapshot.connect(app.config["INSTANCE_PATH"] / "lectures-2.db", _key(app))
    conn.execute("UPDATE trace SET actor_name = 'Personne' WHERE seq = 5")
    conn.close()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "journal des consultations n° 2 : Entrée n° 5 invalide" in result.output


def _key(app):
    return all_keys(app.config["INSTANCE_PATH"])["database"]


def test_a_missing_second_journal_stops_the_start(other_worker, app, instance, secretary_client):
    secretary_client.get("/agenda/")
    assert (instance / "lectures-2.db").exists()
    close_stores()
    for suffix in ("", "-wal", "-shm"):
        (instance / f"lectures-2.db{suffix}").unlink(missing_ok=True)
    with pytest.raises(StartupError) as refused:
        create_app(instance_config(instance))
    assert "lectures-2.db" in str(refused.value) and "Restaurez une sauvegarde" in str(
        refused.value
    )
    assert not (instance / "lectures-2.db").exists()  # nothing recreated over the loss


def test_the_retention_guard_reads_a_journal_created_after_its_mark(other_worker, app):
    """A file opened after the move's mark, in a journal that did not exist at the mark, is
    still seen as opened (the guard keeps it in the active base)."""
    from cabinet.retention import engine

    with app.app_context():
        mark = engine.trace_mark()
        assert "consultations-2" not in mark
        trace(None, "patient.view", patient="ref-opened", target="patient")
        assert "ref-opened" in engine._touched_since(mark)
        assert "ref-opened" not in engine._touched_since(engine.trace_mark())


def test_backups_carry_every_journal_and_a_restore_brings_them_back(
    other_worker, backup_app, backup_dir, tmp_path, instance
):
    from cabinet.compliance import checks, manifest, snapshot

    with backup_app.app_context():
        trace(None, "patient.list", target="patients", detail="1 fiche(s)")
    assert (instance / "lectures-2.db").exists()
    summary = make_backup(backup_app)
    folder = backup_dir / summary["name"]
    document = json.loads((folder / manifest.MANIFEST).read_text(encoding="utf-8"))
    stores = {f["name"]: f["store"] for f in document["manifest"]["files"]}
    assert stores["lectures.db"] == stores["lectures-2.db"] == "readings"
    with backup_app.app_context():
        key = manifest.backup_key()
        audit_key = backup_app.extensions["cabinet.audit_key"]
        assert checks.problems(folder, key, audit_key) == []
        # Without the second journal, the restore test says which one is missing.
        body = document["manifest"]
        body["files"] = [f for f in body["files"] if f["name"] != "lectures-2.db"]
        broken = tmp_path / "abimee" / summary["name"]
        broken.mkdir(parents=True)
        for entry in body["files"]:
            (broken / entry["name"]).write_bytes((folder / entry["name"]).read_bytes())
        resealed = {"manifest": body, "seal": manifest.seal(key, body)}
        (broken / manifest.MANIFEST).write_text(json.dumps(resealed), encoding="utf-8")
        assert checks.problems(broken, key, audit_key) == [
            "La sauvegarde ne contient pas le journal des consultations (lectures-2.db)."
        ]
    target = tmp_path / "nouvelle-machine"
    (target / "keys").mkdir(parents=True)
    for name in ("database", "audit", "archive", "backup"):
        (target / "keys" / f"{name}.key").write_bytes(
            (instance / "keys" / f"{name}.key").read_bytes()
        )
    result = backup_app.test_cli_runner().invoke(
        args=["backup", "restore", summary["name"], "--to", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert {"lectures.db", "lectures-2.db"} <= {p.name for p in target.iterdir()}
    conn = snapshot.connect(target / "lectures-2.db", all_keys(target)["database"], True)
    try:
        actions = [row[0] for row in conn.execute("SELECT action FROM trace")]
    finally:
        conn.close()
    assert "patient.list" in actions


def test_an_in_place_restore_sets_aside_a_journal_the_backup_has_not(
    backup_app, backup_dir, instance
):
    """The instance returns to the backup's moment: a journal created since is set aside,
    and the process writes its next reading in a journal the restored base knows."""
    summary = make_backup(backup_app)  # before any second journal
    holder = subprocess.Popen(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", HOLD, str(instance / "lectures.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with backup_app.app_context():
            trace(None, "patient.list", target="patients", detail="1 fiche(s)")
        assert (instance / "lectures-2.db").exists()
        result = backup_app.test_cli_runner().invoke(
            args=["backup", "restore", summary["name"], "--yes"]
        )
        assert result.exit_code == 0, result.output
        assert not (instance / "lectures-2.db").exists()
        assert any(
            p.name.startswith("lectures-2.db.avant-restauration-") for p in instance.iterdir()
        )
        with backup_app.app_context():
            again = trace(None, "patient.list", target="patients", detail="1 fiche(s)")
        assert again.journal == "consultations-2" and again.seq == 1
        assert _recorded(backup_app) == [1, 2]
    finally:
        _release(holder)


def test_the_full_export_holds_every_journal(other_worker, app, tmp_path):
    """The second journal leaves as its own domain, "consultations-2", valid against the
    published schema, and its own CSV."""
    import re

    import jsonschema
    import pyzipper

    from cabinet.compliance import restitution

    with app.app_context():
        trace(None, "patient.list", target="patients", detail="1 fiche(s)")
    target = tmp_path / "export.zip"
    result = app.test_cli_runner().invoke(args=["export-all", "--to", str(target)])
    assert result.exit_code == 0, result.output
    password = re.search(r"une seule fois, notez-le à part\) : (\S+)", result.output).group(1)
    schema = json.loads(restitution.SCHEMA_PATH.read_text())
    with pyzipper.AESZipFile(target) as archive:
        archive.setpassword(password.encode())
        names = archive.namelist()
        document = json.loads(archive.read("json/consultations-2.json"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert "csv/consultations-2-trace.csv" in names and "csv/consultations-trace.csv" in names
    assert [row["action"] for row in document["tables"]["trace"]["rows"]] == ["patient.list"]
    document["tables"].pop("trace")
    with pytest.raises(jsonschema.ValidationError):  # the schema does hold that domain
        jsonschema.Draft202012Validator(schema).validate(document)

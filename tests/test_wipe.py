"""X8: `wipe --i-understand` destroys an instance for disposal: it is written in the
maintenance log first, the keys are destroyed before anything else (crypto-shredding),
then every file is overwritten in place and removed; no readable file is left."""

import os

import pytest

from cabinet import create_app
from cabinet.compliance import snapshot, wipe
from cabinet.compliance.models import MaintenanceEntry
from cabinet.db import database
from tests.conftest import instance_config
from tests.continuity import all_keys, make_backup


def test_wipe_needs_its_confirmation(backup_app, instance):
    result = backup_app.test_cli_runner().invoke(args=["wipe"])
    assert result.exit_code == 1 and "--i-understand" in result.output
    assert (instance / "cabinet.db").exists() and (instance / "keys" / "database.key").exists()


def test_wipe_is_refused_while_cabinet_serves(app, instance, admin_client):
    assert admin_client.get("/").status_code == 200
    other = create_app(instance_config(instance))
    result = other.test_cli_runner().invoke(args=["wipe", "--i-understand"])
    assert result.exit_code == 1 and "en service" in result.output
    assert (instance / "keys" / "database.key").exists()


def test_wipe_leaves_no_readable_file(backup_app, instance, backup_dir, tmp_path, monkeypatch):
    from cabinet.retention.archive import ensure_schema

    with backup_app.app_context():
        ensure_schema()
    summary = make_backup(backup_app)
    database.close()
    keys_before = all_keys(instance)
    # Hard links outside the instance see the very blocks wipe overwrites.
    witnesses = {}
    for path in [
        instance / "cabinet.db",
        instance / "keys" / "database.key",
        instance / "archive.db",
    ]:
        link = tmp_path / f"temoin-{path.name}"
        os.link(path, link)
        witnesses[link] = path.read_bytes()
    backup_file = backup_dir / summary["name"] / "cabinet.db"
    os.link(backup_file, tmp_path / "temoin-sauvegarde")
    witnesses[tmp_path / "temoin-sauvegarde"] = backup_file.read_bytes()
    order = []
    real_shred = wipe.shred

    def watched(path):
        if not order:  # the first file destroyed: the log already says why
            with fresh.app_context():
                entry = MaintenanceEntry.select().order_by(MaintenanceEntry.id.desc()).first()
                assert "Effacement sécurisé" in entry.what
        order.append(path)
        return real_shred(path)

    monkeypatch.setattr(wipe, "shred", watched)
    fresh = create_app(instance_config(instance, BACKUP_DIR=backup_dir))
    result = fresh.test_cli_runner().invoke(args=["wipe", "--i-understand", "--with-backups"])
    assert result.exit_code == 0, result.output
    assert "Clé détruite" in result.output
    keys_shredded = [p for p in order if p.suffix == ".key"]
    assert order[: len(keys_shredded)] == keys_shredded and len(keys_shredded) == 4
    assert not instance.exists()
    assert list(backup_dir.iterdir()) == []
    for link, before in witnesses.items():
        after = link.read_bytes()
        assert after and after[: len(before)] != before[: len(after)], link.name
        for key in keys_before.values():
            assert key.encode() not in after
    with pytest.raises(snapshot.DatabaseError):  # the old database, with its old key
        snapshot.connect(tmp_path / "temoin-cabinet.db", keys_before["database"]).execute(
            "SELECT count(*) FROM sqlite_master"
        ).fetchone()


def test_the_shred_overwrites_in_place(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_bytes(b"DUPONT Marie " * 1000)
    os.link(path, tmp_path / "lien")
    assert wipe.shred(path) == 13_000
    assert not path.exists()
    assert b"DUPONT" not in (tmp_path / "lien").read_bytes()


@pytest.fixture(autouse=True)
def _close():
    yield
    database.close()

"""T2: `flask audit verify` names the damaged entry whatever was done to it outside the
application — a timestamp that is not one, NULLs, a number where text belongs, a blob —
and exits 1 with one French line, never a traceback (issue 19, point 5)."""

import pytest

from cabinet.db import database


def _seq_to_damage(app, secretary_client, make_patient) -> int:
    for patient in [make_patient() for _ in range(3)]:
        secretary_client.get(f"/patients/{patient.ref}")
    with app.app_context():
        return database.execute_sql("SELECT max(seq) - 2 FROM trace").fetchone()[0]


def _loosen(app) -> None:
    """Rebuild the trace table without its types and NOT NULL constraints, as someone
    holding the key could: then any value fits anywhere."""
    columns = (
        "seq INTEGER PRIMARY KEY AUTOINCREMENT, at, actor_id, actor_name, role, action, "
        "patient_ref, target, detail, client_address, outcome, seal"
    )
    with app.app_context():
        database.execute_sql("ALTER TABLE trace RENAME TO trace_before")
        database.execute_sql(f"CREATE TABLE trace ({columns})")
        database.execute_sql("INSERT INTO trace SELECT * FROM trace_before")
        database.execute_sql("DROP TABLE trace_before")


def _verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # our message, not a crash
    assert "Traceback" not in result.output
    return result.output


# (damage, on a table rebuilt without types and NOT NULL, what the message says)
DAMAGES = [
    ("at = 'garbage'", False, "endommagée : horodatage illisible"),
    ("at = '2026-13-45 25:00:00'", False, "endommagée : horodatage illisible"),
    ("at = 12345", False, "endommagée : horodatage illisible"),
    ("detail = x'00ff'", False, "endommagée : champ « detail »"),
    ("patient_ref = x'01'", False, "endommagée : champ « patient_ref »"),
    ("actor_id = 'abc'", False, "endommagée : champ « actor_id »"),
    ("outcome = 42", False, "invalide"),  # the column's affinity stores the text '42'
    ("at = '2001-01-01 00:00:00'", False, "invalide"),
    ("at = NULL", True, "endommagée : horodatage illisible"),
    ("actor_name = NULL", True, "endommagée : champ « actor_name »"),
    ("seal = NULL", True, "endommagée : champ « seal »"),
    ("outcome = 42", True, "endommagée : champ « outcome »"),
    ("actor_id = 1.5", True, "endommagée : champ « actor_id »"),
]


@pytest.mark.parametrize(("damage", "loose", "expected"), DAMAGES)
def test_verify_names_the_damaged_entry(
    app, runner, secretary_client, make_patient, damage, loose, expected
):
    seq = _seq_to_damage(app, secretary_client, make_patient)
    if loose:
        _loosen(app)
    with app.app_context():
        database.execute_sql(f"UPDATE trace SET {damage} WHERE seq = ?", (seq,))  # noqa: S608
    output = _verify(runner)
    assert f"Entrée n° {seq} {expected}" in output
    assert output.startswith("Journal altéré — ") and output.count("\n") == 1


def test_verify_reports_a_damaged_starting_point(app, runner, secretary_client, make_patient):
    _seq_to_damage(app, secretary_client, make_patient)
    with app.app_context():
        database.execute_sql("DROP TABLE trace_checkpoint")
        database.execute_sql(
            "CREATE TABLE trace_checkpoint (id INTEGER PRIMARY KEY, created_at, cutoff, "
            "last_pruned_seq, last_pruned_seal, pruned_count)"
        )
        database.execute_sql(
            "INSERT INTO trace_checkpoint (created_at, cutoff, last_pruned_seq, "
            "last_pruned_seal, pruned_count) VALUES ('x', 'x', 'abc', NULL, 0)"
        )
    assert "Point de départ du journal endommagé" in _verify(runner)


def test_verify_reports_an_unreadable_journal(app, runner):
    with app.app_context():
        database.execute_sql("DROP TABLE trace")
    output = _verify(runner)
    assert output.startswith("Journal illisible") and output.count("\n") == 1

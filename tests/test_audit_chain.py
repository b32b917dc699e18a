"""T2, T6: the sealed chain catches an altered, removed, inserted or reordered entry at the
right number; pruning keeps it verifiable; `flask audit verify` says so."""

import datetime

import pytest
from peewee import fn

from cabinet.audit import chain
from cabinet.db import database

KEY = bytes(range(32))


def _rows(n):
    rows, previous = [], chain.GENESIS
    for seq in range(1, n + 1):
        row = {
            "seq": seq,
            "at": datetime.datetime(2026, 1, 1, 8, seq),
            "actor_id": 1,
            "actor_name": "Dr Test",
            "role": "practitioner",
            "action": "patient.view",
            "patient_ref": "ref",
            "target": "patient",
            "detail": "",
            "client_address": "1.2.3.4",
            "outcome": "ok",
        }
        row["seal"] = chain.seal(KEY, row, previous)
        previous = row["seal"]
        rows.append(row)
    return rows


def test_an_intact_chain_verifies():
    assert chain.verify(KEY, _rows(5)) == 5


def test_an_altered_field_is_caught_at_its_entry():
    rows = _rows(5)
    rows[2]["actor_name"] = "Quelqu'un d'autre"
    with pytest.raises(chain.ChainBroken) as broken:
        chain.verify(KEY, rows)
    assert broken.value.seq == 3 and "modifiée" in str(broken.value)


def test_a_removed_entry_is_caught_at_its_number():
    rows = _rows(5)
    del rows[1]
    with pytest.raises(chain.ChainBroken) as broken:
        chain.verify(KEY, rows)
    assert broken.value.seq == 2 and "supprimée" in str(broken.value)


def test_an_inserted_entry_cannot_be_sealed_without_the_key():
    rows = _rows(3)
    forged = dict(rows[2], seq=4, action="patient.update")
    forged["seal"] = chain.seal(b"not the key" * 3, forged, rows[2]["seal"])
    with pytest.raises(chain.ChainBroken) as broken:
        chain.verify(KEY, rows + [forged])
    assert broken.value.seq == 4


def test_reordered_entries_are_caught():
    rows = _rows(4)
    rows[1], rows[2] = dict(rows[2], seq=2), dict(rows[1], seq=3)
    with pytest.raises(chain.ChainBroken) as broken:
        chain.verify(KEY, rows)
    assert broken.value.seq == 2


def test_a_chain_cut_by_retention_verifies_from_its_anchor():
    rows = _rows(6)
    assert chain.verify(KEY, rows[3:], anchor=(3, rows[2]["seal"])) == 3
    with pytest.raises(chain.ChainBroken):
        chain.verify(KEY, rows[3:])


# Against the real database and command ---------------------------------------------------


def _traced_activity(secretary_client, make_patient, n=3):
    patients = [make_patient() for _ in range(n)]
    for patient in patients:
        secretary_client.get(f"/patients/{patient.ref}")
    return patients


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_verify_command_passes_on_real_traces(runner, secretary_client, make_patient):
    _traced_activity(secretary_client, make_patient)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "Journal intègre" in result.output


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE trace SET detail = 'rien' WHERE seq = {seq}", "Entrée n° {seq} invalide"),
        ("DELETE FROM trace WHERE seq = {seq}", "Entrée n° {seq} absente"),
        ("UPDATE trace SET actor_id = 99 WHERE seq = {seq}", "Entrée n° {seq} invalide"),
    ],
)
def test_verify_command_names_the_first_tampered_entry(
    app, runner, secretary_client, make_patient, tamper, expected
):
    _traced_activity(secretary_client, make_patient)
    with app.app_context():
        seq = database.execute_sql("SELECT max(seq) - 2 FROM trace").fetchone()[0]
        database.execute_sql(tamper.format(seq=seq))
    result = _verify(runner)
    assert result.exit_code == 1
    assert expected.format(seq=seq) in result.output


def test_verify_catches_entries_removed_at_the_end(app, runner, secretary_client, make_patient):
    _traced_activity(secretary_client, make_patient)
    with app.app_context():
        last = database.execute_sql("SELECT max(seq) FROM trace").fetchone()[0]
        database.execute_sql("DELETE FROM trace WHERE seq >= ?", (last - 1,))
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"Entrées n° {last - 1} à {last} absentes" in result.output


def test_verify_catches_swapped_rows(app, runner, secretary_client, make_patient):
    """The readings of a file are in the journal of readings: its chain is checked too."""
    from cabinet.db import readings_database

    _traced_activity(secretary_client, make_patient)
    with app.app_context():
        a, b = readings_database.execute_sql(
            "SELECT seq FROM trace WHERE action = 'patient.view' ORDER BY seq LIMIT 2"
        ).fetchall()
        readings_database.execute_sql("UPDATE trace SET patient_ref = 'x' WHERE seq = ?", (a[0],))
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"journal des consultations : Entrée n° {a[0]} invalide" in result.output


def test_prune_deletes_old_traces_and_verify_stays_green(
    app, runner, secretary_client, make_patient
):
    _traced_activity(secretary_client, make_patient, n=4)
    from cabinet.audit.models import Trace, TraceCheckpoint

    with app.app_context():
        total = Trace.select().count()
        middle = Trace.select().order_by(Trace.seq).offset(total // 2).first()
        boundary = middle.at
        from cabinet.audit import jobs

        with app.test_request_context():
            summary = jobs.run(boundary + datetime.timedelta(days=365))
    assert summary["pruned"] == total // 2
    with app.app_context():
        remaining = list(Trace.select().order_by(Trace.seq))
        assert all(row.at >= boundary for row in remaining)
        assert Trace.select().count() < total
        assert TraceCheckpoint.select().count() >= 1
    assert _verify(runner).exit_code == 0
    # New traces after the cut chain on, and the whole still verifies.
    _traced_activity(secretary_client, make_patient, n=1)
    assert _verify(runner).exit_code == 0


def test_prune_everything_then_continue(app, runner, secretary_client, make_patient):
    _traced_activity(secretary_client, make_patient, n=2)
    result = runner.invoke(args=["audit", "prune", "--as-of", "2099-01-01"])
    assert result.exit_code == 0, result.output
    _traced_activity(secretary_client, make_patient, n=1)
    assert _verify(runner).exit_code == 0


def test_prune_rejects_a_bad_date(runner):
    result = runner.invoke(args=["audit", "prune", "--as-of", "hier"])
    assert result.exit_code == 1 and "Date invalide" in result.output


# The accelerated check (issue 20) agrees with the reference ------------------------------------


def test_unusual_but_valid_texts_verify(app, runner):
    """SQLite writes the canonical form of each row; where its escaping could differ from
    Python's (controls, quotes, backslashes, non-BMP, U+2028), the verdict stays the
    reference's: intact."""
    from cabinet.audit import fast_chain, trace

    odd = ['guillemet " et \\ barre', "ligne\nsuivante\t\x01\x7f", "emoji 🩺 et \u2028 fin", ""]
    with app.app_context():
        for text in odd:
            trace(None, "system.init", target="application", detail=text)
        # A time with no fraction of a second is stored without one (peewee, isoformat(" ")).
        for stored in ("2026-01-01 08:00:00", "2026-01-01 08:00:00.000250"):
            (written,) = database.execute_sql(
                f"SELECT {fast_chain._AT} FROM (SELECT ? AS at)",  # noqa: S608
                (stored,),
            ).fetchone()
            expected = datetime.datetime.fromisoformat(stored).isoformat(timespec="microseconds")
            assert written == expected
    result = _verify(runner)
    assert result.exit_code == 0, result.output


def test_the_parallel_check_names_the_first_broken_entry(app, runner, monkeypatch):
    """Two processes share the rows; a tampered entry in the second half is still named."""
    from cabinet.audit import fast_chain, trace

    with app.app_context():
        for number in range(60):
            trace(None, "system.init", target="application", detail=f"entrée {number}")
        total = database.execute_sql("SELECT MAX(seq) FROM trace").fetchone()[0]
    monkeypatch.setattr(fast_chain, "PARALLEL_FROM", 10)
    monkeypatch.setattr(fast_chain, "workers", lambda: 2)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert f"Journal intègre : {total} entrée(s)" in result.output
    late = total - 5
    with app.app_context():
        database.execute_sql("UPDATE trace SET detail = 'modifiée' WHERE seq = ?", (late,))
    result = _verify(runner)
    assert result.exit_code == 1 and f"Entrée n° {late} invalide" in result.output


def test_a_period_is_found_as_the_range_of_numbers_the_times_give(app):
    """Issue 20: without an index on the time, the first entry stamped at or after a moment
    is found by halving the numbers; it is the one a scan of the times finds, before the
    first entry, between two, on one, after the last, in an empty journal and once the
    oldest entries are pruned."""
    from cabinet.audit import journals, trace
    from cabinet.audit.services import first_seq_from

    model = journals.MAIN.model
    with app.test_request_context():
        database.execute_sql('DELETE FROM "trace"')
        assert first_seq_from(model, datetime.datetime(2026, 1, 1)) is None
        for _ in range(37):
            with database.atomic():  # in a transaction: the main journal
                trace(None, "patient.view", patient="p", target="patient")
        stamps = [row.at for row in model.select(model.at).order_by(model.seq)]
        moments = [
            stamps[0] - datetime.timedelta(days=1),
            *stamps,
            *(a + (b - a) / 2 for a, b in zip(stamps, stamps[1:], strict=False)),
            stamps[-1] + datetime.timedelta(microseconds=1),
            stamps[5].replace(microsecond=0),
        ]
        for pruned in (0, 11):
            first = model.select(fn.MIN(model.seq)).scalar()
            model.delete().where(model.seq < first + pruned).execute()
            for moment in moments:
                scanned = model.select(fn.MIN(model.seq)).where(model.at >= moment).scalar()
                assert first_seq_from(model, moment) == scanned, moment


def _reference(row: dict) -> bytes:
    """chain.canonical as it was written first: json.dumps, keys sorted."""
    import json

    fields = {name: row[name] for name in chain.SEALED_FIELDS}
    fields["at"] = row["at"].isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def test_the_canonical_form_is_json_dumps_byte_for_byte():
    """T2: canonical() writes the JSON itself for the values the application writes (issue
    20); every seal ever made must stay the same. Texts of every kind, numbers, None, and
    values of another type (which go through json.dumps)."""
    import random

    from faker import Faker

    fake = Faker("fr_FR")
    fake.seed_instance(20)
    generator = random.Random(20)
    odd = [
        '"',
        "\\",
        "\n\t\r\b\f",
        "\x00\x01\x1f\x7f",
        "\u2028\u2029",
        "é à ç œ",
        "😀 𝄞",
        "</script>",
    ]
    values = [
        *odd,
        "",
        None,
        0,
        -1,
        2**70,
        True,  # not an int to the JSON writer: it goes through json.dumps
        1.5,
    ]
    for index in range(400):
        row = {
            "seq": generator.choice([index, 2**40 + index]),
            "at": datetime.datetime(2026, 12, 7, 10, 0, 0, generator.choice([0, 1, 999_999])),
            "actor_id": generator.choice([None, index, -index]),
            "actor_name": generator.choice([fake.name(), *odd]),
            "role": generator.choice(["secretary", "practitioner", ""]),
            "action": "patient.view",
            "patient_ref": generator.choice([None, fake.uuid4(), *odd]),
            "target": generator.choice(["patient", f"appointment:{fake.uuid4()}"]),
            "detail": generator.choice([fake.sentence(), "".join(odd)]),
            "client_address": generator.choice(["127.0.0.1", "::1", ""]),
            "outcome": "ok",
        }
        if index % 5 == 0:
            row[generator.choice(chain.SEALED_FIELDS[2:])] = generator.choice(values)
        assert chain.canonical(row) == _reference(row), row

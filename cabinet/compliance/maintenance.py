"""The maintenance log, "main courante" (X8): every intervention on the system.

The admin records what a person did (date, who, provider, what, whether patient data was
touched); Cabinet records what it does on its own (restores, migrations, the full export,
the wipe) before or as it does it. Every entry is traced. An entry can be corrected during
24 hours after it was recorded, by the admin; after that it is only annotated, so the log
keeps what was said at the time.
"""

import datetime

from cabinet.audit import trace
from cabinet.compliance.models import MaintenanceEntry, MaintenanceNote
from cabinet.db import database, retrying, utcnow

EDITABLE_FOR = datetime.timedelta(hours=24)
SYSTEM_WHO = "Cabinet (automatique)"


class MaintenanceRefused(Exception):
    """Why a change to the log is refused (French)."""


def record(actor, occurred_on, who, provider, what, data_touched) -> MaintenanceEntry:
    """An intervention written by the admin; traced in the same transaction."""
    with database.atomic():
        entry = MaintenanceEntry.create(
            occurred_on=occurred_on,
            who=who,
            provider=provider or "",
            what=what,
            data_touched=bool(data_touched),
            source="manual",
            recorded_by=actor.id,
        )
        trace(actor, "maintenance.create", target=f"maintenance:{entry.ref}", detail=who)
    return entry


def record_system(what: str, data_touched: bool = True) -> MaintenanceEntry:
    """What Cabinet does on its own (restore, migration, export, wipe), written at once."""

    def work():
        with database.atomic():
            entry = MaintenanceEntry.create(
                occurred_on=utcnow().date(),
                who=SYSTEM_WHO,
                what=what,
                data_touched=data_touched,
                source="system",
            )
            trace(None, "maintenance.create", target=f"maintenance:{entry.ref}", detail=what[:200])
            return entry

    return retrying(work)


def can_edit(entry: MaintenanceEntry, now: datetime.datetime | None = None) -> bool:
    return entry.source == "manual" and (now or utcnow()) - entry.recorded_at < EDITABLE_FOR


def update(actor, entry: MaintenanceEntry, now=None, **fields) -> MaintenanceEntry:
    """Correct an entry within its 24 hours; MaintenanceRefused afterwards."""
    if not can_edit(entry, now):
        raise MaintenanceRefused(
            "Cette intervention ne peut plus être modifiée (24 heures passées, ou inscrite "
            "par le logiciel) : ajoutez une note."
        )
    with database.atomic():
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.updated_at = utcnow()
        entry.save()
        trace(actor, "maintenance.update", target=f"maintenance:{entry.ref}", detail=entry.who)
    return entry


def annotate(actor, entry: MaintenanceEntry, text: str) -> MaintenanceNote:
    with database.atomic():
        note = MaintenanceNote.create(
            entry=entry, author=actor.id, author_name=actor.display_name, text=text
        )
        trace(actor, "maintenance.annotate", target=f"maintenance:{entry.ref}")
    return note


def entries(limit: int | None = None):
    """Newest first, with their notes."""
    query = MaintenanceEntry.select().order_by(
        MaintenanceEntry.recorded_at.desc(), MaintenanceEntry.id.desc()
    )
    return query.limit(limit) if limit else query


def notes_by_entry(rows) -> dict[int, list[MaintenanceNote]]:
    ids = [row.id for row in rows]
    found: dict[int, list[MaintenanceNote]] = {}
    for note in (
        MaintenanceNote.select().where(MaintenanceNote.entry.in_(ids)).order_by(MaintenanceNote.id)
    ):
        found.setdefault(note.entry_id, []).append(note)
    return found

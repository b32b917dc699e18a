"""The tariffs and acts in force on a day (the latest version on or before it), and the
admin's new versions when an avenant comes: a new row with its date and source, never an
edit of the old one, so a visit before the avenant keeps its old price."""

import datetime
from decimal import Decimal

from cabinet.audit import trace
from cabinet.billing.models import NgapAct, Tariff
from cabinet.billing.pricing import PickedAct, PricingError, Rate
from cabinet.db import database


def _latest(rows, key) -> dict:
    """The latest version of each `key` among rows ordered by effective date."""
    latest = {}
    for row in rows:
        latest[key(row)] = row
    return latest


def in_force(profession: str, day: datetime.date) -> dict[str, Rate]:
    """Each tariff code of the profession as in force on `day`."""
    rows = (
        Tariff.select()
        .where((Tariff.profession == profession) & (Tariff.effective_from <= day))
        .order_by(Tariff.effective_from, Tariff.id)
    )
    return {
        code: Rate(
            row.code,
            row.kind,
            row.label,
            Decimal(row.amount),
            row.confirmed,
            row.starts,
            row.ends,
        )
        for code, row in _latest(rows, lambda r: r.code).items()
    }


def acts_in_force(day: datetime.date, profession: str | None = None) -> dict[str, NgapAct]:
    """Each act of the nomenclature as in force on `day` (withdrawn ones left out)."""
    query = NgapAct.select().where(NgapAct.effective_from <= day)
    if profession:
        query = query.where(NgapAct.profession == profession)
    latest = _latest(query.order_by(NgapAct.effective_from, NgapAct.id), lambda r: r.ident)
    return {ident: row for ident, row in latest.items() if row.active}


def picked(row: NgapAct) -> PickedAct:
    return PickedAct(
        ident=row.ident,
        label=row.label,
        key=row.key,
        coefficient=Decimal(row.coefficient),
        cumulation=row.cumulation,
        full_rate_with=row.full_rate_with,
        opens_mci=row.opens_mci,
        rule=row.rule,
        confirmed=row.confirmed,
    )


def history():
    """Every tariff version, for the admin's page (profession, code, date)."""
    return Tariff.select().order_by(Tariff.profession, Tariff.code, Tariff.effective_from)


def act_history():
    return NgapAct.select().order_by(NgapAct.profession, NgapAct.ident, NgapAct.effective_from)


def add_tariff_version(
    actor, code_of: str, amount: Decimal, effective_from, source: str, confirmed: bool
) -> Tariff:
    """A new version of an existing tariff (`code_of` = "profession:code") from a date."""
    profession, _, code = code_of.partition(":")
    previous = (
        Tariff.select()
        .where((Tariff.profession == profession) & (Tariff.code == code))
        .order_by(Tariff.effective_from.desc())
        .first()
    )
    if previous is None:
        raise PricingError("Tarif inconnu.")
    if Tariff.get_or_none(
        (Tariff.profession == profession)
        & (Tariff.code == code)
        & (Tariff.effective_from == effective_from)
    ):
        raise PricingError("Une version de ce tarif commence déjà à cette date.")
    with database.atomic():
        row = Tariff.create(
            profession=profession,
            code=code,
            kind=previous.kind,
            label=previous.label,
            amount=amount,
            starts=previous.starts,
            ends=previous.ends,
            effective_from=effective_from,
            source=source,
            confirmed=confirmed,
            created_by=actor.id,
        )
        trace(
            actor,
            "tariff.update",
            target=f"tariff:{profession}:{code}",
            detail=f"{amount} € au {effective_from:%d/%m/%Y}",
        )
    return row


def tariff_choices() -> list[tuple[str, str]]:
    seen = {}
    for row in history():
        seen[f"{row.profession}:{row.code}"] = f"{row.code} — {row.label} ({row.profession})"
    return list(seen.items())
